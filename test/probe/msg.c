#include "msg.h"

#define FNV64_PRIME 0x00000100000001B3ull
#define GOLDEN32 0x9E3779B1u /* Knuth's multiplicative hash */
#define SUM_AT 16u           /* offsetof(struct msg_hdr, sum) */
_Static_assert(__builtin_offsetof(struct msg_hdr, sum) == SUM_AT, "sum offset");

uint64_t msg_fnv1a(uint64_t h, const uint8_t *p, uint64_t n)
{
	while (n--) {
		h ^= *p++;
		h *= FNV64_PRIME;
	}
	return h;
}

uint64_t msg_checksum(const uint8_t *msg, uint32_t len)
{
	static const uint8_t zero[MSG_HDR_LEN - SUM_AT];
	uint32_t sum = len < SUM_AT ? len : SUM_AT, after = len < MSG_HDR_LEN ? len : MSG_HDR_LEN;
	uint64_t h = msg_fnv1a(MSG_FNV1A_START, msg, sum);
	h = msg_fnv1a(h, zero, after - sum);
	return msg_fnv1a(h, msg + after, len - after);
}

static uint32_t clamp(uint64_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : (uint32_t)v;
}

uint32_t msg_stream_len(uint32_t seq, uint32_t slot_payload, uint32_t cap)
{
	uint32_t x;
	switch (seq % 8) {
	case 0: return MSG_HDR_LEN;
	case 1: return clamp(slot_payload, MSG_HDR_LEN, cap);
	case 2: return clamp((uint64_t)slot_payload + 1, MSG_HDR_LEN, cap);
	case 3: return clamp(2ull * slot_payload + 8, MSG_HDR_LEN, cap);
	case 4: return cap;
	default:
		x = seq * GOLDEN32;
		x ^= x >> 15;
		return MSG_HDR_LEN + x % (cap - MSG_HDR_LEN + 1);
	}
}

static uint8_t payload_byte(uint32_t from, uint32_t seq, uint32_t i)
{
	return (uint8_t)(i * 7u + seq * 31u + from * 59u);
}

void msg_stream_build(uint8_t *buf, uint32_t len, uint32_t from, uint32_t seq)
{
	struct msg_hdr h = { MSG_MAGIC, MSG_STREAM, seq, len, 0 };
	for (uint32_t i = MSG_HDR_LEN; i < len; i++)
		buf[i] = payload_byte(from, seq, i);
	mk_memcpy(buf, &h, sizeof(h));
	h.sum = msg_checksum(buf, len);
	mk_memcpy(buf, &h, sizeof(h));
}

bool msg_stream_check(const uint8_t *buf, uint32_t len, uint32_t want_seq, uint32_t want_len,
		      struct mk_buf *why)
{
	struct msg_hdr h;
	if (len < MSG_HDR_LEN) {
		mk_buf_printf(why, "message %u: %u bytes, shorter than a header", want_seq, len);
		return false;
	}
	mk_memcpy(&h, buf, sizeof(h));
	if (h.magic != MSG_MAGIC || h.kind != MSG_STREAM) {
		mk_buf_printf(why, "message %u (%u bytes): not a stream message (magic 0x%x, kind %u)",
			      want_seq, len, h.magic, h.kind);
		return false;
	}
	if (h.seq != want_seq) {
		mk_buf_printf(why, "expected message %u, got message %u (lost, duplicated or reordered)",
			      want_seq, h.seq);
		return false;
	}
	if (h.len != len || len != want_len) {
		mk_buf_printf(why, "message %u: %u bytes, header says %u, expected %u", want_seq, len,
			      h.len, want_len);
		return false;
	}
	uint64_t sum = msg_checksum(buf, len);
	if (sum != h.sum) {
		mk_buf_printf(why, "message %u (%u bytes): checksum 0x%llx, computed 0x%llx", want_seq,
			      len, (unsigned long long)h.sum, (unsigned long long)sum);
		return false;
	}
	return true;
}

