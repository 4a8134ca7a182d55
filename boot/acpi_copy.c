/*
 * Each partition's private ACPI tables: the firmware's MADT cut down to the
 * partition's CPUs, and for partitions that do not own the platform a FADT
 * that says "hardware-reduced, no 8042, no CMOS RTC" (loader/acpi.c builds
 * them; docs/acpi.md says why).  The copies live in ACPI-reclaim pages below
 * 4 GiB that belong to no partition, like the firmware's own tables.
 */
#include <efi.h>
#include <efilib.h>

#include "boot.h"
#include "console.h"

/* UEFI 2.x 4.6: configuration table GUIDs of the ACPI 2.0+ and 1.0 RSDPs. */
static EFI_GUID acpi20_guid = { 0x8868e871, 0xe4f1, 0x11d3, { 0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 } };
static EFI_GUID acpi10_guid = { 0xeb9d2d30, 0x2d88, 0x11d3, { 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d } };

static bool guid_eq(const EFI_GUID *a, const EFI_GUID *b)
{
	return mk_memcmp(a, b, sizeof(*a)) == 0;
}

static uint64_t find_rsdp(void)
{
	uint64_t v1 = 0;
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
		if (guid_eq(&t->VendorGuid, &acpi20_guid))
			return (uint64_t)(uintptr_t)t->VendorTable;
		if (guid_eq(&t->VendorGuid, &acpi10_guid))
			v1 = (uint64_t)(uintptr_t)t->VendorTable;
	}
	return v1;
}

/* Firmware memory is identity mapped: one window over all of it. */
static void whole_memory(struct mk_phys *pm)
{
	pm->n = 0;
	phys_add(pm, (uint8_t *)0, 0, 1ull << 48);
}

bool part_acpi_init(struct boot_state *s)
{
	struct mk_phys pm;
	struct mk_diags *d = &s->diags;
	uint64_t rsdp = find_rsdp();
	if (!rsdp)
		return true;
	if (EFI_ERROR(BS->AllocatePool(EfiLoaderData, sizeof(*s->acpi), (void **)&s->acpi)))
		return false;
	whole_memory(&pm);
	diag_init(d, "firmware ACPI tables");
	if (!acpi_find(&pm, rsdp, s->acpi, d)) {
		print_diags(d);
		BS->FreePool(s->acpi);
		s->acpi = NULL;
		return false;
	}
	return true;
}

bool part_acpi_build(struct boot_state *s, uint32_t i, struct mk_diags *d)
{
	const struct mk_partition_cfg *pc = &s->cfg.part[i];
	const struct mk_plan_part *pp = &s->plan.part[i];
	struct loaded_part *lp = &s->loaded[i];
	uint32_t ids[MK_MAX_CPUS];
	struct mk_phys pm;

	if (!s->acpi)
		return true;
	/* The partition's boot CPU first, then the rest in config order. */
	uint32_t n = 0;
	ids[n++] = pp->boot_apic_id;
	for (uint32_t c = 0; c < pc->ncpus; c++)
		if (pc->cpus[c] != pp->boot_apic_id)
			ids[n++] = pc->cpus[c];
	struct acpi_part_spec spec = { ids, n, i == s->plan.platform_part };
	uint64_t size = acpi_build_size(s->acpi, &spec), base;
	if (!size) {
		diag_error(d, DIAG_NO_POS, "cannot describe partition \"%s\" in ACPI", pc->name);
		return false;
	}
	size = (size + MK_PAGE_SIZE - 1) & ~(MK_PAGE_SIZE - 1);
	if (!launch_alloc_low4g(size, EfiACPIReclaimMemory, &base)) {
		diag_error(d, DIAG_NO_POS, "no memory below 4G for partition \"%s\"'s ACPI tables",
			   pc->name);
		return false;
	}
	whole_memory(&pm);
	if (!acpi_build_partition(s->acpi, &spec, &pm, base, size, &lp->rsdp, d))
		return false;
	lp->acpi = (struct mk_range){ base, size };
	return true;
}
