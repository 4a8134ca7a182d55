/*
 * Per-partition ACPI tables.
 *
 * acpi_find() reads the firmware's tables (hostile input: every length,
 * pointer and checksum is checked) into a `struct acpi_view`.
 * acpi_build_partition() writes, into RAM the caller gives, a private RSDP +
 * XSDT (+ RSDT) + MADT + FADT for one partition; every other table is
 * referenced where the firmware left it.  Linux reaches the copy through
 * boot_params.acpi_rsdp_addr.
 *
 * Section numbers are ACPI 6.5 ("ACPI" below); see docs/acpi.md.
 */
#ifndef MKBOOT_ACPI_H
#define MKBOOT_ACPI_H

#include "diag.h"
#include "physmem.h"

/* ---- ABI: the tables as the specification lays them out ---- */

#define ACPI_SIG_RSDP "RSD PTR "
#define ACPI_SIG_XSDT "XSDT"
#define ACPI_SIG_RSDT "RSDT"
#define ACPI_SIG_MADT "APIC"
#define ACPI_SIG_FADT "FACP"
#define ACPI_SIG_DSDT "DSDT"
#define ACPI_SIG_HPET "HPET"

/* ACPI 5.2.5.3: the RSDP.  Revision 0 (ACPI 1.0) ends after rsdt_address. */
#define ACPI_RSDP_V1_SIZE 20u
#define ACPI_RSDP_V2_SIZE 36u
#define ACPI_RSDP_REVISION_2 2

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum; /* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length; /* ACPI 2.0+ from here on */
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* over `length` bytes */
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == ACPI_RSDP_V2_SIZE, "RSDP v2 is 36 bytes");
_Static_assert(__builtin_offsetof(struct acpi_rsdp, length) == ACPI_RSDP_V1_SIZE,
	       "RSDP v1 ends at 20");
_Static_assert(__builtin_offsetof(struct acpi_rsdp, xsdt_address) == 24, "RSDP XsdtAddress");

/* ACPI 5.2.6: the header every description table starts with. */
struct acpi_sdt_header {
	char signature[4];
	uint32_t length; /* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum; /* the whole table sums to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header is 36 bytes");

/* ACPI 5.2.7 / 5.2.8: RSDT entries are u32, XSDT entries u64. */
#define ACPI_RSDT_ENTRY_SIZE 4u
#define ACPI_XSDT_ENTRY_SIZE 8u
#define ACPI_XSDT_REVISION 1

/* ACPI 5.2.12: the MADT, then variable-length entries {type, length}. */
struct acpi_madt {
	struct acpi_sdt_header hdr;
	uint32_t local_apic_address;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT fixed part is 44 bytes");

#define ACPI_MADT_PCAT_COMPAT (1u << 0) /* ACPI Table 5.44: dual 8259s present */

enum acpi_madt_type {
	ACPI_MADT_LOCAL_APIC = 0x0,       /* 5.2.12.2 */
	ACPI_MADT_IO_APIC = 0x1,          /* 5.2.12.3 */
	ACPI_MADT_INT_OVERRIDE = 0x2,     /* 5.2.12.5 */
	ACPI_MADT_NMI_SOURCE = 0x3,       /* 5.2.12.6 */
	ACPI_MADT_LOCAL_APIC_NMI = 0x4,   /* 5.2.12.7 */
	ACPI_MADT_LAPIC_OVERRIDE = 0x5,   /* 5.2.12.8 */
	ACPI_MADT_LOCAL_SAPIC = 0x7,      /* 5.2.12.10 */
	ACPI_MADT_LOCAL_X2APIC = 0x9,     /* 5.2.12.12 */
	ACPI_MADT_LOCAL_X2APIC_NMI = 0xA, /* 5.2.12.13 */
	ACPI_MADT_MP_WAKEUP = 0x10,       /* 5.2.12.19 */
};

/* Local APIC / x2APIC flags (ACPI Table 5.47). */
#define ACPI_MADT_ENABLED (1u << 0)
#define ACPI_MADT_ONLINE_CAPABLE (1u << 1)
/* ACPI 5.2.12.7 / 5.2.12.13: the UID meaning "every processor". */
#define ACPI_UID_ALL_U8 0xFFu
#define ACPI_UID_ALL_U32 0xFFFFFFFFu
/* ACPI 5.2.12.12: processors with APIC ID >= 255 need x2APIC entries. */
#define ACPI_XAPIC_ID_LIMIT 0xFFu

struct acpi_madt_entry {
	uint8_t type;
	uint8_t length;
} __attribute__((packed));

struct acpi_madt_local_apic {
	struct acpi_madt_entry e;
	uint8_t uid; /* ACPI Processor UID */
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_local_apic) == 8, "MADT type 0 is 8 bytes");

struct acpi_madt_io_apic {
	struct acpi_madt_entry e;
	uint8_t id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_io_apic) == 12, "MADT type 1 is 12 bytes");

