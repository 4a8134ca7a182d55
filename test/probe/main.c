/*
 * The probe: a multiboot2 kernel that checks what its loader promised.
 * Under mkboot (MB2_TAG_MKBOOT present) it is one partition among several;
 * under GRUB it is alone ("single").  Either way it reads the MBI with the
 * same code, starts its other CPUs, fills its RAM with its own pattern and
 * verifies it once every probe partition has filled theirs.  Under mkboot it
 * also exchanges checksummed streams with every other probe through the
 * mailbox (peers.c), benchmarks it on request, and answers pings from anyone.
 * The last line it prints is "PASS" or "FAIL: <reason>"; the partition on
 * the boot CPU waits for the other probes and ends QEMU (README.md: exit
 * codes).
 */
#include "probe.h"

#include "acpi.h"
#include "checks.h"
#include "cmdline.h"
#include "coord.h"
#include "layout.h"
#include "mbi.h"
#include "msg.h"
#include "x86.h"

#define ISA_DEBUG_EXIT_PORT 0xF4
#define ISA_DEBUG_EXIT_PASS 0 /* QEMU exits with (value << 1) | 1: 1 */
#define ISA_DEBUG_EXIT_FAIL 1 /* 3 */
/* Under GRUB only: fill this much, so TCG gets through in seconds. */
#define GRUB_FILL_LIMIT (256ull << 20)

struct probe_state {
	uint64_t mbi_addr;
	struct probe_mbi mbi;
	struct probe_cmdline cmd;
	const struct mkboot_info *mk; /* validated; NULL under GRUB */
	bool ends_qemu;               /* the boot CPU's partition */
	bool apic_ok;
	struct apic apic;
	uint32_t boot_apic_id;
	bool coord_ok;
	struct coord coord;
	uint32_t expected[PROBE_MAX_CPUS]; /* the partition's CPUs, boot CPU included */
	uint32_t nexpected;
	struct range_list avail, holes, plan;
	uint64_t trampoline;
};

static struct probe_state g;
static uint32_t finishing;

__attribute__((noreturn)) void probe_exit(bool pass)
{
	outl(ISA_DEBUG_EXIT_PORT, pass ? ISA_DEBUG_EXIT_PASS : ISA_DEBUG_EXIT_FAIL);
	cpu_halt_forever(); /* no isa-debug-exit device: stay stopped */
}

/*
 * The boot CPU's partition: wait (bounded) until every other probe stopped,
 * serving the mailbox meanwhile.  Partitions that are not probes (no hello)
 * are not waited for, but one that stopped FAILED or PANICKED still fails
 * the run.  Before the mailbox is open, or while reporting an exception,
 * every partition counts and only the state words are polled.
 */
static bool wait_for_peers(char *reason, size_t cap)
{
	struct mk_buf why;
	mk_buf_init(&why, reason, cap);
	if (peers_ready() && !trap_active()) {
		peers_wait_stopped(g.cmd.wait_s);
	} else {
		uint64_t deadline = tsc_deadline_ms((uint64_t)g.cmd.wait_s * 1000);
		while (coord_count_at_least(&g.coord, MKBOX_STATE_DONE) < g.coord.nparts &&
		       !tsc_passed(deadline)) {
			coord_heartbeat(&g.coord);
			tsc_delay_us(1000);
		}
	}
	bool all = true;
	for (uint32_t i = 0; i < g.coord.nparts; i++) {
		char name[MKBOX_NAME_MAX + 1];
		uint32_t s = coord_peer_state(&g.coord, i);
		bool counted = peers_counts(i) || trap_active();
		bool stopped = s == MKBOX_STATE_FAILED || s == MKBOX_STATE_PANICKED;
		if (i == g.coord.self)
			continue;
		coord_peer_name(&g.coord, i, name, sizeof(name));
		probe_log("partition %u (%s): %s%s", i, name, coord_state_name(s),
			  counted ? "" : " (not a probe: not waited for)");
		if (!all || (counted ? s == MKBOX_STATE_DONE : !stopped))
			continue;
		all = false;
		if (s < MKBOX_STATE_DONE || s > MKBOX_STATE_PANICKED)
			mk_buf_printf(&why, "partition %u (%s) is still %s after %u s", i, name,
				      coord_state_name(s), g.cmd.wait_s);
		else
			mk_buf_printf(&why, "partition %u (%s) ended %s", i, name, coord_state_name(s));
	}
	return all;
}

