/*
 * The probe's mailbox on the machine: link.c's hooks (the TSC, halting with
 * a wake-up timer, doorbell IPIs through the local APIC) and the phases
 * main.c runs: hello at boot, the waits, the stream exchange, the benchmark,
 * pings, and serving the mailbox for good after the verdict.  Interrupts are
 * enabled only inside idle()'s `sti; hlt; cli` (docs/abi.md "Halting without
 * a window").
 */
#include "probe.h"

#include "bench.h"
#include "cmdline.h"
#include "coord.h"
#include "link.h"
#include "x86.h"

#define PEERS_BUF_SIZE (64u << 10)  /* longest message the probe sends or takes */
#define PEERS_HELLO_MS 2000u        /* a peer silent this long after our hello is no probe */
#define PEERS_SLICE_MS 1u           /* longest halt before peer states are read again */
#define PEERS_SERVE_SLICE_MS 10u    /* after the verdict: peers that cannot ring wait this long */
/* Our own vectors, chosen clear of the doorbell vector the config gave us. */
#define PEERS_TIMER_VECTOR 0x30u
#define PEERS_TIMER_VECTOR_ALT 0x31u
#define PEERS_SPURIOUS_VECTOR 0xFFu     /* bits 0..3 set, as P6-family APICs want */
#define PEERS_SPURIOUS_VECTOR_ALT 0xDFu
#define PEERS_BENCH_ROUNDS 2000u
#define PEERS_BENCH_PHASE_MS 1000u
#define PEERS_BENCH_STREAM_BYTES (16ull << 20)
#define PEERS_BENCH_BULK_BYTES (64ull << 20)
#define PEERS_PINGS 8u

static struct {
	bool ready;
	const struct coord *coord;
	const struct probe_cmdline *cmd;
	struct apic apic;
	uint8_t timer_vector;
	uint64_t timer_per_ms; /* 0: no usable timer, idle() spins */
	uint64_t rung, ring_failed;
	int32_t ping_peer;
	struct mkbox mb;
	struct link link;
} P;

static uint8_t rx_buf[PEERS_BUF_SIZE] __attribute__((aligned(MKBOX_LINE)));
static uint8_t tx_buf[PEERS_BUF_SIZE] __attribute__((aligned(MKBOX_LINE)));
static uint64_t samples[PEERS_BENCH_ROUNDS];

static uint64_t now_tsc(void *ctx)
{
	(void)ctx;
	return rdtsc();
}

static void ring_doorbell(void *ctx, uint32_t apic_id, uint8_t vector)
{
	(void)ctx;
	if (apic_send_fixed(&P.apic, apic_id, vector))
		P.rung++;
	else
		P.ring_failed++;
}

/* Halts until an interrupt: a doorbell, or the one-shot timer set for `until`. */
static void idle(void *ctx, uint64_t until)
{
	uint64_t t = rdtsc(), ticks;
	(void)ctx;
	coord_heartbeat(P.coord);
	if (t >= until)
		return;
	if (!P.timer_per_ms || !mk_mul_u64(until - t, P.timer_per_ms, &ticks)) {
		cpu_relax(); /* no timer to bound a halt: poll instead */
		return;
	}
	ticks = ticks / tsc_khz() + 1;
	apic_timer_oneshot(&P.apic, P.timer_vector, ticks > UINT32_MAX ? UINT32_MAX : (uint32_t)ticks);
	/* STI's shadow covers HLT (SDM Vol.2 "STI"): an interrupt already pending wakes it. */
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	apic_timer_stop(&P.apic);
}

static int32_t find_peer(const char *name, const char *key)
{
	int32_t i;
	if (!name[0])
		return -1;
	i = mkbox_find(&P.mb, name);
	if (i < 0 || (uint32_t)i == P.mb.self)
		probe_fail("%s=%s: no other partition of that name", key, name);
	return i;
}

static void setup_interrupts(uint32_t doorbell)
{
	uint8_t spurious = doorbell == PEERS_SPURIOUS_VECTOR ? PEERS_SPURIOUS_VECTOR_ALT : PEERS_SPURIOUS_VECTOR;
	P.timer_vector = doorbell == PEERS_TIMER_VECTOR ? PEERS_TIMER_VECTOR_ALT : PEERS_TIMER_VECTOR;
	irq_setup(&P.apic, (uint8_t)doorbell, P.timer_vector, spurious);
	apic_enable(&P.apic, spurious);
	P.timer_per_ms = apic_timer_calibrate(&P.apic);
}

