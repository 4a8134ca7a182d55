/*
 * The host tool's mailbox side: what a Linux partition's user space needs to
 * take part in the mailbox protocol (docs/abi.md), by polling only.
 *
 *   region.c       parse mkboot.info= and /proc/cpuinfo, map the region
 *                  through /dev/mem or a file, find a partition by APIC ID
 *   session.c      one command's view: the mapping, the opened mkbox, "self"
 *   cmd_args.c     options and usage
 *   cmd_mailbox.c  the commands: status, send, recv, state, heartbeat
 *   cmd_serve.c    serve: answer pings from other partitions
 *
 * None has a main(): test/unit/test_tool.c includes them and runs the
 * commands against region images in files.
 */
#ifndef MKBOOT_TOOL_H
#define MKBOOT_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mkbox.h"

#define TOOL_EXIT_OK 0
#define TOOL_EXIT_FAIL 1  /* runtime failure, one message on stderr */
#define TOOL_EXIT_USAGE 2

/* The kernel parameter mkboot appends to every Linux command line. */
#define TOOL_INFO_PARAM "mkboot.info="
/* Mappings larger than this are refused whatever the header claims. */
#define TOOL_REGION_MAX (1ull << 30)
/* Longest message the tool copies out; longer ones are skipped with an error. */
#define TOOL_MSG_MAX (1u << 20)

#define TOOL_POLL_NS 1000000L          /* 1 ms between polls: cheap, and fast enough */
#define TOOL_WAIT_MAX_MS 1000000000ull /* --wait <= 1e6 s: poll counts stay < 2^32 */
#define TOOL_COUNT_MAX 1000000u
#define TOOL_CMDLINE_MAX 65536
/* "ping 4294967295 from <31 chars>" is 52 bytes, its pong 50 and a NUL. */
#define SERVE_PING_MAX 64u
#define SERVE_PONG_MAX 64u

/* Where the tool looks: the real paths, or a test's files. */
struct tool_env {
	FILE *out;
	FILE *err;
	const char *cmdline_path; /* "/proc/cmdline" */
	const char *cpuinfo_path; /* "/proc/cpuinfo" */
	const char *devmem_path;  /* "/dev/mem" */
};

/* A mapped region: `base` is the header, `size` bytes of it are mapped. */
struct region_map {
	void *map;      /* what mmap returned, NULL when nothing is mapped */
	size_t map_len;
	uint8_t *base;
	uint64_t size;  /* the header's used_size, checked against the mapping */
	uint64_t phys;  /* the header's region_phys */
};

/* ---- region.c ---- */

/*
 * The value of the last mkboot.info=0xADDR in a kernel command line.
 * 1 found, 0 absent, -1 present but not a hex number (msg says why).
 */
int region_parse_info(const char *cmdline, uint64_t *phys, char *msg, size_t cap);
/* "0x" and 1..16 hex digits, nothing else (what --info takes). */
bool region_parse_addr(const char *text, uint64_t *phys);
/* The first "apicid" in /proc/cpuinfo text: 1 found, 0 not found. */
int region_parse_apic_id(FILE *cpuinfo, uint32_t *apic_id);
/*
 * Maps the region whose header is at byte `offset` of `path` (/dev/mem and a
 * physical address, or an image file and 0): first the header's page, checked,
 * then used_size bytes.  expect_phys: the header's region_phys must equal
 * offset.  0 or -1 with a message in msg.
 */
int region_map_path(const char *path, uint64_t offset, bool expect_phys, bool writable,
		    struct region_map *m, char *msg, size_t cap);
void region_unmap(struct region_map *m);
/* Index of the partition listing this APIC ID, or -1. */
int region_find_apic(const struct mkbox *mb, uint32_t apic_id);

/* The parsed command line. */
struct opts {
	const char *cmd;
	char **args; /* positional words after the command (allocated) */
	int nargs;
	const char *file;
	const char *as;
	const char *except; /* serve --except PEER */
	uint64_t info;
	bool have_info;
	uint64_t wait_ms;
	bool have_wait;
	uint32_t count;
	bool have_count;
	bool hex;
};

/* ---- cmd_args.c ---- */

/* Usage lines for the mailbox commands (main.c prints them after its own). */
void mailbox_usage(FILE *f);
/* True for the commands mailbox_main runs, and for options that precede them. */
bool mailbox_is_command(const char *word);
/* Parses argv[0..argc) into o (free o->args afterwards): TOOL_EXIT_OK or _USAGE. */
int opts_parse(const struct tool_env *env, int argc, char **argv, struct opts *o);
/* Arity, and only the options each command understands: TOOL_EXIT_OK or _USAGE. */
int opts_check(const struct tool_env *env, const struct opts *o);
/* The value of a state a partition may set itself (running, done, failed, panicked). */
bool tool_state_value(const char *name, uint32_t *state);
/* "mkboot: <msg>" and the usage on env->err; returns TOOL_EXIT_USAGE. */
int tool_usage_error(const struct tool_env *env, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "mkboot: error: <msg>" on env->err; returns TOOL_EXIT_FAIL. */
int tool_fail(const struct tool_env *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- session.c ---- */

struct session {
	const struct tool_env *env;
	struct region_map map;
	struct mkbox mb;
	int self;            /* -1: not known, self_why says why */
	char self_why[128];
};

/*
 * Maps the region (--file, --info or mkboot.info= in /proc/cmdline; writable
 * unless the command only reads), opens it and works out which partition this
 * is (--as NAME, else this CPU's APIC ID).  TOOL_EXIT_OK or _FAIL (printed).
 */
int session_open(struct session *s, const struct tool_env *env, const struct opts *o,
		 bool writable);
/* The partition index, or an error printed and -1 when it is not known. */
int session_self(const struct session *s);
void session_close(struct session *s);

/* ---- cmd_mailbox.c ---- */

/* Runs one command: argv[0] is the command or a leading option. Returns TOOL_EXIT_*. */
int mailbox_main(const struct tool_env *env, int argc, char **argv);
/* Monotonic milliseconds; one poll interval (TOOL_POLL_NS) of sleep. */
uint64_t tool_now_ms(void);
void tool_poll_sleep(void);

/* ---- cmd_serve.c ---- */

/*
 * The pong for a ping: "ping <i> from <name>" (i decimal without leading
 * zeros, <= UINT32_MAX; name 1..31 printable non-space bytes) gives
 * "pong <i> to <name>" in out and its length; anything else gives 0.
 */
uint32_t serve_reply(const uint8_t *msg, uint32_t len, char *out, size_t cap);
/* Answers pings from the PEER list (default all) minus --except, until --wait ends. */
int cmd_serve(struct session *s, const struct opts *o);

#endif
