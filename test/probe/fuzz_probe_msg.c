/*
 * libFuzzer target: whatever a hostile peer can put in front of a probe.
 * The input is a list of records {u16 length, bytes}: a peer sends each as a
 * message through a real region (laid out by the mailbox library), or, when
 * bit 15 of the length is set, scribbles the bytes straight into its ring to
 * the probe (first two bytes: the offset).  The probe's link takes the
 * traffic (link_step: hellos, pings, streams, bench messages parked and then
 * taken), and every record also goes through the msg.c parsers directly.
 * ASan checks that nothing reads or writes outside the region or buffers.
 */
#include <string.h>

#include "link.h"
#include "msg.h"

#define SLOTS 16u
#define SLOT_SIZE 128u
#define BUF 1024u /* smaller than the ring's longest message: the too-big path too */
#define SCRIBBLE 0x8000u

static uint8_t region[16384] __attribute__((aligned(64)));
static uint8_t rx[BUF] __attribute__((aligned(8))), tx[BUF] __attribute__((aligned(8)));
static uint64_t clock;

static uint64_t tick(void *ctx)
{
	(void)ctx;
	return clock++;
}

static void no_idle(void *ctx, uint64_t until)
{
	(void)ctx;
	(void)until;
}

static void no_ring(void *ctx, uint32_t apic_id, uint8_t vector)
{
	(void)ctx;
	(void)apic_id;
	(void)vector;
}

static void parse_alone(const uint8_t *m, uint32_t len)
{
	uint8_t copy[MSG_HDR_LEN + 4096] __attribute__((aligned(8)));
	char name[MKBOX_NAME_MAX], whybuf[LINK_WHY_MAX];
	struct mk_buf why;
	uint32_t i;
	memcpy(copy, m, len);
	mk_buf_init(&why, whybuf, sizeof(whybuf));
	(void)msg_is_hello(copy, len);
	(void)msg_ping_parse(copy, len, &i, name, sizeof(name));
	(void)msg_pong_parse(copy, len, &i, name, sizeof(name));
	(void)msg_binary(copy, len);
	(void)msg_stream_check(copy, len, 0, len, &why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mkbox probe_mb, peer_mb;
	static struct link l;
	static const char *const names[2] = { "probe", "peer" };
	struct mkbox_part_desc d[2];
	uint32_t ids[2] = { 0, 1 };
	struct link_config cfg;
	uint8_t sink[4096];
	uint32_t len;

	for (uint32_t i = 0; i < 2; i++) {
		d[i].name = names[i];
		d[i].apic_ids = &ids[i];
		d[i].ncpus = 1;
		d[i].boot_apic_id = i;
		d[i].vector = MKBOX_DEFAULT_VECTOR;
		d[i].flags = 0;
	}
	if (mkbox_region_init(region, 0, sizeof(region), d, 2, SLOTS, SLOT_SIZE) != MKBOX_OK ||
	    mkbox_open(&probe_mb, region, sizeof(region), 0) != MKBOX_OK ||
	    mkbox_open(&peer_mb, region, sizeof(region), 1) != MKBOX_OK)
		__builtin_trap();
	memset(&cfg, 0, sizeof(cfg));
	cfg.stream_count = 3;
	cfg.bench_peer = 1;
	cfg.rx = rx;
	cfg.tx = tx;
	cfg.buf_size = BUF;
	cfg.ring = no_ring;
	cfg.now = tick;
	cfg.idle = no_idle;
	cfg.slice = 1;
	cfg.hello_deadline = 1000;
	clock = 0;
	link_init(&l, &probe_mb, &cfg);

	while (size >= 2) {
		uint32_t n = (uint32_t)data[0] | (uint32_t)data[1] << 8;
		uint32_t want = n & ~SCRIBBLE;
		data += 2;
		size -= 2;
		if (want > size)
			want = (uint32_t)size;
		if (n & SCRIBBLE && want >= 2) {
			/* Raw bytes anywhere in the peer's ring to us, as a buggy peer could write. */
			uint8_t *ring = (uint8_t *)peer_mb.peer[0].tx;
			uint64_t ring_bytes = MKBOX_RING_CTRL_SIZE + (uint64_t)SLOTS * SLOT_SIZE;
			uint32_t off = ((uint32_t)data[0] | (uint32_t)data[1] << 8) % ring_bytes;
			uint32_t k = want - 2;
			if (k > ring_bytes - off)
				k = (uint32_t)(ring_bytes - off);
			memcpy(ring + off, data + 2, k);
		} else {
			if (want <= MSG_HDR_LEN + 4096)
				parse_alone(data, want);
			if (mkbox_send(&peer_mb, 0, data, want) == MKBOX_FULL) {
				link_step(&l);
				(void)mkbox_send(&peer_mb, 0, data, want);
			}
		}
		data += want;
		size -= want;
		link_step(&l);
		const struct msg_hdr *h;
		while (link_take(&l, NULL, &h, &len) == MKBOX_OK)
			;
		while (mkbox_recv(&peer_mb, 0, sink, sizeof(sink), &len) == MKBOX_OK)
			;
	}
	link_step(&l);
	(void)link_exchanged(&l);
	struct mk_buf b;
	char text[LINK_WHY_MAX];
	mk_buf_init(&b, text, sizeof(text));
	(void)link_status(&l, 1, &b);
	return 0;
}
