/* Unit tests for the mailbox region: layout, open, rings, doorbells, liveness, hostile peers. */
#include <stdlib.h>

#include "check.h"
#include "mkbox.h"

#define MiB (1ull << 20)

/* Exactly `size` bytes, so ASan catches a read one past the region. */
static uint8_t *alloc_region(uint64_t size)
{
	void *p = NULL;
	if (posix_memalign(&p, 4096, size))
		abort();
	return p;
}

static const uint32_t cpus_a[] = {0, 1}, cpus_b[] = {2}, cpus_c[] = {3, 4, 5};

static struct mkbox_part_desc descs[3] = {
	{.name = "alpha", .apic_ids = cpus_a, .ncpus = 2, .boot_apic_id = 0, .vector = 0xEA,
	 .flags = MKBOX_PART_F_OWNS_BSP | MKBOX_PART_F_OWNS_PLATFORM},
	{.name = "beta", .apic_ids = cpus_b, .ncpus = 1, .boot_apic_id = 2, .vector = 0xEB},
	{.name = "gamma", .apic_ids = cpus_c, .ncpus = 3, .boot_apic_id = 4, .vector = 0xEA},
};

/* A 64-byte aligned region of `size` bytes laid out for `nparts` of descs. */
static uint8_t *region_new(uint64_t size, uint32_t nparts, uint32_t slots, uint32_t slot_size)
{
	uint8_t *r = alloc_region(size);
	memset(r, 0xAA, size); /* init must clear stale memory */
	CHECK_EQ(mkbox_region_init(r, 0x7F000000, size, descs, nparts, slots, slot_size), MKBOX_OK);
	return r;
}

