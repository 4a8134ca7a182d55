/*
 * The benchmark's throughput phases (bench.h): a stream between two
 * cache-resident buffers against the same copies by one CPU, and a bulk
 * transfer from our RAM into the peer's against memcpy within our RAM.
 */
#include "bench_internal.h"

/* Large messages of a quarter of the ring, whole slots, fitting our buffers. */
static uint32_t stream_len(const struct link *l)
{
	uint32_t payload = l->mb->payload;
	uint32_t want = l->mb->msg_max / BENCH_STREAM_SHARE;
	uint32_t len = (want < l->cfg.buf_size ? want : l->cfg.buf_size) / payload * payload;
	return len < MSG_HDR_LEN ? MSG_HDR_LEN : len;
}

bool bench_stream(struct bench *b)
{
	struct bench_result *r = b->res;
	uint8_t *src = b->l->cfg.tx, *dst = b->l->cfg.rx;
	uint32_t len = stream_len(b->l), count = 0;
	uint64_t t0 = now(b), end = t0 + b->cfg->phase_cycles, bytes = 0;
	msg_control((struct msg_hdr *)src, MSG_BENCH_DATA, 0);
	((struct msg_hdr *)src)->len = len;
	while (bytes < b->cfg->stream_bytes && now(b) < end) {
		if (!bench_put(b, src, len))
			return false;
		count++;
		bytes += len;
	}
	if (!bench_put_control(b, MSG_BENCH_DATA_END, count) || !bench_expect(b, false, MSG_BENCH_ACK, count))
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

/* Bulk chunks: a quarter of the ring in whole slots (one slot in rings of fewer than four). */
static uint32_t bulk_chunk(const struct mkbox *mb)
{
	uint32_t len = mb->msg_max / BENCH_STREAM_SHARE / mb->payload * mb->payload;
	return len ? len : mb->payload;
}

/* Pseudo-random words (xorshift64), so the digest checks every byte moved. */
static void bulk_fill(uint8_t *p, uint64_t len, uint64_t seed)
{
	uint64_t x = seed | 1;
	for (uint64_t i = 0; i + 8 <= len; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		__builtin_memcpy(p + i, &x, 8);
	}
}

/*
 * Bulk: `count` chunks of our RAM into the peer's, bare payload straight from
 * the source (mkbox_send) into the destination (mkbox_recv), then the peer's
 * digest of what arrived against ours; the baseline copies the same bytes in
 * the same pieces within our RAM, from the source into its other half.
 */
bool bench_bulk(struct bench *b, uint32_t tok)
{
	struct bench_result *r = b->res;
	uint32_t chunk = bulk_chunk(b->l->mb);
	uint64_t half = b->cfg->bulk ? b->cfg->bulk_size / 2 : 0, count, bytes, t0, digest;
	uint8_t *src = b->cfg->bulk, *dst = b->cfg->bulk + half;
	struct msg_hdr ack;

	r->bulk_msg_len = chunk;
	if (!bench_put_control(b, MSG_BENCH_BULK, chunk) || !bench_take_ack(b, &ack))
		return false;
	count = ack.seq;
	if (count > half / chunk)
		count = half / chunk;
	if (count > b->cfg->bulk_bytes / chunk)
		count = b->cfg->bulk_bytes / chunk;
	if (!count)
		return true; /* one side has no scratch RAM: no bulk numbers */
	bytes = count * chunk;
	bulk_fill(src, bytes, tok);
	digest = bench_digest(src, bytes);
	if (!bench_put_control(b, MSG_BENCH_BULK_GO, (uint32_t)count))
		return false;
	t0 = now(b);
	for (uint64_t k = 0; k < count; k++)
		if (!bench_put(b, src + k * chunk, chunk))
			return false;
	if (!bench_expect(b, false, MSG_BENCH_ACK, (uint32_t)count))
		return false;
	r->bulk_cycles = now(b) - t0;
	r->bulk_bytes = bytes;
	r->bulk_mbps = bench_mbps(bytes, r->bulk_cycles, b->cfg->tsc_khz);
	if (!bench_put_control(b, MSG_BENCH_BULK_SUM, (uint32_t)count) || !bench_take_ack(b, &ack))
		return false;
	if (ack.sum != digest) {
		mk_buf_printf(b->why, "bulk: %s's digest of the %llu bytes is 0x%llx, ours 0x%llx",
			      bench_peer_name(b), (unsigned long long)bytes, (unsigned long long)ack.sum,
			      (unsigned long long)digest);
		return false;
	}
	t0 = now(b);
	for (uint64_t off = 0; off < bytes; off += chunk)
		copy(dst + off, src + off, chunk);
	r->bulk_copy_cycles = now(b) - t0;
	r->bulk_copy_mbps = bench_mbps(bytes, r->bulk_copy_cycles, b->cfg->tsc_khz);
	return true;
}

/* The responder's side of BULK_GO: `count` chunks straight into our scratch RAM. */
bool bench_bulk_receive(struct bench *b, uint32_t chunk, uint32_t count)
{
	uint32_t len = 0;
	int r;
	if (!chunk || count > b->cfg->bulk_size / chunk) {
		mk_buf_printf(b->why, "bulk: %u chunks of %u bytes from %s do not fit", count, chunk,
			      bench_peer_name(b));
		return false;
	}
	for (uint64_t k = 0; k < count; k++) {
		r = bench_recv_polled(b, b->cfg->bulk + k * chunk, chunk, &len);
		if (r != MKBOX_OK || len != chunk) {
			mk_buf_printf(b->why, "bulk chunk %llu of %u from %s: %s, %u bytes",
				      (unsigned long long)k, count, bench_peer_name(b), mkbox_strerror(r), len);
			return false;
		}
	}
	return true;
}

bool bench_put_digest(struct bench *b, uint32_t chunk, uint32_t count)
{
	struct msg_hdr h;
	msg_control(&h, MSG_BENCH_ACK, count);
	h.sum = bench_digest(b->cfg->bulk, (uint64_t)chunk * count);
	return bench_put(b, &h, sizeof(h));
}
