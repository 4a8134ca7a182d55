/*
 * Memory maps and CPU lists for planner tests, as machine.h tables of
 * {base, size in bytes, type}.  Shaped after what OVMF on QEMU q35 and a
 * desktop board report (UEFI GetMemoryMap, folded to enum mk_mem_type).
 */
#ifndef MKBOOT_TEST_MEMMAPS_H
#define MKBOOT_TEST_MEMMAPS_H

#include "machine.h"

#define CONV MK_MEM_CONVENTIONAL
#define BSVC MK_MEM_BOOT_SERVICES
#define RTSV MK_MEM_RUNTIME
#define RSVD MK_MEM_RESERVED
#define ACPI MK_MEM_ACPI_RECLAIM
#define ANVS MK_MEM_ACPI_NVS
#define MMIO MK_MEM_MMIO

/*
 * (a) OVMF q35, -m 512, 2 vCPUs.  Below 1 MiB: conventional up to 0xA0000
 * except page 0 and the AP wakeup buffer (boot services).  OVMF's ACPI NVS
 * at 8 MiB, then conventional RAM broken up by the loader's and the kernel
 * images' boot-services data, runtime code/data and ACPI near the top, the
 * reserved page at 0xFEFFC000 and the flash at 0xFFC00000.
 */
static const struct mk_mem_range memmap_ovmf_512m[] = {
	{ 0x0, 0x1000, BSVC },
	{ 0x1000, 0x86000, CONV },
	{ 0x87000, 0x1000, BSVC },
	{ 0x88000, 0x18000, CONV },
	{ 0x100000, 0x700000, CONV },
	{ 0x800000, 0x8000, ANVS },
	{ 0x808000, 0x8000, CONV },
	{ 0x810000, 0xF0000, ANVS },
	{ 0x900000, 0x700000, CONV },
	{ 0x1000000, 0x400000, BSVC }, /* mkboot.efi, loader data */
	{ 0x1400000, 0xBC00000, CONV },
	{ 0xD000000, 0xE00000, BSVC }, /* kernel images read from the ESP */
	{ 0xDE00000, 0x10A00000, CONV },
	{ 0x1E800000, 0x3E6000, BSVC },
	{ 0x1EBE6000, 0x1A000, CONV },
	{ 0x1EC00000, 0x600000, BSVC },
	{ 0x1F200000, 0x200000, CONV },
	{ 0x1F400000, 0x100000, RTSV },
	{ 0x1F500000, 0x2EE000, BSVC },
	{ 0x1F7EE000, 0x12000, RTSV },
	{ 0x1F800000, 0x480000, BSVC },
	{ 0x1FC80000, 0x100000, RTSV },
	{ 0x1FD80000, 0x7A000, ACPI },
	{ 0x1FDFA000, 0x86000, ANVS },
	{ 0x1FE80000, 0x180000, BSVC },
	{ 0xFEFFC000, 0x4000, RSVD },
	{ 0xFFC00000, 0x400000, MMIO },
};

static const struct mk_cpu cpus_ovmf_2[] = {
	{ .apic_id = 0, .bsp = true, .enabled = true },
	{ .apic_id = 1, .enabled = true },
};

/*
 * (b) OVMF q35, -m 4096: 2 GiB below the PCI hole at 0x80000000, the other
 * 2 GiB from 4 GiB up.
 */
static const struct mk_mem_range memmap_ovmf_4g[] = {
	{ 0x0, 0x1000, BSVC },
	{ 0x1000, 0x9F000, CONV },
	{ 0x100000, 0x700000, CONV },
	{ 0x800000, 0x8000, ANVS },
	{ 0x808000, 0x8000, CONV },
	{ 0x810000, 0xF0000, ANVS },
	{ 0x900000, 0x3F700000, CONV },
	{ 0x40000000, 0x800000, BSVC },
	{ 0x40800000, 0x3E600000, CONV },
	{ 0x7EE00000, 0x600000, BSVC },
	{ 0x7F400000, 0x200000, RTSV },
	{ 0x7F600000, 0x400000, BSVC },
	{ 0x7FA00000, 0x1E000, CONV },
	{ 0x7FA1E000, 0x1E2000, RTSV },
	{ 0x7FC00000, 0x378000, ACPI },
	{ 0x7FF78000, 0x88000, ANVS },
	{ 0xB0000000, 0x10000000, RSVD }, /* PCIe ECAM */
	{ 0xFEFFC000, 0x4000, RSVD },
	{ 0xFFC00000, 0x400000, MMIO },
	{ 0x100000000, 0x80000000, CONV },
};