static void fill(uint8_t *buf, uint32_t len, uint32_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

static bool filled(const uint8_t *buf, uint32_t len, uint32_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		if (buf[i] != (uint8_t)(seed * 31 + i * 7 + (i >> 8)))
			return false;
	return true;
}

static void test_layout(void)
{
	uint64_t bytes = 0;
	char text[256];
	struct mk_buf why;

	CHECK_EQ(mkbox_layout_size(2, 64, 64, &bytes), MKBOX_OK);
	CHECK_EQ(bytes, 128 + 2 * 448 + 2 * (192 + 64 * 64));
	CHECK_EQ(mkbox_layout_size(1, 2, 64, &bytes), MKBOX_OK);
	CHECK_EQ(bytes, 128 + 448); /* one partition: state and heartbeat, no rings */
	/* The largest geometry overflows 32 bits in every product and still comes out exact. */
	CHECK_EQ(mkbox_layout_size(32, 65536, 65536, &bytes), MKBOX_OK);
	CHECK_EQ(bytes, 4260607762560ull);

	bytes = 7;
	CHECK_EQ(mkbox_layout_size(0, 64, 64, &bytes), MKBOX_BAD_ARG);
	CHECK_EQ(mkbox_layout_size(33, 64, 64, &bytes), MKBOX_BAD_ARG);
	CHECK_EQ(mkbox_layout_size(2, 1, 64, &bytes), MKBOX_BAD_ARG);
	CHECK_EQ(mkbox_layout_size(2, 3, 64, &bytes), MKBOX_BAD_ARG);
	CHECK_EQ(mkbox_layout_size(2, 131072, 64, &bytes), MKBOX_BAD_ARG);
	CHECK_EQ(mkbox_layout_size(2, 64, 0, &bytes), MKBOX_BAD_ARG);
	CHECK_EQ(mkbox_layout_size(2, 64, 32, &bytes), MKBOX_BAD_ARG);
	CHECK_EQ(mkbox_layout_size(2, 64, 100, &bytes), MKBOX_BAD_ARG);
	CHECK_EQ(mkbox_layout_size(2, 64, 65600, &bytes), MKBOX_BAD_ARG);
	CHECK_EQ(bytes, 7); /* untouched on error */

	mk_buf_init(&why, text, sizeof(text));
	CHECK_EQ(mkbox_layout_check(22, 64, 64, 2 * MiB, &why), MKBOX_OK); /* the most in 2M */
	CHECK_STR(text, "");
	CHECK_EQ(mkbox_layout_check(23, 64, 64, 2 * MiB, &why), MKBOX_NO_SPACE);
	mk_buf_init(&why, text, sizeof(text));
	CHECK_EQ(mkbox_layout_check(32, 64, 64, 2 * MiB, &why), MKBOX_NO_SPACE);
	CHECK_STR(text, "shared_memory 2M is too small: 32 partitions with mailbox_slots 64 and "
			"mailbox_message_size 64 need 4268160 bytes (992 rings of 4288 bytes)");
	mk_buf_init(&why, text, sizeof(text));
	CHECK_EQ(mkbox_layout_check(2, 48, 64, 2 * MiB, &why), MKBOX_BAD_ARG);
	CHECK_STR(text, "mailbox_slots 48 is not a power of two in 2..65536");
	mk_buf_init(&why, text, sizeof(text));
	CHECK_EQ(mkbox_layout_check(2, 64, 96, 2 * MiB, &why), MKBOX_BAD_ARG);
	CHECK_STR(text, "mailbox_message_size 96 is not a multiple of 64 in 64..65536");
	mk_buf_init(&why, text, sizeof(text));
	CHECK_EQ(mkbox_layout_check(33, 64, 64, 2 * MiB, &why), MKBOX_BAD_ARG);
	CHECK_STR(text, "33 partitions: the mailbox region holds 1..32");
}

static void test_region_init(void)
{
	uint64_t size = 64 * 1024;
	uint8_t *r = alloc_region(size);
	struct mkbox_part_desc bad[2];
	uint32_t many[100];
	const struct mkbox_header *h = (const void *)r;
	const struct mkbox_part *p = (const void *)(r + 128);

	CHECK_EQ(mkbox_region_init(NULL, 0, size, descs, 2, 64, 64), MKBOX_BAD_ARG);
	CHECK_EQ(mkbox_region_init(r + 8, 0, size - 64, descs, 2, 64, 64), MKBOX_BAD_ARG);
	CHECK_EQ(mkbox_region_init(r, 0x1008, size, descs, 2, 64, 64), MKBOX_BAD_ARG);
	CHECK_EQ(mkbox_region_init(r, UINT64_MAX - 4095, size, descs, 2, 64, 64), MKBOX_BAD_ARG);
	CHECK_EQ(mkbox_region_init(r, 0, size, descs, 2, 3, 64), MKBOX_BAD_ARG);
	CHECK_EQ(mkbox_region_init(r, 0, 9599, descs, 2, 64, 64), MKBOX_NO_SPACE);
	CHECK_EQ(mkbox_region_init(r, 0, 9600, descs, 2, 64, 64), MKBOX_OK);

	memcpy(bad, descs, sizeof(bad));
	bad[1].name = "alpha";
	CHECK_EQ(mkbox_region_init(r, 0, size, bad, 2, 64, 64), MKBOX_BAD_ARG); /* duplicate */
	bad[1].name = "";
	CHECK_EQ(mkbox_region_init(r, 0, size, bad, 2, 64, 64), MKBOX_BAD_ARG);
	bad[1].name = "0123456789abcdef0123456789abcdef"; /* 32 chars: no room for NUL */
	CHECK_EQ(mkbox_region_init(r, 0, size, bad, 2, 64, 64), MKBOX_BAD_ARG);
	bad[1].name = "0123456789abcdef0123456789abcde"; /* 31 chars */
	CHECK_EQ(mkbox_region_init(r, 0, size, bad, 2, 64, 64), MKBOX_OK);
	bad[1].vector = 0x1F;
	CHECK_EQ(mkbox_region_init(r, 0, size, bad, 2, 64, 64), MKBOX_BAD_ARG);
	bad[1].vector = 0x100;
	CHECK_EQ(mkbox_region_init(r, 0, size, bad, 2, 64, 64), MKBOX_BAD_ARG);
	bad[1].vector = 0x20;
	bad[1].boot_apic_id = 7; /* not one of its CPUs */
	CHECK_EQ(mkbox_region_init(r, 0, size, bad, 2, 64, 64), MKBOX_BAD_ARG);
	bad[1].boot_apic_id = 2;
	bad[1].ncpus = 0;
	CHECK_EQ(mkbox_region_init(r, 0, size, bad, 2, 64, 64), MKBOX_BAD_ARG);

	/* 100 CPUs: 64 listed, all counted. */
	for (uint32_t i = 0; i < 100; i++)
		many[i] = 200 - i;
	bad[1].ncpus = 100;
	bad[1].apic_ids = many;
	bad[1].boot_apic_id = 150;
	memset(r, 0xAA, size);
	CHECK_EQ(mkbox_region_init(r, 0x40000000, size, bad, 2, 64, 64), MKBOX_OK);
	CHECK(memcmp(r, "MKBOXSHM", 8) == 0);
	CHECK_EQ(h->version, 1);
	CHECK_EQ(h->header_size, 128);
	CHECK_EQ(h->region_size, size);
	CHECK_EQ(h->used_size, 9600);
	CHECK_EQ(h->region_phys, 0x40000000);
	CHECK_EQ(h->nparts, 2);
	CHECK_EQ(h->slots, 64);
	CHECK_EQ(h->slot_size, 64);
	CHECK_EQ(h->part_size, 448);
	CHECK_EQ(h->part_offset, 128);
	CHECK_EQ(h->ring_offset, 128 + 2 * 448);
	CHECK_EQ(h->ring_size, 192 + 64 * 64);
	CHECK_EQ(h->ring_count, 2);
	CHECK_EQ(h->slot_offset, 192);
	CHECK_STR(p[0].name, "alpha");
	CHECK_EQ(p[0].flags, MKBOX_PART_F_OWNS_BSP | MKBOX_PART_F_OWNS_PLATFORM);
	CHECK_EQ(p[0].napic, 2);
	CHECK_EQ(p[0].apic_ids[1], 1);
	CHECK_EQ(p[1].ncpus, 100);
	CHECK_EQ(p[1].napic, 64);
	CHECK_EQ(p[1].apic_ids[63], 137);
	CHECK_EQ(p[1].boot_apic_id, 150);
	CHECK_EQ(p[1].vector, 0x20);
	CHECK_EQ(p[1].state, MKBOX_STATE_EMPTY);
	CHECK_EQ(p[1].heartbeat, 0);
	CHECK_EQ(r[h->ring_offset + 200], 0); /* a slot */
	CHECK_EQ(r[size - 1], 0);             /* past the layout, still zeroed */
	free(r);
}

/* Opens a pristine copy of `r` with one header word replaced, returns mb.why. */
static int open_patched(const uint8_t *r, uint64_t size, size_t off, uint64_t val, int width,
			struct mkbox *mb)
{
	static uint8_t copy[16384] __attribute__((aligned(64)));
	memcpy(copy, r, size);
	memcpy(copy + off, &val, width < 8 ? width : 8);
	return mkbox_open(mb, copy, size, 0);
}

#define H(f) offsetof(struct mkbox_header, f), sizeof(((struct mkbox_header *)0)->f)
#define P1(f) 128 + 448 + offsetof(struct mkbox_part, f), sizeof(((struct mkbox_part *)0)->f)

static void test_open_rejects(void)
{
	const uint64_t size = 9600 + 64;
	uint8_t *r = region_new(size, 2, 64, 64);
	struct mkbox mb;
	static const struct {
		size_t off;
		int width;
		uint64_t val;
		const char *why;
	} cases[] = {
		{H(magic), 0x4D4853584F424B4Eull, "mailbox: bad magic 0x4d4853584f424b4e"},
		{H(version), 2, "mailbox: version 2, this library speaks 1"},
		{H(header_size), 64, "mailbox: header_size 64, expected 128"},
		{H(nparts), 0, "mailbox: nparts 0 is not in 1..32"},
		{H(nparts), 33, "mailbox: nparts 33 is not in 1..32"},
		{H(slots), 96, "mailbox: slots 96 is not a power of two in 2..65536"},
		{H(slots), 1, "mailbox: slots 1 is not a power of two in 2..65536"},
		{H(slot_size), 72, "mailbox: slot_size 72 is not a multiple of 64 in 64..65536"},
		{H(slot_size), 0, "mailbox: slot_size 0 is not a multiple of 64 in 64..65536"},
		{H(part_size), 512, "mailbox: part_size 512, expected 448"},
		{H(part_offset), 64, "mailbox: part_offset 0x40, expected 0x80"},
		{H(ring_offset), 0x440, "mailbox: ring_offset 0x440, expected 0x400"},
		{H(ring_size), 4096, "mailbox: ring_size 4096, expected 4288"},
		{H(ring_count), 4, "mailbox: ring_count 4, expected 2"},
		{H(slot_offset), 128, "mailbox: slot_offset 128, expected 192"},
		{H(used_size), 9664, "mailbox: used_size 9664, expected 9600"},
		{H(region_size), 9599, "mailbox: region_size 9599 is smaller than used_size 9600"},
		/* Geometry that is valid but does not fit the mapping. */
		{H(slots), 128, "mailbox: ring_size 4288, expected 8384"},
		{P1(vector), 0x10, "mailbox: partition 1 vector 0x10 is not in 0x20..0xff"},
		{P1(napic), 2, "mailbox: partition 1 lists 2 of 1 CPUs"},
		{P1(ncpus), 0, "mailbox: partition 1 lists 1 of 0 CPUs"},
		{P1(name), 0, "mailbox: partition 1 has an empty name"},
	};

	for (size_t i = 0; i < MK_ARRAY_SIZE(cases); i++) {
		CHECK_EQ(open_patched(r, size, cases[i].off, cases[i].val, cases[i].width, &mb),
			 MKBOX_BAD_REGION);
		CHECK_STR(mb.why, cases[i].why);
	}
	/* A name filling all 32 bytes has no terminator. */
	{
		uint8_t copy[9664] __attribute__((aligned(64)));
		memcpy(copy, r, size);
		memset(copy + 128 + 448, 'x', 32);
		CHECK_EQ(mkbox_open(&mb, copy, size, 0), MKBOX_BAD_REGION);
		CHECK_STR(mb.why, "mailbox: partition 1 name is not NUL-terminated");
	}
	/* A refused region leaves an mkbox with no peers: every call is safe and fails. */
	CHECK_EQ(mkbox_send(&mb, 1, "x", 1), MKBOX_BAD_PEER);
	CHECK_EQ(mkbox_recv(&mb, 1, NULL, 0, &(uint32_t){0}), MKBOX_BAD_PEER);
	CHECK(!mkbox_ring_needed(&mb, 1));
	CHECK_EQ(mkbox_find(&mb, "alpha"), -1);
	mkbox_set_state(&mb, MKBOX_STATE_RUNNING);
	mkbox_heartbeat(&mb);
	CHECK_EQ(mkbox_read_state(&mb, 0, &(uint32_t){0}), MKBOX_BAD_PEER);
	CHECK_EQ(mkbox_open(&mb, r, 9599, 0), MKBOX_BAD_REGION);
	CHECK_STR(mb.why, "mailbox: mapping of 9599 bytes is smaller than used_size 9600");
	CHECK_EQ(mkbox_open(&mb, r, 100, 0), MKBOX_BAD_REGION);
	CHECK_STR(mb.why, "mailbox: mapping of 100 bytes is smaller than the 128-byte header");
	CHECK_EQ(mkbox_open(&mb, r, size, 2), MKBOX_BAD_REGION);
	CHECK_STR(mb.why, "mailbox: self index 2 but only 2 partitions");
	CHECK_EQ(mkbox_open(&mb, r + 8, size - 8, 0), MKBOX_BAD_REGION);
	CHECK(strstr(mb.why, "is not 64-byte aligned") != NULL);
	CHECK_EQ(mkbox_open(&mb, r, size, 1), MKBOX_OK);
	CHECK_STR(mb.why, "");
	free(r);
}

static void test_open_find(void)
{
	uint8_t *r = region_new(64 * 1024, 3, 64, 64);
	struct mkbox a;

	CHECK_EQ(mkbox_open(&a, r, 64 * 1024, 0), MKBOX_OK);
	CHECK_EQ(a.nparts, 3);
	CHECK_EQ(a.self, 0);
	CHECK_EQ(a.payload, 56);
	CHECK_EQ(a.msg_max, 64 * 56);
	CHECK_EQ(a.size, 128 + 3 * 448 + 6 * 4288);
	CHECK_EQ(mkbox_find(&a, "alpha"), 0);
	CHECK_EQ(mkbox_find(&a, "gamma"), 2);
	CHECK_EQ(mkbox_find(&a, "gam"), -1);
	CHECK_EQ(mkbox_find(&a, ""), -1);
	CHECK_STR(mkbox_part_name(&a, 1), "beta");
	CHECK(mkbox_part_name(&a, 3) == NULL);
	/* Private copies: renaming a partition in shared memory changes nothing. */
	memcpy(((struct mkbox_part *)(r + 128))[1].name, "evil", 5);
	CHECK_EQ(mkbox_find(&a, "beta"), 1);
	CHECK_EQ(mkbox_find(&a, "evil"), -1);
	free(r);
}

static void test_sizes(void)
{
	uint8_t *r = region_new(64 * 1024, 2, 64, 64);
	struct mkbox a, b;
	static uint8_t msg[4096], got[4096];
	uint32_t len = 0, cap_needed = 0;
	const uint32_t sizes[] = {0, 1, 55, 56, 57, 112, 113, 1000, 64 * 56};

	CHECK_EQ(mkbox_open(&a, r, 64 * 1024, 0), MKBOX_OK);
	CHECK_EQ(mkbox_open(&b, r, 64 * 1024, 1), MKBOX_OK);
	for (size_t i = 0; i < MK_ARRAY_SIZE(sizes); i++) {
		fill(msg, sizes[i], (uint32_t)i);
		memset(got, 0, sizeof(got));
		CHECK_EQ(mkbox_send(&a, 1, msg, sizes[i]), MKBOX_OK);
		CHECK_EQ(mkbox_peek(&b, 0, &len), MKBOX_OK);
		CHECK_EQ(len, sizes[i]);
		CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
		CHECK_EQ(len, sizes[i]);
		CHECK(filled(got, sizes[i], (uint32_t)i));
		CHECK_EQ(got[sizes[i]], 0); /* nothing past the message */
		CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_EMPTY);
	}
	CHECK_EQ(mkbox_send(&a, 1, msg, 64 * 56 + 1), MKBOX_TOO_BIG);
	CHECK_EQ(mkbox_send(&a, 1, msg, UINT32_MAX), MKBOX_TOO_BIG);
	CHECK_EQ(mkbox_peek(&b, 0, &len), MKBOX_EMPTY);

	/* A buffer too small: told the size, the message stays. */
	fill(msg, 100, 9);
	CHECK_EQ(mkbox_send(&a, 1, msg, 100), MKBOX_OK);
	CHECK_EQ(mkbox_recv(&b, 0, got, 99, &cap_needed), MKBOX_TOO_BIG);
	CHECK_EQ(cap_needed, 100);
	CHECK_EQ(mkbox_recv(&b, 0, got, 100, &len), MKBOX_OK);
	CHECK(filled(got, 100, 9));
	/* Skip drops exactly one message, however many slots it spans. */
	CHECK_EQ(mkbox_send(&a, 1, msg, 500), MKBOX_OK);
	CHECK_EQ(mkbox_send(&a, 1, msg, 3), MKBOX_OK);
	CHECK_EQ(mkbox_skip(&b, 0), MKBOX_OK);
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	CHECK_EQ(len, 3);
	CHECK_EQ(mkbox_skip(&b, 0), MKBOX_EMPTY);
	free(r);
}

