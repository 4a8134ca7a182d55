/*
 * The isolation check: every 8-byte word at address a in our RAM gets
 * a ^ key, key unique to the partition.  Address-dependent, so a mapping that
 * aliases two addresses shows; partition-dependent, so a word some other
 * partition wrote tells whose it was.
 */
#include "probe.h"

/* Whose pattern a stray word is: checked against this many partition keys at most. */
#define MEMTEST_MAX_PARTS 64u

/* splitmix64's finaliser: spreads small partition indexes over 64 bits. */
uint64_t memtest_key(uint32_t partition_index)
{
	uint64_t z = 0x9E3779B97F4A7C15ull * ((uint64_t)partition_index + 1);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Unrolled by 4: TCG pays per loop iteration, and this runs over all our RAM. */
static void __attribute__((noinline)) fill_range(uint64_t base, uint64_t end, uint64_t key)
{
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)base;
	uint64_t a = base;
	for (; a + 32 <= end; a += 32, p += 4) {
		p[0] = a ^ key;
		p[1] = (a + 8) ^ key;
		p[2] = (a + 16) ^ key;
		p[3] = (a + 24) ^ key;
	}
	for (; a < end; a += 8, p++)
		*p = a ^ key;
}

/* Address of the first word that does not hold its pattern, or end. */
static uint64_t __attribute__((noinline)) check_range(uint64_t base, uint64_t end, uint64_t key)
{
	const volatile uint64_t *p = (const volatile uint64_t *)(uintptr_t)base;
	uint64_t a = base;
	for (; a + 32 <= end; a += 32, p += 4) {
		uint64_t bad = (p[0] ^ a ^ key) | (p[1] ^ (a + 8) ^ key) | (p[2] ^ (a + 16) ^ key) |
			       (p[3] ^ (a + 24) ^ key);
		if (bad)
			break;
	}
	for (; a < end; a += 8, p++)
		if (*p != (a ^ key))
			return a;
	return end;
}

void memtest_fill(const struct range_list *plan, uint64_t key)
{
	for (uint32_t i = 0; i < plan->n; i++)
		fill_range(plan->r[i].base, plan->r[i].end, key);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

bool memtest_verify(const struct range_list *plan, uint64_t key, uint32_t nparts, struct mk_buf *why)
{
	for (uint32_t i = 0; i < plan->n; i++) {
		uint64_t a = check_range(plan->r[i].base, plan->r[i].end, key);
		if (a == plan->r[i].end)
			continue;
		uint64_t v = *(const volatile uint64_t *)(uintptr_t)a;
		mk_buf_printf(why, "memory at 0x%llx holds 0x%llx, expected 0x%llx", (unsigned long long)a,
			      (unsigned long long)v, (unsigned long long)(a ^ key));
		for (uint32_t j = 0; j < nparts && j < MEMTEST_MAX_PARTS; j++)
			if ((v ^ a) == memtest_key(j)) {
				mk_buf_printf(why, " (partition %u's pattern)", j);
				return false;
			}
		uint64_t other = v ^ key;
		if (other != a && other % 8 == 0 && ranges_cover(plan, other, other + 8))
			mk_buf_printf(why, " (our pattern for 0x%llx: the two addresses alias)",
				      (unsigned long long)other);
		return false;
	}
	return true;
}

uint64_t memtest_corrupt(const struct range_list *plan)
{
	if (!plan->n)
		return 0;
	const struct range *r = &plan->r[plan->n / 2];
	uint64_t a = r->base + ((r->end - r->base) / 2 & ~7ull);
	*(volatile uint64_t *)(uintptr_t)a = 0;
	return a;
}
