/*
 * Host tests for the probe's mailbox conversations: message formats (msg.c),
 * the exchange between probes and with a non-probe peer that only pings
 * (link.c, stepped by hand on a fake clock, then on threads), and the
 * benchmark protocol (bench.c, on two threads).  One region in host memory,
 * laid out by the mailbox library as mkboot would.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "check.h"
#include "link.h"
#include "msg.h"

#define MAXP 4
#define BUF 2048u
static const char *const names[MAXP] = { "p0", "p1", "p2", "linux" };
static uint8_t region[1 << 20] __attribute__((aligned(64)));

static void make_region(uint32_t n, uint32_t slots, uint32_t slot_size)
{
	struct mkbox_part_desc d[MAXP];
	static uint32_t ids[MAXP] = { 0, 1, 2, 3 };
	for (uint32_t i = 0; i < n; i++) {
		d[i].name = names[i];
		d[i].apic_ids = &ids[i];
		d[i].ncpus = 1;
		d[i].boot_apic_id = ids[i];
		d[i].vector = MKBOX_DEFAULT_VECTOR;
		d[i].flags = 0;
	}
	CHECK_EQ(mkbox_region_init(region, 0x7F000000, sizeof(region), d, n, slots, slot_size), MKBOX_OK);
	for (uint32_t i = 0; i < n; i++)
		mkbox_region_set_state(region, sizeof(region), i, MKBOX_STATE_STARTED);
}

/* ---- msg.c ---- */
static void test_msg(void)
{
	uint8_t a[200] __attribute__((aligned(8))), b[200] __attribute__((aligned(8)));
	char whybuf[200], name[MKBOX_NAME_MAX];
	struct mk_buf why;
	uint32_t i;

	CHECK_EQ(msg_checksum((const uint8_t *)"", 0), 0xCBF29CE484222325ull); /* FNV-1a 64 of "" */
	CHECK_EQ(msg_checksum((const uint8_t *)"a", 1), 0xAF63DC4C8601EC8Cull); /* ... and of "a" */
	memset(a, 1, sizeof(a));
	memcpy(b, a, sizeof(b));
	b[20] = 9; /* the sum field does not count */
	CHECK_EQ(msg_checksum(a, 100), msg_checksum(b, 100));
	b[30] = 9;
	CHECK(msg_checksum(a, 100) != msg_checksum(b, 100));

	/* The length schedule: header only, one slot, two slots, more, the longest, random. */
	CHECK_EQ(msg_stream_len(0, 56, 3584), MSG_HDR_LEN);
	CHECK_EQ(msg_stream_len(1, 56, 3584), 56);
	CHECK_EQ(msg_stream_len(2, 56, 3584), 57);
	CHECK_EQ(msg_stream_len(3, 56, 3584), 120);
	CHECK_EQ(msg_stream_len(4, 56, 3584), 3584);
	CHECK_EQ(msg_stream_len(12, 56, 3584), 3584);
	CHECK_EQ(msg_stream_len(1, 56, 40), 40); /* clamped to the cap */
	CHECK_EQ(msg_stream_len(1, 16, 40), MSG_HDR_LEN);
	bool varied = false;
	for (uint32_t s = 0; s < 4000; s++) {
		uint32_t len = msg_stream_len(s, 56, 3584);
		CHECK(len >= MSG_HDR_LEN && len <= 3584);
		varied |= s % 8 >= 5 && len > 120 && len < 3584;
	}
	CHECK(varied);

	mk_buf_init(&why, whybuf, sizeof(whybuf));
	msg_stream_build(a, 100, 2, 7);
	CHECK(msg_stream_check(a, 100, 7, 100, &why));
	CHECK_STR(whybuf, "");
	CHECK(msg_binary(a, 100) != NULL);
	CHECK(msg_binary(a, 99) == NULL); /* header length disagrees */
	CHECK(msg_binary(a + 1, 99) == NULL);
	CHECK(!msg_stream_check(a, 100, 8, 100, &why));
	CHECK_STR(whybuf, "expected message 8, got message 7 (lost, duplicated or reordered)");
	mk_buf_init(&why, whybuf, sizeof(whybuf));
	CHECK(!msg_stream_check(a, 100, 7, 101, &why));
	CHECK_STR(whybuf, "message 7: 100 bytes, header says 100, expected 101");
	mk_buf_init(&why, whybuf, sizeof(whybuf));
	CHECK(!msg_stream_check(a, 90, 7, 90, &why));
	CHECK_STR(whybuf, "message 7: 90 bytes, header says 100, expected 90");
	mk_buf_init(&why, whybuf, sizeof(whybuf));
	CHECK(!msg_stream_check(a, 10, 7, 100, &why));
	CHECK_STR(whybuf, "message 7: 10 bytes, shorter than a header");
	uint64_t good = msg_checksum(a, 100);
	a[99] ^= 0x5A;
	char want[200];
	snprintf(want, sizeof(want), "message 7 (100 bytes): checksum 0x%llx, computed 0x%llx",
		 (unsigned long long)good, (unsigned long long)msg_checksum(a, 100));
	mk_buf_init(&why, whybuf, sizeof(whybuf));
	CHECK(!msg_stream_check(a, 100, 7, 100, &why));
	CHECK_STR(whybuf, want);
	msg_control((struct msg_hdr *)a, MSG_BENCH_ACK, 3); /* kind 13 */
	CHECK(msg_binary(a, MSG_HDR_LEN) != NULL);
	mk_buf_init(&why, whybuf, sizeof(whybuf));
	CHECK(!msg_stream_check(a, MSG_HDR_LEN, 3, MSG_HDR_LEN, &why));
	CHECK_STR(whybuf, "message 3 (24 bytes): not a stream message (magic 0x31425250, kind 13)");
	((struct msg_hdr *)a)->kind = MSG_KIND_LIMIT;
	CHECK(msg_binary(a, MSG_HDR_LEN) == NULL);
	((struct msg_hdr *)a)->kind = 0;
	CHECK(msg_binary(a, MSG_HDR_LEN) == NULL);

	CHECK(msg_is_hello((const uint8_t *)"probe-hello", 11));
	CHECK(!msg_is_hello((const uint8_t *)"probe-hello", 10));
	CHECK(!msg_is_hello((const uint8_t *)"probe-hellO", 11));

#define T(s) (const uint8_t *)(s), (uint32_t)strlen(s)
	CHECK(msg_ping_parse(T("ping 0 from linux0"), &i, name, sizeof(name)));
	CHECK_EQ(i, 0);
	CHECK_STR(name, "linux0");
	CHECK(msg_ping_parse(T("ping 4294967295 from a"), &i, name, sizeof(name)));
	CHECK_EQ(i, 4294967295u);
	CHECK(msg_ping_parse(T("ping 17 from 0123456789012345678901234567890"), &i, name, sizeof(name)));
	CHECK(!msg_ping_parse(T("ping 17 from 0123456789012345678901234567890x"), &i, name, sizeof(name)));
	CHECK(!msg_ping_parse(T("ping 4294967296 from a"), &i, name, sizeof(name)));
	CHECK(!msg_ping_parse(T("ping 01234567890 from a"), &i, name, sizeof(name)));
	CHECK(!msg_ping_parse(T("ping 01 from a"), &i, name, sizeof(name))); /* "pong 1" would not echo it */
	CHECK(msg_ping_parse(T("ping 10 from a"), &i, name, sizeof(name)));
	CHECK_EQ(i, 10);
	CHECK(!msg_ping_parse(T("ping  1 from a"), &i, name, sizeof(name)));
	CHECK(!msg_ping_parse(T("ping 1 from "), &i, name, sizeof(name)));
	CHECK(!msg_ping_parse(T("ping 1 from a b"), &i, name, sizeof(name)));
	CHECK(!msg_ping_parse(T("ping 1 to a"), &i, name, sizeof(name)));
	CHECK(!msg_ping_parse((const uint8_t *)"ping 1 from a\0", 14, &i, name, sizeof(name)));
	CHECK(!msg_ping_parse(T("ping"), &i, name, sizeof(name)));
	CHECK(!msg_ping_parse(T("ping 1 from abc"), &i, name, 3)); /* the caller's buffer */
	CHECK(msg_pong_parse(T("pong 3 to x"), &i, name, sizeof(name)));
	CHECK_EQ(i, 3);
	CHECK_STR(name, "x");
	CHECK(!msg_pong_parse(T("pong 3 from x"), &i, name, sizeof(name)));
	uint8_t text[MSG_TEXT_MAX];
	uint32_t n = msg_pong_format(text, sizeof(text), 7, "linux0");
	CHECK_EQ(n, 16);
	CHECK(!memcmp(text, "pong 7 to linux0", 16));
	n = msg_ping_format(text, sizeof(text), 12, "p1");
	CHECK_EQ(n, 15);
	CHECK(!memcmp(text, "ping 12 from p1", 15));
	CHECK_EQ(msg_ping_format(text, 14, 12, "p1"), 0);
#undef T
}