/* Slots large enough that chunks take the long-copy path. */
static void test_big_slots(void)
{
	const uint64_t size = 64 * 1024;
	uint8_t *r = region_new(size, 2, 8, 1024);
	struct mkbox a, b;
	static uint8_t msg[8 * 1016], got[8 * 1016 + 1];
	const uint32_t sizes[] = {255, 256, 257, 1016, 1017, 2032 + 300, 8 * 1016};
	uint32_t len;

	CHECK_EQ(mkbox_open(&a, r, size, 0), MKBOX_OK);
	CHECK_EQ(mkbox_open(&b, r, size, 1), MKBOX_OK);
	for (size_t i = 0; i < MK_ARRAY_SIZE(sizes); i++) {
		fill(msg, sizes[i], (uint32_t)i + 40);
		memset(got, 0, sizeof(got));
		CHECK_EQ(mkbox_send(&a, 1, msg, sizes[i]), MKBOX_OK);
		CHECK_EQ(mkbox_recv(&b, 0, got, sizes[i], &len), MKBOX_OK);
		CHECK_EQ(len, sizes[i]);
		CHECK(filled(got, sizes[i], (uint32_t)i + 40));
		CHECK_EQ(got[sizes[i]], 0);
	}
	CHECK_EQ(mkbox_send(&a, 1, msg, 8 * 1016 + 1), MKBOX_TOO_BIG);
	free(r);
}

