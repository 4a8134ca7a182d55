/*
 * partitions.toml, parsed and checked.  The schema (README "Config reference"):
 *
 *   [mkboot]                      optional global table
 *   timeout = 3                   seconds the boot report stays up (0..3600, default 0)
 *   shared_memory = "2M"          shared mailbox region (page multiple, default 2M)
 *   ipi_vector = 0xEA             default doorbell vector (0x20..0xFF)
 *   mailbox_slots = 64            messages per ring (power of two, 2..65536)
 *   mailbox_message_size = 64     bytes per message slot (multiple of 64, 64..65536)
 *   low_memory = "64K"            private RAM below 0x9F000 per partition (page multiple)
 *   platform = "name"             partition that owns IOAPIC and legacy devices
 *                                 (default: the boot CPU's partition)
 *
 *   [[partition]]                 one table per partition, at least one
 *   name = "rt"                   [A-Za-z0-9_-], 1..31 chars, unique
 *   cpus = [1, 2]                 APIC IDs, non-empty, each in one partition only
 *   memory = "512M"               size string (K/M/G/T suffix) or integer bytes
 *   memory_base = 0x40000000      optional fixed physical base (page aligned)
 *   kernel = "vmlinuz"            path on the ESP, relative to the config's folder
 *   initrd = "initrd.img"         optional
 *   cmdline = "console=ttyS1"     optional, < 1024 bytes
 *   ipi_vector = 0xEB             optional, this partition's doorbell vector
 */
#ifndef MKBOOT_CONFIG_H
#define MKBOOT_CONFIG_H

#include "diag.h"

#define MK_MAX_PARTITIONS 32
#define MK_MAX_CPUS 256 /* per machine and per partition */
#define MK_NAME_MAX 32
#define MK_PATH_MAX 128
#define MK_CMDLINE_MAX 1024

#define MK_DEFAULT_SHARED_SIZE (2ull << 20)
#define MK_DEFAULT_IPI_VECTOR 0xEA
#define MK_DEFAULT_MAILBOX_SLOTS 64
#define MK_DEFAULT_MAILBOX_MSG_SIZE 64
#define MK_DEFAULT_LOW_MEMORY (64ull << 10)

struct mk_partition_cfg {
	struct mk_pos pos; /* the [[partition]] header */
	char name[MK_NAME_MAX];
	struct mk_pos name_pos;
	uint32_t cpus[MK_MAX_CPUS]; /* APIC IDs in config order */
	struct mk_pos cpu_pos[MK_MAX_CPUS];
	uint32_t ncpus;
	struct mk_pos cpus_pos;
	uint64_t memory; /* bytes */
	struct mk_pos memory_pos;
	bool has_memory_base;
	uint64_t memory_base;
	struct mk_pos memory_base_pos;
	char kernel[MK_PATH_MAX];
	struct mk_pos kernel_pos;
	bool has_initrd;
	char initrd[MK_PATH_MAX];
	struct mk_pos initrd_pos;
	char cmdline[MK_CMDLINE_MAX];
	struct mk_pos cmdline_pos;
	uint8_t ipi_vector; /* resolved: the partition's own or [mkboot]'s */
};

struct mk_config {
	uint32_t timeout;
	uint64_t shared_size;
	struct mk_pos shared_size_pos;
	uint8_t ipi_vector;
	uint32_t mailbox_slots;
	uint32_t mailbox_msg_size;
	uint64_t low_memory;
	struct mk_pos low_memory_pos;
	bool has_platform;
	char platform[MK_NAME_MAX];
	struct mk_pos platform_pos;
	struct mk_partition_cfg part[MK_MAX_PARTITIONS];
	uint32_t nparts;
};

/*
 * Parses and schema-checks `text` (not necessarily NUL-terminated).  Every
 * error goes to `d`; returns the number of errors (0: cfg is valid).  Works
 * without allocation: all storage is in cfg and d.
 */
uint32_t config_parse(const char *text, size_t len, struct mk_config *cfg, struct mk_diags *d);

/*
 * The checks across partitions config_parse ends with: each CPU in one
 * partition (and MK_MAX_CPUS in all), fixed memory ranges apart and inside
 * the address space.  Returns the error count.
 */
uint32_t config_check_layout(const struct mk_config *cfg, struct mk_diags *d);

/*
 * Looks up a file the config names.  Returns true and its size when it exists.
 * The host tool and the UEFI application each provide one.
 */
typedef bool (*config_stat_fn)(void *ctx, const char *path, uint64_t *size);

/* Reports every kernel or initrd that `stat` cannot find; returns the error count. */
uint32_t config_check_files(const struct mk_config *cfg, config_stat_fn stat, void *ctx,
			    struct mk_diags *d);

/* Index of the partition named `name`, or -1. */
int config_find_partition(const struct mk_config *cfg, const char *name);

#endif