/* ---- link.c, stepped by hand ---- */
struct inst {
	struct mkbox mb;
	struct link l;
	uint8_t rx[BUF] __attribute__((aligned(64)));
	uint8_t tx[BUF] __attribute__((aligned(64)));
	uint32_t rung;
};

static struct inst P[MAXP];
static uint64_t fake_now;

static uint64_t now_fake(void *ctx)
{
	(void)ctx;
	return fake_now;
}

static void idle_fake(void *ctx, uint64_t until)
{
	(void)ctx;
	if (fake_now < until)
		fake_now = until;
}

static void ring_count(void *ctx, uint32_t apic_id, uint8_t vector)
{
	struct inst *x = ctx;
	(void)apic_id;
	(void)vector;
	x->rung++;
}

static void open_probe(uint32_t self, uint32_t stream, bool corrupt, int32_t bench)
{
	struct inst *x = &P[self];
	struct link_config cfg;
	memset(x, 0, sizeof(*x));
	CHECK_EQ(mkbox_open(&x->mb, region, sizeof(region), self), MKBOX_OK);
	memset(&cfg, 0, sizeof(cfg));
	cfg.stream_count = stream;
	cfg.corrupt = corrupt;
	cfg.bench_peer = bench;
	cfg.rx = x->rx;
	cfg.tx = x->tx;
	cfg.buf_size = BUF;
	cfg.ring = ring_count;
	cfg.ring_ctx = x;
	cfg.now = now_fake;
	cfg.idle = idle_fake;
	cfg.slice = 10;
	cfg.hello_deadline = fake_now + 1000;
	link_init(&x->l, &x->mb, &cfg);
}

