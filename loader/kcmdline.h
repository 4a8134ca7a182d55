/*
 * The command line a partition's kernel gets: the config's own words, then
 * mkboot.info=0x<shared region> (every kernel), and for Linux what keeps a
 * stock kernel inside its partition (docs/linux.md says why each is there).
 * Words the user already gave are not added twice, except
 * no_ipi_broadcast=1, which is mandatory and so always comes last.
 */
#ifndef MKBOOT_KCMDLINE_H
#define MKBOOT_KCMDLINE_H

#include "lib.h"

struct kcmdline_input {
	const char *user;        /* the config's cmdline, may be empty */
	const char *name;        /* partition name: mkboot.name= */
	uint64_t shared_phys;    /* mkboot.info= */
	uint64_t tsc_khz;        /* tsc_early_khz= (0: left out) */
	uint32_t ncpus;          /* nr_cpus=: no room for other partitions' CPUs */
	bool owns_platform;      /* false: the partition keeps off shared devices */
	bool is_linux;             /* false: only mkboot.info is added */
};

/* Writes the final command line; false when it does not fit in cap bytes. */
bool kcmdline_build(const struct kcmdline_input *in, char *out, size_t cap);
/* True when `line` has a kernel parameter `key` or `key=...` (before any "--"). */
bool kcmdline_has(const char *line, const char *key);

#endif
