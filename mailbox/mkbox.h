/*
 * The mailbox library: freestanding C for mkboot (which lays the region out),
 * for kernels and for user space (which open it and exchange messages).
 *
 * Trust: everything in the region is shared with peers that may be buggy or
 * hostile.  mkbox_open() validates the header once and keeps private copies of
 * the geometry, the peers' names and doorbell targets, and of its own ring
 * positions; afterwards no address, loop bound or copy length is taken from
 * shared memory without being masked or checked against those copies.
 *
 * Concurrency: one ring has one producer and one consumer.  Within a
 * partition, calls on the same (struct mkbox, peer, direction) must be
 * serialised by the caller; different peers and the two directions are
 * independent.  No function blocks except mkbox_recv_wait, and that one
 * only as long as the caller's waiter allows.
 */
#ifndef MKBOX_H
#define MKBOX_H

#include "lib.h"
#include "mkbox_abi.h"

enum mkbox_status {
	MKBOX_OK = 0,
	MKBOX_EMPTY,      /* nothing to receive */
	MKBOX_FULL,       /* not enough free slots: retry after the peer drains */
	MKBOX_TOO_BIG,    /* message longer than the ring carries / the buffer holds */
	MKBOX_BAD_PEER,   /* no such partition, or oneself */
	MKBOX_CORRUPT,    /* the peer broke the ring protocol; the ring is not trusted */
	MKBOX_TIMEOUT,    /* mkbox_recv_wait ran out of time */
	MKBOX_BAD_REGION, /* mkbox_open refused the region: see mb->why */
	MKBOX_NO_SPACE,   /* the layout does not fit in the region */
	MKBOX_BAD_ARG,    /* geometry or partition description out of range */
};

const char *mkbox_strerror(int status);
/* "running", "panicked", ... and "unknown" for values outside MKBOX_STATE_*. */
const char *mkbox_state_name(uint32_t state);

/* ---- writer side: mkboot ---- */

/* What mkboot knows about a partition when it lays the region out. */
struct mkbox_part_desc {
	const char *name;         /* 1..MKBOX_NAME_MAX-1 chars, unique */
	const uint32_t *apic_ids; /* ncpus entries; the first 64 are listed */
	uint32_t ncpus;           /* >= 1 */
	uint32_t boot_apic_id;    /* one of apic_ids: receives the doorbells */
	uint32_t vector;          /* MKBOX_VECTOR_MIN..MKBOX_VECTOR_MAX */
	uint32_t flags;           /* MKBOX_PART_F_* */
};

/* Where everything goes for one geometry (version 1's only layout). */
struct mkbox_geom {
	uint32_t nparts, slots, slot_size, ring_count;
	uint64_t part_offset, ring_offset, ring_size, used;
};

/* Checks the geometry and computes the layout: MKBOX_OK or MKBOX_BAD_ARG. */
int mkbox_geom_compute(uint32_t nparts, uint32_t slots, uint32_t slot_size,
		       struct mkbox_geom *g);
/* Bytes the region needs for this geometry: MKBOX_OK or MKBOX_BAD_ARG. */
int mkbox_layout_size(uint32_t nparts, uint32_t slots, uint32_t msg_size, uint64_t *bytes);
/*
 * The planner's check: MKBOX_OK, or MKBOX_BAD_ARG / MKBOX_NO_SPACE with one
 * line in `why` naming the config keys and the size needed.
 */
int mkbox_layout_check(uint32_t nparts, uint32_t slots, uint32_t msg_size,
		       uint64_t region_size, struct mk_buf *why);
/*
 * Zeroes [base, base+size) and lays the region out; phys is the region's
 * physical address (recorded for tools).  Every partition starts EMPTY.
 */
int mkbox_region_init(void *base, uint64_t phys, uint64_t size,
		      const struct mkbox_part_desc *parts, uint32_t nparts, uint32_t slots,
		      uint32_t msg_size);
/* mkboot's LOADED / STARTED, written before the partition runs. */
int mkbox_region_set_state(void *base, uint64_t size, uint32_t part, uint32_t state);

/* ---- reader side: kernels and user space ---- */

/* Private per-peer state: never read back from shared memory after open. */
struct mkbox_peer {
	char name[MKBOX_NAME_MAX];
	uint32_t boot_apic_id;
	uint32_t vector;
	struct mkbox_ring *tx; /* self -> peer; NULL for self */
	struct mkbox_ring *rx; /* peer -> self; NULL for self */
	uint32_t tx_head;      /* next position this side writes */
	uint32_t tx_tail;      /* consumer tail last read */
	uint32_t tx_rung;      /* doorbell value last rung */
	uint32_t rx_tail;      /* next position this side reads */
	uint32_t rx_bell;      /* doorbell value last written */
};

#define MKBOX_WHY_MAX 160

