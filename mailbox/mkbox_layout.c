/*
 * The writer side: mkboot computes the layout for the config's geometry,
 * checks it fits the planner's region and lays the region out before any
 * partition runs.  The same formula (mkbox_geom_compute) is what mkbox_open
 * holds a region's header against.
 */
#include "mkbox.h"

int mkbox_geom_compute(uint32_t nparts, uint32_t slots, uint32_t slot_size,
		       struct mkbox_geom *g)
{
	uint64_t slot_bytes, rings_bytes;

	if (nparts < 1 || nparts > MKBOX_MAX_PARTS)
		return MKBOX_BAD_ARG;
	if (slots < MKBOX_SLOTS_MIN || slots > MKBOX_SLOTS_MAX || !mk_is_pow2(slots))
		return MKBOX_BAD_ARG;
	if (slot_size < MKBOX_SLOT_SIZE_MIN || slot_size > MKBOX_SLOT_SIZE_MAX ||
	    slot_size % MKBOX_LINE)
		return MKBOX_BAD_ARG;

	g->nparts = nparts;
	g->slots = slots;
	g->slot_size = slot_size;
	g->ring_count = nparts * (nparts - 1);
	g->part_offset = MKBOX_HEADER_SIZE;
	g->ring_offset = g->part_offset + (uint64_t)nparts * MKBOX_PART_SIZE;
	/* The limits keep these far from 2^64; the checks keep it true if they grow. */
	if (!mk_mul_u64(slots, slot_size, &slot_bytes) ||
	    !mk_add_u64(slot_bytes, MKBOX_RING_CTRL_SIZE, &g->ring_size) ||
	    !mk_mul_u64(g->ring_size, g->ring_count, &rings_bytes) ||
	    !mk_add_u64(g->ring_offset, rings_bytes, &g->used))
		return MKBOX_BAD_ARG;
	return MKBOX_OK;
}

int mkbox_layout_size(uint32_t nparts, uint32_t slots, uint32_t msg_size, uint64_t *bytes)
{
	struct mkbox_geom g;
	int r = mkbox_geom_compute(nparts, slots, msg_size, &g);

	if (r == MKBOX_OK)
		*bytes = g.used;
	return r;
}

int mkbox_layout_check(uint32_t nparts, uint32_t slots, uint32_t msg_size,
		       uint64_t region_size, struct mk_buf *why)
{
	struct mkbox_geom g;

	if (nparts < 1 || nparts > MKBOX_MAX_PARTS) {
		mk_buf_printf(why, "%u partitions: the mailbox region holds 1..%u", nparts,
			      MKBOX_MAX_PARTS);
		return MKBOX_BAD_ARG;
	}
	if (slots < MKBOX_SLOTS_MIN || slots > MKBOX_SLOTS_MAX || !mk_is_pow2(slots)) {
		mk_buf_printf(why, "mailbox_slots %u is not a power of two in %u..%u", slots,
			      MKBOX_SLOTS_MIN, MKBOX_SLOTS_MAX);
		return MKBOX_BAD_ARG;
	}
	if (mkbox_geom_compute(nparts, slots, msg_size, &g) != MKBOX_OK) {
		mk_buf_printf(why, "mailbox_message_size %u is not a multiple of %u in %u..%u",
			      msg_size, MKBOX_LINE, MKBOX_SLOT_SIZE_MIN, MKBOX_SLOT_SIZE_MAX);
		return MKBOX_BAD_ARG;
	}
	if (g.used > region_size) {
		mk_buf_puts(why, "shared_memory ");
		mk_buf_put_size(why, region_size);
		mk_buf_printf(why, " is too small: %u partitions with mailbox_slots %u and "
			      "mailbox_message_size %u need %lu bytes (%u rings of %lu bytes)",
			      nparts, slots, msg_size, (unsigned long)g.used, g.ring_count,
			      (unsigned long)g.ring_size);
		return MKBOX_NO_SPACE;
	}
	return MKBOX_OK;
}

/* mkboot's inputs come from a checked config; these catch its own bugs. */
static bool desc_valid(const struct mkbox_part_desc *parts, uint32_t i)
{
	const struct mkbox_part_desc *d = &parts[i];
	size_t len;
	bool boot_listed = false;

	if (!d->name || !d->apic_ids || d->ncpus == 0)
		return false;
	len = mk_strnlen(d->name, MKBOX_NAME_MAX);
	if (len == 0 || len == MKBOX_NAME_MAX)
		return false;
	if (d->vector < MKBOX_VECTOR_MIN || d->vector > MKBOX_VECTOR_MAX)
		return false;
	for (uint32_t c = 0; c < d->ncpus; c++)
		boot_listed |= d->apic_ids[c] == d->boot_apic_id;
	if (!boot_listed)
		return false;
	for (uint32_t j = 0; j < i; j++)
		if (mk_streq(parts[j].name, d->name))
			return false;
	return true;
}

