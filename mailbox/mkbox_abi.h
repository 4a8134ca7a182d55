/*
 * The shared mailbox region: one block of physical memory that mkboot places,
 * marks reserved in every partition's memory map and hands to no partition.
 * Every kernel finds it through mkboot_info.shared_phys (mkboot_info.h).
 * docs/abi.md is the prose version of this file: layout, protocol, ordering
 * and what a hostile peer can and cannot do.
 *
 * Layout (all offsets from the region base, everything 64-byte aligned):
 *
 *   0                       struct mkbox_header              (written by mkboot)
 *   part_offset             struct mkbox_part[nparts]        (statics by mkboot;
 *                                                             state, heartbeat by
 *                                                             the partition itself)
 *   ring_offset             ring_count rings of ring_size bytes, one per ordered
 *                           pair (from, to), from != to, at index
 *                           mkbox_ring_index(from, to, nparts)
 *
 * A ring: a producer line, a consumer line, a consumer doorbell line, then
 * `slots` slots of `slot_size` bytes.  Each slot starts with an 8-byte
 * struct mkbox_slot_hdr; a message longer than one slot's payload takes
 * consecutive slots (wrapping), each with its own header.
 *
 * Rule that makes the cache traffic cheap: every 64-byte line has one writer.
 */
#ifndef MKBOX_ABI_H
#define MKBOX_ABI_H

#include <stdint.h>

#include "mkboot_info.h"

#define MKBOX_MAGIC 0x4D4853584F424B4Dull /* "MKBOXSHM" little-endian */
#define MKBOX_VERSION 1
#define MKBOX_LINE 64 /* x86 cache line: the unit of ownership */

#define MKBOX_MAX_PARTS 32
#define MKBOX_NAME_MAX MKBOOT_NAME_MAX
#define MKBOX_APIC_IDS_MAX 64 /* listed per partition; ncpus may be larger */

/* Ring geometry limits: partitions.toml mailbox_slots / mailbox_message_size. */
#define MKBOX_SLOTS_MIN 2u
#define MKBOX_SLOTS_MAX 65536u
#define MKBOX_SLOT_SIZE_MIN 64u
#define MKBOX_SLOT_SIZE_MAX 65536u
#define MKBOX_DEFAULT_SLOTS 64u
#define MKBOX_DEFAULT_SLOT_SIZE 64u

/* Doorbell vectors: 0..31 are exceptions (SDM Vol.3 6.2), so 0x20..0xFF. */
#define MKBOX_VECTOR_MIN 0x20u
#define MKBOX_VECTOR_MAX 0xFFu
#define MKBOX_DEFAULT_VECTOR 0xEAu

/*
 * Partition states.  The region starts zeroed (EMPTY).  mkboot writes LOADED
 * and STARTED before the partition's first CPU runs; from then on only the
 * partition writes its own word.  Any other value reads as "unknown".
 */
#define MKBOX_STATE_EMPTY 0u    /* nothing loaded for this entry yet */
#define MKBOX_STATE_LOADED 1u   /* mkboot placed the kernel */
#define MKBOX_STATE_STARTED 2u  /* mkboot sent INIT-SIPI-SIPI */
#define MKBOX_STATE_RUNNING 3u  /* the kernel opened the region */
#define MKBOX_STATE_DONE 4u     /* finished its work and stopped on purpose */
#define MKBOX_STATE_FAILED 5u   /* stopped on an error it detected */
#define MKBOX_STATE_PANICKED 6u /* stopped in its panic path */

/* mkbox_part.flags: the same meaning as MKBOOT_INFO_F_*. */
#define MKBOX_PART_F_OWNS_BSP MKBOOT_INFO_F_OWNS_BSP
#define MKBOX_PART_F_OWNS_PLATFORM MKBOOT_INFO_F_OWNS_PLATFORM

struct mkbox_header {
	uint64_t magic;        /* MKBOX_MAGIC */
	uint32_t version;      /* MKBOX_VERSION */
	uint32_t header_size;  /* sizeof(struct mkbox_header) */
	uint64_t region_size;  /* bytes mkboot reserved */
	uint64_t used_size;    /* bytes the layout uses, <= region_size */
	uint64_t region_phys;  /* physical address of this header */
	uint32_t nparts;       /* 1..MKBOX_MAX_PARTS */
	uint32_t slots;        /* per ring, power of two */
	uint32_t slot_size;    /* bytes per slot, header included */
	uint32_t part_size;    /* sizeof(struct mkbox_part) */
	uint64_t part_offset;  /* the partition table */
	uint64_t ring_offset;  /* ring 0 */
	uint64_t ring_size;    /* bytes per ring, the stride between rings */
	uint32_t ring_count;   /* nparts * (nparts - 1) */
	uint32_t slot_offset;  /* slot 0 within a ring */
	uint32_t reserved[10];
};

