/*
 * The planner's free-memory set: what of the firmware's map may be handed
 * out, as sorted, disjoint, page-aligned spans, and the searches placement
 * needs.
 *
 * Only EfiConventionalMemory is free.  Boot services memory still holds
 * mkboot itself and the loaded kernel images until ExitBootServices; runtime,
 * ACPI and reserved memory belong to the firmware for good (parked APs run
 * from reserved pages, x86-facts 1).  The firmware's map is hostile input:
 * ranges may be unsorted, unaligned, overlapping or run past 2^64.  So the set
 * is built conservatively: conventional ranges shrunk to whole pages, then
 * every other range, grown to whole pages, cut out of it.
 */
#include "plan_internal.h"

/* End of a firmware range, clamped to PLAN_ADDR_TOP when it would pass it or wrap. */
uint64_t plan_range_end(uint64_t base, uint64_t size)
{
	uint64_t end;
	if (!mk_add_u64(base, size, &end) || end > PLAN_ADDR_TOP)
		return PLAN_ADDR_TOP;
	return end;
}

uint32_t plan_machine_nmem(const struct mk_machine *m)
{
	return m->nmem < MK_MAX_MEMMAP ? m->nmem : MK_MAX_MEMMAP;
}

struct plan_span plan_span_pages(const struct mk_mem_range *r, bool grow)
{
	const struct plan_span none = { 0, 0 };
	uint64_t start, end = plan_range_end(r->base, r->size);
	if (!r->size)
		return none;
	if (grow) {
		/* end <= PLAN_ADDR_TOP, which is page aligned: rounding up cannot wrap. */
		start = mk_align_down(r->base, MK_PAGE_SIZE);
		end = mk_align_down(end + MK_PAGE_SIZE - 1, MK_PAGE_SIZE);
	} else {
		if (!mk_align_up(r->base, MK_PAGE_SIZE, &start))
			return none;
		end = mk_align_down(end, MK_PAGE_SIZE);
	}
	return start < end ? (struct plan_span){ start, end } : none;
}

static void free_sort_merge(struct plan_free *fm)
{
	for (uint32_t i = 1; i < fm->n; i++) {
		struct plan_span v = fm->s[i];
		uint32_t j = i;
		while (j > 0 && fm->s[j - 1].start > v.start) {
			fm->s[j] = fm->s[j - 1];
			j--;
		}
		fm->s[j] = v;
	}
	uint32_t out = 0;
	for (uint32_t i = 0; i < fm->n; i++) {
		if (out && fm->s[i].start <= fm->s[out - 1].end)
			fm->s[out - 1].end = plan_u64_max(fm->s[out - 1].end, fm->s[i].end);
		else
			fm->s[out++] = fm->s[i];
	}
	fm->n = out;
}

/* Cuts [start, end) out: splits the one span holding it, or trims and drops spans. */
bool plan_free_remove(struct plan_free *fm, uint64_t start, uint64_t end)
{
	uint32_t i = 0;
	while (i < fm->n && start < end) {
		struct plan_span *r = &fm->s[i];
		if (r->end <= start || r->start >= end) {
			i++;
		} else if (r->start < start && r->end > end) {
			if (fm->n == PLAN_FREE_MAX)
				return false;
			mk_memmove(&fm->s[i + 2], &fm->s[i + 1], (fm->n - i - 1) * sizeof(fm->s[0]));
			fm->s[i + 1] = (struct plan_span){ end, r->end };
			r->end = start;
			fm->n++;
			return true;
		} else if (r->start < start) {
			r->end = start;
			i++;
		} else if (r->end > end) {
			r->start = end;
			i++;
		} else {
			mk_memmove(r, r + 1, (fm->n - i - 1) * sizeof(fm->s[0]));
			fm->n--;
		}
	}
	return true;
}

/*
 * Folds the firmware map into free spans.  Page 0 is never free: it holds the
 * real-mode IVT and BIOS data area that legacy code still reads.
 */
void plan_free_init(struct plan_free *fm, const struct mk_machine *m)
{
	fm->n = 0;
	for (uint32_t i = 0; i < plan_machine_nmem(m); i++) {
		const struct mk_mem_range *r = &m->mem[i];
		struct plan_span sp = plan_span_pages(r, false);
		if (r->type == MK_MEM_CONVENTIONAL && sp.start < sp.end)
			fm->s[fm->n++] = sp;
	}
	free_sort_merge(fm);
	for (uint32_t i = 0; i < plan_machine_nmem(m); i++) {
		const struct mk_mem_range *r = &m->mem[i];
		struct plan_span sp = plan_span_pages(r, true);
		if (r->type != MK_MEM_CONVENTIONAL)
			plan_free_remove(fm, sp.start, sp.end);
	}
	plan_free_remove(fm, 0, MK_PAGE_SIZE);
}

/* The first address in [start, end) that is not free, or `end` when all of it is. */
uint64_t plan_free_first_gap(const struct plan_free *fm, uint64_t start, uint64_t end)
{
	for (uint32_t i = 0; i < fm->n; i++)
		if (fm->s[i].start <= start && start < fm->s[i].end)
			return plan_u64_min(fm->s[i].end, end); /* merged: the next span starts later */
	return start;
}

/*
 * Finds `size` bytes inside one free span and inside [lo, hi), at an
 * `align`-aligned address: the highest such address or the lowest.
 */
bool plan_free_fit(const struct plan_free *fm, uint64_t lo, uint64_t hi, uint64_t size,
			 uint64_t align, bool highest, uint64_t *out)
{
	for (uint32_t k = 0; k < fm->n; k++) {
		const struct plan_span *r = &fm->s[highest ? fm->n - 1 - k : k];
		uint64_t a = plan_u64_max(r->start, lo), b = plan_u64_min(r->end, hi), at;
		if (a >= b || b - a < size)
			continue;
		if (highest) {
			at = mk_align_down(b - size, align);
			if (at < a)
				continue;
		} else if (!mk_align_up(a, align, &at) || at > b || b - at < size) {
			continue;
		}
		*out = at;
		return true;
	}
	return false;
}

uint64_t plan_free_total(const struct plan_free *fm, uint64_t lo, uint64_t hi)
{
	uint64_t total = 0;
	for (uint32_t k = 0; k < fm->n; k++) {
		uint64_t a = plan_u64_max(fm->s[k].start, lo), b = plan_u64_min(fm->s[k].end, hi);
		if (a < b)
			total += b - a;
	}
	return total;
}

uint64_t plan_free_largest(const struct plan_free *fm, uint64_t lo, uint64_t hi)
{
	uint64_t best = 0;
	for (uint32_t k = 0; k < fm->n; k++) {
		uint64_t a = plan_u64_max(fm->s[k].start, lo), b = plan_u64_min(fm->s[k].end, hi);
		if (a < b && b - a > best)
			best = b - a;
	}
	return best;
}
