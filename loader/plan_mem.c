/*
 * The boot planner, part two: where every partition's memory goes, taken from
 * the free-memory set (plan_free.c).
 *
 * Placement order: fixed memory_base RAM and kernels that must sit at their
 * link address, low slices (top-down below MK_LOW_LIMIT), SIPI trampoline
 * pages (below 1 MiB), the shared region (highest below 4 GiB), then the rest
 * of main RAM (lowest first).
 */
#include "plan_internal.h"

struct placer {
	const struct mk_config *cfg;
	const struct mk_machine *m;
	const struct mk_range *kernel_at; /* per partition, size 0: anywhere; or NULL */
	struct mk_plan *plan;
	struct mk_diags *d;
	struct plan_free fm;
};

/* "512M" into a caller's buffer, for error messages. */
static const char *size_str(char *buf, size_t cap, uint64_t bytes)
{
	struct mk_buf b;
	mk_buf_init(&b, buf, cap);
	mk_buf_put_size(&b, bytes);
	return buf;
}

#define SIZE_STR_MAX 24

/* Takes a placed range out of the free map; the fit was found there, so this cannot fail. */
static void placer_take(struct placer *pl, uint64_t start, uint64_t size)
{
	if (!plan_free_remove(&pl->fm, start, start + size))
		diag_error(pl->d, DIAG_NO_POS, "internal error: memory planner is full");
}

/* A partition's main RAM size in whole pages; false (and an error) when it has none. */
static bool part_ram_size(struct placer *pl, uint32_t i, uint64_t *size)
{
	const struct mk_partition_cfg *p = &pl->cfg->part[i];
	if (!p->memory) {
		diag_error(pl->d, p->memory_pos, "partition \"%s\" has memory = 0", p->name);
		return false;
	}
	if (!mk_align_up(p->memory, MK_PAGE_SIZE, size) || *size > PLAN_ADDR_TOP) {
		diag_error(pl->d, p->memory_pos, "partition \"%s\" has more memory than fits in 64 bits",
			   p->name);
		return false;
	}
	return true;
}

/* Says what lies at `addr`, the first byte of a fixed range that is not free. */
static void describe_taken(const struct placer *pl, uint32_t self, uint64_t addr, struct mk_buf *b)
{
	if (addr < MK_PAGE_SIZE) {
		mk_buf_puts(b, "page 0 is kept unused");
		return;
	}
	for (uint32_t j = 0; j < pl->plan->nparts; j++) {
		const struct mk_plan_part *pp = &pl->plan->part[j];
		if (j != self && pp->nram && mk_ranges_overlap(pp->ram[0].base, pp->ram[0].size, addr, 1)) {
			mk_buf_printf(b, "overlaps partition \"%s\"", pl->cfg->part[j].name);
			return;
		}
	}
	for (uint32_t i = 0; i < plan_machine_nmem(pl->m); i++) {
		const struct mk_mem_range *r = &pl->m->mem[i];
		struct plan_span sp = plan_span_pages(r, true);
		if (r->type != MK_MEM_CONVENTIONAL && sp.start <= addr && addr < sp.end) {
			mk_buf_printf(b, "%s at 0x%lx", machine_mem_type_name(r->type),
				      (unsigned long)addr);
			return;
		}
	}
	mk_buf_printf(b, "no free RAM at 0x%lx", (unsigned long)addr);
}

/*
 * Takes [base, end) as partition i's first RAM range when all of it is free;
 * otherwise says in `what` what is in the way and returns false.
 */
static bool take_fixed(struct placer *pl, uint32_t i, uint64_t base, uint64_t end, char *what,
		       size_t cap)
{
	uint64_t gap = plan_free_first_gap(&pl->fm, base, end);
	if (gap < end) {
		struct mk_buf b;
		mk_buf_init(&b, what, cap);
		describe_taken(pl, i, gap, &b);
		return false;
	}
	placer_take(pl, base, end - base);
	pl->plan->part[i].ram[0] = (struct mk_range){ base, end - base };
	pl->plan->part[i].nram = 1;
	return true;
}

