/*
 * The boot report: what mkboot is about to start, shown before it leaves boot
 * services so a person (or a test) can see the plan.  Every line starts with
 * "mkboot: " and fits in REPORT_WIDTH characters: long fields wrap onto
 * indented continuation lines, so serial consoles and logs never cut them.
 *
 *   mkboot: boot plan: 2 partitions, 4 CPUs (1 unassigned), shared 2M at 0x1ec00000
 *   mkboot:   part0 "linux" cpus=0-1 ram=0x2000000+256M low=0x8f000+64K tramp=0x9f000
 *   mkboot:           kernel=vmlinuz (14.1M) boot-cpu=0 platform
 *   mkboot:           cmdline: console=ttyS0
 *   mkboot:   unassigned CPUs: 3
 *
 * (here the partition's line is shown wrapped; it wraps only past REPORT_WIDTH).
 */
#include "plan_internal.h"

#define REPORT_WIDTH 200
#define REPORT_INDENT "mkboot:           " /* prefixes end in a space */
#define TOKEN_MAX (MK_PATH_MAX + 16)

/* One logical line that wraps onto continuation lines. */
struct line {
	struct mk_buf *out;
	size_t start;     /* out->len where the current physical line began */
	const char *cont; /* what each continuation line starts with */
	bool fresh;       /* nothing written after the prefix yet */
};

static void line_open(struct line *l, struct mk_buf *out, const char *prefix, const char *cont)
{
	l->out = out;
	l->start = out->len;
	l->cont = cont;
	l->fresh = true;
	mk_buf_puts(out, prefix);
}

static void line_break(struct line *l)
{
	mk_buf_putc(l->out, '\n');
	l->start = l->out->len;
	mk_buf_puts(l->out, l->cont);
	l->fresh = true;
}

static void line_close(struct line *l)
{
	mk_buf_putc(l->out, '\n');
}

