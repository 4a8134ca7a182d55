/*
 * Fuzzes the boot planner: the bytes pick a machine (CPUs and a memory map
 * with arbitrary, overlapping, unaligned ranges up to 2^64) and a config
 * (partitions, CPUs, sizes, fixed bases, kernels fixed at their link
 * address).  Whatever the planner places, even
 * in a plan with errors, must lie in conventional memory, overlap nothing else
 * placed and have the sizes the config asked for; a plan without errors must
 * have placed everything.  The report must keep every line within 200 chars.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

#define FUZZ_MAX_PARTS 6
#define FUZZ_MAX_RANGES 40
#define REPORT_WIDTH 200

struct reader {
	const uint8_t *p;
	size_t n;
};

static uint64_t rd_bytes(struct reader *r, unsigned count)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < count; i++) {
		v = (v << 8) | (r->n ? *r->p : 0);
		if (r->n) {
			r->p++;
			r->n--;
		}
	}
	return v;
}

static uint8_t rd_u8(struct reader *r)
{
	return (uint8_t)rd_bytes(r, 1);
}

/* Addresses from every region that matters: low pages, below 4 GiB, near 2^64. */
static uint64_t rd_addr(struct reader *r)
{
	switch (rd_u8(r) % 6) {
	case 0: return rd_bytes(r, 2) << 12;
	case 1: return rd_bytes(r, 4);
	case 2: return rd_bytes(r, 8);
	case 3: return ~0ull - rd_bytes(r, 4);
	case 4: return rd_bytes(r, 1) << 20;
	default: return rd_bytes(r, 1) << 30;
	}
}

static uint64_t rd_size(struct reader *r)
{
	switch (rd_u8(r) % 6) {
	case 0: return (rd_bytes(r, 2) + 1) << 12;
	case 5: return (rd_bytes(r, 1) + 1) << 16;
	case 1: return rd_bytes(r, 4);
	case 2: return rd_bytes(r, 8);
	case 3: return (rd_bytes(r, 1) + 1) << 20;
	default: return (rd_bytes(r, 1) % 8 + 1) << 30;
	}
}

static struct mk_config cfg;
static struct mk_machine mach;
static struct mk_plan plan;
static struct mk_diags diags;
static struct mk_range kernel_at[MK_MAX_PARTITIONS];
static char report[1 << 16];

#define ASSERT(cond)                                                                     \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "fuzz_plan: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                         \
		}                                                                        \
	} while (0)

/* A plausible base most of the time, so many inputs reach a complete plan. */
static const struct mk_mem_range base_map[] = {
	{ 0x0, 0xA0000, MK_MEM_CONVENTIONAL },
	{ 0x100000, 0x3FF00000, MK_MEM_CONVENTIONAL },
	{ 0x100000000, 0x40000000, MK_MEM_CONVENTIONAL },
};

/*
 * Mode bit 0 keeps machine and CPUs plausible (unique, enabled APIC IDs, CPU 0
 * the BSP, partition i on CPU i, the base map under the random ranges), so
 * many inputs get through to a complete plan; without it anything goes.
 */
static bool sane;

static void read_machine(struct reader *r)
{
	memset(&mach, 0, sizeof(mach));
	sane = rd_u8(r) & 1;
	mach.ncpus = 1 + rd_u8(r) % 12;
	for (uint32_t i = 0; i < mach.ncpus; i++) {
		uint8_t b = rd_u8(r);
		mach.cpus[i].apic_id = sane ? i : b % 16u;
		mach.cpus[i].enabled = sane || (b & 0x30) != 0x30;
	}
	uint8_t bsp = rd_u8(r);
	if (sane || bsp != 0xFF)
		mach.cpus[sane ? 0 : bsp % mach.ncpus].bsp = true;
	if (sane) {
		memcpy(mach.mem, base_map, sizeof(base_map));
		mach.nmem = MK_ARRAY_SIZE(base_map);
	}
	uint32_t extra = rd_u8(r) % FUZZ_MAX_RANGES;
	for (uint32_t i = 0; i < extra; i++, mach.nmem++) {
		struct mk_mem_range *m = &mach.mem[mach.nmem];
		uint8_t t = rd_u8(r) % 12;
		m->base = rd_addr(r);
		m->size = rd_size(r);
		m->type = t < 3 ? MK_MEM_CONVENTIONAL : t < 11 ? t - 2u : 42u;
	}
}