const struct msg_hdr *msg_binary(const uint8_t *buf, uint32_t len)
{
	const struct msg_hdr *h = (const struct msg_hdr *)buf;
	if (len < MSG_HDR_LEN || (uintptr_t)buf % _Alignof(struct msg_hdr))
		return NULL;
	if (h->magic != MSG_MAGIC || !h->kind || h->kind >= MSG_KIND_LIMIT || h->len != len)
		return NULL;
	return h;
}

bool msg_is_hello(const uint8_t *buf, uint32_t len)
{
	return len == MSG_HELLO_LEN && !mk_memcmp(buf, MSG_HELLO, MSG_HELLO_LEN);
}

/* Consumes `lit` at buf[*at]. */
static bool eat(const uint8_t *buf, uint32_t len, uint32_t *at, const char *lit)
{
	uint32_t n = (uint32_t)mk_strlen(lit);
	if (len - *at < n || mk_memcmp(buf + *at, lit, n))
		return false;
	*at += n;
	return true;
}

/* 1..10 decimal digits that fit in 32 bits, no leading zero: the pong echoes the same text. */
static bool eat_u32(const uint8_t *buf, uint32_t len, uint32_t *at, uint32_t *out)
{
	uint64_t v = 0;
	uint32_t start = *at;
	while (*at < len && buf[*at] >= '0' && buf[*at] <= '9' && *at - start < 10)
		v = v * 10 + (uint32_t)(buf[(*at)++] - '0');
	if (*at == start || v > UINT32_MAX || (buf[start] == '0' && *at - start > 1))
		return false;
	*out = (uint32_t)v;
	return true;
}

/* The rest of the message as a partition name: printable, no spaces, 1..NAME_MAX-1 chars. */
static bool eat_name(const uint8_t *buf, uint32_t len, uint32_t at, char *name, uint32_t cap)
{
	uint32_t n = len - at;
	if (!n || n >= MKBOX_NAME_MAX || n >= cap)
		return false;
	for (uint32_t i = 0; i < n; i++) {
		if (buf[at + i] <= ' ' || buf[at + i] >= 0x7F)
			return false;
		name[i] = (char)buf[at + i];
	}
	name[n] = 0;
	return true;
}

static bool parse_text(const uint8_t *buf, uint32_t len, const char *verb, const char *link,
		       uint32_t *i, char *name, uint32_t cap)
{
	uint32_t at = 0;
	return eat(buf, len, &at, verb) && eat_u32(buf, len, &at, i) && eat(buf, len, &at, link) &&
	       eat_name(buf, len, at, name, cap);
}

bool msg_ping_parse(const uint8_t *buf, uint32_t len, uint32_t *i, char *name, uint32_t cap)
{
	return parse_text(buf, len, "ping ", " from ", i, name, cap);
}

bool msg_pong_parse(const uint8_t *buf, uint32_t len, uint32_t *i, char *name, uint32_t cap)
{
	return parse_text(buf, len, "pong ", " to ", i, name, cap);
}

static uint32_t format_text(uint8_t *buf, uint32_t cap, const char *verb, uint32_t i,
			    const char *link, const char *name)
{
	char text[MSG_TEXT_MAX + 1];
	struct mk_buf b;
	mk_buf_init(&b, text, sizeof(text));
	mk_buf_printf(&b, "%s%u%s%s", verb, i, link, name);
	if (b.truncated || b.len > cap)
		return 0;
	mk_memcpy(buf, text, b.len);
	return (uint32_t)b.len;
}

uint32_t msg_ping_format(uint8_t *buf, uint32_t cap, uint32_t i, const char *name)
{
	return format_text(buf, cap, "ping ", i, " from ", name);
}

uint32_t msg_pong_format(uint8_t *buf, uint32_t cap, uint32_t i, const char *name)
{
	return format_text(buf, cap, "pong ", i, " to ", name);
}