/*
 * The verdict.  The boot CPU's partition (unless probe.exit=0) first waits
 * for the other probes and then ends QEMU; every other probe keeps answering
 * the mailbox after its verdict, except after an exception.
 */
static __attribute__((noreturn)) void finish(bool pass, const char *reason)
{
	char peers[PROBE_LINE_MAX];
	bool ends = g.ends_qemu && g.cmd.exit;
	/* The partition that ends QEMU prints its verdict last, after every peer's. */
	if (ends && g.coord_ok) {
		coord_set_state(&g.coord, pass ? MKBOX_STATE_DONE : MKBOX_STATE_FAILED);
		if (!wait_for_peers(peers, sizeof(peers)) && pass) {
			pass = false;
			reason = peers;
		}
	}
	if (pass)
		probe_log("PASS");
	else
		probe_log("FAIL: %s", reason);
	if (ends)
		probe_exit(pass);
	/* The others print first: once the state says done, QEMU may end at once. */
	if (g.coord_ok)
		coord_set_state(&g.coord, pass ? MKBOX_STATE_DONE : MKBOX_STATE_FAILED);
	if (peers_ready() && !trap_active())
		peers_serve_forever();
	cpu_halt_forever();
}

void probe_fail(const char *fmt, ...)
{
	char reason[PROBE_LINE_MAX];
	struct mk_buf b;
	va_list ap;
	mk_buf_init(&b, reason, sizeof(reason));
	va_start(ap, fmt);
	mk_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	/* An AP (only a trap brings one here) reports and stops; the boot CPU decides. */
	if (g.apic_ok && apic_self_id() != g.boot_apic_id) {
		probe_log("FAIL: cpu %u: %s", apic_self_id(), reason);
		cpu_halt_forever();
	}
	if (__atomic_fetch_add(&finishing, 1, __ATOMIC_SEQ_CST))
		probe_exit(false);
	finish(false, reason);
}

/* Everything before the console can speak: magic, MBI, cmdline, mkboot tag, name. */
static void read_boot_info(uint32_t magic, uint64_t mbi_addr)
{
	char whybuf[PROBE_LINE_MAX];
	struct mk_buf why;
	mk_buf_init(&why, whybuf, sizeof(whybuf));
	g.mbi_addr = mbi_addr;
	g.ends_qemu = apic_self_is_bsp(); /* until a valid mkboot tag says otherwise */
	bool mbi_ok = magic == MB2_BOOTLOADER_MAGIC && mbi_addr &&
		      mbi_parse((const uint8_t *)(uintptr_t)mbi_addr,
				*(const volatile uint32_t *)(uintptr_t)mbi_addr, &g.mbi, &why);
	cmdline_parse(g.mbi.cmdline, &g.cmd);
	console_init(g.cmd.console_port);
	bool mk_ok = mbi_ok && g.mbi.mkboot &&
		     mkinfo_check(g.mbi.mkboot, g.mbi.mkboot_len, PROBE_MAX_CPUS, &why);
	if (mk_ok) {
		g.mk = g.mbi.mkboot;
		g.ends_qemu = (g.mk->flags & MKBOOT_INFO_F_OWNS_BSP) != 0;
		console_set_name(g.mk->name);
	} else if (mbi_ok && !g.mbi.mkboot) {
		g.ends_qemu = true; /* alone under GRUB */
		console_set_name("single");
	}
	probe_log("multiboot2 probe at 0x%llx..0x%llx, MBI at 0x%llx",
		  (unsigned long long)(uintptr_t)__image_start,
		  (unsigned long long)(uintptr_t)__image_end, (unsigned long long)mbi_addr);
	if (magic != MB2_BOOTLOADER_MAGIC)
		probe_fail("EAX holds 0x%x, not the multiboot2 magic 0x%x", magic, MB2_BOOTLOADER_MAGIC);
	if (!mbi_ok || (g.mbi.mkboot && !mk_ok))
		probe_fail("%s", whybuf);
	probe_log("loader: %s; cmdline: %s", g.mbi.loader_name ? g.mbi.loader_name : "(no tag)",
		  g.mbi.cmdline ? g.mbi.cmdline : "(no tag)");
	if (!g.mbi.cmdline)
		probe_fail("no command line tag");
	if (g.cmd.console_index < 0)
		probe_log("no console=ttyS<N> on the command line: using ttyS0");
}

