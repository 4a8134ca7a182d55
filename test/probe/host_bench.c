/*
 * The probe's mailbox benchmark (bench.c) run natively: two host threads,
 * pinned to two CPUs, play the two probes on a region laid out in host memory
 * by the mailbox library, with the same code the probe runs.  No emulator
 * between the code and the caches, so raw/poll and stream/memcpy are real
 * hardware ratios.  There are no interrupts in user space: the "ipi" phase
 * arms the doorbell and yields instead of halting, and nobody rings.
 *
 *   host_bench [slots slot_size [cpu_a cpu_b]]     (default 64 4096 0 1)
 *
 * Prints the probe's result line ("bench raw_rtt_cycles=... bulk_memcpy_mbps=...")
 * prefixed "host[a]:" so tools/bench.py can read it.  The bulk phase moves
 * BULK bytes, beyond any cache, from a's memory into b's.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "link.h"

#define ROUNDS 20000u
#define BUF (64u << 10)
#define BULK (256ull << 20) /* bytes of the bulk phase: beyond any cache */

static uint8_t region[4 << 20] __attribute__((aligned(4096)));

struct side {
	struct mkbox mb;
	struct link l;
	struct bench_config cfg;
	struct bench_result res;
	uint8_t rx[BUF] __attribute__((aligned(64)));
	uint8_t tx[BUF] __attribute__((aligned(64)));
	uint64_t samples[ROUNDS];
	char why[200];
	int cpu;
	bool ok;
};

static struct side sides[2];

