/*
 * Identity page tables for the trampoline's 64-bit path: 4-level paging,
 * 2 MiB pages, every address below `limit` (rounded up to 1 GiB) mapped to
 * itself, writable, write-back.  Linux's 64-bit boot protocol asks for an
 * identity map covering the kernel's init_size range, boot_params and the
 * command line; mapping all of [0, limit) covers every partition layout.
 */
#ifndef MKBOOT_PAGETABLE_H
#define MKBOOT_PAGETABLE_H

#include "lib.h"

/*
 * Bytes of tables needed: one PML4, one PDPT per 512 GiB and one PD per GiB.
 * 0 when limit is 0 or beyond 4-level paging (256 TiB).
 */
uint64_t pagetable_identity_size(uint64_t limit);
/*
 * Writes the tables into `buf` (cap bytes), which the CPU will see at
 * physical `buf_phys`; *cr3 gets the PML4's physical address.  False, with
 * nothing written, when the size is 0 or above cap, buf_phys is not 4 KiB
 * aligned, buf is not 8-byte aligned, or the tables would end above 2^52.
 */
bool pagetable_build_identity(void *buf, uint64_t buf_phys, uint64_t cap, uint64_t limit, uint64_t *cr3);

#endif
