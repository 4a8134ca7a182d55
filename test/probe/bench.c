/*
 * The mailbox benchmark (bench.h): the protocol driver and the latency
 * phases (the throughput phases are in bench_flow.c).  The initiator drives
 * every phase with control messages (msg.h MSG_BENCH_*) and the responder
 * answers each; a phase ends after cfg.rounds rounds or cfg.phase_cycles,
 * whichever first, and every wait ends at cfg.deadline.
 *
 * The latency loops are written alike: the raw loop stores a word and spins
 * on a load, the polled loop calls mkbox_send (and the doorbell check) and
 * spins on mkbox_recv, both with PAUSE between looks and the clock read every
 * BENCH_SPIN_CHECK looks.  So the two differ by the mailbox's own work only.
 */
#include "bench_internal.h"

const char *bench_peer_name(const struct bench *b)
{
	return mkbox_part_name(b->l->mb, b->cfg->peer);
}

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case MSG_BENCH_BEGIN: return "BEGIN";
	case MSG_BENCH_RAW: return "RAW";
	case MSG_BENCH_ECHO: return "ECHO";
	case MSG_BENCH_ECHO_IPI: return "ECHO_IPI";
	case MSG_BENCH_DATA: return "DATA";
	case MSG_BENCH_DATA_END: return "DATA_END";
	case MSG_BENCH_BULK: return "BULK";
	case MSG_BENCH_BULK_GO: return "BULK_GO";
	case MSG_BENCH_BULK_SUM: return "BULK_SUM";
	case MSG_BENCH_END: return "END";
	case MSG_BENCH_ACK: return "ACK";
	default: return "?";
	}
}

void bench_stats(uint64_t *v, uint32_t n, struct bench_stat *s)
{
	/* Shell sort (gaps 3k+1): a few thousand samples, no recursion, no allocation. */
	uint32_t gap = 1;
	while (gap < n / 3)
		gap = gap * 3 + 1;
	for (; gap; gap /= 3)
		for (uint32_t i = gap; i < n; i++) {
			uint64_t x = v[i];
			uint32_t j = i;
			for (; j >= gap && v[j - gap] > x; j -= gap)
				v[j] = v[j - gap];
			v[j] = x;
		}
	s->n = n;
	s->min = n ? v[0] : 0;
	s->median = n ? v[n / 2] : 0;
	s->p90 = n ? v[(uint64_t)n * 9 / 10] : 0;
}

uint64_t bench_mbps(uint64_t bytes, uint64_t cycles, uint64_t khz)
{
	uint64_t scaled;
	/* bytes / (cycles / (khz * 1000)) / 10^6 = bytes * khz / cycles / 1000 */
	if (!cycles || !khz || !mk_mul_u64(bytes, khz, &scaled))
		return 0;
	return scaled / cycles / 1000;
}

uint64_t bench_digest(const uint8_t *p, uint64_t len)
{
	uint64_t h = 0xCBF29CE484222325ull, w;
	/* FNV-1a's step over 8-byte words: every word and its place count, and it is cheap. */
	for (; len >= 8; len -= 8, p += 8) {
		__builtin_memcpy(&w, p, 8);
		h = (h ^ w) * 0x100000001B3ull;
	}
	while (len--)
		h = (h ^ *p++) * 0x100000001B3ull;
	return h;
}

static void wait_hook(void *ctx, bool armed)
{
	struct bench *b = ctx;
	uint64_t t, until;
	if (!armed) {
		relax();
		return;
	}
	t = now(b);
	until = b->cfg->deadline - t > b->l->cfg.slice ? t + b->l->cfg.slice : b->cfg->deadline;
	b->l->cfg.idle(b->l->cfg.ctx, until);
}

static uint64_t now_hook(void *ctx)
{
	return now(ctx);
}

/*
 * The next bench control message, through the link (which also serves
 * whatever else the peer sends).  halt: mkbox_recv_wait arms the doorbell at
 * once and halts between looks.
 */