static void test_full_empty(void)
{
	uint8_t *r = region_new(64 * 1024, 2, 8, 128);
	struct mkbox a, b;
	uint8_t msg[1024] = {0}, got[1024];
	uint32_t len;

	CHECK_EQ(mkbox_open(&a, r, 64 * 1024, 0), MKBOX_OK);
	CHECK_EQ(mkbox_open(&b, r, 64 * 1024, 1), MKBOX_OK);
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_EMPTY);
	for (uint32_t i = 0; i < 8; i++) {
		msg[0] = (uint8_t)i;
		CHECK_EQ(mkbox_send(&a, 1, msg, 120), MKBOX_OK);
	}
	CHECK_EQ(mkbox_send(&a, 1, msg, 0), MKBOX_FULL);
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	CHECK_EQ(got[0], 0);
	CHECK_EQ(mkbox_send(&a, 1, msg, 121), MKBOX_FULL); /* two slots, one free */
	msg[0] = 8;
	CHECK_EQ(mkbox_send(&a, 1, msg, 120), MKBOX_OK);
	for (uint32_t i = 1; i <= 8; i++) {
		CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
		CHECK_EQ(got[0], i);
	}
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_EMPTY);
	/* A message as long as the whole ring needs it empty, and fits then. */
	CHECK_EQ(a.msg_max, 8 * 120);
	CHECK_EQ(mkbox_send(&a, 1, msg, 1), MKBOX_OK);
	CHECK_EQ(mkbox_send(&a, 1, msg, 8 * 120), MKBOX_FULL);
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	fill(msg, 8 * 120, 5);
	CHECK_EQ(mkbox_send(&a, 1, msg, 8 * 120), MKBOX_OK);
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	CHECK_EQ(len, 8 * 120);
	CHECK(filled(got, 8 * 120, 5));
	free(r);
}

