/*
 * What mkboot tells each partition's kernel about itself: its place in the
 * machine and where the shared mailbox region is.  The same payload travels
 * in the multiboot2 MBI (tag MB2_TAG_MKBOOT, after the 8-byte tag header) and,
 * for Linux, in a setup_data entry of type SETUP_MKBOOT.
 *
 * Layout: struct mkboot_info, then nram struct mkboot_range (8-byte aligned),
 * then ncpus uint32_t APIC IDs; `size` covers all of it.  A kernel must check
 * size against what it was given before reading the arrays.
 */
#ifndef MKBOOT_INFO_H
#define MKBOOT_INFO_H

#include <stdint.h>

#define MKBOOT_INFO_MAGIC 0x4F464E49544F4F42ull /* "BOOTINFO" little-endian */
#define MKBOOT_INFO_VERSION 1
#define MKBOOT_NAME_MAX 32
/* Linux setup_data type: clear of upstream's 1..9 and SETUP_INDIRECT (1 << 31). */
#define SETUP_MKBOOT 0x4D4B4254u

#define MKBOOT_INFO_F_OWNS_BSP 1u      /* this partition was started on the boot CPU */
#define MKBOOT_INFO_F_OWNS_PLATFORM 2u /* IOAPIC and legacy devices are ours */

struct mkboot_range {
	uint64_t base;
	uint64_t size;
};

struct mkboot_info {
	uint64_t magic;
	uint32_t version;
	uint32_t size;            /* whole payload, header and arrays */
	uint32_t partition_index; /* index in the shared region's partition table */
	uint32_t partition_count;
	uint32_t boot_apic_id;    /* the CPU this kernel was entered on */
	uint32_t flags;           /* MKBOOT_INFO_F_* */
	char name[MKBOOT_NAME_MAX];
	uint64_t shared_phys;     /* physical address of the shared region's header */
	uint64_t shared_size;
	uint64_t low_base;        /* private RAM below 0x9F000 (for AP trampolines) */
	uint64_t low_size;
	uint64_t tsc_khz;         /* measured by mkboot before ExitBootServices; 0 if unknown */
	uint32_t ipi_vector;      /* this partition's doorbell vector */
	uint32_t ncpus;
	uint32_t nram;
	uint32_t reserved;
	/* struct mkboot_range ram[nram]; uint32_t apic_ids[ncpus]; */
} __attribute__((packed));

_Static_assert(sizeof(struct mkboot_info) == 120, "mkboot_info layout");
_Static_assert(__builtin_offsetof(struct mkboot_info, shared_phys) == 64, "shared_phys offset");
_Static_assert(sizeof(struct mkboot_range) == 16, "mkboot_range layout");

static inline const struct mkboot_range *mkboot_info_ram(const struct mkboot_info *i)
{
	return (const struct mkboot_range *)(i + 1);
}
static inline const uint32_t *mkboot_info_cpus(const struct mkboot_info *i)
{
	return (const uint32_t *)(mkboot_info_ram(i) + i->nram);
}
/* Bytes a payload with these counts needs. */
static inline uint64_t mkboot_info_bytes(uint32_t nram, uint32_t ncpus)
{
	return sizeof(struct mkboot_info) + (uint64_t)nram * sizeof(struct mkboot_range) +
	       (uint64_t)ncpus * sizeof(uint32_t);
}

#endif
