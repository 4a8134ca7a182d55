/*
 * Mailbox benchmark between two probes (probe.bench=<peer> on both; README.md
 * "Benchmark").  The partition with the lower index leads (the initiator)
 * and measures; the other answers.  Everything is in TSC cycles from
 * link.cfg.now, medians over many rounds, each phase bounded in rounds and
 * in time:
 *
 *   raw     a 64-bit word ping-ponged between two cache lines of the shared
 *           region: the next free slot line of each direction's ring, which
 *           only that ring's producer writes (docs/abi.md), so no other
 *           agreement on memory is needed
 *   poll    a one-slot message and its echo, both sides polling with
 *           mkbox_recv, each send followed by the doorbell check
 *   ipi     the same with doorbells: each side arms and halts; the sender
 *           rings when mkbox_ring_needed says so
 *   stream  large messages one way between two cache-resident buffers,
 *           polled; MB/s against the same copies done by this CPU alone
 *   bulk    a buffer in our RAM sent into the peer's RAM (mkbox_send from
 *           the source, mkbox_recv straight into the destination), checked
 *           by a digest afterwards; MB/s against memcpy of the same bytes
 *           within our RAM (the memcpy bandwidth the target names)
 */
#ifndef PROBE_BENCH_H
#define PROBE_BENCH_H

#include "link.h"

struct bench_config {
	uint32_t peer;
	uint64_t tsc_khz;         /* cycles per ms, for MB/s */
	uint32_t rounds;          /* raw and poll rounds; ipi rounds are a quarter */
	uint64_t phase_cycles;    /* time budget of each phase */
	uint64_t stream_bytes;    /* streamed at most */
	uint64_t deadline;        /* everything, answers from the peer included */
	uint64_t *samples;        /* room for `rounds` samples (the initiator's) */
	uint8_t *bulk;            /* scratch RAM for the bulk phase (NULL: no bulk phase) */
	uint64_t bulk_size;       /* the initiator uses half as source, half as memcpy target */
	uint64_t bulk_bytes;      /* sent at most */
};

struct bench_stat {
	uint32_t n;
	uint64_t min, median, p90;
};

struct bench_result {
	bool initiator;
	struct bench_stat raw, poll, ipi;
	uint32_t ipi_rings;       /* doorbells the initiator rang in the ipi phase */
	uint32_t msg_len;         /* streamed message size */
	uint64_t stream_bytes, stream_cycles, stream_mbps;
	uint64_t memcpy_cycles, memcpy_mbps;
	uint32_t bulk_msg_len;
	uint64_t bulk_bytes, bulk_cycles, bulk_mbps;   /* 0 when either side has no scratch */
	uint64_t bulk_copy_cycles, bulk_copy_mbps;
	uint32_t answered;        /* responder: requests answered */
};

/* Runs the benchmark with cfg->peer: false with a reason in why. */
bool bench_run(struct link *l, const struct bench_config *cfg, struct bench_result *res,
	       struct mk_buf *why);

/* Sorts v[0..n) and fills the statistics (n may be 0). */
void bench_stats(uint64_t *v, uint32_t n, struct bench_stat *s);
/* What the bulk phase checks a transfer with: both sides compute it over their bytes. */
uint64_t bench_digest(const uint8_t *p, uint64_t len);
/* Megabytes (10^6 bytes) per second; 0 when cycles or khz is 0. */
uint64_t bench_mbps(uint64_t bytes, uint64_t cycles, uint64_t khz);

#endif
