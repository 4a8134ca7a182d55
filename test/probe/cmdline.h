/*
 * The probe's command line: `console=ttyS<N>` (N = 0..3, the legacy COM
 * ports; the last one given wins, as in Linux), `probe.wait=<seconds>` (how
 * long to wait for the other partitions) and `probe.corrupt=1` (a self-test:
 * overwrite one word of the pattern before verifying, so the check must fail).
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

struct probe_cmdline {
	uint16_t console_port; /* PROBE_COM1 unless console=ttyS<N> says otherwise */
	int32_t console_index; /* N, or -1 when no usable console=ttyS<N> was given */
	uint32_t wait_s;       /* bound on every wait for another partition */
	bool corrupt;
};

void cmdline_parse(const char *s, struct probe_cmdline *out);

#endif
