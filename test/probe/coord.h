/*
 * The probes' rendezvous through the shared mailbox region's partition table
 * (mailbox/mkbox_abi.h).  mkboot writes STARTED before a partition's first
 * CPU runs; the probe then writes, in its own state word only:
 *   RUNNING  its RAM holds its pattern (for the probe, "filled"),
 *   DONE     it passed,  FAILED  it failed.
 * States only grow, so "has partition k got as far as X" is state >= X, and a
 * peer that stopped early (FAILED, PANICKED) counts as past every wait.  Any
 * value above MKBOX_STATE_PANICKED is unknown and counts as nowhere.
 */
#ifndef PROBE_COORD_H
#define PROBE_COORD_H

#include <stdbool.h>
#include <stdint.h>

#include "lib.h"
#include "mkboot_info.h"
#include "mkbox_abi.h"

struct coord {
	uint8_t *region;     /* the shared region's header, identity mapped */
	struct mkbox_part *parts;
	uint32_t part_size;  /* stride, >= sizeof(struct mkbox_part) */
	uint32_t nparts;
	uint32_t self;
};

/*
 * Checks the region's header against what the mkboot tag says (magic,
 * version, address, size, partition count, table bounds) and our own table
 * entry against the tag (name, boot CPU, flags, CPUs).  `region` must map
 * info->shared_size bytes.
 */
bool coord_open(struct coord *c, const struct mkboot_info *info, void *region, struct mk_buf *why);

/* Writes our state word (release: everything before it is visible first). */
void coord_set_state(const struct coord *c, uint32_t state);
/* Reads partition `index`'s state word once (acquire). */
uint32_t coord_peer_state(const struct coord *c, uint32_t index);
/* Partitions, ourselves included, whose state is known and >= state. */
uint32_t coord_count_at_least(const struct coord *c, uint32_t state);
/* Bumps our heartbeat word, so observers see we are alive while waiting. */
void coord_heartbeat(const struct coord *c);
/* Partition `index`'s name, sanitised into buf (the table is not ours to trust). */
void coord_peer_name(const struct coord *c, uint32_t index, char *buf, uint32_t cap);
const char *coord_state_name(uint32_t state);

#endif
