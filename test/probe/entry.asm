; The probe's entry (multiboot2 spec 3.2, i386 machine state): EAX = magic,
; EBX = physical address of the MBI, 32-bit protected mode, paging off, flat
; segments, IF = 0; ESP, GDTR and IDTR undefined.
;
; The loader may put the image at any PROBE_RELOC_ALIGN boundary (relocatable
; header tag), so nothing here uses a link-time address: the 32-bit code
; addresses its own section from its runtime address (call/pop), and symbols in
; other sections through self-relative dwords (`dd sym - $`, which the linker
; resolves as PC-relative).  probe.mk links the image at two bases and compares
; the bytes to prove it.
;
; Contract with C: probe_main(uint32_t magic, uint64_t mbi) runs in long mode on
; boot_stack, 0..4 GiB identity mapped in 2 MiB pages (boot_pt: PML4, PDPT,
; 4 PDs), GDT selectors PROBE_SEL_*, interrupts off, no IDT yet (trap.c).

%include "probe_defs.inc"

%ifdef PROBE_PLACE_HIGH
%define PROBE_RELOC_PREF MB2_RELOC_PREF_HIGH	; test build: exercise relocation
%else
%define PROBE_RELOC_PREF MB2_RELOC_PREF_LOW
%endif

%define PTE_TABLE (X86_PTE_PRESENT | X86_PTE_WRITE)
%define PTE_LARGE (X86_PTE_PRESENT | X86_PTE_WRITE | X86_PTE_PS)

; ---- multiboot2 header (spec 3.1): first in the image, 8-byte aligned ----
section .multiboot progbits alloc noexec nowrite align=8
mb2_header:
	dd	MB2_HEADER_MAGIC
	dd	MB2_ARCH_I386
	dd	mb2_header_end - mb2_header
	dd	(0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))) & 0xFFFFFFFF
	align	8, db 0
.request:				; optional: boot without them, check what comes
	dw	MB2_HTAG_INFO_REQUEST, MB2_HTAG_FLAG_OPTIONAL
	dd	.request_end - .request
	dd	MB2_TAG_CMDLINE, MB2_TAG_BASIC_MEMINFO, MB2_TAG_MMAP
	dd	MB2_TAG_ACPI_NEW, MB2_TAG_ACPI_OLD, MB2_TAG_LOAD_BASE_ADDR
.request_end:
	align	8, db 0
%ifndef PROBE_FIXED			; test build: a kernel that goes where it is linked
.relocatable:
	dw	MB2_HTAG_RELOCATABLE, 0
	dd	.relocatable_end - .relocatable
	dd	PROBE_RELOC_MIN, PROBE_RELOC_MAX, PROBE_RELOC_ALIGN, PROBE_RELOC_PREF
.relocatable_end:
	align	8, db 0
%endif
	dw	MB2_HTAG_END, 0
	dd	8
mb2_header_end:

; ---- 32-bit entry ----
section .entry progbits alloc exec write align=16
	bits 32
global probe_entry
extern probe_main

; REL reg, slot: reg = runtime address of the symbol behind self-relative dword `slot`.
%macro REL 2
	lea	%1, [ebp + %2 - probe_entry.here]
	add	%1, [%1]
%endmacro

probe_entry:
	cli
	cld
	mov	edi, eax		; magic, for probe_main
	mov	esi, ebx		; MBI
	; No stack yet.  Borrow the MBI's reserved word (bytes 4..7 of its fixed
	; part, memory the loader gave us) for the one call that tells us where
	; we are, then put the word back.
	mov	edx, [ebx + 4]
	lea	esp, [ebx + 8]
	call	.here
.here:
	pop	ebp			; EBP = runtime address of .here
	mov	[esi + 4], edx
	REL	esp, rel_boot_stack_top
	push	edi
	push	esi

	; Long mode is the one thing we cannot report the absence of.
	mov	eax, X86_CPUID_EXT_MAX
	cpuid
	cmp	eax, X86_CPUID_EXT_FEATURES
	jb	no_long_mode
	mov	eax, X86_CPUID_EXT_FEATURES
	cpuid
	test	edx, X86_CPUID_EXT_EDX_LM
	jz	no_long_mode

	; Identity map 0..4 GiB with 2 MiB pages (SDM Vol.3 4.5).
	REL	ebx, rel_boot_pt
	mov	edi, ebx
	xor	eax, eax
	mov	ecx, PROBE_BOOT_PT_PAGES * X86_PAGE_SIZE / 4
	rep stosd
	lea	eax, [ebx + X86_PAGE_SIZE + PTE_TABLE]
	mov	[ebx], eax		; PML4[0] -> PDPT
	lea	edx, [ebx + X86_PAGE_SIZE]
	lea	eax, [ebx + 2 * X86_PAGE_SIZE + PTE_TABLE]
	mov	ecx, PROBE_BOOT_PT_PAGES - 2
