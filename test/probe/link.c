/*
 * The probe's side of the mailbox conversations (link.h).  Nothing here
 * blocks except through cfg.idle, and nothing trusts a peer: every message is
 * parsed from the private rx buffer, every count is ours.
 */
#include "link.h"

/* Self-test (probe.corrupt_mailbox=1): this stream message gets one byte flipped. */
#define LINK_CORRUPT_SEQ 1u
#define LINK_CORRUPT_BITS 0x5Au
/* At most this many ring-fulls per peer per poll or pump, so one busy peer cannot starve the rest. */
#define LINK_BATCH_RINGS 2u

static void note(struct link_peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct link_peer *p, const char *fmt, ...)
{
	struct mk_buf b;
	va_list ap;
	if (p->error[0])
		return; /* the first error explains the rest */
	mk_buf_init(&b, p->error, sizeof(p->error));
	va_start(ap, fmt);
	mk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
}

bool link_state_stopped(uint32_t state)
{
	return state == MKBOX_STATE_FAILED || state == MKBOX_STATE_PANICKED;
}

static bool state_at_least(uint32_t state, uint32_t floor)
{
	return state >= floor && state <= MKBOX_STATE_PANICKED;
}

void link_init(struct link *l, struct mkbox *mb, const struct link_config *cfg)
{
	mk_memset(l, 0, sizeof(*l));
	l->mb = mb;
	mk_memcpy(&l->cfg, cfg, sizeof(*cfg));
	l->stream_cap = mb->msg_max < cfg->buf_size ? mb->msg_max : cfg->buf_size;
	for (uint32_t q = 0; q < mb->nparts; q++)
		l->peer[q].role = q == mb->self ? LINK_OTHER : LINK_UNKNOWN;
}

static bool is_bench_peer(const struct link *l, uint32_t q)
{
	return l->cfg.bench_peer >= 0 && (uint32_t)l->cfg.bench_peer == q;
}

/* Peers whose ring to us we read now. */
static bool readable(const struct link *l, uint32_t q)
{
	const struct link_peer *p = &l->peer[q];
	return q != l->mb->self && !p->broken && !p->pong_pending && !(l->parked && is_bench_peer(l, q));
}

/* MKBOX_FULL is normal (the peer has not drained yet); anything else breaks the peer. */
static bool send(struct link *l, uint32_t q, const void *msg, uint32_t len, uint32_t *sent)
{
	int r = mkbox_send(l->mb, q, msg, len);
	if (r == MKBOX_OK) {
		(*sent)++;
		return true;
	}
	if (r == MKBOX_FULL) {
		l->tx_blocked = true;
	} else {
		l->peer[q].broken = true;
		note(&l->peer[q], "sending: %s", mkbox_strerror(r));
	}
	return false;
}

static void flush_pong(struct link *l, uint32_t q)
{
	struct link_peer *p = &l->peer[q];
	uint32_t sent = 0;
	if (!p->pong_pending || p->broken || !send(l, q, p->pong, p->pong_len, &sent))
		return;
	p->pong_pending = false;
	p->pings++;
	link_ring(l, q);
}

static void stream_rx(struct link *l, uint32_t q, const struct msg_hdr *h, uint32_t len)
{
	struct link_peer *p = &l->peer[q];
	char why[LINK_WHY_MAX];
	struct mk_buf b;
	mk_buf_init(&b, why, sizeof(why));
	if (p->rx_end) {
		note(p, "a message after the end of its stream");
	} else if (h->kind == MSG_STREAM_END) {
		p->rx_end = true;
		if (h->seq != p->rx_seq)
			note(p, "its stream ended after %u messages, %u arrived", h->seq, p->rx_seq);
	} else {
		uint32_t want = msg_stream_len(p->rx_seq, l->mb->payload, l->stream_cap);
		if (!msg_stream_check(l->cfg.rx, len, p->rx_seq, want, &b))
			note(p, "%s", why);
		p->rx_seq++;
	}
}