static uint64_t tsc(void *ctx)
{
	uint32_t lo, hi;
	(void)ctx;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static void yield(void *ctx, uint64_t until)
{
	(void)ctx;
	(void)until;
	sched_yield();
}

static void no_ring(void *ctx, uint32_t apic_id, uint8_t vector)
{
	(void)ctx;
	(void)apic_id;
	(void)vector;
}

static uint64_t ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* TSC kHz against CLOCK_MONOTONIC over 200 ms. */
static uint64_t tsc_khz(void)
{
	uint64_t n0 = ns(), t0 = tsc(NULL), n1, t1;
	struct timespec d = { 0, 200000000 };
	nanosleep(&d, NULL);
	n1 = ns();
	t1 = tsc(NULL);
	return (t1 - t0) * 1000000ull / (n1 - n0);
}

/* Scratch for the bulk phase, every page touched first: no page faults while measured. */
static uint8_t *scratch(uint64_t size)
{
	uint8_t *p = malloc(size);
	if (!p) {
		fprintf(stderr, "host_bench: no %llu MiB for the bulk phase\n", (unsigned long long)(size >> 20));
		exit(1);
	}
	memset(p, 0x5A, size);
	return p;
}

static void *run(void *arg)
{
	struct side *s = arg;
	struct mk_buf why;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(s->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	mk_buf_init(&why, s->why, sizeof(s->why));
	s->ok = bench_run(&s->l, &s->cfg, &s->res, &why);
	return NULL;
}

static void open_side(uint32_t self, uint64_t khz)
{
	struct side *s = &sides[self];
	struct link_config c;
	if (mkbox_open(&s->mb, region, sizeof(region), self) != MKBOX_OK) {
		fprintf(stderr, "host_bench: %s\n", s->mb.why);
		exit(1);
	}
	memset(&c, 0, sizeof(c));
	c.bench_peer = (int32_t)(1 - self);
	c.rx = s->rx;
	c.tx = s->tx;
	c.buf_size = BUF;
	c.ring = no_ring;
	c.now = tsc;
	c.idle = yield;
	c.slice = khz;
	c.hello_deadline = tsc(NULL) + 10 * khz * 1000;
	link_init(&s->l, &s->mb, &c);
	s->cfg.peer = 1 - self;
	s->cfg.tsc_khz = khz;
	s->cfg.rounds = ROUNDS;
	s->cfg.phase_cycles = khz * 1000; /* a second each */
	s->cfg.stream_bytes = 256ull << 20;
	/* a: source and memcpy target; b: destination. */
	s->cfg.bulk_size = self ? BULK : 2 * BULK;
	s->cfg.bulk = scratch(s->cfg.bulk_size);
	s->cfg.bulk_bytes = BULK;
	s->cfg.deadline = tsc(NULL) + 60 * khz * 1000;
	s->cfg.samples = s->samples;
}

int main(int argc, char **argv)
{
	uint32_t slots = argc > 2 ? (uint32_t)atoi(argv[1]) : 64;
	uint32_t slot_size = argc > 2 ? (uint32_t)atoi(argv[2]) : 4096;
	static const char *const names[2] = { "a", "b" };
	struct mkbox_part_desc d[2];
	uint32_t ids[2] = { 0, 1 };
	pthread_t t[2];
	uint64_t khz = tsc_khz();
	sides[0].cpu = argc > 4 ? atoi(argv[3]) : 0;
	sides[1].cpu = argc > 4 ? atoi(argv[4]) : 1;
	for (uint32_t i = 0; i < 2; i++) {
		d[i].name = names[i];
		d[i].apic_ids = &ids[i];
		d[i].ncpus = 1;
		d[i].boot_apic_id = i;
		d[i].vector = MKBOX_DEFAULT_VECTOR;
		d[i].flags = 0;
	}
	if (mkbox_region_init(region, 0, sizeof(region), d, 2, slots, slot_size) != MKBOX_OK) {
		fprintf(stderr, "host_bench: no layout for %u slots of %u bytes\n", slots, slot_size);
		return 1;
	}
	for (uint32_t i = 0; i < 2; i++)
		open_side(i, khz);
	for (uint32_t i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, run, &sides[i]);
	for (uint32_t i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (uint32_t i = 0; i < 2; i++)
		if (!sides[i].ok) {
			fprintf(stderr, "host_bench: %s: %s\n", names[i], sides[i].why);
			return 1;
		}
	const struct bench_result *r = &sides[0].res;
	printf("host[a]: bench with b: rings of %u slots x %u bytes, tsc %llu kHz, CPUs %d and %d\n",
	       slots, slot_size, (unsigned long long)khz, sides[0].cpu, sides[1].cpu);
	printf("host[a]: bench raw: %u rounds, cycles min %llu median %llu p90 %llu\n", r->raw.n,
	       (unsigned long long)r->raw.min, (unsigned long long)r->raw.median, (unsigned long long)r->raw.p90);
	printf("host[a]: bench mbox_poll: %u rounds, cycles min %llu median %llu p90 %llu\n", r->poll.n,
	       (unsigned long long)r->poll.min, (unsigned long long)r->poll.median, (unsigned long long)r->poll.p90);
	printf("host[a]: bench stream: %llu bytes in %u-byte messages, %llu cycles; memcpy %llu cycles\n",
	       (unsigned long long)r->stream_bytes, r->msg_len, (unsigned long long)r->stream_cycles,
	       (unsigned long long)r->memcpy_cycles);
	printf("host[a]: bench bulk: %llu bytes of a's memory into b's in %u-byte messages, digest checked, %llu cycles; memcpy within a's memory %llu cycles\n",
	       (unsigned long long)r->bulk_bytes, r->bulk_msg_len, (unsigned long long)r->bulk_cycles,
	       (unsigned long long)r->bulk_copy_cycles);
	printf("host[a]: bench raw_rtt_cycles=%llu mbox_poll_rtt_cycles=%llu mbox_ipi_rtt_cycles=%llu stream_mbps=%llu memcpy_mbps=%llu bulk_mbps=%llu bulk_memcpy_mbps=%llu\n",
	       (unsigned long long)r->raw.median, (unsigned long long)r->poll.median,
	       (unsigned long long)r->ipi.median, (unsigned long long)r->stream_mbps,
	       (unsigned long long)r->memcpy_mbps, (unsigned long long)r->bulk_mbps,
	       (unsigned long long)r->bulk_copy_mbps);
	return 0;
}
