/* State shared by mkboot.efi's stages: plan (main.c) and launch (launch.c). */
#ifndef MKBOOT_BOOT_H
#define MKBOOT_BOOT_H

#include <efi.h>

#include "acpi.h"
#include "bootinfo.h"
#include "config.h"
#include "esp.h"
#include "plan.h"

#define REPORT_MAX (64u << 10)

struct loaded_part {
	void *image;          /* the kernel file, in LoaderData pages */
	uint64_t image_size;
	void *initrd;         /* Linux only */
	uint64_t initrd_size;
	struct mk_range acpi; /* the partition's private ACPI tables (size 0: none) */
	uint64_t rsdp;        /* their RSDP, at acpi.base */
	uint32_t mode;        /* TRAMP_MODE_* */
	uint64_t entry;
	uint64_t arg;         /* MBI or boot_params */
	uint32_t cr3;
};

/* Everything large lives here, allocated once from pool. */
struct boot_state {
	EFI_HANDLE image;
	struct esp esp;
	char config_path[ESP_PATH_MAX + 32];
	struct mk_config cfg;
	struct mk_diags diags;
	struct mk_machine machine;
	struct mk_plan plan;
	uint64_t kernel_size[MK_MAX_PARTITIONS];
	struct loaded_part loaded[MK_MAX_PARTITIONS];
	uint64_t tsc_khz;
	struct acpi_view *acpi; /* the firmware's tables; NULL when it has none */
	char report[REPORT_MAX];
};

void print_diags(struct mk_diags *d);

/* Reads the firmware's ACPI tables once (none: s->acpi stays NULL). */
bool part_acpi_init(struct boot_state *s);
/* Builds partition i's private ACPI tables in pages no partition owns. */
bool part_acpi_build(struct boot_state *s, uint32_t i, struct mk_diags *d);
/* Loads a Linux bzImage (and initrd) into partition i. */
bool load_linux(struct boot_state *s, uint32_t i, struct mk_diags *d);
/* Identity windows over a partition's RAM: on firmware, physical == virtual. */
void launch_part_windows(const struct mk_plan_part *pp, struct mk_phys *pm);
/* Reads partition i's initrd, if it has one, into loaded[i]; false after reporting. */
bool launch_read_initrd(struct boot_state *s, uint32_t i, struct mk_diags *d);
/* Partition i's mkboot_info fields. */
void launch_bootinfo(const struct boot_state *s, uint32_t i, struct bootinfo_input *bi);
/* MKBOOT_INFO_F_* for partition i. */
uint32_t launch_part_flags(const struct mk_plan *p, uint32_t i);
/* Takes pages below 4 GiB that no partition owns; freed by launch on failure. */
bool launch_alloc_low4g(uint64_t size, EFI_MEMORY_TYPE type, uint64_t *phys);

/*
 * Reserves the plan's memory, loads every kernel and builds its boot
 * information.  On failure prints the errors, frees what it took and returns
 * false: the machine is as it was.
 */
bool launch_prepare(struct boot_state *s);
/* Leaves boot services, starts every partition; does not return. */
__attribute__((noreturn)) void launch_start(struct boot_state *s);

#endif
