/*
 * The TOML subset partitions.toml is written in (TOML 1.0, toml.io/en/v1.0.0):
 * comments, bare and quoted keys, `key = value`, `[table]`, `[[array.of.tables]]`
 * (one-level names only), basic strings with the escapes \" \\ \n \t \r \uXXXX,
 * literal strings, integers (decimal, 0x, 0o, 0b, '_' separators), booleans and
 * arrays of those (multi-line, trailing comma, comments inside).  Everything
 * else TOML has (floats, dates, inline tables, multi-line strings, dotted keys)
 * is reported as unsupported rather than misread.
 *
 * The parser streams: each table header and each key/value pair is handed to a
 * callback as soon as it is read, so no document is ever stored.  Its only
 * memory is a fixed struct on the stack plus the caller's scratch for the
 * current value (array elements, decoded strings), reused for every item.
 * Every syntax error goes to the diagnostics with its line and column; the
 * parser then skips to the next line (or past the broken array) and goes on,
 * so one run reports every error in the file.
 */
#ifndef MKBOOT_TOML_H
#define MKBOOT_TOML_H

#include "diag.h"

#define TOML_KEY_MAX 64 /* longest key or table name, plus its NUL */
#define TOML_TABLE_KEYS_MAX 32 /* keys one table may hold (duplicate checks) */
#define TOML_NAMES_MAX 32 /* distinct tables plus top-level keys */

enum toml_type {
	TOML_INVALID, /* the value had a syntax error (already reported) */
	TOML_STRING,
	TOML_INT,
	TOML_BOOL,
	TOML_ARRAY,
};

struct toml_value {
	uint8_t type; /* enum toml_type */
	uint32_t len; /* STRING: bytes (a \u0000 escape makes a NUL); ARRAY: elements */
	struct mk_pos pos;
	union {
		int64_t i; /* INT; BOOL: 0 or 1 */
		const char *s; /* STRING: decoded, NUL-terminated */
		const struct toml_value *elems; /* ARRAY: scalars, never arrays */
	};
};

enum toml_item_kind {
	TOML_ITEM_TABLE, /* [name] */
	TOML_ITEM_ARRAY_TABLE, /* [[name]]: one more element of that array */
	TOML_ITEM_BAD_TABLE, /* a header with an error: ignore the keys that follow */
	TOML_ITEM_KEYVAL,
};

struct toml_item {
	uint8_t kind; /* enum toml_item_kind */
	struct mk_pos pos; /* the key, or the header's first '[' */
	const char *key; /* key or table name, decoded; "" for a bad table */
	struct toml_value value; /* KEYVAL only */
};

/* Scratch for one value; valid only during the callback. */
struct toml_scratch {
	struct toml_value *elems; /* array elements; more is "array has more than N elements" */
	uint32_t elems_cap;
	char *strings; /* decoded strings, each NUL-terminated */
	size_t strings_cap;
};

typedef void (*toml_item_fn)(void *ctx, const struct toml_item *item);

/*
 * Parses `text` (len bytes, not necessarily NUL-terminated), calling `fn` for
 * every header and every key/value pair in file order.  A pair whose key was
 * fine but whose value was not is still delivered, with type TOML_INVALID, so
 * the caller knows the key was given; a duplicate key is not delivered.
 * Returns the number of syntax errors added to `d`.
 */
uint32_t toml_parse(const char *text, size_t len, const struct toml_scratch *scratch,
		    toml_item_fn fn, void *ctx, struct mk_diags *d);

/*
 * Copies n bytes of file text for a message: control bytes become '?' (no
 * terminal escapes from a hostile file), text longer than cap-4 bytes is cut
 * and ends in "...".  cap must be at least 4.
 */
const char *toml_show(const char *s, size_t n, char *out, size_t cap);

#endif