static void pong_rx(struct link *l, uint32_t q, uint32_t i, const char *name)
{
	struct link_peer *p = &l->peer[q];
	const char *self = mkbox_part_name(l->mb, l->mb->self);
	if (!p->ping_count) {
		p->unknown++;
		return;
	}
	if (i != p->pong_next || !mk_streq(name, self)) {
		note(p, "pong %u to %s, expected pong %u to %s", i, name, p->pong_next, self);
		p->pong_next = p->ping_next = p->ping_count; /* stop pinging */
		return;
	}
	p->pong_next++;
}

/* One message from q, in l->cfg.rx. */
static void handle(struct link *l, uint32_t q, uint32_t len)
{
	struct link_peer *p = &l->peer[q];
	const uint8_t *m = l->cfg.rx;
	char name[MKBOX_NAME_MAX];
	const struct msg_hdr *h;
	uint32_t i;

	if (msg_is_hello(m, len)) {
		p->late_hello = p->role == LINK_OTHER;
		p->role = LINK_PROBE;
		return;
	}
	if (p->role == LINK_UNKNOWN)
		p->role = LINK_OTHER; /* a probe's first message is its hello */
	if (msg_ping_parse(m, len, &i, name, sizeof(name))) {
		p->pong_len = msg_pong_format(p->pong, sizeof(p->pong), i, name);
		p->pong_pending = p->pong_len != 0;
		flush_pong(l, q);
		return;
	}
	if (msg_pong_parse(m, len, &i, name, sizeof(name))) {
		pong_rx(l, q, i, name);
		return;
	}
	h = msg_binary(m, len);
	if (h && p->role == LINK_PROBE && (h->kind == MSG_STREAM || h->kind == MSG_STREAM_END)) {
		stream_rx(l, q, h, len);
	} else if (h && h->kind >= MSG_BENCH_BEGIN && is_bench_peer(l, q)) {
		l->park = *h; /* bench.c takes it (link_take); q is not read until then */
		l->parked = true;
	} else {
		p->unknown++;
	}
}

uint32_t link_poll(struct link *l)
{
	uint32_t n = 0;
	for (uint32_t q = 0; q < l->mb->nparts; q++) {
		struct link_peer *p = &l->peer[q];
		if (q == l->mb->self)
			continue;
		flush_pong(l, q);
		for (uint32_t k = 0; k < LINK_BATCH_RINGS * l->mb->slots && readable(l, q); k++) {
			uint32_t len;
			int r = mkbox_recv(l->mb, q, l->cfg.rx, l->cfg.buf_size, &len);
			if (r == MKBOX_EMPTY)
				break;
			n++;
			if (r == MKBOX_OK) {
				handle(l, q, len);
				continue;
			}
			if (r == MKBOX_TOO_BIG && mkbox_skip(l->mb, q) == MKBOX_OK) {
				p->role = p->role == LINK_UNKNOWN ? LINK_OTHER : p->role;
				p->unknown++;
				continue;
			}
			p->broken = true;
			note(p, "its ring to us: %s", mkbox_strerror(r));
		}
	}
	return n;
}

static void stream_tx(struct link *l, uint32_t q, uint32_t *sent)
{
	struct link_peer *p = &l->peer[q];
	uint8_t *buf = l->cfg.tx;
	for (uint32_t k = 0; k < l->mb->slots && p->tx_seq < l->cfg.stream_count; k++) {
		uint32_t len = msg_stream_len(p->tx_seq, l->mb->payload, l->stream_cap);
		msg_stream_build(buf, len, l->mb->self, p->tx_seq);
		if (l->cfg.corrupt && p->tx_seq == LINK_CORRUPT_SEQ)
			buf[len - 1] ^= LINK_CORRUPT_BITS;
		if (!send(l, q, buf, len, sent))
			return;
		p->tx_seq++;
	}
	if (p->tx_seq == l->cfg.stream_count && !p->tx_end) {
		struct msg_hdr end;
		msg_control(&end, MSG_STREAM_END, p->tx_seq);
		p->tx_end = send(l, q, &end, sizeof(end), sent);
	}
}

