/*
 * The contract between mkboot (C) and the trampoline (trampoline/ap.asm), one
 * copy per partition in a 4 KiB page below 1 MiB that no partition owns.
 *
 * Page layout (offsets from the page base P; SIPI vector = P >> 12):
 *   0x000  real-mode entry: a SIPI'd CPU starts here at CS:IP = (P >> 4):0
 *   0x008  struct tramp_handoff, filled by tramp_install()
 *   0x080  the GDT: 0x08 flat 32-bit code, 0x10 flat 64-bit code (Linux's
 *          __BOOT_CS), 0x18 flat data (__BOOT_DS)
 *   0x100  32-bit protected-mode path, shared by APs and the BSP
 *   0x300  bsp64: the boot CPU calls this from long mode (identity mapped,
 *          interrupts off) with RDI = P; it drops to 32-bit protected mode with
 *          paging off and joins the path at 0x100
 *   0x800  end of code; the rest of the page is the stack
 *
 * The CPU then, by mode:
 *   TRAMP_MODE_MB2:     32-bit protected mode, paging off, EAX = 0x36D76289,
 *                       EBX = arg (the MBI), jump to entry (multiboot2 3.2)
 *   TRAMP_MODE_LINUX64: PAE + long mode on the page tables at cr3, CS = 0x10,
 *                       DS = ES = SS = 0x18, RSI = arg (boot_params), jump to
 *                       entry (Linux boot.rst, 64-bit boot protocol)
 * Before the jump it stores its APIC ID in apic_id, then TRAMP_STARTED in
 * started: mkboot waits for that word.
 *
 * trampoline/gen/asm_defines.c turns these definitions into handoff.inc for
 * NASM, so the offsets exist once.
 */
#ifndef MKBOOT_TRAMPOLINE_HANDOFF_H
#define MKBOOT_TRAMPOLINE_HANDOFF_H

#include <stdint.h>

#define TRAMP_OFF_HANDOFF 0x008
#define TRAMP_OFF_GDT 0x080
#define TRAMP_OFF_PM32 0x100
#define TRAMP_OFF_BSP64 0x300
#define TRAMP_CODE_END 0x800
#define TRAMP_PAGE_SIZE 0x1000

#define TRAMP_SEL_CODE32 0x08
#define TRAMP_SEL_CODE64 0x10
#define TRAMP_SEL_DATA 0x18

#define TRAMP_MODE_MB2 1
#define TRAMP_MODE_LINUX64 2
#define TRAMP_STARTED 0x54525453u /* "STRT" */

struct tramp_handoff {
	uint32_t mode;
	uint32_t cr3;          /* TRAMP_MODE_LINUX64: identity page tables, below 4 GiB */
	uint64_t entry;
	uint64_t arg;
	uint32_t stack_top;    /* P + TRAMP_PAGE_SIZE */
	uint32_t started;      /* written by the CPU: TRAMP_STARTED */
	uint32_t apic_id;      /* written by the CPU before started */
	uint16_t gdtr_limit;   /* lgdt pseudo-descriptor: limit, then base */
	uint32_t gdtr_base;
	uint32_t pm32_off;     /* far pointer to P + TRAMP_OFF_PM32, selector 0x08 */
	uint16_t pm32_sel;
	uint32_t lm64_off;     /* far pointer to the 64-bit landing code, selector 0x10 */
	uint16_t lm64_sel;
} __attribute__((packed));

_Static_assert(sizeof(struct tramp_handoff) <= TRAMP_OFF_GDT - TRAMP_OFF_HANDOFF, "handoff fits");
_Static_assert(__builtin_offsetof(struct tramp_handoff, gdtr_limit) + 2 ==
		       __builtin_offsetof(struct tramp_handoff, gdtr_base),
	       "lgdt wants the base right after the limit");
_Static_assert(__builtin_offsetof(struct tramp_handoff, pm32_off) + 4 ==
		       __builtin_offsetof(struct tramp_handoff, pm32_sel),
	       "m16:32 far pointer");
_Static_assert(__builtin_offsetof(struct tramp_handoff, lm64_off) + 4 ==
		       __builtin_offsetof(struct tramp_handoff, lm64_sel),
	       "m16:32 far pointer");

#endif
