/*
 * The mailbox benchmark (bench.h).  The initiator drives every phase with
 * control messages (msg.h MSG_BENCH_*) and the responder answers each; a
 * phase ends after cfg.rounds rounds or cfg.phase_cycles, whichever first,
 * and every wait ends at cfg.deadline.
 */
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
};

static inline void relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* REP MOVSB: what mkbox_ring.c copies long chunks with, so the two numbers compare. */
static void copy(void *dst, const void *src, size_t n)
{
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static uint64_t now(const struct bench *b)
{
	return b->l->cfg.now(b->l->cfg.ctx);
}

static const char *peer_name(const struct bench *b)
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
 * The next bench message.  Polling spins like the raw loop (one look at the
 * ring, PAUSE, the clock every BENCH_SPIN_CHECK looks), so the two round trips
 * differ by the mailbox's work only.  halt: mkbox_recv_wait arms the doorbell
 * at once and halts between looks.
 */
static bool take(struct bench *b, bool halt, uint32_t *kind, uint32_t *seq)
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
			if (spins % BENCH_SPIN_CHECK == 0 && now(b) >= b->cfg->deadline) {
				r = MKBOX_TIMEOUT;
				break;
			}
		}
	}
	if (r != MKBOX_OK) {
		mk_buf_printf(b->why, "waiting for %s: %s", peer_name(b), mkbox_strerror(r));
		return false;
	}
	*kind = h->kind;
	*seq = h->seq;
	return true;
}

static bool expect(struct bench *b, bool halt, uint32_t kind, uint32_t seq)
{
	uint32_t k, s;
	if (!take(b, halt, &k, &s))
		return false;
	if (k == kind && s == seq)
		return true;
	mk_buf_printf(b->why, "expected %s %u from %s, got %s %u", kind_name(kind), seq, peer_name(b),
		      kind_name(k), s);
	return false;
}

/* Sends, retrying while the ring is full, and rings if the peer is halted. */
static bool put(struct bench *b, const void *msg, uint32_t len)
{
	for (;;) {
		int r = link_send_now(b->l, b->cfg->peer, msg, len);
		if (r == MKBOX_OK)
			return true;
		if (r != MKBOX_FULL || now(b) >= b->cfg->deadline) {
			mk_buf_printf(b->why, "sending to %s: %s", peer_name(b), mkbox_strerror(r));
			return false;
		}
		relax();
	}
}

static bool put_control(struct bench *b, uint32_t kind, uint32_t seq)
{
	struct msg_hdr h;
	msg_control(&h, kind, seq);
	return put(b, &h, sizeof(h));
}

/*
 * The raw lines: the payload word of our ring's next free slot (we are its
 * only writer until we send again) and of the peer's (its, likewise).  Both
 * sides compute the same two positions once the RAW request and its ACK
 * have been taken.
 */
static void raw_lines(struct bench *b, volatile uint64_t **mine, volatile uint64_t **theirs)
{
	const struct mkbox *mb = b->l->mb;
	const struct mkbox_peer *p = &mb->peer[b->cfg->peer];
	uint64_t tx = (uint64_t)(p->tx_head & (mb->slots - 1)) * mb->slot_size;
	uint64_t rx = (uint64_t)(p->rx_tail & (mb->slots - 1)) * mb->slot_size;
	*mine = (volatile uint64_t *)((uint8_t *)p->tx + MKBOX_RING_CTRL_SIZE + tx + MKBOX_SLOT_HDR_SIZE);
	*theirs = (volatile uint64_t *)((uint8_t *)p->rx + MKBOX_RING_CTRL_SIZE + rx + MKBOX_SLOT_HDR_SIZE);
}

static bool spin_until(struct bench *b, volatile uint64_t *w, uint64_t v)
{
	for (uint32_t spins = 1; __atomic_load_n(w, __ATOMIC_ACQUIRE) != v; spins++) {
		relax();
		if (spins % BENCH_SPIN_CHECK == 0 && now(b) >= b->cfg->deadline) {
			mk_buf_printf(b->why, "raw ping-pong: %s stopped answering", peer_name(b));
			return false;
		}
	}
	return true;
}

static bool raw_initiator(struct bench *b, uint32_t tok)
{
	volatile uint64_t *mine, *theirs;
	uint64_t base = (uint64_t)tok << 32, end, *s = b->cfg->samples;
	uint32_t n = 0;
	if (!put_control(b, MSG_BENCH_RAW, tok) || !expect(b, false, MSG_BENCH_ACK, tok))
		return false;
	raw_lines(b, &mine, &theirs);
	end = now(b) + b->cfg->phase_cycles;
	for (uint32_t i = 1; i <= b->cfg->rounds + BENCH_WARMUP; i++) {
		uint64_t t0 = now(b), t1;
		__atomic_store_n(mine, base | i, __ATOMIC_RELEASE);
		if (!spin_until(b, theirs, base | i))
			return false;
		t1 = now(b);
		if (i > BENCH_WARMUP)
			s[n++] = t1 - t0;
		if (t1 >= end)
			break;
	}
	/* The peer must see STOP before our next message reuses the line. */
	__atomic_store_n(mine, base | BENCH_STOP, __ATOMIC_RELEASE);
	if (!spin_until(b, theirs, base | BENCH_STOP))
		return false;
	bench_stats(s, n, &b->res->raw);
	return true;
}

