/*
 * The boot planner against recorded memory maps: exact placements, every
 * error message, and a checker run on every plan that nothing placed
 * overlaps anything else or leaves conventional memory.
 */
#include <stdarg.h>

#include "check.h"
#include "memmaps.h"
#include "plan.h"

#define FILE_NAME "partitions.toml"
#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define ADDR_TOP (~0ull & ~(MK_PAGE_SIZE - 1))

static struct mk_config cfg;
static struct mk_machine mach;
static struct mk_plan plan;
static struct mk_diags diags;
static char report[1 << 16];

/* ---- building machines and configs by hand ---- */

static void machine_load(const struct mk_mem_range *map, size_t n, const struct mk_cpu *cpus,
			 size_t ncpus)
{
	memset(&mach, 0, sizeof(mach));
	memcpy(mach.mem, map, n * sizeof(map[0]));
	mach.nmem = (uint32_t)n;
	memcpy(mach.cpus, cpus, ncpus * sizeof(cpus[0]));
	mach.ncpus = (uint32_t)ncpus;
}
#define MACHINE(map, cpus) machine_load(map, MK_ARRAY_SIZE(map), cpus, MK_ARRAY_SIZE(cpus))

/* A machine with APIC IDs 0..n-1, CPU 0 the BSP. */
static void machine_cpus(uint32_t n)
{
	mach.ncpus = n;
	for (uint32_t i = 0; i < n; i++)
		mach.cpus[i] = (struct mk_cpu){ .apic_id = i, .bsp = i == 0, .enabled = true };
}

static void cfg_reset(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.shared_size = MK_DEFAULT_SHARED_SIZE;
	cfg.shared_size_pos = (struct mk_pos){ 3, 17 };
	cfg.low_memory = MK_DEFAULT_LOW_MEMORY;
	cfg.low_memory_pos = (struct mk_pos){ 4, 14 };
	cfg.ipi_vector = MK_DEFAULT_IPI_VECTOR;
	cfg.mailbox_slots = MK_DEFAULT_MAILBOX_SLOTS;
	cfg.mailbox_msg_size = MK_DEFAULT_MAILBOX_MSG_SIZE;
}

/*
 * Partition i's [[partition]] header is at line 10 + 10*i; its keys follow:
 * name +1, cpus +2 (CPU c at column 9 + 3c), memory +3, memory_base +4.
 */
static struct mk_partition_cfg *cfg_add(const char *name, uint64_t memory, uint32_t ncpus, ...)
{
	uint32_t i = cfg.nparts++;
	uint32_t line = 10 + 10 * i;
	struct mk_partition_cfg *p = &cfg.part[i];
	va_list ap;
	p->pos = (struct mk_pos){ line, 1 };
	mk_strlcpy(p->name, name, sizeof(p->name));
	p->name_pos = (struct mk_pos){ line + 1, 8 };
	p->cpus_pos = (struct mk_pos){ line + 2, 8 };
	va_start(ap, ncpus);
	for (uint32_t c = 0; c < ncpus; c++) {
		p->cpus[c] = va_arg(ap, uint32_t);
		p->cpu_pos[c] = (struct mk_pos){ line + 2, 9 + 3 * c };
	}
	va_end(ap);
	p->ncpus = ncpus;
	p->memory = memory;
	p->memory_pos = (struct mk_pos){ line + 3, 10 };
	p->memory_base_pos = (struct mk_pos){ line + 4, 15 };
	mk_strlcpy(p->kernel, "vmlinuz", sizeof(p->kernel));
	p->kernel_pos = (struct mk_pos){ line + 5, 10 };
	p->ipi_vector = MK_DEFAULT_IPI_VECTOR;
	return p;
}

static void cfg_fix(struct mk_partition_cfg *p, uint64_t base)
{
	p->has_memory_base = true;
	p->memory_base = base;
}

/* ---- the checker every plan goes through ---- */

static uint64_t range_end(uint64_t base, uint64_t size)
{
	uint64_t end;
	if (__builtin_add_overflow(base, size, &end))
		return ~0ull;
	return end;
}

/* Every byte of [base, base+size) is in some conventional range and in no other range. */
static bool in_conventional(uint64_t base, uint64_t size)
{
	uint64_t end = base + size, p = base;
	for (uint32_t i = 0; i < mach.nmem; i++) {
		const struct mk_mem_range *r = &mach.mem[i];
		if (r->type != MK_MEM_CONVENTIONAL && mk_ranges_overlap(r->base, r->size, base, size))
			return false;
	}
	while (p < end) {
		uint64_t next = p;
		for (uint32_t i = 0; i < mach.nmem; i++) {
			const struct mk_mem_range *r = &mach.mem[i];
			uint64_t e = range_end(r->base, r->size);
			if (r->type == MK_MEM_CONVENTIONAL && r->base <= p && p < e && e > next)
				next = e;
		}
		if (next == p)
			return false;
		p = next;
	}
	return true;
}

struct placed {
	uint64_t base, size;
};

