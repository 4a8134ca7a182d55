/*
 * The probe's command line (README.md "Command line"): `console=ttyS<N>`
 * (N = 0..3, the legacy COM ports; the last one given wins, as in Linux),
 * `probe.wait=<seconds>` (how long to wait for the other partitions),
 * `probe.corrupt=1` (a self-test: overwrite one word of the pattern before
 * verifying, so the check must fail), and for the mailbox
 * `probe.messages=<n>`, `probe.corrupt_mailbox=1`, `probe.exit=0|1`,
 * `probe.bench=<name>` and `probe.ping=<name>`.
 * Unknown words are ignored: the same line may carry options for others.
 */
#ifndef PROBE_CMDLINE_H
#define PROBE_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

/* The PC's legacy serial ports (ttyS0..3). */
#define PROBE_COM1 0x3F8
#define PROBE_COM2 0x2F8
#define PROBE_COM3 0x3E8
#define PROBE_COM4 0x2E8

#define PROBE_WAIT_DEFAULT_S 30u
#define PROBE_WAIT_MAX_S 3600u
#define PROBE_MESSAGES_DEFAULT 200u
#define PROBE_MESSAGES_MAX 1000000u
#define PROBE_PEER_NAME_MAX 32u /* MKBOX_NAME_MAX: 31 characters and the NUL */

struct probe_cmdline {
	uint16_t console_port; /* PROBE_COM1 unless console=ttyS<N> says otherwise */
	int32_t console_index; /* N, or -1 when no usable console=ttyS<N> was given */
	uint32_t wait_s;       /* bound on every wait for another partition */
	bool corrupt;
	uint32_t messages;     /* stream messages to each probe peer */
	bool corrupt_mailbox;  /* self-test: spoil stream message 1 to every probe peer */
	bool exit;             /* the boot CPU's partition waits for the others and ends QEMU */
	char bench[PROBE_PEER_NAME_MAX]; /* "" or the partition to benchmark with */
	char ping[PROBE_PEER_NAME_MAX];  /* "" or the partition to ping once it is done */
};

void cmdline_parse(const char *s, struct probe_cmdline *out);

#endif
