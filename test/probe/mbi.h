/*
 * Reading a multiboot2 boot information block (spec 3.6) as hostile input:
 * the same code checks what GRUB gives and what mkboot gives.  Nothing is
 * trusted before it is bounds-checked against total_size and the tag's size.
 */
#ifndef PROBE_MBI_H
#define PROBE_MBI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib.h"
#include "mb2_abi.h"
#include "mkboot_info.h"

/* No real MBI comes near this: a bound for a total_size we cannot check otherwise. */
#define MBI_MAX_SIZE 0x100000u
#define ACPI_RSDP_V1_LEN 20u
#define ACPI_RSDP_V2_LEN 36u

struct probe_mbi {
	uint32_t total_size;
	const char *cmdline;     /* NUL-terminated inside its tag; NULL: no tag */
	const char *loader_name; /* likewise */
	const struct mb2_tag_basic_meminfo *meminfo;
	const uint8_t *mmap;     /* first entry; NULL: no tag */
	uint32_t mmap_count;
	uint32_t mmap_entry_size;
	const uint8_t *rsdp;     /* the RSDP copy in tag 15 (preferred) or 14 */
	uint32_t rsdp_len;
	uint32_t rsdp_tag;
	const struct mkboot_info *mkboot; /* payload of MB2_TAG_MKBOOT, not yet validated */
	uint32_t mkboot_len;
	bool has_load_base;
	uint32_t load_base;
	uint32_t nmodules;       /* module tags (3); the first one's fields follow */
	uint32_t mod_start, mod_end;
	const char *mod_name;    /* NUL-terminated inside its tag */
	uint32_t ntags;          /* end tag included */
};

/*
 * Walks the MBI at `p`, of which `avail` bytes may be read (the probe passes
 * total_size itself: the loader's word is all it has).  On error returns false
 * with the reason in `why`; `out` then holds what was found before the error.
 */
bool mbi_parse(const uint8_t *p, uint64_t avail, struct probe_mbi *out, struct mk_buf *why);

/* Entry i < mmap_count, read through the tag's entry_size stride. */
struct mb2_mmap_entry mbi_mmap_entry(const struct probe_mbi *m, uint32_t i);

/*
 * Checks the mkboot payload: magic, version, size, array bounds, name, CPU
 * and RAM lists.  The boot-CPU rule: the CPU named boot_apic_id is listed, and
 * it is the first listed unless the partition owns the BSP.
 */
bool mkinfo_check(const struct mkboot_info *i, uint32_t len, uint32_t max_cpus, struct mk_buf *why);

#endif