static void check_plan_sane(void)
{
	struct placed all[MK_MAX_PARTITIONS * (MK_MAX_RAM_RANGES + 2) + 1];
	uint32_t n = 0;
	uint64_t low_size = (cfg.low_memory + MK_PAGE_SIZE - 1) & ~(MK_PAGE_SIZE - 1);

	for (uint32_t i = 0; i < plan.nparts; i++) {
		const struct mk_plan_part *pp = &plan.part[i];
		const struct mk_partition_cfg *p = &cfg.part[i];
		CHECK(pp->nram <= MK_MAX_RAM_RANGES);
		for (uint32_t k = 0; k < pp->nram; k++) {
			CHECK(pp->ram[k].size && pp->ram[k].size % MK_PAGE_SIZE == 0);
			CHECK(pp->ram[k].base % MK_PAGE_SIZE == 0);
			if (k)
				CHECK(pp->ram[k - 1].base + pp->ram[k - 1].size <= pp->ram[k].base);
			if (!p->has_memory_base)
				CHECK(pp->ram[k].base >= MK_ONE_MIB);
			all[n++] = (struct placed){ pp->ram[k].base, pp->ram[k].size };
		}
		if (pp->nram) {
			CHECK_EQ(plan_part_ram(pp), (p->memory + MK_PAGE_SIZE - 1) & ~(MK_PAGE_SIZE - 1));
			if (p->has_memory_base)
				CHECK(pp->nram == 1 && pp->ram[0].base == p->memory_base);
		}
		if (pp->low.size) {
			CHECK_EQ(pp->low.size, low_size);
			CHECK(pp->low.base >= MK_PAGE_SIZE && pp->low.base % MK_PAGE_SIZE == 0);
			CHECK(pp->low.base + pp->low.size <= MK_LOW_LIMIT);
			all[n++] = (struct placed){ pp->low.base, pp->low.size };
		}
		if (pp->trampoline) {
			CHECK(pp->trampoline % MK_PAGE_SIZE == 0);
			CHECK(pp->trampoline + MK_PAGE_SIZE <= MK_ONE_MIB);
			all[n++] = (struct placed){ pp->trampoline, MK_PAGE_SIZE };
		}
	}
	if (plan.shared.size) {
		CHECK(plan.shared.base >= MK_ONE_MIB && plan.shared.base % MK_PAGE_SIZE == 0);
		CHECK(plan.shared.base + plan.shared.size <= 4 * GIB);
		all[n++] = (struct placed){ plan.shared.base, plan.shared.size };
	}
	for (uint32_t a = 0; a < n; a++) {
		CHECK(in_conventional(all[a].base, all[a].size));
		for (uint32_t b = a + 1; b < n; b++)
			CHECK(!mk_ranges_overlap(all[a].base, all[a].size, all[b].base, all[b].size));
	}
}

static uint32_t build(void)
{
	diag_init(&diags, FILE_NAME);
	uint32_t errors = plan_build(&cfg, &mach, &plan, &diags);
	CHECK_EQ(errors, diag_total(&diags));
	check_plan_sane();
	return errors;
}

/* build() for kernels that must sit at their link address (size 0: anywhere). */
static uint32_t build_kernels(const struct mk_range *kernel_at)
{
	diag_init(&diags, FILE_NAME);
	uint32_t errors = plan_build_kernels(&cfg, &mach, kernel_at, &plan, &diags);
	CHECK_EQ(errors, diag_total(&diags));
	check_plan_sane();
	return errors;
}

static void expect_errors(uint32_t n, ...)
{
	va_list ap;
	CHECK_EQ(diag_total(&diags), n);
	va_start(ap, n);
	for (uint32_t i = 0; i < n && i < diags.count; i++) {
		char line[512];
		struct mk_buf b;
		mk_buf_init(&b, line, sizeof(line));
		diag_format(&diags, i, &b);
		CHECK_STR(line, va_arg(ap, const char *));
	}
	va_end(ap);
}

static void expect_ok(void)
{
	CHECK_EQ(diag_total(&diags), 0);
	for (uint32_t i = 0; i < diags.count; i++)
		fprintf(stderr, "  unexpected: %s\n", diags.items[i].msg);
}

#define CHECK_RANGE(r, b, s)            \
	do {                            \
		CHECK_EQ((r).base, (b)); \
		CHECK_EQ((r).size, (s)); \
	} while (0)

/* Runs the report; returns line `k` (0-based) of it, "" past the end. */
static void run_report(const uint64_t *sizes)
{
	struct mk_buf b;
	mk_buf_init(&b, report, sizeof(report));
	plan_report(&cfg, &plan, sizes, &b);
	CHECK(!b.truncated);
	/* Every line fits in 200 characters and starts like a boot message. */
	const char *s = report;
	while (*s) {
		const char *nl = strchr(s, '\n');
		CHECK(nl != NULL);
		if (!nl)
			break;
		CHECK(nl - s <= 200);
		CHECK(strncmp(s, "mkboot: ", 8) == 0);
		s = nl + 1;
	}
}

static const char *report_line(uint32_t k)
{
	static char line[1024];
	const char *s = report;
	for (; k && *s; k--) {
		s = strchr(s, '\n');
		if (!s)
			return "";
		s++;
	}
	size_t n = strcspn(s, "\n");
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, s, n);
	line[n] = 0;
	return line;
}

static uint32_t report_lines(void)
{
	uint32_t n = 0;
	for (const char *s = report; *s; s++)
		n += *s == '\n';
	return n;
}


/* ---- (a) OVMF q35, 512 MiB ---- */

static void test_ovmf_512m_two_partitions(void)
{
	static const uint64_t sizes[] = { 14800000, 123 };
	MACHINE(memmap_ovmf_512m, cpus_ovmf_2);
	cfg_reset();
	struct mk_partition_cfg *lx = cfg_add("linux", 256 * MIB, 1, 0);
	mk_strlcpy(lx->cmdline, "console=ttyS0 no_ipi_broadcast=1", sizeof(lx->cmdline));
	struct mk_partition_cfg *rt = cfg_add("rt", 128 * MIB, 1, 1);
	mk_strlcpy(rt->kernel, "rt.elf", sizeof(rt->kernel));
	CHECK_EQ(build(), 0);
	expect_ok();

	CHECK_EQ(plan.nparts, 2);
	/* Low slices top-down: partition 0 highest, both below 0x9F000. */
	CHECK_RANGE(plan.part[0].low, 0x8F000, 64 << 10);
	CHECK_RANGE(plan.part[1].low, 0x77000, 64 << 10);
	/* The one free page above MK_LOW_LIMIT goes first, then the highest below. */
	CHECK_EQ(plan.part[0].trampoline, 0x9F000);
	CHECK_EQ(plan.part[1].trampoline, 0x8E000);
	/* Highest 2 MiB-aligned 2 MiB below 4 GiB. */
	CHECK_RANGE(plan.shared, 0x1F200000, 2 * MIB);
	/* Lowest 2 MiB-aligned range that holds each, in config order. */
	CHECK_EQ(plan.part[0].nram, 1);
	CHECK_RANGE(plan.part[0].ram[0], 0xDE00000, 256 * MIB);
	CHECK_EQ(plan.part[1].nram, 1);
	CHECK_RANGE(plan.part[1].ram[0], 0x1400000, 128 * MIB);
	CHECK_EQ(plan_part_ram(&plan.part[0]), 256 * MIB);

	CHECK_EQ(plan.bsp_part, 0);
	CHECK_EQ(plan.platform_part, 0);
	CHECK(plan.part[0].has_bsp && plan.part[0].owns_platform);
	CHECK(!plan.part[1].has_bsp && !plan.part[1].owns_platform);
	CHECK_EQ(plan.part[0].boot_apic_id, 0);
	CHECK_EQ(plan.part[1].boot_apic_id, 1);
	CHECK_EQ(plan.nunassigned, 0);

	run_report(sizes);
	CHECK_EQ(report_lines(), 4);
	CHECK_STR(report_line(0),
		  "mkboot: boot plan: 2 partitions, 2 CPUs (0 unassigned), shared 2M at 0x1f200000");
	CHECK_STR(report_line(1),
		  "mkboot:   part0 \"linux\" cpus=0 ram=0xde00000+256M low=0x8f000+64K tramp=0x9f000 "
		  "kernel=vmlinuz (14.1M) boot-cpu=0 platform");
	CHECK_STR(report_line(2), "mkboot:           cmdline: console=ttyS0 no_ipi_broadcast=1");
	CHECK_STR(report_line(3),
		  "mkboot:   part1 \"rt\" cpus=1 ram=0x1400000+128M low=0x77000+64K tramp=0x8e000 "
		  "kernel=rt.elf (123B) boot-cpu=1");
}

