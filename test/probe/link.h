/*
 * The probe's conversations through the mailbox (mailbox/mkbox.h): who is a
 * probe, the checksummed streams between probes, pings answered for anyone,
 * and the waits that serve all of it while halting between doorbells.
 * Pure C over the mailbox library and two hooks (time, halt), so the host
 * tests run several of these against one region on threads.
 *
 * Who is a probe: every probe's first message to every peer is "probe-hello"
 * (link_pump sends it), and it writes RUNNING only later.  A peer is a probe
 * once its hello arrived; it is not one when its state is RUNNING or later
 * (read before its ring) with no hello in the ring, or when no hello came by
 * hello_deadline.  Streams go only to probes; pings are answered for anyone.
 */
#ifndef PROBE_LINK_H
#define PROBE_LINK_H

#include "mkbox.h"
#include "msg.h"

#define LINK_WHY_MAX 160u

enum link_role { LINK_UNKNOWN, LINK_PROBE, LINK_OTHER };

struct link_peer {
	uint32_t role;       /* enum link_role */
	uint32_t state;      /* its state word, as link_refresh last read it */
	bool hello_sent;
	bool broken;         /* its ring to us broke the protocol: never read again */
	bool late_hello;     /* said hello after the deadline had made it LINK_OTHER */
	/* our stream to it */
	uint32_t tx_seq;     /* stream messages sent */
	bool tx_end;         /* MSG_STREAM_END sent */
	/* its stream to us */
	uint32_t rx_seq;     /* stream messages received */
	bool rx_end;
	/* its pings */
	uint32_t pings;      /* answered */
	bool pong_pending;   /* not sent yet (ring full): its ring is not read meanwhile */
	uint32_t pong_len;
	uint8_t pong[MSG_TEXT_MAX];
	/* our pings (link_ping_start) */
	uint32_t ping_count, ping_next, pong_next;
	uint32_t unknown;    /* messages not understood, ignored */
	uint32_t rings;      /* doorbells rung to it */
	char error[LINK_WHY_MAX]; /* the first thing that went wrong, "" if nothing */
};

/* What the caller provides. */
struct link_config {
	uint32_t stream_count;    /* stream messages for each probe peer */
	bool corrupt;             /* self-test: spoil message 1 to every probe peer */
	int32_t bench_peer;       /* bench.c's partner, whose bench messages wait for it; -1 */
	uint8_t *rx, *tx;         /* 8-byte aligned buffers of buf_size bytes each */
	uint32_t buf_size;        /* >= MSG_TEXT_MAX; also caps stream lengths */
	mkbox_ring_fn ring;       /* sends the doorbell IPI */
	void *ring_ctx;
	/* Monotonic time (TSC cycles in the probe) and a halt until an interrupt
	   or about `until`; it may return early.  ctx is theirs. */
	uint64_t (*now)(void *ctx);
	void (*idle)(void *ctx, uint64_t until);
	void *ctx;
	uint64_t slice;           /* longest halt before states are read again (now units) */
	uint64_t hello_deadline;  /* a peer that has not said hello by then is no probe */
};

struct link {
	struct mkbox *mb;
	struct link_config cfg;
	uint32_t stream_cap;       /* longest stream message: min(msg_max, buf_size) */
	bool tx_blocked;           /* the last pump or poll found a ring to a peer full */
	bool parked;               /* a bench message from bench_peer waits in `park` */
	struct msg_hdr park;
	struct link_peer peer[MKBOX_MAX_PARTS];
};

void link_init(struct link *l, struct mkbox *mb, const struct link_config *cfg);

/* Takes what every readable peer sent (answers pings, checks streams); returns how many. */
uint32_t link_poll(struct link *l);
/* Sends what is due (hellos, streams, pings) while rings have room, rings once per peer. */
uint32_t link_pump(struct link *l);

/*
 * One step of every wait, never halting: read the peers' states, poll,
 * settle roles (README.md: who is a probe), pump.  Returns messages moved.
 */
uint32_t link_step(struct link *l);

/* Conditions for link_wait. */
typedef bool (*link_cond)(const struct link *l);
bool link_all_settled(const struct link *l);  /* every peer's role is known */
bool link_probes_running(const struct link *l); /* ...and every probe is RUNNING or later */
bool link_exchanged(const struct link *l);    /* ...and every stream is done or cut off */
bool link_probes_stopped(const struct link *l); /* ...and every probe is DONE or worse */
/* Serves the mailbox until cond holds (true) or the deadline passes (false). */
bool link_wait(struct link *l, link_cond cond, uint64_t deadline);

/* Starts "ping <i> from <self>" i = 0..count-1 to peer, one at a time. */
void link_ping_start(struct link *l, uint32_t peer, uint32_t count);
bool link_pinged(const struct link *l); /* every ping answered, or the exchange broke */

/*
 * How it went with peer, and a description in b: "ok"; CUT when a probe
 * stopped (FAILED, PANICKED) before its stream ended, which is its failure,
 * not ours; FAILED with what went wrong first (a message that failed its
 * check, a broken ring, a stream not finished).  Non-probes owe nothing: OK,
 * with their error, if any, described.
 */
enum link_outcome { LINK_OK, LINK_CUT, LINK_FAILED };
enum link_outcome link_status(const struct link *l, uint32_t peer, struct mk_buf *b);
bool link_state_stopped(uint32_t state); /* FAILED or PANICKED */

/* Arms every readable peer's doorbell; true when something already waits (do not halt). */
bool link_arm(struct link *l);
void link_disarm(struct link *l);

/*
 * bench.c: the next message from the bench peer: a parked one first, else
 * through mkbox_recv_wait with the waiter given, or one mkbox_recv when w is
 * NULL (MKBOX_EMPTY: nothing yet); messages that are not bench messages go to
 * the normal handling meanwhile.  MKBOX_OK with *h pointing into the rx
 * buffer (len bytes), or the mailbox's status.
 */
int link_take(struct link *l, const struct mkbox_waiter *w, const struct msg_hdr **h,
	      uint32_t *len);
/* Rings peer q if it armed its doorbell since our last ring, and counts it. */
static inline void link_ring(struct link *l, uint32_t q)
{
	if (mkbox_notify(l->mb, q, l->cfg.ring, l->cfg.ring_ctx))
		l->peer[q].rings++;
}

/* Sends and rings (bench.c).  Inline: bench.c times it in its polled rounds. */
static inline int link_send_now(struct link *l, uint32_t peer, const void *msg, uint32_t len)
{
	int r = mkbox_send(l->mb, peer, msg, len);
	if (r == MKBOX_OK)
		link_ring(l, peer);
	return r;
}

#endif
