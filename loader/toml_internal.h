/*
 * What the TOML parser's two halves share: toml_lex.c (the cursor, strings,
 * integers and the other single values) and toml.c (arrays, keys, tables,
 * statements).  The parser state, the cursor's small helpers, and the
 * functions one half calls in the other.  Users of the parser see toml.h only.
 */
#ifndef TOML_INTERNAL_H
#define TOML_INTERNAL_H

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

static inline int peek_at(const struct parser *p, size_t ahead)
{
	return p->off + ahead < p->len ? (unsigned char)p->text[p->off + ahead] : -1;
}

static inline int peek(const struct parser *p)
{
	return peek_at(p, 0);
}

static inline struct mk_pos pos_here(const struct parser *p)
{
	return (struct mk_pos){ p->line, (uint32_t)(p->off - p->line_start + 1) };
}

/* Newline is LF or CRLF (Spec); a lone CR is a control character. */
static inline bool at_line_end(const struct parser *p)
{
	int c = peek(p);
	return c < 0 || c == '\n' || (c == '\r' && peek_at(p, 1) == '\n');
}

/* Comments and strings may not hold control characters other than tab (Comment, String). */
static inline bool is_control(int c)
{
	return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7F;
}

static inline bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_bare_key_char(int c)
{
	return is_alpha(c) || is_digit(c) || c == '_' || c == '-';
}

/* The characters a number, boolean, float or date can be made of. */
static inline bool is_token_char(int c)
{
	return is_bare_key_char(c) || c == '+' || c == '.' || c == ':';
}

/* Counts an error and reports it at pos. */
void toml_syntax_error(struct parser *p, struct mk_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void toml_take_newline(struct parser *p);
void toml_skip_blanks(struct parser *p);
/* The rest of the line and its newline: recovery after an error. */
void toml_skip_line(struct parser *p);
void toml_skip_comment(struct parser *p);
/* Blanks, an optional comment, then a newline or the end; else an error naming `after`. */
bool toml_end_statement(struct parser *p, const char *after);
/* What the cursor is on, for "found ..." in messages. */
const char *toml_describe_here(const struct parser *p, char *buf, size_t cap);
/* A basic or literal string at the cursor (String); false after reporting. */
bool toml_parse_string(struct parser *p, struct toml_value *v);
/* An integer or boolean at the cursor, and clear errors for what the subset leaves out. */
bool toml_parse_token(struct parser *p, struct toml_value *v);

#endif
