/*
 * Exceptions end the probe with a reason instead of a triple fault (which
 * QEMU would turn into a silent reset).  entry.asm's stubs push the vector and
 * an error code (0 when the CPU pushes none) and call probe_trap.  Interrupts
 * (doorbells, the wake-up timer) come to probe_irq, which counts them.
 */
#include "probe.h"

#include "ap_handoff.h"
#include "layout.h"
#include "x86.h"

#define IDT_GATE_INTERRUPT 0x8E /* present, DPL 0, 64-bit interrupt gate (SDM Vol.3 6.14.1) */

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* What the stub and the CPU left on the stack (SDM Vol.3 6.14.2). */
struct trap_frame {
	uint64_t vector;
	uint64_t error;
	uint64_t rip;
	uint64_t cs;
	uint64_t rflags;
	uint64_t rsp;
	uint64_t ss;
};

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

extern char probe_isr_stubs[];
void probe_trap(const struct trap_frame *f) __attribute__((noreturn));
void probe_irq(uint64_t vector);

static struct idt_gate idt[PROBE_IDT_VECTORS];
static uint32_t trap_depth;

/* Written before the first STI, read only by the boot CPU's interrupt handler. */
static struct {
	bool ready;
	struct apic apic;
	uint8_t doorbell, timer, spurious;
	struct irq_counts counts;
} irq;

void trap_install(void)
{
	for (uint32_t v = 0; v < PROBE_IDT_VECTORS; v++) {
		uint64_t stub = (uint64_t)(uintptr_t)probe_isr_stubs + (uint64_t)v * PROBE_ISR_STUB_SIZE;
		idt[v].offset_low = (uint16_t)stub;
		idt[v].selector = PROBE_SEL_CODE64;
		idt[v].ist = 0;
		idt[v].type_attr = IDT_GATE_INTERRUPT;
		idt[v].offset_mid = (uint16_t)(stub >> 16);
		idt[v].offset_high = (uint32_t)(stub >> 32);
		idt[v].reserved = 0;
	}
	trap_load();
}

void trap_load(void)
{
	struct idt_ptr p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(p));
}

bool trap_active(void)
{
	return __atomic_load_n(&trap_depth, __ATOMIC_SEQ_CST) != 0;
}

void irq_setup(const struct apic *a, uint8_t doorbell, uint8_t timer, uint8_t spurious)
{
	irq.apic = *a;
	irq.doorbell = doorbell;
	irq.timer = timer;
	irq.spurious = spurious;
	irq.ready = true;
}

void irq_counts(struct irq_counts *out)
{
	*out = irq.counts;
}

void probe_irq(uint64_t vector)
{
	if (vector == irq.spurious) {
		irq.counts.spurious++; /* SDM Vol.3 10.9: never in service, so no EOI */
		return;
	}
	if (vector == irq.doorbell)
		irq.counts.doorbell++;
	else if (vector == irq.timer)
		irq.counts.timer++;
	else
		irq.counts.stray++;
	if (irq.ready)
		apic_eoi(&irq.apic);
}

void probe_trap(const struct trap_frame *f)
{
	/* A fault while reporting a fault: stop QEMU without another word. */
	if (__atomic_fetch_add(&trap_depth, 1, __ATOMIC_SEQ_CST))
		probe_exit(false);
	probe_fail("exception %llu (error 0x%llx) at rip 0x%llx, cr2 0x%llx, rsp 0x%llx",
		   (unsigned long long)f->vector, (unsigned long long)f->error,
		   (unsigned long long)f->rip, (unsigned long long)read_cr2(),
		   (unsigned long long)f->rsp);
}
