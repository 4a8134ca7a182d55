/*
 * The reader side's entry point: validate a mapped region once, take private
 * copies of everything later calls depend on, and the liveness words (state,
 * heartbeat) that need no ring.
 */
#include "mkbox.h"

static int refuse(struct mkbox *mb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct mkbox *mb, const char *fmt, ...)
{
	struct mk_buf b;
	va_list ap;

	mk_buf_init(&b, mb->why, sizeof(mb->why));
	mk_buf_puts(&b, "mailbox: ");
	va_start(ap, fmt);
	mk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return MKBOX_BAD_REGION;
}

/*
 * Geometry fields one at a time, so the reason names the field.  Snapshot `h`
 * is a private copy: a peer rewriting the header meanwhile changes nothing.
 */
static int check_geometry(struct mkbox *mb, const struct mkbox_header *h, uint64_t size,
			  struct mkbox_geom *g)
{
	if (h->nparts < 1 || h->nparts > MKBOX_MAX_PARTS)
		return refuse(mb, "nparts %u is not in 1..%u", h->nparts, MKBOX_MAX_PARTS);
	if (h->slots < MKBOX_SLOTS_MIN || h->slots > MKBOX_SLOTS_MAX || !mk_is_pow2(h->slots))
		return refuse(mb, "slots %u is not a power of two in %u..%u", h->slots,
			      MKBOX_SLOTS_MIN, MKBOX_SLOTS_MAX);
	if (mkbox_geom_compute(h->nparts, h->slots, h->slot_size, g) != MKBOX_OK)
		return refuse(mb, "slot_size %u is not a multiple of %u in %u..%u", h->slot_size,
			      MKBOX_LINE, MKBOX_SLOT_SIZE_MIN, MKBOX_SLOT_SIZE_MAX);
	if (h->part_size != MKBOX_PART_SIZE)
		return refuse(mb, "part_size %u, expected %u", h->part_size, MKBOX_PART_SIZE);
	if (h->part_offset != g->part_offset)
		return refuse(mb, "part_offset 0x%lx, expected 0x%lx",
			      (unsigned long)h->part_offset, (unsigned long)g->part_offset);
	if (h->ring_offset != g->ring_offset)
		return refuse(mb, "ring_offset 0x%lx, expected 0x%lx",
			      (unsigned long)h->ring_offset, (unsigned long)g->ring_offset);
	if (h->ring_size != g->ring_size)
		return refuse(mb, "ring_size %lu, expected %lu", (unsigned long)h->ring_size,
			      (unsigned long)g->ring_size);
	if (h->ring_count != g->ring_count)
		return refuse(mb, "ring_count %u, expected %u", h->ring_count, g->ring_count);
	if (h->slot_offset != MKBOX_RING_CTRL_SIZE)
		return refuse(mb, "slot_offset %u, expected %u", h->slot_offset,
			      MKBOX_RING_CTRL_SIZE);
	if (h->used_size != g->used)
		return refuse(mb, "used_size %lu, expected %lu", (unsigned long)h->used_size,
			      (unsigned long)g->used);
	if (h->region_size < g->used)
		return refuse(mb, "region_size %lu is smaller than used_size %lu",
			      (unsigned long)h->region_size, (unsigned long)g->used);
	if (size < g->used)
		return refuse(mb, "mapping of %lu bytes is smaller than used_size %lu",
			      (unsigned long)size, (unsigned long)g->used);
	return MKBOX_OK;
}

/* The partition table's mkboot-written lines, copied so later scribbles don't count. */
static int copy_part(struct mkbox *mb, const struct mkbox_part *table, uint32_t i)
{
	const struct mkbox_part *src = &table[i];
	struct mkbox_peer *p = &mb->peer[i];
	uint32_t ncpus, napic, want;

	for (uint32_t c = 0; c < MKBOX_NAME_MAX; c++)
		p->name[c] = __atomic_load_n(&src->name[c], __ATOMIC_RELAXED);
	if (mk_strnlen(p->name, MKBOX_NAME_MAX) == MKBOX_NAME_MAX)
		return refuse(mb, "partition %u name is not NUL-terminated", i);
	if (p->name[0] == 0)
		return refuse(mb, "partition %u has an empty name", i);
	p->vector = __atomic_load_n(&src->vector, __ATOMIC_RELAXED);
	if (p->vector < MKBOX_VECTOR_MIN || p->vector > MKBOX_VECTOR_MAX)
		return refuse(mb, "partition %u vector 0x%x is not in 0x%x..0x%x", i, p->vector,
			      MKBOX_VECTOR_MIN, MKBOX_VECTOR_MAX);
	ncpus = __atomic_load_n(&src->ncpus, __ATOMIC_RELAXED);
	napic = __atomic_load_n(&src->napic, __ATOMIC_RELAXED);
	want = ncpus < MKBOX_APIC_IDS_MAX ? ncpus : MKBOX_APIC_IDS_MAX;
	if (ncpus == 0 || napic != want)
		return refuse(mb, "partition %u lists %u of %u CPUs", i, napic, ncpus);
	p->boot_apic_id = __atomic_load_n(&src->boot_apic_id, __ATOMIC_RELAXED);
	return MKBOX_OK;
}

