/*
 * The mkboot_info payload (mailbox/mkboot_info.h) every partition's kernel
 * gets: in the multiboot2 MBI (tag MB2_TAG_MKBOOT) and in Linux's setup_data
 * (SETUP_MKBOOT).  One writer for both formats, so both kernels read the same
 * bytes.
 */
#ifndef MKBOOT_BOOTINFO_H
#define MKBOOT_BOOTINFO_H

#include "mkboot_info.h"
#include "plan.h"

struct bootinfo_input {
	uint32_t partition_index;
	uint32_t partition_count;
	const char *name;       /* < MKBOOT_NAME_MAX bytes; NULL: empty */
	uint32_t boot_apic_id;
	uint32_t flags;         /* MKBOOT_INFO_F_* */
	uint32_t ipi_vector;
	uint64_t tsc_khz;
	const struct mk_plan_part *part; /* RAM ranges (main) and the low slice; required */
	struct mk_range shared;
	const uint32_t *cpus;   /* the partition's APIC IDs */
	uint32_t ncpus;         /* 1 .. MK_MAX_CPUS */
};

/*
 * Bytes the payload takes: the header, part->nram main RAM ranges (at most
 * MK_MAX_RAM_RANGES; the low slice travels as low_base/low_size, not in the
 * array) and ncpus APIC IDs.
 */
uint64_t bootinfo_size(const struct bootinfo_input *in);
/*
 * Writes bootinfo_size(in) bytes to dst (any alignment).  False, with nothing
 * written, when cap is too small or the input cannot be told truthfully: a
 * name of MKBOOT_NAME_MAX bytes or more (it would be cut), no cpus, or ncpus
 * outside 1..MK_MAX_CPUS.
 */
bool bootinfo_write(const struct bootinfo_input *in, void *dst, uint64_t cap);

#endif
