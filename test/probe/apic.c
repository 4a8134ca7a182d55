/*
 * The local APIC of the CPU we run on (SDM Vol.3 chapter 10): its ID,
 * INIT-SIPI-SIPI to another CPU, fixed IPIs (doorbells), EOI and a one-shot
 * timer.  xAPIC through MMIO at IA32_APIC_BASE, x2APIC through MSRs when the
 * firmware switched it on (bit 10): MSR 0x800 + (MMIO offset >> 4), SDM Vol.3
 * 10.12.1.2.
 */
#include "probe.h"

#include "x86.h"

/* SDM Vol.3 table 10-1: register offsets from the APIC base. */
#define XAPIC_ID 0x020
#define XAPIC_TPR 0x080
#define XAPIC_EOI 0x0B0
#define XAPIC_SVR 0x0F0
#define XAPIC_ISR0 0x100 /* eight 32-bit ISR words, 0x10 apart */
#define XAPIC_ICR_LOW 0x300
#define XAPIC_ICR_HIGH 0x310
#define XAPIC_LVT_TIMER 0x320
#define XAPIC_TIMER_INITIAL 0x380
#define XAPIC_TIMER_CURRENT 0x390
#define XAPIC_TIMER_DIVIDE 0x3E0
#define XAPIC_ID_SHIFT 24
#define X2APIC_MSR_BASE 0x800
#define X2APIC_MSR_ID 0x802
#define X2APIC_MSR_ICR 0x830
#define APIC_ISR_WORDS 8u

/* SDM Vol.3 10.9: spurious-interrupt vector register. */
#define SVR_APIC_ENABLE 0x100u
#define SVR_VECTOR_MASK 0xFFu
/* SDM Vol.3 10.5.4: LVT timer, one-shot mode is 0 in bits 17..18. */
#define LVT_MASKED 0x10000u
#define TIMER_DIVIDE_16 0x3u
#define TIMER_CALIBRATE_US 10000u

/* SDM Vol.3 10.6.1: interrupt command register. */
#define ICR_DM_FIXED 0x000u
#define ICR_DM_INIT 0x500u
#define ICR_DM_STARTUP 0x600u
#define ICR_LEVEL_ASSERT 0x4000u
#define ICR_BUSY 0x1000u /* xAPIC delivery status */
#define ICR_SPIN_LIMIT 1000000u

/* SDM Vol.3 8.4.4.1: INIT, 10 ms, SIPI, 200 us, SIPI. */
#define INIT_DELAY_US 10000u
#define SIPI_DELAY_US 200u

static volatile uint32_t *xapic_reg(const struct apic *a, uint32_t off)
{
	return (volatile uint32_t *)(uintptr_t)(a->base + off);
}

/* A 32-bit register by its xAPIC offset, in either mode (not the ICR). */
static uint32_t reg_read(const struct apic *a, uint32_t off)
{
	return a->x2apic ? (uint32_t)rdmsr(X2APIC_MSR_BASE + (off >> 4)) : *xapic_reg(a, off);
}

static void reg_write(const struct apic *a, uint32_t off, uint32_t v)
{
	if (a->x2apic)
		wrmsr(X2APIC_MSR_BASE + (off >> 4), v);
	else
		*xapic_reg(a, off) = v;
}

bool apic_open(struct apic *a, struct mk_buf *why)
{
	uint64_t msr = rdmsr(X86_MSR_APIC_BASE);
	if (!(msr & X86_APIC_BASE_ENABLE)) {
		mk_buf_printf(why, "local APIC is disabled (IA32_APIC_BASE 0x%llx)", (unsigned long long)msr);
		return false;
	}
	a->x2apic = (msr & X86_APIC_BASE_X2APIC) != 0;
	a->base = msr & X86_APIC_BASE_ADDR_MASK;
	if (!a->x2apic) {
		if (!paging_is_mapped(a->base, X86_PAGE_SIZE)) {
			mk_buf_printf(why, "local APIC MMIO at 0x%llx is not mapped", (unsigned long long)a->base);
			return false;
		}
		paging_set_uncached(a->base);
	}
	return true;
}

uint32_t apic_self_id(void)
{
	uint64_t msr = rdmsr(X86_MSR_APIC_BASE);
	if (msr & X86_APIC_BASE_X2APIC)
		return (uint32_t)rdmsr(X2APIC_MSR_ID);
	return *(volatile uint32_t *)(uintptr_t)((msr & X86_APIC_BASE_ADDR_MASK) + XAPIC_ID) >> XAPIC_ID_SHIFT;
}

bool apic_self_is_bsp(void)
{
	return (rdmsr(X86_MSR_APIC_BASE) & X86_APIC_BASE_BSP) != 0;
}

