/*
 * Rings: one single-producer/single-consumer ring per ordered pair of
 * partitions, and the doorbell handshake on top.  docs/abi.md "Protocol" is
 * the contract; the comments here point at the step they implement.
 *
 * Ordering (x86-64 TSO, SDM Vol.3 8.2.2): stores become visible in program
 * order and loads are not reordered with older loads or younger stores, so
 * acquire/release need only stop the compiler; __atomic_* with those orders
 * compile to plain MOVs.  The one reordering TSO allows, a load passing an
 * older store (SDM Vol.3 8.2.3.4), is what the doorbell handshake must
 * prevent: both sides issue a full fence between their store and their load.
 */
#include "mkbox.h"

/* Both sides of a ring; NULL for oneself or an index past the table. */
static struct mkbox_peer *peer_of(struct mkbox *mb, uint32_t peer)
{
	if (peer >= mb->nparts || peer == mb->self)
		return NULL;
	return &mb->peer[peer];
}


static uint32_t slots_for(const struct mkbox *mb, uint32_t len)
{
	if (len <= mb->payload)
		return 1;
	return (uint32_t)(((uint64_t)len + mb->payload - 1) / mb->payload);
}

#if defined(__SANITIZE_ADDRESS__)
#define MKBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MKBOX_ASAN 1
#endif
#endif

/*
 * Copies that never turn into a call, so kernels linking this need no memcpy:
 * REP MOVSB for long chunks (near memcpy speed without SSE, which the UEFI
 * and kernel builds may not use), mkbox_copy_short below that.
 */
static void copy_bytes(void *dst, const void *src, uint32_t n)
{
#if defined(__x86_64__)
	if (n >= MKBOX_COPY_SHORT_MAX) {
		uint8_t *d = dst;
		const uint8_t *s = src;
		size_t count = n;
#ifdef MKBOX_ASAN
		/* ASan cannot see into the asm: touching both ends catches a range off either end. */
		(void)*(volatile const uint8_t *)s;
		(void)*(volatile const uint8_t *)(s + n - 1);
		(void)*(volatile uint8_t *)d;
		(void)*(volatile uint8_t *)(d + n - 1);
#endif
		__asm__ __volatile__("rep movsb" : "+D"(d), "+S"(s), "+c"(count) : : "memory");
		return;
	}
#endif
	mkbox_copy_short(dst, src, n);
}

/* The producer's view of free space, rereading the consumer's tail only when needed. */
static int tx_reserve(struct mkbox *mb, struct mkbox_peer *p, uint32_t n)
{
	uint32_t used = p->tx_head - p->tx_tail;

	if (used <= mb->slots - n)
		return MKBOX_OK;
	p->tx_tail = __atomic_load_n(&p->tx->cons.tail, __ATOMIC_ACQUIRE);
	used = p->tx_head - p->tx_tail;
	if (used > mb->slots)
		return MKBOX_CORRUPT; /* the consumer claims slots never published */
	return used <= mb->slots - n ? MKBOX_OK : MKBOX_FULL;
}

int mkbox_send_slowpath(struct mkbox *mb, uint32_t peer, const void *msg, uint32_t len)
{
	struct mkbox_peer *p = peer_of(mb, peer);
	const uint8_t *src = msg;
	struct mkbox_slot_hdr *first;
	uint32_t n, chunk;
	int r;

	if (!p)
		return MKBOX_BAD_PEER;
	if (len > mb->msg_max)
		return MKBOX_TOO_BIG;
	n = slots_for(mb, len);
	r = tx_reserve(mb, p, n);
	if (r != MKBOX_OK)
		return r;

	/* Continuation slots first, the first slot's seq last: its store publishes all. */
	for (uint32_t k = 1; k < n; k++) {
		struct mkbox_slot_hdr *h = mkbox_slot(mb, p->tx, p->tx_head + k);
		uint32_t off = k * mb->payload;

		chunk = len - off < mb->payload ? len - off : mb->payload;
		copy_bytes(h + 1, src + off, chunk);
		__atomic_store_n(&h->len, MKBOX_LEN_CONT, __ATOMIC_RELAXED);
		__atomic_store_n(&h->seq, p->tx_head + k + 1, __ATOMIC_RELEASE);
	}
	first = mkbox_slot(mb, p->tx, p->tx_head);
	copy_bytes(first + 1, src, len < mb->payload ? len : mb->payload);
	__atomic_store_n(&first->len, len, __ATOMIC_RELAXED);
	__atomic_store_n(&first->seq, p->tx_head + 1, __ATOMIC_RELEASE);

	p->tx_head += n;
	/* For observers and for reopening; the consumer never needs it. */
	__atomic_store_n(&p->tx->prod.head, p->tx_head, __ATOMIC_RELEASE);
	return MKBOX_OK;
}

/*
 * Is a message waiting at our tail?  A slot legitimately holds our position
 * + 1 (published), the previous lap's (not yet), or 0 (never written); any
 * other value, or a length the ring cannot carry, means the peer broke it.
 */
