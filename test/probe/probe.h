/*
 * The probe kernel's hardware-side modules.  Every C file of the probe is
 * compiled position independent (-fpie) and the image is checked for absolute
 * addresses at build time, so nothing here may hold a pointer in initialised
 * static data; addresses are taken at run time.
 */
#ifndef PROBE_PROBE_H
#define PROBE_PROBE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib.h"
#include "ranges.h"

#define PROBE_MAX_CPUS 64u
#define PROBE_LINE_MAX 256u

/* Linker-script symbols (probe.ld): runtime addresses, via RIP-relative code. */
extern char __image_start[], __image_end[];

/* ---- console.c: polled 16550 at the port from console=ttyS<N> ---- */
void console_init(uint16_t port);
/* The prefix every line gets: "probe[<name>]: " (non-printable bytes become '?'). */
void console_set_name(const char *name);
void probe_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void probe_vlog(const char *fmt, va_list ap);

/* ---- tsc.c: time from the TSC ---- */
enum tsc_source { TSC_FROM_MKBOOT, TSC_FROM_PIT, TSC_ASSUMED };
/* khz_hint 0: calibrate against PIT channel 2 if may_use_pit, else assume a high rate. */
enum tsc_source tsc_init(uint64_t khz_hint, bool may_use_pit);
uint64_t tsc_khz(void);
void tsc_delay_us(uint64_t us);
uint64_t tsc_deadline_ms(uint64_t ms);
bool tsc_passed(uint64_t deadline);
uint64_t tsc_ms_since(uint64_t start);

/* ---- apic.c: this CPU's local APIC, xAPIC (MMIO) or x2APIC (MSRs) ---- */
struct apic {
	bool x2apic;
	uint64_t base; /* xAPIC MMIO base */
};
bool apic_open(struct apic *a, struct mk_buf *why);
/* This CPU's APIC ID, in whatever mode its IA32_APIC_BASE says (any CPU may call it). */
uint32_t apic_self_id(void);
bool apic_self_is_bsp(void);
/* SDM Vol.3 8.4.4.1 INIT-SIPI-SIPI to one CPU; false if the ICR never went idle. */
bool apic_start_cpu(const struct apic *a, uint32_t apic_id, uint64_t page, struct mk_buf *why);
/* A fixed IPI (a doorbell) to one CPU, physical destination; false if it could not go. */
bool apic_send_fixed(const struct apic *a, uint32_t apic_id, uint8_t vector);
void apic_eoi(const struct apic *a);
/* Software-enables the APIC with this spurious vector, TPR 0, nothing left in service. */
void apic_enable(const struct apic *a, uint8_t spurious_vector);
/* Timer ticks per ms at the divider apic_timer_oneshot uses (measured on the TSC); 0: none. */
uint64_t apic_timer_calibrate(const struct apic *a);
void apic_timer_oneshot(const struct apic *a, uint8_t vector, uint32_t ticks);
void apic_timer_stop(const struct apic *a);

/* ---- paging.c: extends entry.asm's 0..4 GiB identity map ---- */
#define PAGING_LIMIT (64ull << 30) /* the probe maps RAM up to here */
bool paging_map(uint64_t base, uint64_t size, struct mk_buf *why);
bool paging_is_mapped(uint64_t base, uint64_t size);
/* The 2 MiB page holding `phys` becomes uncached (local APIC MMIO). */
void paging_set_uncached(uint64_t phys);

/* ---- trap.c: an IDT whose every exception ends the probe with a reason ---- */
void trap_install(void);
void trap_load(void); /* APs: the same IDT */
/* True once an exception is being reported: nothing may run but the report. */
bool trap_active(void);
/*
 * Interrupts (vectors 32..255, the boot CPU only, taken only inside halts):
 * the doorbell and timer vectors are counted and get an EOI, the spurious
 * vector is counted without one (SDM Vol.3 10.9), anything else is "stray".
 */
struct irq_counts {
	uint64_t doorbell, timer, spurious, stray;
};
void irq_setup(const struct apic *a, uint8_t doorbell, uint8_t timer, uint8_t spurious);
void irq_counts(struct irq_counts *out);

/* ---- smp.c: the partition's other CPUs, started by the probe itself ---- */
struct smp_result {
	uint32_t online[PROBE_MAX_CPUS]; /* APIC IDs that reported, in order */
	uint32_t n;
};
/* Copies the trampoline to `page` (4 KiB aligned, below 1 MiB) and starts every CPU in targets. */
bool smp_start(const struct apic *a, uint64_t page, const uint32_t *targets, uint32_t ntargets,
	       struct smp_result *res, struct mk_buf *why);

/* ---- memtest.c: every available byte gets a pattern unique to the partition ---- */
uint64_t memtest_key(uint32_t partition_index);
void memtest_fill(const struct range_list *plan, uint64_t key);
/* nparts: decodes whose pattern overwrote ours, if any. */
bool memtest_verify(const struct range_list *plan, uint64_t key, uint32_t nparts, struct mk_buf *why);
/* The self-test: one word in the plan gets a value that is nobody's pattern. */
uint64_t memtest_corrupt(const struct range_list *plan);

/* ---- peers.c: the mailbox, under mkboot (README.md "Talking through the mailbox") ---- */
struct coord;
struct mkboot_info;
struct probe_cmdline;
/* Opens the mailbox, enables doorbell interrupts, says hello; fails the probe on error. */
void peers_open(const struct mkboot_info *mk, const struct coord *coord, const struct apic *a,
		const struct probe_cmdline *cmd);
bool peers_ready(void);
/* Whether partition `part` is waited for: a probe (or everyone, before peers_open). */
bool peers_counts(uint32_t part);
/* Serves the mailbox until every probe peer is RUNNING or later; fails the probe on timeout. */
void peers_wait_filled(uint32_t wait_s);
/* The streams with every probe peer; prints a line per peer; fails the probe on any error. */
void peers_exchange(uint32_t wait_s);
/*
 * probe.bench=<peer>: runs the benchmark and prints the results.  scratch:
 * RAM of ours nothing else uses any more (the bulk phase's buffers), or NULL.
 */
void peers_bench(uint32_t wait_s, uint8_t *scratch, uint64_t scratch_size);
/* probe.ping=<peer>: once the peer is done, pings it like a Linux init would. */
void peers_ping(uint32_t wait_s);
/* Serves the mailbox until every probe peer is DONE or worse: false on timeout. */
bool peers_wait_stopped(uint32_t wait_s);
/* Answers pings (and drains streams) for good. */
__attribute__((noreturn)) void peers_serve_forever(void);

/* ---- main.c ---- */
void probe_main(uint32_t magic, uint64_t mbi);
/* Ends the probe: prints "FAIL: <reason>", tells the others, never returns. */
__attribute__((noreturn, format(printf, 1, 2))) void probe_fail(const char *fmt, ...);
/* Ends QEMU through isa-debug-exit (README.md: exit codes), else halts. */
__attribute__((noreturn)) void probe_exit(bool pass);

#endif
