/*
 * Shared between the bzImage loader's files (bzimage.c: check, place, write;
 * bzimage_e820.c: the partition's e820 map and free list).  Not a public API.
 */
#ifndef MKBOOT_BZIMAGE_INTERNAL_H
#define MKBOOT_BZIMAGE_INTERNAL_H

#include "bzimage.h"
#include "bootparams.h"

#define BZ_4G (1ull << 32)
#define BZ_SMALL_ALIGN 16u /* cmdline and setup_data: setup_data.next is a u64 */
/* Spans in: main RAM, the low slice, the ACPI copy, the shared region. */
#define BZ_MAX_SPANS (MK_MAX_RAM_RANGES + 3)
#define BZ_MAX_CUTS (2 * BZ_MAX_SPANS)
/* Objects placed: kernel, initrd, boot_params, cmdline, setup_data. */
#define BZ_MAX_PLACED 5

/* A map of BZ_MAX_SPANS ranges has at most BZ_MAX_CUTS - 1 pieces: it always fits. */
_Static_assert(BZ_MAX_CUTS - 1 <= E820_MAX_ENTRIES_ZEROPAGE, "e820 map fits boot_params");
_Static_assert(SETUP_MKBOOT > SETUP_RNG_SEED && !(SETUP_MKBOOT & SETUP_INDIRECT),
	       "SETUP_MKBOOT clear of upstream setup_data types");

static inline unsigned long long bz_ull(uint64_t v)
{
	return (unsigned long long)v;
}

struct bz_span {
	uint64_t base, end;
	uint32_t type; /* E820_TYPE_* */
};

struct bz_layout {
	struct bz_span e820[BZ_MAX_CUTS];
	uint32_t ne820;
	struct bz_span free[BZ_MAX_CUTS]; /* main RAM less everything reserved */
	uint32_t nfree;
	struct mk_range placed[BZ_MAX_PLACED];
	uint32_t nplaced;
};

/*
 * The partition's e820 map (RAM, low slice, ACPI copy, shared region; where
 * they overlap the stronger type wins) and the free list placement draws on
 * (main RAM only).  False with a reason for a partition Linux cannot use.
 */
bool bz_build_maps(const struct bz_input *in, struct bz_layout *lay, struct mk_diags *d);

#endif
