/*
 * The mailbox commands: status, send, recv, state, heartbeat (serve: cmd_serve.c).  Each run maps
 * the region, opens it with the library (which validates it and resumes the
 * ring positions this partition published), does one thing and exits, so a
 * shell script can take part in the protocol one command at a time.
 *
 * User space only polls: it cannot send a doorbell IPI, and it never arms its
 * own doorbell (nothing would take the interrupt).  A peer that waits for
 * messages from Linux user space must poll as well (docs/linux.md "User space").
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tool.h"

uint64_t tool_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void tool_poll_sleep(void)
{
	struct timespec ts = { 0, TOOL_POLL_NS };

	nanosleep(&ts, NULL);
}

/* The library's waiter hooks. */
static uint64_t now_ms(void *ctx)
{
	(void)ctx;
	return tool_now_ms();
}

static void poll_sleep(void *ctx, bool armed)
{
	(void)ctx;
	(void)armed; /* never: spin is UINT32_MAX */
	tool_poll_sleep();
}

/* Bytes from shared memory go out escaped: a peer cannot move the cursor or split a line. */
static void put_escaped(FILE *f, const uint8_t *p, size_t n, bool space_ok)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (c == '\\')
			fputs("\\\\", f);
		else if ((c > ' ' && c < 0x7f) || (c == ' ' && space_ok))
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

/* "0-3,8,+60": runs of consecutive APIC IDs, and how many the table does not list. */
static void put_cpus(FILE *f, const struct mkbox_part *p)
{
	uint32_t ids[MKBOX_APIC_IDS_MAX];
	uint32_t ncpus = __atomic_load_n(&p->ncpus, __ATOMIC_RELAXED);
	uint32_t napic = __atomic_load_n(&p->napic, __ATOMIC_RELAXED);

	if (napic > MKBOX_APIC_IDS_MAX)
		napic = MKBOX_APIC_IDS_MAX;
	if (napic == 0)
		fputs("none", f);
	for (uint32_t c = 0; c < napic; c++)
		ids[c] = __atomic_load_n(&p->apic_ids[c], __ATOMIC_RELAXED);
	for (uint32_t c = 0; c < napic;) {
		uint32_t last = c;

		while (last + 1 < napic && ids[last] != UINT32_MAX && ids[last + 1] == ids[last] + 1)
			last++;
		fprintf(f, "%s%u", c ? "," : "", ids[c]);
		if (last > c)
			fprintf(f, "-%u", ids[last]);
		c = last + 1;
	}
	if (ncpus > napic)
		fprintf(f, ",+%u", ncpus - napic);
}

static void status_line(FILE *f, const struct session *s, uint32_t i)
{
	const struct mkbox *mb = &s->mb;
	const char *name = mkbox_part_name(mb, i);
	uint32_t state = 0, flags = __atomic_load_n(&mb->parts[i].flags, __ATOMIC_RELAXED);
	uint64_t beat = 0;

	mkbox_read_state(mb, i, &state);
	mkbox_read_heartbeat(mb, i, &beat);
	fprintf(f, "%u ", i);
	put_escaped(f, (const uint8_t *)name, strlen(name), false);
	fputs(" cpus=", f);
	put_cpus(f, &mb->parts[i]);
	fprintf(f, " state=%s", mkbox_state_name(state));
	if (state > MKBOX_STATE_PANICKED)
		fprintf(f, "(%u)", state);
	fprintf(f, " heartbeat=%llu vector=0x%x", (unsigned long long)beat, mb->peer[i].vector);
	if (flags & MKBOX_PART_F_OWNS_BSP)
		fputs(" bsp", f);
	if (flags & MKBOX_PART_F_OWNS_PLATFORM)
		fputs(" platform", f);
	if ((int)i == s->self)
		fputs(" self", f);
	fputc('\n', f);
}

static int cmd_status(struct session *s)
{
	const struct mkbox *mb = &s->mb;
	FILE *f = s->env->out;

	fprintf(f, "region 0x%llx: %u partitions, %u slots of %u bytes per ring, messages up to %u bytes\n",
		(unsigned long long)s->map.phys, mb->nparts, mb->slots, mb->slot_size, mb->msg_max);
	for (uint32_t i = 0; i < mb->nparts; i++)
		status_line(f, s, i);
	return TOOL_EXIT_OK;
}

/* A peer by name; never oneself. */
static int find_peer(const struct session *s, const char *name, int self)
{
	int peer = mkbox_find(&s->mb, name);

	if (peer < 0)
		tool_fail(s->env, "no partition named %s in the region", name);
	else if (peer == self)
		tool_fail(s->env, "%s is this partition: name a peer", name);
	return peer == self ? -1 : peer;
}

static void put_wait(char *buf, size_t cap, uint64_t ms)
{
	if (ms % 1000)
		snprintf(buf, cap, "%llu ms", (unsigned long long)ms);
	else
		snprintf(buf, cap, "%llu s", (unsigned long long)(ms / 1000));
}

/* The words joined by single spaces, as `echo` would. */
static char *join_words(char **words, int n, size_t *len)
{
	size_t total = 0;
	char *msg, *p;

	for (int i = 0; i < n; i++)
		total += strlen(words[i]) + 1;
	msg = malloc(total);
	if (!msg)
		return NULL;
	p = msg;
	for (int i = 0; i < n; i++) {
		size_t w = strlen(words[i]);

		memcpy(p, words[i], w);
		p += w;
		*p++ = ' ';
	}
	*len = total - 1; /* n >= 1: drop the last space */
	return msg;
}

