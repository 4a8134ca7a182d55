/*
 * Two real producers/consumers hammering one region: threads, then processes
 * over a MAP_SHARED mapping, then the doorbell handshake with real sleeping.
 * Every message carries its sequence number and a checksum, so a lost,
 * duplicated, reordered or torn message is counted.
 */
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "mkbox.h"

#define DEADLINE_SECONDS 60 /* a hang is a failure, not a stuck test run */

static const uint32_t cpus0[] = {0}, cpus1[] = {1};
static const struct mkbox_part_desc descs[2] = {
	{.name = "left", .apic_ids = cpus0, .ncpus = 1, .boot_apic_id = 0, .vector = 0xEA},
	{.name = "right", .apic_ids = cpus1, .ncpus = 1, .boot_apic_id = 1, .vector = 0xEB},
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t fnv1a(const uint8_t *p, uint32_t n)
{
	uint32_t h = 2166136261u;
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Message `seq` from `dir`: u64 seq, payload bytes from seq, u32 checksum of all before it. */
static uint32_t msg_build(uint8_t *buf, uint64_t seq, uint32_t dir, uint32_t max_len)
{
	uint32_t len = 12 + (uint32_t)((seq * 2654435761u + dir) % (max_len - 11));
	uint32_t sum;

	memcpy(buf, &seq, 8);
	for (uint32_t i = 8; i < len - 4; i++)
		buf[i] = (uint8_t)(seq + i * 13 + dir);
	sum = fnv1a(buf, len - 4);
	memcpy(buf + len - 4, &sum, 4);
	return len;
}

/* 0 when buf is exactly message `seq`. */
static int msg_verify(const uint8_t *buf, uint32_t len, uint64_t seq, uint32_t dir,
		      uint32_t max_len)
{
	static __thread uint8_t want[8192];
	uint32_t want_len = msg_build(want, seq, dir, max_len);

	return len != want_len || memcmp(buf, want, len) != 0;
}

struct side {
	struct mkbox mb;
	uint32_t peer;
	uint64_t count;    /* messages each way */
	uint32_t max_len;  /* longest message */
	uint64_t errors, sent, received;
};

/* Sends and receives in bursts; yields when neither direction moved. */
static void side_run(struct side *s)
{
	uint8_t out[8192], in[8192];
	double deadline = now_seconds() + DEADLINE_SECONDS;
	uint32_t len;

	while (s->sent < s->count || s->received < s->count) {
		bool moved = false;

		for (int burst = 0; burst < 64 && s->sent < s->count; burst++) {
			uint32_t n = msg_build(out, s->sent, s->mb.self, s->max_len);
			int r = mkbox_send(&s->mb, s->peer, out, n);
			if (r == MKBOX_FULL)
				break;
			if (r != MKBOX_OK)
				s->errors++;
			s->sent++;
			moved = true;
		}
		for (int burst = 0; burst < 64 && s->received < s->count; burst++) {
			int r = mkbox_recv(&s->mb, s->peer, in, sizeof(in), &len);
			if (r == MKBOX_EMPTY)
				break;
			if (r != MKBOX_OK || msg_verify(in, len, s->received, s->peer, s->max_len))
				s->errors++;
			s->received++;
			moved = true;
		}
		if (!moved) {
			if (now_seconds() > deadline) {
				s->errors++;
				return;
			}
			sched_yield();
		}
	}
}

static void *side_thread(void *arg)
{
	side_run(arg);
	return NULL;
}

static uint8_t *region_map(uint64_t size, uint32_t slots, uint32_t slot_size)
{
	uint8_t *r = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(r != MAP_FAILED);
	CHECK_EQ(mkbox_region_init(r, 0x100000, size, descs, 2, slots, slot_size), MKBOX_OK);
	return r;
}

/* 1M messages each way between two threads, one- and two-slot messages. */
static void stress_threads(void)
{
	const uint64_t size = 64 * 1024;
	uint8_t *r = region_map(size, 64, 64);
	static struct side a, b;
	pthread_t ta, tb;
	double t0 = now_seconds();

	CHECK_EQ(mkbox_open(&a.mb, r, size, 0), MKBOX_OK);
	CHECK_EQ(mkbox_open(&b.mb, r, size, 1), MKBOX_OK);
	a.peer = 1;
	b.peer = 0;
	a.count = b.count = 1000000;
	a.max_len = b.max_len = 100;
	pthread_create(&ta, NULL, side_thread, &a);
	pthread_create(&tb, NULL, side_thread, &b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK_EQ(a.errors + b.errors, 0);
	CHECK_EQ(a.received, 1000000);
	CHECK_EQ(b.received, 1000000);
	CHECK_EQ(mkbox_peek(&a.mb, 1, &(uint32_t){0}), MKBOX_EMPTY);
	printf("stress: threads: 2000000 messages in %.2f s\n", now_seconds() - t0);
	munmap(r, size);
}

/* Two processes over MAP_SHARED, messages of up to 3 slots of 504 bytes. */
static void stress_processes(void)
{
	const uint64_t size = 64 * 1024;
	uint8_t *r = region_map(size, 16, 512);
	static struct side a, b;
	double t0 = now_seconds();
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int ok = mkbox_open(&b.mb, r, size, 1) == MKBOX_OK;
		b.peer = 0;
		b.count = 100000;
		b.max_len = 1200;
		if (ok)
			side_run(&b);
		_exit(ok && !b.errors && b.received == b.count ? 0 : 1);
	}
	CHECK(pid > 0);
	CHECK_EQ(mkbox_open(&a.mb, r, size, 0), MKBOX_OK);
	a.peer = 1;
	a.count = 100000;
	a.max_len = 1200;
	side_run(&a);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(a.errors, 0);
	CHECK_EQ(a.received, 100000);
	printf("stress: processes: 200000 messages in %.2f s\n", now_seconds() - t0);
	munmap(r, size);
}

/*
 * The doorbell race: the receiver arms before every sleep and really sleeps
 * (on a semaphore standing in for hlt); the sender posts it only when
 * mkbox_notify says so.  A lost wakeup shows up as a sleep that times out.
 */
struct bell {
	struct mkbox mb;
	sem_t irq;
	uint64_t count, errors, lost, sleeps, rings;
};

static void bell_ring(void *ctx, uint32_t apic_id, uint8_t vector)
{
	struct bell *b = ctx;
	b->rings++;
	sem_post(&b->irq);
}

static void bell_wait(void *ctx, bool armed)
{
	struct bell *b = ctx;
	struct timespec ts;

	if (!armed) {
		sched_yield();
		return;
	}
	b->sleeps++;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 1;
	if (sem_timedwait(&b->irq, &ts) != 0)
		b->lost++;
}

static void *bell_receiver(void *arg)
{
	struct bell *b = arg;
	struct mkbox_waiter w = {.wait = bell_wait, .ctx = b, .spin = 0, .timeout = 20};
	uint8_t in[128];
	uint32_t len;

	for (uint64_t i = 0; i < b->count; i++) {
		int r = mkbox_recv_wait(&b->mb, 0, in, sizeof(in), &len, &w);
		if (r != MKBOX_OK || msg_verify(in, len, i, 0, 100)) {
			b->errors++;
			if (r == MKBOX_TIMEOUT)
				break;
		}
	}
	return NULL;
}

static void stress_doorbell(void)
{
	const uint64_t size = 64 * 1024;
	uint8_t *r = region_map(size, 8, 64);
	static struct bell rx;
	struct mkbox tx;
	pthread_t t;
	uint8_t out[128];
	double t0 = now_seconds();
	uint64_t errors = 0;

	CHECK_EQ(mkbox_open(&tx, r, size, 0), MKBOX_OK);
	CHECK_EQ(mkbox_open(&rx.mb, r, size, 1), MKBOX_OK);
	sem_init(&rx.irq, 0, 0);
	rx.count = 100000;
	pthread_create(&t, NULL, bell_receiver, &rx);
	for (uint64_t i = 0; i < rx.count && now_seconds() < t0 + DEADLINE_SECONDS; i++) {
		uint32_t n = msg_build(out, i, 0, 100);
		int res;
		while ((res = mkbox_send(&tx, 1, out, n)) == MKBOX_FULL)
			sched_yield();
		errors += res != MKBOX_OK;
		/* Every few messages, like a batching sender; the handshake holds either way. */
		if (i % 3 == 0 || i + 1 == rx.count)
			mkbox_notify(&tx, 1, bell_ring, &rx);
		/* Pauses of varying length, so the receiver often drains the ring and sleeps. */
		for (volatile uint32_t k = 0; k < (i % 8) * 300; k++)
			;
	}
	pthread_join(t, NULL);
	CHECK_EQ(errors, 0);
	CHECK_EQ(rx.errors, 0);
	CHECK_EQ(rx.lost, 0);
	CHECK(rx.sleeps > 0);
	CHECK(rx.rings > 0);
	printf("stress: doorbell: 100000 messages, %lu sleeps, %lu rings, %.2f s\n",
	       (unsigned long)rx.sleeps, (unsigned long)rx.rings, now_seconds() - t0);
	sem_destroy(&rx.irq);
	munmap(r, size);
}

/*
 * The handshake as a litmus test: in each round the receiver arms and
 * re-checks while the sender publishes and looks at the flag, both released
 * at the same instant.  "Receiver saw nothing and sender saw no flag" is the
 * lost wakeup the fences exist to forbid (SDM Vol.3 8.2.3.4 allows exactly
 * that outcome without them).
 */
#define LITMUS_ROUNDS 200000

struct litmus {
	struct mkbox tx, rx;
	uint32_t arrived; /* barrier: rounds * 2 arrivals */
	uint8_t rx_empty[LITMUS_ROUNDS], tx_rang[LITMUS_ROUNDS];
	uint64_t errors;
};

static void litmus_barrier(struct litmus *l, uint32_t target)
{
	uint32_t spins = 0;

	__atomic_add_fetch(&l->arrived, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&l->arrived, __ATOMIC_ACQUIRE) < target)
		if (++spins % 1024 == 0)
			sched_yield();
}

static void *litmus_receiver(void *arg)
{
	struct litmus *l = arg;
	uint8_t in[64];
	uint32_t len;

	for (uint32_t i = 0; i < LITMUS_ROUNDS; i++) {
		litmus_barrier(l, 6 * i + 2);
		l->rx_empty[i] = mkbox_arm(&l->rx, 0) == MKBOX_EMPTY;
		litmus_barrier(l, 6 * i + 4);
		if (mkbox_recv(&l->rx, 0, in, sizeof(in), &len) != MKBOX_OK || len != 4)
			l->errors++;
		mkbox_disarm(&l->rx, 0);
		litmus_barrier(l, 6 * i + 6);
	}
	return NULL;
}

static void *litmus_sender(void *arg)
{
	struct litmus *l = arg;

	for (uint32_t i = 0; i < LITMUS_ROUNDS; i++) {
		litmus_barrier(l, 6 * i + 2);
		if (mkbox_send(&l->tx, 1, &i, 4) != MKBOX_OK)
			l->errors++;
		l->tx_rang[i] = mkbox_ring_needed(&l->tx, 1);
		litmus_barrier(l, 6 * i + 4);
		litmus_barrier(l, 6 * i + 6);
	}
	return NULL;
}

static void stress_handshake(void)
{
	const uint64_t size = 64 * 1024;
	uint8_t *r = region_map(size, 8, 64);
	static struct litmus l;
	pthread_t ts, tr;
	uint64_t lost = 0, raced = 0;
	double t0 = now_seconds();

	CHECK_EQ(mkbox_open(&l.tx, r, size, 0), MKBOX_OK);
	CHECK_EQ(mkbox_open(&l.rx, r, size, 1), MKBOX_OK);
	pthread_create(&tr, NULL, litmus_receiver, &l);
	pthread_create(&ts, NULL, litmus_sender, &l);
	pthread_join(tr, NULL);
	pthread_join(ts, NULL);
	for (uint32_t i = 0; i < LITMUS_ROUNDS; i++) {
		lost += l.rx_empty[i] && !l.tx_rang[i];
		raced += l.rx_empty[i] && l.tx_rang[i]; /* the case the doorbell is for */
	}
	CHECK_EQ(l.errors, 0);
	CHECK_EQ(lost, 0);
	printf("stress: handshake: %u rounds, %lu needed the doorbell, %lu lost, %.2f s\n",
	       LITMUS_ROUNDS, (unsigned long)raced, (unsigned long)lost, now_seconds() - t0);
	munmap(r, size);
}

int main(void)
{
	stress_threads();
	stress_processes();
	stress_doorbell();
	stress_handshake();
	return check_done("test_mailbox_stress");
}