static void read_config(struct reader *r)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.low_memory = (uint64_t)(rd_u8(r) % 48) << 12;
	if (rd_u8(r) & 1)
		cfg.low_memory += rd_u8(r);
	cfg.shared_size = rd_u8(r) & 1 ? rd_size(r) : (uint64_t)(rd_u8(r) % 5) << 20;
	cfg.shared_size_pos = (struct mk_pos){ 3, 1 };
	cfg.nparts = 1 + rd_u8(r) % FUZZ_MAX_PARTS;
	if (sane && cfg.nparts > mach.ncpus)
		cfg.nparts = mach.ncpus;
	uint8_t platform = rd_u8(r);
	if (platform < 0x80) {
		cfg.has_platform = true;
		snprintf(cfg.platform, sizeof(cfg.platform), "p%u", platform % 8);
	}
	for (uint32_t i = 0; i < cfg.nparts; i++) {
		struct mk_partition_cfg *p = &cfg.part[i];
		p->pos = (struct mk_pos){ 10 + 10 * i, 1 };
		snprintf(p->name, sizeof(p->name), "p%u", i);
		p->ncpus = sane ? 1 : rd_u8(r) % 4;
		for (uint32_t c = 0; c < p->ncpus; c++) {
			uint8_t b = sane ? 0 : rd_u8(r);
			p->cpus[c] = sane ? i : b < 0xF0 ? mach.cpus[b % mach.ncpus].apic_id : b % 17u;
		}
		p->memory = rd_size(r);
		p->memory_pos = (struct mk_pos){ 13 + 10 * i, 1 };
		uint8_t flags = rd_u8(r);
		p->has_memory_base = flags & 1;
		p->memory_base = p->has_memory_base ? rd_addr(r) : 0;
		snprintf(p->kernel, sizeof(p->kernel), "k%u", i);
		p->has_initrd = flags & 2;
		if (p->has_initrd)
			snprintf(p->initrd, sizeof(p->initrd), "i%u", i);
		size_t len = flags & 4 ? rd_bytes(r, 2) % sizeof(p->cmdline) : 0;
		for (size_t k = 0; k < len; k++)
			p->cmdline[k] = (char)(rd_u8(r) | 1); /* never NUL: the length is the point */
	}
}

static uint64_t page_up(uint64_t v)
{
	return (v + MK_PAGE_SIZE - 1) & ~(MK_PAGE_SIZE - 1);
}

static uint64_t end_of(uint64_t base, uint64_t size)
{
	uint64_t end;
	return __builtin_add_overflow(base, size, &end) ? ~0ull : end;
}

/* Every byte in some conventional range, none in any other range. */
static bool in_conventional(uint64_t base, uint64_t size)
{
	uint64_t end = base + size, p = base;
	for (uint32_t i = 0; i < mach.nmem; i++)
		if (mach.mem[i].type != MK_MEM_CONVENTIONAL &&
		    mk_ranges_overlap(mach.mem[i].base, mach.mem[i].size, base, size))
			return false;
	while (p < end) {
		uint64_t next = p;
		for (uint32_t i = 0; i < mach.nmem; i++) {
			const struct mk_mem_range *m = &mach.mem[i];
			uint64_t e = end_of(m->base, m->size);
			if (m->type == MK_MEM_CONVENTIONAL && m->base <= p && p < e && e > next)
				next = e;
		}
		if (next == p)
			return false;
		p = next;
	}
	return true;
}

static bool part_has_cpu(const struct mk_partition_cfg *p, uint32_t id)
{
	for (uint32_t c = 0; c < p->ncpus; c++)
		if (p->cpus[c] == id)
			return true;
	return false;
}

