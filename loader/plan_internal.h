/*
 * Shared between the planner's files (plan.c: CPUs and roles, plan_free.c:
 * the free-memory set, plan_mem.c: memory placement, plan_report.c: the boot
 * report).  Not a public API.
 */
#ifndef MKBOOT_PLAN_INTERNAL_H
#define MKBOOT_PLAN_INTERNAL_H

#include "plan.h"

#define PLAN_FOUR_GIB (4ull << 30)

/* The highest page boundary an exclusive end can hold: the last page is never free. */
#define PLAN_ADDR_TOP (~0ull & ~(MK_PAGE_SIZE - 1))

/*
 * Every map range adds at most one span (cutting a hole splits one in two);
 * every placement adds at most one more.
 */
#define PLAN_FREE_MAX (MK_MAX_MEMMAP + 1 + MK_MAX_PARTITIONS * (MK_MAX_RAM_RANGES + 3) + 1)

struct plan_span {
	uint64_t start, end; /* [start, end), page aligned */
};

/* Free memory: sorted, disjoint, never adjacent spans. */
struct plan_free {
	struct plan_span s[PLAN_FREE_MAX];
	uint32_t n;
};

static inline uint64_t plan_u64_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t plan_u64_max(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* ---- plan_free.c: the free-memory set ---- */

/* End of a firmware range, clamped to PLAN_ADDR_TOP when it would pass it or wrap. */
uint64_t plan_range_end(uint64_t base, uint64_t size);
/*
 * A firmware range as whole pages: shrunk to the pages surely inside it, or
 * grown to every page it touches.  Empty (start == end) when nothing is left.
 */
struct plan_span plan_span_pages(const struct mk_mem_range *r, bool grow);
/* The machine's map length, clamped to its array. */
uint32_t plan_machine_nmem(const struct mk_machine *m);
/* Builds the free set from the firmware map (conventional, minus everything else and page 0). */
void plan_free_init(struct plan_free *fm, const struct mk_machine *m);
/* Cuts [start, end) out; false only when the set is full (PLAN_FREE_MAX rules it out). */
bool plan_free_remove(struct plan_free *fm, uint64_t start, uint64_t end);
/* The first address in [start, end) that is not free, or `end`. */
uint64_t plan_free_first_gap(const struct plan_free *fm, uint64_t start, uint64_t end);
/* `size` bytes, `align`-aligned, in one span and in [lo, hi): the highest or lowest fit. */
bool plan_free_fit(const struct plan_free *fm, uint64_t lo, uint64_t hi, uint64_t size,
		   uint64_t align, bool highest, uint64_t *out);
/* Free bytes in [lo, hi), and the largest free block there. */
uint64_t plan_free_total(const struct plan_free *fm, uint64_t lo, uint64_t hi);
uint64_t plan_free_largest(const struct plan_free *fm, uint64_t lo, uint64_t hi);

/* ---- plan.c ---- */

/* Sorts APIC IDs ascending and drops duplicates; returns the new count. */
uint32_t plan_sort_ids(uint32_t *ids, uint32_t n);

/* For sorted, unique ids: one past the end of the run of consecutive IDs from ids[i]. */
uint32_t plan_id_run_end(const uint32_t *ids, uint32_t n, uint32_t i);

/* A partition's CPU count, clamped to what its array can hold. */
uint32_t plan_part_ncpus(const struct mk_partition_cfg *p);

/* ---- plan_mem.c ---- */

/* Places fixed RAM, low slices, trampolines, the shared region and main RAM. */
void plan_place_memory(const struct mk_config *cfg, const struct mk_machine *m,
		       const struct mk_range *kernel_at, struct mk_plan *plan, struct mk_diags *d);

#endif