/* No free range holds 420M: the largest is taken whole, the rest from the lowest that fits. */
static void test_ovmf_512m_split(void)
{
	MACHINE(memmap_ovmf_512m, cpus_ovmf_2);
	cfg_reset();
	cfg_add("big", 420 * MIB, 2, 0, 1);
	CHECK_EQ(build(), 0);
	expect_ok();
	CHECK_EQ(plan.part[0].nram, 2);
	CHECK_RANGE(plan.part[0].ram[0], 0x1400000, 154 * MIB);
	CHECK_RANGE(plan.part[0].ram[1], 0xDE00000, 266 * MIB);
	CHECK_EQ(plan_part_ram(&plan.part[0]), 420 * MIB);
	run_report(NULL);
	CHECK_STR(report_line(0),
		  "mkboot: boot plan: 1 partition, 2 CPUs (0 unassigned), shared 2M at 0x1f200000");
	CHECK_STR(report_line(1),
		  "mkboot:   part0 \"big\" cpus=0-1 ram=0x1400000+154M,0xde00000+266M "
		  "low=0x8f000+64K tramp=0x9f000 kernel=vmlinuz boot-cpu=0 platform");
}

static void test_ovmf_512m_no_ram(void)
{
	MACHINE(memmap_ovmf_512m, cpus_ovmf_2);
	cfg_reset();
	cfg_add("big", 512 * MIB, 1, 0);
	CHECK_EQ(build(), 1);
	/* 7M + 32K + 7M + 188M + 266M + 104K above 1 MiB once the shared region is out. */
	expect_errors(1, "mkboot: error: partitions.toml:13:10: partition \"big\" needs 512M of RAM "
			 "but only 479368K of free RAM is left");
	CHECK_EQ(plan.part[0].nram, 0);
}

/* Memory that is not a page multiple is rounded up to whole pages. */
static void test_ram_rounded_to_pages(void)
{
	MACHINE(memmap_ovmf_512m, cpus_ovmf_2);
	cfg_reset();
	cfg_add("odd", 1000000, 1, 0);
	CHECK_EQ(build(), 0);
	CHECK_RANGE(plan.part[0].ram[0], 0x200000, 0xF5000);
}

/* ---- fixed memory_base ---- */

static void test_fixed_valid(void)
{
	MACHINE(memmap_ovmf_512m, cpus_ovmf_2);
	cfg_reset();
	cfg_fix(cfg_add("fixed", 64 * MIB, 1, 0), 0x4000000);
	cfg_add("other", 128 * MIB, 1, 1);
	CHECK_EQ(build(), 0);
	expect_ok();
	CHECK_EQ(plan.part[0].nram, 1);
	CHECK_RANGE(plan.part[0].ram[0], 0x4000000, 64 * MIB);
	/* The fixed range splits 0x1400000-0xD000000; 128M fits in neither half. */
	CHECK_RANGE(plan.part[1].ram[0], 0xDE00000, 128 * MIB);
	CHECK_RANGE(plan.part[0].low, 0x8F000, 64 << 10);
	CHECK_RANGE(plan.part[1].low, 0x77000, 64 << 10);
}

