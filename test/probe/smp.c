/*
 * The partition's other CPUs, started by the probe itself: the trampoline
 * (ap_tramp.asm) goes into a low page, each CPU gets INIT-SIPI-SIPI in turn
 * and must report its APIC ID on the board within AP_REPORT_MS; then it halts
 * with interrupts off, its job done.
 */
#include "probe.h"

#include "ap_handoff.h"
#include "x86.h"

#define AP_STACK_SIZE 4096u
#define AP_REPORT_MS 1000u
#define LOW_MEMORY_LIMIT 0x100000u /* SIPI vectors name pages below 1 MiB */

/* Where APs check in: slot i is written once, by the i-th AP to arrive. */
struct ap_board {
	uint32_t arrived;
	uint32_t apic_id[PROBE_MAX_CPUS];
	uint32_t reported[PROBE_MAX_CPUS]; /* set (release) after apic_id */
	uint32_t is_bsp[PROBE_MAX_CPUS];   /* IA32_APIC_BASE.BSP as the AP saw it */
};

extern char probe_ap_tramp[], probe_ap_tramp_end[];
void probe_ap_main(struct ap_board *b) __attribute__((noreturn));

static uint8_t ap_stacks[PROBE_MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));
static struct ap_board board;

void probe_ap_main(struct ap_board *b)
{
	trap_load();
	uint32_t slot = __atomic_fetch_add(&b->arrived, 1, __ATOMIC_ACQ_REL);
	if (slot < PROBE_MAX_CPUS) {
		b->apic_id[slot] = apic_self_id();
		b->is_bsp[slot] = apic_self_is_bsp();
		__atomic_store_n(&b->reported[slot], 1, __ATOMIC_RELEASE);
	}
	cpu_halt_forever();
}

static bool install_trampoline(uint64_t page, struct mk_buf *why)
{
	uint64_t len = (uint64_t)(probe_ap_tramp_end - probe_ap_tramp);
	if (page % PROBE_AP_PAGE_SIZE || page + PROBE_AP_PAGE_SIZE > LOW_MEMORY_LIMIT ||
	    len > PROBE_AP_PAGE_SIZE) {
		mk_buf_printf(why, "trampoline page 0x%llx is not a 4 KiB page below 1 MiB",
			      (unsigned long long)page);
		return false;
	}
	uint8_t *p = (uint8_t *)(uintptr_t)page;
	mk_memset(p, 0, PROBE_AP_PAGE_SIZE);
	mk_memcpy(p, probe_ap_tramp, len);
	struct probe_ap_handoff *h = (struct probe_ap_handoff *)(p + PROBE_AP_OFF_HANDOFF);
	h->cr3 = (uint32_t)read_cr3();
	h->next_slot = 0;
	h->entry = (uint64_t)(uintptr_t)probe_ap_main;
	h->arg = (uint64_t)(uintptr_t)&board;
	h->stack_base = (uint64_t)(uintptr_t)ap_stacks;
	h->stack_size = AP_STACK_SIZE;
	h->stack_count = PROBE_MAX_CPUS;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return true;
}

/* Looks for `id` on the board; also fails on a CPU we never asked for. */
static bool board_has(uint32_t id, const uint32_t *targets, uint32_t ntargets, bool *found,
		      struct mk_buf *why)
{
	uint32_t n = __atomic_load_n(&board.arrived, __ATOMIC_ACQUIRE);
	*found = false;
	for (uint32_t s = 0; s < n && s < PROBE_MAX_CPUS; s++) {
		if (!__atomic_load_n(&board.reported[s], __ATOMIC_ACQUIRE))
			continue;
		uint32_t got = board.apic_id[s];
		bool expected = false;
		for (uint32_t t = 0; t < ntargets; t++)
			expected |= targets[t] == got;
		if (!expected) {
			mk_buf_printf(why, "CPU %u reported in but was never started", got);
			return false;
		}
		if (got == id) {
			if (board.is_bsp[s]) {
				mk_buf_printf(why, "CPU %u calls itself the BSP", got);
				return false;
			}
			*found = true;
		}
	}
	return true;
}

bool smp_start(const struct apic *a, uint64_t page, const uint32_t *targets, uint32_t ntargets,
	       struct smp_result *res, struct mk_buf *why)
{
	res->n = 0;
	if (!install_trampoline(page, why))
		return false;
	for (uint32_t t = 0; t < ntargets; t++) {
		bool found = false;
		if (!apic_start_cpu(a, targets[t], page, why))
			return false;
		uint64_t deadline = tsc_deadline_ms(AP_REPORT_MS);
		while (!found) {
			if (!board_has(targets[t], targets, ntargets, &found, why))
				return false;
			if (!found && tsc_passed(deadline)) {
				mk_buf_printf(why, "CPU %u did not report within %u ms", targets[t], AP_REPORT_MS);
				return false;
			}
			cpu_relax();
		}
		res->online[res->n++] = targets[t];
		probe_log("cpu %u online", targets[t]);
	}
	return true;
}