static void check_memory_map(void)
{
	char whybuf[PROBE_LINE_MAX];
	struct mk_buf why;
	uint64_t image_start = (uint64_t)(uintptr_t)__image_start;
	uint64_t image_end = (uint64_t)(uintptr_t)__image_end;
	mk_buf_init(&why, whybuf, sizeof(whybuf));
	if (!checks_available_ram(&g.mbi, &g.avail, &why) ||
	    !checks_placement(&g.mbi, g.mbi_addr, image_start, image_end, &g.avail, &why) ||
	    !checks_meminfo(&g.mbi, &g.avail, &why) ||
	    (g.mk && !checks_mkboot_ram(g.mk, &g.avail, &why)))
		probe_fail("%s", whybuf);
	probe_log("memory map: %u entries, %llu KiB available in %u ranges%s", g.mbi.mmap_count,
		  (unsigned long long)(ranges_total(&g.avail) >> 10), g.avail.n,
		  g.mk ? ", exactly the mkboot tag's RAM" : "");
	if (g.mbi.meminfo)
		probe_log("basic meminfo: lower %u KiB, upper %u KiB, consistent with the map",
			  g.mbi.meminfo->mem_lower, g.mbi.meminfo->mem_upper);
	/* Under mkboot all our RAM gets the pattern, so all of it must be mapped. */
	for (uint32_t i = 0; g.mk && i < g.avail.n; i++)
		if (!paging_map(g.avail.r[i].base, g.avail.r[i].end - g.avail.r[i].base, &why))
			probe_fail("mapping our RAM: %s", whybuf);
	ranges_init(&g.holes);
	if (!checks_add_hole(&g.holes, image_start, image_end) ||
	    !checks_add_hole(&g.holes, g.mbi_addr, g.mbi_addr + g.mbi.total_size))
		probe_fail("cannot list the image and MBI as holes");
	if (g.mbi.nmodules) {
		if (!checks_module(&g.mbi, g.mbi_addr, image_start, image_end, &g.avail, &why))
			probe_fail("%s", whybuf);
		/* The memory check leaves it alone: it is the kernel's, like the image. */
		if (!checks_add_hole(&g.holes, g.mbi.mod_start, g.mbi.mod_end))
			probe_fail("cannot list the module as a hole");
		probe_log("module \"%s\" at 0x%x..0x%x: %u bytes, FNV-1a 0x%016llx (%u module tags)",
			  g.mbi.mod_name, g.mbi.mod_start, g.mbi.mod_end, g.mbi.mod_end - g.mbi.mod_start,
			  (unsigned long long)msg_fnv1a(MSG_FNV1A_START,
							(const uint8_t *)(uintptr_t)g.mbi.mod_start,
							g.mbi.mod_end - g.mbi.mod_start),
			  g.mbi.nmodules);
	}
	ranges_normalize(&g.holes);
}

static void open_shared_region(void)
{
	char whybuf[PROBE_LINE_MAX];
	struct mk_buf why;
	mk_buf_init(&why, whybuf, sizeof(whybuf));
	if (!paging_map(g.mk->shared_phys, g.mk->shared_size, &why))
		probe_fail("mapping the shared region: %s", whybuf);
	if (!coord_open(&g.coord, g.mk, (void *)(uintptr_t)g.mk->shared_phys, &why))
		probe_fail("%s", whybuf);
	g.coord_ok = true;
	probe_log("partition %u of %u, shared region at 0x%llx, own state %s",
		  g.mk->partition_index, g.mk->partition_count, (unsigned long long)g.mk->shared_phys,
		  coord_state_name(coord_peer_state(&g.coord, g.coord.self)));
}