struct acpi_madt_int_override {
	struct acpi_madt_entry e;
	uint8_t bus;
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_int_override) == 10, "MADT type 2 is 10 bytes");

struct acpi_madt_nmi_source {
	struct acpi_madt_entry e;
	uint16_t flags;
	uint32_t gsi;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_nmi_source) == 8, "MADT type 3 is 8 bytes");

struct acpi_madt_local_apic_nmi {
	struct acpi_madt_entry e;
	uint8_t uid;
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_local_apic_nmi) == 6, "MADT type 4 is 6 bytes");

struct acpi_madt_lapic_override {
	struct acpi_madt_entry e;
	uint16_t reserved;
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic_override) == 12, "MADT type 5 is 12 bytes");

struct acpi_madt_local_x2apic {
	struct acpi_madt_entry e;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;
	uint32_t uid;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_local_x2apic) == 16, "MADT type 9 is 16 bytes");

struct acpi_madt_local_x2apic_nmi {
	struct acpi_madt_entry e;
	uint16_t flags;
	uint32_t uid;
	uint8_t lint;
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_local_x2apic_nmi) == 12, "MADT type 0xA is 12 bytes");

/* ACPI 5.2.3.2: Generic Address Structure. */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS is 12 bytes");
#define ACPI_GAS_SYSTEM_IO 1

/*
 * ACPI 5.2.9, Table 5.9: the FADT as revision 6 lays it out.  Older FADTs are
 * shorter (revision 1: 116 bytes, 3 and 4: 244, 5: 268); a field exists only
 * when it lies inside the table's Length.
 */
struct acpi_fadt {
	struct acpi_sdt_header hdr;
	uint32_t firmware_ctrl; /* FACS */
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));

#define ACPI_FADT_V1_SIZE 116u /* ACPI 1.0: ends after Flags */
#define ACPI_FADT_V6_SIZE 276u /* ACPI 6.0 .. 6.5 */
#define ACPI_FADT_REVISION_6 6
_Static_assert(sizeof(struct acpi_fadt) == ACPI_FADT_V6_SIZE, "FADT rev 6 is 276 bytes");
_Static_assert(__builtin_offsetof(struct acpi_fadt, firmware_ctrl) == 36, "FIRMWARE_CTRL");
_Static_assert(__builtin_offsetof(struct acpi_fadt, dsdt) == 40, "DSDT");
_Static_assert(__builtin_offsetof(struct acpi_fadt, sci_int) == 46, "SCI_INT");
_Static_assert(__builtin_offsetof(struct acpi_fadt, pm_tmr_blk) == 76, "PM_TMR_BLK");
_Static_assert(__builtin_offsetof(struct acpi_fadt, century) == 108, "CENTURY");
_Static_assert(__builtin_offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "IAPC_BOOT_ARCH");
_Static_assert(__builtin_offsetof(struct acpi_fadt, flags) == 112, "Flags");
_Static_assert(__builtin_offsetof(struct acpi_fadt, reset_reg) == 116, "RESET_REG");
_Static_assert(__builtin_offsetof(struct acpi_fadt, minor_version) == 131, "FADT Minor Version");
_Static_assert(__builtin_offsetof(struct acpi_fadt, x_firmware_ctrl) == 132, "X_FIRMWARE_CTRL");
_Static_assert(__builtin_offsetof(struct acpi_fadt, x_dsdt) == 140, "X_DSDT");
_Static_assert(__builtin_offsetof(struct acpi_fadt, x_pm1a_evt_blk) == 148, "X_PM1a_EVT_BLK");
_Static_assert(__builtin_offsetof(struct acpi_fadt, x_pm_tmr_blk) == 208, "X_PM_TMR_BLK");
_Static_assert(__builtin_offsetof(struct acpi_fadt, sleep_control_reg) == 244, "SLEEP_CONTROL_REG");
_Static_assert(__builtin_offsetof(struct acpi_fadt, hypervisor_vendor_id) == 268, "Hypervisor ID");

