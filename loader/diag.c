#include "diag.h"

void diag_init(struct mk_diags *d, const char *file)
{
	d->count = 0;
	d->dropped = 0;
	mk_strlcpy(d->file, file, sizeof(d->file));
}

void diag_verror(struct mk_diags *d, struct mk_pos pos, const char *fmt, va_list ap)
{
	if (!d)
		return; /* a caller that only wants to know whether something is wrong */
	if (d->count >= DIAG_MAX) {
		d->dropped++;
		return;
	}
	struct mk_diag *it = &d->items[d->count++];
	struct mk_buf b;
	it->pos = pos;
	mk_buf_init(&b, it->msg, sizeof(it->msg));
	mk_buf_vprintf(&b, fmt, ap);
}

void diag_error(struct mk_diags *d, struct mk_pos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_verror(d, pos, fmt, ap);
	va_end(ap);
}

void diag_format(const struct mk_diags *d, uint32_t i, struct mk_buf *out)
{
	const struct mk_diag *it = &d->items[i];
	if (it->pos.line)
		mk_buf_printf(out, "mkboot: error: %s:%u:%u: %s", d->file, it->pos.line, it->pos.col,
			      it->msg);
	else
		mk_buf_printf(out, "mkboot: error: %s: %s", d->file, it->msg);
}

static bool pos_before(struct mk_pos a, struct mk_pos b)
{
	return a.line < b.line || (a.line == b.line && a.col < b.col);
}

void diag_sort(struct mk_diags *d)
{
	/* Insertion sort: stable, so errors at one position keep their order. */
	for (uint32_t i = 1; i < d->count; i++) {
		struct mk_diag tmp = d->items[i];
		uint32_t j = i;
		while (j > 0 && pos_before(tmp.pos, d->items[j - 1].pos)) {
			d->items[j] = d->items[j - 1];
			j--;
		}
		d->items[j] = tmp;
	}
}

void diag_print(struct mk_diags *d, void (*put)(const char *line))
{
	char line[DIAG_MSG_MAX + DIAG_FILE_MAX + 48];
	struct mk_buf b;
	diag_sort(d);
	for (uint32_t i = 0; i < d->count; i++) {
		mk_buf_init(&b, line, sizeof(line));
		diag_format(d, i, &b);
		put(line);
	}
	if (d->dropped) {
		mk_snprintf(line, sizeof(line), "mkboot: error: %s: %u more errors not shown", d->file, d->dropped);
		put(line);
	}
}