uint32_t link_pump(struct link *l)
{
	const char *self = mkbox_part_name(l->mb, l->mb->self);
	uint32_t total = 0;
	for (uint32_t q = 0; q < l->mb->nparts; q++) {
		struct link_peer *p = &l->peer[q];
		uint32_t sent = 0;
		if (q == l->mb->self || p->broken)
			continue;
		if (!p->hello_sent)
			p->hello_sent = send(l, q, MSG_HELLO, MSG_HELLO_LEN, &sent);
		if (p->hello_sent && p->role == LINK_PROBE && !link_state_stopped(p->state))
			stream_tx(l, q, &sent);
		if (p->hello_sent && p->ping_next < p->ping_count && p->ping_next == p->pong_next) {
			uint32_t len = msg_ping_format(l->cfg.tx, l->cfg.buf_size, p->ping_next, self);
			if (len && send(l, q, l->cfg.tx, len, &sent))
				p->ping_next++;
		}
		if (sent)
			link_ring(l, q); /* once per batch: mkbox_notify rings at most once per arming */
		total += sent;
	}
	return total;
}

/*
 * Roles the states decide.  `before` was read before the poll that just ran:
 * a probe writes RUNNING after its hello, so a peer RUNNING by then whose ring
 * we read and found no hello in is not a probe.
 */
static void settle(struct link *l, const uint32_t *before, const bool *was_read)
{
	uint64_t now = l->cfg.now(l->cfg.ctx);
	for (uint32_t q = 0; q < l->mb->nparts; q++) {
		struct link_peer *p = &l->peer[q];
		if (p->role != LINK_UNKNOWN)
			continue;
		if ((was_read[q] && state_at_least(before[q], MKBOX_STATE_RUNNING)) || p->broken ||
		    now >= l->cfg.hello_deadline)
			p->role = LINK_OTHER;
	}
}

uint32_t link_step(struct link *l)
{
	uint32_t before[MKBOX_MAX_PARTS];
	bool was_read[MKBOX_MAX_PARTS];
	uint32_t n;
	l->tx_blocked = false;
	for (uint32_t q = 0; q < l->mb->nparts; q++) {
		before[q] = MKBOX_STATE_EMPTY;
		if (q != l->mb->self)
			mkbox_read_state(l->mb, q, &before[q]);
		l->peer[q].state = before[q];
		was_read[q] = readable(l, q);
	}
	n = link_poll(l);
	settle(l, before, was_read);
	return n + link_pump(l);
}

bool link_arm(struct link *l)
{
	bool waiting = false;
	for (uint32_t q = 0; q < l->mb->nparts; q++)
		if (readable(l, q) && mkbox_arm(l->mb, q) != MKBOX_EMPTY)
			waiting = true;
	if (waiting)
		link_disarm(l);
	return waiting;
}

void link_disarm(struct link *l)
{
	for (uint32_t q = 0; q < l->mb->nparts; q++)
		if (q != l->mb->self)
			mkbox_disarm(l->mb, q);
}

bool link_all_settled(const struct link *l)
{
	for (uint32_t q = 0; q < l->mb->nparts; q++)
		if (l->peer[q].role == LINK_UNKNOWN)
			return false;
	return true;
}

/* Every probe peer satisfies ok(). */
static bool every_probe(const struct link *l, bool (*ok)(const struct link_peer *p))
{
	if (!link_all_settled(l))
		return false;
	for (uint32_t q = 0; q < l->mb->nparts; q++)
		if (q != l->mb->self && l->peer[q].role == LINK_PROBE && !ok(&l->peer[q]))
			return false;
	return true;
}