/* Config text may hold anything; the report shows printable ASCII only. */
static void put_printable(struct mk_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mk_buf_putc(b, s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
}

/*
 * Appends a word, after a space unless `glue` (the next piece of a list).
 * Wraps first when the word would pass REPORT_WIDTH; a word longer than a
 * whole line is cut.
 */
static void line_word(struct line *l, const char *s, size_t n, bool glue)
{
	while (n) {
		size_t col = l->out->len - l->start;
		size_t sep = (l->fresh || glue) ? 0 : 1;
		if (col + sep + n <= REPORT_WIDTH) {
			if (sep)
				mk_buf_putc(l->out, ' ');
			put_printable(l->out, s, n);
			l->fresh = false;
			return;
		}
		if (!l->fresh) {
			line_break(l);
			continue;
		}
		size_t room = col < REPORT_WIDTH ? REPORT_WIDTH - col : 1;
		put_printable(l->out, s, room);
		l->fresh = false;
		s += room;
		n -= room;
	}
}

static void line_printf(struct line *l, bool glue, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void line_printf(struct line *l, bool glue, const char *fmt, ...)
{
	char tok[TOKEN_MAX];
	struct mk_buf b;
	va_list ap;
	mk_buf_init(&b, tok, sizeof(tok));
	va_start(ap, fmt);
	mk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	line_word(l, tok, b.len, glue);
}

/* "label0-3," "8," "10-11": one word per run, so wrapping breaks after a comma. */
static void line_ids(struct line *l, const char *label, uint32_t *ids, uint32_t n)
{
	n = plan_sort_ids(ids, n);
	if (!n)
		line_printf(l, false, "%snone", label);
	for (uint32_t i = 0; i < n;) {
		uint32_t j = plan_id_run_end(ids, n, i);
		const char *comma = j < n ? "," : "";
		if (j - i > 1)
			line_printf(l, i > 0, "%s%u-%u%s", i ? "" : label, ids[i], ids[j - 1], comma);
		else
			line_printf(l, i > 0, "%s%u%s", i ? "" : label, ids[i], comma);
		i = j;
	}
}

/* "123B", "64.0K", "14.1M": kernel sizes, rounded to a tenth, no floating point. */
static void put_human_size(struct mk_buf *b, uint64_t bytes)
{
	static const char units[] = "KMGTPE";
	uint64_t unit = 1024;
	uint32_t u = 0;
	if (bytes < unit) {
		mk_buf_printf(b, "%luB", (unsigned long)bytes);
		return;
	}
	while (u + 1 < sizeof(units) - 1 && bytes / unit >= 1024) {
		unit <<= 10;
		u++;
	}
	uint64_t whole = bytes / unit;
	/* The remainder is below unit <= 2^60, so ten of it fit in 64 bits. */
	uint64_t tenths = ((bytes % unit) * 10 + unit / 2) / unit;
	if (tenths == 10) {
		whole++;
		tenths = 0;
	}
	mk_buf_printf(b, "%lu.%lu%c", (unsigned long)whole, (unsigned long)tenths, units[u]);
}

static void line_range(struct line *l, bool glue, const char *label, struct mk_range r,
		       const char *suffix)
{
	char sz[24];
	struct mk_buf b;
	mk_buf_init(&b, sz, sizeof(sz));
	mk_buf_put_size(&b, r.size);
	line_printf(l, glue, "%s0x%lx+%s%s", label, (unsigned long)r.base, sz, suffix);
}

static void report_ram(struct line *l, const struct mk_plan_part *pp)
{
	uint32_t n = pp->nram < MK_MAX_RAM_RANGES ? pp->nram : MK_MAX_RAM_RANGES;
	if (!n)
		line_printf(l, false, "ram=none");
	for (uint32_t k = 0; k < n; k++)
		line_range(l, k > 0, k ? "" : "ram=", pp->ram[k], k + 1 < n ? "," : "");
}

static void report_files(struct line *l, const struct mk_partition_cfg *p, const uint64_t *sizes,
			 uint32_t i)
{
	char tok[TOKEN_MAX];
	struct mk_buf b;
	mk_buf_init(&b, tok, sizeof(tok));
	mk_buf_puts(&b, "kernel=");
	put_printable(&b, p->kernel, mk_strnlen(p->kernel, sizeof(p->kernel)));
	line_word(l, tok, b.len, false);
	if (sizes) {
		mk_buf_init(&b, tok, sizeof(tok));
		mk_buf_putc(&b, '(');
		put_human_size(&b, sizes[i]);
		mk_buf_putc(&b, ')');
		line_word(l, tok, b.len, false);
	}
	if (p->has_initrd) {
		mk_buf_init(&b, tok, sizeof(tok));
		mk_buf_puts(&b, "initrd=");
		put_printable(&b, p->initrd, mk_strnlen(p->initrd, sizeof(p->initrd)));
		line_word(l, tok, b.len, false);
	}
}

/* The command line, word by word, over as many "cmdline:" lines as it needs. */
static void report_cmdline(struct mk_buf *out, const struct mk_partition_cfg *p)
{
	const char *s = p->cmdline;
	size_t n = mk_strnlen(s, sizeof(p->cmdline)), i = 0;
	struct line l;
	if (!n)
		return;
	line_open(&l, out, REPORT_INDENT "cmdline: ", REPORT_INDENT "cmdline: ");
	while (i < n) {
		size_t j = i;
		while (j < n && s[j] != ' ')
			j++;
		if (j > i)
			line_word(&l, s + i, j - i, false);
		i = j + 1;
	}
	line_close(&l);
}

static void report_part(struct mk_buf *out, const struct mk_config *cfg,
			const struct mk_plan *plan, const uint64_t *sizes, uint32_t i)
{
	const struct mk_partition_cfg *p = &cfg->part[i];
	const struct mk_plan_part *pp = &plan->part[i];
	uint32_t ids[MK_MAX_CPUS], n = plan_part_ncpus(p);
	char name[MK_NAME_MAX + 2];
	struct mk_buf nb;
	struct line l;

	line_open(&l, out, "mkboot:   ", REPORT_INDENT);
	line_printf(&l, false, "part%u", i);
	mk_buf_init(&nb, name, sizeof(name));
	mk_buf_putc(&nb, '"');
	put_printable(&nb, p->name, mk_strnlen(p->name, sizeof(p->name)));
	mk_buf_putc(&nb, '"');
	line_word(&l, name, nb.len, false);
	mk_memcpy(ids, p->cpus, n * sizeof(ids[0]));
	line_ids(&l, "cpus=", ids, n);
	report_ram(&l, pp);
	if (pp->low.size)
		line_range(&l, false, "low=", pp->low, "");
	line_printf(&l, false, "tramp=0x%lx", (unsigned long)pp->trampoline);
	report_files(&l, p, sizes, i);
	line_printf(&l, false, "boot-cpu=%u", pp->boot_apic_id);
	if (pp->owns_platform)
		line_printf(&l, false, "platform");
	line_close(&l);
	report_cmdline(out, p);
}

static void report_header(const struct mk_config *cfg, const struct mk_plan *plan,
			  struct mk_buf *out)
{
	uint32_t ncpus = plan->nunassigned;
	for (uint32_t i = 0; i < plan->nparts; i++)
		ncpus += plan_part_ncpus(&cfg->part[i]);
	mk_buf_printf(out, "mkboot: boot plan: %u partition%s, %u CPU%s (%u unassigned), ",
		      plan->nparts, plan->nparts == 1 ? "" : "s", ncpus, ncpus == 1 ? "" : "s",
		      plan->nunassigned);
	if (plan->shared.size) {
		mk_buf_puts(out, "shared ");
		mk_buf_put_size(out, plan->shared.size);
		mk_buf_printf(out, " at 0x%lx\n", (unsigned long)plan->shared.base);
	} else {
		mk_buf_puts(out, "no shared memory\n");
	}
}

void plan_report(const struct mk_config *cfg, const struct mk_plan *plan,
		 const uint64_t *kernel_sizes, struct mk_buf *out)
{
	uint32_t nparts = plan->nparts < MK_MAX_PARTITIONS ? plan->nparts : MK_MAX_PARTITIONS;
	report_header(cfg, plan, out);
	for (uint32_t i = 0; i < nparts; i++)
		report_part(out, cfg, plan, kernel_sizes, i);
	if (plan->nunassigned) {
		uint32_t ids[MK_MAX_MACHINE_CPUS];
		uint32_t n = plan->nunassigned < MK_MAX_MACHINE_CPUS ? plan->nunassigned
								     : MK_MAX_MACHINE_CPUS;
		struct line l;
		mk_memcpy(ids, plan->unassigned, n * sizeof(ids[0]));
		line_open(&l, out, "mkboot:   unassigned CPUs: ", REPORT_INDENT);
		line_ids(&l, "", ids, n);
		line_close(&l);
	}
}
