/*
 * A Linux partition: the bzImage and initrd read from the ESP, loaded by
 * loader/bzimage.c into the partition's RAM, and identity page tables for the
 * trampoline's 64-bit path (Linux boot.rst, 64-bit boot protocol).
 */
#include <efi.h>
#include <efilib.h>

#include "boot.h"
#include "bootinfo.h"
#include "bzimage.h"
#include "cpu_start.h"
#include "pagetable.h"

#define BOOTINFO_MAX_BYTES \
	(sizeof(struct mkboot_info) + MK_MAX_RAM_RANGES * sizeof(struct mkboot_range) + MK_MAX_CPUS * sizeof(uint32_t))
#define FOUR_GIB (1ull << 32)

static uint64_t part_end(const struct mk_plan_part *pp)
{
	uint64_t end = pp->low.base + pp->low.size;
	for (uint32_t r = 0; r < pp->nram; r++)
		if (pp->ram[r].base + pp->ram[r].size > end)
			end = pp->ram[r].base + pp->ram[r].size;
	return end;
}

/* Page tables mapping everything up to the partition's highest byte (at least 4 GiB). */
static bool build_page_tables(const struct mk_plan_part *pp, uint32_t *cr3)
{
	uint64_t limit = part_end(pp) > FOUR_GIB ? part_end(pp) : FOUR_GIB;
	uint64_t size = pagetable_identity_size(limit), base, root;
	if (!size || !launch_alloc_low4g(size, EfiLoaderData, &base))
		return false;
	if (!pagetable_build_identity((void *)(uintptr_t)base, base, size, limit, &root))
		return false;
	*cr3 = (uint32_t)root;
	return true;
}

bool load_linux(struct boot_state *s, uint32_t i, struct mk_diags *d)
{
	const struct mk_partition_cfg *pc = &s->cfg.part[i];
	const struct mk_plan_part *pp = &s->plan.part[i];
	struct loaded_part *lp = &s->loaded[i];
	static uint8_t info[BOOTINFO_MAX_BYTES];
	struct mk_phys pm;
	struct bz_loaded out;

	if (!launch_read_initrd(s, i, d))
		return false;
	struct bootinfo_input bi;
	launch_bootinfo(s, i, &bi);
	if (!bootinfo_write(&bi, info, sizeof(info))) {
		diag_error(d, DIAG_NO_POS, "partition \"%s\": cannot describe it in its boot information", pc->name);
		return false;
	}
	struct bz_input in = {
		.image = lp->image,
		.image_len = lp->image_size,
		.initrd = lp->initrd,
		.initrd_len = lp->initrd_size,
		.cmdline = pc->cmdline,
		.part = pp,
		.shared = s->plan.shared,
		.rsdp_phys = lp->rsdp,
		.info = (const struct mkboot_info *)info,
		.info_len = bootinfo_size(&bi),
		.acpi = lp->acpi,
	};
	launch_part_windows(pp, &pm);
	if (bz_load(&in, &pm, &out, d))
		return false;
	if (!build_page_tables(pp, &lp->cr3)) {
		diag_error(d, DIAG_NO_POS, "no memory below 4G for the 64-bit page tables");
		return false;
	}
	lp->mode = TRAMP_MODE_LINUX64;
	lp->entry = out.entry64;
	lp->arg = out.boot_params;
	return true;
}