bool bench_take(struct bench *b, bool halt, struct msg_hdr *m)
{
	const struct msg_hdr *h;
	uint64_t t = now(b);
	struct mkbox_waiter w;
	uint32_t len;
	int r;
	w.wait = wait_hook;
	w.now = now_hook;
	w.ctx = b;
	w.spin = 0; /* arm at once, so the wait halts */
	w.timeout = t < b->cfg->deadline ? b->cfg->deadline - t : 0;
	if (halt) {
		r = link_take(b->l, &w, &h, &len);
	} else {
		for (uint32_t spins = 1; (r = link_take(b->l, NULL, &h, &len)) == MKBOX_EMPTY; spins++) {
			relax();
			if (spun_out(b, spins)) {
				r = MKBOX_TIMEOUT;
				break;
			}
		}
	}
	if (r != MKBOX_OK) {
		mk_buf_printf(b->why, "waiting for %s: %s", bench_peer_name(b), mkbox_strerror(r));
		return false;
	}
	*m = *h;
	return true;
}

bool bench_expect(struct bench *b, bool halt, uint32_t kind, uint32_t seq)
{
	struct msg_hdr m;
	if (!bench_take(b, halt, &m))
		return false;
	if (m.kind == kind && m.seq == seq)
		return true;
	mk_buf_printf(b->why, "expected %s %u from %s, got %s %u", kind_name(kind), seq, bench_peer_name(b),
		      kind_name(m.kind), m.seq);
	return false;
}

/* The answer to a request, whatever number it carries. */
bool bench_take_ack(struct bench *b, struct msg_hdr *ack)
{
	if (!bench_take(b, false, ack))
		return false;
	if (ack->kind == MSG_BENCH_ACK)
		return true;
	mk_buf_printf(b->why, "expected ACK from %s, got %s %u", bench_peer_name(b), kind_name(ack->kind),
		      ack->seq);
	return false;
}

/* Sends, retrying while the ring is full, and rings if the peer is halted. */
bool bench_put(struct bench *b, const void *msg, uint32_t len)
{
	for (;;) {
		int r = link_send_now(b->l, b->cfg->peer, msg, len);
		if (r == MKBOX_OK)
			return true;
		if (r != MKBOX_FULL || now(b) >= b->cfg->deadline) {
			mk_buf_printf(b->why, "sending to %s: %s", bench_peer_name(b), mkbox_strerror(r));
			return false;
		}
		relax();
	}
}

bool bench_put_control(struct bench *b, uint32_t kind, uint32_t seq)
{
	struct msg_hdr h;
	msg_control(&h, kind, seq);
	return bench_put(b, &h, sizeof(h));
}

/* Spins (load, compare, PAUSE) until *w holds want or stop; *seen is which. */
static bool spin_for(struct bench *b, volatile uint64_t *w, uint64_t want, uint64_t stop,
		     uint64_t *seen)
{
	uint64_t v;
	for (uint32_t spins = 1; (v = __atomic_load_n(w, __ATOMIC_ACQUIRE)) != want && v != stop;
	     spins++) {
		relax();
		if (spun_out(b, spins)) {
			mk_buf_printf(b->why, "raw ping-pong: %s stopped answering", bench_peer_name(b));
			return false;
		}
	}
	*seen = v;
	return true;
}

/*
 * The raw lines: the payload word of our ring's next free slot (we are its
 * only writer until we send again) and of the peer's (its, likewise).  Both
 * sides compute the same two positions once the RAW request and its ACK
 * have been taken.
 */
static void raw_lines(struct bench *b)
{
	const struct mkbox *mb = b->l->mb;
	const struct mkbox_peer *p = &mb->peer[b->cfg->peer];
	uint64_t tx = (uint64_t)(p->tx_head & (mb->slots - 1)) * mb->slot_size;
	uint64_t rx = (uint64_t)(p->rx_tail & (mb->slots - 1)) * mb->slot_size;
	b->mine = (volatile uint64_t *)((uint8_t *)p->tx + MKBOX_RING_CTRL_SIZE + tx + MKBOX_SLOT_HDR_SIZE);
	b->theirs = (volatile uint64_t *)((uint8_t *)p->rx + MKBOX_RING_CTRL_SIZE + rx + MKBOX_SLOT_HDR_SIZE);
}

/*
 * Times one(b, i) for i = 1.. after BENCH_WARMUP rounds, until `rounds` or
 * the phase's time is up.  Always inlined, so one() is a direct call and the
 * phases' loops are the same code around different rounds.
 */