static bool raw_responder(struct bench *b, uint32_t tok)
{
	volatile uint64_t *mine, *theirs;
	uint64_t last = 0;
	raw_lines(b, &mine, &theirs);
	for (uint32_t spins = 1;; spins++) {
		uint64_t v = __atomic_load_n(theirs, __ATOMIC_ACQUIRE);
		if (v >> 32 == tok && v != last) {
			__atomic_store_n(mine, v, __ATOMIC_RELEASE);
			last = v;
			if ((uint32_t)v == BENCH_STOP)
				return true;
		}
		relax();
		if (spins % BENCH_SPIN_CHECK == 0 && now(b) >= b->cfg->deadline) {
			mk_buf_printf(b->why, "raw ping-pong: %s stopped", peer_name(b));
			return false;
		}
	}
}

/* Echo rounds: polled, or (ipi) both sides halting between messages. */
static bool echo_rounds(struct bench *b, bool ipi, uint32_t rounds, struct bench_stat *st)
{
	uint32_t kind = ipi ? MSG_BENCH_ECHO_IPI : MSG_BENCH_ECHO, n = 0;
	uint32_t rings = b->l->peer[b->cfg->peer].rings;
	uint64_t end = now(b) + b->cfg->phase_cycles, *s = b->cfg->samples;
	for (uint32_t i = 1; i <= rounds + BENCH_WARMUP; i++) {
		uint64_t t0 = now(b), t1;
		if (!put_control(b, kind, i) || !expect(b, ipi, kind, i))
			return false;
		t1 = now(b);
		if (i > BENCH_WARMUP)
			s[n++] = t1 - t0;
		if (t1 >= end)
			break;
	}
	if (ipi)
		b->res->ipi_rings = b->l->peer[b->cfg->peer].rings - rings;
	bench_stats(s, n, st);
	return true;
}

/* Large messages of a quarter of the ring, whole slots, fitting our buffers. */
static uint32_t stream_len(const struct link *l)
{
	uint32_t payload = l->mb->payload;
	uint32_t want = l->mb->msg_max / BENCH_STREAM_SHARE;
	uint32_t len = (want < l->cfg.buf_size ? want : l->cfg.buf_size) / payload * payload;
	return len < MSG_HDR_LEN ? MSG_HDR_LEN : len;
}

static bool stream(struct bench *b)
{
	struct bench_result *r = b->res;
	uint8_t *src = b->l->cfg.tx, *dst = b->l->cfg.rx;
	uint32_t len = stream_len(b->l), count = 0;
	uint64_t t0 = now(b), end = t0 + b->cfg->phase_cycles, bytes = 0;
	msg_control((struct msg_hdr *)src, MSG_BENCH_DATA, 0);
	((struct msg_hdr *)src)->len = len;
	while (bytes < b->cfg->stream_bytes && now(b) < end) {
		if (!put(b, src, len))
			return false;
		count++;
		bytes += len;
	}
	if (!put_control(b, MSG_BENCH_DATA_END, count) || !expect(b, false, MSG_BENCH_ACK, count))
		return false;
	r->msg_len = len;
	r->stream_bytes = bytes;
	r->stream_cycles = now(b) - t0;
	r->stream_mbps = bench_mbps(bytes, r->stream_cycles, b->cfg->tsc_khz);
	/*
	 * The baseline: the same bytes in the same sizes, copied by this CPU
	 * alone from a source as large as the stream's, our ring's slot area
	 * (idle now: the peer has taken everything), into the same buffer.
	 */
	const uint8_t *slots = (const uint8_t *)b->l->mb->peer[b->cfg->peer].tx + MKBOX_RING_CTRL_SIZE;
	uint64_t area = (uint64_t)b->l->mb->slots * b->l->mb->slot_size, off = 0;
	t0 = now(b);
	for (uint64_t done = 0; done < bytes; done += len) {
		if (off + len > area)
			off = 0;
		copy(dst, slots + off, len);
		off += len;
	}
	r->memcpy_cycles = now(b) - t0;
	r->memcpy_mbps = bench_mbps(bytes, r->memcpy_cycles, b->cfg->tsc_khz);
	return true;
}

static bool initiator(struct bench *b)
{
	uint32_t tok = (uint32_t)(now(b) >> 8) | 1u; /* tells this run's raw values from stale ones */
	/* The peer may still be busy: wait for it halting. */
	if (!put_control(b, MSG_BENCH_BEGIN, tok) || !expect(b, true, MSG_BENCH_ACK, tok))
		return false;
	if (!raw_initiator(b, tok) || !echo_rounds(b, false, b->cfg->rounds, &b->res->poll) ||
	    !echo_rounds(b, true, b->cfg->rounds / BENCH_IPI_SHARE, &b->res->ipi) || !stream(b))
		return false;
	return put_control(b, MSG_BENCH_END, tok) && expect(b, false, MSG_BENCH_ACK, tok);
}

static bool responder(struct bench *b)
{
	bool halt = true; /* until the initiator shows up, and after each ECHO_IPI */
	uint32_t kind, seq, data = 0;
	for (;;) {
		bool ok = true;
		if (!take(b, halt, &kind, &seq))
			return false;
		halt = false;
		switch (kind) {
		case MSG_BENCH_BEGIN: ok = put_control(b, MSG_BENCH_ACK, seq); break;
		case MSG_BENCH_RAW: ok = put_control(b, MSG_BENCH_ACK, seq) && raw_responder(b, seq); break;
		case MSG_BENCH_ECHO: ok = put_control(b, kind, seq); break;
		case MSG_BENCH_ECHO_IPI: ok = put_control(b, kind, seq); halt = true; break;
		case MSG_BENCH_DATA: data++; break;
		case MSG_BENCH_DATA_END: ok = put_control(b, MSG_BENCH_ACK, data); data = 0; break;
		case MSG_BENCH_END: return put_control(b, MSG_BENCH_ACK, seq);
		default:
			mk_buf_printf(b->why, "unexpected %s %u from %s", kind_name(kind), seq, peer_name(b));
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
