/*
 * The mkboot_info payload (mailbox/mkboot_info.h) every partition's kernel
 * gets: in the multiboot2 MBI (tag MB2_TAG_MKBOOT) and in Linux's setup_data
 * (SETUP_MKBOOT).  One writer for both formats.
 */
#ifndef MKBOOT_BOOTINFO_H
#define MKBOOT_BOOTINFO_H

#include "mkboot_info.h"
#include "plan.h"

struct bootinfo_input {
	uint32_t partition_index;
	uint32_t partition_count;
	const char *name;       /* < MKBOOT_NAME_MAX bytes */
	uint32_t boot_apic_id;
	uint32_t flags;         /* MKBOOT_INFO_F_* */
	uint32_t ipi_vector;
	uint64_t tsc_khz;
	const struct mk_plan_part *part; /* RAM ranges (main) and the low slice */
	struct mk_range shared;
	const uint32_t *cpus;   /* the partition's APIC IDs */
	uint32_t ncpus;
};

/* Bytes the payload takes: header, main RAM ranges, APIC IDs. */
uint64_t bootinfo_size(const struct bootinfo_input *in);
/* Writes the payload to dst; false (nothing written) when cap is too small. */
bool bootinfo_write(const struct bootinfo_input *in, void *dst, uint64_t cap);

#endif
