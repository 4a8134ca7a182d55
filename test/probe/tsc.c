/*
 * Time from the TSC.  The rate comes from mkboot (measured before
 * ExitBootServices), else from PIT channel 2 (only when the probe owns the
 * machine, i.e. under GRUB), else it is assumed high, so that every delay
 * lasts at least as long as asked.
 */
#include "probe.h"

#include "x86.h"

#define PIT_HZ 1193182u
#define PIT_CH2_DATA 0x42
#define PIT_MODE 0x43
#define PIT_MODE_CH2_LOHI_ONESHOT 0xB0 /* channel 2, lobyte/hibyte, mode 0, binary */
#define PORT_B 0x61                    /* 8255 port B: bit 0 gate 2, bit 1 speaker, bit 5 OUT2 */
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20
#define PIT_CALIBRATE_MS 50u
#define TSC_KHZ_ASSUMED 10000000ull /* 10 GHz: no real TSC is faster, so waits only get longer */
#define TSC_KHZ_MIN 100000ull       /* 100 MHz: anything slower is a broken measurement */

static uint64_t khz = TSC_KHZ_ASSUMED;

static uint64_t pit_calibrate(void)
{
	uint32_t count = PIT_HZ / 1000 * PIT_CALIBRATE_MS;
	outb(PORT_B, (uint8_t)((inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_MODE, PIT_MODE_CH2_LOHI_ONESHOT);
	outb(PIT_CH2_DATA, (uint8_t)count);
	outb(PIT_CH2_DATA, (uint8_t)(count >> 8));
	uint64_t start = rdtsc(), now = start;
	/* Bounded by TSC ticks: at most a second even at the assumed 10 GHz. */
	while (!(inb(PORT_B) & PORT_B_OUT2)) {
		now = rdtsc();
		if (now - start > TSC_KHZ_ASSUMED * 1000)
			return 0;
	}
	return (now - start) / PIT_CALIBRATE_MS;
}

enum tsc_source tsc_init(uint64_t khz_hint, bool may_use_pit)
{
	if (khz_hint >= TSC_KHZ_MIN && khz_hint <= TSC_KHZ_ASSUMED) {
		khz = khz_hint;
		return TSC_FROM_MKBOOT;
	}
	if (may_use_pit) {
		uint64_t m = pit_calibrate();
		if (m >= TSC_KHZ_MIN && m <= TSC_KHZ_ASSUMED) {
			khz = m;
			return TSC_FROM_PIT;
		}
	}
	khz = TSC_KHZ_ASSUMED;
	return TSC_ASSUMED;
}

uint64_t tsc_khz(void)
{
	return khz;
}

void tsc_delay_us(uint64_t us)
{
	uint64_t start = rdtsc(), ticks = us * khz / 1000;
	while (rdtsc() - start < ticks)
		cpu_relax();
}

uint64_t tsc_deadline_ms(uint64_t ms)
{
	return rdtsc() + ms * khz;
}

bool tsc_passed(uint64_t deadline)
{
	return (int64_t)(rdtsc() - deadline) >= 0;
}

uint64_t tsc_ms_since(uint64_t start)
{
	return (rdtsc() - start) / khz;
}