static void part_fill(struct mkbox_part *p, const struct mkbox_part_desc *d)
{
	mk_strlcpy(p->name, d->name, sizeof(p->name));
	p->ncpus = d->ncpus;
	p->boot_apic_id = d->boot_apic_id;
	p->vector = d->vector;
	p->flags = d->flags;
	p->napic = d->ncpus < MKBOX_APIC_IDS_MAX ? d->ncpus : MKBOX_APIC_IDS_MAX;
	for (uint32_t c = 0; c < p->napic; c++)
		p->apic_ids[c] = d->apic_ids[c];
	p->state = MKBOX_STATE_EMPTY;
}

int mkbox_region_init(void *base, uint64_t phys, uint64_t size,
		      const struct mkbox_part_desc *parts, uint32_t nparts, uint32_t slots,
		      uint32_t msg_size)
{
	struct mkbox_header *h = base;
	struct mkbox_part *table;
	struct mkbox_geom g;
	uint64_t end;
	int r;

	if (!base || !parts || (uintptr_t)base % MKBOX_LINE || phys % MKBOX_LINE ||
	    !mk_add_u64(phys, size, &end))
		return MKBOX_BAD_ARG;
	r = mkbox_geom_compute(nparts, slots, msg_size, &g);
	if (r != MKBOX_OK)
		return r;
	if (g.used > size)
		return MKBOX_NO_SPACE;
	for (uint32_t i = 0; i < nparts; i++)
		if (!desc_valid(parts, i))
			return MKBOX_BAD_ARG;

	/* Zeroed rings are empty rings: every seq 0, every index 0, no doorbell. */
	mk_memset(base, 0, size);
	table = (struct mkbox_part *)((uint8_t *)base + g.part_offset);
	for (uint32_t i = 0; i < nparts; i++)
		part_fill(&table[i], &parts[i]);

	h->version = MKBOX_VERSION;
	h->header_size = MKBOX_HEADER_SIZE;
	h->region_size = size;
	h->used_size = g.used;
	h->region_phys = phys;
	h->nparts = nparts;
	h->slots = slots;
	h->slot_size = msg_size;
	h->part_size = MKBOX_PART_SIZE;
	h->part_offset = g.part_offset;
	h->ring_offset = g.ring_offset;
	h->ring_size = g.ring_size;
	h->ring_count = g.ring_count;
	h->slot_offset = MKBOX_RING_CTRL_SIZE;
	/* Magic last: a reader that looks early sees no region rather than half of one. */
	__atomic_store_n(&h->magic, MKBOX_MAGIC, __ATOMIC_RELEASE);
	return MKBOX_OK;
}

int mkbox_region_set_state(void *base, uint64_t size, uint32_t part, uint32_t state)
{
	struct mkbox_header *h = base;
	struct mkbox_part *p;
	struct mkbox_geom g;

	/* mkboot's own region, but still checked: a stray index must not write past it. */
	if (!base || size < MKBOX_HEADER_SIZE || h->magic != MKBOX_MAGIC)
		return MKBOX_BAD_ARG;
	if (mkbox_geom_compute(h->nparts, h->slots, h->slot_size, &g) != MKBOX_OK ||
	    g.used > size || part >= g.nparts)
		return MKBOX_BAD_ARG;
	p = (struct mkbox_part *)((uint8_t *)base + g.part_offset) + part;
	__atomic_store_n(&p->state, state, __ATOMIC_RELEASE);
	return MKBOX_OK;
}

/* Switches rather than pointer tables: no relocations for the UEFI image to fix up. */
const char *mkbox_strerror(int status)
{
	switch (status) {
	case MKBOX_OK: return "ok";
	case MKBOX_EMPTY: return "no message";
	case MKBOX_FULL: return "ring full";
	case MKBOX_TOO_BIG: return "message too big";
	case MKBOX_BAD_PEER: return "no such peer";
	case MKBOX_CORRUPT: return "ring corrupted by peer";
	case MKBOX_TIMEOUT: return "timed out";
	case MKBOX_BAD_REGION: return "invalid mailbox region";
	case MKBOX_NO_SPACE: return "mailbox region too small";
	case MKBOX_BAD_ARG: return "invalid argument";
	}
	return "unknown status";
}

const char *mkbox_state_name(uint32_t state)
{
	switch (state) {
	case MKBOX_STATE_EMPTY: return "empty";
	case MKBOX_STATE_LOADED: return "loaded";
	case MKBOX_STATE_STARTED: return "started";
	case MKBOX_STATE_RUNNING: return "running";
	case MKBOX_STATE_DONE: return "done";
	case MKBOX_STATE_FAILED: return "failed";
	case MKBOX_STATE_PANICKED: return "panicked";
	}
	return "unknown";
}
