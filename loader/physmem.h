/*
 * Physical memory as the loaders see it.  Loaders never dereference a physical
 * address directly: they ask for a host pointer to [addr, addr+len), which
 * exists only when the whole span lies inside one window.  On firmware the
 * windows are identity mapped (host == phys); in tests they are buffers
 * standing in for a partition's RAM.
 */
#ifndef MKBOOT_PHYSMEM_H
#define MKBOOT_PHYSMEM_H

#include "lib.h"

#define MK_MAX_PHYS_WINDOWS 16

struct mk_phys_window {
	uint8_t *host;
	uint64_t phys;
	uint64_t size;
};

struct mk_phys {
	struct mk_phys_window win[MK_MAX_PHYS_WINDOWS];
	uint32_t n;
};

/* Adds a window; false when full. */
bool phys_add(struct mk_phys *pm, uint8_t *host, uint64_t phys, uint64_t size);
/* Host pointer for [addr, addr+len) when it lies inside one window, else NULL. */
void *phys_ptr(const struct mk_phys *pm, uint64_t addr, uint64_t len);

#endif