.pdpt:
	mov	[edx], eax		; PDPT[i] -> PD i
	add	eax, X86_PAGE_SIZE
	add	edx, 8
	loop	.pdpt
	lea	edx, [ebx + 2 * X86_PAGE_SIZE]
	mov	eax, PTE_LARGE
	mov	ecx, (PROBE_BOOT_PT_PAGES - 2) * X86_PT_ENTRIES
.pd:
	mov	[edx], eax
	add	eax, X86_LARGE_PAGE_SIZE
	add	edx, 8
	loop	.pd

	; SDM Vol.3 9.8.5: PAE, CR3, EFER.LME, paging on -> compatibility mode.
	mov	eax, cr4
	or	eax, X86_CR4_PAE
	mov	cr4, eax
	mov	cr3, ebx
	mov	ecx, X86_MSR_EFER
	rdmsr
	or	eax, X86_EFER_LME
	wrmsr
	lea	eax, [ebp + gdt - .here]
	mov	[ebp + gdtr + 2 - .here], eax
	lgdt	[ebp + gdtr - .here]
	mov	eax, cr0
	or	eax, X86_CR0_PG | X86_CR0_PE
	mov	cr0, eax
	pop	esi
	pop	edi
	push	PROBE_SEL_CODE64	; far return into the 64-bit code segment
	lea	eax, [ebp + long_mode - .here]
	push	eax
	retf

no_long_mode:
	cli
	hlt
	jmp	no_long_mode

	bits 64
long_mode:
	mov	ax, PROBE_SEL_DATA
	mov	ds, ax
	mov	es, ax
	mov	ss, ax
	xor	eax, eax
	mov	fs, ax
	mov	gs, ax
	mov	esp, esp		; upper halves are undefined after the switch
	and	rsp, -16
	mov	edi, edi		; magic
	mov	esi, esi		; MBI
	call	probe_main
.halt:
	cli
	hlt
	jmp	.halt

; IDT stubs, PROBE_ISR_STUB_SIZE bytes apart (trap.c points the IDT at them):
; push a zero where the CPU pushes no error code (SDM Vol.3 6.13), then the
; vector.  Exceptions hand the frame to probe_trap, which never returns;
; interrupts call probe_irq(vector) with the caller-saved registers saved and
; return with IRETQ.
global probe_isr_stubs
extern probe_trap
extern probe_irq
	align	PROBE_ISR_STUB_SIZE, db 0xCC
probe_isr_stubs:
%assign vec 0
%rep PROBE_IDT_VECTORS
	times probe_isr_stubs + vec * PROBE_ISR_STUB_SIZE - $ db 0xCC
%if vec >= PROBE_ISR_COUNT
	push	0
	push	vec
	jmp	irq_common
%else
%if vec != 8 && vec != 10 && vec != 11 && vec != 12 && vec != 13 && vec != 14 && vec != 17 && vec != 21 && vec != 29 && vec != 30
	push	0
%endif
	push	vec
	jmp	isr_common
%endif
%assign vec vec + 1
%endrep
isr_common:
	mov	rdi, rsp		; struct trap_frame
	and	rsp, -16
	call	probe_trap		; does not return
	jmp	long_mode.halt

; The SysV caller-saved registers are all C may clobber; RBX (callee-saved)
; keeps the unaligned RSP across the call.  The C side uses no SSE.
irq_common:
	push	rax
	push	rcx
	push	rdx
	push	rsi
	push	rdi
	push	r8
	push	r9
	push	r10
	push	r11
	push	rbx
	mov	rdi, [rsp + 10 * 8]	; the vector the stub pushed
	mov	rbx, rsp
	and	rsp, -16
	call	probe_irq
	mov	rsp, rbx
	pop	rbx
	pop	r11
	pop	r10
	pop	r9
	pop	r8
	pop	rdi
	pop	rsi
	pop	rdx
	pop	rcx
	pop	rax
	add	rsp, 16			; vector and error code
	iretq

	align	8, db 0
gdt:					; SDM Vol.3 3.4.5, same selectors as the trampoline
	dq	0
	dq	0x00CF9A000000FFFF	; PROBE_SEL_CODE32
	dq	0x00CF92000000FFFF	; PROBE_SEL_DATA
	dq	0x00AF9A000000FFFF	; PROBE_SEL_CODE64
gdt_end:
gdtr:
	dw	gdt_end - gdt - 1
	dd	0			; base: written at run time

	align	4, db 0
rel_boot_stack_top:	dd boot_stack_top - $
rel_boot_pt:		dd boot_pt - $

; The AP trampoline's bytes (smp.c copies them to a low page).
section .rodata
global probe_ap_tramp, probe_ap_tramp_end
	align	16
probe_ap_tramp:
	incbin	"ap_tramp.bin"
probe_ap_tramp_end:

section .bss nobits alloc noexec write align=4096
global boot_pt, boot_stack_top
boot_pt:
	resb	PROBE_BOOT_PT_PAGES * X86_PAGE_SIZE
boot_stack:
	resb	PROBE_BOOT_STACK_SIZE
boot_stack_top:
