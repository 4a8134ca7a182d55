/*
 * Finding the enabled CPUs in the ACPI MADT (ACPI 6.5 5.2.5 RSDP, 5.2.7 RSDT,
 * 5.2.8 XSDT, 5.2.12 MADT).  Every table is hostile: signatures, checksums and
 * lengths are checked before a byte past the header is read.  Physical memory
 * is reached only through the caller's map function, so the host tests can
 * feed fake tables.
 */
#ifndef PROBE_ACPI_H
#define PROBE_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#include "lib.h"

#define ACPI_TABLE_MAX 0x100000u /* no sane RSDT/XSDT/MADT is larger */
#define ACPI_MAX_CPUS 64u

struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* first 20 bytes */
	char oem_id[6];
	uint8_t revision;  /* 0: ACPI 1.0, RSDT only; >= 2: XSDT */
	uint32_t rsdt;
	uint32_t length;   /* revision >= 2 */
	uint64_t xsdt;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

struct acpi_sdt_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_madt {
	struct acpi_sdt_header h;
	uint32_t lapic_addr;
	uint32_t flags;
} __attribute__((packed));

/* MADT interrupt controller structures (5.2.12.2, 5.2.12.12). */
#define ACPI_MADT_LOCAL_APIC 0
#define ACPI_MADT_LOCAL_X2APIC 9
#define ACPI_MADT_ENABLED 1u

struct acpi_madt_lapic {
	uint8_t type;
	uint8_t length;
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));

struct acpi_madt_x2apic {
	uint8_t type;
	uint8_t length;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t processor_uid;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP layout");
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header layout");
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT layout");
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "local APIC entry");
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "x2APIC entry");

/* Returns a readable pointer to [phys, phys + len), or NULL when that is not reachable. */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t phys, uint64_t len);

struct acpi_cpus {
	uint32_t apic_ids[ACPI_MAX_CPUS]; /* enabled CPUs, in MADT order */
	uint32_t n;
	uint64_t madt_phys;
};

/* rsdp: the RSDP copy (e.g. from a multiboot2 ACPI tag), rsdp_len bytes of it readable. */
bool acpi_find_cpus(const uint8_t *rsdp, uint32_t rsdp_len, acpi_map_fn map, void *ctx,
		    struct acpi_cpus *out, struct mk_buf *why);

#endif