/* (1a) memory_base: the user chose the address, so it is checked, never moved. */
static void place_memory_base(struct placer *pl, uint32_t i)
{
	const struct mk_partition_cfg *p = &pl->cfg->part[i];
	uint64_t base = p->memory_base, size, end;
	char sz[SIZE_STR_MAX], what[DIAG_MSG_MAX];
	if (!part_ram_size(pl, i, &size))
		return;
	size_str(sz, sizeof(sz), size);
	if (base & (MK_PAGE_SIZE - 1)) {
		diag_error(pl->d, p->memory_base_pos, "memory_base 0x%lx is not page aligned",
			   (unsigned long)base);
		return;
	}
	if (!mk_add_u64(base, size, &end) || end > PLAN_ADDR_TOP) {
		diag_error(pl->d, p->memory_base_pos,
			   "memory_base 0x%lx + %s runs past the end of the address space",
			   (unsigned long)base, sz);
		return;
	}
	if (!take_fixed(pl, i, base, end, what, sizeof(what)))
		diag_error(pl->d, p->memory_base_pos, "memory_base 0x%lx + %s is not free RAM (%s)",
			   (unsigned long)base, sz, what);
}

/*
 * (1b) A kernel that must sit at its link address (a multiboot2 kernel
 * without a relocatable tag) and no memory_base: the kernel's pages become
 * the partition's first RAM range; place_ram adds the rest of its memory.
 */
static void place_kernel(struct placer *pl, uint32_t i)
{
	const struct mk_partition_cfg *p = &pl->cfg->part[i];
	struct mk_range k = pl->kernel_at[i];
	uint64_t size, end;
	char sz[SIZE_STR_MAX], need[SIZE_STR_MAX], what[DIAG_MSG_MAX];
	if (!part_ram_size(pl, i, &size))
		return;
	if ((k.base | k.size) & (MK_PAGE_SIZE - 1) || !mk_add_u64(k.base, k.size, &end) ||
	    end > PLAN_ADDR_TOP) {
		diag_error(pl->d, p->kernel_pos, "kernel \"%s\": its link address 0x%lx+0x%lx is no "
			   "page range in the address space", p->kernel, (unsigned long)k.base,
			   (unsigned long)k.size);
		return;
	}
	size_str(sz, sizeof(sz), size);
	size_str(need, sizeof(need), k.size);
	if (size < k.size) {
		diag_error(pl->d, p->memory_pos,
			   "partition \"%s\" has memory = %s, but its kernel alone takes %s at "
			   "0x%lx-0x%lx (it has no relocatable tag, so it goes where it is linked)",
			   p->name, sz, need, (unsigned long)k.base, (unsigned long)(end - 1));
		return;
	}
	if (!take_fixed(pl, i, k.base, end, what, sizeof(what)))
		diag_error(pl->d, p->kernel_pos,
			   "kernel \"%s\" must be loaded at 0x%lx-0x%lx (it has no relocatable "
			   "tag), but that is not free RAM (%s)",
			   p->kernel, (unsigned long)k.base, (unsigned long)(end - 1), what);
}

static void place_fixed(struct placer *pl)
{
	for (uint32_t i = 0; i < pl->plan->nparts; i++) {
		if (pl->cfg->part[i].has_memory_base)
			place_memory_base(pl, i);
		else if (pl->kernel_at && pl->kernel_at[i].size)
			place_kernel(pl, i);
	}
}

/*
 * (2) Low slices: Linux puts its decompressor and AP real-mode trampolines in
 * e820 RAM below min(EBDA, 0x9F000) (x86-facts 4).  Top-down, so partition 0
 * gets the highest slice, nearest where Linux looks first.
 */
