/*
 * The machine as mkboot found it: CPUs (from EFI MP services) and RAM (from
 * the UEFI memory map).  Filled by boot/ on real firmware and by tests from
 * recorded maps; the planner reads nothing else.
 */
#ifndef MKBOOT_MACHINE_H
#define MKBOOT_MACHINE_H

#include "lib.h"

#define MK_MAX_MACHINE_CPUS 256
#define MK_MAX_MEMMAP 512

struct mk_cpu {
	uint32_t apic_id;
	bool bsp;
	bool enabled; /* EFI StatusFlag bit 1 (and healthy, bit 2) */
};

/* UEFI memory types folded to what the planner must know. */
enum mk_mem_type {
	MK_MEM_CONVENTIONAL,  /* EfiConventionalMemory: free to hand out */
	MK_MEM_BOOT_SERVICES, /* loader/boot-services code and data: free only after ExitBootServices */
	MK_MEM_RUNTIME,       /* runtime services code/data: firmware owns it forever */
	MK_MEM_RESERVED,      /* EfiReservedMemoryType: parked APs run here, never RAM */
	MK_MEM_ACPI_RECLAIM,
	MK_MEM_ACPI_NVS,
	MK_MEM_MMIO,
	MK_MEM_UNUSABLE,
	MK_MEM_PERSISTENT,
};

struct mk_mem_range {
	uint64_t base;
	uint64_t size;
	uint32_t type; /* enum mk_mem_type */
};

struct mk_machine {
	struct mk_cpu cpus[MK_MAX_MACHINE_CPUS];
	uint32_t ncpus;
	struct mk_mem_range mem[MK_MAX_MEMMAP];
	uint32_t nmem;
};

const char *machine_mem_type_name(uint32_t type);

#endif