static void check_boot_cpu(void)
{
	char whybuf[PROBE_LINE_MAX];
	struct mk_buf why;
	mk_buf_init(&why, whybuf, sizeof(whybuf));
	if (!apic_open(&g.apic, &why))
		probe_fail("%s", whybuf);
	g.boot_apic_id = apic_self_id();
	g.apic_ok = true;
	bool bsp = apic_self_is_bsp();
	if (g.mk && g.boot_apic_id != g.mk->boot_apic_id)
		probe_fail("running on CPU %u, the mkboot tag names CPU %u", g.boot_apic_id,
			   g.mk->boot_apic_id);
	if (g.mk && bsp != ((g.mk->flags & MKBOOT_INFO_F_OWNS_BSP) != 0))
		probe_fail("CPU %u is %sthe BSP, but the mkboot tag says the partition %s it", g.boot_apic_id,
			   bsp ? "" : "not ", bsp ? "does not own" : "owns");
	if (!g.mk && !bsp)
		probe_fail("running on CPU %u, which is not the BSP", g.boot_apic_id);
	probe_log("boot cpu: APIC ID %u%s, %s", g.boot_apic_id, bsp ? " (the BSP)" : "",
		  g.apic.x2apic ? "x2APIC" : "xAPIC");
}

/* ACPI tables may sit anywhere below PAGING_LIMIT: map them on demand. */
static const void *phys_map(void *ctx, uint64_t phys, uint64_t len)
{
	char scratch[64];
	struct mk_buf ignored;
	(void)ctx;
	mk_buf_init(&ignored, scratch, sizeof(scratch));
	return phys && paging_map(phys, len, &ignored) ? (const void *)(uintptr_t)phys : NULL;
}