/* A Linux init in miniature: pings a probe, checks the pongs, ignores everything else. */
struct pinger {
	struct mkbox mb;
	uint32_t target, sent, ponged, hellos, others;
	bool bad;
};

static void pinger_step(struct pinger *g, uint32_t count)
{
	uint8_t buf[4096];
	char name[MKBOX_NAME_MAX];
	uint32_t len, i;
	while (mkbox_recv(&g->mb, g->target, buf, sizeof(buf), &len) == MKBOX_OK) {
		if (msg_is_hello(buf, len))
			g->hellos++;
		else if (msg_pong_parse(buf, len, &i, name, sizeof(name)) && i == g->ponged &&
			 !strcmp(name, "linux"))
			g->ponged++;
		else if (msg_binary(buf, len))
			g->bad = true; /* a probe must not stream to a non-probe */
		else
			g->others++;
	}
	if (g->sent < count && g->sent == g->ponged) {
		len = msg_ping_format(buf, sizeof(buf), g->sent, "linux");
		if (mkbox_send(&g->mb, g->target, buf, len) == MKBOX_OK)
			g->sent++;
	}
}

static char status_buf[LINK_WHY_MAX];
static enum link_outcome outcome;
static const char *status(uint32_t self, uint32_t peer)
{
	struct mk_buf b;
	mk_buf_init(&b, status_buf, sizeof(status_buf));
	outcome = link_status(&P[self].l, peer, &b);
	return status_buf;
}

static void step_probes(uint32_t n, uint32_t rounds)
{
	for (uint32_t r = 0; r < rounds; r++)
		for (uint32_t i = 0; i < n; i++)
			link_step(&P[i].l);
}

static bool all_exchanged(uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (!link_exchanged(&P[i].l))
			return false;
	return true;
}