static void check_placement(bool ok)
{
	static struct mk_range all[MK_MAX_PARTITIONS * (MK_MAX_RAM_RANGES + 2) + 1];
	uint32_t n = 0;
	for (uint32_t i = 0; i < plan.nparts; i++) {
		const struct mk_partition_cfg *p = &cfg.part[i];
		const struct mk_plan_part *pp = &plan.part[i];
		ASSERT(pp->nram <= MK_MAX_RAM_RANGES);
		for (uint32_t k = 0; k < pp->nram; k++) {
			const struct mk_range *r = &pp->ram[k];
			ASSERT(r->size && r->size % MK_PAGE_SIZE == 0 && r->base % MK_PAGE_SIZE == 0);
			ASSERT(k == 0 || pp->ram[k - 1].base + pp->ram[k - 1].size <= r->base);
			ASSERT(p->has_memory_base || r->base >= MK_ONE_MIB ||
			       (k == 0 && r->base == kernel_at[i].base && r->size == kernel_at[i].size));
			all[n++] = *r;
		}
		if (pp->nram) {
			ASSERT(plan_part_ram(pp) == page_up(p->memory));
			ASSERT(!p->has_memory_base || (pp->nram == 1 && pp->ram[0].base == p->memory_base));
			bool kernel_placed = !kernel_at[i].size || p->has_memory_base;
			for (uint32_t k = 0; k < pp->nram; k++)
				kernel_placed |= pp->ram[k].base == kernel_at[i].base &&
						 pp->ram[k].size == kernel_at[i].size;
			ASSERT(kernel_placed);
		}
		if (pp->low.size) {
			ASSERT(pp->low.size == page_up(cfg.low_memory));
			ASSERT(pp->low.base >= MK_PAGE_SIZE && pp->low.base % MK_PAGE_SIZE == 0);
			ASSERT(pp->low.base + pp->low.size <= MK_LOW_LIMIT);
			all[n++] = pp->low;
		}
		if (pp->trampoline) {
			ASSERT(pp->trampoline % MK_PAGE_SIZE == 0);
			ASSERT(pp->trampoline + MK_PAGE_SIZE <= MK_ONE_MIB);
			all[n++] = (struct mk_range){ pp->trampoline, MK_PAGE_SIZE };
		}
		if (ok) {
			ASSERT(pp->nram && pp->trampoline);
			ASSERT(pp->low.size || !cfg.low_memory);
		}
	}
	if (plan.shared.size) {
		ASSERT(plan.shared.size == page_up(cfg.shared_size));
		ASSERT(plan.shared.base >= MK_ONE_MIB && plan.shared.base % MK_PAGE_SIZE == 0);
		ASSERT(plan.shared.base + plan.shared.size <= (4ull << 30));
		all[n++] = plan.shared;
	}
	ASSERT(!ok || plan.shared.size || !cfg.shared_size);
	for (uint32_t a = 0; a < n; a++) {
		ASSERT(in_conventional(all[a].base, all[a].size));
		for (uint32_t b = a + 1; b < n; b++)
			ASSERT(!mk_ranges_overlap(all[a].base, all[a].size, all[b].base, all[b].size));
	}
}

static void check_cpus(bool ok)
{
	for (uint32_t u = 0; u < plan.nunassigned; u++) {
		ASSERT(u == 0 || plan.unassigned[u - 1] < plan.unassigned[u]);
		for (uint32_t i = 0; i < plan.nparts; i++)
			ASSERT(!part_has_cpu(&cfg.part[i], plan.unassigned[u]));
	}
	if (!ok)
		return;
	uint32_t bsps = 0, platforms = 0;
	for (uint32_t i = 0; i < plan.nparts; i++) {
		const struct mk_plan_part *pp = &plan.part[i];
		bsps += pp->has_bsp;
		platforms += pp->owns_platform;
		ASSERT(part_has_cpu(&cfg.part[i], pp->boot_apic_id));
	}
	ASSERT(bsps == 1 && platforms == 1);
	ASSERT(plan.part[plan.bsp_part].has_bsp && plan.part[plan.platform_part].owns_platform);
}

static void check_report(struct reader *r)
{
	uint64_t sizes[MK_MAX_PARTITIONS];
	for (uint32_t i = 0; i < MK_MAX_PARTITIONS; i++)
		sizes[i] = rd_size(r);
	struct mk_buf b;
	mk_buf_init(&b, report, sizeof(report));
	plan_report(&cfg, &plan, sizes, &b);
	ASSERT(!b.truncated);
	for (const char *s = report; *s;) {
		const char *nl = strchr(s, '\n');
		ASSERT(nl && nl - s <= REPORT_WIDTH && strncmp(s, "mkboot: ", 8) == 0);
		s = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	read_machine(&r);
	read_config(&r);
	/* Mostly anywhere; sometimes a page range, sometimes not (the planner checks). */
	for (uint32_t i = 0; i < MK_MAX_PARTITIONS; i++) {
		kernel_at[i] = (struct mk_range){ 0, 0 };
		if (i < cfg.nparts && rd_u8(&r) % 4 == 0)
			kernel_at[i] = (struct mk_range){ rd_addr(&r), rd_size(&r) };
	}
	diag_init(&diags, "partitions.toml");
	uint32_t errors = plan_build_kernels(&cfg, &mach, kernel_at, &plan, &diags);
	ASSERT(errors == diag_total(&diags));
	for (uint32_t i = 0; i < diags.count; i++) {
		char line[512];
		struct mk_buf b;
		mk_buf_init(&b, line, sizeof(line));
		diag_format(&diags, i, &b);
	}
	check_placement(errors == 0);
	check_cpus(errors == 0);
	check_report(&r);
	return 0;
}
