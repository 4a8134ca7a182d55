/*
 * Fuzz bytes become a physical window holding ACPI tables, the RSDP at its
 * first byte.  Whatever acpi_find accepts must build into a partition copy
 * that parses back with exactly the CPUs asked for, all enabled, and (for a
 * partition without the platform) no IOAPIC, overrides or legacy hardware.
 */
#include "acpi.h"

#include <stdlib.h>
#include <string.h>

#define FW_BASE 0x7FF00000ull /* where test/unit/test_acpi.c puts its tables: seeds match */
#define FW_MAX (64u << 10)
#define OUT_BASE 0x40000000ull
#define OUT_SIZE (256u << 10)
#define SPEC_MAX 64
#define PROBE 64 /* bytes past the tables that must stay untouched */

static uint8_t window[FW_MAX];
static uint8_t outbuf[OUT_SIZE];
static struct acpi_view view, again;
static struct mk_diags diags;
static uint32_t ids[SPEC_MAX + 1];

/* CPUs for the spec: a byte-chosen subset of the MADT's, maybe one it lacks. */
static uint32_t pick_cpus(uint8_t sel)
{
	uint32_t n = 0, max_id = 0;
	for (uint32_t i = 0; i < view.ncpus; i++) {
		if (view.cpus[i].apic_id > max_id)
			max_id = view.cpus[i].apic_id;
		if ((i + sel) % 3 != 0 && n < SPEC_MAX)
			ids[n++] = view.cpus[i].apic_id;
	}
	if ((sel & 2) && max_id < 0xFFFFFFFEu)
		ids[n++] = view.ncpus ? max_id + 1 : 0;
	return n;
}

static void check_output(const struct acpi_part_spec *spec)
{
	if (again.ncpus != spec->ncpus || again.nskipped != 0)
		abort();
	for (uint32_t i = 0; i < spec->ncpus; i++)
		if (again.cpus[i].apic_id != spec->apic_ids[i] ||
		    again.cpus[i].flags != ACPI_MADT_ENABLED)
			abort();
	if (spec->owns_platform)
		return;
	if (again.nioapics || again.noverrides || again.nnmi_sources || again.madt_owner_bytes)
		abort();
	if (again.fadt < 0 || !(again.fadt_flags & ACPI_FADT_HW_REDUCED) || again.facs_phys)
		abort();
	if (!(again.boot_arch & ACPI_BOOT_CMOS_RTC_NOT_PRESENT) ||
	    (again.boot_arch & (ACPI_BOOT_LEGACY_DEVICES | ACPI_BOOT_8042)))
		abort();
	for (uint32_t i = 0; i < again.ntables; i++)
		if (!strcmp(again.tables[i].sig, "HPET"))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > FW_MAX)
		return 0;
	memcpy(window, data, size);
	struct mk_phys pm = { 0 };
	phys_add(&pm, window, FW_BASE, size);
	diag_init(&diags, "fuzz");
	if (!acpi_find(&pm, FW_BASE, &view, &diags))
		return 0;
	char text[4096];
	struct mk_buf b;
	mk_buf_init(&b, text, sizeof(text));
	acpi_report(&view, &b);

	uint8_t sel = data[size - 1];
	struct acpi_part_spec spec = { ids, pick_cpus(sel), sel & 1 };
	uint64_t need = acpi_build_size(&view, &spec);
	if (!need)
		return 0; /* no CPU, no FADT for a guest, no UID left: refused up front */
	if (need + PROBE > OUT_SIZE)
		abort();
	memset(outbuf, 0xA5, need + PROBE);
	phys_add(&pm, outbuf, OUT_BASE, OUT_SIZE);
	uint64_t rsdp = 0;
	diag_init(&diags, "fuzz");
	if (!acpi_build_partition(&view, &spec, &pm, OUT_BASE, OUT_SIZE, &rsdp, &diags))
		abort(); /* acpi_build_size said it would work */
	for (uint32_t i = 0; i < PROBE; i++)
		if (outbuf[need + i] != 0xA5)
			abort();
	diag_init(&diags, "fuzz");
	if (!acpi_find(&pm, rsdp, &again, &diags))
		abort();
	check_output(&spec);
	return 0;
}
