/*
 * Command-line parsing for the mailbox commands: options may come before or
 * after the command word, "--" ends them, and each command accepts only the
 * options that mean something to it.  Usage errors exit 2.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static const char *const commands[] = { "status", "send", "recv", "state", "heartbeat", "serve" };

void mailbox_usage(FILE *f)
{
	fprintf(f,
		"       mkboot [OPTIONS] status\n"
		"       mkboot [OPTIONS] send PEER MESSAGE... [--wait SECONDS]\n"
		"       mkboot [OPTIONS] recv PEER [--wait SECONDS] [--count N] [--hex]\n"
		"       mkboot [OPTIONS] state running|done|failed|panicked\n"
		"       mkboot [OPTIONS] heartbeat\n"
		"       mkboot [OPTIONS] serve [PEER...] [--except PEER] [--wait SECONDS]\n"
		"  check FILE   validate a partitions.toml (exit 0 valid, 1 invalid)\n"
		"  status       one line per partition of the shared mailbox region\n"
		"  send         queue one message (the words joined by spaces); fails if the ring is full\n"
		"  recv         print queued messages, one a line (--count: exactly N, else at least one)\n"
		"  state        set this partition's state word; heartbeat: add one to its heartbeat\n"
		"  serve        answer \"ping <i> from <name>\" with \"pong <i> to <name>\" until --wait ends\n"
		"OPTIONS: --info 0xADDR  the region header's physical address (default: mkboot.info=\n"
		"                        in /proc/cmdline), mapped through /dev/mem\n"
		"         --file PATH    a region image in a file instead\n"
		"         --as NAME      act as partition NAME (default: the one listing this CPU's APIC ID)\n");
}

int tool_usage_error(const struct tool_env *env, const char *fmt, ...)
{
	va_list ap;

	fprintf(env->err, "mkboot: ");
	va_start(ap, fmt);
	vfprintf(env->err, fmt, ap);
	va_end(ap);
	fprintf(env->err, "\nusage: mkboot check FILE\n");
	mailbox_usage(env->err);
	return TOOL_EXIT_USAGE;
}

int tool_fail(const struct tool_env *env, const char *fmt, ...)
{
	va_list ap;

	fprintf(env->err, "mkboot: error: ");
	va_start(ap, fmt);
	vfprintf(env->err, fmt, ap);
	va_end(ap);
	fputc('\n', env->err);
	return TOOL_EXIT_FAIL;
}

/* The states a partition writes itself (mkbox_abi.h); mkboot writes the others. */
static const struct {
	const char *name;
	uint32_t value;
} own_states[] = {
	{ "running", MKBOX_STATE_RUNNING },
	{ "done", MKBOX_STATE_DONE },
	{ "failed", MKBOX_STATE_FAILED },
	{ "panicked", MKBOX_STATE_PANICKED },
};

bool tool_state_value(const char *name, uint32_t *state)
{
	for (size_t i = 0; i < MK_ARRAY_SIZE(own_states); i++) {
		if (strcmp(name, own_states[i].name) == 0) {
			*state = own_states[i].value;
			return true;
		}
	}
	return false;
}

bool mailbox_is_command(const char *word)
{
	if (strncmp(word, "--", 2) == 0)
		return true;
	for (size_t i = 0; i < MK_ARRAY_SIZE(commands); i++)
		if (strcmp(word, commands[i]) == 0)
			return true;
	return false;
}

/* Seconds with up to three decimals ("2", "0.5"): milliseconds, no floating point. */
static bool parse_seconds(const char *s, uint64_t *ms)
{
	uint64_t whole = 0, frac = 0, scale = 100;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++)
		if (!mk_mul_u64(whole, 10, &whole) || !mk_add_u64(whole, (uint64_t)(*p - '0'), &whole))
			return false;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9' && scale; p++, scale /= 10)
			frac += (uint64_t)(*p - '0') * scale;
	if (*p || !mk_mul_u64(whole, 1000, ms) || !mk_add_u64(*ms, frac, ms))
		return false;
	return *ms <= TOOL_WAIT_MAX_MS;
}

static bool parse_count(const char *s, uint32_t *n)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || errno || v < 1 || v > TOOL_COUNT_MAX)
		return false;
	*n = (uint32_t)v;
	return true;
}

