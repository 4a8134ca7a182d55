/*
 * How the probe image is laid out and placed: the constants entry.asm and the
 * C side must agree on.  asm_defines.c prints them for NASM.
 */
#ifndef PROBE_LAYOUT_H
#define PROBE_LAYOUT_H

/*
 * Multiboot2 relocatable header tag (spec 3.1.13).  The image is position
 * independent, so any 2 MiB boundary in [min, max] will do; max keeps the
 * whole image, its page tables and the trampoline's CR3 below 4 GiB, where
 * 32-bit code with paging off reaches them.
 */
#define PROBE_RELOC_MIN 0x100000
#define PROBE_RELOC_MAX 0xE0000000
#define PROBE_RELOC_ALIGN 0x200000

/* entry.asm's boot stack and page tables (PML4, PDPT, 4 PDs: 0..4 GiB). */
#define PROBE_BOOT_STACK_SIZE 0x10000
#define PROBE_BOOT_PT_PAGES 6
#define PROBE_BOOT_MAP_LIMIT 0x100000000

/*
 * IDT stubs, one every PROBE_ISR_STUB_SIZE bytes for all 256 vectors: the
 * first PROBE_ISR_COUNT are exceptions (SDM Vol.3 6.3.1), the rest interrupts.
 */
#define PROBE_ISR_COUNT 32
#define PROBE_IDT_VECTORS 256
#define PROBE_ISR_STUB_SIZE 16

#endif