static struct mkbox_ring *ring_at(struct mkbox *mb, const struct mkbox_geom *g, uint32_t from,
				  uint32_t to)
{
	uint64_t off = g->ring_offset + (uint64_t)mkbox_ring_index(from, to, g->nparts) * g->ring_size;
	return (struct mkbox_ring *)(mb->base + off);
}

/* Rings to and from peer i, resuming the positions this side wrote before. */
static void bind_rings(struct mkbox *mb, const struct mkbox_geom *g, uint32_t i)
{
	struct mkbox_peer *p = &mb->peer[i];

	if (i == mb->self)
		return;
	p->tx = ring_at(mb, g, mb->self, i);
	p->rx = ring_at(mb, g, i, mb->self);
	p->tx_head = __atomic_load_n(&p->tx->prod.head, __ATOMIC_RELAXED);
	p->tx_tail = __atomic_load_n(&p->tx->cons.tail, __ATOMIC_ACQUIRE);
	p->rx_tail = __atomic_load_n(&p->rx->cons.tail, __ATOMIC_RELAXED);
	p->rx_bell = __atomic_load_n(&p->rx->bell.doorbell, __ATOMIC_RELAXED) &
		     ~MKBOX_DOORBELL_ARMED;
}

int mkbox_open(struct mkbox *mb, void *base, uint64_t size, uint32_t self_index)
{
	struct mkbox_header h;
	struct mkbox_geom g;
	int r;

	mk_memset(mb, 0, sizeof(*mb));
	if (!base || (uintptr_t)base % MKBOX_LINE)
		return refuse(mb, "base %p is not %u-byte aligned", base, MKBOX_LINE);
	if (size < MKBOX_HEADER_SIZE)
		return refuse(mb, "mapping of %lu bytes is smaller than the %u-byte header",
			      (unsigned long)size, MKBOX_HEADER_SIZE);
	mk_memcpy(&h, base, sizeof(h));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (h.magic != MKBOX_MAGIC)
		return refuse(mb, "bad magic 0x%lx", (unsigned long)h.magic);
	if (h.version != MKBOX_VERSION)
		return refuse(mb, "version %u, this library speaks %u", h.version, MKBOX_VERSION);
	if (h.header_size != MKBOX_HEADER_SIZE)
		return refuse(mb, "header_size %u, expected %u", h.header_size, MKBOX_HEADER_SIZE);
	r = check_geometry(mb, &h, size, &g);
	if (r != MKBOX_OK)
		return r;
	if (self_index >= g.nparts)
		return refuse(mb, "self index %u but only %u partitions", self_index, g.nparts);

	for (uint32_t i = 0; i < g.nparts; i++) {
		r = copy_part(mb, (const struct mkbox_part *)((uint8_t *)base + g.part_offset), i);
		if (r != MKBOX_OK)
			return r;
	}

	/* Only an accepted region gets a usable mkbox: a refused one has no peers at all. */
	mb->base = base;
	mb->parts = (struct mkbox_part *)(mb->base + g.part_offset);
	mb->size = g.used;
	mb->self = self_index;
	mb->nparts = g.nparts;
	mb->slots = g.slots;
	mb->slot_size = g.slot_size;
	mb->payload = g.slot_size - MKBOX_SLOT_HDR_SIZE;
	mb->msg_max = g.slots * mb->payload; /* <= 65536 * 65528 < 2^32 */
	for (uint32_t i = 0; i < g.nparts; i++)
		bind_rings(mb, &g, i);
	mb->heartbeat = __atomic_load_n(&mb->parts[self_index].heartbeat, __ATOMIC_RELAXED);
	return MKBOX_OK;
}

int mkbox_find(const struct mkbox *mb, const char *name)
{
	for (uint32_t i = 0; i < mb->nparts; i++)
		if (mk_streq(mb->peer[i].name, name))
			return (int)i;
	return -1;
}

const char *mkbox_part_name(const struct mkbox *mb, uint32_t part)
{
	return part < mb->nparts ? mb->peer[part].name : NULL;
}

/* Release: whatever this partition wrote before announcing the state is visible first. */
void mkbox_set_state(struct mkbox *mb, uint32_t state)
{
	if (!mb->parts) /* never opened, or refused */
		return;
	__atomic_store_n(&mb->parts[mb->self].state, state, __ATOMIC_RELEASE);
}

/* Counted privately: a peer overwriting our counter cannot make it run backwards for us. */
void mkbox_heartbeat(struct mkbox *mb)
{
	if (!mb->parts)
		return;
	mb->heartbeat++;
	__atomic_store_n(&mb->parts[mb->self].heartbeat, mb->heartbeat, __ATOMIC_RELEASE);
}

int mkbox_read_state(const struct mkbox *mb, uint32_t part, uint32_t *state)
{
	if (part >= mb->nparts)
		return MKBOX_BAD_PEER;
	*state = __atomic_load_n(&mb->parts[part].state, __ATOMIC_ACQUIRE);
	return MKBOX_OK;
}

int mkbox_read_heartbeat(const struct mkbox *mb, uint32_t part, uint64_t *beat)
{
	if (part >= mb->nparts)
		return MKBOX_BAD_PEER;
	*beat = __atomic_load_n(&mb->parts[part].heartbeat, __ATOMIC_ACQUIRE);
	return MKBOX_OK;
}