/* One option at argv[*i]: 1 taken, 0 not an option, -1 usage error (printed). */
static int parse_option(const struct tool_env *env, int argc, char **argv, int *i, struct opts *o)
{
	const char *opt = argv[*i];
	const char *val = *i + 1 < argc ? argv[*i + 1] : NULL;
	static const char *const with_value[] = { "--info", "--file", "--as", "--wait", "--count",
						  "--except" };
	bool takes_value = false;

	if (strcmp(opt, "--hex") == 0) {
		o->hex = true;
		return 1;
	}
	for (size_t k = 0; k < MK_ARRAY_SIZE(with_value); k++)
		takes_value |= strcmp(opt, with_value[k]) == 0;
	if (!takes_value)
		return strncmp(opt, "--", 2) == 0 ? tool_usage_error(env, "unknown option %s", opt), -1 : 0;
	if (!val)
		return tool_usage_error(env, "%s needs a value", opt), -1;
	(*i)++;
	if (strcmp(opt, "--file") == 0) {
		o->file = val;
	} else if (strcmp(opt, "--as") == 0) {
		o->as = val;
	} else if (strcmp(opt, "--except") == 0) {
		o->except = val;
	} else if (strcmp(opt, "--info") == 0) {
		if (!region_parse_addr(val, &o->info))
			return tool_usage_error(env, "--info %s: expected a hex address like 0x7e000000", val), -1;
		o->have_info = true;
	} else if (strcmp(opt, "--wait") == 0) {
		if (!parse_seconds(val, &o->wait_ms))
			return tool_usage_error(env, "--wait %s: expected seconds, e.g. 5 or 0.5", val), -1;
		o->have_wait = true;
	} else {
		if (!parse_count(val, &o->count))
			return tool_usage_error(env, "--count %s: expected a number from 1", val), -1;
		o->have_count = true;
	}
	return 1;
}

/* Options may come before or after the command; "--" ends them. */
int opts_parse(const struct tool_env *env, int argc, char **argv, struct opts *o)
{
	bool options_done = false;

	memset(o, 0, sizeof(*o));
	o->args = calloc((size_t)argc + 1, sizeof(char *));
	if (!o->args)
		return tool_fail(env, "out of memory");
	for (int i = 0; i < argc; i++) {
		int r = 0;

		if (!options_done && strcmp(argv[i], "--") == 0) {
			options_done = true;
			continue;
		}
		if (!options_done)
			r = parse_option(env, argc, argv, &i, o);
		if (r < 0)
			return TOOL_EXIT_USAGE;
		if (r > 0)
			continue;
		if (!o->cmd)
			o->cmd = argv[i];
		else
			o->args[o->nargs++] = argv[i];
	}
	return TOOL_EXIT_OK;
}

/* Arity and which options go with which command. */
int opts_check(const struct tool_env *env, const struct opts *o)
{
	bool is_send, is_recv, is_serve;
	uint32_t state;

	if (!o->cmd)
		return tool_usage_error(env, "no command given");
	if (!mailbox_is_command(o->cmd) || strncmp(o->cmd, "--", 2) == 0)
		return tool_usage_error(env, "unknown command %s", o->cmd);
	if (o->file && o->have_info)
		return tool_usage_error(env, "--file and --info exclude each other");
	is_send = strcmp(o->cmd, "send") == 0;
	is_recv = strcmp(o->cmd, "recv") == 0;
	is_serve = strcmp(o->cmd, "serve") == 0;
	if (o->have_wait && !is_send && !is_recv && !is_serve)
		return tool_usage_error(env, "%s takes no --wait", o->cmd);
	if (o->except && !is_serve)
		return tool_usage_error(env, "%s takes no --except", o->cmd);
	if ((o->have_count || o->hex) && !is_recv)
		return tool_usage_error(env, "%s takes no --count or --hex", o->cmd);
	if (is_send && o->nargs < 2)
		return tool_usage_error(env, "send needs PEER and a MESSAGE");
	if (is_recv && o->nargs != 1)
		return tool_usage_error(env, "recv needs exactly one PEER");
	if (strcmp(o->cmd, "state") == 0 && o->nargs != 1)
		return tool_usage_error(env, "state needs one STATE");
	if (strcmp(o->cmd, "state") == 0 && !tool_state_value(o->args[0], &state))
		return tool_usage_error(env, "state %s: expected running, done, failed or panicked",
					o->args[0]);
	if ((strcmp(o->cmd, "status") == 0 || strcmp(o->cmd, "heartbeat") == 0) && o->nargs)
		return tool_usage_error(env, "%s takes no arguments", o->cmd);
	return TOOL_EXIT_OK;
}