/* Thousands of laps through tiny rings, messages of 1..3 slots straddling the end. */
static void test_wrap(void)
{
	uint8_t *r = region_new(64 * 1024, 2, 4, 64);
	struct mkbox a, b;
	uint8_t msg[256], got[256];
	uint32_t len, bad = 0, sent = 0;

	CHECK_EQ(mkbox_open(&a, r, 64 * 1024, 0), MKBOX_OK);
	CHECK_EQ(mkbox_open(&b, r, 64 * 1024, 1), MKBOX_OK);
	for (uint32_t i = 0; i < 20000; i++) {
		uint32_t n = (i * 37) % 169; /* 0..168: up to 3 slots of 56 */
		fill(msg, n, i);
		if (mkbox_send(&a, 1, msg, n) != MKBOX_OK)
			bad++;
		/* Also the other direction, independently. */
		if (mkbox_send(&b, 0, msg, n) != MKBOX_OK)
			bad++;
		if (mkbox_recv(&b, 0, got, sizeof(got), &len) != MKBOX_OK || len != n ||
		    !filled(got, n, i))
			bad++;
		if (mkbox_recv(&a, 1, got, sizeof(got), &len) != MKBOX_OK || len != n ||
		    !filled(got, n, i))
			bad++;
		sent++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(sent, 20000);
	CHECK(a.peer[1].tx_head > 3 * 10000); /* about 2 slots per message */
	free(r);
}

/* Positions are free-running u32s: crossing 2^32 must be seamless. */
static void test_u32_wrap(void)
{
	const uint64_t size = 64 * 1024;
	uint8_t *r = region_new(size, 2, 8, 64);
	struct mkbox_ring *ab = (void *)(r + 128 + 2 * 448);
	struct mkbox a, b;
	uint8_t msg[200], got[200];
	uint32_t len, bad = 0;

	ab->prod.head = 0xFFFFFFF0u;
	ab->cons.tail = 0xFFFFFFF0u;
	CHECK_EQ(mkbox_open(&a, r, size, 0), MKBOX_OK);
	CHECK_EQ(mkbox_open(&b, r, size, 1), MKBOX_OK);
	for (uint32_t i = 0; i < 100; i++) {
		uint32_t n = (i * 13) % 200;
		fill(msg, n, i);
		if (mkbox_send(&a, 1, msg, n) != MKBOX_OK ||
		    mkbox_recv(&b, 0, got, sizeof(got), &len) != MKBOX_OK || len != n ||
		    !filled(got, n, i))
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK(a.peer[1].tx_head < 0x1000); /* wrapped */
	CHECK_EQ(ab->prod.head, a.peer[1].tx_head);
	CHECK_EQ(ab->cons.tail, b.peer[0].rx_tail);
	free(r);
}

/* A -> B shows up only in B's receive from A, and touches only ring (A, B). */
static void test_isolation(void)
{
	const uint64_t size = 64 * 1024;
	uint8_t *r = region_new(size, 3, 4, 64);
	uint8_t *before = malloc(size);
	struct mkbox a, b, c;
	uint8_t got[64];
	uint32_t len, outside = 0;
	uint64_t ring_ab = 128 + 3 * 448 + (uint64_t)mkbox_ring_index(0, 1, 3) * (192 + 4 * 64);

	CHECK_EQ(mkbox_open(&a, r, size, 0), MKBOX_OK);
	CHECK_EQ(mkbox_open(&b, r, size, 1), MKBOX_OK);
	CHECK_EQ(mkbox_open(&c, r, size, 2), MKBOX_OK);
	memcpy(before, r, size);
	CHECK_EQ(mkbox_send(&a, 1, "hello", 5), MKBOX_OK);
	for (uint64_t i = 0; i < size; i++)
		if (r[i] != before[i] && (i < ring_ab || i >= ring_ab + 192 + 4 * 64))
			outside++;
	CHECK_EQ(outside, 0);
	CHECK_EQ(mkbox_recv(&b, 2, got, sizeof(got), &len), MKBOX_EMPTY); /* C -> B */
	CHECK_EQ(mkbox_recv(&a, 1, got, sizeof(got), &len), MKBOX_EMPTY); /* B -> A */
	CHECK_EQ(mkbox_recv(&c, 0, got, sizeof(got), &len), MKBOX_EMPTY); /* A -> C */
	CHECK_EQ(mkbox_recv(&c, 1, got, sizeof(got), &len), MKBOX_EMPTY); /* B -> C */
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	CHECK_EQ(len, 5);
	CHECK(memcmp(got, "hello", 5) == 0);
	/* Each ring is where the directory formula says. */
	CHECK(b.peer[0].rx == (void *)(r + ring_ab));
	CHECK(a.peer[1].tx == b.peer[0].rx);
	CHECK(a.peer[1].rx == b.peer[0].tx);
	CHECK(a.peer[2].rx == c.peer[0].tx);
	/* Oneself and indices past the table are no peers. */
	CHECK_EQ(mkbox_send(&a, 0, "x", 1), MKBOX_BAD_PEER);
	CHECK_EQ(mkbox_send(&a, 3, "x", 1), MKBOX_BAD_PEER);
	CHECK_EQ(mkbox_recv(&a, 0, got, sizeof(got), &len), MKBOX_BAD_PEER);
	CHECK_EQ(mkbox_recv(&a, UINT32_MAX, got, sizeof(got), &len), MKBOX_BAD_PEER);
	CHECK_EQ(mkbox_peek(&a, 3, &len), MKBOX_BAD_PEER);
	CHECK_EQ(mkbox_skip(&a, 0), MKBOX_BAD_PEER);
	CHECK_EQ(mkbox_arm(&a, 0), MKBOX_BAD_PEER);
	CHECK(!mkbox_ring_needed(&a, 0));
	free(before);
	free(r);
}

struct rang {
	uint32_t count, apic, vector;
};

static void ring_hook(void *ctx, uint32_t apic_id, uint8_t vector)
{
	struct rang *g = ctx;
	g->count++;
	g->apic = apic_id;
	g->vector = vector;
}

static void test_doorbell(void)
{
	uint8_t *r = region_new(64 * 1024, 2, 8, 64);
	struct mkbox a, b;
	struct rang rang = {0};
	uint8_t got[64];
	uint32_t len;

	CHECK_EQ(mkbox_open(&a, r, 64 * 1024, 0), MKBOX_OK);
	CHECK_EQ(mkbox_open(&b, r, 64 * 1024, 1), MKBOX_OK);
	/* A busy (polling) receiver costs the sender no IPI. */
	CHECK_EQ(mkbox_send(&a, 1, "1", 1), MKBOX_OK);
	CHECK(!mkbox_notify(&a, 1, ring_hook, &rang));
	CHECK_EQ(rang.count, 0);
	/* Arming with a message already there says "don't halt". */
	CHECK_EQ(mkbox_arm(&b, 0), MKBOX_OK);
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	mkbox_disarm(&b, 0);
	CHECK(!mkbox_ring_needed(&a, 1));
	/* Armed on an empty ring: one ring per arming, to beta's boot CPU on its vector. */
	CHECK_EQ(mkbox_arm(&b, 0), MKBOX_EMPTY);
	CHECK_EQ(mkbox_send(&a, 1, "2", 1), MKBOX_OK);
	CHECK(mkbox_notify(&a, 1, ring_hook, &rang));
	CHECK_EQ(rang.count, 1);
	CHECK_EQ(rang.apic, 2);
	CHECK_EQ(rang.vector, 0xEB);
	CHECK_EQ(mkbox_send(&a, 1, "3", 1), MKBOX_OK);
	CHECK(!mkbox_notify(&a, 1, ring_hook, &rang));
	CHECK_EQ(rang.count, 1);
	/* The receiver drains, finds nothing, arms again: a fresh arming rings again. */
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	CHECK_EQ(mkbox_arm(&b, 0), MKBOX_EMPTY);
	CHECK(mkbox_ring_needed(&a, 1));
	CHECK(!mkbox_ring_needed(&a, 1));
	CHECK_EQ(mkbox_arm(&b, 0), MKBOX_EMPTY);
	mkbox_disarm(&b, 0);
	CHECK(!mkbox_ring_needed(&a, 1)); /* disarmed before the sender looked */
	CHECK_EQ(b.peer[0].rx->bell.doorbell & MKBOX_DOORBELL_ARMED, 0);
	/* The doorbell lives in the consumer's own line, not in the index line. */
	CHECK((uint8_t *)&b.peer[0].rx->bell != (uint8_t *)&b.peer[0].rx->cons);
	free(r);
}

struct waiter_log {
	uint32_t calls, armed_calls, clock;
	struct mkbox *sender;
	uint32_t send_on_call;
};

static void wait_hook(void *ctx, bool armed)
{
	struct waiter_log *l = ctx;
	l->calls++;
	l->armed_calls += armed;
	l->clock += 10;
	if (l->sender && l->calls == l->send_on_call)
		mkbox_send(l->sender, 1, "late", 4);
}

static uint64_t clock_hook(void *ctx)
{
	return ((struct waiter_log *)ctx)->clock;
}

static void test_recv_wait(void)
{
	uint8_t *r = region_new(64 * 1024, 2, 8, 64);
	struct mkbox a, b;
	struct waiter_log log = {0};
	struct mkbox_waiter w = {.wait = wait_hook, .ctx = &log, .spin = 2, .timeout = 5};
	uint8_t got[64];
	uint32_t len = 0;

	CHECK_EQ(mkbox_open(&a, r, 64 * 1024, 0), MKBOX_OK);
	CHECK_EQ(mkbox_open(&b, r, 64 * 1024, 1), MKBOX_OK);
	/* Timeout in polls: 5 waits, the last 3 armed, then disarmed on the way out. */
	CHECK_EQ(mkbox_recv_wait(&b, 0, got, sizeof(got), &len, &w), MKBOX_TIMEOUT);
	CHECK_EQ(log.calls, 5);
	CHECK_EQ(log.armed_calls, 3);
	CHECK_EQ(b.peer[0].rx->bell.doorbell & MKBOX_DOORBELL_ARMED, 0);
	/* timeout 0: one poll, no wait. */
	memset(&log, 0, sizeof(log));
	w.timeout = 0;
	CHECK_EQ(mkbox_recv_wait(&b, 0, got, sizeof(got), &len, &w), MKBOX_TIMEOUT);
	CHECK_EQ(log.calls, 0);
	/* A message already there: no wait at all. */
	w.timeout = 100;
	CHECK_EQ(mkbox_send(&a, 1, "now", 3), MKBOX_OK);
	CHECK_EQ(mkbox_recv_wait(&b, 0, got, sizeof(got), &len, &w), MKBOX_OK);
	CHECK_EQ(len, 3);
	CHECK_EQ(log.calls, 0);
	/* One arriving while armed: the sender sees the flag, the receiver gets it. */
	log.sender = &a;
	log.send_on_call = 4;
	CHECK_EQ(mkbox_recv_wait(&b, 0, got, sizeof(got), &len, &w), MKBOX_OK);
	CHECK_EQ(len, 4);
	CHECK(memcmp(got, "late", 4) == 0);
	CHECK_EQ(log.calls, 4);
	CHECK(mkbox_ring_needed(&a, 1) == false); /* disarmed again */
	/* Timeout on the caller's clock: 10 units per wait, 35 allowed -> 4 waits. */
	memset(&log, 0, sizeof(log));
	w.now = clock_hook;
	w.timeout = 35;
	w.spin = UINT32_MAX; /* never arm: user-space spinning */
	CHECK_EQ(mkbox_recv_wait(&b, 0, got, sizeof(got), &len, &w), MKBOX_TIMEOUT);
	CHECK_EQ(log.calls, 4);
	CHECK_EQ(log.armed_calls, 0);
	/* No hook: pause-spins, still bounded. */
	w.wait = NULL;
	w.now = NULL;
	w.timeout = 1000;
	CHECK_EQ(mkbox_recv_wait(&b, 0, got, sizeof(got), &len, &w), MKBOX_TIMEOUT);
	CHECK_EQ(mkbox_recv_wait(&b, 5, got, sizeof(got), &len, &w), MKBOX_BAD_PEER);
	free(r);
}

static void test_liveness(void)
{
	const uint64_t size = 64 * 1024;
	uint8_t *r = region_new(size, 3, 4, 64);
	struct mkbox a, b;
	uint32_t st = 99;
	uint64_t beat = 99;

	CHECK_EQ(mkbox_region_set_state(r, size, 1, MKBOX_STATE_LOADED), MKBOX_OK);
	CHECK_EQ(mkbox_region_set_state(r, size, 3, MKBOX_STATE_LOADED), MKBOX_BAD_ARG);
	CHECK_EQ(mkbox_region_set_state(r, 100, 1, MKBOX_STATE_LOADED), MKBOX_BAD_ARG);
	CHECK_EQ(mkbox_open(&a, r, size, 0), MKBOX_OK);
	CHECK_EQ(mkbox_open(&b, r, size, 1), MKBOX_OK);
	CHECK_EQ(mkbox_read_state(&a, 1, &st), MKBOX_OK);
	CHECK_EQ(st, MKBOX_STATE_LOADED);
	CHECK_EQ(mkbox_read_state(&a, 2, &st), MKBOX_OK);
	CHECK_EQ(st, MKBOX_STATE_EMPTY);
	mkbox_set_state(&b, MKBOX_STATE_RUNNING);
	CHECK_EQ(mkbox_read_state(&a, 1, &st), MKBOX_OK);
	CHECK_STR(mkbox_state_name(st), "running");
	CHECK_EQ(mkbox_read_heartbeat(&a, 1, &beat), MKBOX_OK);
	CHECK_EQ(beat, 0);
	mkbox_heartbeat(&b);
	mkbox_heartbeat(&b);
	CHECK_EQ(mkbox_read_heartbeat(&a, 1, &beat), MKBOX_OK);
	CHECK_EQ(beat, 2);
	/* A peer zeroing our counter does not make it go backwards for us. */
	((struct mkbox_part *)(r + 128))[1].heartbeat = 0;
	mkbox_heartbeat(&b);
	CHECK_EQ(mkbox_read_heartbeat(&a, 1, &beat), MKBOX_OK);
	CHECK_EQ(beat, 3);
	CHECK_EQ(mkbox_read_heartbeat(&a, 0, &beat), MKBOX_OK); /* own: fine */
	CHECK_EQ(mkbox_read_state(&a, 3, &st), MKBOX_BAD_PEER);
	CHECK_EQ(mkbox_read_heartbeat(&a, 3, &beat), MKBOX_BAD_PEER);
	/* The state line and the heartbeat line are different lines. */
	CHECK_EQ(offsetof(struct mkbox_part, heartbeat) / 64 - offsetof(struct mkbox_part, state) / 64, 1);

	CHECK_STR(mkbox_state_name(MKBOX_STATE_EMPTY), "empty");
	CHECK_STR(mkbox_state_name(MKBOX_STATE_PANICKED), "panicked");
	CHECK_STR(mkbox_state_name(7), "unknown");
	CHECK_STR(mkbox_state_name(UINT32_MAX), "unknown");
	CHECK_STR(mkbox_strerror(MKBOX_FULL), "ring full");
	CHECK_STR(mkbox_strerror(MKBOX_CORRUPT), "ring corrupted by peer");
	CHECK_STR(mkbox_strerror(-1), "unknown status");
	free(r);
}

/* Garbage from the peer is reported, never followed. */
static void test_hostile(void)
{
	const uint64_t size = 64 * 1024;
	uint8_t *r = region_new(size, 2, 4, 64);
	struct mkbox a, b;
	struct mkbox_slot_hdr *s0, *s1;
	uint8_t got[256], msg[256] = {0};
	uint32_t len;

	CHECK_EQ(mkbox_open(&a, r, size, 0), MKBOX_OK);
	CHECK_EQ(mkbox_open(&b, r, size, 1), MKBOX_OK);
	s0 = (void *)((uint8_t *)a.peer[1].tx + 192);
	s1 = (void *)((uint8_t *)a.peer[1].tx + 192 + 64);

	/* A seq that is neither this lap, the last one nor "never written". */
	s0->seq = 77;
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_CORRUPT);
	CHECK_EQ(mkbox_peek(&b, 0, &len), MKBOX_CORRUPT);
	CHECK_EQ(mkbox_arm(&b, 0), MKBOX_CORRUPT);
	mkbox_disarm(&b, 0);
	s0->seq = 0;
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_EMPTY);
	/* Published, but longer than the ring can carry. */
	s0->seq = 1;
	s0->len = 4 * 56 + 1;
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_CORRUPT);
	s0->len = UINT32_MAX;
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_CORRUPT);
	/* Two slots claimed, but the second slot is not a continuation of this lap. */
	s0->len = 100;
	s1->seq = 2;
	s1->len = 5;
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_CORRUPT);
	s1->len = MKBOX_LEN_CONT;
	s1->seq = 9;
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_CORRUPT);
	s1->seq = 2; /* now a well-formed two-slot message: taken */
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	CHECK_EQ(len, 100);
	CHECK_EQ(b.peer[0].rx_tail, 2);

	/* The consumer's tail is read only when the ring looks full, then checked. */
	a.peer[1].tx_head = 2;
	a.peer[1].tx->cons.tail = 1000;
	CHECK_EQ(mkbox_send(&a, 1, msg, 1), MKBOX_OK); /* not full: tail not read */
	CHECK_EQ(mkbox_send(&a, 1, msg, 1), MKBOX_OK);
	CHECK_EQ(mkbox_send(&a, 1, msg, 1), MKBOX_CORRUPT); /* looked full, tail impossible */
	a.peer[1].tx->cons.tail = 2;
	CHECK_EQ(mkbox_send(&a, 1, msg, 1), MKBOX_OK);
	CHECK_EQ(mkbox_send(&a, 1, msg, 1), MKBOX_OK);
	CHECK_EQ(mkbox_send(&a, 1, msg, 1), MKBOX_FULL);

	/* The header rewritten after open: geometry was copied, nothing moves. */
	memset(r, 0xFF, 128 + 2 * 448);
	for (uint32_t i = 0; i < 4; i++)
		CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	CHECK_EQ(mkbox_send(&a, 1, msg, 200), MKBOX_OK);
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	CHECK_EQ(len, 200);
	free(r);
}

