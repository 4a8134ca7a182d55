/*
 * What the probes say to each other and to other kernels through the mailbox
 * (README.md "Talking through the mailbox").  Pure functions: built for the
 * probe and for the host tests.
 *
 * Text messages (ASCII, no NUL; the mailbox length is the text's length):
 *   "probe-hello"            a probe's first message to every peer
 *   "ping <i> from <name>"   a peer asks for an answer (Linux init, probe.ping)
 *   "pong <i> to <name>"     the answer
 * Binary messages start with struct msg_hdr ("PRB1", kind, seq, len, sum);
 * only probes send them, and only to peers that said hello.
 */
#ifndef PROBE_MSG_H
#define PROBE_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "lib.h"
#include "mkbox_abi.h"

#define MSG_HELLO "probe-hello"
#define MSG_HELLO_LEN 11u
#define MSG_MAGIC 0x31425250u /* "PRB1" little-endian */

enum msg_kind {
	MSG_STREAM = 1,     /* checksummed stream message, seq 0, 1, 2, ... */
	MSG_STREAM_END,     /* seq = number of stream messages sent */
	MSG_BENCH_BEGIN,    /* bench.c: the initiator's request; seq = a token */
	MSG_BENCH_RAW,      /* start of the raw ping-pong; seq = the token */
	MSG_BENCH_ECHO,     /* echo and keep polling; seq 0 ends the polled rounds */
	MSG_BENCH_ECHO_IPI, /* echo, ring, and halt while waiting for the next */
	MSG_BENCH_DATA,     /* streaming: payload not checked */
	MSG_BENCH_DATA_END, /* streaming done: the responder answers with the bytes it got */
	MSG_BENCH_BULK,     /* bulk: seq = chunk length; the ACK says how many chunks fit */
	MSG_BENCH_BULK_GO,  /* bulk: seq = chunks that follow, bare payload without a header */
	MSG_BENCH_BULK_SUM, /* bulk: the ACK's sum is bench_digest of what arrived */
	MSG_BENCH_END,      /* the bench is over */
	MSG_BENCH_ACK,      /* the responder's answer to BEGIN, RAW, DATA_END, BULK*, END */
	MSG_KIND_LIMIT
};

struct msg_hdr {
	uint32_t magic; /* MSG_MAGIC */
	uint32_t kind;  /* enum msg_kind */
	uint32_t seq;
	uint32_t len;   /* the whole message, header included */
	uint64_t sum;   /* MSG_STREAM: msg_checksum with this field taken as 0; BULK_SUM's ACK: digest */
};

_Static_assert(sizeof(struct msg_hdr) == 24, "msg_hdr layout");
#define MSG_HDR_LEN ((uint32_t)sizeof(struct msg_hdr))

/* "ping 4294967295 from <31 chars>" and the pong fit easily. */
#define MSG_TEXT_MAX 64u

/* FNV-1a, 64 bits, over the message with bytes [16, 24) (the sum) taken as 0. */
uint64_t msg_checksum(const uint8_t *msg, uint32_t len);
/* FNV-1a, 64 bits, over n bytes, continuing from h (MSG_FNV1A_START to begin). */
#define MSG_FNV1A_START 0xCBF29CE484222325ull
uint64_t msg_fnv1a(uint64_t h, const uint8_t *p, uint64_t n);

/*
 * The stream's length for message `seq`: header only, exactly one slot's
 * payload, one byte more (two slots), two slots and a bit, the longest
 * allowed (`cap`), and pseudo-random lengths in between.  Always in
 * [MSG_HDR_LEN, cap]; cap must be >= MSG_HDR_LEN.
 */
uint32_t msg_stream_len(uint32_t seq, uint32_t slot_payload, uint32_t cap);
/* Fills buf[0..len) with stream message `seq` from partition `from`. */
void msg_stream_build(uint8_t *buf, uint32_t len, uint32_t from, uint32_t seq);
/*
 * Checks a received stream message: header, the expected seq and length,
 * the checksum.  False with one line in why ("message 3 (56 bytes): ...").
 */
bool msg_stream_check(const uint8_t *buf, uint32_t len, uint32_t want_seq, uint32_t want_len,
		      struct mk_buf *why);

/* A binary header of a known kind whose len equals the mailbox length, or NULL. */
const struct msg_hdr *msg_binary(const uint8_t *buf, uint32_t len);
/* Fills a header-only binary message (no payload, no sum).  Inline: bench.c times it. */
static inline void msg_control(struct msg_hdr *h, uint32_t kind, uint32_t seq)
{
	h->magic = MSG_MAGIC;
	h->kind = kind;
	h->seq = seq;
	h->len = MSG_HDR_LEN;
	h->sum = 0;
}

bool msg_is_hello(const uint8_t *buf, uint32_t len);
/* "ping <i> from <name>": true with i and name (printable, no spaces, 1..31 chars). */
bool msg_ping_parse(const uint8_t *buf, uint32_t len, uint32_t *i, char *name, uint32_t cap);
bool msg_pong_parse(const uint8_t *buf, uint32_t len, uint32_t *i, char *name, uint32_t cap);
/* Writes the text (no NUL) and returns its length, 0 if it does not fit. */
uint32_t msg_ping_format(uint8_t *buf, uint32_t cap, uint32_t i, const char *name);
uint32_t msg_pong_format(uint8_t *buf, uint32_t cap, uint32_t i, const char *name);

#endif
