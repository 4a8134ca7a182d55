/*
 * Multiboot2 kernels (GNU Multiboot2 specification 2.0, i386 machine state).
 *
 * mb2_load (mb2.c) checks a kernel image and copies it into its partition's
 * RAM; mb2_build_info (mb2_info.c) then writes the partition's boot
 * information (MBI) there.
 * Both run before ExitBootServices, so every problem with an image is an
 * error the user reads while the firmware can still show it.
 *
 * Loading (spec 3.1):
 *  - The header is the first 8-byte aligned magic in the first 32 KiB whose
 *    checksum holds; its architecture must be i386 and the whole header must
 *    lie in the first 32 KiB.
 *  - Header tags: information request (only tags mkboot provides, unless the
 *    request is optional), address + entry address (the image is loaded
 *    raw), relocatable (type 10), flags, module alignment.  Framebuffer, EFI
 *    boot services and EFI entry tags, and unknown types, are errors unless
 *    marked optional: mkboot starts kernels after ExitBootServices with no
 *    graphics set up.  Address, entry and relocatable tags may appear once.
 *  - Without an address tag the image is ELF32 (EM_386) or ELF64 (EM_X86_64)
 *    and its PT_LOAD segments go to p_paddr; an entry address tag overrides
 *    e_entry, else e_entry is translated through the segment holding it.
 *  - Not relocatable: every byte goes exactly where the image says, which must
 *    be inside the partition's RAM (main ranges or low slice).
 *    Relocatable: the whole image moves, as one block, to the lowest (highest
 *    for preference "high") `align`-aligned base in [min_addr, max_addr] that
 *    fits inside one main RAM range, the low slice only when no main range
 *    fits; the entry moves by the same offset.
 *  - Everything loaded, and the entry, lies below 4 GiB: the kernel starts in
 *    32-bit protected mode without paging.
 *
 * MBI (spec 3.6): cmdline (1), boot loader name (2), basic meminfo (4),
 * memory map (6: the partition's RAM available, the shared region reserved,
 * nothing else), load base address (21), a module (3) when the partition has
 * an initrd, ACPI old/new RSDP (14/15) when given, and MB2_TAG_MKBOOT
 * carrying the mkboot_info payload written by bootinfo_write (the same bytes
 * a Linux kernel gets in setup_data).
 *
 * Module, then MBI placement: page aligned, below 4 GiB, never over the
 * kernel (nor the MBI over the module).  First choice: the first free page
 * after the kernel's end, in the RAM range holding the kernel's last byte.
 * Otherwise the lowest page-aligned free spot in the main RAM ranges
 * (ascending), then in the low slice.
 */
#ifndef MKBOOT_MB2_H
#define MKBOOT_MB2_H

#include "bootinfo.h"
#include "diag.h"
#include "mb2_abi.h"
#include "physmem.h"
#include "plan.h"

#define MB2_LOADER_NAME "mkboot"
/* i386 entry state (spec 3.3): 32-bit protected mode, paging off. */
#define MB2_ADDR_LIMIT (1ull << 32)

enum mb2_format {
	MB2_FORMAT_RAW,   /* placed by the address tag */
	MB2_FORMAT_ELF32,
	MB2_FORMAT_ELF64,
};

/* Where mb2_load put the kernel. */
struct mb2_loaded {
	uint64_t phys_start; /* lowest byte loaded: the load base address (MBI tag 21) */
	uint64_t phys_end;   /* end of the image including bss (exclusive) */
	uint64_t entry;      /* physical EIP at entry, relocated */
	uint32_t format;     /* enum mb2_format */
	bool relocatable;
	/* A non-optional information request for MB2_TAG_ACPI_OLD/NEW (0: none):
	 * mb2_build_info fails when it is given no RSDP. */
	uint32_t acpi_required;
};

/*
 * True when `image` carries a multiboot2 header with a valid checksum in its
 * first 32 KiB (any architecture): the caller's format detection.
 */
bool mb2_detect(const uint8_t *image, uint64_t len);

/*
 * For the planner, before kernels are loaded: true when `head` (the first
 * `len` bytes of a file of `file_len` bytes; 64 KiB is plenty) is a
 * multiboot2 kernel without a relocatable tag, with the page-aligned physical
 * span its segments (or address tag) fix in *span.  False for anything else,
 * a relocatable kernel, or an image whose headers are broken or lie past
 * `head` (mb2_load reports those).
 */
bool mb2_fixed_span(const uint8_t *head, uint64_t len, uint64_t file_len, struct mk_range *span);

/*
 * Checks `image`, chooses its physical placement inside `part`'s RAM, copies
 * it through `pm` and zeroes its bss.  Errors go to `d` (file position 0:0,
 * the diags file names the kernel); returns the error count (0 or 1: the
 * first problem stops loading).
 */
uint32_t mb2_load(const uint8_t *image, uint64_t len, const struct mk_plan_part *part,
		  const struct mk_phys *pm, struct mb2_loaded *out, struct mk_diags *d);

/* Everything a partition's MBI says. */
struct mb2_info_input {
	const char *cmdline;     /* NUL-terminated, < MK_CMDLINE_MAX bytes; NULL: empty */
	const char *loader_name; /* usually MB2_LOADER_NAME; NULL: MB2_LOADER_NAME */
	/* The MB2_TAG_MKBOOT payload.  Its part and shared also give the memory
	 * map: the partition's RAM available, the shared region reserved. */
	struct bootinfo_input info;
	/* Optional copy of the partition's RSDP (NULL: no ACPI tags).  Revision 0
	 * gives tag 14 with the 20-byte ACPI 1.0 RSDP; revision >= 2 gives tag 15
	 * with all rsdp_len (>= 36) bytes.  Either satisfies a request for 14/15. */
	const uint8_t *rsdp;
	uint32_t rsdp_len;
	uint8_t rsdp_revision;
	const struct mb2_loaded *kernel; /* from mb2_load */
	/* Optional boot module (the partition's `initrd`, GRUB's module2): copied
	 * into the partition's RAM and listed in a module tag (3) whose string is
	 * module_name.  NULL: no module tag. */
	const uint8_t *module;
	uint64_t module_len;
	const char *module_name;
};

/*
 * Places (see the rule above) and copies the module, then places and writes
 * the MBI, through `pm`; *mbi_phys gets its physical address, for EBX.
 * Returns the error count (0 or 1).
 */
uint32_t mb2_build_info(const struct mb2_info_input *in, const struct mk_phys *pm,
			uint64_t *mbi_phys, struct mk_diags *d);

#endif