static void test_fixed_errors(void)
{
	MACHINE(memmap_ovmf_512m, cpus_ovmf_2);
	machine_cpus(12);
	cfg_reset();
	cfg.low_memory = 16 << 10;
	cfg_fix(cfg_add("a", 64 * MIB, 1, 0), 0x4000000);
	cfg_fix(cfg_add("b", 64 * MIB, 1, 1), 0x6000000);     /* overlaps a */
	cfg_fix(cfg_add("c", 2 * MIB, 1, 2), 0x700000);       /* runs into ACPI NVS */
	cfg_fix(cfg_add("d", 32 * MIB, 1, 3), 0xC000000);     /* into the kernel images */
	cfg_fix(cfg_add("e", GIB, 1, 4), 0x40000000);         /* past the end of RAM */
	cfg_fix(cfg_add("f", 64 << 10, 1, 5), 0);              /* page 0 */
	cfg_fix(cfg_add("g", 64 * MIB, 1, 6), 0x4000800);     /* unaligned */
	cfg_fix(cfg_add("h", 2 * MIB, 1, 7), 0xFFFFFFFFFFF00000ull);
	cfg_fix(cfg_add("i", 4 * MIB, 1, 8), 0xFFC00000);     /* flash */
	cfg_fix(cfg_add("j", MIB, 1, 9), 0x1F400000);         /* runtime code */
	cfg_fix(cfg_add("k", 2 * MIB, 1, 10), 0x1F200000);    /* free: the shared region moves */
	cfg_fix(cfg_add("l", 0x1A000, 1, 11), 0x1EBE6000);    /* exactly one unaligned range */
	CHECK_EQ(build(), 9);
	expect_errors(9,
		"mkboot: error: partitions.toml:24:15: memory_base 0x6000000 + 64M is not free RAM "
		"(overlaps partition \"a\")",
		"mkboot: error: partitions.toml:34:15: memory_base 0x700000 + 2M is not free RAM "
		"(ACPI NVS memory at 0x800000)",
		"mkboot: error: partitions.toml:44:15: memory_base 0xc000000 + 32M is not free RAM "
		"(boot services memory at 0xd000000)",
		"mkboot: error: partitions.toml:54:15: memory_base 0x40000000 + 1G is not free RAM "
		"(no free RAM at 0x40000000)",
		"mkboot: error: partitions.toml:64:15: memory_base 0x0 + 64K is not free RAM "
		"(page 0 is kept unused)",
		"mkboot: error: partitions.toml:74:15: memory_base 0x4000800 is not page aligned",
		"mkboot: error: partitions.toml:84:15: memory_base 0xfffffffffff00000 + 2M runs past "
		"the end of the address space",
		"mkboot: error: partitions.toml:94:15: memory_base 0xffc00000 + 4M is not free RAM "
		"(MMIO at 0xffc00000)",
		"mkboot: error: partitions.toml:104:15: memory_base 0x1f400000 + 1M is not free RAM "
		"(runtime services memory at 0x1f400000)");
	CHECK_RANGE(plan.part[0].ram[0], 0x4000000, 64 * MIB);
	CHECK_RANGE(plan.part[10].ram[0], 0x1F200000, 2 * MIB);
	CHECK_RANGE(plan.part[11].ram[0], 0x1EBE6000, 0x1A000);
	for (uint32_t i = 1; i < 10; i++)
		CHECK_EQ(plan.part[i].nram, 0);
	/* With 0x1F200000 taken, the shared region goes to the next 2 MiB-aligned spot. */
	CHECK_RANGE(plan.shared, 0x1E600000, 2 * MIB);
}

/* ---- kernels linked at a fixed address (multiboot2 without a relocatable tag) ---- */

static void test_kernel_at(void)
{
	struct mk_range at[MK_MAX_PARTITIONS] = { { 0x100000, 3 * MIB } };

	/* The kernel's pages first, the rest of the memory where RAM goes anyway. */
	MACHINE(memmap_ovmf_512m, cpus_ovmf_2);
	cfg_reset();
	cfg_add("hobby", 64 * MIB, 1, 0);
	cfg_add("other", 128 * MIB, 1, 1);
	CHECK_EQ(build_kernels(at), 0);
	expect_ok();
	CHECK_EQ(plan.part[0].nram, 2);
	CHECK_RANGE(plan.part[0].ram[0], 0x100000, 3 * MIB);
	CHECK_RANGE(plan.part[0].ram[1], 0x1400000, 61 * MIB);
	CHECK_EQ(plan_part_ram(&plan.part[0]), 64 * MIB);
	CHECK_EQ(plan.part[1].nram, 1);
	CHECK_RANGE(plan.part[1].ram[0], 0xDE00000, 128 * MIB);
	run_report(NULL);
	CHECK_STR(report_line(1),
		  "mkboot:   part0 \"hobby\" cpus=0 ram=0x100000+3M,0x1400000+61M "
		  "low=0x8f000+64K tramp=0x9f000 kernel=vmlinuz boot-cpu=0 platform");

	/* Exactly the kernel's size: one range. */
	cfg_reset();
	cfg_add("hobby", 3 * MIB, 1, 0);
	CHECK_EQ(build_kernels(at), 0);
	CHECK_EQ(plan.part[0].nram, 1);
	CHECK_RANGE(plan.part[0].ram[0], 0x100000, 3 * MIB);

	/* memory_base wins: the loader then checks the kernel lies inside (mb2_load). */
	cfg_reset();
	cfg_fix(cfg_add("hobby", 16 * MIB, 1, 0), 0x2000000);
	CHECK_EQ(build_kernels(at), 0);
	CHECK_EQ(plan.part[0].nram, 1);
	CHECK_RANGE(plan.part[0].ram[0], 0x2000000, 16 * MIB);

	/* Too little memory for the kernel; a kernel over firmware memory; two kernels on one spot. */
	MACHINE(memmap_ovmf_512m, cpus_ovmf_2);
	machine_cpus(4);
	cfg_reset();
	cfg.low_memory = 16 << 10;
	cfg_add("small", 2 * MIB, 1, 0);
	cfg_add("nvs", 8 * MIB, 1, 1);
	cfg_add("first", 8 * MIB, 1, 2);
	cfg_add("second", 8 * MIB, 1, 3);
	struct mk_range bad[MK_MAX_PARTITIONS] = {
		{ 0x100000, 3 * MIB }, { 0x700000, 2 * MIB }, { 0x1400000, MIB }, { 0x1400000, MIB },
	};
	CHECK_EQ(build_kernels(bad), 3);
	expect_errors(3,
		"mkboot: error: partitions.toml:13:10: partition \"small\" has memory = 2M, but its "
		"kernel alone takes 3M at 0x100000-0x3fffff (it has no relocatable tag, so it goes "
		"where it is linked)",
		"mkboot: error: partitions.toml:25:10: kernel \"vmlinuz\" must be loaded at "
		"0x700000-0x8fffff (it has no relocatable tag), but that is not free RAM (ACPI NVS "
		"memory at 0x800000)",
		"mkboot: error: partitions.toml:45:10: kernel \"vmlinuz\" must be loaded at "
		"0x1400000-0x14fffff (it has no relocatable tag), but that is not free RAM (overlaps "
		"partition \"first\")");
	CHECK_EQ(plan.part[0].nram, 0);
	CHECK_EQ(plan.part[1].nram, 0);
	CHECK_EQ(plan.part[2].nram, 2);
	CHECK_RANGE(plan.part[2].ram[0], 0x1400000, MIB);
	CHECK_EQ(plan.part[3].nram, 0);

	/* A span that is no page range (the caller's bug, still not trusted). */
	cfg_reset();
	cfg_add("odd", 8 * MIB, 1, 0);
	struct mk_range odd[MK_MAX_PARTITIONS] = { { 0x100800, MIB } };
	CHECK_EQ(build_kernels(odd), 1);
	expect_errors(1, "mkboot: error: partitions.toml:15:10: kernel \"vmlinuz\": its link "
			 "address 0x100800+0x100000 is no page range in the address space");
}

