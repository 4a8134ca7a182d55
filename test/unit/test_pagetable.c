/*
 * Identity page tables: their size for each limit, and a walk of the built
 * tables the way the CPU does it (SDM Vol.3 4.5: CR3 -> PML4 -> PDPT -> PD
 * with PS for 2 MiB pages), through the physical addresses the entries hold,
 * with the buffer standing at a physical address unlike its host one.
 */
#include <stdlib.h>

#include "check.h"
#include "pagetable.h"

#define KIB 1024ull
#define GIB (1ull << 30)
#define TIB (1ull << 40)
#define PAGE_2M (2ull << 20)
#define CANARY 0xA5
/* Where the tables "are" for the CPU; the host buffer is elsewhere. */
#define TABLES_PHYS 0x10000000ull

/* SDM Vol.3 4.5, tables 4-15 .. 4-18. */
#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_XD (1ull << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000ull

struct tables {
	uint8_t *host;
	uint64_t phys, size, cr3;
};

static uint64_t entry(const struct tables *t, uint64_t table_phys, uint64_t index, bool *ok)
{
	uint64_t v, off = table_phys - t->phys + index * 8;
	if (table_phys < t->phys || off + 8 > t->size) {
		*ok = false; /* an entry pointing outside the tables */
		return 0;
	}
	memcpy(&v, t->host + off, sizeof(v));
	return v;
}

/* Flags every entry on the path must have, and none it must not. */
static bool flags_ok(uint64_t e, bool leaf)
{
	return (e & PTE_P) && (e & PTE_RW) && !(e & PTE_US) && !(e & PTE_XD) && !(e & PTE_PWT) &&
	       !(e & PTE_PCD) && (leaf ? (e & PTE_PS) != 0 : !(e & PTE_PS));
}

enum walk_result { WALK_MAPPED, WALK_NOT_PRESENT, WALK_BAD };

/* Translates a linear address; *phys gets where it lands. */
static enum walk_result walk(const struct tables *t, uint64_t addr, uint64_t *phys)
{
	bool ok = true;
	uint64_t e = entry(t, t->cr3 & PTE_ADDR, (addr >> 39) & 511, &ok);
	if (!ok)
		return WALK_BAD;
	if (!(e & PTE_P))
		return WALK_NOT_PRESENT;
	if (!flags_ok(e, false))
		return WALK_BAD;
	e = entry(t, e & PTE_ADDR, (addr >> 30) & 511, &ok);
	if (!ok)
		return WALK_BAD;
	if (!(e & PTE_P))
		return WALK_NOT_PRESENT;
	if (!flags_ok(e, false))
		return WALK_BAD;
	e = entry(t, e & PTE_ADDR, (addr >> 21) & 511, &ok);
	if (!ok)
		return WALK_BAD;
	if (!(e & PTE_P))
		return WALK_NOT_PRESENT;
	/* A 2 MiB page's address is 2 MiB aligned: bits 20:13 reserved, 12 is PAT (kept 0). */
	if (!flags_ok(e, true) || (e & PTE_ADDR & (PAGE_2M - 1)))
		return WALK_BAD;
	*phys = (e & PTE_ADDR) | (addr & (PAGE_2M - 1));
	return WALK_MAPPED;
}

static bool maps_identity(const struct tables *t, uint64_t addr)
{
	uint64_t phys = ~0ull;
	return walk(t, addr, &phys) == WALK_MAPPED && phys == addr;
}

static bool not_present(const struct tables *t, uint64_t addr)
{
	uint64_t phys;
	return walk(t, addr, &phys) == WALK_NOT_PRESENT;
}

static bool build(struct tables *t, uint64_t limit)
{
	t->size = pagetable_identity_size(limit);
	t->phys = TABLES_PHYS;
	t->host = aligned_alloc(4096, t->size);
	t->cr3 = 0;
	if (!t->host)
		return false;
	memset(t->host, CANARY, t->size);
	return pagetable_build_identity(t->host, t->phys, t->size, limit, &t->cr3);
}