static void test_exchange(void)
{
	struct pinger g0, g2;
	fake_now = 0;
	make_region(4, 64, 64);
	for (uint32_t i = 0; i < 3; i++)
		open_probe(i, 60, false, -1);
	memset(&g0, 0, sizeof(g0));
	CHECK_EQ(mkbox_open(&g0.mb, region, sizeof(region), 3), MKBOX_OK);
	g2 = g0;
	g0.target = 0;
	g2.target = 2;
	/* Linux writes RUNNING early and never says hello: the state settles it. */
	mkbox_set_state(&g0.mb, MKBOX_STATE_RUNNING);
	step_probes(3, 1);
	for (uint32_t i = 0; i < 3; i++) {
		CHECK(!link_probes_running(&P[i].l)); /* nobody RUNNING yet */
		mkbox_set_state(&P[i].mb, MKBOX_STATE_RUNNING);
	}
	uint32_t rounds = 0;
	for (; rounds < 5000 && !(all_exchanged(3) && g0.ponged == 3 && g2.ponged == 1); rounds++) {
		step_probes(3, 1);
		pinger_step(&g0, 3);
		pinger_step(&g2, 1);
	}
	CHECK(rounds < 5000);
	for (uint32_t i = 0; i < 3; i++) {
		CHECK(link_probes_running(&P[i].l));
		CHECK(!link_probes_stopped(&P[i].l));
		CHECK_EQ(P[i].l.peer[3].role, LINK_OTHER);
		CHECK(!P[i].l.peer[3].late_hello);
		for (uint32_t q = 0; q < 3; q++) {
			if (q == i)
				continue;
			CHECK_EQ(P[i].l.peer[q].role, LINK_PROBE);
			CHECK_EQ(P[i].l.peer[q].tx_seq, 60);
			CHECK_EQ(P[i].l.peer[q].rx_seq, 60);
			CHECK_STR(status(i, q), "ok");
		}
		CHECK_STR(status(i, 3), "ok");
	}
	CHECK_EQ(P[0].l.peer[3].pings, 3);
	CHECK_EQ(P[2].l.peer[3].pings, 1);
	CHECK_EQ(P[1].l.peer[3].pings, 0);
	CHECK_EQ(g0.hellos, 1);
	CHECK_EQ(g0.others, 0);
	CHECK(!g0.bad && !g2.bad);
	/* Nobody halted, so nobody armed and nobody rang. */
	CHECK_EQ(P[0].rung + P[1].rung + P[2].rung, 0);

	/* DONE and FAILED both end the final wait; STARTED does not. */
	mkbox_set_state(&P[1].mb, MKBOX_STATE_DONE);
	step_probes(1, 1);
	CHECK(!link_probes_stopped(&P[0].l));
	mkbox_set_state(&P[2].mb, MKBOX_STATE_FAILED);
	step_probes(1, 1);
	CHECK(link_probes_stopped(&P[0].l));
}

/* A receiver that armed gets exactly one doorbell per arming, however many messages follow. */
static void test_doorbells(void)
{
	fake_now = 0;
	make_region(2, 64, 64);
	open_probe(0, 5, false, -1);
	open_probe(1, 5, false, -1);
	step_probes(2, 1); /* p0: hello; p1: takes it, sends hello, stream and end */
	CHECK(!link_arm(&P[1].l)); /* nothing new from p0: p1 may halt, armed */
	CHECK_EQ(P[0].rung, 0);
	link_step(&P[0].l); /* p1's hello and stream; then p0's whole stream to p1, one ring */
	CHECK_EQ(P[0].rung, 1);
	CHECK_EQ(P[0].l.peer[1].rings, 1);
	link_step(&P[0].l);
	CHECK_EQ(P[0].rung, 1);
	CHECK(link_arm(&P[1].l)); /* messages wait: do not halt (and disarmed again) */
	for (uint32_t r = 0; r < 10 && !all_exchanged(2); r++)
		step_probes(2, 1);
	CHECK(all_exchanged(2));
	CHECK_EQ(P[1].rung, 0); /* p0 never armed */
}

static void test_unfinished(void)
{
	fake_now = 0;
	make_region(2, 64, 64);
	open_probe(0, 200, false, -1);
	open_probe(1, 200, false, -1);
	link_step(&P[1].l); /* its hello only: p0 is not known as a probe yet */
	link_step(&P[0].l); /* the hello, then as much of p0's stream as fits */
	CHECK_EQ(P[0].l.peer[1].role, LINK_PROBE);
	CHECK(P[0].l.tx_blocked);
	CHECK(!link_exchanged(&P[0].l));
	CHECK_STR(status(0, 1), "stream not finished (our end not sent, its end missing)");
	CHECK_EQ(outcome, LINK_FAILED);
	/* The deadline passes: link_wait says so and the status stays a failure. */
	CHECK(!link_wait(&P[0].l, link_exchanged, fake_now + 50));
	CHECK_EQ(outcome, LINK_FAILED);
}

