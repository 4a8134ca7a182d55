/*
 * From a checked plan to running partitions: reserve the planned memory, load
 * each kernel into its partition, lay out the shared region, leave boot
 * services and start every partition's first CPU.  Everything that can fail
 * because of user input fails before ExitBootServices.
 */
#include <efi.h>
#include <efilib.h>

#include "boot.h"
#include "console.h"
#include "cpu_start.h"
#include "bzimage.h"
#include "kcmdline.h"
#include "mb2.h"
#include "mkbox.h"
#include "serial.h"

#define KERNEL_MAX_BYTES (512ull << 20)
#define INITRD_MAX_BYTES (2ull << 30)
#define START_TIMEOUT_US 2000000 /* per batch: generous for emulators */
#define TSC_CALIBRATE_US 50000

/* What launch_prepare took from the firmware, to give back on failure. */
static struct {
	EFI_PHYSICAL_ADDRESS base[MK_MAX_PARTITIONS * (MK_MAX_RAM_RANGES + 4) + 1];
	UINTN pages[MK_MAX_PARTITIONS * (MK_MAX_RAM_RANGES + 4) + 1];
	uint32_t n;
} held;

/* AllocatePages, remembered so release_all can give it back. */
static bool hold(EFI_ALLOCATE_TYPE how, EFI_MEMORY_TYPE type, uint64_t size, EFI_PHYSICAL_ADDRESS *addr)
{
	UINTN pages = EFI_SIZE_TO_PAGES(size);
	if (held.n >= MK_ARRAY_SIZE(held.base))
		return false;
	if (EFI_ERROR(BS->AllocatePages(how, type, pages, addr)))
		return false;
	held.base[held.n] = *addr;
	held.pages[held.n++] = pages;
	return true;
}

static bool reserve(uint64_t base, uint64_t size, EFI_MEMORY_TYPE type)
{
	EFI_PHYSICAL_ADDRESS addr = base;
	return hold(AllocateAddress, type, size, &addr);
}

bool launch_alloc_low4g(uint64_t size, EFI_MEMORY_TYPE type, uint64_t *phys)
{
	EFI_PHYSICAL_ADDRESS addr = 0xFFFFFFFFull;
	if (!hold(AllocateMaxAddress, type, size, &addr))
		return false;
	*phys = addr;
	return true;
}

static void release_all(void)
{
	while (held.n) {
		held.n--;
		BS->FreePages(held.base[held.n], held.pages[held.n]);
	}
}

/* Takes every planned range so the firmware cannot hand it out meanwhile. */
static bool reserve_plan(struct boot_state *s)
{
	const struct mk_plan *p = &s->plan;
	for (uint32_t i = 0; i < p->nparts; i++) {
		const struct mk_plan_part *pp = &p->part[i];
		bool ok = reserve(pp->low.base, pp->low.size, EfiLoaderData) &&
			  /* Code type: firmware page tables may make LoaderData non-executable. */
			  reserve(pp->trampoline, MK_PAGE_SIZE, EfiLoaderCode);
		for (uint32_t r = 0; ok && r < pp->nram; r++)
			ok = reserve(pp->ram[r].base, pp->ram[r].size, EfiLoaderData);
		if (!ok) {
			con_printf("mkboot: error: partition \"%s\": the firmware no longer has its planned RAM free\n",
				   s->cfg.part[i].name);
			return false;
		}
	}
	if (!reserve(p->shared.base, p->shared.size, EfiLoaderData)) {
		con_printf("mkboot: error: the shared region at 0x%lx is no longer free\n",
			   (unsigned long)p->shared.base);
		return false;
	}
	return true;
}

/* Identity windows over a partition's RAM: on firmware, physical == virtual. */
void launch_part_windows(const struct mk_plan_part *pp, struct mk_phys *pm)
{
	pm->n = 0;
	for (uint32_t r = 0; r < pp->nram; r++)
		phys_add(pm, (uint8_t *)(uintptr_t)pp->ram[r].base, pp->ram[r].base, pp->ram[r].size);
	phys_add(pm, (uint8_t *)(uintptr_t)pp->low.base, pp->low.base, pp->low.size);
}

