; mkboot's partition trampoline: one copy per partition, in a page below 1 MiB.
; Layout, hand-off block and the state each kernel is entered in: see
; trampoline/handoff.h (the offsets below come from it via handoff.inc).
;
; Two ways in:
;  - a SIPI: real mode at CS:IP = (P >> 4):0 (SDM Vol.3 8.4.4.1: the vector
;    names the 4 KiB page);
;  - bsp64: the boot CPU calls P + TRAMP_OFF_BSP64 from long mode with RDI = P,
;    interrupts off, on the firmware's identity-mapped page tables.
; Both reach pm32 with EBP = P and paging off; from there the paths are one.
; The trampoline writes the far pointers and GDT base into the hand-off block
; at run time, so the same bytes work in any page.

%include "handoff.inc"

%define MSR_EFER 0xC0000080
%define EFER_LME (1 << 8)
%define CR0_PE (1 << 0)
%define CR0_PG (1 << 31)
%define CR4_PAE (1 << 5)
%define MB2_BOOTLOADER_MAGIC 0x36D76289

	org 0
	bits 16
real_start:
	cli
	jmp	near real_mode
	times TRAMP_OFF_HANDOFF - ($ - $$) db 0
handoff:
	times TRAMP_OFF_GDT - ($ - $$) db 0

; SDM Vol.3 3.4.5: segment descriptors. Flat 4 GiB, base 0.
gdt:
	dq	0			; 0x00 null
	dq	0x00CF9A000000FFFF	; 0x08 32-bit code: G, D, present, DPL0, exec/read
	dq	0x00AF9A000000FFFF	; 0x10 64-bit code: G, L, present, DPL0, exec/read
	dq	0x00CF92000000FFFF	; 0x18 data: G, B, present, DPL0, read/write
gdt_end:

real_mode:
	cld
	mov	ax, cs
	mov	ds, ax
	movzx	ebp, ax
	shl	ebp, 4			; EBP = P, the page's linear address
	mov	word [HO_GDTR], gdt_end - gdt - 1
	lea	eax, [ebp + gdt]
	mov	[HO_GDTR + 2], eax
	lea	eax, [ebp + pm32]
	mov	[HO_FAR_PM32], eax
	mov	word [HO_FAR_PM32 + 4], TRAMP_SEL_CODE32
	lgdt	[HO_GDTR]
	mov	eax, cr0
	or	eax, CR0_PE
	mov	cr0, eax
	o32 jmp	far [HO_FAR_PM32]

	times TRAMP_OFF_PM32 - ($ - $$) db 0
	bits 32
; Protected mode, paging off, EBP = P.
pm32:
	mov	ax, TRAMP_SEL_DATA
	mov	ds, ax
	mov	es, ax
	mov	ss, ax
	mov	fs, ax
	mov	gs, ax
	mov	esp, [ebp + HO_STACK_TOP]

	; Report in: APIC ID from CPUID (leaf 0xB's x2APIC ID when present,
	; else leaf 1 EBX[31:24]), then the started word.
	xor	eax, eax
	cpuid
	cmp	eax, 0xB
	jb	.legacy_id
	mov	eax, 0xB
	xor	ecx, ecx
	cpuid
	test	ebx, ebx
	jz	.legacy_id
	mov	eax, edx
	jmp	.have_id
.legacy_id:
	mov	eax, 1
	cpuid
	mov	eax, ebx
	shr	eax, 24
.have_id:
	mov	[ebp + HO_APIC_ID], eax

	cmp	dword [ebp + HO_MODE], TRAMP_MODE_LINUX64
	je	.linux64

	; Multiboot2 i386 state (spec 3.2): EAX magic, EBX the MBI, flat segments.
	mov	ecx, [ebp + HO_ENTRY]
	mov	ebx, [ebp + HO_ARG]
	mov	dword [ebp + HO_STARTED], TRAMP_STARTED
	mov	eax, MB2_BOOTLOADER_MAGIC
	jmp	ecx

.linux64:
	; SDM Vol.3 9.8.5: PAE, CR3, EFER.LME, then paging on activates long mode.
	mov	eax, cr4
	or	eax, CR4_PAE
	mov	cr4, eax
	mov	eax, [ebp + HO_CR3]
	mov	cr3, eax
	mov	ecx, MSR_EFER
	rdmsr
	or	eax, EFER_LME
	wrmsr
	mov	eax, cr0
	or	eax, CR0_PG | CR0_PE
	mov	cr0, eax
	lea	eax, [ebp + lm64]
	mov	[ebp + HO_FAR_LM64], eax
	mov	word [ebp + HO_FAR_LM64 + 4], TRAMP_SEL_CODE64
	jmp	far [ebp + HO_FAR_LM64]

	bits 64
lm64:
	; Linux boot.rst 64-bit protocol: __BOOT_CS 0x10, __BOOT_DS 0x18,
	; RSI = boot_params, interrupts off.
	mov	eax, TRAMP_SEL_DATA
	mov	ds, eax
	mov	es, eax
	mov	ss, eax
	mov	fs, eax
	mov	gs, eax
	mov	ebp, ebp		; zero-extends: RBP = P
	mov	esp, [rbp + HO_STACK_TOP]
	mov	rsi, [rbp + HO_ARG]
	mov	rcx, [rbp + HO_ENTRY]
	mov	dword [rbp + HO_STARTED], TRAMP_STARTED
	xor	ebp, ebp
	jmp	rcx

	times TRAMP_OFF_BSP64 - ($ - $$) db 0
; The boot CPU arrives here from long mode: RDI = P (below 1 MiB), IF = 0.
bsp64:
	mov	rbp, rdi
	mov	word [rbp + HO_GDTR], gdt_end - gdt - 1
	lea	eax, [rbp + gdt]
	mov	[rbp + HO_GDTR + 2], eax
	lgdt	[rbp + HO_GDTR]
	mov	ax, TRAMP_SEL_DATA
	mov	ds, ax
	mov	es, ax
	mov	ss, ax
	; Far return into 32-bit compatibility mode (SDM Vol.3 9.8.5.4 leaving
	; long mode: compatibility mode first, then paging off, then EFER.LME).
	lea	rax, [rbp + compat32]
	push	TRAMP_SEL_CODE32
	push	rax
	retfq

	bits 32
compat32:
	mov	eax, cr0
	and	eax, ~CR0_PG
	mov	cr0, eax
	mov	ecx, MSR_EFER
	rdmsr
	and	eax, ~EFER_LME
	wrmsr
	mov	eax, cr4
	and	eax, ~CR4_PAE
	mov	cr4, eax
	jmp	pm32_from_bsp
pm32_from_bsp:
	; Still EBP = P; pm32 is position-independent given EBP.
	lea	eax, [ebp + pm32]
	jmp	eax

	times TRAMP_CODE_END - ($ - $$) db 0xCC
