/*
 * Diagnostics: every error found in a config, each tied to a file position,
 * printed as "mkboot: error: <file>:<line>:<column>: <message>".
 * Storage is fixed; errors past the capacity are counted, not stored.
 */
#ifndef MKBOOT_DIAG_H
#define MKBOOT_DIAG_H

#include "lib.h"

#define DIAG_MAX 64
#define DIAG_MSG_MAX 200
#define DIAG_FILE_MAX 128

/* 1-based line and column; line 0 means "the file as a whole". */
struct mk_pos {
	uint32_t line;
	uint32_t col;
};

struct mk_diag {
	struct mk_pos pos;
	char msg[DIAG_MSG_MAX];
};

struct mk_diags {
	char file[DIAG_FILE_MAX];
	struct mk_diag items[DIAG_MAX];
	uint32_t count;   /* stored */
	uint32_t dropped; /* reported past DIAG_MAX */
};

/* For what has no line or column (a kernel image, a table): the message names the file only. */
#define DIAG_NO_POS ((struct mk_pos){ 0, 0 })

void diag_init(struct mk_diags *d, const char *file);
/* Records an error; d == NULL discards it (for checks whose errors come later). */
void diag_error(struct mk_diags *d, struct mk_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_verror(struct mk_diags *d, struct mk_pos pos, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static inline uint32_t diag_total(const struct mk_diags *d)
{
	return d->count + d->dropped;
}
/* Formats item i as the user sees it, without a trailing newline. */
void diag_format(const struct mk_diags *d, uint32_t i, struct mk_buf *out);
/* Sorts the stored errors by position, so they read top to bottom. */
void diag_sort(struct mk_diags *d);
/* Sorts, then hands every error line (and a count of dropped ones) to `put`. */
void diag_print(struct mk_diags *d, void (*put)(const char *line));

#endif
