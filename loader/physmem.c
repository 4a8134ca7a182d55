#include "physmem.h"

bool phys_add(struct mk_phys *pm, uint8_t *host, uint64_t phys, uint64_t size)
{
	uint64_t end;
	if (pm->n >= MK_MAX_PHYS_WINDOWS || !mk_add_u64(phys, size, &end))
		return false;
	pm->win[pm->n++] = (struct mk_phys_window){ host, phys, size };
	return true;
}

void *phys_ptr(const struct mk_phys *pm, uint64_t addr, uint64_t len)
{
	uint64_t end;
	if (!mk_add_u64(addr, len, &end))
		return 0;
	for (uint32_t i = 0; i < pm->n; i++) {
		const struct mk_phys_window *w = &pm->win[i];
		if (addr >= w->phys && end <= w->phys + w->size)
			return w->host + (addr - w->phys);
	}
	return 0;
}
