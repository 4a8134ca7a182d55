/*
 * mkbox_send, mkbox_recv and the sender's doorbell check, inline, for the
 * case that decides latency: a short message in one slot, a poll of a ring
 * with nothing in it, a receiver that is not waiting for a doorbell.  Those
 * take no call (docs/performance.md "Polled round trip": under emulation a
 * call and its return cost more than the line transfer they wrap).
 *
 * The inline code decides only what is certainly fine: a peer index in
 * range, a length below MKBOX_COPY_SHORT_MAX that fits one slot and the
 * caller's buffer, room in the ring as last seen, a slot whose seq says
 * "published" or "not yet".  Everything else (long messages, a full ring,
 * every error, every value that may be a broken ring) goes to the general
 * path in mkbox_ring.c, which checks it all again.  Trust rules as in
 * mkbox.h: addresses come from private geometry and a masked position, the
 * one length read from shared memory is bounded before it is used.
 *
 * Included by mkbox.h only.
 */
#ifndef MKBOX_FAST_H
#define MKBOX_FAST_H

/* Below this REP MOVSB's start-up cost (SDM Vol.1 7.3.9.3) loses to a word loop. */
#define MKBOX_COPY_SHORT_MAX 256u

/* The general paths: every length and every status.  Call mkbox_send / mkbox_recv. */
int mkbox_send_slowpath(struct mkbox *mb, uint32_t peer, const void *msg, uint32_t len);
int mkbox_recv_slowpath(struct mkbox *mb, uint32_t peer, void *buf, uint32_t cap, uint32_t *len);

/* Slot `pos` of a ring: private geometry and a masked position only. */
static inline struct mkbox_slot_hdr *mkbox_slot(const struct mkbox *mb, struct mkbox_ring *ring,
						 uint32_t pos)
{
	uint64_t off = MKBOX_RING_CTRL_SIZE + (uint64_t)(pos & (mb->slots - 1)) * mb->slot_size;

	return (struct mkbox_slot_hdr *)((uint8_t *)ring + off);
}

/*
 * A copy that never becomes a call, so kernels linking this need no memcpy:
 * four words a step (a 56-byte one-line payload is one step and three words).
 */
static inline void mkbox_copy_short(void *dst, const void *src, uint32_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	uint64_t w0, w1, w2, w3;

	for (; n >= 32; n -= 32, d += 32, s += 32) {
		__builtin_memcpy(&w0, s, 8);
		__builtin_memcpy(&w1, s + 8, 8);
		__builtin_memcpy(&w2, s + 16, 8);
		__builtin_memcpy(&w3, s + 24, 8);
		__builtin_memcpy(d, &w0, 8);
		__builtin_memcpy(d + 8, &w1, 8);
		__builtin_memcpy(d + 16, &w2, 8);
		__builtin_memcpy(d + 24, &w3, 8);
	}
	for (; n >= 8; n -= 8, d += 8, s += 8) {
		__builtin_memcpy(&w0, s, 8);
		__builtin_memcpy(d, &w0, 8);
	}
	while (n--)
		*d++ = *s++;
}

static inline int mkbox_send(struct mkbox *mb, uint32_t peer, const void *msg, uint32_t len)
{
	struct mkbox_peer *p;
	struct mkbox_slot_hdr *h;

	if (peer >= mb->nparts || peer == mb->self)
		return mkbox_send_slowpath(mb, peer, msg, len);
	p = &mb->peer[peer];
	if (len >= MKBOX_COPY_SHORT_MAX || len > mb->payload || p->tx_head - p->tx_tail >= mb->slots)
		return mkbox_send_slowpath(mb, peer, msg, len);
	h = mkbox_slot(mb, p->tx, p->tx_head);
	mkbox_copy_short(h + 1, msg, len);
	/* seq last: its store publishes the slot (docs/abi.md "Protocol"). */
	__atomic_store_n(&h->len, len, __ATOMIC_RELAXED);
	__atomic_store_n(&h->seq, p->tx_head + 1, __ATOMIC_RELEASE);
	p->tx_head++;
	__atomic_store_n(&p->tx->prod.head, p->tx_head, __ATOMIC_RELEASE);
	return MKBOX_OK;
}

static inline int mkbox_recv(struct mkbox *mb, uint32_t peer, void *buf, uint32_t cap, uint32_t *len)
{
	struct mkbox_peer *p;
	struct mkbox_slot_hdr *h;
	uint32_t seq, want, mlen;

	if (peer >= mb->nparts || peer == mb->self)
		return mkbox_recv_slowpath(mb, peer, buf, cap, len);
	p = &mb->peer[peer];
	h = mkbox_slot(mb, p->rx, p->rx_tail);
	seq = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);
	want = p->rx_tail + 1;
	if (seq != want) {
		/* Never written, or the previous lap: empty.  Anything else is judged there. */
		if (seq == 0 || seq == want - mb->slots)
			return MKBOX_EMPTY;
		return mkbox_recv_slowpath(mb, peer, buf, cap, len);
	}
	mlen = __atomic_load_n(&h->len, __ATOMIC_RELAXED);
	if (mlen >= MKBOX_COPY_SHORT_MAX || mlen > mb->payload || mlen > cap)
		return mkbox_recv_slowpath(mb, peer, buf, cap, len);
	*len = mlen;
	mkbox_copy_short(buf, h + 1, mlen);
	/* The release orders our reads of the slot before the producer reuses it. */
	p->rx_tail = want;
	__atomic_store_n(&p->rx->cons.tail, want, __ATOMIC_RELEASE);
	return MKBOX_OK;
}

/* Sender half of the handshake: the fence orders the seq store of mkbox_send before this load. */
static inline bool mkbox_ring_needed(struct mkbox *mb, uint32_t peer)
{
	struct mkbox_peer *p;
	uint32_t bell;

	if (peer >= mb->nparts || peer == mb->self)
		return false;
	p = &mb->peer[peer];
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	bell = __atomic_load_n(&p->tx->bell.doorbell, __ATOMIC_RELAXED);
	if (!(bell & MKBOX_DOORBELL_ARMED) || bell == p->tx_rung)
		return false;
	p->tx_rung = bell; /* one IPI per arming, however many messages follow */
	return true;
}

static inline bool mkbox_notify(struct mkbox *mb, uint32_t peer, mkbox_ring_fn ring, void *ctx)
{
	if (!mkbox_ring_needed(mb, peer))
		return false;
	ring(ctx, mb->peer[peer].boot_apic_id, (uint8_t)mb->peer[peer].vector);
	return true;
}

#endif
