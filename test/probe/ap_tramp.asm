; The probe's AP trampoline: a flat 4 KiB page image that smp.c copies to a
; page P below 1 MiB.  Layout and hand-off block: ap_handoff.h (offsets come
; from it through probe_defs.inc).
;
; A SIPI'd CPU starts here in real mode at CS:IP = (P >> 4):0 with caches
; possibly disabled (SDM Vol.3 9.1.1: CR0 = 0x60000010 after INIT).  It learns
; P from CS, writes its own GDTR and far pointers (so the same bytes work in
; any page), climbs to long mode on the probe's page tables, takes a stack slot
; and calls the probe's AP entry.  Everything after the first instruction runs
; with interrupts off.

%include "probe_defs.inc"

	org 0
	bits 16
tramp_start:
	cli
	jmp	near real_mode
	times PROBE_AP_OFF_HANDOFF - ($ - $$) db 0
handoff:
	times PROBE_AP_OFF_GDT - ($ - $$) db 0

; SDM Vol.3 3.4.5: flat 4 GiB descriptors, base 0, DPL 0.
gdt:
	dq	0			; null
	dq	0x00CF9A000000FFFF	; 0x08 32-bit code: G, D, present, exec/read
	dq	0x00CF92000000FFFF	; 0x10 data: G, B, present, read/write
	dq	0x00AF9A000000FFFF	; 0x18 64-bit code: G, L, present, exec/read
gdt_end:

	times PROBE_AP_OFF_CODE - ($ - $$) db 0
real_mode:
	cld
	mov	ax, cs
	mov	ds, ax
	movzx	esi, ax
	shl	esi, 4			; ESI = P, the page's linear address
	mov	word [PROBE_AP_GDTR], gdt_end - gdt - 1
	lea	eax, [esi + gdt]
	mov	[PROBE_AP_GDTR + 2], eax
	lea	eax, [esi + pm32]
	mov	[PROBE_AP_FAR32], eax
	mov	word [PROBE_AP_FAR32 + 4], PROBE_SEL_CODE32
	lea	eax, [esi + lm64]
	mov	[PROBE_AP_FAR64], eax
	mov	word [PROBE_AP_FAR64 + 4], PROBE_SEL_CODE64
	o32 lgdt [PROBE_AP_GDTR]
	mov	eax, cr0
	and	eax, ~(X86_CR0_CD | X86_CR0_NW)	; caches on, as the BSP has them
	or	eax, X86_CR0_PE
	mov	cr0, eax
	o32 jmp	far [PROBE_AP_FAR32]

	bits 32
; Protected mode, paging off, ESI = P.
pm32:
	mov	ax, PROBE_SEL_DATA
	mov	ds, ax
	mov	es, ax
	mov	ss, ax
	mov	fs, ax
	mov	gs, ax
	; SDM Vol.3 9.8.5: PAE, CR3, EFER.LME, then paging turns long mode on.
	mov	eax, cr4
	or	eax, X86_CR4_PAE
	mov	cr4, eax
	mov	eax, [esi + PROBE_AP_CR3]
	mov	cr3, eax
	mov	ecx, X86_MSR_EFER
	rdmsr
	or	eax, X86_EFER_LME
	wrmsr
	mov	eax, cr0
	or	eax, X86_CR0_PG
	mov	cr0, eax
	jmp	far [esi + PROBE_AP_FAR64]

	bits 64
; Long mode on the probe's identity map.
lm64:
	mov	esi, esi		; upper halves are undefined after the switch
	mov	eax, 1
	lock xadd [rsi + PROBE_AP_NEXT_SLOT], eax
	cmp	eax, [rsi + PROBE_AP_STACK_COUNT]
	jae	park			; more CPUs than stacks: stay out of the way
	inc	eax			; RSP = base + (slot + 1) * size, 16-byte aligned
	imul	rax, [rsi + PROBE_AP_STACK_SIZE]
	add	rax, [rsi + PROBE_AP_STACK_BASE]
	mov	rsp, rax
	mov	rdi, [rsi + PROBE_AP_ARG]
	call	[rsi + PROBE_AP_ENTRY]
park:
	cli
	hlt
	jmp	park

%if $ - $$ > PROBE_AP_PAGE_SIZE
%error "trampoline does not fit its page"
%endif