static int cmd_send(struct session *s, const struct opts *o)
{
	int self = session_self(s), peer = self < 0 ? -1 : find_peer(s, o->args[0], self);
	uint64_t deadline = tool_now_ms() + o->wait_ms;
	size_t len = 0;
	char *msg, wait[32];
	int r;

	if (peer < 0)
		return TOOL_EXIT_FAIL;
	msg = join_words(o->args + 1, o->nargs - 1, &len);
	if (!msg)
		return tool_fail(s->env, "out of memory");
	if (len > s->mb.msg_max) {
		free(msg);
		return tool_fail(s->env, "send to %s: message of %zu bytes, the rings carry at most %u",
				 o->args[0], len, s->mb.msg_max);
	}
	/* Full is the only state worth waiting out: the peer frees slots as it reads. */
	while ((r = mkbox_send(&s->mb, (uint32_t)peer, msg, (uint32_t)len)) == MKBOX_FULL &&
	       tool_now_ms() < deadline)
		tool_poll_sleep();
	free(msg);
	if (r == MKBOX_FULL) {
		put_wait(wait, sizeof(wait), o->wait_ms);
		return tool_fail(s->env, "send to %s: ring full: %s has not taken its messages "
				 "(waited %s)", o->args[0], o->args[0], wait);
	}
	if (r != MKBOX_OK)
		return tool_fail(s->env, "send to %s: %s", o->args[0], mkbox_strerror(r));
	return TOOL_EXIT_OK;
}

static void print_message(FILE *f, const uint8_t *msg, uint32_t len, bool hex)
{
	if (hex)
		put_hex(f, msg, len);
	else
		put_escaped(f, msg, len, true);
	fputc('\n', f);
	fflush(f); /* a script reading a pipe sees each message as it comes */
}

/*
 * --count N: exactly N messages by the deadline.  Without it: the messages
 * queued (at most one ring's worth, so a peer that never stops sending cannot
 * keep us here), and at least one by the deadline.  No --wait: the deadline is now.
 */
static int cmd_recv(struct session *s, const struct opts *o)
{
	int self = session_self(s), peer = self < 0 ? -1 : find_peer(s, o->args[0], self);
	uint32_t cap = s->mb.msg_max < TOOL_MSG_MAX ? s->mb.msg_max : TOOL_MSG_MAX;
	uint32_t want = o->have_count ? o->count : 1, got = 0, len = 0;
	uint32_t limit = o->have_count ? o->count : s->mb.slots;
	uint64_t deadline = tool_now_ms() + o->wait_ms;
	struct mkbox_waiter w = { poll_sleep, now_ms, NULL, UINT32_MAX, 0 };
	char wait[32];
	uint8_t *buf;
	int r = MKBOX_OK;

	if (peer < 0)
		return TOOL_EXIT_FAIL;
	buf = malloc(cap ? cap : 1);
	if (!buf)
		return tool_fail(s->env, "out of memory");
	while (got < limit) {
		uint64_t now = tool_now_ms();

		/* Past the messages asked for, only what is already queued. */
		w.timeout = got >= want || now >= deadline ? 0 : deadline - now;
		r = mkbox_recv_wait(&s->mb, (uint32_t)peer, buf, cap, &len, &w);
		if (r != MKBOX_OK)
			break;
		print_message(s->env->out, buf, len, o->hex);
		got++;
	}
	free(buf);
	if (r == MKBOX_TOO_BIG) {
		mkbox_skip(&s->mb, (uint32_t)peer);
		return tool_fail(s->env, "recv from %s: message of %u bytes is longer than the %u "
				 "this tool takes: dropped", o->args[0], len, cap);
	}
	if (r != MKBOX_OK && r != MKBOX_TIMEOUT)
		return tool_fail(s->env, "recv from %s: %s", o->args[0], mkbox_strerror(r));
	if (got >= want)
		return TOOL_EXIT_OK;
	put_wait(wait, sizeof(wait), o->wait_ms);
	if (o->have_count)
		return tool_fail(s->env, "recv from %s: %u of %u messages (waited %s)", o->args[0],
				 got, want, wait);
	return tool_fail(s->env, "recv from %s: no message (waited %s)", o->args[0], wait);
}

static int cmd_state(struct session *s, const struct opts *o)
{
	uint32_t state = 0;

	tool_state_value(o->args[0], &state); /* opts_check accepted the name */
	if (session_self(s) < 0)
		return TOOL_EXIT_FAIL;
	mkbox_set_state(&s->mb, state);
	return TOOL_EXIT_OK;
}

static int cmd_heartbeat(struct session *s)
{
	if (session_self(s) < 0)
		return TOOL_EXIT_FAIL;
	mkbox_heartbeat(&s->mb);
	return TOOL_EXIT_OK;
}

static int command_run(struct session *s, const struct opts *o)
{
	if (strcmp(o->cmd, "status") == 0)
		return cmd_status(s);
	if (strcmp(o->cmd, "send") == 0)
		return cmd_send(s, o);
	if (strcmp(o->cmd, "recv") == 0)
		return cmd_recv(s, o);
	if (strcmp(o->cmd, "state") == 0)
		return cmd_state(s, o);
	if (strcmp(o->cmd, "serve") == 0)
		return cmd_serve(s, o);
	return cmd_heartbeat(s);
}

int mailbox_main(const struct tool_env *env, int argc, char **argv)
{
	static struct session s; /* ~3 KiB of peer copies: not on the stack */
	struct opts o;
	int r = opts_parse(env, argc, argv, &o);

	if (r == TOOL_EXIT_OK)
		r = opts_check(env, &o);
	if (r == TOOL_EXIT_OK)
		r = session_open(&s, env, &o, strcmp(o.cmd, "status") != 0);
	if (r == TOOL_EXIT_OK) {
		r = command_run(&s, &o);
		session_close(&s);
	}
	free(o.args);
	return r;
}
