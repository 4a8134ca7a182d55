/*
 * A streaming parser for the TOML subset described in toml.h: arrays, keys,
 * tables and statements, over the cursor and single values of toml_lex.c.
 * Section references are to TOML 1.0.0 (toml.io/en/v1.0.0).
 */
#include "toml_internal.h"

/* ---- arrays (Array) ---- */

/*
 * At the first non-blank of a line inside an array: does the line read as a
 * key/value pair or a table header?  Then the array lacks its ']'.  No line of
 * a valid array looks like that, since bare words are not values.
 */
static bool looks_like_statement(const struct parser *p)
{
	size_t i = p->off;
	const char *t = p->text;
	if (i < p->len && t[i] == '[') {
		i++;
		if (i < p->len && t[i] == '[')
			i++;
		while (i < p->len && (t[i] == ' ' || t[i] == '\t'))
			i++;
		return i < p->len && (is_alpha((unsigned char)t[i]) || t[i] == '_');
	}
	if (i >= p->len || !(is_alpha((unsigned char)t[i]) || t[i] == '_'))
		return false;
	while (i < p->len && is_bare_key_char((unsigned char)t[i]))
		i++;
	while (i < p->len && (t[i] == ' ' || t[i] == '\t'))
		i++;
	return i < p->len && (t[i] == '=' || t[i] == '.');
}

/* Blanks, newlines and comments between elements; false at an unterminated array. */
static bool skip_array_space(struct parser *p, struct mk_pos open)
{
	for (;;) {
		toml_skip_blanks(p);
		if (peek(p) == '#')
			toml_skip_comment(p);
		if (peek(p) < 0) {
			toml_syntax_error(p, open, "unterminated array (missing ']')");
			return false;
		}
		if (!at_line_end(p))
			return true;
		toml_take_newline(p);
		toml_skip_blanks(p);
		if (looks_like_statement(p)) {
			toml_syntax_error(p, open, "unterminated array (missing ']')");
			p->resume = true;
			return false;
		}
	}
}

/* After a bad element, skip to the array's ']' so its other lines are not misread. */
static void skip_rest_of_array(struct parser *p)
{
	uint32_t depth = 0;
	for (;;) {
		int c = peek(p);
		if (c < 0)
			return;
		if (at_line_end(p)) {
			toml_take_newline(p);
			toml_skip_blanks(p);
			if (looks_like_statement(p)) {
				p->resume = true;
				return;
			}
		} else if (c == '#') {
			while (!at_line_end(p))
				p->off++;
		} else if (c == '"' || c == '\'') {
			p->off++;
			while (!at_line_end(p) && peek(p) != c) {
				if (c == '"' && peek(p) == '\\')
					p->off++;
				if (!at_line_end(p))
					p->off++;
			}
			if (peek(p) == c)
				p->off++;
		} else {
			p->off++;
			if (c == '[') {
				depth++;
			} else if (c == ']') {
				if (depth == 0)
					return;
				depth--;
			}
		}
	}
}

static bool parse_value(struct parser *p, struct toml_value *v, bool in_array);

static bool parse_array(struct parser *p, struct toml_value *v)
{
	const struct toml_scratch *s = p->scratch;
	struct mk_pos open = pos_here(p);
	char buf[16];
	p->off++;
	v->type = TOML_ARRAY;
	v->elems = s->elems;
	v->len = 0;
	for (;;) {
		struct toml_value e;
		if (!skip_array_space(p, open))
			return false;
		if (peek(p) == ']')
			break;
		if (!parse_value(p, &e, true))
			goto bad;
		if (v->len == s->elems_cap) {
			toml_syntax_error(p, e.pos, "array has more than %u elements", s->elems_cap);
			goto bad;
		}
		s->elems[v->len++] = e;
		if (!skip_array_space(p, open))
			return false;
		if (peek(p) == ']')
			break;
		if (peek(p) != ',') {
			toml_syntax_error(p, pos_here(p),
				     "expected ',' or ']' after array element, found %s",
				     toml_describe_here(p, buf, sizeof(buf)));
			goto bad;
		}
		p->off++;
	}
	p->off++;
	return true;
bad:
	skip_rest_of_array(p);
	return false;
}