static void test_corrupt(void)
{
	char want[LINK_WHY_MAX];
	uint8_t m[BUF] __attribute__((aligned(8)));
	fake_now = 0;
	make_region(3, 64, 64);
	open_probe(0, 20, false, -1);
	open_probe(1, 20, true, -1);
	open_probe(2, 20, false, -1);
	for (uint32_t r = 0; r < 100 && !all_exchanged(3); r++) {
		step_probes(3, 1);
		for (uint32_t i = 0; i < 3; i++)
			mkbox_set_state(&P[i].mb, MKBOX_STATE_RUNNING);
	}
	CHECK(all_exchanged(3));
	msg_stream_build(m, 56, 1, 1);
	uint64_t sent = msg_checksum(m, 56);
	m[55] ^= 0x5A;
	snprintf(want, sizeof(want), "message 1 (56 bytes): checksum 0x%llx, computed 0x%llx",
		 (unsigned long long)sent, (unsigned long long)msg_checksum(m, 56));
	CHECK_STR(status(0, 1), want);
	CHECK_EQ(outcome, LINK_FAILED);
	CHECK_STR(status(2, 1), want);
	CHECK_EQ(P[0].l.peer[1].rx_seq, 20); /* the rest still arrived and was checked */
	CHECK_STR(status(1, 0), "ok");
	CHECK_STR(status(0, 2), "ok");
}

static void test_roles(void)
{
	struct pinger g;
	uint8_t big[3000];
	fake_now = 0;
	make_region(4, 64, 64);
	open_probe(0, 4, false, -1);
	memset(&g, 0, sizeof(g));
	CHECK_EQ(mkbox_open(&g.mb, region, sizeof(region), 3), MKBOX_OK);
	/* A peer whose first message is not a hello is no probe, whatever its state. */
	pinger_step(&g, 1);
	link_step(&P[0].l);
	CHECK_EQ(P[0].l.peer[3].role, LINK_OTHER);
	CHECK_EQ(P[0].l.peer[3].pings, 1);
	CHECK_EQ(P[0].l.peer[1].role, LINK_UNKNOWN); /* STARTED, silent: not yet known */
	CHECK(!link_all_settled(&P[0].l));
	/* Too big for the probe's buffer: dropped. Unknown text: ignored. */
	memset(big, 'x', sizeof(big));
	CHECK_EQ(mkbox_send(&g.mb, 0, big, sizeof(big)), MKBOX_OK);
	CHECK_EQ(mkbox_send(&g.mb, 0, "hello there", 11), MKBOX_OK);
	link_step(&P[0].l);
	CHECK_EQ(P[0].l.peer[3].unknown, 2);
	CHECK(!P[0].l.peer[3].broken);
	/* A slot with an impossible seq breaks that ring, only that one. */
	struct mkbox_ring *ring = g.mb.peer[0].tx;
	struct mkbox_slot_hdr *slot = (void *)((uint8_t *)ring + MKBOX_RING_CTRL_SIZE +
					      (g.mb.peer[0].tx_head & 63) * 64);
	slot->seq = 12345;
	link_step(&P[0].l);
	CHECK(P[0].l.peer[3].broken);
	CHECK_STR(status(0, 3), "its ring to us: ring corrupted by peer");
	CHECK_EQ(outcome, LINK_OK); /* a non-probe's trouble is not the probe's */
	CHECK_EQ(P[0].l.peer[3].role, LINK_OTHER);

	/* Silent peers become non-probes at the hello deadline; a late hello still counts. */
	CHECK(!link_wait(&P[0].l, link_all_settled, fake_now + 500)); /* deadline before hello_deadline */
	CHECK_EQ(fake_now, 500);
	CHECK(link_wait(&P[0].l, link_all_settled, fake_now + 5000));
	CHECK(fake_now >= 1000 && fake_now < 1100);
	CHECK_EQ(P[0].l.peer[1].role, LINK_OTHER);
	CHECK(link_exchanged(&P[0].l)); /* no probes, nothing to exchange */
	open_probe(1, 4, false, -1);
	for (uint32_t r = 0; r < 20; r++)
		step_probes(2, 1);
	CHECK_EQ(P[0].l.peer[1].role, LINK_PROBE);
	CHECK(P[0].l.peer[1].late_hello);
	CHECK_STR(status(0, 1), "ok");
	CHECK_STR(status(1, 0), "ok");
	CHECK_EQ(P[0].l.peer[1].rx_seq, 4);
}

