/*
 * The planner against a memory map dumped from OVMF (Debian 12's OVMF_CODE_4M.fd,
 * QEMU 7.2 q35, 512 MiB, 4 CPUs) by mkboot.efi itself, types already folded to
 * enum mk_mem_type: whatever it places must be conventional RAM, page aligned, and
 * disjoint.
 */
#include <stdlib.h>

#include "check.h"
#include "plan.h"

static const struct mk_mem_range ovmf_q35_512m[] = {
	{0x0, 0x87000, 0},
	{0x87000, 0x1000, 1},
	{0x88000, 0x18000, 0},
	{0x100000, 0x706000, 0},
	{0x806000, 0x2000, 5},
	{0x808000, 0x8000, 0},
	{0x810000, 0xf0000, 5},
	{0x900000, 0xc00000, 1},
	{0x1500000, 0x1a65d000, 0},
	{0x1bb5d000, 0x20000, 1},
	{0x1bb7d000, 0x22c6000, 0},
	{0x1de43000, 0x4c000, 1},
	{0x1de8f000, 0xd000, 0},
	{0x1de9c000, 0x12000, 1},
	{0x1deae000, 0x1000, 0},
	{0x1deaf000, 0xbdb000, 1},
	{0x1ea8a000, 0x102000, 2},
	{0x1eb8c000, 0x960000, 1},
	{0x1f4ec000, 0x200000, 2},
	{0x1f6ec000, 0x80000, 3},
	{0x1f76c000, 0x12000, 4},
	{0x1f77e000, 0x80000, 5},
	{0x1f7fe000, 0x602000, 1},
	{0x1fe00000, 0x51000, 0},
	{0x1fe51000, 0x8b000, 1},
	{0x1fedc000, 0x84000, 2},
	{0x1ff60000, 0xa0000, 5},
	{0xb0000000, 0x10000000, 3},
	{0xffc00000, 0x400000, 6},
};

static struct mk_config cfg;
static struct mk_machine m;
static struct mk_plan plan;
static struct mk_diags d;

static bool conventional(uint64_t base, uint64_t size)
{
	for (size_t i = 0; i < MK_ARRAY_SIZE(ovmf_q35_512m); i++) {
		const struct mk_mem_range *r = &ovmf_q35_512m[i];
		if (r->type == MK_MEM_CONVENTIONAL && base >= r->base && base + size <= r->base + r->size)
			return true;
	}
	return false;
}

static void add_part(const char *name, uint32_t cpu, uint64_t mem)
{
	struct mk_partition_cfg *p = &cfg.part[cfg.nparts++];
	mk_strlcpy(p->name, name, sizeof(p->name));
	mk_strlcpy(p->kernel, "k", sizeof(p->kernel));
	p->cpus[0] = cpu;
	p->ncpus = 1;
	p->memory = mem;
	p->ipi_vector = MK_DEFAULT_IPI_VECTOR;
}

int main(void)
{
	struct mk_range placed[MK_MAX_PARTITIONS * (MK_MAX_RAM_RANGES + 2) + 1];
	uint32_t n = 0;

	for (uint32_t i = 0; i < 4; i++)
		m.cpus[m.ncpus++] = (struct mk_cpu){ i, i == 0, true };
	for (size_t i = 0; i < MK_ARRAY_SIZE(ovmf_q35_512m); i++)
		m.mem[m.nmem++] = ovmf_q35_512m[i];
	cfg.shared_size = MK_DEFAULT_SHARED_SIZE;
	cfg.low_memory = MK_DEFAULT_LOW_MEMORY;
	cfg.mailbox_slots = MK_DEFAULT_MAILBOX_SLOTS;
	cfg.mailbox_msg_size = MK_DEFAULT_MAILBOX_MSG_SIZE;
	add_part("a", 0, 128ull << 20);
	add_part("b", 1, 128ull << 20);
	add_part("c", 2, 64ull << 20);
	add_part("d", 3, 32ull << 20);
	diag_init(&d, "t.toml");

	CHECK_EQ(plan_build(&cfg, &m, &plan, &d), 0);
	CHECK_EQ(plan.nparts, 4);
	CHECK_EQ(plan.bsp_part, 0);
	for (uint32_t i = 0; i < plan.nparts; i++) {
		const struct mk_plan_part *p = &plan.part[i];
		CHECK_EQ(plan_part_ram(p), cfg.part[i].memory);
		CHECK(p->low.size == MK_DEFAULT_LOW_MEMORY && p->low.base + p->low.size <= MK_LOW_LIMIT);
		CHECK(p->trampoline && p->trampoline < MK_ONE_MIB && !(p->trampoline & 0xFFF));
		CHECK(conventional(p->low.base, p->low.size));
		CHECK(conventional(p->trampoline, MK_PAGE_SIZE));
		placed[n++] = p->low;
		placed[n++] = (struct mk_range){ p->trampoline, MK_PAGE_SIZE };
		for (uint32_t r = 0; r < p->nram; r++) {
			CHECK(conventional(p->ram[r].base, p->ram[r].size));
			CHECK(!(p->ram[r].base & 0xFFF) && !(p->ram[r].size & 0xFFF));
			placed[n++] = p->ram[r];
		}
	}
	CHECK(conventional(plan.shared.base, plan.shared.size));
	CHECK(!(plan.shared.base & ((2u << 20) - 1)) && plan.shared.base + plan.shared.size <= (1ull << 32));
	placed[n++] = plan.shared;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t j = i + 1; j < n; j++)
			CHECK(!mk_ranges_overlap(placed[i].base, placed[i].size, placed[j].base, placed[j].size));

	/* 512 MiB of which OVMF keeps some: 4 x 128 MiB cannot fit, and says so. */
	cfg.part[3].memory = 256ull << 20;
	diag_init(&d, "t.toml");
	CHECK(plan_build(&cfg, &m, &plan, &d) > 0);
	CHECK(d.count >= 1 && mk_strnlen(d.items[0].msg, 8) > 0);
	return check_done("test_plan_ovmf");
}