uint32_t launch_part_flags(const struct mk_plan *p, uint32_t i)
{
	return (i == p->bsp_part ? MKBOOT_INFO_F_OWNS_BSP : 0) |
	       (i == p->platform_part ? MKBOOT_INFO_F_OWNS_PLATFORM : 0);
}

void launch_bootinfo(const struct boot_state *s, uint32_t i, struct bootinfo_input *bi)
{
	const struct mk_partition_cfg *pc = &s->cfg.part[i];
	const struct mk_plan_part *pp = &s->plan.part[i];
	*bi = (struct bootinfo_input){
		.partition_index = i,
		.partition_count = s->plan.nparts,
		.name = pc->name,
		.boot_apic_id = pp->boot_apic_id,
		.flags = launch_part_flags(&s->plan, i),
		.ipi_vector = pc->ipi_vector,
		.tsc_khz = s->tsc_khz,
		.part = pp,
		.shared = s->plan.shared,
		.cpus = pc->cpus,
		.ncpus = pc->ncpus,
	};
}

bool launch_read_initrd(struct boot_state *s, uint32_t i, struct mk_diags *d)
{
	const struct mk_partition_cfg *pc = &s->cfg.part[i];
	struct loaded_part *lp = &s->loaded[i];
	EFI_STATUS st;
	if (!pc->has_initrd)
		return true;
	st = esp_read(&s->esp, pc->initrd, INITRD_MAX_BYTES, &lp->initrd, &lp->initrd_size);
	if (EFI_ERROR(st)) {
		diag_error(d, DIAG_NO_POS, "initrd \"%s\": %s", pc->initrd,
			   st == EFI_BAD_BUFFER_SIZE ? "larger than 2G" : "cannot read the file");
		return false;
	}
	return true;
}

static bool load_mb2(struct boot_state *s, uint32_t i, struct mk_diags *d)
{
	const struct mk_partition_cfg *pc = &s->cfg.part[i];
	const struct mk_plan_part *pp = &s->plan.part[i];
	struct loaded_part *lp = &s->loaded[i];
	struct mb2_loaded k;
	struct mk_phys pm;

	launch_part_windows(pp, &pm);
	if (mb2_load(lp->image, lp->image_size, pp, &pm, &k, d))
		return false;
	if (!launch_read_initrd(s, i, d))
		return false;
	/* The initrd is the kernel's one boot module (GRUB: module2), named by its path. */
	struct mb2_info_input in = {
		.cmdline = pc->cmdline,
		.loader_name = MB2_LOADER_NAME,
		.kernel = &k,
		.module = pc->has_initrd ? lp->initrd : NULL,
		.module_len = lp->initrd_size,
		.module_name = pc->initrd,
	};
	launch_bootinfo(s, i, &in.info);
	if (lp->rsdp) {
		/* The partition's own tables: the probe checks its MADT against its CPUs. */
		in.rsdp = (const uint8_t *)(uintptr_t)lp->rsdp;
		in.rsdp_len = ACPI_RSDP_V2_SIZE;
		in.rsdp_revision = ACPI_RSDP_REVISION_2;
	}
	if (mb2_build_info(&in, &pm, &lp->arg, d))
		return false;
	lp->mode = TRAMP_MODE_MB2;
	lp->entry = k.entry;
	return true;
}

/* The final command line, shown in the boot report and handed to the kernel. */
static bool final_cmdline(struct boot_state *s, uint32_t i, bool is_linux, struct mk_diags *d)
{
	struct mk_partition_cfg *pc = &s->cfg.part[i];
	char line[MK_CMDLINE_MAX];
	struct kcmdline_input in = { pc->cmdline, pc->name, s->plan.shared.base, s->tsc_khz, pc->ncpus,
				     i == s->plan.platform_part, is_linux };
	if (!kcmdline_build(&in, line, sizeof(line))) {
		diag_error(d, DIAG_NO_POS, "partition \"%s\": cmdline longer than %u bytes with mkboot's additions",
			   pc->name, MK_CMDLINE_MAX - 1);
		return false;
	}
	mk_strlcpy(pc->cmdline, line, sizeof(pc->cmdline));
	return true;
}