static int rx_first(struct mkbox *mb, struct mkbox_peer *p, uint32_t *len)
{
	struct mkbox_slot_hdr *h = mkbox_slot(mb, p->rx, p->rx_tail);
	uint32_t seq = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);
	uint32_t want = p->rx_tail + 1;

	if (seq != want)
		return seq == 0 || seq == want - mb->slots ? MKBOX_EMPTY : MKBOX_CORRUPT;
	*len = __atomic_load_n(&h->len, __ATOMIC_RELAXED);
	if (*len > mb->msg_max)
		return MKBOX_CORRUPT;
	return MKBOX_OK;
}

/* Hands the slots back: the release orders our reads of them before the producer reuses them. */
static void rx_release(struct mkbox_peer *p, uint32_t n)
{
	p->rx_tail += n;
	__atomic_store_n(&p->rx->cons.tail, p->rx_tail, __ATOMIC_RELEASE);
}

int mkbox_recv_slowpath(struct mkbox *mb, uint32_t peer, void *buf, uint32_t cap, uint32_t *len)
{
	struct mkbox_peer *p = peer_of(mb, peer);
	uint8_t *dst = buf;
	uint32_t mlen, n;
	int r;

	if (!p)
		return MKBOX_BAD_PEER;
	r = rx_first(mb, p, &mlen);
	if (r != MKBOX_OK)
		return r;
	*len = mlen;
	if (mlen > cap)
		return MKBOX_TOO_BIG;
	n = slots_for(mb, mlen);
	for (uint32_t k = 0; k < n; k++) {
		struct mkbox_slot_hdr *h = mkbox_slot(mb, p->rx, p->rx_tail + k);
		uint32_t off = k * mb->payload;
		uint32_t chunk = mlen - off < mb->payload ? mlen - off : mb->payload;

		/* The producer wrote these before the first slot's seq (TSO keeps the order). */
		if (k && (__atomic_load_n(&h->seq, __ATOMIC_ACQUIRE) != p->rx_tail + k + 1 ||
			  __atomic_load_n(&h->len, __ATOMIC_RELAXED) != MKBOX_LEN_CONT))
			return MKBOX_CORRUPT;
		copy_bytes(dst + off, h + 1, chunk);
	}
	rx_release(p, n);
	return MKBOX_OK;
}

int mkbox_peek(struct mkbox *mb, uint32_t peer, uint32_t *len)
{
	struct mkbox_peer *p = peer_of(mb, peer);

	return p ? rx_first(mb, p, len) : MKBOX_BAD_PEER;
}

int mkbox_skip(struct mkbox *mb, uint32_t peer)
{
	struct mkbox_peer *p = peer_of(mb, peer);
	uint32_t mlen;
	int r;

	if (!p)
		return MKBOX_BAD_PEER;
	r = rx_first(mb, p, &mlen);
	if (r == MKBOX_OK)
		rx_release(p, slots_for(mb, mlen));
	return r;
}

/*
 * Receiver half of the handshake: publish "ring me" with a fresh value, full
 * fence, then look at the ring again.  Either this load sees the sender's
 * message, or the sender's load (after its own fence) sees the flag.
 */
int mkbox_arm(struct mkbox *mb, uint32_t peer)
{
	struct mkbox_peer *p = peer_of(mb, peer);
	uint32_t len;

	if (!p)
		return MKBOX_BAD_PEER;
	p->rx_bell = (p->rx_bell + 2) | MKBOX_DOORBELL_ARMED;
	__atomic_store_n(&p->rx->bell.doorbell, p->rx_bell, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return rx_first(mb, p, &len);
}

void mkbox_disarm(struct mkbox *mb, uint32_t peer)
{
	struct mkbox_peer *p = peer_of(mb, peer);

	if (!p || !(p->rx_bell & MKBOX_DOORBELL_ARMED))
		return;
	p->rx_bell &= ~MKBOX_DOORBELL_ARMED;
	__atomic_store_n(&p->rx->bell.doorbell, p->rx_bell, __ATOMIC_RELAXED);
}

/* PAUSE (SDM Vol.2 "PAUSE"): a polite spin on the sibling hyperthread. */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * Polls, then (after w->spin polls) arms the doorbell before each wait so the
 * caller may halt.  Ends on a message, an error or the caller's deadline; the
 * bound is the caller's clock or the poll count, never a value from the ring.
 */
int mkbox_recv_wait(struct mkbox *mb, uint32_t peer, void *buf, uint32_t cap, uint32_t *len,
		    const struct mkbox_waiter *w)
{
	uint64_t start = w->now ? w->now(w->ctx) : 0;
	uint64_t polls = 0;
	int r;

	for (;;) {
		uint64_t elapsed;
		bool armed;

		r = mkbox_recv(mb, peer, buf, cap, len);
		if (r != MKBOX_EMPTY)
			break;
		elapsed = w->now ? w->now(w->ctx) - start : polls;
		if (elapsed >= w->timeout) {
			r = MKBOX_TIMEOUT;
			break;
		}
		armed = polls >= w->spin;
		/* A message that raced the arming is taken on the next pass, no wait. */
		if (armed && mkbox_arm(mb, peer) != MKBOX_EMPTY) {
			polls++;
			continue;
		}
		if (w->wait)
			w->wait(w->ctx, armed);
		else
			cpu_relax();
		polls++;
	}
	mkbox_disarm(mb, peer);
	return r;
}
