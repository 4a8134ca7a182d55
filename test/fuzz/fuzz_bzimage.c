/*
 * Fuzzes bz_load with arbitrary bytes as the kernel image against one fixed
 * partition (RAM below and above 4 GiB, a low slice, a shared region).  It
 * must never crash; when it accepts an image, everything it placed and every
 * e820 entry must lie inside the partition, and nothing may overlap.
 */
#include <stddef.h>
#include <stdint.h>

#include "bootparams.h"
#include "bzimage.h"

#define RAM_SIZE (4u << 20)
#define LOW_BASE 0x90000u
#define LOW_SIZE 0xF000u
#define SHARED_BASE 0x40000000ull
#define SHARED_SIZE 0x200000ull

static uint8_t ram_low4g[RAM_SIZE], ram_high[RAM_SIZE], low[LOW_SIZE];
static const uint8_t initrd[0x1800] = { 0x1F, 0x8B };
static struct mk_phys pm;
static struct mk_diags d;

#define REQUIRE(c)                     \
	do {                           \
		if (!(c))              \
			__builtin_trap(); \
	} while (0)

static bool inside(uint64_t base, uint64_t size, struct mk_range r)
{
	return base >= r.base && size <= r.size && base - r.base <= r.size - size;
}

static bool in_partition(const struct mk_plan_part *p, uint64_t base, uint64_t size)
{
	for (uint32_t i = 0; i < p->nram; i++)
		if (inside(base, size, p->ram[i]))
			return true;
	return false;
}

static void check_e820(const struct mk_plan_part *p, const struct boot_params *bp)
{
	struct mk_range shared = { SHARED_BASE, SHARED_SIZE };
	REQUIRE(bp->e820_entries > 0 && bp->e820_entries <= E820_MAX_ENTRIES_ZEROPAGE);
	for (uint32_t i = 0; i < bp->e820_entries; i++) {
		const struct boot_e820_entry *e = &bp->e820_table[i];
		REQUIRE(e->size > 0);
		if (e->type == E820_TYPE_RAM)
			REQUIRE(in_partition(p, e->addr, e->size) || inside(e->addr, e->size, p->low));
		else
			REQUIRE(e->type == E820_TYPE_RESERVED && inside(e->addr, e->size, shared));
		if (i > 0) /* sorted, no overlap */
			REQUIRE(bp->e820_table[i - 1].addr + bp->e820_table[i - 1].size <= e->addr);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mk_plan_part part = { .nram = 2, .low = { LOW_BASE, LOW_SIZE } };
	part.ram[0] = (struct mk_range){ 0x1000000, RAM_SIZE };
	part.ram[1] = (struct mk_range){ 0x100000000ull, RAM_SIZE };
	if (!pm.n) {
		phys_add(&pm, ram_low4g, part.ram[0].base, RAM_SIZE);
		phys_add(&pm, ram_high, part.ram[1].base, RAM_SIZE);
		phys_add(&pm, low, LOW_BASE, LOW_SIZE);
	}
	uint8_t info[sizeof(struct mkboot_info) + 16] = { 0 };
	struct bz_input in = {
		.image = data, .image_len = size, .cmdline = "console=ttyS0 no_ipi_broadcast=1",
		.part = &part, .shared = { SHARED_BASE, SHARED_SIZE }, .rsdp_phys = 0x9E000,
		.info = (const struct mkboot_info *)info, .info_len = sizeof(info),
		/* The last input byte decides whether there is an initrd. */
		.initrd = initrd, .initrd_len = size && (data[size - 1] & 1) ? sizeof(initrd) : 0,
	};
	struct bz_loaded out;

	diag_init(&d, "fuzz");
	uint32_t errors = bz_load(&in, &pm, &out, &d);
	REQUIRE(errors == diag_total(&d));
	if (errors) {
		REQUIRE(out.load_addr == 0);
		return 0;
	}
	REQUIRE(bz_probe(data, size));
	REQUIRE(in_partition(&part, out.load_addr, out.init_size));
	REQUIRE(out.entry64 == out.load_addr + BP_ENTRY64_OFFSET);
	const struct mk_range obj[] = {
		{ out.load_addr, out.init_size },  { out.boot_params, BP_SIZE },
		{ out.cmdline, out.cmdline_size }, { out.initrd, out.initrd_size },
		{ out.setup_data, out.setup_data ? sizeof(struct setup_data) + sizeof(info) : 0 },
	};
	for (uint32_t i = 0; i < 5; i++) {
		REQUIRE(!obj[i].size || in_partition(&part, obj[i].base, obj[i].size));
		for (uint32_t j = i + 1; j < 5; j++)
			REQUIRE(!mk_ranges_overlap(obj[i].base, obj[i].size, obj[j].base, obj[j].size));
	}
	const struct boot_params *bp = phys_ptr(&pm, out.boot_params, BP_SIZE);
	REQUIRE(bp && bp->sentinel == 0 && bp->hdr.type_of_loader == BP_LOADER_TYPE_UNDEFINED);
	REQUIRE(bp->efi_info.efi_loader_signature == 0 && bp->efi_info.efi_memmap == 0);
	check_e820(&part, bp);
	return 0;
}
