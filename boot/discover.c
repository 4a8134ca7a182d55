#include <efi.h>
#include <efilib.h>

#include "discover.h"
#include "mp_services.h"

static EFI_GUID mp_guid = MKBOOT_MP_SERVICES_GUID;

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

uint32_t discover_self_apic_id(void)
{
	uint32_t r[4];
	cpuid(0, 0, r);
	if (r[0] >= 0xB) {
		uint32_t x[4];
		cpuid(0xB, 0, x);
		if (x[1]) /* EBX != 0: leaf 0xB is implemented; EDX is the x2APIC ID */
			return x[3];
	}
	cpuid(1, 0, r);
	return r[1] >> 24;
}

EFI_STATUS discover_cpus(struct mk_machine *m)
{
	MKBOOT_MP_SERVICES *mp;
	UINTN total, enabled;
	EFI_STATUS st;

	m->ncpus = 0;
	st = BS->LocateProtocol(&mp_guid, NULL, (void **)&mp);
	if (EFI_ERROR(st)) {
		/* No MP services: a uniprocessor firmware; only the BSP is known. */
		m->cpus[0] = (struct mk_cpu){ discover_self_apic_id(), true, true };
		m->ncpus = 1;
		return EFI_SUCCESS;
	}
	st = mp->GetNumberOfProcessors(mp, &total, &enabled);
	if (EFI_ERROR(st))
		return st;
	if (total > MK_MAX_MACHINE_CPUS)
		return EFI_BUFFER_TOO_SMALL;
	for (UINTN i = 0; i < total; i++) {
		MP_PROCESSOR_INFORMATION info;
		st = mp->GetProcessorInfo(mp, i, &info);
		if (EFI_ERROR(st))
			return st;
		struct mk_cpu *c = &m->cpus[m->ncpus++];
		c->apic_id = (uint32_t)info.ProcessorId;
		c->bsp = info.StatusFlag & MP_PROCESSOR_AS_BSP;
		c->enabled = (info.StatusFlag & MP_PROCESSOR_ENABLED) && (info.StatusFlag & MP_PROCESSOR_HEALTHY);
	}
	return EFI_SUCCESS;
}

static uint32_t fold_type(uint32_t efi_type)
{
	switch (efi_type) {
	case EfiConventionalMemory:
		return MK_MEM_CONVENTIONAL;
	case EfiLoaderCode:
	case EfiLoaderData:
	case EfiBootServicesCode:
	case EfiBootServicesData:
		return MK_MEM_BOOT_SERVICES;
	case EfiRuntimeServicesCode:
	case EfiRuntimeServicesData:
		return MK_MEM_RUNTIME;
	case EfiACPIReclaimMemory:
		return MK_MEM_ACPI_RECLAIM;
	case EfiACPIMemoryNVS:
		return MK_MEM_ACPI_NVS;
	case EfiMemoryMappedIO:
	case EfiMemoryMappedIOPortSpace:
		return MK_MEM_MMIO;
	case EfiUnusableMemory:
		return MK_MEM_UNUSABLE;
	case 14: /* EfiPersistentMemory (UEFI 2.5) */
		return MK_MEM_PERSISTENT;
	default: /* reserved, PAL code, unaccepted memory, anything newer */
		return MK_MEM_RESERVED;
	}
}

EFI_STATUS discover_memory(struct mk_machine *m)
{
	UINTN size = 0, key, desc_size;
	UINT32 desc_version;
	EFI_MEMORY_DESCRIPTOR *map = NULL;
	EFI_STATUS st;

	st = BS->GetMemoryMap(&size, NULL, &key, &desc_size, &desc_version);
	if (st != EFI_BUFFER_TOO_SMALL)
		return EFI_ERROR(st) ? st : EFI_DEVICE_ERROR;
	/* Allocating the buffer itself can split a range: leave room for that. */
	for (int tries = 0; tries < 8; tries++) {
		size += 8 * desc_size;
		st = BS->AllocatePool(EfiLoaderData, size, (void **)&map);
		if (EFI_ERROR(st))
			return st;
		st = BS->GetMemoryMap(&size, map, &key, &desc_size, &desc_version);
		if (st != EFI_BUFFER_TOO_SMALL)
			break;
		BS->FreePool(map);
		map = NULL;
	}
	if (EFI_ERROR(st)) {
		if (map)
			BS->FreePool(map);
		return st;
	}
	m->nmem = 0;
	for (UINTN off = 0; off + desc_size <= size; off += desc_size) {
		const EFI_MEMORY_DESCRIPTOR *d = (const void *)((uint8_t *)map + off);
		uint64_t bytes;
		if (!d->NumberOfPages || !mk_mul_u64(d->NumberOfPages, MK_PAGE_SIZE, &bytes))
			continue;
		uint32_t type = fold_type(d->Type);
		struct mk_mem_range *prev = m->nmem ? &m->mem[m->nmem - 1] : NULL;
		if (prev && prev->type == type && prev->base + prev->size == d->PhysicalStart) {
			prev->size += bytes;
			continue;
		}
		if (m->nmem >= MK_MAX_MEMMAP) {
			st = EFI_BUFFER_TOO_SMALL;
			break;
		}
		m->mem[m->nmem++] = (struct mk_mem_range){ d->PhysicalStart, bytes, type };
	}
	BS->FreePool(map);
	return st;
}