_Static_assert(sizeof(struct mkbox_header) == 2 * MKBOX_LINE, "mkbox_header layout");
_Static_assert(__builtin_offsetof(struct mkbox_header, nparts) == 40, "nparts offset");
_Static_assert(__builtin_offsetof(struct mkbox_header, part_offset) == 56, "part_offset offset");
_Static_assert(__builtin_offsetof(struct mkbox_header, ring_count) == 80, "ring_count offset");

/*
 * One partition.  Lines 0..4 are written by mkboot only; the state line and
 * the heartbeat line each by the partition only, so polling a peer's
 * heartbeat never steals the line its state lives in.
 */
struct mkbox_part {
	char name[MKBOX_NAME_MAX]; /* NUL-terminated, non-empty */
	uint32_t ncpus;            /* CPUs the partition owns */
	uint32_t boot_apic_id;     /* where its doorbells go */
	uint32_t vector;           /* its doorbell vector */
	uint32_t flags;            /* MKBOX_PART_F_* */
	uint32_t napic;            /* min(ncpus, MKBOX_APIC_IDS_MAX) */
	uint32_t reserved0[3];
	uint32_t apic_ids[MKBOX_APIC_IDS_MAX];
	/* line 5: written by the partition */
	uint32_t state;            /* MKBOX_STATE_* */
	uint32_t reserved1[15];
	/* line 6: written by the partition */
	uint64_t heartbeat;        /* incremented while alive */
	uint64_t reserved2[7];
};

_Static_assert(sizeof(struct mkbox_part) == 7 * MKBOX_LINE, "mkbox_part layout");
_Static_assert(__builtin_offsetof(struct mkbox_part, apic_ids) == MKBOX_LINE, "apic_ids offset");
_Static_assert(__builtin_offsetof(struct mkbox_part, state) == 5 * MKBOX_LINE, "state line");
_Static_assert(__builtin_offsetof(struct mkbox_part, heartbeat) == 6 * MKBOX_LINE, "heartbeat line");

/* Written by the producer only: read back by itself when it reopens, and by observers. */
struct mkbox_ring_prod {
	uint32_t head; /* positions published (free-running) */
	uint32_t reserved[15];
};

/* Written by the consumer only: the producer reads it when the ring looks full. */
struct mkbox_ring_cons {
	uint32_t tail; /* positions consumed (free-running) */
	uint32_t reserved[15];
};

/*
 * Written by the consumer only, and rarely, so the producer's read after every
 * send hits its own cache.  Bit 0 set: "I may halt, ring me".  The other bits
 * change every time the consumer arms, so the producer rings once per arming.
 */
#define MKBOX_DOORBELL_ARMED 1u
struct mkbox_ring_bell {
	uint32_t doorbell;
	uint32_t reserved[15];
};

struct mkbox_ring {
	struct mkbox_ring_prod prod;
	struct mkbox_ring_cons cons;
	struct mkbox_ring_bell bell;
	/* uint8_t slots[slots][slot_size]; */
};

_Static_assert(sizeof(struct mkbox_ring_prod) == MKBOX_LINE, "producer line");
_Static_assert(sizeof(struct mkbox_ring_cons) == MKBOX_LINE, "consumer line");
_Static_assert(sizeof(struct mkbox_ring_bell) == MKBOX_LINE, "doorbell line");
_Static_assert(sizeof(struct mkbox_ring) == 3 * MKBOX_LINE, "mkbox_ring layout");

/*
 * At the start of every slot.  seq is the slot's ring position + 1 (mod 2^32),
 * written last: the consumer polls it in the same line as the payload.  len is
 * the whole message's length in its first slot, MKBOX_LEN_CONT in the others.
 */
#define MKBOX_LEN_CONT 0xFFFFFFFFu
struct mkbox_slot_hdr {
	uint32_t seq;
	uint32_t len;
};

_Static_assert(sizeof(struct mkbox_slot_hdr) == 8, "mkbox_slot_hdr layout");

#define MKBOX_HEADER_SIZE ((uint32_t)sizeof(struct mkbox_header))
#define MKBOX_PART_SIZE ((uint32_t)sizeof(struct mkbox_part))
#define MKBOX_RING_CTRL_SIZE ((uint32_t)sizeof(struct mkbox_ring))
#define MKBOX_SLOT_HDR_SIZE ((uint32_t)sizeof(struct mkbox_slot_hdr))

/* The ring directory: ring (from -> to) for from != to, both < nparts. */
static inline uint32_t mkbox_ring_index(uint32_t from, uint32_t to, uint32_t nparts)
{
	return from * (nparts - 1) + (to < from ? to : to - 1);
}

#endif
