#include "coord.h"

static struct mkbox_part *part_at(const struct coord *c, uint32_t index)
{
	return (struct mkbox_part *)((uint8_t *)c->parts + (uint64_t)index * c->part_size);
}

static bool check_header(const struct mkbox_header *h, const struct mkboot_info *info,
			 struct mk_buf *why)
{
	uint64_t table_bytes, table_end;
	if (h->magic != MKBOX_MAGIC || h->version != MKBOX_VERSION ||
	    h->header_size < sizeof(*h)) {
		mk_buf_printf(why, "shared region: magic 0x%llx version %u header_size %u",
			      (unsigned long long)h->magic, h->version, h->header_size);
		return false;
	}
	if (h->region_phys != info->shared_phys || h->region_size > info->shared_size) {
		mk_buf_printf(why, "shared region: header says 0x%llx+0x%llx, mkboot tag 0x%llx+0x%llx",
			      (unsigned long long)h->region_phys, (unsigned long long)h->region_size,
			      (unsigned long long)info->shared_phys, (unsigned long long)info->shared_size);
		return false;
	}
	if (!h->nparts || h->nparts > MKBOX_MAX_PARTS || h->nparts != info->partition_count) {
		mk_buf_printf(why, "shared region: %u partitions, mkboot tag says %u", h->nparts,
			      info->partition_count);
		return false;
	}
	if (h->part_size < sizeof(struct mkbox_part) || h->part_offset % MKBOX_LINE ||
	    !mk_mul_u64(h->nparts, h->part_size, &table_bytes) ||
	    !mk_add_u64(h->part_offset, table_bytes, &table_end) || table_end > h->region_size) {
		mk_buf_printf(why, "shared region: partition table at 0x%llx, %u entries of %u bytes, does not fit 0x%llx",
			      (unsigned long long)h->part_offset, h->nparts, h->part_size,
			      (unsigned long long)h->region_size);
		return false;
	}
	return true;
}

static bool check_self(const struct mkbox_part *p, const struct mkboot_info *info, struct mk_buf *why)
{
	if (mk_strnlen(p->name, MKBOX_NAME_MAX) == MKBOX_NAME_MAX ||
	    mk_memcmp(p->name, info->name, mk_strnlen(info->name, MKBOOT_NAME_MAX) + 1)) {
		mk_buf_printf(why, "shared region: entry %u is named '%.32s', mkboot tag says '%.32s'",
			      info->partition_index, p->name, info->name);
		return false;
	}
	if (p->boot_apic_id != info->boot_apic_id || p->flags != info->flags ||
	    p->ncpus != info->ncpus) {
		mk_buf_printf(why, "shared region: entry %u has boot CPU %u flags 0x%x ncpus %u, mkboot tag %u 0x%x %u",
			      info->partition_index, p->boot_apic_id, p->flags, p->ncpus,
			      info->boot_apic_id, info->flags, info->ncpus);
		return false;
	}
	uint32_t listed = info->ncpus < MKBOX_APIC_IDS_MAX ? info->ncpus : MKBOX_APIC_IDS_MAX;
	const uint32_t *cpus = mkboot_info_cpus(info);
	if (p->napic != listed) {
		mk_buf_printf(why, "shared region: entry %u lists %u CPUs, expected %u",
			      info->partition_index, p->napic, listed);
		return false;
	}
	for (uint32_t i = 0; i < listed; i++)
		if (p->apic_ids[i] != cpus[i]) {
			mk_buf_printf(why, "shared region: entry %u CPU %u is APIC ID %u, mkboot tag says %u",
				      info->partition_index, i, p->apic_ids[i], cpus[i]);
			return false;
		}
	return true;
}

bool coord_open(struct coord *c, const struct mkboot_info *info, void *region, struct mk_buf *why)
{
	struct mkbox_header h;
	if (info->shared_size < sizeof(h)) {
		mk_buf_printf(why, "shared region of %llu bytes cannot hold its header",
			      (unsigned long long)info->shared_size);
		return false;
	}
	mk_memcpy(&h, region, sizeof(h)); /* one snapshot: the region is writable by everyone */
	if (!check_header(&h, info, why))
		return false;
	c->region = region;
	c->parts = (struct mkbox_part *)((uint8_t *)region + h.part_offset);
	c->part_size = h.part_size;
	c->nparts = h.nparts;
	c->self = info->partition_index;
	return check_self(part_at(c, c->self), info, why);
}

void coord_set_state(const struct coord *c, uint32_t state)
{
	__atomic_store_n(&part_at(c, c->self)->state, state, __ATOMIC_RELEASE);
}

uint32_t coord_peer_state(const struct coord *c, uint32_t index)
{
	if (index >= c->nparts)
		return MKBOX_STATE_EMPTY;
	return __atomic_load_n(&part_at(c, index)->state, __ATOMIC_ACQUIRE);
}

uint32_t coord_count_at_least(const struct coord *c, uint32_t state)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < c->nparts; i++) {
		uint32_t s = coord_peer_state(c, i);
		if (s >= state && s <= MKBOX_STATE_PANICKED)
			n++;
	}
	return n;
}

void coord_heartbeat(const struct coord *c)
{
	uint64_t *hb = &part_at(c, c->self)->heartbeat;
	__atomic_store_n(hb, __atomic_load_n(hb, __ATOMIC_RELAXED) + 1, __ATOMIC_RELEASE);
}

void coord_peer_name(const struct coord *c, uint32_t index, char *buf, uint32_t cap)
{
	uint32_t n = 0;
	if (!cap)
		return;
	if (index < c->nparts) {
		const volatile char *name = part_at(c, index)->name;
		for (; n + 1 < cap && n < MKBOX_NAME_MAX && name[n]; n++)
			buf[n] = name[n] >= 0x20 && name[n] < 0x7F ? name[n] : '?';
	}
	buf[n] = 0;
}

const char *coord_state_name(uint32_t state)
{
	switch (state) {
	case MKBOX_STATE_EMPTY: return "EMPTY";
	case MKBOX_STATE_LOADED: return "LOADED";
	case MKBOX_STATE_STARTED: return "STARTED";
	case MKBOX_STATE_RUNNING: return "RUNNING";
	case MKBOX_STATE_DONE: return "DONE";
	case MKBOX_STATE_FAILED: return "FAILED";
	case MKBOX_STATE_PANICKED: return "PANICKED";
	default: return "unknown";
	}
}
