#include "machine.h"

/*
 * Names as they read inside a sentence ("ACPI NVS memory at 0x800000"), for
 * errors and reports.  The type comes from firmware: anything unknown gets a
 * name too, never an out-of-bounds read.
 */
const char *machine_mem_type_name(uint32_t type)
{
	static const char *const names[] = {
		[MK_MEM_CONVENTIONAL] = "conventional memory",
		[MK_MEM_BOOT_SERVICES] = "boot services memory",
		[MK_MEM_RUNTIME] = "runtime services memory",
		[MK_MEM_RESERVED] = "reserved memory",
		[MK_MEM_ACPI_RECLAIM] = "ACPI reclaim memory",
		[MK_MEM_ACPI_NVS] = "ACPI NVS memory",
		[MK_MEM_MMIO] = "MMIO",
		[MK_MEM_UNUSABLE] = "unusable memory",
		[MK_MEM_PERSISTENT] = "persistent memory",
	};
	if (type >= MK_ARRAY_SIZE(names) || !names[type])
		return "memory of unknown type";
	return names[type];
}