static bool load_kernel(struct boot_state *s, uint32_t i)
{
	const struct mk_partition_cfg *pc = &s->cfg.part[i];
	struct loaded_part *lp = &s->loaded[i];
	struct mk_diags *d = &s->diags;
	EFI_STATUS st;

	diag_init(d, pc->kernel);
	st = esp_read(&s->esp, pc->kernel, KERNEL_MAX_BYTES, &lp->image, &lp->image_size);
	if (EFI_ERROR(st)) {
		diag_error(d, DIAG_NO_POS, "%s", st == EFI_BAD_BUFFER_SIZE ? "larger than 512M" : "cannot read the file");
	} else if (!part_acpi_build(s, i, d)) {
		/* reported */
	} else if (bz_probe(lp->image, lp->image_size)) {
		if (final_cmdline(s, i, true, d))
			load_linux(s, i, d);
	} else if (mb2_detect(lp->image, lp->image_size)) {
		if (final_cmdline(s, i, false, d))
			load_mb2(s, i, d);
	} else {
		diag_error(d, DIAG_NO_POS, "neither a Linux bzImage nor a multiboot2 kernel");
	}
	if (diag_total(d)) {
		print_diags(d);
		return false;
	}
	return true;
}

static void free_images(struct boot_state *s)
{
	for (uint32_t i = 0; i < s->plan.nparts; i++) {
		struct loaded_part *lp = &s->loaded[i];
		if (lp->image)
			BS->FreePages((EFI_PHYSICAL_ADDRESS)(uintptr_t)lp->image,
				      EFI_SIZE_TO_PAGES(lp->image_size ? lp->image_size : 1));
		if (lp->initrd)
			BS->FreePages((EFI_PHYSICAL_ADDRESS)(uintptr_t)lp->initrd,
				      EFI_SIZE_TO_PAGES(lp->initrd_size ? lp->initrd_size : 1));
		lp->image = NULL;
		lp->initrd = NULL;
	}
}

static bool build_shared(struct boot_state *s)
{
	struct mkbox_part_desc desc[MK_MAX_PARTITIONS];
	void *base = (void *)(uintptr_t)s->plan.shared.base;
	for (uint32_t i = 0; i < s->plan.nparts; i++) {
		const struct mk_partition_cfg *pc = &s->cfg.part[i];
		desc[i] = (struct mkbox_part_desc){ pc->name, pc->cpus, pc->ncpus, s->plan.part[i].boot_apic_id,
						    pc->ipi_vector, launch_part_flags(&s->plan, i) };
	}
	int rc = mkbox_region_init(base, s->plan.shared.base, s->plan.shared.size, desc, s->plan.nparts,
				   s->cfg.mailbox_slots, s->cfg.mailbox_msg_size);
	if (rc != MKBOX_OK) {
		con_printf("mkboot: error: cannot lay out the shared region: %s\n", mkbox_strerror(rc));
		return false;
	}
	for (uint32_t i = 0; i < s->plan.nparts; i++)
		mkbox_region_set_state(base, s->plan.shared.size, i, MKBOX_STATE_LOADED);
	return true;
}

/*
 * The buffer ExitBootServices' memory map goes into, taken before leaving:
 * after a failed ExitBootServices only GetMemoryMap may be called again (UEFI
 * 2.x 7.4), so it is sized now with room for the map to grow.
 */
#define EXIT_MAP_SLACK 64 /* descriptors */
static void *exit_map;
static UINTN exit_map_size;