static bool running(const struct link_peer *p)
{
	return state_at_least(p->state, MKBOX_STATE_RUNNING);
}

static bool exchanged(const struct link_peer *p)
{
	return p->broken || (p->tx_end && p->rx_end) || link_state_stopped(p->state);
}

static bool stopped(const struct link_peer *p)
{
	return state_at_least(p->state, MKBOX_STATE_DONE);
}

bool link_probes_running(const struct link *l)
{
	return every_probe(l, running);
}

bool link_exchanged(const struct link *l)
{
	return every_probe(l, exchanged);
}

bool link_probes_stopped(const struct link *l)
{
	return every_probe(l, stopped);
}

bool link_wait(struct link *l, link_cond cond, uint64_t deadline)
{
	for (;;) {
		uint32_t moved = link_step(l);
		if (cond && cond(l))
			return true;
		uint64_t now = l->cfg.now(l->cfg.ctx);
		if (now >= deadline)
			return false;
		/* Something moved, or a message slipped in while arming: look again at once. */
		if (moved || link_arm(l))
			continue;
		/* States and ring space ring no doorbell: wake after a slice to look. */
		l->cfg.idle(l->cfg.ctx, deadline - now > l->cfg.slice ? now + l->cfg.slice : deadline);
		link_disarm(l);
	}
}

void link_ping_start(struct link *l, uint32_t peer, uint32_t count)
{
	if (peer >= l->mb->nparts || peer == l->mb->self)
		return;
	l->peer[peer].ping_count = count;
	l->peer[peer].ping_next = l->peer[peer].pong_next = 0;
}

bool link_pinged(const struct link *l)
{
	for (uint32_t q = 0; q < l->mb->nparts; q++) {
		const struct link_peer *p = &l->peer[q];
		if (p->ping_count && p->pong_next < p->ping_count && !p->broken)
			return false;
	}
	return true;
}

enum link_outcome link_status(const struct link *l, uint32_t q, struct mk_buf *b)
{
	const struct link_peer *p = &l->peer[q];
	if (p->role != LINK_PROBE) {
		mk_buf_puts(b, p->error[0] ? p->error : "ok");
		return LINK_OK; /* nothing was owed */
	}
	if (p->error[0]) {
		mk_buf_puts(b, p->error);
		return LINK_FAILED;
	}
	if (!p->rx_end && link_state_stopped(p->state)) {
		mk_buf_printf(b, "it stopped (%s) before its stream ended",
			      p->state == MKBOX_STATE_FAILED ? "FAILED" : "PANICKED");
		return LINK_CUT;
	}
	if (!p->rx_end || !p->tx_end) {
		mk_buf_printf(b, "stream not finished (our end %s, its end %s)",
			      p->tx_end ? "sent" : "not sent", p->rx_end ? "arrived" : "missing");
		return LINK_FAILED;
	}
	mk_buf_puts(b, "ok");
	return LINK_OK;
}

int link_take(struct link *l, const struct mkbox_waiter *w, const struct msg_hdr **h, uint32_t *len)
{
	uint32_t q = (uint32_t)l->cfg.bench_peer;
	if (l->cfg.bench_peer < 0)
		return MKBOX_BAD_PEER;
	if (l->parked) {
		l->parked = false;
		*h = &l->park;
		*len = MSG_HDR_LEN;
		return MKBOX_OK;
	}
	for (;;) {
		int r = w ? mkbox_recv_wait(l->mb, q, l->cfg.rx, l->cfg.buf_size, len, w)
			  : mkbox_recv(l->mb, q, l->cfg.rx, l->cfg.buf_size, len);
		if (r != MKBOX_OK)
			return r;
		*h = msg_binary(l->cfg.rx, *len);
		if (*h && (*h)->kind >= MSG_BENCH_BEGIN)
			return MKBOX_OK;
		handle(l, q, *len);
	}
}
