#include "ranges.h"

void ranges_init(struct range_list *l)
{
	l->n = 0;
}

bool ranges_add(struct range_list *l, uint64_t base, uint64_t size)
{
	uint64_t end;
	if (!size)
		return true;
	if (__builtin_add_overflow(base, size, &end) || l->n >= RANGES_MAX)
		return false;
	l->r[l->n].base = base;
	l->r[l->n].end = end;
	l->n++;
	return true;
}

void ranges_normalize(struct range_list *l)
{
	/* Insertion sort: lists are short and usually nearly sorted. */
	for (uint32_t i = 1; i < l->n; i++) {
		struct range key = l->r[i];
		uint32_t j = i;
		while (j > 0 && l->r[j - 1].base > key.base) {
			l->r[j] = l->r[j - 1];
			j--;
		}
		l->r[j] = key;
	}
	uint32_t out = 0;
	for (uint32_t i = 0; i < l->n; i++) {
		if (out && l->r[i].base <= l->r[out - 1].end) {
			if (l->r[i].end > l->r[out - 1].end)
				l->r[out - 1].end = l->r[i].end;
		} else {
			l->r[out++] = l->r[i];
		}
	}
	l->n = out;
}

bool ranges_equal(const struct range_list *a, const struct range_list *b)
{
	if (a->n != b->n)
		return false;
	for (uint32_t i = 0; i < a->n; i++)
		if (a->r[i].base != b->r[i].base || a->r[i].end != b->r[i].end)
			return false;
	return true;
}

bool ranges_cover(const struct range_list *l, uint64_t base, uint64_t end)
{
	if (base >= end)
		return true;
	for (uint32_t i = 0; i < l->n; i++)
		if (l->r[i].base <= base && end <= l->r[i].end)
			return true;
	return false;
}

bool ranges_touch(const struct range_list *l, uint64_t base, uint64_t end)
{
	for (uint32_t i = 0; i < l->n; i++)
		if (base < l->r[i].end && l->r[i].base < end)
			return true;
	return false;
}

bool ranges_subtract(const struct range_list *l, const struct range_list *holes, uint64_t lo,
		     uint64_t hi, struct range_list *out)
{
	ranges_init(out);
	for (uint32_t i = 0; i < l->n; i++) {
		uint64_t cur = l->r[i].base > lo ? l->r[i].base : lo;
		uint64_t end = l->r[i].end < hi ? l->r[i].end : hi;
		/* holes is sorted: walk it once per range, cutting pieces off the front. */
		for (uint32_t h = 0; h < holes->n && cur < end; h++) {
			if (holes->r[h].end <= cur || holes->r[h].base >= end)
				continue;
			if (holes->r[h].base > cur && !ranges_add(out, cur, holes->r[h].base - cur))
				return false;
			cur = holes->r[h].end;
		}
		if (cur < end && !ranges_add(out, cur, end - cur))
			return false;
	}
	return true;
}

void ranges_shrink_to(struct range_list *l, uint64_t align)
{
	uint32_t out = 0;
	for (uint32_t i = 0; i < l->n; i++) {
		uint64_t base;
		if (__builtin_add_overflow(l->r[i].base, align - 1, &base))
			continue;
		base &= ~(align - 1);
		uint64_t end = l->r[i].end & ~(align - 1);
		if (base < end) {
			l->r[out].base = base;
			l->r[out].end = end;
			out++;
		}
	}
	l->n = out;
}

uint64_t ranges_total(const struct range_list *l)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; i < l->n; i++)
		sum += l->r[i].end - l->r[i].base;
	return sum;
}