static void test_stopped_and_pings(void)
{
	struct pinger g;
	uint8_t buf[64];
	fake_now = 0;
	make_region(4, 64, 64);
	open_probe(0, 40, false, -1);
	open_probe(1, 40, false, -1);
	open_probe(2, 0, false, -1);
	memset(&g, 0, sizeof(g));
	CHECK_EQ(mkbox_open(&g.mb, region, sizeof(region), 3), MKBOX_OK);
	mkbox_set_state(&g.mb, MKBOX_STATE_RUNNING);
	step_probes(3, 1);
	link_ping_start(&P[0].l, 2, 5); /* probe to probe */
	link_ping_start(&P[0].l, 3, 2); /* probe to "linux", which answers wrongly */
	CHECK(!link_pinged(&P[0].l));
	/* p1 gives up after a few rounds: p0's exchange with it ends without its stream. */
	step_probes(3, 2);
	mkbox_set_state(&P[1].mb, MKBOX_STATE_FAILED);
	for (uint32_t r = 0; r < 200 && !(link_exchanged(&P[0].l) && link_pinged(&P[0].l)); r++) {
		link_step(&P[0].l);
		link_step(&P[2].l);
		while (mkbox_recv(&g.mb, 0, buf, sizeof(buf), &(uint32_t){ 0 }) == MKBOX_OK)
			;
		mkbox_send(&g.mb, 0, "pong 1 to p0", 12);
	}
	CHECK(link_exchanged(&P[0].l));
	CHECK(link_pinged(&P[0].l));
	CHECK_STR(status(0, 1), "it stopped (FAILED) before its stream ended");
	CHECK_EQ(outcome, LINK_CUT);
	CHECK_EQ(P[0].l.peer[2].pong_next, 5);
	CHECK_EQ(P[2].l.peer[0].pings, 5);
	CHECK_STR(status(0, 2), "ok");
	CHECK_EQ(outcome, LINK_OK);
	CHECK_STR(P[0].l.peer[3].error, "pong 1 to p0, expected pong 0 to p0");
	CHECK_STR(status(0, 3), "pong 1 to p0, expected pong 0 to p0");
}

static void test_parking(void)
{
	struct msg_hdr h;
	const struct msg_hdr *got;
	uint32_t len;
	struct mkbox_waiter w = { NULL, NULL, NULL, 0, 0 };
	fake_now = 0;
	make_region(2, 64, 64);
	open_probe(0, 0, false, 1);
	open_probe(1, 0, false, 0);
	link_step(&P[1].l); /* its hello and its stream end */
	msg_control(&h, MSG_BENCH_BEGIN, 77);
	CHECK_EQ(mkbox_send(&P[1].mb, 0, &h, sizeof(h)), MKBOX_OK);
	msg_control(&h, MSG_BENCH_ECHO, 78);
	CHECK_EQ(mkbox_send(&P[1].mb, 0, &h, sizeof(h)), MKBOX_OK);
	link_step(&P[0].l);
	CHECK(P[0].l.parked);
	CHECK_EQ(link_take(&P[0].l, &w, &got, &len), MKBOX_OK);
	CHECK_EQ(got->kind, MSG_BENCH_BEGIN);
	CHECK_EQ(got->seq, 77);
	CHECK(!P[0].l.parked);
	CHECK_EQ(link_take(&P[0].l, &w, &got, &len), MKBOX_OK); /* the ECHO was left in the ring */
	CHECK_EQ(got->kind, MSG_BENCH_ECHO);
	CHECK_EQ(link_take(&P[0].l, &w, &got, &len), MKBOX_TIMEOUT);
	CHECK_EQ(P[0].l.peer[1].unknown, 0);
	/* A bench message from a peer that is not the bench partner is just not understood. */
	msg_control(&h, MSG_BENCH_BEGIN, 1);
	CHECK_EQ(mkbox_send(&P[0].mb, 1, &h, sizeof(h)), MKBOX_OK);
	open_probe(1, 0, false, -1);
	link_step(&P[1].l);
	CHECK_EQ(P[1].l.peer[0].unknown, 1);
	CHECK_EQ(link_take(&P[1].l, &w, &got, &len), MKBOX_BAD_PEER);
}