static bool parse_value(struct parser *p, struct toml_value *v, bool in_array)
{
	char buf[16];
	int c = peek(p);
	v->type = TOML_INVALID;
	v->len = 0;
	v->i = 0;
	v->pos = pos_here(p);
	if (c == '"' || c == '\'')
		return toml_parse_string(p, v);
	if (c == '[' && !in_array)
		return parse_array(p, v);
	if (c == '[') {
		toml_syntax_error(p, v->pos, "nested arrays are not supported");
		return false;
	}
	if (c == '{') {
		toml_syntax_error(p, v->pos, "inline tables are not supported");
		return false;
	}
	if (is_token_char(c))
		return toml_parse_token(p, v);
	toml_syntax_error(p, v->pos, "expected a value, found %s", toml_describe_here(p, buf, sizeof(buf)));
	return false;
}

/* ---- keys, tables and statements ---- */

/* A bare or quoted key (Keys) into key[TOML_KEY_MAX]. */
static bool parse_key(struct parser *p, char *key, struct mk_pos *pos, const char *what)
{
	char buf[16];
	size_t n = 0;
	int c = peek(p);
	*pos = pos_here(p);
	if (c == '"' || c == '\'') {
		struct toml_value v;
		size_t mark = p->nstrings;
		bool ok = toml_parse_string(p, &v);
		p->nstrings = mark; /* copied out below, before the scratch is reused */
		if (!ok)
			return false;
		if (mk_strlen(v.s) != v.len) {
			toml_syntax_error(p, *pos, "%s contains a NUL byte", what);
			return false;
		}
		n = v.len;
		if (n < TOML_KEY_MAX)
			mk_memcpy(key, v.s, n + 1);
	} else if (is_bare_key_char(c)) {
		for (; is_bare_key_char(peek(p)); p->off++, n++)
			if (n < TOML_KEY_MAX - 1)
				key[n] = (char)peek(p);
		key[n < TOML_KEY_MAX - 1 ? n : TOML_KEY_MAX - 1] = 0;
	} else {
		toml_syntax_error(p, *pos, "expected a %s, found %s", what,
			     toml_describe_here(p, buf, sizeof(buf)));
		return false;
	}
	if (n >= TOML_KEY_MAX) {
		toml_syntax_error(p, *pos, "%s is too long (more than %u bytes)", what,
			     TOML_KEY_MAX - 1);
		return false;
	}
	return true;
}

static const struct name_entry *find_name(const struct name_entry *list, uint32_t n,
					  const char *name)
{
	for (uint32_t i = 0; i < n; i++)
		if (mk_streq(list[i].name, name))
			return &list[i];
	return NULL;
}

static void add_name(struct name_entry *e, const char *name, enum name_kind kind, uint32_t line)
{
	mk_strlcpy(e->name, name, sizeof(e->name));
	e->kind = kind;
	e->line = line;
}

/* Records a key of the current table; false (reported) for a duplicate. */
static bool declare_key(struct parser *p, const char *key, struct mk_pos pos)
{
	struct name_entry *list = p->in_table ? p->keys : p->names;
	uint32_t *n = p->in_table ? &p->nkeys : &p->nnames;
	uint32_t cap = p->in_table ? TOML_TABLE_KEYS_MAX : TOML_NAMES_MAX;
	const struct name_entry *old = find_name(list, *n, key);
	char shown[SHOWN_MAX];
	if (old) {
		toml_syntax_error(p, pos, "duplicate key \"%s\" (first defined at line %u)",
			     toml_show(key, mk_strlen(key), shown, sizeof(shown)), old->line);
		return false;
	}
	if (*n == cap) {
		toml_syntax_error(p, pos, "too many keys in one table (at most %u)", cap);
		return false;
	}
	add_name(&list[(*n)++], key, NAME_KEY, pos.line);
	return true;
}

/* Records a table header; false (reported) when it redefines a name (Table, Array of Tables). */
static bool declare_table(struct parser *p, const char *name, bool array, struct mk_pos pos)
{
	enum name_kind kind = array ? NAME_ARRAY_TABLE : NAME_TABLE;
	const struct name_entry *old = find_name(p->names, p->nnames, name);
	char shown[SHOWN_MAX];
	toml_show(name, mk_strlen(name), shown, sizeof(shown));
	if (old && old->kind == NAME_ARRAY_TABLE && array)
		return true;
	if (old && old->kind == NAME_KEY)
		toml_syntax_error(p, pos, "table \"%s\" conflicts with the key defined at line %u",
			     shown, old->line);
	else if (old && old->kind == kind)
		toml_syntax_error(p, pos, "table [%s] is defined twice (first at line %u)", shown,
			     old->line);
	else if (old && array)
		toml_syntax_error(p, pos, "[[%s]] conflicts with table [%s] at line %u", shown, shown,
			     old->line);
	else if (old)
		toml_syntax_error(p, pos, "[%s] conflicts with array of tables [[%s]] at line %u", shown,
			     shown, old->line);
	else if (p->nnames == TOML_NAMES_MAX)
		toml_syntax_error(p, pos, "too many tables (at most %u, top-level keys included)",
			     TOML_NAMES_MAX);
	else {
		add_name(&p->names[p->nnames++], name, kind, pos.line);
		return true;
	}
	return false;
}