static const struct mk_cpu cpus_ovmf_4[] = {
	{ .apic_id = 0, .bsp = true, .enabled = true },
	{ .apic_id = 1, .enabled = true },
	{ .apic_id = 2, .enabled = true },
	{ .apic_id = 3, .enabled = true },
};

/*
 * (c) A desktop board: unsorted, split where firmware split it (adjacent
 * conventional ranges to merge), unaligned edges, zero-size entries, small
 * fragments between loader allocations, the EBDA and the BIOS area reserved.
 * Free after folding:
 *   [0x1000,0x58000) [0x59000,0x9E000) [0x100000,0x3000000)
 *   [0x3011000,0x320F000) [0x3800000,0x3808000) [0x3810000,0x3820000)
 *   [0x3824000,0x3830000) [0x4000000,0x3D000000) [0x3D200000,0x3F000000)
 *   [0x100000000,0x160000000)
 */
static const struct mk_mem_range memmap_desktop[] = {
	{ 0x3C000000, 0x1000000, CONV },
	{ 0x100000, 0x100000, CONV },
	{ 0xE0000, 0x20000, RSVD },
	{ 0x4000000, 0x38000000, CONV },
	{ 0x0, 0x1000, BSVC },
	{ 0x30000, 0x28000, CONV },
	{ 0x1000, 0x2F000, CONV },
	{ 0x9E000, 0x2000, RSVD }, /* EBDA */
	{ 0x58000, 0x1000, RSVD },
	{ 0x140000000, 0x20000000, CONV },
	{ 0x200000, 0x2E00000, CONV },
	{ 0x3010800, 0x1FF000, CONV }, /* unaligned at both ends */
	{ 0x3000000, 0x10800, BSVC },
	{ 0x320F800, 0x5F0800, BSVC },
	{ 0x3C000000, 0x0, RSVD },
	{ 0x59000, 0x45000, CONV },
	{ 0x3800000, 0x8000, CONV },
	{ 0x3808000, 0x8000, BSVC },
	{ 0x3810000, 0x10000, CONV },
	{ 0x3820000, 0x4000, ACPI },
	{ 0x3824000, 0xC000, CONV },
	{ 0x3830000, 0x7D0000, BSVC },
	{ 0x3D000000, 0x200000, RTSV },
	{ 0x3D200000, 0x1E00000, CONV },
	{ 0x3F000000, 0x800000, ANVS },
	{ 0x3F800000, 0x800000, RSVD },
	{ 0x50000000, 0x0, CONV },
	{ 0xE0000000, 0x10000000, MMIO },
	{ 0xFED00000, 0x1000, MMIO },
	{ 0xFF000000, 0x1000000, RSVD },
	{ 0x100000000, 0x40000000, CONV },
};

/* Hyper-threaded 4+4 cores: APIC IDs 0-3 and 8-11, CPU 10 disabled. */
static const struct mk_cpu cpus_desktop[] = {
	{ .apic_id = 0, .bsp = true, .enabled = true },
	{ .apic_id = 1, .enabled = true },
	{ .apic_id = 2, .enabled = true },
	{ .apic_id = 3, .enabled = true },
	{ .apic_id = 8, .enabled = true },
	{ .apic_id = 9, .enabled = true },
	{ .apic_id = 10, .enabled = false },
	{ .apic_id = 11, .enabled = true },
};

/*
 * (d) A broken firmware map: conventional ranges overlapping each other and a
 * reserved hole, one wrapping past 2^64, one smaller than a page.
 */
static const struct mk_mem_range memmap_hostile[] = {
	{ 0x0, 0xA0000, CONV },
	{ 0x100000, 0x10000000, CONV },
	{ 0x8000000, 0x200000, RSVD },
	{ 0x4000000, 0x8000000, CONV },
	{ 0xFFFFFFFFFFF00000ull, 0x200000, CONV },
	{ 0x200000000, 0x800, CONV },
	{ 0x300000000, 0x0, CONV },
};

#undef CONV
#undef BSVC
#undef RTSV
#undef RSVD
#undef ACPI
#undef ANVS
#undef MMIO

#endif