/* ACPI 5.2.9.1, Table 5.10: FADT Flags. */
#define ACPI_FADT_RESET_REG_SUP (1u << 10)
#define ACPI_FADT_HW_REDUCED (1u << 20)
/* ACPI 5.2.9.3, Table 5.11: IA-PC Boot Architecture Flags. */
#define ACPI_BOOT_LEGACY_DEVICES (1u << 0)
#define ACPI_BOOT_8042 (1u << 1)
#define ACPI_BOOT_VGA_NOT_PRESENT (1u << 2)
#define ACPI_BOOT_MSI_NOT_SUPPORTED (1u << 3)
#define ACPI_BOOT_PCIE_ASPM_CONTROLS (1u << 4)
#define ACPI_BOOT_CMOS_RTC_NOT_PRESENT (1u << 5)

/* ---- the parsed view ---- */

#define ACPI_MAX_TABLES 128   /* root table entries */
#define ACPI_MAX_SKIPPED 16   /* skipped entries remembered for the report */
#define ACPI_MAX_CPUS 512     /* distinct valid Local APIC / x2APIC entries */
#define ACPI_MAX_IOAPICS 32
#define ACPI_MAX_OVERRIDES 64
#define ACPI_MAX_LAPIC_NMIS (2 * ACPI_MAX_CPUS)
/* No real table comes near this; it bounds checksum work on hostile lengths. */
#define ACPI_MAX_TABLE_SIZE (16u << 20)
/* A future RSDP may grow, but not beyond this. */
#define ACPI_MAX_RSDP_SIZE 4096u

struct acpi_table {
	char sig[5]; /* NUL-terminated; bytes outside printable ASCII read '?' */
	uint8_t revision;
	uint32_t length;
	uint64_t phys;
};

enum acpi_skip_reason {
	ACPI_SKIP_NULL,      /* the entry is 0 */
	ACPI_SKIP_DUPLICATE, /* same address listed before */
	ACPI_SKIP_ROOT,      /* an XSDT/RSDT listed inside the root table */
	ACPI_SKIP_CHECKSUM,  /* bad checksum on a table mkboot does not need */
	ACPI_SKIP_SECOND,    /* a second MADT or FADT: the first one wins */
};

struct acpi_skipped {
	char sig[5];
	uint8_t reason; /* enum acpi_skip_reason */
	uint64_t phys;
};

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;   /* ACPI Processor UID */
	uint32_t flags; /* ACPI_MADT_ENABLED, ACPI_MADT_ONLINE_CAPABLE */
	uint8_t type;   /* ACPI_MADT_LOCAL_APIC or ACPI_MADT_LOCAL_X2APIC */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t address;
	uint32_t gsi_base;
};

struct acpi_override {
	uint8_t bus;
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;
};

struct acpi_lapic_nmi {
	uint8_t type; /* ACPI_MADT_LOCAL_APIC_NMI or ACPI_MADT_LOCAL_X2APIC_NMI */
	uint8_t lint;
	uint16_t flags;
	uint32_t uid; /* ACPI_UID_ALL_U8 / ACPI_UID_ALL_U32: every processor */
};

/* Big (about 30 KiB): keep it static or allocated, not on a firmware stack. */
struct acpi_view {
	uint64_t rsdp_phys;
	uint32_t rsdp_length; /* 20 for revision 0, else its Length field */
	uint8_t rsdp_revision;
	char oem_id[6];
	uint64_t root_phys; /* the XSDT when the RSDP gives one, else the RSDT */
	uint32_t root_length;
	bool root_is_xsdt;

	struct acpi_table tables[ACPI_MAX_TABLES]; /* root order, valid and distinct */
	uint32_t ntables;
	struct acpi_skipped skipped[ACPI_MAX_SKIPPED];
	uint32_t nskipped; /* may exceed ACPI_MAX_SKIPPED; only that many are kept */
	int32_t madt;      /* index into tables, -1 when absent */
	int32_t fadt;

