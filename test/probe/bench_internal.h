/*
 * What the benchmark's two files share (bench.c: the protocol driver and the
 * latency phases; bench_flow.c: the stream and bulk phases).  bench.h is the
 * interface; this is not.
 */
#ifndef PROBE_BENCH_INTERNAL_H
#define PROBE_BENCH_INTERNAL_H

#include "bench.h"

#define BENCH_WARMUP 4u        /* first rounds of each phase: caches, not measured */
#define BENCH_SPIN_CHECK 1024u /* raw spins between looks at the clock */
#define BENCH_STOP 0xFFFFFFFFu /* raw: the initiator's last value */
#define BENCH_IPI_SHARE 4u     /* ipi rounds: rounds / 4 (each halts twice) */
#define BENCH_STREAM_SHARE 4u  /* a stream message takes a quarter of the ring: four in flight */

struct bench {
	struct link *l;
	const struct bench_config *cfg;
	struct bench_result *res;
	struct mk_buf *why;
	volatile uint64_t *mine, *theirs; /* the raw phase's lines */
	uint64_t raw_base;                /* the raw phase's token, shifted */
};

static inline void relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* REP MOVSB: what mkbox_ring.c copies long chunks with, so the two numbers compare. */
static inline void copy(void *dst, const void *src, size_t n)
{
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static inline uint64_t now(const struct bench *b)
{
	return b->l->cfg.now(b->l->cfg.ctx);
}

/* A spin's look at the clock, every BENCH_SPIN_CHECK looks: past the deadline? */
static inline bool spun_out(const struct bench *b, uint32_t spins)
{
	return spins % BENCH_SPIN_CHECK == 0 && now(b) >= b->cfg->deadline;
}

/*
 * The next message from the peer, polled like the raw loop polls its line
 * (one mkbox_recv, PAUSE, the clock now and then): the mailbox status, or
 * MKBOX_TIMEOUT at the deadline.  The pointers live in locals, not reloaded
 * after each PAUSE (under TCG that alone moves the polled median).
 */
static inline int bench_recv_polled(struct bench *b, void *buf, uint32_t cap, uint32_t *len)
{
	struct mkbox *mb = b->l->mb;
	uint32_t peer = b->cfg->peer;
	int r;
	for (uint32_t spins = 1; (r = mkbox_recv(mb, peer, buf, cap, len)) == MKBOX_EMPTY; spins++) {
		relax();
		if (spun_out(b, spins))
			return MKBOX_TIMEOUT;
	}
	return r;
}

/* The peer's name, for messages. */
const char *bench_peer_name(const struct bench *b);
/* The next bench control message through the link; halt: wait halted, doorbell armed. */
bool bench_take(struct bench *b, bool halt, struct msg_hdr *m);
/* bench_take, and it must be `kind` `seq`; false with a reason in b->why otherwise. */
bool bench_expect(struct bench *b, bool halt, uint32_t kind, uint32_t seq);
/* The answer to a request (an ACK), whatever number it carries. */
bool bench_take_ack(struct bench *b, struct msg_hdr *ack);
/* Sends, retrying while the ring is full until the deadline, ringing if the peer halts. */
bool bench_put(struct bench *b, const void *msg, uint32_t len);
bool bench_put_control(struct bench *b, uint32_t kind, uint32_t seq);

/* bench_flow.c: the initiator's stream and bulk phases, the responder's bulk side. */
bool bench_stream(struct bench *b);
bool bench_bulk(struct bench *b, uint32_t tok);
bool bench_bulk_receive(struct bench *b, uint32_t chunk, uint32_t count);
/* The ACK to BULK_SUM: bench_digest of the `count` chunks that arrived. */
bool bench_put_digest(struct bench *b, uint32_t chunk, uint32_t count);

#endif
