/*
 * The local APIC of the CPU we run on (SDM Vol.3 chapter 10): its ID, and
 * INIT-SIPI-SIPI to another CPU.  xAPIC through MMIO at IA32_APIC_BASE,
 * x2APIC through MSRs when the firmware switched it on (bit 10).
 */
#include "probe.h"

#include "x86.h"

#define XAPIC_ID 0x020
#define XAPIC_ICR_LOW 0x300
#define XAPIC_ICR_HIGH 0x310
#define XAPIC_ID_SHIFT 24
#define X2APIC_MSR_ID 0x802
#define X2APIC_MSR_ICR 0x830

/* SDM Vol.3 10.6.1: interrupt command register. */
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