/* ---- CPUs, the boot CPU and the platform ---- */

static void test_cpu_errors(void)
{
	MACHINE(memmap_ovmf_512m, cpus_ovmf_2);
	cfg_reset();
	cfg_add("a", 64 * MIB, 2, 0, 3);
	cfg_add("b", 64 * MIB, 1, 1);
	cfg_add("c", 64 * MIB, 1, 7);
	CHECK_EQ(build(), 3);
	expect_errors(3,
		"mkboot: error: partitions.toml:12:12: CPU 3 does not exist on this machine "
		"(APIC IDs: 0-1)",
		"mkboot: error: partitions.toml:32:9: CPU 7 does not exist on this machine "
		"(APIC IDs: 0-1)",
		"mkboot: error: partitions.toml:30:1: 3 partitions need at least 3 CPUs, the machine "
		"has 2 enabled");

	MACHINE(memmap_desktop, cpus_desktop);
	cfg_reset();
	cfg_add("a", 64 * MIB, 3, 0, 10, 4);
	CHECK_EQ(build(), 2);
	expect_errors(2, "mkboot: error: partitions.toml:12:12: CPU 10 is disabled",
		      "mkboot: error: partitions.toml:12:15: CPU 4 does not exist on this machine "
		      "(APIC IDs: 0-3,8-11)");

	MACHINE(memmap_ovmf_512m, cpus_ovmf_2);
	cfg_reset();
	cfg_add("a", 64 * MIB, 1, 1);
	cfg_add("b", 64 * MIB, 0);
	CHECK_EQ(build(), 2);
	expect_errors(2, "mkboot: error: partitions.toml:22:8: partition \"b\" has no CPUs",
		      "mkboot: error: partitions.toml:10:1: no partition owns the boot CPU "
		      "(APIC ID 0)");

	cfg_reset();
	cfg_add("a", 64 * MIB, 2, 0, 1);
	cfg.has_platform = true;
	mk_strlcpy(cfg.platform, "nope", sizeof(cfg.platform));
	cfg.platform_pos = (struct mk_pos){ 5, 12 };
	CHECK_EQ(build(), 1);
	expect_errors(1, "mkboot: error: partitions.toml:5:12: platform = \"nope\" names no partition");

	cfg_reset();
	CHECK_EQ(build(), 1);
	expect_errors(1, "mkboot: error: partitions.toml: no [[partition]] in the config");

	/* A machine without a boot CPU flag (never from real firmware). */
	cfg_add("a", 64 * MIB, 1, 0);
	mach.cpus[0].bsp = false;
	CHECK_EQ(build(), 1);
	expect_errors(1, "mkboot: error: partitions.toml: the machine reports no boot CPU");
}

static void test_roles(void)
{
	MACHINE(memmap_desktop, cpus_desktop);
	cfg_reset();
	cfg_add("rt", 16 * MIB, 2, 9, 8);
	cfg_add("linux", 64 * MIB, 2, 1, 0);
	cfg_add("io", 16 * MIB, 1, 3);
	cfg.has_platform = true;
	mk_strlcpy(cfg.platform, "io", sizeof(cfg.platform));
	CHECK_EQ(build(), 0);
	expect_ok();
	CHECK_EQ(plan.bsp_part, 1);
	CHECK_EQ(plan.platform_part, 2);
	CHECK(!plan.part[0].has_bsp && plan.part[1].has_bsp && !plan.part[2].has_bsp);
	CHECK(!plan.part[0].owns_platform && !plan.part[1].owns_platform &&
	      plan.part[2].owns_platform);
	/* The BSP where the partition has it, else the first CPU listed. */
	CHECK_EQ(plan.part[0].boot_apic_id, 9);
	CHECK_EQ(plan.part[1].boot_apic_id, 0);
	CHECK_EQ(plan.part[2].boot_apic_id, 3);
	/* Enabled CPUs nobody lists, ascending; CPU 10 is disabled. */
	CHECK_EQ(plan.nunassigned, 2);
	CHECK_EQ(plan.unassigned[0], 2);
	CHECK_EQ(plan.unassigned[1], 11);
	run_report(NULL);
	CHECK_EQ(report_lines(), 5);
	CHECK_STR(report_line(0), "mkboot: boot plan: 3 partitions, 7 CPUs (2 unassigned), "
				  "shared 2M at 0x3ee00000");
	CHECK(strstr(report_line(1), "\"rt\" cpus=8-9 ") != NULL);
	CHECK(strstr(report_line(2), " boot-cpu=0") != NULL);
	CHECK(strstr(report_line(2), "platform") == NULL);
	CHECK(strstr(report_line(3), " boot-cpu=3 platform") != NULL);
	CHECK_STR(report_line(4), "mkboot:   unassigned CPUs: 2,11");
}

/* ---- (b) OVMF q35, 4 GiB with the PCI hole ---- */

static void test_ovmf_4g(void)
{
	MACHINE(memmap_ovmf_4g, cpus_ovmf_4);
	cfg_reset();
	cfg_add("a", 512 * MIB, 1, 0);
	cfg_add("b", 1536 * MIB, 1, 2);
	cfg_add("c", 256 * MIB, 1, 3);
	CHECK_EQ(build(), 0);
	expect_ok();
	CHECK_RANGE(plan.shared, 0x7EC00000, 2 * MIB);
	CHECK_RANGE(plan.part[0].ram[0], 0xA00000, 512 * MIB);
	/* No 1.5G below 4 GiB: b goes above; c still fits below. */
	CHECK_RANGE(plan.part[1].ram[0], 0x100000000, 1536 * MIB);
	CHECK_RANGE(plan.part[2].ram[0], 0x20A00000, 256 * MIB);
	CHECK_RANGE(plan.part[0].low, 0x8F000, 64 << 10);
	CHECK_RANGE(plan.part[1].low, 0x7F000, 64 << 10);
	CHECK_RANGE(plan.part[2].low, 0x6F000, 64 << 10);
	CHECK_EQ(plan.part[0].trampoline, 0x9F000);
	CHECK_EQ(plan.part[1].trampoline, 0x6E000);
	CHECK_EQ(plan.part[2].trampoline, 0x6D000);
	CHECK_EQ(plan.nunassigned, 1);
	CHECK_EQ(plan.unassigned[0], 1);
	run_report(NULL);
	CHECK_EQ(report_lines(), 5);
	CHECK_STR(report_line(0), "mkboot: boot plan: 3 partitions, 4 CPUs (1 unassigned), "
				  "shared 2M at 0x7ec00000");
	CHECK_STR(report_line(2),
		  "mkboot:   part1 \"b\" cpus=2 ram=0x100000000+1536M low=0x7f000+64K tramp=0x6e000 "
		  "kernel=vmlinuz boot-cpu=2");
	CHECK_STR(report_line(4), "mkboot:   unassigned CPUs: 1");
}

