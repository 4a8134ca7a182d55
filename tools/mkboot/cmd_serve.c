/*
 * `mkboot serve`: answers pings, so other partitions can check their path to
 * this one (docs/linux.md "The ping protocol"): "ping <i> from <name>" from
 * partition P gets "pong <i> to <name>" in our ring to P.  Everything else is
 * read and dropped.  Like the probe, a peer whose pong does not fit yet is not
 * read further until it does, so one slow peer never makes us lose a reply
 * and never holds up the others.
 *
 * One consumer per ring: two serve processes (or serve and recv) must not
 * read the same peer at once; --except and the PEER list keep them apart.
 */
#include <stdlib.h>
#include <string.h>

#include "tool.h"

#define SERVE_PING "ping "
#define SERVE_FROM " from "
#define SERVE_U32_DIGITS 10

struct serve_peer {
	bool on;
	bool pending;            /* pong[] waits for ring space */
	uint32_t len;
	char pong[SERVE_PONG_MAX];
};

/* Decimal, no sign, no leading zero, at most UINT32_MAX: the form pongs echo. */
static bool parse_u32(const uint8_t *p, uint32_t n, uint32_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > SERVE_U32_DIGITS || (p[0] == '0' && n > 1))
		return false;
	for (uint32_t k = 0; k < n; k++) {
		if (p[k] < '0' || p[k] > '9')
			return false;
		x = x * 10 + (uint64_t)(p[k] - '0');
	}
	if (x > UINT32_MAX)
		return false;
	*v = (uint32_t)x;
	return true;
}

uint32_t serve_reply(const uint8_t *msg, uint32_t len, char *out, size_t cap)
{
	const uint32_t plen = sizeof(SERVE_PING) - 1, flen = sizeof(SERVE_FROM) - 1;
	uint32_t digits = 0, name_at, name_len, i;
	int n;

	if (len < plen || memcmp(msg, SERVE_PING, plen) != 0)
		return 0;
	while (plen + digits < len && msg[plen + digits] >= '0' && msg[plen + digits] <= '9')
		digits++;
	if (!parse_u32(msg + plen, digits, &i))
		return 0;
	name_at = plen + digits + flen;
	if (name_at > len || memcmp(msg + plen + digits, SERVE_FROM, flen) != 0)
		return 0;
	name_len = len - name_at;
	if (name_len == 0 || name_len >= MKBOX_NAME_MAX)
		return 0;
	for (uint32_t k = name_at; k < len; k++)
		if (msg[k] <= ' ' || msg[k] >= 0x7f) /* a partition name is one printable word */
			return 0;
	n = snprintf(out, cap, "pong %u to %.*s", i, (int)name_len, (const char *)msg + name_at);
	return n > 0 && (size_t)n < cap ? (uint32_t)n : 0;
}

/* The partition's name with anything unprintable replaced, for messages. */
static const char *safe_name(const struct mkbox *mb, uint32_t q, char *buf, size_t cap)
{
	const char *name = mkbox_part_name(mb, q);

	snprintf(buf, cap, "%s", name ? name : "?");
	for (char *c = buf; *c; c++)
		if (*c <= ' ' || *c >= 0x7f)
			*c = '?';
	return buf;
}

/* A broken peer is reported once and no longer served. */
static bool drop(struct session *s, struct serve_peer *p, uint32_t q, int r)
{
	char name[MKBOX_NAME_MAX];

	tool_fail(s->env, "serve: %s: %s", safe_name(&s->mb, q, name, sizeof(name)),
		  mkbox_strerror(r));
	p->on = false;
	return true;
}

/* One pass over peer q: flush a pending pong, then read.  True if anything moved. */
static bool serve_peer(struct session *s, struct serve_peer *p, uint32_t q, uint8_t *buf,
		       uint32_t cap)
{
	bool moved = false;

	for (uint32_t k = 0; k < s->mb.slots; k++) {
		uint32_t len = 0;
		int r;

		if (p->pending) {
			r = mkbox_send(&s->mb, q, p->pong, p->len);
			if (r == MKBOX_FULL)
				return moved;
			if (r != MKBOX_OK)
				return drop(s, p, q, r);
			p->pending = false;
			moved = true;
		}
		p->len = 0; /* nothing pending from here: the pong slot is free */
		r = mkbox_recv(&s->mb, q, buf, cap, &len);
		if (r == MKBOX_EMPTY)
			return moved;
		if (r == MKBOX_TOO_BIG) /* no ping is that long */
			r = mkbox_skip(&s->mb, q);
		else if (r == MKBOX_OK)
			p->len = serve_reply(buf, len, p->pong, sizeof(p->pong));
		if (r != MKBOX_OK)
			return drop(s, p, q, r);
		p->pending = p->len != 0;
		moved = true;
	}
	return moved;
}

/* The PEER list (default: every other partition) minus --except. */
static int serve_targets(struct session *s, const struct opts *o, int self, struct serve_peer *peers)
{
	int except = -1;

	for (uint32_t q = 0; q < s->mb.nparts; q++)
		peers[q].on = !o->nargs && (int)q != self;
	for (int a = 0; a < o->nargs; a++) {
		int q = mkbox_find(&s->mb, o->args[a]);

		if (q < 0)
			return tool_fail(s->env, "no partition named %s in the region", o->args[a]);
		if (q == self)
			return tool_fail(s->env, "%s is this partition: name a peer", o->args[a]);
		peers[q].on = true;
	}
	if (o->except && (except = mkbox_find(&s->mb, o->except)) < 0)
		return tool_fail(s->env, "--except %s: no partition of that name in the region", o->except);
	if (except >= 0)
		peers[except].on = false;
	return TOOL_EXIT_OK;
}

int cmd_serve(struct session *s, const struct opts *o)
{
	static struct serve_peer peers[MKBOX_MAX_PARTS];
	uint32_t cap = s->mb.msg_max < SERVE_PING_MAX ? s->mb.msg_max : SERVE_PING_MAX;
	uint64_t deadline = o->have_wait ? tool_now_ms() + o->wait_ms : UINT64_MAX;
	uint8_t buf[SERVE_PING_MAX];
	int self = session_self(s);
	bool any = false;

	memset(peers, 0, sizeof(peers));
	if (self < 0 || serve_targets(s, o, self, peers) != TOOL_EXIT_OK)
		return TOOL_EXIT_FAIL;
	for (uint32_t q = 0; q < s->mb.nparts; q++)
		any |= peers[q].on;
	if (!any)
		return TOOL_EXIT_OK; /* e.g. --except the only peer: nothing to do */
	for (;;) {
		bool moved = false;

		any = false;
		for (uint32_t q = 0; q < s->mb.nparts; q++) {
			if (!peers[q].on)
				continue;
			moved |= serve_peer(s, &peers[q], q, buf, cap);
			any |= peers[q].on;
		}
		if (!any)
			return tool_fail(s->env, "serve: no peer left to serve");
		if (tool_now_ms() >= deadline)
			return TOOL_EXIT_OK;
		if (!moved)
			tool_poll_sleep();
	}
}