static inline __attribute__((always_inline)) bool
timed_rounds(struct bench *b, uint32_t rounds, bool (*one)(struct bench *, uint32_t),
	     struct bench_stat *st)
{
	uint64_t end = now(b) + b->cfg->phase_cycles, *s = b->cfg->samples;
	uint32_t n = 0;
	for (uint32_t i = 1; i <= rounds + BENCH_WARMUP; i++) {
		uint64_t t0 = now(b), t1;
		if (!one(b, i))
			return false;
		t1 = now(b);
		if (i > BENCH_WARMUP)
			s[n++] = t1 - t0;
		if (t1 >= end)
			break;
	}
	bench_stats(s, n, st);
	return true;
}

static bool raw_round(struct bench *b, uint32_t i)
{
	uint64_t seen;
	__atomic_store_n(b->mine, b->raw_base | i, __ATOMIC_RELEASE);
	return spin_for(b, b->theirs, b->raw_base | i, b->raw_base | i, &seen);
}

static bool raw_initiator(struct bench *b, uint32_t tok)
{
	uint64_t seen;
	if (!bench_put_control(b, MSG_BENCH_RAW, tok) || !bench_expect(b, false, MSG_BENCH_ACK, tok))
		return false;
	raw_lines(b);
	b->raw_base = (uint64_t)tok << 32;
	if (!timed_rounds(b, b->cfg->rounds, raw_round, &b->res->raw))
		return false;
	/* The peer must see STOP before our next message reuses the line. */
	__atomic_store_n(b->mine, b->raw_base | BENCH_STOP, __ATOMIC_RELEASE);
	return spin_for(b, b->theirs, b->raw_base | BENCH_STOP, b->raw_base | BENCH_STOP, &seen);
}

/* Echoes 1, 2, 3, ... as each arrives, and the stop value last. */
static bool raw_responder(struct bench *b, uint32_t tok)
{
	uint64_t base = (uint64_t)tok << 32, seen;
	raw_lines(b);
	for (uint32_t i = 1;; i++) {
		if (!spin_for(b, b->theirs, base | i, base | BENCH_STOP, &seen))
			return false;
		__atomic_store_n(b->mine, seen, __ATOMIC_RELEASE);
		if (seen == (base | BENCH_STOP))
			return true;
	}
}

/* One echo, sent as any kernel sends: mkbox_send, then the doorbell check. */
static bool echo_put(struct bench *b, uint32_t seq)
{
	struct msg_hdr h;
	int r;
	msg_control(&h, MSG_BENCH_ECHO, seq);
	r = link_send_now(b->l, b->cfg->peer, &h, sizeof(h));
	if (r == MKBOX_OK)
		return true;
	/* One echo in flight at a time: a full ring is as wrong as any other error. */
	mk_buf_printf(b->why, "sending ECHO %u to %s: %s", seq, bench_peer_name(b), mkbox_strerror(r));
	return false;
}

/* The echo `seq` (or, if end, the closing seq 0), polled with mkbox_recv itself. */
static bool echo_take(struct bench *b, uint32_t seq, bool end, uint32_t *got)
{
	struct msg_hdr m = {0};
	uint32_t len = 0;
	int r = bench_recv_polled(b, &m, sizeof(m), &len);
	if (r != MKBOX_OK) {
		mk_buf_printf(b->why, "waiting for ECHO %u from %s: %s", seq, bench_peer_name(b),
			      mkbox_strerror(r));
		return false;
	}
	*got = m.seq;
	if (len == MSG_HDR_LEN && m.magic == MSG_MAGIC && m.kind == MSG_BENCH_ECHO &&
	    (m.seq == seq || (end && m.seq == 0)))
		return true;
	mk_buf_printf(b->why, "expected ECHO %u from %s, got %s %u (%u bytes)", seq, bench_peer_name(b),
		      kind_name(m.kind), m.seq, len);
	return false;
}

static bool poll_round(struct bench *b, uint32_t i)
{
	uint32_t got;
	return echo_put(b, i) && echo_take(b, i, false, &got);
}

/* Polled rounds: ECHO i and its echo; ECHO 0 ends the responder's loop. */
static bool echo_polled(struct bench *b)
{
	return timed_rounds(b, b->cfg->rounds, poll_round, &b->res->poll) && poll_round(b, 0);
}

/* The responder's polled loop, entered with the first ECHO taken through the link. */
static bool echo_responder(struct bench *b, uint32_t seq)
{
	for (;;) {
		if (!echo_put(b, seq))
			return false;
		if (!seq)
			return true;
		if (!echo_take(b, seq + 1, true, &seq))
			return false;
		b->res->answered++;
	}
}

