/*
 * The identity map beyond entry.asm's first 4 GiB: RAM the memory map puts
 * higher (mkboot may give a partition RAM anywhere) gets 2 MiB pages, one
 * page directory per GiB from a pool in bss, up to PAGING_LIMIT.
 * SDM Vol.3 4.5: PML4 -> PDPT -> PD with PS set.
 */
#include "probe.h"

#include "layout.h"
#include "x86.h"

#define GIB (1ull << 30)
#define POOL_PDS (PAGING_LIMIT / GIB - PROBE_BOOT_MAP_LIMIT / GIB)

static uint64_t pd_pool[POOL_PDS][X86_PT_ENTRIES] __attribute__((aligned(X86_PAGE_SIZE)));
static uint32_t pd_used;

static uint64_t *pdpt(void)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & X86_PTE_ADDR_MASK);
	return (uint64_t *)(uintptr_t)(pml4[0] & X86_PTE_ADDR_MASK);
}

bool paging_is_mapped(uint64_t base, uint64_t size)
{
	uint64_t end;
	if (!mk_add_u64(base, size, &end) || end > PAGING_LIMIT)
		return false;
	const uint64_t *dir = pdpt();
	for (uint64_t g = base / GIB; g * GIB < end; g++)
		if (!(dir[g] & X86_PTE_PRESENT))
			return false;
	return true;
}

bool paging_map(uint64_t base, uint64_t size, struct mk_buf *why)
{
	uint64_t end;
	if (!mk_add_u64(base, size, &end) || end > PAGING_LIMIT) {
		mk_buf_printf(why, "0x%llx+0x%llx lies beyond the %llu GiB the probe can map",
			      (unsigned long long)base, (unsigned long long)size,
			      (unsigned long long)(PAGING_LIMIT / GIB));
		return false;
	}
	uint64_t *dir = pdpt();
	for (uint64_t g = base / GIB; g * GIB < end; g++) {
		if (dir[g] & X86_PTE_PRESENT)
			continue;
		if (pd_used >= POOL_PDS) {
			mk_buf_puts(why, "page directory pool exhausted");
			return false;
		}
		uint64_t *pd = pd_pool[pd_used++];
		for (uint64_t i = 0; i < X86_PT_ENTRIES; i++)
			pd[i] = (g * GIB + i * X86_LARGE_PAGE_SIZE) | X86_PTE_PRESENT | X86_PTE_WRITE | X86_PTE_PS;
		dir[g] = (uint64_t)(uintptr_t)pd | X86_PTE_PRESENT | X86_PTE_WRITE;
	}
	write_cr3(read_cr3());
	return true;
}

void paging_set_uncached(uint64_t phys)
{
	if (!paging_is_mapped(phys, 1))
		return;
	uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt()[phys / GIB] & X86_PTE_ADDR_MASK);
	pd[(phys / X86_LARGE_PAGE_SIZE) % X86_PT_ENTRIES] |= X86_PTE_PCD | X86_PTE_PWT;
	write_cr3(read_cr3());
}