	/* From the FADT (zero without one). */
	uint64_t dsdt_phys;
	uint32_t dsdt_length;
	bool dsdt_checksum_ok; /* kept either way: Linux only warns */
	uint64_t facs_phys;
	uint32_t fadt_flags;
	uint16_t boot_arch;

	/* From the MADT. */
	uint32_t lapic_address;
	uint32_t madt_flags;
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	uint32_t ncpus;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	uint32_t nioapics;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];
	uint32_t noverrides;
	struct acpi_lapic_nmi lapic_nmis[ACPI_MAX_LAPIC_NMIS];
	uint32_t nlapic_nmis;
	uint32_t nnmi_sources;
	uint32_t madt_owner_bytes;  /* entries only the platform owner keeps, verbatim */
	uint32_t madt_shared_bytes; /* entries every partition keeps, verbatim */
};

/*
 * Reads and checks the tables reached from the RSDP at `rsdp_phys`.  Returns
 * false after reporting the first problem to `d`; `out` is then unusable.
 */
bool acpi_find(const struct mk_phys *pm, uint64_t rsdp_phys, struct acpi_view *out,
	       struct mk_diags *d);

/*
 * Walks MADT entries in [table + 44, table + len).  Each call checks the next
 * entry's length against the table end and its type's minimum size.  Returns
 * false at the end (no error) or on a bad entry (reported to `d`, sets *bad).
 */
struct acpi_madt_iter {
	const uint8_t *table;
	uint32_t length;
	uint32_t offset;
};
void acpi_madt_iter_init(struct acpi_madt_iter *it, const uint8_t *table, uint32_t length);
bool acpi_madt_next(struct acpi_madt_iter *it, const struct acpi_madt_entry **entry, bool *bad,
		    struct mk_diags *d);

/* Fills the MADT part of `v` from a table already mapped and checksummed. */
bool acpi_parse_madt(const uint8_t *table, uint32_t length, struct acpi_view *v,
		     struct mk_diags *d);

/*
 * What a partition's MADT keeps of each firmware entry type: processor and
 * Local APIC NMI entries are rebuilt per partition; the rest is copied
 * verbatim to every partition, to the platform owner only, or to nobody.
 */
enum acpi_madt_keep {
	ACPI_KEEP_REBUILT, /* types 0, 9 (CPUs) and 4, 0xA (their NMI wiring) */
	ACPI_KEEP_ALL,     /* type 5: the Local APIC address every CPU uses */
	ACPI_KEEP_OWNER,   /* IOAPIC, overrides, NMI sources, unknown types */
	ACPI_KEEP_NONE,    /* Local SAPIC (more CPUs), multiprocessor wakeup mailbox */
};
enum acpi_madt_keep acpi_madt_keep(uint8_t type);

/* One line per table (and per skipped entry) for the boot report. */
void acpi_report(const struct acpi_view *v, struct mk_buf *out);

/* ---- building a partition's copy ---- */

struct acpi_part_spec {
	const uint32_t *apic_ids; /* this partition's CPUs, its boot CPU first */
	uint32_t ncpus;
	bool owns_platform; /* keeps IOAPIC, legacy devices and the FADT as is */
};

/* Bytes acpi_build_partition writes for `spec`; 0 when the spec is unusable. */
uint64_t acpi_build_size(const struct acpi_view *v, const struct acpi_part_spec *spec);

/*
 * Writes the partition's tables into [dest_phys, dest_phys + dest_size)
 * (16-byte aligned, inside `pm`, clear of the firmware's tables) and sets
 * *rsdp_out to the new RSDP, which is at dest_phys.  Reads the firmware's
 * MADT and FADT again through `pm`.  Returns false after reporting to `d`.
 */
bool acpi_build_partition(const struct acpi_view *v, const struct acpi_part_spec *spec,
			  const struct mk_phys *pm, uint64_t dest_phys, uint64_t dest_size,
			  uint64_t *rsdp_out, struct mk_diags *d);

/* Sum of `len` bytes modulo 256; a valid ACPI table sums to 0. */
uint8_t acpi_checksum(const void *p, size_t len);

#endif
