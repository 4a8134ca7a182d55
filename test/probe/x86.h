/*
 * x86 architectural constants and the few privileged instructions the probe
 * needs, as inline functions.  Constants are plain literals: asm_defines.c
 * hands some of them to NASM.
 */
#ifndef PROBE_X86_H
#define PROBE_X86_H

#include <stdint.h>

/* SDM Vol.3 2.5: control registers. */
#define X86_CR0_PE 0x00000001u
#define X86_CR0_NW 0x20000000u
#define X86_CR0_CD 0x40000000u
#define X86_CR0_PG 0x80000000u
#define X86_CR4_PAE 0x00000020u

/* SDM Vol.4: model-specific registers. */
#define X86_MSR_APIC_BASE 0x0000001Bu
#define X86_MSR_EFER 0xC0000080u
#define X86_EFER_LME 0x00000100u
#define X86_APIC_BASE_BSP 0x100u     /* bit 8: this CPU is the bootstrap processor */
#define X86_APIC_BASE_X2APIC 0x400u  /* bit 10: x2APIC mode */
#define X86_APIC_BASE_ENABLE 0x800u  /* bit 11: APIC globally enabled */
#define X86_APIC_BASE_ADDR_MASK 0x000FFFFFFFFFF000ull

/* CPUID 0x80000001 EDX bit 29: long mode. */
#define X86_CPUID_EXT_MAX 0x80000000u
#define X86_CPUID_EXT_FEATURES 0x80000001u
#define X86_CPUID_EXT_EDX_LM 0x20000000u

/* SDM Vol.3 4.5: 4-level paging entries. */
#define X86_PTE_PRESENT 0x001u
#define X86_PTE_WRITE 0x002u
#define X86_PTE_PWT 0x008u
#define X86_PTE_PCD 0x010u
#define X86_PTE_PS 0x080u /* in a PD entry: maps a 2 MiB page */
#define X86_PTE_ADDR_MASK 0x000FFFFFFFFFF000ull
#define X86_PAGE_SIZE 0x1000u
#define X86_LARGE_PAGE_SIZE 0x200000u
#define X86_PT_ENTRIES 512u

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

#endif
