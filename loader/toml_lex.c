/*
 * The TOML parser's cursor and single values: newlines, blanks, comments,
 * strings, integers and booleans, and clear errors for the TOML types the
 * subset leaves out (toml.h).  Section references are to TOML 1.0.0
 * (toml.io/en/v1.0.0).
 */
#include "toml_internal.h"

void toml_syntax_error(struct parser *p, struct mk_pos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_verror(p->d, pos, fmt, ap);
	va_end(ap);
	p->errors++;
}

/* ---- the cursor ---- */

void toml_take_newline(struct parser *p)
{
	if (peek(p) == '\r')
		p->off++;
	p->off++;
	p->line++;
	p->line_start = p->off;
}

void toml_skip_blanks(struct parser *p)
{
	while (peek(p) == ' ' || peek(p) == '\t')
		p->off++;
}

void toml_skip_line(struct parser *p)
{
	while (!at_line_end(p))
		p->off++;
	if (peek(p) >= 0)
		toml_take_newline(p);
}

/* What the cursor is on, for "found ..." in messages. */
const char *toml_describe_here(const struct parser *p, char *buf, size_t cap)
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

void toml_skip_comment(struct parser *p)
{
	bool reported = false;
	while (!at_line_end(p)) {
		int c = peek(p);
		if (is_control(c) && !reported) {
			toml_syntax_error(p, pos_here(p), "control character 0x%02X in comment",
				     (unsigned)c);
			reported = true;
		}
		p->off++;
	}
}

/* A statement ends with optional blanks and comment, then a newline or the end. */
bool toml_end_statement(struct parser *p, const char *after)
{
	char buf[16];
	toml_skip_blanks(p);
	if (peek(p) == '#')
		toml_skip_comment(p);
	if (at_line_end(p)) {
		if (peek(p) >= 0)
			toml_take_newline(p);
		return true;
	}
	toml_syntax_error(p, pos_here(p), "expected end of line after %s, found %s", after,
		     toml_describe_here(p, buf, sizeof(buf)));
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
			int h = mk_hex_value(peek_at(p, 2 + i));
			if (h < 0) {
				if (report)
					toml_syntax_error(p, at, "\\u must be followed by 4 hex digits");
				p->off += 2;
				return false;
			}
			cp = cp << 4 | (uint32_t)h;
		}
		p->off += 6;
		if (cp >= 0xD800 && cp <= 0xDFFF) {
			if (report)
				toml_syntax_error(p, at,
					     "\\u%04X is a surrogate, not a Unicode scalar value",
					     cp);
			return false;
		}
		str_put_utf8(p, cp, full);
		return true;
	}
	p->off++; /* the byte after '\\' is then read as an ordinary one */
	if (report && c >= 0x20 && c < 0x7F)
		toml_syntax_error(p, at,
			     "invalid escape '\\%c' (supported: \\\" \\\\ \\n \\t \\r \\uXXXX)", c);
	else if (report)
		toml_syntax_error(p, at, "invalid escape: '\\' followed by %s",
			     toml_describe_here(p, buf, sizeof(buf)));
	return false;
}

/* Past the closing quotes of a multi-line string, so its lines are not read as statements. */
static void skip_multiline_string(struct parser *p, int quote)
{
	p->off += 3;
	while (peek(p) >= 0 &&
	       !(peek(p) == quote && peek_at(p, 1) == quote && peek_at(p, 2) == quote)) {
		if (at_line_end(p))
			toml_take_newline(p);
		else
			p->off++;
	}
	if (peek(p) >= 0)
		p->off += 3;
}

/* A basic "..." or literal '...' string at the cursor, decoded into the scratch. */
bool toml_parse_string(struct parser *p, struct toml_value *v)
{
	int quote = peek(p);
	size_t start = p->nstrings;
	bool full = false, bad = false;
	v->pos = pos_here(p);
	if (peek_at(p, 1) == quote && peek_at(p, 2) == quote) {
		toml_syntax_error(p, v->pos, "multi-line strings are not supported");
		skip_multiline_string(p, quote);
		return false;
	}
	p->off++;
	for (;;) {
		int c = peek(p);
		if (at_line_end(p)) {
			toml_syntax_error(p, v->pos, "unterminated string (missing closing %c)", quote);
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
				toml_syntax_error(p, pos_here(p), "control character 0x%02X in string",
					     (unsigned)c);
			bad = true;
		}
		str_put(p, (uint8_t)c, &full);
		p->off++;
	}
	if (full || p->nstrings >= p->scratch->strings_cap) {
		toml_syntax_error(p, v->pos, "string is too long (more than %zu bytes)",
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
	int v = mk_hex_value(c);
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
				toml_syntax_error(p, v->pos, "'_' must be between two digits in \"%s\"",
					     shown);
				return false;
			}
			prev_digit = false;
			continue;
		}
		int dv = digit_value(t[i], base);
		if (dv < 0) {
			toml_syntax_error(p, v->pos, "invalid character '%c' in %s integer \"%s\"", t[i],
				     base_name(base), shown);
			return false;
		}
		if (mag > (limit - (uint64_t)dv) / base) {
			toml_syntax_error(p, v->pos, "integer \"%s\" does not fit in 64 bits (signed)",
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
		toml_syntax_error(p, v->pos, "dates and times are not supported");
		return false;
	}
	if (t[0] == '+' || t[0] == '-')
		i = 1;
	if (n - i >= 2 && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'o' || t[i + 1] == 'b')) {
		base = t[i + 1] == 'x' ? 16 : t[i + 1] == 'o' ? 8 : 2;
		if (i) {
			toml_syntax_error(p, v->pos, "a %s integer cannot have a sign", base_name(base));
			return false;
		}
		i += 2;
	} else if (looks_like_float(t + i, n - i)) {
		toml_syntax_error(p, v->pos, "floats are not supported");
		return false;
	} else if (i + 1 < n && t[i] == '0' && (is_digit(t[i + 1]) || t[i + 1] == '_')) {
		toml_syntax_error(p, v->pos, "leading zeros are not allowed in \"%s\"", shown);
		return false;
	}
	if (i == n) {
		toml_syntax_error(p, v->pos, "expected digits in \"%s\"", shown);
		return false;
	}
	return parse_digits(p, v, t, i, n, base, neg, shown);
}

/* A bare word or number at the cursor: true, false, or an Integer. */
bool toml_parse_token(struct parser *p, struct toml_value *v)
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
		toml_syntax_error(p, v->pos, "floats are not supported");
		return false;
	}
	toml_syntax_error(p, v->pos, "expected a value, found \"%s\" (strings must be quoted)", shown);
	return false;
}
