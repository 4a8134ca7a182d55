/*
 * The contract between the probe (smp.c) and its AP trampoline
 * (ap_tramp.asm): one 4 KiB page P below 1 MiB, inside the partition's low
 * slice under mkboot, or a page the memory map says is available under GRUB.
 *
 *   0x000  real-mode entry: a SIPI'd CPU starts at CS:IP = (P >> 4):0
 *          (SDM Vol.3 8.4.4.1: the SIPI vector names the page)
 *   0x008  struct probe_ap_handoff: smp.c fills cr3 .. stack_count before the
 *          first SIPI; the trampoline itself writes the GDTR and far pointers
 *   0x080  GDT: 0x08 flat 32-bit code, 0x10 flat data, 0x18 64-bit code
 *          (the same selectors as entry.asm's GDT)
 *   0x100  code: real mode -> protected mode -> long mode on the probe's page
 *          tables (cr3), then each AP takes stack slot `next_slot` (lock xadd),
 *          RSP = stack_base + (slot + 1) * stack_size, and calls entry(arg).
 *          An AP that finds no free slot halts.
 *
 * asm_defines.c prints these offsets for NASM, so they exist once.
 */
#ifndef PROBE_AP_HANDOFF_H
#define PROBE_AP_HANDOFF_H

#include <stdint.h>

#define PROBE_AP_OFF_HANDOFF 0x008
#define PROBE_AP_OFF_GDT 0x080
#define PROBE_AP_OFF_CODE 0x100
#define PROBE_AP_PAGE_SIZE 0x1000

/* GDT selectors, shared by entry.asm and the trampoline. */
#define PROBE_SEL_CODE32 0x08
#define PROBE_SEL_DATA 0x10
#define PROBE_SEL_CODE64 0x18

struct probe_ap_handoff {
	uint32_t cr3;         /* the probe's PML4, below 4 GiB */
	uint32_t next_slot;   /* stack slots taken so far (lock xadd by each AP) */
	uint64_t entry;       /* void entry(uint64_t arg), never returns */
	uint64_t arg;
	uint64_t stack_base;  /* stack_count stacks of stack_size bytes */
	uint64_t stack_size;
	uint32_t stack_count;
	uint32_t reserved;
	uint16_t gdtr_limit;  /* lgdt pseudo-descriptor: limit, then 32-bit base */
	uint32_t gdtr_base;
	uint16_t pad0;
	uint32_t far32_off;   /* m16:32 far pointer to the protected-mode code */
	uint16_t far32_sel;
	uint16_t pad1;
	uint32_t far64_off;   /* m16:32 far pointer to the long-mode code */
	uint16_t far64_sel;
	uint16_t pad2;
} __attribute__((packed));

_Static_assert(sizeof(struct probe_ap_handoff) <= PROBE_AP_OFF_GDT - PROBE_AP_OFF_HANDOFF,
	       "handoff fits below the GDT");
_Static_assert(__builtin_offsetof(struct probe_ap_handoff, gdtr_limit) + 2 ==
		       __builtin_offsetof(struct probe_ap_handoff, gdtr_base),
	       "lgdt wants the base right after the limit");
_Static_assert(__builtin_offsetof(struct probe_ap_handoff, far32_off) + 4 ==
		       __builtin_offsetof(struct probe_ap_handoff, far32_sel),
	       "m16:32 far pointer");
_Static_assert(__builtin_offsetof(struct probe_ap_handoff, far64_off) + 4 ==
		       __builtin_offsetof(struct probe_ap_handoff, far64_sel),
	       "m16:32 far pointer");
_Static_assert(__builtin_offsetof(struct probe_ap_handoff, entry) % 8 == 0, "aligned entry");

#endif
