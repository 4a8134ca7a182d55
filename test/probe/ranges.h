/*
 * Sets of physical address ranges, kept as sorted, merged [base, end) lists:
 * the memory-map comparisons and the fill plan are set arithmetic on these.
 */
#ifndef PROBE_RANGES_H
#define PROBE_RANGES_H

#include <stdbool.h>
#include <stdint.h>

/* Enough for a UEFI memory map (OVMF gives a few dozen entries). */
#define RANGES_MAX 256

struct range {
	uint64_t base;
	uint64_t end; /* exclusive */
};

struct range_list {
	struct range r[RANGES_MAX];
	uint32_t n;
};

void ranges_init(struct range_list *l);
/* Adds [base, base + size); size 0 is ignored.  False when the sum wraps or the list is full. */
bool ranges_add(struct range_list *l, uint64_t base, uint64_t size);
/* Sorts and merges overlapping or touching ranges. */
void ranges_normalize(struct range_list *l);
/* Both normalized. */
bool ranges_equal(const struct range_list *a, const struct range_list *b);
/* True when every byte of [base, end) is in the (normalized) list. */
bool ranges_cover(const struct range_list *l, uint64_t base, uint64_t end);
/* True when some byte of [base, end) is in the list. */
bool ranges_touch(const struct range_list *l, uint64_t base, uint64_t end);
/* out = l minus holes, clipped to [lo, hi); all normalized.  False when out is full. */
bool ranges_subtract(const struct range_list *l, const struct range_list *holes, uint64_t lo,
		     uint64_t hi, struct range_list *out);
/* Shrinks every range inward to `align` (a power of two), dropping what vanishes. */
void ranges_shrink_to(struct range_list *l, uint64_t align);
uint64_t ranges_total(const struct range_list *l);

#endif