void peers_open(const struct mkboot_info *mk, const struct coord *coord, const struct apic *a,
		const struct probe_cmdline *cmd)
{
	struct link_config cfg;
	uint32_t vector;
	if (mkbox_open(&P.mb, (void *)(uintptr_t)mk->shared_phys, mk->shared_size,
		       mk->partition_index) != MKBOX_OK)
		probe_fail("%s", P.mb.why);
	vector = P.mb.peer[P.mb.self].vector;
	if (vector != mk->ipi_vector)
		probe_fail("mailbox: doorbell vector 0x%x in the partition table, 0x%x in the mkboot tag",
			   vector, mk->ipi_vector);
	P.coord = coord;
	P.cmd = cmd;
	P.apic = *a;
	setup_interrupts(vector);
	/* Field by field: an initialised struct could become a .rodata template with absolute addresses. */
	mk_memset(&cfg, 0, sizeof(cfg));
	cfg.stream_count = cmd->messages;
	cfg.corrupt = cmd->corrupt_mailbox;
	cfg.bench_peer = find_peer(cmd->bench, "probe.bench");
	cfg.rx = rx_buf;
	cfg.tx = tx_buf;
	cfg.buf_size = PEERS_BUF_SIZE;
	cfg.ring = ring_doorbell;
	cfg.now = now_tsc;
	cfg.idle = idle;
	cfg.slice = PEERS_SLICE_MS * tsc_khz();
	cfg.hello_deadline = tsc_deadline_ms(PEERS_HELLO_MS);
	P.ping_peer = find_peer(cmd->ping, "probe.ping");
	link_init(&P.link, &P.mb, &cfg);
	P.ready = true;
	link_step(&P.link); /* the hellos */
	probe_log("mailbox: rings of %u slots x %u bytes, doorbell vector 0x%x, wake-up timer %llu ticks/ms%s",
		  P.mb.slots, P.mb.slot_size, vector, (unsigned long long)P.timer_per_ms,
		  cmd->corrupt_mailbox ? "; self-test: stream message 1 to every probe gets spoilt" : "");
}

bool peers_ready(void)
{
	return P.ready;
}

bool peers_counts(uint32_t part)
{
	return !P.ready || (part < P.mb.nparts && P.link.peer[part].role == LINK_PROBE);
}

static uint64_t deadline_s(uint32_t s)
{
	return tsc_deadline_ms((uint64_t)s * 1000);
}

static void log_roles(void)
{
	char line[PROBE_LINE_MAX];
	struct mk_buf b;
	mk_buf_init(&b, line, sizeof(line));
	for (uint32_t role = LINK_PROBE; role <= LINK_OTHER; role++) {
		size_t start;
		mk_buf_puts(&b, role == LINK_PROBE ? "probes (said hello):" : "; others:");
		start = b.len;
		for (uint32_t q = 0; q < P.mb.nparts; q++)
			if (q != P.mb.self && P.link.peer[q].role == role)
				mk_buf_printf(&b, " %s", mkbox_part_name(&P.mb, q));
		if (b.len == start)
			mk_buf_puts(&b, " none");
	}
	probe_log("mailbox: %s", line);
}

void peers_wait_filled(uint32_t wait_s)
{
	if (link_wait(&P.link, link_probes_running, deadline_s(wait_s))) {
		log_roles();
		return;
	}
	for (uint32_t q = 0; q < P.mb.nparts; q++) {
		const struct link_peer *p = &P.link.peer[q];
		if (p->role == LINK_UNKNOWN)
			probe_fail("partition %u (%s) neither said hello nor ran within %u s (state %s)", q,
				   mkbox_part_name(&P.mb, q), wait_s, coord_state_name(p->state));
		if (p->role == LINK_PROBE && (p->state < MKBOX_STATE_RUNNING || p->state > MKBOX_STATE_PANICKED))
			probe_fail("partition %u (%s) did not fill its RAM within %u s (state %s)", q,
				   mkbox_part_name(&P.mb, q), wait_s, coord_state_name(p->state));
	}
}