static bool ipi_round(struct bench *b, uint32_t i)
{
	return bench_put_control(b, MSG_BENCH_ECHO_IPI, i) && bench_expect(b, true, MSG_BENCH_ECHO_IPI, i);
}

/* Doorbell rounds: each side halts between messages. */
static bool echo_ipi(struct bench *b)
{
	uint32_t rings = b->l->peer[b->cfg->peer].rings;
	if (!timed_rounds(b, b->cfg->rounds / BENCH_IPI_SHARE, ipi_round, &b->res->ipi))
		return false;
	b->res->ipi_rings = b->l->peer[b->cfg->peer].rings - rings;
	return true;
}

static bool initiator(struct bench *b)
{
	uint32_t tok = (uint32_t)(now(b) >> 8) | 1u; /* tells this run's raw values from stale ones */
	/* The peer may still be busy: wait for it halting. */
	if (!bench_put_control(b, MSG_BENCH_BEGIN, tok) || !bench_expect(b, true, MSG_BENCH_ACK, tok))
		return false;
	if (!raw_initiator(b, tok) || !echo_polled(b) ||
	    !echo_ipi(b) || !bench_stream(b) ||
	    !bench_bulk(b, tok))
		return false;
	return bench_put_control(b, MSG_BENCH_END, tok) && bench_expect(b, false, MSG_BENCH_ACK, tok);
}

static bool responder(struct bench *b)
{
	bool halt = true; /* until the initiator shows up, and after each ECHO_IPI */
	uint32_t kind, seq, data = 0, chunk = 0, count = 0;
	struct msg_hdr m;
	for (;;) {
		bool ok = true;
		if (!bench_take(b, halt, &m))
			return false;
		kind = m.kind;
		seq = m.seq;
		halt = false;
		switch (kind) {
		case MSG_BENCH_BEGIN: ok = bench_put_control(b, MSG_BENCH_ACK, seq); break;
		case MSG_BENCH_RAW: ok = bench_put_control(b, MSG_BENCH_ACK, seq) && raw_responder(b, seq); break;
		case MSG_BENCH_ECHO: ok = echo_responder(b, seq); break;
		case MSG_BENCH_ECHO_IPI: ok = bench_put_control(b, kind, seq); halt = true; break;
		case MSG_BENCH_DATA: data++; break;
		case MSG_BENCH_DATA_END: ok = bench_put_control(b, MSG_BENCH_ACK, data); data = 0; break;
		case MSG_BENCH_BULK:
			chunk = seq;
			count = 0;
			if (b->cfg->bulk && chunk)
				count = b->cfg->bulk_size / chunk > UINT32_MAX ? UINT32_MAX
									: (uint32_t)(b->cfg->bulk_size / chunk);
			ok = bench_put_control(b, MSG_BENCH_ACK, count);
			break;
		case MSG_BENCH_BULK_GO:
			ok = bench_bulk_receive(b, chunk, seq) && bench_put_control(b, MSG_BENCH_ACK, seq);
			count = seq;
			break;
		case MSG_BENCH_BULK_SUM:
			if (seq != count)
				mk_buf_printf(b->why, "bulk: %s asks for the digest of %u chunks, %u came",
					      bench_peer_name(b), seq, count);
			ok = seq == count && bench_put_digest(b, chunk, count);
			break;
		case MSG_BENCH_END: return bench_put_control(b, MSG_BENCH_ACK, seq);
		default:
			mk_buf_printf(b->why, "unexpected %s %u from %s", kind_name(kind), seq, bench_peer_name(b));
			return false;
		}
		if (!ok)
			return false;
		b->res->answered++;
	}
}

bool bench_run(struct link *l, const struct bench_config *cfg, struct bench_result *res,
	       struct mk_buf *why)
{
	struct bench b;
	b.l = l;
	b.cfg = cfg;
	b.res = res;
	b.why = why;
	mk_memset(res, 0, sizeof(*res));
	if (cfg->peer >= l->mb->nparts || cfg->peer == l->mb->self || l->cfg.bench_peer != (int32_t)cfg->peer) {
		mk_buf_printf(why, "bench: partition %u is no peer to bench with", cfg->peer);
		return false;
	}
	res->initiator = l->mb->self < cfg->peer;
	return res->initiator ? initiator(&b) : responder(&b);
}