static void place_low(struct placer *pl)
{
	uint64_t size;
	if (!mk_align_up(pl->cfg->low_memory, MK_PAGE_SIZE, &size)) {
		diag_error(pl->d, pl->cfg->low_memory_pos, "low_memory is larger than 64 bits");
		return;
	}
	if (!size)
		return;
	for (uint32_t i = 0; i < pl->plan->nparts; i++) {
		uint64_t at;
		if (!plan_free_fit(&pl->fm, MK_PAGE_SIZE, MK_LOW_LIMIT, size, MK_PAGE_SIZE, true, &at)) {
			char need[SIZE_STR_MAX], left[SIZE_STR_MAX];
			uint64_t largest = plan_free_largest(&pl->fm, MK_PAGE_SIZE, MK_LOW_LIMIT);
			diag_error(pl->d, pl->cfg->part[i].pos,
				   "partition \"%s\" needs %s of low memory below 0x%lx but the "
				   "largest free block left there is %s",
				   pl->cfg->part[i].name, size_str(need, sizeof(need), size),
				   (unsigned long)MK_LOW_LIMIT, size_str(left, sizeof(left), largest));
			continue;
		}
		placer_take(pl, at, size);
		pl->plan->part[i].low = (struct mk_range){ at, size };
	}
}

/*
 * (3) A SIPI vector is a 4 KiB page number below 1 MiB (SDM Vol.3 8.4.4.1).
 * The highest free page wins, which prefers the pages between MK_LOW_LIMIT and
 * 1 MiB that no low slice can use.
 */
static void place_trampolines(struct placer *pl)
{
	for (uint32_t i = 0; i < pl->plan->nparts; i++) {
		uint64_t at;
		if (!plan_free_fit(&pl->fm, MK_PAGE_SIZE, MK_ONE_MIB, MK_PAGE_SIZE, MK_PAGE_SIZE, true,
				  &at)) {
			diag_error(pl->d, pl->cfg->part[i].pos,
				   "no free 4K page below 1M is left for partition \"%s\"'s SIPI "
				   "trampoline",
				   pl->cfg->part[i].name);
			continue;
		}
		placer_take(pl, at, MK_PAGE_SIZE);
		pl->plan->part[i].trampoline = at;
	}
}

/*
 * (4) The shared region: below 4 GiB so 32-bit kernels reach it, as high as
 * possible so it stays out of the way of main RAM, 2 MiB aligned so 64-bit
 * kernels can map it with large pages when the map allows.
 */
static void place_shared(struct placer *pl)
{
	uint64_t size, at;
	char sz[SIZE_STR_MAX], left[SIZE_STR_MAX];
	if (!mk_align_up(pl->cfg->shared_size, MK_PAGE_SIZE, &size)) {
		diag_error(pl->d, pl->cfg->shared_size_pos, "shared_memory is larger than 64 bits");
		return;
	}
	if (!size)
		return;
	if (plan_free_fit(&pl->fm, MK_ONE_MIB, PLAN_FOUR_GIB, size, MK_RAM_ALIGN, true, &at) ||
	    plan_free_fit(&pl->fm, MK_ONE_MIB, PLAN_FOUR_GIB, size, MK_PAGE_SIZE, true, &at)) {
		placer_take(pl, at, size);
		pl->plan->shared = (struct mk_range){ at, size };
		return;
	}
	diag_error(pl->d, pl->cfg->shared_size_pos,
		   "shared_memory %s does not fit in free RAM between 1M and 4G (largest free "
		   "block: %s)",
		   size_str(sz, sizeof(sz), size),
		   size_str(left, sizeof(left),
			    plan_free_largest(&pl->fm, MK_ONE_MIB, PLAN_FOUR_GIB)));
}

/*
 * Splits `size` over at most `max` free spans above 1 MiB: the lowest span
 * that holds what is left ends the search; otherwise the largest span is
 * taken whole, so few pieces cover much.  Nothing is taken here.
 */
static uint32_t split_ram(const struct plan_free *fm, uint64_t size, uint32_t max,
			  struct mk_range *pieces)
{
	bool used[PLAN_FREE_MAX];
	uint32_t n = 0;
	mk_memset(used, 0, sizeof(used));
	while (size && n < max) {
		int64_t fit = -1, largest = -1;
		uint64_t largest_len = 0;
		for (uint32_t k = 0; k < fm->n && fit < 0; k++) {
			uint64_t a = plan_u64_max(fm->s[k].start, MK_ONE_MIB), b = fm->s[k].end;
			if (used[k] || a >= b)
				continue;
			if (b - a >= size)
				fit = k;
			else if (b - a > largest_len) {
				largest = k;
				largest_len = b - a;
			}
		}
		int64_t k = fit >= 0 ? fit : largest;
		if (k < 0)
			return 0;
		uint64_t a = plan_u64_max(fm->s[k].start, MK_ONE_MIB);
		uint64_t len = plan_u64_min(size, fm->s[k].end - a);
		used[k] = true;
		pieces[n++] = (struct mk_range){ a, len };
		size -= len;
	}
	return size ? 0 : n;
}

