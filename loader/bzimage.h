/*
 * The Linux bzImage loader: one entry function that checks an image, places
 * it inside one partition's RAM and writes everything the 64-bit boot
 * protocol needs (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol").
 * docs/linux.md explains the placement rule and the facts it rests on.
 */
#ifndef MKBOOT_BZIMAGE_H
#define MKBOOT_BZIMAGE_H

#include "diag.h"
#include "mkboot_info.h"
#include "physmem.h"
#include "plan.h"

struct bz_input {
	const uint8_t *image; /* the whole bzImage file */
	uint64_t image_len;
	const uint8_t *initrd; /* NULL or initrd_len 0: no initrd */
	uint64_t initrd_len;
	const char *cmdline; /* NUL-terminated; NULL means "" */
	const struct mk_plan_part *part; /* main RAM ranges and the low slice */
	struct mk_range shared;          /* mailbox region: E820_TYPE_RESERVED (size 0: none) */
	uint64_t rsdp_phys;              /* the partition's own RSDP; 0 = none */
	const struct mkboot_info *info;  /* NULL: no SETUP_MKBOOT entry */
	uint64_t info_len;               /* payload incl. arrays */
	/*
	 * Optional: where the partition's ACPI table copy lives, so the kernel
	 * sees it as E820_TYPE_ACPI and never reuses it as RAM.  It may lie
	 * inside the partition's RAM (it is carved out) or outside.  Size 0: none.
	 */
	struct mk_range acpi;
};

struct bz_loaded {
	uint64_t load_addr;   /* protected-mode kernel, kernel_alignment aligned */
	uint64_t entry64;     /* load_addr + 0x200 */
	uint64_t init_size;   /* [load_addr, load_addr + init_size) must be identity mapped */
	uint64_t boot_params; /* the zero page: RSI at entry */
	uint64_t cmdline;
	uint64_t cmdline_size; /* bytes including the NUL */
	uint64_t initrd;      /* 0 when there is none */
	uint64_t initrd_size;
	uint64_t setup_data;  /* the SETUP_MKBOOT node, 0 when there is none */
	uint32_t e820_entries;
};

/* Cheap format detection: boot_flag 0xAA55 at 0x1FE and "HdrS" at 0x202. */
bool bz_probe(const uint8_t *image, uint64_t len);

/*
 * Checks the image, places the kernel, initrd, boot_params, command line and
 * setup_data in the partition's RAM (no two overlapping) and writes them
 * through `pm`.  Nothing is written unless every check passed.  Reports the
 * first problem to `d` (file = the kernel's path) and returns the number of
 * errors reported: 0 on success.
 */
uint32_t bz_load(const struct bz_input *in, const struct mk_phys *pm, struct bz_loaded *out,
		 struct mk_diags *d);

#endif