static void test_ovmf_4g_split_across_hole(void)
{
	MACHINE(memmap_ovmf_4g, cpus_ovmf_4);
	cfg_reset();
	cfg_add("huge", 3 * GIB, 4, 0, 1, 2, 3);
	cfg.shared_size = 4 * MIB;
	CHECK_EQ(build(), 0);
	expect_ok();
	CHECK_RANGE(plan.shared, 0x7EA00000, 4 * MIB);
	CHECK_EQ(plan.part[0].nram, 3);
	CHECK_RANGE(plan.part[0].ram[0], 0x900000, 0x3F700000);
	CHECK_RANGE(plan.part[0].ram[1], 0x40800000, 9 * MIB);
	CHECK_RANGE(plan.part[0].ram[2], 0x100000000, 2 * GIB);
	CHECK_EQ(plan_part_ram(&plan.part[0]), 3 * GIB);
	run_report(NULL);
	CHECK_STR(report_line(1),
		  "mkboot:   part0 \"huge\" cpus=0-3 ram=0x900000+1015M,0x40800000+9M,"
		  "0x100000000+2G low=0x8f000+64K tramp=0x9f000 kernel=vmlinuz boot-cpu=0 platform");
}

/* ---- (c) a fragmented desktop map ---- */

static void test_desktop(void)
{
	MACHINE(memmap_desktop, cpus_desktop);
	cfg_reset();
	cfg_add("linux", 2 * GIB, 4, 0, 1, 2, 3);
	cfg_add("rt", 256 * MIB, 1, 8);
	cfg_add("bare", 16 * MIB, 1, 9);
	CHECK_EQ(build(), 0);
	expect_ok();
	/* Below 0x9F000 only [0x59000, 0x9E000) is big enough: the EBDA caps it. */
	CHECK_RANGE(plan.part[0].low, 0x8E000, 64 << 10);
	CHECK_RANGE(plan.part[1].low, 0x7E000, 64 << 10);
	CHECK_RANGE(plan.part[2].low, 0x6E000, 64 << 10);
	CHECK_EQ(plan.part[0].trampoline, 0x6D000);
	CHECK_EQ(plan.part[1].trampoline, 0x6C000);
	CHECK_EQ(plan.part[2].trampoline, 0x6B000);
	CHECK_RANGE(plan.shared, 0x3EE00000, 2 * MIB);
	/* The two merged 1G + 512M ranges above 4 GiB, then the merged 896M + 16M one. */
	CHECK_EQ(plan.part[0].nram, 2);
	CHECK_RANGE(plan.part[0].ram[0], 0x4000000, 512 * MIB);
	CHECK_RANGE(plan.part[0].ram[1], 0x100000000, 1536 * MIB);
	CHECK_RANGE(plan.part[1].ram[0], 0x24000000, 256 * MIB);
	CHECK_RANGE(plan.part[2].ram[0], 0x200000, 16 * MIB);
	CHECK_EQ(plan.nunassigned, 1);
	CHECK_EQ(plan.unassigned[0], 11);
	run_report(NULL);
	CHECK_STR(report_line(1),
		  "mkboot:   part0 \"linux\" cpus=0-3 ram=0x4000000+512M,0x100000000+1536M "
		  "low=0x8e000+64K tramp=0x6d000 kernel=vmlinuz boot-cpu=0 platform");
}

/* Small fragments: an unaligned range shrinks to whole pages and is used as such. */
static void test_desktop_fragments(void)
{
	MACHINE(memmap_desktop, cpus_desktop);
	cfg_reset();
	cfg.low_memory = 0;
	cfg.shared_size = 0;
	cfg_fix(cfg_add("a", 0x1FE000, 1, 0), 0x3011000);
	cfg_fix(cfg_add("b", 0x1FF000, 1, 1), 0x3010000);
	cfg_fix(cfg_add("c", 0x8000, 1, 2), 0x3800000);
	CHECK_EQ(build(), 1);
	expect_errors(1, "mkboot: error: partitions.toml:24:15: memory_base 0x3010000 + 2044K is not "
			 "free RAM (boot services memory at 0x3010000)");
	CHECK_RANGE(plan.part[0].ram[0], 0x3011000, 0x1FE000);
	CHECK_RANGE(plan.part[2].ram[0], 0x3800000, 0x8000);
	CHECK_EQ(plan.part[0].low.size, 0);
	CHECK_EQ(plan.shared.size, 0);
	run_report(NULL);
	CHECK_STR(report_line(0),
		  "mkboot: boot plan: 3 partitions, 7 CPUs (4 unassigned), no shared memory");
	CHECK_STR(report_line(1), "mkboot:   part0 \"a\" cpus=0 ram=0x3011000+2040K tramp=0x9d000 "
				  "kernel=vmlinuz boot-cpu=0 platform");
	CHECK_STR(report_line(4), "mkboot:   unassigned CPUs: 3,8-9,11");
}

/* ---- (d) a broken firmware map ---- */

