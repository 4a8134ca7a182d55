/*
 * The mailbox library against a hostile peer.  Byte 0 picks the game:
 *
 *   even: the rest of the input IS the region (mapped size = its length):
 *         open it as some partition and, if accepted, use every ring.
 *   odd:  a valid region of a geometry picked by bytes 1..4, opened by two
 *         partitions; the rest is a script of 4-byte operations in which the
 *         "peer" scribbles anywhere in the region between library calls.
 *
 * Either way the region buffer is exactly the mapped size, so ASan flags any
 * access outside it, and every wait is bounded in polls, so a hang is a bug.
 */
#include <stdlib.h>
#include <string.h>

#include "mkbox.h"

static const uint32_t cpu_ids[4][1] = {{0}, {1}, {2}, {3}};
static const char *const names[4] = {"a", "b", "c", "d"};

static uint8_t *region_alloc(size_t size)
{
	void *p = NULL;
	if (posix_memalign(&p, 64, size ? size : 1))
		abort();
	return p;
}

/* Everything a reader can do, each once, with bounded waits. */
static void exercise(struct mkbox *mb, uint32_t peer, uint8_t *buf, uint32_t cap, uint32_t len)
{
	struct mkbox_waiter w = {.spin = 1, .timeout = 3};
	uint32_t got = 0, st = 0;
	uint64_t beat = 0;

	mkbox_send(mb, peer, buf, len);
	mkbox_ring_needed(mb, peer);
	mkbox_peek(mb, peer, &got);
	mkbox_recv(mb, peer, buf, cap, &got);
	mkbox_recv_wait(mb, peer, buf, cap, &got, &w);
	mkbox_arm(mb, peer);
	mkbox_disarm(mb, peer);
	mkbox_skip(mb, peer);
	mkbox_read_state(mb, peer, &st);
	mkbox_read_heartbeat(mb, peer, &beat);
	mkbox_state_name(st);
	mkbox_find(mb, mkbox_part_name(mb, peer) ? mkbox_part_name(mb, peer) : "x");
}

static void fuzz_raw(const uint8_t *data, size_t size)
{
	static uint8_t buf[8192];
	uint8_t *region;
	struct mkbox mb;
	uint32_t self;

	if (size < 1)
		return;
	self = (data[0] >> 1) % MKBOX_MAX_PARTS;
	region = region_alloc(size - 1);
	memcpy(region, data + 1, size - 1);
	if (mkbox_open(&mb, region, size - 1, self) == MKBOX_OK) {
		mkbox_heartbeat(&mb);
		mkbox_set_state(&mb, MKBOX_STATE_RUNNING);
		/* Twice over every peer, including self and one past the end. */
		for (int round = 0; round < 2; round++)
			for (uint32_t p = 0; p <= mb.nparts; p++)
				exercise(&mb, p, buf, sizeof(buf), (uint32_t)(size * 7 % sizeof(buf)));
	}
	free(region);
}

static void fuzz_script(const uint8_t *data, size_t size)
{
	static uint8_t buf[8192];
	struct mkbox_part_desc d[4];
	struct mkbox mb[2];
	uint32_t nparts, slots, slot_size, got;
	uint64_t used;
	uint8_t *region;

	if (size < 5)
		return;
	nparts = 2 + data[1] % 3;
	slots = 2u << (data[2] % 4);
	slot_size = 64u << (data[3] % 5); /* up to 1024: long chunks take the REP MOVSB path */
	for (uint32_t i = 0; i < 4; i++)
		d[i] = (struct mkbox_part_desc){.name = names[i], .apic_ids = cpu_ids[i],
						.ncpus = 1, .boot_apic_id = i, .vector = 0xEA};
	if (mkbox_layout_size(nparts, slots, slot_size, &used) != MKBOX_OK)
		abort();
	region = region_alloc(used);
	if (mkbox_region_init(region, 0, used, d, nparts, slots, slot_size) != MKBOX_OK ||
	    mkbox_open(&mb[0], region, used, 0) != MKBOX_OK ||
	    mkbox_open(&mb[1], region, used, 1 + data[4] % (nparts - 1)) != MKBOX_OK)
		abort();

	for (size_t i = 5; i + 4 <= size; i += 4) {
		const uint8_t *op = data + i;
		struct mkbox *m = &mb[op[0] & 1];
		uint32_t peer = op[1] % (nparts + 1), arg = op[2] | (uint32_t)op[3] << 8;
		struct mkbox_waiter w = {.spin = 1, .timeout = op[3] % 4};

		switch ((op[0] >> 1) % 12) {
		case 0: /* the peer scribbles one byte anywhere */
			region[(arg * 7 + op[1]) % used] = op[3];
			break;
		case 1: /* ... or a whole 32-bit word, e.g. an index or a seq */
			if (used >= 4)
				memcpy(region + ((arg * 4) % (used - 3)), &arg, 4);
			break;
		case 2: mkbox_send(m, peer, buf, arg % (sizeof(buf) + 1)); break;
		case 3: mkbox_recv(m, peer, buf, arg % (sizeof(buf) + 1), &got); break;
		case 4: mkbox_peek(m, peer, &got); break;
		case 5: mkbox_skip(m, peer); break;
		case 6: mkbox_arm(m, peer); break;
		case 7: mkbox_disarm(m, peer); mkbox_ring_needed(m, peer); break;
		case 8: mkbox_recv_wait(m, peer, buf, sizeof(buf), &got, &w); break;
		case 9: mkbox_heartbeat(m); mkbox_set_state(m, arg); break;
		case 10: /* reopen: positions are resumed from the (scribbled) region */
			mkbox_open(m, region, used, op[0] & 1 ? 1 + op[1] % (nparts - 1) : 0);
			break;
		default: exercise(m, peer, buf, sizeof(buf), arg % 600); break;
		}
	}
	free(region);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size && (data[0] & 1))
		fuzz_script(data, size);
	else
		fuzz_raw(data, size);
	return 0;
}
