/* State shared by mkboot.efi's stages: plan (main.c) and launch (launch.c). */
#ifndef MKBOOT_BOOT_H
#define MKBOOT_BOOT_H

#include <efi.h>

#include "config.h"
#include "esp.h"
#include "plan.h"

#define REPORT_MAX (64u << 10)

struct loaded_part {
	void *image;          /* the kernel file, in LoaderData pages */
	uint64_t image_size;
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
	char report[REPORT_MAX];
};

void print_diags(struct mk_diags *d);

/*
 * Reserves the plan's memory, loads every kernel and builds its boot
 * information.  On failure prints the errors, frees what it took and returns
 * false: the machine is as it was.
 */
bool launch_prepare(struct boot_state *s);
/* Leaves boot services, starts every partition; does not return. */
__attribute__((noreturn)) void launch_start(struct boot_state *s);

#endif