static void test_hostile_map(void)
{
	MACHINE(memmap_hostile, cpus_ovmf_2);
	cfg_reset();
	cfg_add("a", 128 * MIB, 1, 0);
	cfg_fix(cfg_add("b", 2 * MIB, 1, 1), 0x8000000);
	CHECK_EQ(build(), 1);
	expect_errors(1, "mkboot: error: partitions.toml:24:15: memory_base 0x8000000 + 2M is not "
			 "free RAM (reserved memory at 0x8000000)");
	/* Page 0 stays out even though the map calls it conventional. */
	CHECK_RANGE(plan.part[0].low, 0x8F000, 64 << 10);
	CHECK_RANGE(plan.part[1].low, 0x7F000, 64 << 10);
	CHECK_EQ(plan.part[0].trampoline, 0x9F000);
	/* The reserved hole cuts the overlapping conventional ranges. */
	CHECK_RANGE(plan.shared, 0xFE00000, 2 * MIB);
	CHECK_EQ(plan.part[0].nram, 2);
	CHECK_RANGE(plan.part[0].ram[0], 0x100000, 127 * MIB);
	CHECK_RANGE(plan.part[0].ram[1], 0x8200000, MIB);
}

/* ---- low slices, trampolines and the shared region ---- */

static void test_low_memory_errors(void)
{
	static const struct mk_mem_range tiny_low[] = {
		{ 0x1000, 0x10000, MK_MEM_CONVENTIONAL },
		{ 0x100000, 0x4000000, MK_MEM_CONVENTIONAL },
	};
	MACHINE(memmap_ovmf_512m, cpus_ovmf_2);
	machine_cpus(3);
	cfg_reset();
	cfg.low_memory = 256 << 10;
	cfg_add("a", 16 * MIB, 1, 0);
	cfg_add("b", 16 * MIB, 1, 1);
	cfg_add("c", 16 * MIB, 1, 2);
	CHECK_EQ(build(), 1);
	expect_errors(1, "mkboot: error: partitions.toml:30:1: partition \"c\" needs 256K of low "
			 "memory below 0x9f000 but the largest free block left there is 92K");
	CHECK_RANGE(plan.part[0].low, 0x47000, 256 << 10);
	CHECK_RANGE(plan.part[1].low, 0x7000, 256 << 10);
	CHECK_EQ(plan.part[2].low.size, 0);

	MACHINE(tiny_low, cpus_ovmf_2);
	cfg_reset();
	cfg_add("a", 16 * MIB, 2, 0, 1);
	CHECK_EQ(build(), 1);
	expect_errors(1, "mkboot: error: partitions.toml:10:1: no free 4K page below 1M is left for "
			 "partition \"a\"'s SIPI trampoline");
	CHECK_RANGE(plan.part[0].low, 0x1000, 64 << 10);
	CHECK_EQ(plan.part[0].trampoline, 0);
}

static void test_shared_region(void)
{
	/* No 2 MiB-aligned 2 MiB below 4 GiB: page aligned, as high as it goes. */
	static const struct mk_mem_range no_aligned[] = {
		{ 0x1000, 0x9E000, MK_MEM_CONVENTIONAL },
		{ 0x300000, 0x280000, MK_MEM_CONVENTIONAL },
		{ 0x100000000, GIB, MK_MEM_CONVENTIONAL },
	};
	MACHINE(no_aligned, cpus_ovmf_2);
	cfg_reset();
	cfg_add("a", 256 * MIB, 2, 0, 1);
	CHECK_EQ(build(), 0);
	expect_ok();
	CHECK_RANGE(plan.shared, 0x380000, 2 * MIB);
	CHECK_RANGE(plan.part[0].ram[0], 0x100000000, 256 * MIB);

	cfg.shared_size = GIB;
	CHECK_EQ(build(), 1);
	expect_errors(1, "mkboot: error: partitions.toml:3:17: shared_memory 1G does not fit in free "
			 "RAM between 1M and 4G (largest free block: 2560K)");
	CHECK_EQ(plan.shared.size, 0);

	/* 2 MiB aligned when a larger range allows it. */
	MACHINE(memmap_ovmf_512m, cpus_ovmf_2);
	cfg.shared_size = 4 * MIB;
	CHECK_EQ(build(), 0);
	CHECK_RANGE(plan.shared, 0x1E400000, 4 * MIB);
}

/* Ten 1M ranges: 8M fits in eight pieces, 9M does not, though 10M is free. */
static void test_too_many_pieces(void)
{
	struct mk_mem_range map[11];
	map[0] = (struct mk_mem_range){ 0x1000, 0x9E000, MK_MEM_CONVENTIONAL };
	for (uint32_t k = 0; k < 10; k++)
		map[k + 1] = (struct mk_mem_range){ 0x1000000 + k * 0x200000, MIB,
						   MK_MEM_CONVENTIONAL };
	MACHINE(map, cpus_ovmf_2);
	cfg_reset();
	cfg.shared_size = 0;
	cfg_add("a", 8 * MIB, 2, 0, 1);
	CHECK_EQ(build(), 0);
	CHECK_EQ(plan.part[0].nram, MK_MAX_RAM_RANGES);
	for (uint32_t k = 0; k < MK_MAX_RAM_RANGES; k++)
		CHECK_RANGE(plan.part[0].ram[k], 0x1000000 + k * 0x200000, MIB);
	run_report(NULL);
	CHECK_STR(report_line(1),
		  "mkboot:   part0 \"a\" cpus=0-1 ram=0x1000000+1M,0x1200000+1M,0x1400000+1M,"
		  "0x1600000+1M,0x1800000+1M,0x1a00000+1M,0x1c00000+1M,0x1e00000+1M low=0x8f000+64K "
		  "tramp=0x8e000 kernel=vmlinuz boot-cpu=0");
	CHECK_STR(report_line(2), "mkboot:           platform");

	cfg.part[0].memory = 9 * MIB;
	CHECK_EQ(build(), 1);
	expect_errors(1, "mkboot: error: partitions.toml:13:10: partition \"a\" needs 9M of RAM but "
			 "the free RAM left is split into too many pieces (at most 8 per partition)");
	CHECK_EQ(plan.part[0].nram, 0);
}

static void test_deterministic(void)
{
	static struct mk_plan first;
	MACHINE(memmap_desktop, cpus_desktop);
	cfg_reset();
	cfg_add("linux", 2 * GIB, 4, 0, 1, 2, 3);
	cfg_add("rt", 300 * MIB, 1, 8);
	build();
	memcpy(&first, &plan, sizeof(plan));
	build();
	CHECK(memcmp(&first, &plan, sizeof(plan)) == 0);
}

