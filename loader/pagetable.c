/*
 * Identity page tables (pagetable.h): one PML4, then the PDPTs, then one PD
 * per GiB, laid out back to back in that order.
 */
#include "pagetable.h"

/* SDM Vol.3 4.5: 4-level paging entry bits. */
#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define PTE_LARGE (1ull << 7) /* PS: a 2 MiB page in a PD entry */
#define PT_ENTRIES 512ull
#define GIB (1ull << 30)
#define PAGE_2M (2ull << 20)
#define PML4_SPAN (512ull * GIB) /* one PDPT maps 512 GiB */
#define LIMIT_MAX (PT_ENTRIES * PML4_SPAN)
/* SDM Vol.3 4.1.4: MAXPHYADDR is at most 52; entry bits 51:12 hold the address. */
#define PT_PHYS_LIMIT (1ull << 52)

static uint64_t gib_count(uint64_t limit)
{
	return limit / GIB + (limit % GIB ? 1 : 0);
}

uint64_t pagetable_identity_size(uint64_t limit)
{
	if (!limit || limit > LIMIT_MAX)
		return 0;
	uint64_t npd = gib_count(limit);
	uint64_t npdpt = (npd + PT_ENTRIES - 1) / PT_ENTRIES;
	return (1 + npdpt + npd) * MK_PAGE_SIZE;
}

bool pagetable_build_identity(void *buf, uint64_t buf_phys, uint64_t cap, uint64_t limit, uint64_t *cr3)
{
	uint64_t size = pagetable_identity_size(limit), end;
	/* The tables' own addresses go into entries: they must fit bits 51:12. */
	if (!size || size > cap || (buf_phys & (MK_PAGE_SIZE - 1)) ||
	    ((uintptr_t)buf & (sizeof(uint64_t) - 1)) || !mk_add_u64(buf_phys, size, &end) ||
	    end > PT_PHYS_LIMIT)
		return false;
	uint64_t npd = gib_count(limit);
	uint64_t npdpt = (npd + PT_ENTRIES - 1) / PT_ENTRIES;
	uint64_t *pml4 = buf;
	uint64_t *pdpt = pml4 + PT_ENTRIES;
	uint64_t *pd = pdpt + npdpt * PT_ENTRIES;
	uint64_t pdpt_phys = buf_phys + MK_PAGE_SIZE;
	uint64_t pd_phys = pdpt_phys + npdpt * MK_PAGE_SIZE;

	mk_memset(buf, 0, size);
	for (uint64_t i = 0; i < npdpt; i++)
		pml4[i] = (pdpt_phys + i * MK_PAGE_SIZE) | PTE_PRESENT | PTE_WRITE;
	/* The PDPTs are contiguous, so pdpt[g] is entry g % 512 of PDPT g / 512. */
	for (uint64_t g = 0; g < npd; g++) {
		pdpt[g] = (pd_phys + g * MK_PAGE_SIZE) | PTE_PRESENT | PTE_WRITE;
		for (uint64_t j = 0; j < PT_ENTRIES; j++)
			pd[g * PT_ENTRIES + j] = (g * GIB + j * PAGE_2M) | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
	}
	*cr3 = buf_phys;
	return true;
}
