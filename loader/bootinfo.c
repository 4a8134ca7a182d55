#include "bootinfo.h"

static uint32_t main_ranges(const struct mk_plan_part *p)
{
	return p->nram < MK_MAX_RAM_RANGES ? p->nram : MK_MAX_RAM_RANGES;
}

uint64_t bootinfo_size(const struct bootinfo_input *in)
{
	return mkboot_info_bytes(main_ranges(in->part), in->ncpus);
}

bool bootinfo_write(const struct bootinfo_input *in, void *dst, uint64_t cap)
{
	const struct mk_plan_part *p = in->part;
	uint64_t size = bootinfo_size(in);
	struct mkboot_info info;

	if (size > cap || size > UINT32_MAX)
		return false;
	mk_memset(&info, 0, sizeof(info));
	info.magic = MKBOOT_INFO_MAGIC;
	info.version = MKBOOT_INFO_VERSION;
	info.size = (uint32_t)size;
	info.partition_index = in->partition_index;
	info.partition_count = in->partition_count;
	info.boot_apic_id = in->boot_apic_id;
	info.flags = in->flags;
	mk_strlcpy(info.name, in->name ? in->name : "", sizeof(info.name));
	info.shared_phys = in->shared.base;
	info.shared_size = in->shared.size;
	info.low_base = p->low.base;
	info.low_size = p->low.size;
	info.tsc_khz = in->tsc_khz;
	info.ipi_vector = in->ipi_vector;
	info.nram = main_ranges(p);
	info.ncpus = in->ncpus;

	/* Byte copies: dst need not be aligned for the arrays' types. */
	uint8_t *out = dst;
	mk_memcpy(out, &info, sizeof(info));
	out += sizeof(info);
	for (uint32_t i = 0; i < info.nram; i++) {
		struct mkboot_range r = { p->ram[i].base, p->ram[i].size };
		mk_memcpy(out, &r, sizeof(r));
		out += sizeof(r);
	}
	mk_memcpy(out, in->cpus, (size_t)in->ncpus * sizeof(uint32_t));
	return true;
}