static bool send_ipi(const struct apic *a, uint32_t dest, uint32_t low, struct mk_buf *why)
{
	if (a->x2apic) {
		/* SDM Vol.3 10.12.9: one 64-bit write, no delivery status to poll. */
		wrmsr(X2APIC_MSR_ICR, ((uint64_t)dest << 32) | low);
		return true;
	}
	*xapic_reg(a, XAPIC_ICR_HIGH) = dest << XAPIC_ID_SHIFT;
	*xapic_reg(a, XAPIC_ICR_LOW) = low;
	for (uint32_t spin = 0; spin < ICR_SPIN_LIMIT; spin++)
		if (!(*xapic_reg(a, XAPIC_ICR_LOW) & ICR_BUSY))
			return true;
	mk_buf_printf(why, "IPI 0x%x to CPU %u stayed pending", low, dest);
	return false;
}

bool apic_start_cpu(const struct apic *a, uint32_t apic_id, uint64_t page, struct mk_buf *why)
{
	if (!a->x2apic && apic_id > 0xFF) {
		mk_buf_printf(why, "CPU %u cannot be reached in xAPIC mode", apic_id);
		return false;
	}
	uint32_t vector = (uint32_t)(page >> 12);
	if (!send_ipi(a, apic_id, ICR_DM_INIT | ICR_LEVEL_ASSERT, why))
		return false;
	tsc_delay_us(INIT_DELAY_US);
	for (int i = 0; i < 2; i++) {
		if (!send_ipi(a, apic_id, ICR_DM_STARTUP | vector, why))
			return false;
		tsc_delay_us(SIPI_DELAY_US);
	}
	return true;
}

bool apic_send_fixed(const struct apic *a, uint32_t apic_id, uint8_t vector)
{
	char scratch[64];
	struct mk_buf ignored;
	mk_buf_init(&ignored, scratch, sizeof(scratch));
	if (!a->x2apic && apic_id > 0xFF)
		return false;
	/* Physical destination, fixed delivery; SDM Vol.3 10.6.1 wants the level bit set. */
	return send_ipi(a, apic_id, ICR_DM_FIXED | ICR_LEVEL_ASSERT | vector, &ignored);
}

void apic_eoi(const struct apic *a)
{
	reg_write(a, XAPIC_EOI, 0);
}

/*
 * After INIT the APIC is software-disabled (SDM Vol.3 10.4.7.3) and accepts
 * no fixed interrupts: enable it, accept every priority (TPR 0), and retire
 * anything the firmware left in service, which would block lower vectors.
 */
void apic_enable(const struct apic *a, uint8_t spurious_vector)
{
	uint32_t svr = reg_read(a, XAPIC_SVR);
	reg_write(a, XAPIC_SVR, (svr & ~SVR_VECTOR_MASK) | SVR_APIC_ENABLE | spurious_vector);
	reg_write(a, XAPIC_TPR, 0);
	for (uint32_t n = 0; n < 256; n++) {
		bool in_service = false;
		for (uint32_t w = 0; w < APIC_ISR_WORDS; w++)
			in_service |= reg_read(a, XAPIC_ISR0 + w * 0x10) != 0;
		if (!in_service)
			break;
		apic_eoi(a);
	}
}

/* Counts down from the top for TIMER_CALIBRATE_US, bracketed by TSC reads. */
uint64_t apic_timer_calibrate(const struct apic *a)
{
	uint64_t t0, t1;
	uint32_t left;
	reg_write(a, XAPIC_LVT_TIMER, LVT_MASKED);
	reg_write(a, XAPIC_TIMER_DIVIDE, TIMER_DIVIDE_16);
	t0 = rdtsc();
	reg_write(a, XAPIC_TIMER_INITIAL, UINT32_MAX);
	tsc_delay_us(TIMER_CALIBRATE_US);
	left = reg_read(a, XAPIC_TIMER_CURRENT);
	t1 = rdtsc();
	reg_write(a, XAPIC_TIMER_INITIAL, 0); /* SDM Vol.3 10.5.4: 0 stops the timer */
	if (t1 <= t0)
		return 0;
	return (UINT32_MAX - (uint64_t)left) * tsc_khz() / (t1 - t0);
}

void apic_timer_oneshot(const struct apic *a, uint8_t vector, uint32_t ticks)
{
	reg_write(a, XAPIC_LVT_TIMER, vector);
	reg_write(a, XAPIC_TIMER_DIVIDE, TIMER_DIVIDE_16);
	reg_write(a, XAPIC_TIMER_INITIAL, ticks ? ticks : 1);
}

void apic_timer_stop(const struct apic *a)
{
	reg_write(a, XAPIC_TIMER_INITIAL, 0);
	reg_write(a, XAPIC_LVT_TIMER, LVT_MASKED);
}