/* Fields are read-only for callers. */
struct mkbox {
	uint8_t *base;
	struct mkbox_part *parts;
	uint64_t size;     /* bytes validated: the layout's used_size */
	uint32_t self;
	uint32_t nparts;
	uint32_t slots;
	uint32_t slot_size;
	uint32_t payload;  /* bytes per slot after its header */
	uint32_t msg_max;  /* longest message: slots * payload */
	uint64_t heartbeat;
	struct mkbox_peer peer[MKBOX_MAX_PARTS];
	char why[MKBOX_WHY_MAX]; /* why mkbox_open refused the region */
};

/*
 * Validates the region mapped at [base, base+size) (magic, version, every
 * geometry field against the version-1 formula, sizes against the mapping,
 * the partition table) and takes the private copies.  Resumes the ring
 * positions this side wrote, so reopening is safe.  MKBOX_OK or
 * MKBOX_BAD_REGION with a one-line reason in mb->why.
 */
int mkbox_open(struct mkbox *mb, void *base, uint64_t size, uint32_t self_index);
/* Index of the partition called `name`, or -1. */
int mkbox_find(const struct mkbox *mb, const char *name);
/* A partition's name (the private copy), or NULL. */
const char *mkbox_part_name(const struct mkbox *mb, uint32_t part);

/*
 * Sends len bytes (0..msg_max) to peer.  MKBOX_OK, MKBOX_FULL (nothing
 * written), MKBOX_TOO_BIG, MKBOX_BAD_PEER or MKBOX_CORRUPT (the consumer's
 * tail is impossible).  Does not ring: call mkbox_notify after a batch.
 * Inline (mkbox_fast.h), as is mkbox_recv.
 */
static inline int mkbox_send(struct mkbox *mb, uint32_t peer, const void *msg, uint32_t len);
/*
 * Takes the next message from peer into buf.  MKBOX_OK with *len set,
 * MKBOX_EMPTY, MKBOX_TOO_BIG (cap too small: *len says how much is needed,
 * the message stays), MKBOX_BAD_PEER or MKBOX_CORRUPT.
 */
static inline int mkbox_recv(struct mkbox *mb, uint32_t peer, void *buf, uint32_t cap,
			     uint32_t *len);
/* The next message's length without taking it: MKBOX_OK, _EMPTY, _BAD_PEER, _CORRUPT. */
int mkbox_peek(struct mkbox *mb, uint32_t peer, uint32_t *len);
/* Drops the next message unread (e.g. one too big for any buffer). */
int mkbox_skip(struct mkbox *mb, uint32_t peer);

/*
 * Doorbells, receiver side.  mkbox_arm asks peer to ring, then re-checks the
 * ring: MKBOX_EMPTY means "nothing arrived, you may halt"; MKBOX_OK means a
 * message is already there (do not halt).  mkbox_disarm withdraws the request.
 */
int mkbox_arm(struct mkbox *mb, uint32_t peer);
void mkbox_disarm(struct mkbox *mb, uint32_t peer);

/*
 * Doorbells, sender side.  True when the receiver armed since the last ring
 * this side did: the caller must then send the IPI (at most once per
 * arming).  Call after publishing; it orders the two (see docs/abi.md).
 */
static inline bool mkbox_ring_needed(struct mkbox *mb, uint32_t peer);
/* Sends the IPI through the caller's hook (fixed delivery, physical destination). */
typedef void (*mkbox_ring_fn)(void *ctx, uint32_t apic_id, uint8_t vector);
/* mkbox_ring_needed, and ring(ctx, peer's boot APIC ID, peer's vector) if so. */
static inline bool mkbox_notify(struct mkbox *mb, uint32_t peer, mkbox_ring_fn ring,
				void *ctx);

#define MKBOX_WAIT_FOREVER UINT64_MAX
/*
 * How mkbox_recv_wait waits.  A kernel: wait = "sti; hlt; cli" when armed
 * (call with interrupts off, see docs/abi.md), now = TSC.  User space:
 * wait = sched_yield, now = clock_gettime, spin = UINT32_MAX (never arm).
 */
struct mkbox_waiter {
	/* Between polls.  armed: the doorbell is set, halting until an interrupt is safe. */
	void (*wait)(void *ctx, bool armed);
	uint64_t (*now)(void *ctx); /* monotonic; NULL: timeout counts polls */
	void *ctx;
	uint32_t spin;              /* polls before arming the doorbell */
	uint64_t timeout;           /* now() units or polls; 0: poll once */
};
/* mkbox_recv, waiting until a message, an error or the timeout (MKBOX_TIMEOUT). */
int mkbox_recv_wait(struct mkbox *mb, uint32_t peer, void *buf, uint32_t cap, uint32_t *len,
		    const struct mkbox_waiter *w);

/* ---- liveness: own state and heartbeat, peers' as they wrote them ---- */
void mkbox_set_state(struct mkbox *mb, uint32_t state);
void mkbox_heartbeat(struct mkbox *mb);
int mkbox_read_state(const struct mkbox *mb, uint32_t part, uint32_t *state);
int mkbox_read_heartbeat(const struct mkbox *mb, uint32_t part, uint64_t *beat);

#include "mkbox_fast.h"

#endif