/*
 * mkbox_send / mkbox_recv decide short one-slot messages inline (mkbox_fast.h)
 * and hand everything else to the general paths: both must agree, whichever
 * side of the line a length, a buffer or a ring's state falls.
 */
static void test_fast_paths(void)
{
	const uint64_t size = 64 * 1024;
	uint8_t *r = region_new(size, 3, 4, 320); /* payload 312: 255/256 and 312/313 both inside */
	struct mkbox a, b;
	static uint8_t msg[4 * 312], got[4 * 312 + 1];
	uint32_t len, bad = 0;
	struct mkbox_slot_hdr *s0;

	CHECK_EQ(mkbox_open(&a, r, size, 0), MKBOX_OK);
	CHECK_EQ(mkbox_open(&b, r, size, 1), MKBOX_OK);
	for (uint32_t n = 0; n <= 4 * 312; n++) {
		for (uint32_t way = 0; way < 4; way++) {
			int sr, rr;

			fill(msg, n, n + way);
			memset(got, 0, sizeof(got));
			sr = way & 1 ? mkbox_send_slowpath(&a, 1, msg, n) : mkbox_send(&a, 1, msg, n);
			rr = way & 2 ? mkbox_recv_slowpath(&b, 0, got, sizeof(got), &len)
				     : mkbox_recv(&b, 0, got, sizeof(got), &len);
			if (sr != MKBOX_OK || rr != MKBOX_OK || len != n || !filled(got, n, n + way) ||
			    got[n])
				bad++;
		}
	}
	CHECK_EQ(bad, 0);
	/* Arguments the inline code must not judge itself. */
	CHECK_EQ(mkbox_send(&a, 0, msg, 1), MKBOX_BAD_PEER);
	CHECK_EQ(mkbox_send(&a, 3, msg, 1), MKBOX_BAD_PEER);
	CHECK_EQ(mkbox_send(&a, UINT32_MAX, msg, 1), MKBOX_BAD_PEER);
	CHECK_EQ(mkbox_recv(&b, 1, got, sizeof(got), &len), MKBOX_BAD_PEER);
	CHECK_EQ(mkbox_recv(&b, 7, got, sizeof(got), &len), MKBOX_BAD_PEER);
	CHECK_EQ(mkbox_send(&a, 1, msg, 4 * 312 + 1), MKBOX_TOO_BIG);
	/* A short message and a buffer one byte short: told the size, the message stays. */
	fill(msg, 10, 3);
	CHECK_EQ(mkbox_send(&a, 1, msg, 10), MKBOX_OK);
	CHECK_EQ(mkbox_recv(&b, 0, got, 9, &len), MKBOX_TOO_BIG);
	CHECK_EQ(len, 10);
	CHECK_EQ(mkbox_recv(&b, 0, got, 10, &len), MKBOX_OK);
	CHECK(filled(got, 10, 3));
	/* A full ring as last seen: the general path rereads the tail, then says FULL. */
	for (uint32_t i = 0; i < 4; i++)
		CHECK_EQ(mkbox_send(&a, 1, msg, 8), MKBOX_OK);
	CHECK_EQ(mkbox_send(&a, 1, msg, 8), MKBOX_FULL);
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	CHECK_EQ(mkbox_send(&a, 1, msg, 8), MKBOX_OK); /* the freed slot, found by the reread */
	for (uint32_t i = 0; i < 4; i++)
		CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_EMPTY);
	/* Hostile seq and len at the next slot, as the inline poll first sees them. */
	s0 = mkbox_slot(&b, b.peer[0].rx, b.peer[0].rx_tail);
	CHECK_EQ(s0->seq, b.peer[0].rx_tail + 1 - 4); /* the previous lap: empty */
	s0->seq = b.peer[0].rx_tail + 2;               /* a lap ahead: broken */
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_CORRUPT);
	s0->seq = b.peer[0].rx_tail + 1;
	s0->len = 313; /* one slot published, a two-slot length, no continuation */
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_CORRUPT);
	s0->len = 4 * 312 + 1;
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_CORRUPT);
	s0->len = 255;
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	CHECK_EQ(len, 255);
	free(r);
}

