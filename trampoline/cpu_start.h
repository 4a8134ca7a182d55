/*
 * Starting CPUs after ExitBootServices: install a partition's trampoline,
 * INIT-SIPI-SIPI a batch of CPUs, and enter a kernel on the boot CPU.
 * Runs with no firmware: only MSRs, the local APIC and the TSC.
 */
#ifndef MKBOOT_CPU_START_H
#define MKBOOT_CPU_START_H

#include "handoff.h"
#include "lib.h"

struct tramp_target {
	uint64_t page;    /* trampoline page, below 1 MiB, 4 KiB aligned */
	uint32_t apic_id; /* the CPU to start there */
	bool started;     /* filled by cpu_start_batch */
	uint64_t started_tsc;
};

/* Copies the trampoline into `page` and fills its hand-off block. */
void tramp_install(uint64_t page, uint32_t mode, uint64_t entry, uint64_t arg, uint32_t cr3);

/* Reads IA32_APIC_BASE once: xAPIC MMIO base or x2APIC mode. */
void apic_setup(void);
bool apic_is_x2apic(void);

/*
 * SDM Vol.3 8.4.4.1 "typical BSP initialization sequence", once for the whole
 * batch: INIT to every target, one 10 ms wait, SIPI to all, 200 us, SIPI to
 * all.  Then waits up to timeout_us for each hand-off's started word.
 * Returns how many started.
 */
uint32_t cpu_start_batch(struct tramp_target *t, uint32_t n, uint64_t tsc_khz, uint64_t timeout_us);

/* The boot CPU leaves for its own partition through the trampoline at `page`. */
__attribute__((noreturn)) void tramp_enter_bsp(uint64_t page);

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* Busy-waits `us` microseconds against the TSC. */
void tsc_delay_us(uint64_t tsc_khz, uint64_t us);

#endif