static void sort_ranges(struct mk_range *r, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		struct mk_range v = r[i];
		uint32_t j = i;
		while (j > 0 && r[j - 1].base > v.base) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = v;
	}
}

static void report_no_ram(struct placer *pl, uint32_t i, uint64_t size)
{
	const struct mk_partition_cfg *p = &pl->cfg->part[i];
	uint64_t left = plan_free_total(&pl->fm, MK_ONE_MIB, PLAN_ADDR_TOP);
	char need[SIZE_STR_MAX], have[SIZE_STR_MAX];
	size_str(need, sizeof(need), size);
	size_str(have, sizeof(have), left);
	if (left < size)
		diag_error(pl->d, p->memory_pos,
			   "partition \"%s\" needs %s of RAM but only %s of free RAM is left", p->name,
			   need, have);
	else
		diag_error(pl->d, p->memory_pos,
			   "partition \"%s\" needs %s of RAM but the free RAM left is split into "
			   "too many pieces (at most %u per partition)",
			   p->name, need, (unsigned)MK_MAX_RAM_RANGES);
}

/*
 * (5) Main RAM, in config order: one 2 MiB-aligned range if any fits (below
 * 4 GiB first, for kernels that cannot load higher), else split.  A partition
 * whose kernel range (1b) is placed gets the rest of its memory here.
 */
static void place_ram(struct placer *pl)
{
	for (uint32_t i = 0; i < pl->plan->nparts; i++) {
		struct mk_plan_part *pp = &pl->plan->part[i];
		bool kernel_first = pl->kernel_at && pl->kernel_at[i].size;
		uint64_t size, at;
		if (pl->cfg->part[i].has_memory_base || !part_ram_size(pl, i, &size))
			continue;
		if (kernel_first) {
			if (!pp->nram)
				continue; /* (1b) reported why */
			size -= pp->ram[0].size;
			if (!size)
				continue;
		}
		uint32_t have = pp->nram;
		if (plan_free_fit(&pl->fm, MK_ONE_MIB, PLAN_FOUR_GIB, size, MK_RAM_ALIGN, false, &at) ||
		    plan_free_fit(&pl->fm, MK_ONE_MIB, PLAN_ADDR_TOP, size, MK_RAM_ALIGN, false, &at)) {
			placer_take(pl, at, size);
			pp->ram[have] = (struct mk_range){ at, size };
			pp->nram = have + 1;
			sort_ranges(pp->ram, pp->nram);
			continue;
		}
		struct mk_range pieces[MK_MAX_RAM_RANGES];
		uint32_t n = split_ram(&pl->fm, size, MK_MAX_RAM_RANGES - have, pieces);
		if (!n) {
			report_no_ram(pl, i, size);
			pp->nram = 0; /* not the kernel's range alone: the partition is unplaced */
			continue;
		}
		for (uint32_t k = 0; k < n; k++) {
			placer_take(pl, pieces[k].base, pieces[k].size);
			pp->ram[have + k] = pieces[k];
		}
		pp->nram = have + n;
		sort_ranges(pp->ram, pp->nram);
	}
}

void plan_place_memory(const struct mk_config *cfg, const struct mk_machine *m,
		       const struct mk_range *kernel_at, struct mk_plan *plan, struct mk_diags *d)
{
	struct placer pl; /* not zero-initialised: the free set is 14K, filled by plan_free_init */
	pl.cfg = cfg;
	pl.m = m;
	pl.kernel_at = kernel_at;
	pl.plan = plan;
	pl.d = d;
	plan_free_init(&pl.fm, m);
	place_fixed(&pl);
	place_low(&pl);
	place_trampolines(&pl);
	place_shared(&pl);
	place_ram(&pl);
}
