/*
 * Internal to loader/acpi_plan.c and loader/acpi_build.c: the layout of one
 * partition's tables, computed before a byte is written.
 */
#ifndef MKBOOT_ACPI_PLAN_H
#define MKBOOT_ACPI_PLAN_H

#include "acpi.h"

struct acpi_plan_cpu {
	uint32_t apic_id;
	uint32_t uid; /* in the new MADT */
	uint32_t orig_uid;
	bool has_orig; /* the firmware MADT lists this APIC ID */
	uint8_t type;  /* ACPI_MADT_LOCAL_APIC or ACPI_MADT_LOCAL_X2APIC */
};

struct acpi_plan {
	struct acpi_plan_cpu cpu[ACPI_MAX_CPUS];
	uint32_t ncpus;
	bool owner;
	uint32_t nkept; /* root-table entries */
	uint32_t madt_len, fadt_len;
	uint64_t off_xsdt, off_rsdt, off_madt, off_fadt, total; /* from dest */
};

/* Checks the spec and lays out the tables; `d` may be NULL (size queries). */
bool acpi_plan_build(const struct acpi_view *v, const struct acpi_part_spec *spec,
		     struct acpi_plan *p, struct mk_diags *d);
/* Whether firmware table `t` is listed in this partition's root tables. */
bool acpi_plan_table_kept(const struct acpi_table *t, bool owner);
/* Whether firmware Local APIC NMI entry `n` goes into this partition, as what. */
bool acpi_plan_nmi(const struct acpi_plan *p, const struct acpi_lapic_nmi *n, uint8_t *type,
		   uint32_t *uid);

#endif