/* "[name]" or "[[name]]"; one-level names only. */
static bool parse_header_name(struct parser *p, char *name, bool *array)
{
	char buf[16];
	struct mk_pos name_pos;
	*array = peek_at(p, 1) == '[';
	p->off += *array ? 2 : 1;
	toml_skip_blanks(p);
	if (!parse_key(p, name, &name_pos, "table name"))
		return false;
	toml_skip_blanks(p);
	if (peek(p) == '.') {
		toml_syntax_error(p, name_pos, "dotted table names like [a.b] are not supported");
		return false;
	}
	if (peek(p) == ']' && (!*array || peek_at(p, 1) == ']')) {
		p->off += *array ? 2 : 1;
		return true;
	}
	if (*array && peek(p) == ']')
		p->off++; /* point at what stands where the second ']' belongs */
	toml_syntax_error(p, pos_here(p), "expected '%s' after table name, found %s",
		     *array ? "]]" : "]", toml_describe_here(p, buf, sizeof(buf)));
	return false;
}

static bool parse_header(struct parser *p)
{
	char name[TOML_KEY_MAX];
	bool array;
	struct toml_item it = { .kind = TOML_ITEM_BAD_TABLE, .pos = pos_here(p), .key = "" };
	p->nstrings = 0;
	bool ok = parse_header_name(p, name, &array);
	p->in_table = true;
	p->nkeys = 0;
	if (ok && declare_table(p, name, array, it.pos)) {
		it.kind = array ? TOML_ITEM_ARRAY_TABLE : TOML_ITEM_TABLE;
		it.key = name;
	}
	p->fn(p->ctx, &it);
	return ok;
}

static bool parse_keyval(struct parser *p)
{
	char key[TOML_KEY_MAX], shown[SHOWN_MAX], buf[16];
	struct toml_item it = { .kind = TOML_ITEM_KEYVAL, .key = key };
	p->nstrings = 0;
	if (!parse_key(p, key, &it.pos, "key"))
		return false;
	toml_skip_blanks(p);
	if (peek(p) == '.') {
		toml_syntax_error(p, it.pos, "dotted keys are not supported");
		return false;
	}
	if (peek(p) != '=') {
		toml_syntax_error(p, pos_here(p), "expected '=' after key \"%s\", found %s",
			     toml_show(key, mk_strlen(key), shown, sizeof(shown)),
			     toml_describe_here(p, buf, sizeof(buf)));
		return false;
	}
	p->off++;
	toml_skip_blanks(p);
	bool fresh = declare_key(p, key, it.pos);
	bool ok = parse_value(p, &it.value, false);
	if (!ok)
		it.value.type = TOML_INVALID;
	if (fresh)
		p->fn(p->ctx, &it);
	return ok;
}

uint32_t toml_parse(const char *text, size_t len, const struct toml_scratch *scratch,
		    toml_item_fn fn, void *ctx, struct mk_diags *d)
{
	struct parser p;
	mk_memset(&p, 0, sizeof(p));
	p.text = text;
	p.len = len;
	p.line = 1;
	p.scratch = scratch;
	p.d = d;
	p.fn = fn;
	p.ctx = ctx;
	/* Some editors start UTF-8 files with a byte order mark; it is not text. */
	if (len >= 3 && mk_memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		p.off = p.line_start = 3;
	while (p.off < p.len) {
		bool ok;
		toml_skip_blanks(&p);
		if (peek(&p) == '#' || at_line_end(&p))
			ok = toml_end_statement(&p, "comment");
		else if (peek(&p) == '[')
			ok = parse_header(&p) && toml_end_statement(&p, "table header");
		else
			ok = parse_keyval(&p) && toml_end_statement(&p, "value");
		if (ok)
			continue;
		if (p.resume)
			p.resume = false;
		else
			toml_skip_line(&p);
	}
	return p.errors;
}
