/* What mkboot.efi learns of the machine before planning: CPUs and the memory map. */
#ifndef MKBOOT_DISCOVER_H
#define MKBOOT_DISCOVER_H

#include <efi.h>

#include "machine.h"

/* CPUs from EFI_MP_SERVICES_PROTOCOL (or the lone BSP where firmware has none). */
EFI_STATUS discover_cpus(struct mk_machine *m);
/* The UEFI memory map, folded to mk_mem_type and merged where adjacent. */
EFI_STATUS discover_memory(struct mk_machine *m);
/* This CPU's local APIC ID (CPUID leaf 0xB when present, else leaf 1). */
uint32_t discover_self_apic_id(void);

#endif