/* ---- the report's wrapping ---- */

/* Concatenates the words of every "cmdline:" line. */
static void collect_cmdline(char *out, size_t cap)
{
	static const char prefix[] = "mkboot:           cmdline: ";
	size_t n = 0;
	out[0] = 0;
	for (uint32_t k = 0; k < report_lines(); k++) {
		const char *line = report_line(k);
		if (strncmp(line, prefix, sizeof(prefix) - 1) != 0)
			continue;
		n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? " " : "", line + sizeof(prefix) - 1);
	}
}

static void strip_spaces(char *s)
{
	char *d = s;
	for (; *s; s++)
		if (*s != ' ')
			*d++ = *s;
	*d = 0;
}

static void test_report_wrapping(void)
{
	static char cmdline[MK_CMDLINE_MAX], joined[4096];
	static const uint64_t sizes[] = { 3 * GIB, 1536 };
	MACHINE(memmap_ovmf_4g, cpus_ovmf_4);
	machine_cpus(256);
	cfg_reset();
	/* 127 partition CPUs with even APIC IDs: no runs, a long list. */
	struct mk_partition_cfg *p = cfg_add("abcdefghijklmnopqrstuvwxyz01234", 64 * MIB, 0);
	for (uint32_t c = 0; c < 127; c++)
		p->cpus[p->ncpus++] = 2 * c;
	memset(p->kernel, 'k', sizeof(p->kernel) - 1);
	p->kernel[sizeof(p->kernel) - 1] = 0;
	p->has_initrd = true;
	mk_strlcpy(p->initrd, "initrd.img", sizeof(p->initrd));
	/* Words of growing length, one longer than a line, and a tab. */
	size_t n = 0;
	for (uint32_t w = 0; n + 40 < sizeof(cmdline) - 260; w++)
		n += (size_t)snprintf(cmdline + n, sizeof(cmdline) - n, "opt%u=%.*s ", w, (int)(w % 30),
				      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	memset(cmdline + n, 'y', 250);
	n += 250;
	cmdline[n++] = '\t';
	cmdline[n] = 0;
	memcpy(p->cmdline, cmdline, n + 1);
	struct mk_partition_cfg *q = cfg_add("b", 64 * MIB, 0);
	for (uint32_t c = 0; c < 127; c++)
		q->cpus[q->ncpus++] = 2 * c + 1;
	build(); /* CPU ownership errors are not the point here */
	run_report(sizes);

	/*
	 * Whole words on each line, the tab shown as '?'; the 250-character word
	 * fits on no line, so it is cut where the line ends.
	 */
	collect_cmdline(joined, sizeof(joined));
	cmdline[n - 1] = '?';
	strip_spaces(cmdline);
	strip_spaces(joined);
	CHECK_STR(joined, cmdline);
	CHECK(strstr(report, "yyyy\nmkboot:           cmdline: yyyy") != NULL);
	CHECK(strstr(report, " opt29=xxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nmkboot:           cmdline: opt30= ") !=
	      NULL);
	/* The CPU list wraps after commas; the kernel name never splits. */
	CHECK(strstr(report, "cpus=0,2,4,6,8,") != NULL);
	CHECK(strstr(report, ",98,\nmkboot:           100,102,") != NULL);
	CHECK(strstr(report, ",252 ram=") != NULL);
	char kernel[MK_PATH_MAX + 64];
	snprintf(kernel, sizeof(kernel), "\nmkboot:           kernel=%s (3.0G) ", p->kernel);
	CHECK(strstr(report, kernel) != NULL);
	CHECK(strstr(report, " initrd=initrd.img ") != NULL);
	CHECK(strstr(report, "(1.5K)") != NULL);
	CHECK(strstr(report, "\"abcdefghijklmnopqrstuvwxyz01234\"") != NULL);
	CHECK(report_lines() > 8);
}

/* Consecutive APIC IDs collapse into ranges everywhere CPUs are listed. */
static void test_report_cpu_ranges(void)
{
	MACHINE(memmap_ovmf_4g, cpus_ovmf_4);
	machine_cpus(256);
	cfg_reset();
	struct mk_partition_cfg *p = cfg_add("many", 64 * MIB, 0);
	for (uint32_t c = 0; c < 128; c++)
		p->cpus[p->ncpus++] = 127 - c; /* listed backwards */
	p->cpus[0] = 200;                      /* ...and one far away */
	CHECK_EQ(build(), 0);
	CHECK_EQ(plan.part[0].boot_apic_id, 0);
	run_report(NULL);
	CHECK(strstr(report_line(1), " cpus=0-126,200 ") != NULL);
	CHECK_STR(report_line(report_lines() - 1), "mkboot:   unassigned CPUs: 127-199,201-255");
}

static void test_mem_type_names(void)
{
	CHECK_STR(machine_mem_type_name(MK_MEM_CONVENTIONAL), "conventional memory");
	CHECK_STR(machine_mem_type_name(MK_MEM_BOOT_SERVICES), "boot services memory");
	CHECK_STR(machine_mem_type_name(MK_MEM_RESERVED), "reserved memory");
	CHECK_STR(machine_mem_type_name(MK_MEM_ACPI_NVS), "ACPI NVS memory");
	CHECK_STR(machine_mem_type_name(MK_MEM_PERSISTENT), "persistent memory");
	CHECK_STR(machine_mem_type_name(MK_MEM_PERSISTENT + 1), "memory of unknown type");
	CHECK_STR(machine_mem_type_name(0xFFFFFFFFu), "memory of unknown type");
}

int main(void)
{
	test_ovmf_512m_two_partitions();
	test_ovmf_512m_split();
	test_ovmf_512m_no_ram();
	test_ram_rounded_to_pages();
	test_fixed_valid();
	test_fixed_errors();
	test_kernel_at();
	test_cpu_errors();
	test_roles();
	test_ovmf_4g();
	test_ovmf_4g_split_across_hole();
	test_desktop();
	test_desktop_fragments();
	test_hostile_map();
	test_low_memory_errors();
	test_shared_region();
	test_too_many_pieces();
	test_deterministic();
	test_report_wrapping();
	test_report_cpu_ranges();
	test_mem_type_names();
	return check_done("test_plan");
}
