/*
 * The one writer of the mkboot_info payload; the layout is defined in
 * mailbox/mkboot_info.h and read by the probe kernel (test/probe/mbi.c).
 */
#include "bootinfo.h"

static uint32_t main_ranges(const struct mk_plan_part *p)
{
	return p->nram < MK_MAX_RAM_RANGES ? p->nram : MK_MAX_RAM_RANGES;
}

uint64_t bootinfo_size(const struct bootinfo_input *in)
{
	return mkboot_info_bytes(main_ranges(in->part), in->ncpus);
}

static bool bootinfo_valid(const struct bootinfo_input *in)
{
	const char *name = in->name ? in->name : "";
	return in->cpus && in->ncpus && in->ncpus <= MK_MAX_CPUS &&
	       mk_strnlen(name, MKBOOT_NAME_MAX) < MKBOOT_NAME_MAX;
}

static void bootinfo_header(const struct bootinfo_input *in, uint32_t size, struct mkboot_info *info)
{
	const struct mk_plan_part *p = in->part;
	/* Zeroed first: the name's tail and `reserved` are part of the ABI. */
	mk_memset(info, 0, sizeof(*info));
	info->magic = MKBOOT_INFO_MAGIC;
	info->version = MKBOOT_INFO_VERSION;
	info->size = size;
	info->partition_index = in->partition_index;
	info->partition_count = in->partition_count;
	info->boot_apic_id = in->boot_apic_id;
	info->flags = in->flags;
	mk_strlcpy(info->name, in->name ? in->name : "", sizeof(info->name));
	info->shared_phys = in->shared.base;
	info->shared_size = in->shared.size;
	info->low_base = p->low.base;
	info->low_size = p->low.size;
	info->tsc_khz = in->tsc_khz;
	info->ipi_vector = in->ipi_vector;
	info->nram = main_ranges(p);
	info->ncpus = in->ncpus;
}

bool bootinfo_write(const struct bootinfo_input *in, void *dst, uint64_t cap)
{
	const struct mk_plan_part *p = in->part;
	uint64_t size = bootinfo_size(in);
	struct mkboot_info info;

	/* Valid input bounds size by mkboot_info_bytes(MK_MAX_RAM_RANGES, MK_MAX_CPUS). */
	if (!bootinfo_valid(in) || size > cap)
		return false;
	bootinfo_header(in, (uint32_t)size, &info);

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