static void log_doorbells(const char *when)
{
	struct irq_counts c;
	irq_counts(&c);
	probe_log("doorbells %s: %llu received, %llu rung%s, %llu timer wake-ups, %llu stray", when,
		  (unsigned long long)c.doorbell, (unsigned long long)P.rung,
		  P.ring_failed ? " (some could not be sent)" : "", (unsigned long long)c.timer,
		  (unsigned long long)c.stray);
}

void peers_exchange(uint32_t wait_s)
{
	char first[PROBE_LINE_MAX];
	first[0] = 0;
	bool done = link_wait(&P.link, link_exchanged, deadline_s(wait_s));
	for (uint32_t q = 0; q < P.mb.nparts; q++) {
		const struct link_peer *p = &P.link.peer[q];
		const char *name = mkbox_part_name(&P.mb, q);
		char status[LINK_WHY_MAX];
		struct mk_buf b;
		if (q == P.mb.self)
			continue;
		mk_buf_init(&b, status, sizeof(status));
		enum link_outcome o = link_status(&P.link, q, &b);
		if (p->role != LINK_PROBE)
			probe_log("mailbox %s: not a probe, no stream; %u pings answered%s%s", name, p->pings,
				  p->error[0] ? "; " : "", p->error);
		else
			probe_log("mailbox %s: sent %u received %u %s%s", name, p->tx_seq, p->rx_seq,
				  o == LINK_OK ? "" : o == LINK_CUT ? "cut short: " : "FAIL: ", status);
		if (o == LINK_FAILED && !first[0])
			mk_snprintf(first, sizeof(first), "mailbox %s: %s", name, status);
	}
	log_doorbells("after the exchange");
	if (first[0])
		probe_fail("%s", first);
	if (!done)
		probe_fail("mailbox: the exchange did not settle within %u s", wait_s);
}

static void log_stat(const char *what, const struct bench_stat *s, const char *extra)
{
	probe_log("bench %s: %u rounds, cycles min %llu median %llu p90 %llu%s", what, s->n,
		  (unsigned long long)s->min, (unsigned long long)s->median, (unsigned long long)s->p90,
		  extra);
}

void peers_bench(uint32_t wait_s, uint8_t *scratch, uint64_t scratch_size)
{
	char whybuf[PROBE_LINE_MAX], extra[64];
	struct bench_config cfg;
	struct bench_result r;
	struct irq_counts before, after;
	struct mk_buf why;
	if (P.link.cfg.bench_peer < 0)
		return;
	mk_buf_init(&why, whybuf, sizeof(whybuf));
	mk_memset(&cfg, 0, sizeof(cfg));
	cfg.peer = (uint32_t)P.link.cfg.bench_peer;
	cfg.tsc_khz = tsc_khz();
	cfg.rounds = PEERS_BENCH_ROUNDS;
	cfg.phase_cycles = PEERS_BENCH_PHASE_MS * tsc_khz();
	cfg.stream_bytes = PEERS_BENCH_STREAM_BYTES;
	cfg.deadline = deadline_s(wait_s);
	cfg.samples = samples;
	cfg.bulk = scratch;
	cfg.bulk_size = scratch_size;
	cfg.bulk_bytes = PEERS_BENCH_BULK_BYTES;
	irq_counts(&before);
	if (!bench_run(&P.link, &cfg, &r, &why))
		probe_fail("bench: %s", whybuf);
	irq_counts(&after);
	const char *peer = mkbox_part_name(&P.mb, cfg.peer);
	if (!r.initiator) {
		probe_log("bench with %s: answered %u requests, %llu doorbells received", peer, r.answered,
			  (unsigned long long)(after.doorbell - before.doorbell));
		return;
	}
	probe_log("bench with %s: rings of %u slots x %u bytes, tsc %llu kHz (TSC cycles throughout)", peer,
		  P.mb.slots, P.mb.slot_size, (unsigned long long)tsc_khz());
	log_stat("raw", &r.raw, " (the rings' free slot lines)");
	log_stat("mbox_poll", &r.poll, "");
	mk_snprintf(extra, sizeof(extra), ", %u doorbells rung, %llu received", r.ipi_rings,
		    (unsigned long long)(after.doorbell - before.doorbell));
	log_stat("mbox_ipi", &r.ipi, extra);
	probe_log("bench stream: %llu bytes in %u-byte messages, %llu cycles; memcpy %llu cycles",
		  (unsigned long long)r.stream_bytes, r.msg_len, (unsigned long long)r.stream_cycles,
		  (unsigned long long)r.memcpy_cycles);
	probe_log("bench bulk: %llu bytes of our RAM into %s's in %u-byte messages, digest checked, %llu cycles; memcpy within our RAM %llu cycles",
		  (unsigned long long)r.bulk_bytes, peer, r.bulk_msg_len,
		  (unsigned long long)r.bulk_cycles, (unsigned long long)r.bulk_copy_cycles);
	probe_log("bench raw_rtt_cycles=%llu mbox_poll_rtt_cycles=%llu mbox_ipi_rtt_cycles=%llu stream_mbps=%llu memcpy_mbps=%llu bulk_mbps=%llu bulk_memcpy_mbps=%llu",
		  (unsigned long long)r.raw.median, (unsigned long long)r.poll.median,
		  (unsigned long long)r.ipi.median, (unsigned long long)r.stream_mbps,
		  (unsigned long long)r.memcpy_mbps, (unsigned long long)r.bulk_mbps,
		  (unsigned long long)r.bulk_copy_mbps);
}

