/*
 * A streaming parser for the TOML subset described in toml.h.  Section
 * references are to TOML 1.0.0 (toml.io/en/v1.0.0).
 */
#include "toml.h"

#define SHOWN_MAX 40 /* a token or key quoted in a message, with "..." and NUL */

enum name_kind { NAME_KEY, NAME_TABLE, NAME_ARRAY_TABLE };

struct name_entry {
	char name[TOML_KEY_MAX];
	uint8_t kind; /* enum name_kind */
	uint32_t line;
};

struct parser {
	const char *text;
	size_t len, off;
	uint32_t line;
	size_t line_start;
	/* Recovery stopped at the start of a statement: parse it, do not skip it. */
	bool resume;
	const struct toml_scratch *scratch;
	size_t nstrings;
	struct mk_diags *d;
	uint32_t errors;
	toml_item_fn fn;
	void *ctx;
	bool in_table; /* false while keys still go to the root table */
	/* "Defining a key or table more than once is invalid" (Keys, Table). */
	struct name_entry names[TOML_NAMES_MAX]; /* tables and top-level keys */
	uint32_t nnames;
	struct name_entry keys[TOML_TABLE_KEYS_MAX]; /* keys of the current table */
	uint32_t nkeys;
};

static void syntax_error(struct parser *p, struct mk_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void syntax_error(struct parser *p, struct mk_pos pos, const char *fmt, ...)
{
	char msg[DIAG_MSG_MAX];
	struct mk_buf b;
	va_list ap;
	mk_buf_init(&b, msg, sizeof(msg));
	va_start(ap, fmt);
	mk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	diag_error(p->d, pos, "%s", msg);
	p->errors++;
}

/* ---- the cursor ---- */

static int peek_at(const struct parser *p, size_t ahead)
{
	return p->off + ahead < p->len ? (unsigned char)p->text[p->off + ahead] : -1;
}

static int peek(const struct parser *p)
{
	return peek_at(p, 0);
}

static struct mk_pos pos_here(const struct parser *p)
{
	return (struct mk_pos){ p->line, (uint32_t)(p->off - p->line_start + 1) };
}

/* Newline is LF or CRLF (Spec); a lone CR is a control character. */
static bool at_line_end(const struct parser *p)
{
	int c = peek(p);
	return c < 0 || c == '\n' || (c == '\r' && peek_at(p, 1) == '\n');
}

static void take_newline(struct parser *p)
{
	if (peek(p) == '\r')
		p->off++;
	p->off++;
	p->line++;
	p->line_start = p->off;
}

static void skip_blanks(struct parser *p)
{
	while (peek(p) == ' ' || peek(p) == '\t')
		p->off++;
}

static void skip_line(struct parser *p)
{
	while (!at_line_end(p))
		p->off++;
	if (peek(p) >= 0)
		take_newline(p);
}

/* Comments and strings may not hold control characters other than tab (Comment, String). */
static bool is_control(int c)
{
	return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7F;
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_bare_key_char(int c)
{
	return is_alpha(c) || is_digit(c) || c == '_' || c == '-';
}

/* The characters a number, boolean, float or date can be made of. */
static bool is_token_char(int c)
{
	return is_bare_key_char(c) || c == '+' || c == '.' || c == ':';
}

/* What the cursor is on, for "found ..." in messages. */
static const char *describe_here(const struct parser *p, char *buf, size_t cap)
{
	int c = peek(p);
	if (c < 0)
		return "end of file";
	if (at_line_end(p))
		return "end of line";
	if (c >= 0x20 && c < 0x7F)
		mk_snprintf(buf, cap, "'%c'", c);
	else
		mk_snprintf(buf, cap, "byte 0x%02X", (unsigned)c);
	return buf;
}

const char *toml_show(const char *s, size_t n, char *out, size_t cap)
{
	size_t keep = n < cap - 4 ? n : cap - 4;
	for (size_t i = 0; i < keep; i++)
		out[i] = is_control((unsigned char)s[i]) ? '?' : s[i];
	if (keep < n) {
		mk_memcpy(out + keep, "...", 3);
		keep += 3;
	}
	out[keep] = 0;
	return out;
}

static void skip_comment(struct parser *p)
{
	bool reported = false;
	while (!at_line_end(p)) {
		int c = peek(p);
		if (is_control(c) && !reported) {
			syntax_error(p, pos_here(p), "control character 0x%02X in comment",
				     (unsigned)c);
			reported = true;
		}
		p->off++;
	}
}

/* A statement ends with optional blanks and comment, then a newline or the end. */
static bool end_statement(struct parser *p, const char *after)
{
	char buf[16];
	skip_blanks(p);
	if (peek(p) == '#')
		skip_comment(p);
	if (at_line_end(p)) {
		if (peek(p) >= 0)
			take_newline(p);
		return true;
	}
	syntax_error(p, pos_here(p), "expected end of line after %s, found %s", after,
		     describe_here(p, buf, sizeof(buf)));
	return false;
}

/* ---- strings (String) ---- */

static void str_put(struct parser *p, uint8_t c, bool *full)
{
	if (p->nstrings + 1 < p->scratch->strings_cap)
		p->scratch->strings[p->nstrings++] = (char)c;
	else
		*full = true;
}

static int hex_value(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 3629 section 3; \u escapes reach only the Basic Multilingual Plane. */
static void str_put_utf8(struct parser *p, uint32_t cp, bool *full)
{
	if (cp < 0x80) {
		str_put(p, (uint8_t)cp, full);
	} else if (cp < 0x800) {
		str_put(p, (uint8_t)(0xC0 | cp >> 6), full);
		str_put(p, (uint8_t)(0x80 | (cp & 0x3F)), full);
	} else {
		str_put(p, (uint8_t)(0xE0 | cp >> 12), full);
		str_put(p, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)), full);
		str_put(p, (uint8_t)(0x80 | (cp & 0x3F)), full);
	}
}

/* Decodes the escape at the cursor (a backslash); false, reported when asked, if invalid. */
static bool parse_escape(struct parser *p, bool report, bool *full)
{
	static const char from[] = "\"\\ntr", to[] = "\"\\\n\t\r";
	struct mk_pos at = pos_here(p);
	int c = peek_at(p, 1);
	char buf[16];
	for (size_t i = 0; from[i]; i++) {
		if (c == from[i]) {
			str_put(p, (uint8_t)to[i], full);
			p->off += 2;
			return true;
		}
	}
	if (c == 'u') {
		uint32_t cp = 0;
		for (size_t i = 0; i < 4; i++) {
			int h = hex_value(peek_at(p, 2 + i));
			if (h < 0) {
				if (report)
					syntax_error(p, at, "\\u must be followed by 4 hex digits");
				p->off += 2;
				return false;
			}
			cp = cp << 4 | (uint32_t)h;
		}
		p->off += 6;
		if (cp >= 0xD800 && cp <= 0xDFFF) {
			if (report)
				syntax_error(p, at,
					     "\\u%04X is a surrogate, not a Unicode scalar value",
					     cp);
			return false;
		}
		str_put_utf8(p, cp, full);
		return true;
	}
	p->off++; /* the byte after '\\' is then read as an ordinary one */
	if (report && c >= 0x20 && c < 0x7F)
		syntax_error(p, at,
			     "invalid escape '\\%c' (supported: \\\" \\\\ \\n \\t \\r \\uXXXX)", c);
	else if (report)
		syntax_error(p, at, "invalid escape: '\\' followed by %s",
			     describe_here(p, buf, sizeof(buf)));
	return false;
}

/* Past the closing quotes of a multi-line string, so its lines are not read as statements. */
static void skip_multiline_string(struct parser *p, int quote)
{
	p->off += 3;
	while (peek(p) >= 0 &&
	       !(peek(p) == quote && peek_at(p, 1) == quote && peek_at(p, 2) == quote)) {
		if (at_line_end(p))
			take_newline(p);
		else
			p->off++;
	}
	if (peek(p) >= 0)
		p->off += 3;
}

/* A basic "..." or literal '...' string at the cursor, decoded into the scratch. */
static bool parse_string(struct parser *p, struct toml_value *v)
{
	int quote = peek(p);
	size_t start = p->nstrings;
	bool full = false, bad = false;
	v->pos = pos_here(p);
	if (peek_at(p, 1) == quote && peek_at(p, 2) == quote) {
		syntax_error(p, v->pos, "multi-line strings are not supported");
		skip_multiline_string(p, quote);
		return false;
	}
	p->off++;
	for (;;) {
		int c = peek(p);
		if (at_line_end(p)) {
			syntax_error(p, v->pos, "unterminated string (missing closing %c)", quote);
			return false;
		}
		if (c == quote) {
			p->off++;
			break;
		}
		if (c == '\\' && quote == '"') {
			bad |= !parse_escape(p, !bad, &full);
			continue;
		}
		if (is_control(c)) {
			if (!bad)
				syntax_error(p, pos_here(p), "control character 0x%02X in string",
					     (unsigned)c);
			bad = true;
		}
		str_put(p, (uint8_t)c, &full);
		p->off++;
	}
	if (full || p->nstrings >= p->scratch->strings_cap) {
		syntax_error(p, v->pos, "string is too long (more than %zu bytes)",
			     p->scratch->strings_cap ? p->scratch->strings_cap - 1 : 0);
		return false;
	}
	if (bad)
		return false;
	p->scratch->strings[p->nstrings] = 0;
	v->type = TOML_STRING;
	v->s = p->scratch->strings + start;
	v->len = (uint32_t)(p->nstrings - start);
	p->nstrings++;
	return true;
}

/* ---- integers, booleans and what TOML has but the subset leaves out ---- */

static bool token_is(const char *t, size_t n, const char *word)
{
	return n == mk_strlen(word) && mk_memcmp(t, word, n) == 0;
}

/* Offset Date-Time .. Local Time: "1979-05-27", "07:32:00". */
static bool looks_like_datetime(const char *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (t[i] == ':')
			return true;
	return n >= 5 && is_digit(t[0]) && is_digit(t[1]) && is_digit(t[2]) && is_digit(t[3]) &&
	       t[4] == '-';
}

/* Float: digits then '.', 'e' or 'E'; or inf / nan.  `t` is past any sign. */
static bool looks_like_float(const char *t, size_t n)
{
	size_t i = 0;
	if (token_is(t, n, "inf") || token_is(t, n, "nan"))
		return true;
	while (i < n && (is_digit(t[i]) || t[i] == '_'))
		i++;
	return i < n && (t[i] == '.' || t[i] == 'e' || t[i] == 'E');
}

static int digit_value(int c, unsigned base)
{
	int v = hex_value(c);
	return v >= 0 && (unsigned)v < base ? v : -1;
}

static const char *base_name(unsigned base)
{
	return base == 16 ? "hexadecimal" : base == 8 ? "octal" : base == 2 ? "binary" : "decimal";
}

/* The digits of an Integer (t[i..n)) with '_' only between digits, within int64. */
static bool parse_digits(struct parser *p, struct toml_value *v, const char *t, size_t i, size_t n,
			 unsigned base, bool neg, const char *shown)
{
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t mag = 0;
	bool prev_digit = false;
	for (; i < n; i++) {
		if (t[i] == '_') {
			if (!prev_digit || i + 1 == n || digit_value(t[i + 1], base) < 0) {
				syntax_error(p, v->pos, "'_' must be between two digits in \"%s\"",
					     shown);
				return false;
			}
			prev_digit = false;
			continue;
		}
		int dv = digit_value(t[i], base);
		if (dv < 0) {
			syntax_error(p, v->pos, "invalid character '%c' in %s integer \"%s\"", t[i],
				     base_name(base), shown);
			return false;
		}
		if (mag > (limit - (uint64_t)dv) / base) {
			syntax_error(p, v->pos, "integer \"%s\" does not fit in 64 bits (signed)",
				     shown);
			return false;
		}
		mag = mag * base + (uint64_t)dv;
		prev_digit = true;
	}
	v->type = TOML_INT;
	v->i = !neg ? (int64_t)mag : mag == limit ? INT64_MIN : -(int64_t)mag;
	return true;
}

static bool parse_integer(struct parser *p, struct toml_value *v, const char *t, size_t n,
			  const char *shown)
{
	size_t i = 0;
	unsigned base = 10;
	bool neg = t[0] == '-';
	if (looks_like_datetime(t, n)) {
		syntax_error(p, v->pos, "dates and times are not supported");
		return false;
	}
	if (t[0] == '+' || t[0] == '-')
		i = 1;
	if (n - i >= 2 && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'o' || t[i + 1] == 'b')) {
		base = t[i + 1] == 'x' ? 16 : t[i + 1] == 'o' ? 8 : 2;
		if (i) {
			syntax_error(p, v->pos, "a %s integer cannot have a sign", base_name(base));
			return false;
		}
		i += 2;
	} else if (looks_like_float(t + i, n - i)) {
		syntax_error(p, v->pos, "floats are not supported");
		return false;
	} else if (i + 1 < n && t[i] == '0' && (is_digit(t[i + 1]) || t[i + 1] == '_')) {
		syntax_error(p, v->pos, "leading zeros are not allowed in \"%s\"", shown);
		return false;
	}
	if (i == n) {
		syntax_error(p, v->pos, "expected digits in \"%s\"", shown);
		return false;
	}
	return parse_digits(p, v, t, i, n, base, neg, shown);
}

