/*
 * The boot plan: where every partition's RAM, low-memory slice and SIPI
 * trampoline page go, and where the shared mailbox region lives.  Built from a
 * checked config and the machine; pure C, so it is unit-tested against
 * recorded memory maps.
 */
#ifndef MKBOOT_PLAN_H
#define MKBOOT_PLAN_H

#include "config.h"
#include "machine.h"

#define MK_MAX_RAM_RANGES 8
/* Linux's decompressor keeps below min(EBDA, 0x9F000); so do the low slices. */
#define MK_LOW_LIMIT 0x9F000ull
#define MK_ONE_MIB 0x100000ull
/* Main RAM is placed on 2 MiB boundaries when it is not fixed by memory_base. */
#define MK_RAM_ALIGN (2ull << 20)

struct mk_range {
	uint64_t base;
	uint64_t size;
};

struct mk_plan_part {
	struct mk_range ram[MK_MAX_RAM_RANGES]; /* main RAM, ascending, from conventional memory */
	uint32_t nram;
	struct mk_range low;  /* private slice below MK_LOW_LIMIT (size cfg->low_memory) */
	uint64_t trampoline;  /* one 4 KiB page below 1 MiB owned by no partition */
	uint32_t boot_apic_id; /* the BSP in the BSP's partition, else the first CPU listed */
	bool has_bsp;
	bool owns_platform;
};

struct mk_plan {
	struct mk_plan_part part[MK_MAX_PARTITIONS];
	uint32_t nparts;
	struct mk_range shared; /* the mailbox region, reserved in every partition's map */
	uint32_t unassigned[MK_MAX_MACHINE_CPUS]; /* APIC IDs of enabled CPUs no partition owns */
	uint32_t nunassigned;
	uint32_t bsp_part;      /* partition that owns the BSP */
	uint32_t platform_part; /* partition that owns the IOAPIC and legacy devices */
};

/*
 * Checks the config against the machine (unknown or disabled APIC IDs, the
 * BSP owned by no partition, more partitions than CPUs, fixed bases outside
 * conventional RAM, memory that does not fit) and places everything.  Errors go
 * to `d` at the position of the key that caused them; returns the error count.
 */
uint32_t plan_build(const struct mk_config *cfg, const struct mk_machine *m, struct mk_plan *plan,
		    struct mk_diags *d);
/*
 * plan_build for kernels that must be loaded at their link address:
 * kernel_at[i] (cfg->nparts entries, page-aligned) is where partition i's
 * kernel goes, size 0 where it can go anywhere (mb2_fixed_span).  A partition
 * without memory_base then gets those pages as its first RAM range and the
 * rest of its memory elsewhere; an error names the kernel when the pages are
 * not free RAM or memory is too small for them.
 */
uint32_t plan_build_kernels(const struct mk_config *cfg, const struct mk_machine *m,
			    const struct mk_range *kernel_at, struct mk_plan *plan,
			    struct mk_diags *d);

/* Total main RAM of a partition. */
uint64_t plan_part_ram(const struct mk_plan_part *p);

/*
 * The boot report, one line per '\n': a row per partition (name, CPUs, RAM
 * ranges, kernel and its size, cmdline), unassigned CPUs and the shared
 * region.  kernel_sizes[i] is partition i's kernel file size.
 */
void plan_report(const struct mk_config *cfg, const struct mk_plan *plan,
		 const uint64_t *kernel_sizes, struct mk_buf *out);

#endif