/* Reopening (a kernel handing over to a user-space tool) resumes both sides' positions. */
static void test_reopen(void)
{
	const uint64_t size = 64 * 1024;
	uint8_t *r = region_new(size, 2, 8, 64);
	struct mkbox a, b;
	uint8_t got[64];
	uint32_t len;

	CHECK_EQ(mkbox_open(&a, r, size, 0), MKBOX_OK);
	CHECK_EQ(mkbox_open(&b, r, size, 1), MKBOX_OK);
	CHECK_EQ(mkbox_send(&a, 1, "one", 3), MKBOX_OK);
	CHECK_EQ(mkbox_send(&a, 1, "two", 3), MKBOX_OK);
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	CHECK_EQ(mkbox_open(&a, r, size, 0), MKBOX_OK);
	CHECK_EQ(mkbox_open(&b, r, size, 1), MKBOX_OK);
	CHECK_EQ(mkbox_send(&a, 1, "three", 5), MKBOX_OK);
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	CHECK(len == 3 && memcmp(got, "two", 3) == 0);
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_OK);
	CHECK(len == 5 && memcmp(got, "three", 5) == 0);
	CHECK_EQ(mkbox_recv(&b, 0, got, sizeof(got), &len), MKBOX_EMPTY);
	free(r);
}

int main(void)
{
	test_layout();
	test_region_init();
	test_open_rejects();
	test_open_find();
	test_sizes();
	test_fast_paths();
	test_big_slots();
	test_full_empty();
	test_wrap();
	test_u32_wrap();
	test_isolation();
	test_doorbell();
	test_recv_wait();
	test_liveness();
	test_hostile();
	test_reopen();
	return check_done("test_mailbox");
}