static bool reserve_exit_map(void)
{
	UINTN size = 0, key, desc_size = 0;
	UINT32 version;
	if (BS->GetMemoryMap(&size, NULL, &key, &desc_size, &version) != EFI_BUFFER_TOO_SMALL)
		return false;
	exit_map_size = size + EXIT_MAP_SLACK * desc_size;
	if (EFI_ERROR(BS->AllocatePool(EfiLoaderData, exit_map_size, &exit_map))) {
		exit_map = NULL;
		return false;
	}
	return true;
}

/* TSC ticks per millisecond, against the firmware's Stall. */
static uint64_t measure_tsc_khz(void)
{
	uint64_t t0 = rdtsc();
	BS->Stall(TSC_CALIBRATE_US);
	return (rdtsc() - t0) / (TSC_CALIBRATE_US / 1000);
}

bool launch_prepare(struct boot_state *s)
{
	s->tsc_khz = measure_tsc_khz();
	if (!reserve_plan(s) || !part_acpi_init(s))
		goto fail;
	for (uint32_t i = 0; i < s->plan.nparts; i++)
		if (!load_kernel(s, i))
			goto fail;
	if (!build_shared(s))
		goto fail;
	for (uint32_t i = 0; i < s->plan.nparts; i++) {
		const struct loaded_part *lp = &s->loaded[i];
		tramp_install(s->plan.part[i].trampoline, lp->mode, lp->entry, lp->arg, lp->cr3);
	}
	free_images(s);
	if (!reserve_exit_map()) {
		con_write("mkboot: error: no memory for the final memory map\n");
		goto fail;
	}
	return true;
fail:
	free_images(s);
	release_all();
	if (s->acpi) {
		BS->FreePool(s->acpi);
		s->acpi = NULL;
	}
	return false;
}

/* UEFI 2.x 7.4: the map key must be current; a changed map means try again. */
static void exit_boot_services(EFI_HANDLE image)
{
	for (int tries = 0; tries < 16; tries++) {
		UINTN size = exit_map_size, key, desc_size;
		UINT32 version;
		if (EFI_ERROR(BS->GetMemoryMap(&size, exit_map, &key, &desc_size, &version)))
			continue;
		if (!EFI_ERROR(BS->ExitBootServices(image, key)))
			return;
	}
	panic("ExitBootServices kept failing");
}

void launch_start(struct boot_state *s)
{
	struct tramp_target targets[MK_MAX_PARTITIONS];
	uint32_t idx[MK_MAX_PARTITIONS], n = 0;
	const struct mk_plan *p = &s->plan;
	void *shared = (void *)(uintptr_t)p->shared.base;

	for (uint32_t i = 0; i < p->nparts; i++) {
		if (i == p->bsp_part)
			continue;
		targets[n] = (struct tramp_target){ p->part[i].trampoline, p->part[i].boot_apic_id, false, 0 };
		idx[n++] = i;
	}
	con_printf("mkboot: leaving boot services; starting %u partition(s)\n", p->nparts);
	exit_boot_services(s->image);

	uint64_t t0 = rdtsc();
	apic_setup();
	for (uint32_t k = 0; k < n; k++)
		mkbox_region_set_state(shared, p->shared.size, idx[k], MKBOX_STATE_STARTED);
	uint32_t started = cpu_start_batch(targets, n, s->tsc_khz, START_TIMEOUT_US);
	uint64_t last = t0;
	for (uint32_t k = 0; k < n; k++) {
		if (!targets[k].started)
			serial_printf("mkboot: partition \"%s\" did not start (CPU %u)\n", s->cfg.part[idx[k]].name,
				      targets[k].apic_id);
		else if (targets[k].started_tsc > last)
			last = targets[k].started_tsc;
	}
	serial_printf("mkboot: started %u partitions in %lu us (%s)\n", started + 1,
		      (unsigned long)((last - t0) * 1000 / (s->tsc_khz ? s->tsc_khz : 1)),
		      apic_is_x2apic() ? "x2APIC" : "xAPIC");
	mkbox_region_set_state(shared, p->shared.size, p->bsp_part, MKBOX_STATE_STARTED);
	tramp_enter_bsp(p->part[p->bsp_part].trampoline);
}