/* A bare word or number at the cursor: true, false, or an Integer. */
static bool parse_token(struct parser *p, struct toml_value *v)
{
	size_t start = p->off;
	char shown[SHOWN_MAX];
	while (is_token_char(peek(p)))
		p->off++;
	const char *t = p->text + start;
	size_t n = p->off - start;
	toml_show(t, n, shown, sizeof(shown));
	if (!is_alpha(t[0]))
		return parse_integer(p, v, t, n, shown);
	if (token_is(t, n, "true") || token_is(t, n, "false")) {
		v->type = TOML_BOOL;
		v->i = t[0] == 't';
		return true;
	}
	if (token_is(t, n, "inf") || token_is(t, n, "nan")) {
		syntax_error(p, v->pos, "floats are not supported");
		return false;
	}
	syntax_error(p, v->pos, "expected a value, found \"%s\" (strings must be quoted)", shown);
	return false;
}

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
		skip_blanks(p);
		if (peek(p) == '#')
			skip_comment(p);
		if (peek(p) < 0) {
			syntax_error(p, open, "unterminated array (missing ']')");
			return false;
		}
		if (!at_line_end(p))
			return true;
		take_newline(p);
		skip_blanks(p);
		if (looks_like_statement(p)) {
			syntax_error(p, open, "unterminated array (missing ']')");
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
			take_newline(p);
			skip_blanks(p);
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
			syntax_error(p, e.pos, "array has more than %u elements", s->elems_cap);
			goto bad;
		}
		s->elems[v->len++] = e;
		if (!skip_array_space(p, open))
			return false;
		if (peek(p) == ']')
			break;
		if (peek(p) != ',') {
			syntax_error(p, pos_here(p),
				     "expected ',' or ']' after array element, found %s",
				     describe_here(p, buf, sizeof(buf)));
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
		return parse_string(p, v);
	if (c == '[' && !in_array)
		return parse_array(p, v);
	if (c == '[') {
		syntax_error(p, v->pos, "nested arrays are not supported");
		return false;
	}
	if (c == '{') {
		syntax_error(p, v->pos, "inline tables are not supported");
		return false;
	}
	if (is_token_char(c))
		return parse_token(p, v);
	syntax_error(p, v->pos, "expected a value, found %s", describe_here(p, buf, sizeof(buf)));
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
		bool ok = parse_string(p, &v);
		p->nstrings = mark; /* copied out below, before the scratch is reused */
		if (!ok)
			return false;
		if (mk_strlen(v.s) != v.len) {
			syntax_error(p, *pos, "%s contains a NUL byte", what);
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
		syntax_error(p, *pos, "expected a %s, found %s", what,
			     describe_here(p, buf, sizeof(buf)));
		return false;
	}
	if (n >= TOML_KEY_MAX) {
		syntax_error(p, *pos, "%s is too long (more than %u bytes)", what,
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
		syntax_error(p, pos, "duplicate key \"%s\" (first defined at line %u)",
			     toml_show(key, mk_strlen(key), shown, sizeof(shown)), old->line);
		return false;
	}
	if (*n == cap) {
		syntax_error(p, pos, "too many keys in one table (at most %u)", cap);
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
		syntax_error(p, pos, "table \"%s\" conflicts with the key defined at line %u",
			     shown, old->line);
	else if (old && old->kind == kind)
		syntax_error(p, pos, "table [%s] is defined twice (first at line %u)", shown,
			     old->line);
	else if (old && array)
		syntax_error(p, pos, "[[%s]] conflicts with table [%s] at line %u", shown, shown,
			     old->line);
	else if (old)
		syntax_error(p, pos, "[%s] conflicts with array of tables [[%s]] at line %u", shown,
			     shown, old->line);
	else if (p->nnames == TOML_NAMES_MAX)
		syntax_error(p, pos, "too many tables (at most %u, top-level keys included)",
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
	skip_blanks(p);
	if (!parse_key(p, name, &name_pos, "table name"))
		return false;
	skip_blanks(p);
	if (peek(p) == '.') {
		syntax_error(p, name_pos, "dotted table names like [a.b] are not supported");
		return false;
	}
	if (peek(p) == ']' && (!*array || peek_at(p, 1) == ']')) {
		p->off += *array ? 2 : 1;
		return true;
	}
	if (*array && peek(p) == ']')
		p->off++; /* point at what stands where the second ']' belongs */
	syntax_error(p, pos_here(p), "expected '%s' after table name, found %s",
		     *array ? "]]" : "]", describe_here(p, buf, sizeof(buf)));
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
	skip_blanks(p);
	if (peek(p) == '.') {
		syntax_error(p, it.pos, "dotted keys are not supported");
		return false;
	}
	if (peek(p) != '=') {
		syntax_error(p, pos_here(p), "expected '=' after key \"%s\", found %s",
			     toml_show(key, mk_strlen(key), shown, sizeof(shown)),
			     describe_here(p, buf, sizeof(buf)));
		return false;
	}
	p->off++;
	skip_blanks(p);
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
		skip_blanks(&p);
		if (peek(&p) == '#' || at_line_end(&p))
			ok = end_statement(&p, "comment");
		else if (peek(&p) == '[')
			ok = parse_header(&p) && end_statement(&p, "table header");
		else
			ok = parse_keyval(&p) && end_statement(&p, "value");
		if (ok)
			continue;
		if (p.resume)
			p.resume = false;
		else
			skip_line(&p);
	}
	return p.errors;
}