/* ---- on threads: the real waits, real time ---- */
static uint64_t now_ns(void *ctx)
{
	struct timespec t;
	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void idle_yield(void *ctx, uint64_t until)
{
	(void)ctx;
	(void)until;
	sched_yield();
}

#define SEC 1000000000ull
static void open_threaded(uint32_t self, uint32_t stream, int32_t bench)
{
	open_probe(self, stream, false, bench);
	P[self].l.cfg.now = now_ns;
	P[self].l.cfg.idle = idle_yield;
	P[self].l.cfg.slice = SEC / 1000;
	P[self].l.cfg.hello_deadline = now_ns(NULL) + 5 * SEC;
}

static bool ok[MAXP];
static void *exchange_thread(void *arg)
{
	uint32_t self = (uint32_t)(uintptr_t)arg;
	struct link *l = &P[self].l;
	ok[self] = link_wait(l, link_all_settled, now_ns(NULL) + 10 * SEC);
	mkbox_set_state(&P[self].mb, MKBOX_STATE_RUNNING);
	ok[self] = ok[self] && link_wait(l, link_probes_running, now_ns(NULL) + 10 * SEC);
	ok[self] = ok[self] && link_wait(l, link_exchanged, now_ns(NULL) + 20 * SEC);
	mkbox_set_state(&P[self].mb, MKBOX_STATE_DONE);
	ok[self] = ok[self] && link_wait(l, link_probes_stopped, now_ns(NULL) + 10 * SEC);
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[3];
	make_region(3, 16, 128); /* small rings: many laps, many full rings */
	for (uint32_t i = 0; i < 3; i++)
		open_threaded(i, 300, -1);
	for (uint32_t i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, exchange_thread, (void *)(uintptr_t)i);
	for (uint32_t i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	for (uint32_t i = 0; i < 3; i++) {
		CHECK(ok[i]);
		for (uint32_t q = 0; q < 3; q++)
			if (q != i) {
				CHECK_STR(status(i, q), "ok");
				CHECK_EQ(P[i].l.peer[q].rx_seq, 300);
			}
	}
}

/* ---- bench.c ---- */
static void test_stats(void)
{
	uint64_t v[] = { 9, 1, 8, 2, 7, 3, 6, 4, 5, 10 };
	struct bench_stat s;
	bench_stats(v, 10, &s);
	CHECK_EQ(s.n, 10);
	CHECK_EQ(s.min, 1);
	CHECK_EQ(s.median, 6);
	CHECK_EQ(s.p90, 10);
	for (uint32_t i = 1; i < 10; i++)
		CHECK(v[i - 1] <= v[i]);
	bench_stats(v, 0, &s);
	CHECK_EQ(s.n, 0);
	CHECK_EQ(s.median, 0);
	CHECK_EQ(bench_mbps(1000000, 2000000, 2000), 1);      /* 10^6 bytes in 1 ms at 2 MHz... */
	CHECK_EQ(bench_mbps(1000000, 2000000, 2000000), 1000); /* ...and at 2 GHz */
	CHECK_EQ(bench_mbps(1, 0, 2000000), 0);
	CHECK_EQ(bench_mbps(UINT64_MAX, 1, 2), 0);
}

static uint64_t samples[2][400];
static uint8_t scratch[2][3 << 20];
static struct bench_result res[2];
static char why_text[2][200];
static bool bench_ok[2];

static void *bench_thread(void *arg)
{
	uint32_t self = (uint32_t)(uintptr_t)arg;
	struct bench_config cfg;
	struct mk_buf why;
	memset(&cfg, 0, sizeof(cfg));
	cfg.peer = 1 - self;
	cfg.tsc_khz = 1000000; /* the clock counts ns */
	cfg.rounds = 400;
	cfg.phase_cycles = 5 * SEC;
	cfg.stream_bytes = 1 << 20;
	cfg.deadline = now_ns(NULL) + 30 * SEC;
	cfg.samples = samples[self];
	/* The initiator has room for 1 MiB and its copy; the responder for 3 MiB. */
	cfg.bulk = scratch[self];
	cfg.bulk_size = self ? sizeof(scratch[self]) : 2 << 20;
	cfg.bulk_bytes = 8 << 20;
	mk_buf_init(&why, why_text[self], sizeof(why_text[self]));
	/* The responder arrives late: BEGIN waits parked, as in the probe. */
	if (self == 1) {
		struct timespec d = { 0, 50000000 };
		nanosleep(&d, NULL);
		link_step(&P[1].l);
	}
	bench_ok[self] = bench_run(&P[self].l, &cfg, &res[self], &why);
	return NULL;
}

static void test_bench(void)
{
	pthread_t t[2];
	make_region(2, 64, 1024);
	open_threaded(0, 0, 1);
	open_threaded(1, 0, 0);
	for (uint32_t i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, bench_thread, (void *)(uintptr_t)i);
	for (uint32_t i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(bench_ok[0]);
	CHECK(bench_ok[1]);
	CHECK_STR(why_text[0], "");
	CHECK_STR(why_text[1], "");
	CHECK(res[0].initiator && !res[1].initiator);
	CHECK_EQ(res[0].raw.n, 400);
	CHECK_EQ(res[0].poll.n, 400);
	CHECK_EQ(res[0].ipi.n, 100);
	CHECK(res[0].raw.median > 0 && res[0].raw.min <= res[0].raw.median);
	CHECK(res[0].raw.median <= res[0].raw.p90);
	CHECK_EQ(res[0].msg_len, 2032); /* whole slots: the 2 KiB buffer is less than a quarter ring */
	CHECK(res[0].stream_bytes >= 1 << 20);
	CHECK(res[0].stream_mbps > 0 && res[0].memcpy_mbps > 0);
	/* Bulk: as many whole chunks as the initiator's half holds, every byte checked. */
	CHECK_EQ(res[0].bulk_msg_len, 16 * 1016);
	CHECK_EQ(res[0].bulk_bytes, (1 << 20) / (16 * 1016) * (16 * 1016));
	CHECK(res[0].bulk_mbps > 0 && res[0].bulk_copy_mbps > 0);
	CHECK(memcmp(scratch[0], scratch[1], res[0].bulk_bytes) == 0);
	CHECK(memcmp(scratch[0], scratch[0] + (1 << 20), res[0].bulk_bytes) == 0);
	/*
	 * BEGIN, RAW, 404 + 1 polled echoes (the last ends the loop), 104 doorbell
	 * echoes, DATA messages, DATA_END, BULK, BULK_GO, BULK_SUM; END is not counted.
	 */
	CHECK_EQ(res[1].answered, 2 + 405 + 104 + res[0].stream_bytes / res[0].msg_len + 1 + 3);

	/* A peer that never answers: the initiator gives up at its deadline. */
	struct bench_config cfg;
	struct mk_buf why;
	char text[200];
	make_region(2, 64, 64);
	open_threaded(0, 0, 1);
	memset(&cfg, 0, sizeof(cfg));
	cfg.peer = 1;
	cfg.tsc_khz = 1000000;
	cfg.rounds = 10;
	cfg.deadline = now_ns(NULL) + SEC / 10;
	cfg.samples = samples[0];
	mk_buf_init(&why, text, sizeof(text));
	CHECK(!bench_run(&P[0].l, &cfg, &res[0], &why));
	CHECK_STR(text, "waiting for p1: timed out");
	mk_buf_init(&why, text, sizeof(text));
	cfg.peer = 0;
	CHECK(!bench_run(&P[0].l, &cfg, &res[0], &why));
	CHECK_STR(text, "bench: partition 0 is no peer to bench with");
}

int main(void)
{
	test_msg();
	test_exchange();
	test_doorbells();
	test_unfinished();
	test_corrupt();
	test_roles();
	test_stopped_and_pings();
	test_parking();
	test_stats();
	test_threads();
	test_bench();
	return check_done("test_probe_link");
}