static bool listed(const uint32_t *ids, uint32_t n, uint32_t id)
{
	for (uint32_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static void log_cpu_set(const char *what, const uint32_t *ids, uint32_t n)
{
	char line[PROBE_LINE_MAX];
	struct mk_buf b;
	mk_buf_init(&b, line, sizeof(line));
	for (uint32_t i = 0; i < n; i++)
		mk_buf_printf(&b, " %u", ids[i]);
	probe_log("%s:%s", what, line);
}

/* The CPUs the partition must bring up: the mkboot tag's, else the MADT's enabled ones. */
static void find_cpus(void)
{
	char whybuf[PROBE_LINE_MAX];
	struct mk_buf why;
	struct acpi_cpus acpi;
	mk_buf_init(&why, whybuf, sizeof(whybuf));
	bool have_acpi = g.mbi.rsdp != NULL;
	if (have_acpi && !acpi_find_cpus(g.mbi.rsdp, g.mbi.rsdp_len, phys_map, NULL, &acpi, &why))
		probe_fail("%s", whybuf);
	if (have_acpi)
		probe_log("ACPI: RSDP from tag %u, MADT at 0x%llx lists %u enabled CPUs", g.mbi.rsdp_tag,
			  (unsigned long long)acpi.madt_phys, acpi.n);
	if (g.mk) {
		g.nexpected = g.mk->ncpus;
		mk_memcpy(g.expected, mkboot_info_cpus(g.mk), g.nexpected * sizeof(uint32_t));
		if (!have_acpi)
			probe_log("ACPI: no RSDP tag given");
		for (uint32_t i = 0; have_acpi && i < acpi.n; i++)
			if (acpi.n != g.nexpected || !listed(g.expected, g.nexpected, acpi.apic_ids[i]))
				probe_fail("the MADT's %u CPUs are not the mkboot tag's %u", acpi.n, g.nexpected);
	} else {
		if (!have_acpi)
			probe_fail("no ACPI RSDP tag (14/15): cannot find the other CPUs");
		g.nexpected = acpi.n;
		mk_memcpy(g.expected, acpi.apic_ids, acpi.n * sizeof(uint32_t));
	}
	if (!listed(g.expected, g.nexpected, g.boot_apic_id))
		probe_fail("boot CPU %u is not among the partition's CPUs", g.boot_apic_id);
	log_cpu_set("cpus expected", g.expected, g.nexpected);
}

static void start_cpus(void)
{
	char whybuf[PROBE_LINE_MAX];
	struct mk_buf why;
	uint32_t targets[PROBE_MAX_CPUS], ntargets = 0;
	struct smp_result res;
	mk_buf_init(&why, whybuf, sizeof(whybuf));
	probe_log("cpu %u online", g.boot_apic_id);
	for (uint32_t i = 0; i < g.nexpected; i++)
		if (g.expected[i] != g.boot_apic_id)
			targets[ntargets++] = g.expected[i];
	if (!ntargets)
		return;
	if (!checks_trampoline_page(g.mk, &g.avail, &g.holes, &g.trampoline, &why))
		probe_fail("%s", whybuf);
	probe_log("AP trampoline at 0x%llx", (unsigned long long)g.trampoline);
	if (!checks_add_hole(&g.holes, g.trampoline, g.trampoline + CHECKS_PAGE))
		probe_fail("cannot list the trampoline page as a hole");
	ranges_normalize(&g.holes);
	if (!smp_start(&g.apic, g.trampoline, targets, ntargets, &res, &why))
		probe_fail("%s", whybuf);
	probe_log("%u of %u cpus online", res.n + 1, g.nexpected);
}

/* Waits (bounded) until every probe has filled its RAM or stopped. */
static void wait_for_fills(void)
{
	coord_set_state(&g.coord, MKBOX_STATE_RUNNING);
	peers_wait_filled(g.cmd.wait_s);
	probe_log("all probe partitions have filled their RAM");
}

static void test_memory(void)
{
	char whybuf[PROBE_LINE_MAX];
	struct mk_buf why;
	mk_buf_init(&why, whybuf, sizeof(whybuf));
	uint64_t lo = g.mk ? 0 : CHECKS_ONE_MIB, hi = g.mk ? UINT64_MAX : GRUB_FILL_LIMIT;
	if (!checks_fill_plan(&g.avail, &g.holes, lo, hi, &g.plan, &why))
		probe_fail("%s", whybuf);
	if (!g.plan.n)
		probe_fail("no RAM to fill");
	uint64_t key = memtest_key(g.mk ? g.mk->partition_index : 0);
	probe_log("filling %llu KiB in %u ranges, pattern address ^ 0x%llx",
		  (unsigned long long)(ranges_total(&g.plan) >> 10), g.plan.n, (unsigned long long)key);
	uint64_t start = rdtsc();
	memtest_fill(&g.plan, key);
	probe_log("filled in %llu ms", (unsigned long long)tsc_ms_since(start));
	if (g.cmd.corrupt)
		probe_log("self-test: overwrote the word at 0x%llx",
			  (unsigned long long)memtest_corrupt(&g.plan));
	if (g.coord_ok)
		wait_for_fills();
	start = rdtsc();
	if (!memtest_verify(&g.plan, key, g.mk ? g.mk->partition_count : 1, &why))
		probe_fail("%s", whybuf);
	probe_log("verified in %llu ms", (unsigned long long)tsc_ms_since(start));
}

/* The memory check's largest range: free for the benchmark once the check is over. */
static const struct range *largest_range(const struct range_list *l)
{
	const struct range *best = NULL;
	for (uint32_t i = 0; i < l->n; i++)
		if (!best || l->r[i].end - l->r[i].base > best->end - best->base)
			best = &l->r[i];
	return best;
}

/* A switch, not a table of pointers: the image holds no absolute addresses. */
static const char *tsc_source_name(enum tsc_source s)
{
	switch (s) {
	case TSC_FROM_MKBOOT: return "from mkboot";
	case TSC_FROM_PIT: return "calibrated against the PIT";
	default: return "assumed";
	}
}

void probe_main(uint32_t magic, uint64_t mbi)
{
	trap_install();
	read_boot_info(magic, mbi);
	/* The PIT is shared hardware: only a probe alone on the machine touches it. */
	enum tsc_source src = tsc_init(g.mk ? g.mk->tsc_khz : 0, !g.mk);
	if (g.mk)
		open_shared_region();
	check_memory_map();
	check_boot_cpu();
	probe_log("tsc: %llu kHz, %s", (unsigned long long)tsc_khz(), tsc_source_name(src));
	if (g.mk)
		peers_open(g.mk, &g.coord, &g.apic, &g.cmd); /* says hello before anything slow */
	find_cpus();
	start_cpus();
	test_memory();
	if (g.mk) {
		peers_exchange(g.cmd.wait_s);
		const struct range *big = largest_range(&g.plan);
		peers_bench(g.cmd.wait_s, big ? (uint8_t *)(uintptr_t)big->base : NULL,
			    big ? big->end - big->base : 0);
		peers_ping(g.cmd.wait_s);
	}
	finish(true, "");
}