static bool ping_peer_done(const struct link *l)
{
	uint32_t s = l->peer[P.ping_peer].state;
	return s >= MKBOX_STATE_DONE && s <= MKBOX_STATE_PANICKED;
}

void peers_ping(uint32_t wait_s)
{
	struct link_peer *p;
	const char *name;
	if (P.ping_peer < 0)
		return;
	p = &P.link.peer[P.ping_peer];
	name = mkbox_part_name(&P.mb, (uint32_t)P.ping_peer);
	/* After its verdict: what a Linux init does to a probe that has long finished. */
	if (!link_wait(&P.link, ping_peer_done, deadline_s(wait_s)))
		probe_fail("ping %s: it did not finish within %u s", name, wait_s);
	link_ping_start(&P.link, (uint32_t)P.ping_peer, PEERS_PINGS);
	bool done = link_wait(&P.link, link_pinged, deadline_s(wait_s));
	probe_log("ping %s: %u of %u pongs in order", name, p->pong_next, PEERS_PINGS);
	if (p->error[0])
		probe_fail("ping %s: %s", name, p->error);
	if (!done || p->pong_next != PEERS_PINGS)
		probe_fail("ping %s: %u of %u pongs within %u s", name, p->pong_next, PEERS_PINGS, wait_s);
}

bool peers_wait_stopped(uint32_t wait_s)
{
	return link_wait(&P.link, link_probes_stopped, deadline_s(wait_s));
}

/* Pings answered per peer when the verdict was printed; UINT32_MAX once reported. */
static uint32_t pings_at_verdict[MKBOX_MAX_PARTS];

static bool new_pinger(const struct link *l)
{
	for (uint32_t q = 0; q < l->mb->nparts; q++)
		if (pings_at_verdict[q] != UINT32_MAX && l->peer[q].pings != pings_at_verdict[q])
			return true;
	return false;
}

void peers_serve_forever(void)
{
	for (uint32_t q = 0; q < P.mb.nparts; q++)
		pings_at_verdict[q] = P.link.peer[q].pings;
	/* Pings from peers that cannot ring (user space) and full rings need the timer now. */
	P.link.cfg.slice = PEERS_SERVE_SLICE_MS * tsc_khz();
	for (;;) {
		if (!link_wait(&P.link, new_pinger, tsc_deadline_ms(PEERS_SERVE_SLICE_MS)))
			continue;
		for (uint32_t q = 0; q < P.mb.nparts; q++)
			if (pings_at_verdict[q] != UINT32_MAX && P.link.peer[q].pings != pings_at_verdict[q]) {
				probe_log("answering pings from %s after the verdict", mkbox_part_name(&P.mb, q));
				pings_at_verdict[q] = UINT32_MAX;
			}
	}
}