static void test_sizes(void)
{
	CHECK_EQ(pagetable_identity_size(1), 3 * 4 * KIB);              /* PML4, PDPT, 1 PD */
	CHECK_EQ(pagetable_identity_size(4 * GIB), 6 * 4 * KIB);        /* 4 PDs */
	CHECK_EQ(pagetable_identity_size(4 * GIB + 1), 7 * 4 * KIB);    /* 5 PDs */
	CHECK_EQ(pagetable_identity_size(512 * GIB), 514 * 4 * KIB);    /* 1 PDPT, 512 PDs */
	CHECK_EQ(pagetable_identity_size(512 * GIB + 1), 516 * 4 * KIB); /* 2 PDPTs, 513 PDs */
	CHECK_EQ(pagetable_identity_size(256 * TIB), (1 + 512 + 262144) * 4 * KIB);
	CHECK_EQ(pagetable_identity_size(256 * TIB + 1), 0);
	CHECK_EQ(pagetable_identity_size(0), 0);
	CHECK_EQ(pagetable_identity_size(~0ull), 0);
}

/* Every 2 MiB page below the rounded limit maps to itself; the next does not. */
static void check_limit(uint64_t limit, uint64_t rounded)
{
	struct tables t;
	CHECK(build(&t, limit));
	CHECK_EQ(t.cr3, TABLES_PHYS);
	CHECK(maps_identity(&t, 0));
	CHECK(maps_identity(&t, 0x1FFFFF));
	CHECK(maps_identity(&t, 0x200000));
	CHECK(maps_identity(&t, limit - 1));
	CHECK(maps_identity(&t, rounded - 1));
	if (rounded >= 4 * GIB)
		CHECK(maps_identity(&t, 4 * GIB - 1));
	else
		CHECK(not_present(&t, 4 * GIB - 1));
	CHECK(not_present(&t, rounded));
	CHECK(not_present(&t, rounded + 3 * PAGE_2M + 5));
	CHECK(not_present(&t, 512 * GIB * ((rounded - 1) / (512 * GIB) + 1))); /* the next PML4 slot */
	CHECK(not_present(&t, (256 * TIB) - 1));

	uint64_t bad = 0;
	for (uint64_t a = 0; a < rounded; a += PAGE_2M)
		bad += !maps_identity(&t, a + (a / PAGE_2M) % PAGE_2M);
	CHECK_EQ(bad, 0);
	free(t.host);
}

static void test_walks(void)
{
	check_limit(1, GIB);
	check_limit(4 * GIB, 4 * GIB);
	check_limit(4 * GIB + 1, 5 * GIB);
	check_limit(512 * GIB + 1, 513 * GIB);
}

/* Each refusal writes neither the buffer nor *cr3. */
static void check_refused(uint8_t *buf, uint64_t phys, uint64_t cap, uint64_t limit)
{
	uint64_t cr3 = 0x1234;
	memset(buf, CANARY, 3 * 4 * KIB);
	CHECK(!pagetable_build_identity(buf, phys, cap, limit, &cr3));
	CHECK_EQ(cr3, 0x1234);
	uint64_t touched = 0;
	for (uint64_t i = 0; i < 3 * 4 * KIB; i++)
		touched += buf[i] != CANARY;
	CHECK_EQ(touched, 0);
}

static void test_refusals(void)
{
	uint8_t *buf = aligned_alloc(4096, 4 * 4 * KIB);
	uint64_t need = pagetable_identity_size(1);
	check_refused(buf, TABLES_PHYS, need - 1, 1);        /* cap too small */
	check_refused(buf, TABLES_PHYS, 0, 1);
	check_refused(buf, TABLES_PHYS + 8, need, 1);        /* buf_phys not 4 KiB aligned */
	check_refused(buf, TABLES_PHYS + 0x800, need, 1);
	check_refused(buf, TABLES_PHYS, need, 0);            /* nothing to map */
	check_refused(buf, TABLES_PHYS, need, 256 * TIB + 1); /* beyond 4-level paging */
	check_refused(buf, ~0ull & ~0xFFFull, need, 1);      /* buf_phys + size wraps */
	check_refused(buf, (1ull << 52) - 4096, need, 1);    /* tables past MAXPHYADDR 52 */
	check_refused(buf + 4, TABLES_PHYS, need, 1);        /* host buffer misaligned */

	/* The tables may end exactly at 2^52, and cap may exceed the need. */
	uint64_t cr3 = 0, past = 0;
	memset(buf, CANARY, 4 * 4 * KIB);
	CHECK(pagetable_build_identity(buf, (1ull << 52) - need, need + 4096, 1, &cr3));
	CHECK_EQ(cr3, (1ull << 52) - need);
	for (uint64_t i = need; i < need + 4096; i++)
		past += buf[i] != CANARY;
	CHECK_EQ(past, 0);
	free(buf);
}

int main(void)
{
	test_sizes();
	test_walks();
	test_refusals();
	return check_done("test_pagetable");
}
