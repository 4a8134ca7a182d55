#include "cpu_start.h"

extern const uint8_t ap_blob[], ap_blob_end[];

#define MSR_IA32_APIC_BASE 0x1B
#define APIC_BASE_X2APIC (1u << 10)
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_ADDR_MASK 0xFFFFFF000ull
#define MSR_X2APIC_ICR 0x830
/* SDM Vol.3 10.6.1: ICR low at +0x300, high at +0x310 (destination bits 24..31). */
#define XAPIC_ICR_LOW 0x300
#define XAPIC_ICR_HIGH 0x310
#define ICR_DELIVERY_INIT (5u << 8)
#define ICR_DELIVERY_STARTUP (6u << 8)
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)

/* SDM Vol.3 8.4.4.1: 10 ms after INIT, 200 us between the SIPIs. */
#define INIT_DELAY_US 10000
#define SIPI_DELAY_US 200

static bool x2apic;
static volatile uint32_t *xapic_base;

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

void apic_setup(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	x2apic = base & APIC_BASE_X2APIC;
	xapic_base = (volatile uint32_t *)(uintptr_t)(base & APIC_BASE_ADDR_MASK);
}

bool apic_is_x2apic(void)
{
	return x2apic;
}

void tsc_delay_us(uint64_t tsc_khz, uint64_t us)
{
	uint64_t start = rdtsc(), ticks = tsc_khz * us / 1000;
	while (rdtsc() - start < ticks)
		__asm__ volatile("pause");
}

static void apic_send(uint32_t apic_id, uint32_t low)
{
	if (x2apic) {
		/* One WRMSR; no delivery-status bit to poll in x2APIC mode. */
		wrmsr(MSR_X2APIC_ICR, ((uint64_t)apic_id << 32) | low);
		return;
	}
	/* Writing the low dword sends: the destination goes first. */
	xapic_base[XAPIC_ICR_HIGH / 4] = apic_id << 24;
	xapic_base[XAPIC_ICR_LOW / 4] = low;
	for (uint32_t spins = 0; spins < 1000000 && (xapic_base[XAPIC_ICR_LOW / 4] & ICR_DELIVERY_PENDING);
	     spins++)
		__asm__ volatile("pause");
}

void tramp_install(uint64_t page, uint32_t mode, uint64_t entry, uint64_t arg, uint32_t cr3)
{
	uint8_t *p = (uint8_t *)(uintptr_t)page;
	size_t len = (size_t)(ap_blob_end - ap_blob);
	mk_memcpy(p, ap_blob, len);
	mk_memset(p + len, 0, TRAMP_PAGE_SIZE - len);
	struct tramp_handoff *h = (struct tramp_handoff *)(p + TRAMP_OFF_HANDOFF);
	h->mode = mode;
	h->cr3 = cr3;
	h->entry = entry;
	h->arg = arg;
	h->stack_top = (uint32_t)(page + TRAMP_PAGE_SIZE);
	h->started = 0;
	h->apic_id = ~0u;
}

uint32_t cpu_start_batch(struct tramp_target *t, uint32_t n, uint64_t tsc_khz, uint64_t timeout_us)
{
	uint32_t done = 0;
	for (uint32_t i = 0; i < n; i++)
		apic_send(t[i].apic_id, ICR_DELIVERY_INIT | ICR_LEVEL_ASSERT | ICR_TRIGGER_LEVEL);
	tsc_delay_us(tsc_khz, INIT_DELAY_US);
	for (int round = 0; round < 2; round++) {
		for (uint32_t i = 0; i < n; i++)
			apic_send(t[i].apic_id, ICR_DELIVERY_STARTUP | (uint32_t)(t[i].page >> 12));
		tsc_delay_us(tsc_khz, SIPI_DELAY_US);
	}
	uint64_t start = rdtsc(), limit = tsc_khz * timeout_us / 1000;
	while (done < n && rdtsc() - start < limit) {
		for (uint32_t i = 0; i < n; i++) {
			volatile struct tramp_handoff *h =
				(volatile struct tramp_handoff *)(uintptr_t)(t[i].page + TRAMP_OFF_HANDOFF);
			if (!t[i].started && h->started == TRAMP_STARTED) {
				t[i].started = true;
				t[i].started_tsc = rdtsc();
				done++;
			}
		}
		__asm__ volatile("pause");
	}
	return done;
}

void tramp_enter_bsp(uint64_t page)
{
	void (*bsp64)(uint64_t) = (void (*)(uint64_t))(uintptr_t)(page + TRAMP_OFF_BSP64);
	__asm__ volatile("cli");
	bsp64(page);
	__builtin_unreachable();
}
