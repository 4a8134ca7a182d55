/*
 * The boot planner, part one: checks the config's CPUs against the machine and
 * decides who owns the boot CPU and the platform devices.  Memory placement is
 * in plan_mem.c, the boot report in plan_report.c.
 */
#include "plan_internal.h"

uint32_t plan_sort_ids(uint32_t *ids, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		uint32_t v = ids[i], j = i;
		while (j > 0 && ids[j - 1] > v) {
			ids[j] = ids[j - 1];
			j--;
		}
		ids[j] = v;
	}
	uint32_t out = 0;
	for (uint32_t i = 0; i < n; i++)
		if (out == 0 || ids[out - 1] != ids[i])
			ids[out++] = ids[i];
	return out;
}

uint32_t plan_id_run_end(const uint32_t *ids, uint32_t n, uint32_t i)
{
	uint32_t j = i + 1;
	/* Sorted and unique, so ids[j] > ids[j - 1] and the +1 cannot wrap to a match. */
	while (j < n && ids[j] == ids[j - 1] + 1)
		j++;
	return j;
}

uint32_t plan_part_ncpus(const struct mk_partition_cfg *p)
{
	return p->ncpus < MK_MAX_CPUS ? p->ncpus : MK_MAX_CPUS;
}

uint64_t plan_part_ram(const struct mk_plan_part *p)
{
	uint64_t total = 0;
	for (uint32_t i = 0; i < p->nram && i < MK_MAX_RAM_RANGES; i++)
		total += p->ram[i].size;
	return total;
}

static uint32_t machine_ncpus(const struct mk_machine *m)
{
	return m->ncpus < MK_MAX_MACHINE_CPUS ? m->ncpus : MK_MAX_MACHINE_CPUS;
}

static const struct mk_cpu *machine_find_cpu(const struct mk_machine *m, uint32_t apic_id)
{
	for (uint32_t i = 0; i < machine_ncpus(m); i++)
		if (m->cpus[i].apic_id == apic_id)
			return &m->cpus[i];
	return NULL;
}

/* Index of the partition listing `apic_id`, or -1. */
static int config_owner_of(const struct mk_config *cfg, uint32_t nparts, uint32_t apic_id)
{
	for (uint32_t i = 0; i < nparts; i++) {
		const struct mk_partition_cfg *p = &cfg->part[i];
		for (uint32_t c = 0; c < plan_part_ncpus(p); c++)
			if (p->cpus[c] == apic_id)
				return (int)i;
	}
	return -1;
}

/* "0-3,8,10-11": the machine's APIC IDs, for errors about unknown CPUs. */
static void put_machine_ids(struct mk_buf *b, const struct mk_machine *m)
{
	uint32_t ids[MK_MAX_MACHINE_CPUS];
	uint32_t n = machine_ncpus(m);
	for (uint32_t i = 0; i < n; i++)
		ids[i] = m->cpus[i].apic_id;
	n = plan_sort_ids(ids, n);
	for (uint32_t i = 0; i < n;) {
		uint32_t j = plan_id_run_end(ids, n, i);
		mk_buf_printf(b, "%s%u", i ? "," : "", ids[i]);
		if (j - i > 1)
			mk_buf_printf(b, "-%u", ids[j - 1]);
		i = j;
	}
}

static void check_part_cpus(const struct mk_partition_cfg *p, const struct mk_machine *m,
			    struct mk_diags *d)
{
	if (plan_part_ncpus(p) == 0)
		diag_error(d, p->cpus_pos, "partition \"%s\" has no CPUs", p->name);
	for (uint32_t c = 0; c < plan_part_ncpus(p); c++) {
		const struct mk_cpu *cpu = machine_find_cpu(m, p->cpus[c]);
		if (!cpu) {
			char ids[DIAG_MSG_MAX];
			struct mk_buf b;
			mk_buf_init(&b, ids, sizeof(ids));
			put_machine_ids(&b, m);
			diag_error(d, p->cpu_pos[c],
				   "CPU %u does not exist on this machine (APIC IDs: %s)",
				   p->cpus[c], ids);
		} else if (!cpu->enabled) {
			diag_error(d, p->cpu_pos[c], "CPU %u is disabled", p->cpus[c]);
		}
	}
}

static uint32_t machine_enabled_cpus(const struct mk_machine *m)
{
	uint32_t ids[MK_MAX_MACHINE_CPUS], n = 0;
	for (uint32_t i = 0; i < machine_ncpus(m); i++)
		if (m->cpus[i].enabled)
			ids[n++] = m->cpus[i].apic_id;
	return plan_sort_ids(ids, n);
}

/*
 * The boot CPU runs mkboot and then jumps into its own partition's kernel, so
 * some partition must own it.  The platform (IOAPIC, legacy devices) goes to
 * the partition the config names, else to the boot CPU's.
 */
static void assign_roles(const struct mk_config *cfg, const struct mk_machine *m,
			 struct mk_plan *plan, struct mk_diags *d)
{
	const struct mk_cpu *bsp = NULL;
	for (uint32_t i = 0; i < machine_ncpus(m) && !bsp; i++)
		if (m->cpus[i].bsp)
			bsp = &m->cpus[i];
	int owner = bsp ? config_owner_of(cfg, plan->nparts, bsp->apic_id) : -1;
	if (!bsp)
		diag_error(d, DIAG_NO_POS, "the machine reports no boot CPU");
	else if (owner < 0)
		diag_error(d, cfg->part[0].pos, "no partition owns the boot CPU (APIC ID %u)",
			   bsp->apic_id);
	plan->bsp_part = owner < 0 ? 0 : (uint32_t)owner;
	plan->platform_part = plan->bsp_part;
	if (cfg->has_platform) {
		bool found = false;
		for (uint32_t i = 0; i < plan->nparts && !found; i++) {
			if (mk_streq(cfg->part[i].name, cfg->platform)) {
				plan->platform_part = i;
				found = true;
			}
		}
		if (!found)
			diag_error(d, cfg->platform_pos, "platform = \"%s\" names no partition",
				   cfg->platform);
	}
	for (uint32_t i = 0; i < plan->nparts; i++) {
		const struct mk_partition_cfg *p = &cfg->part[i];
		struct mk_plan_part *pp = &plan->part[i];
		pp->has_bsp = owner >= 0 && (uint32_t)owner == i;
		pp->owns_platform = plan->platform_part == i;
		if (pp->has_bsp)
			pp->boot_apic_id = bsp->apic_id;
		else if (plan_part_ncpus(p))
			pp->boot_apic_id = p->cpus[0];
	}
}

static void find_unassigned(const struct mk_config *cfg, const struct mk_machine *m,
			    struct mk_plan *plan)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < machine_ncpus(m); i++) {
		const struct mk_cpu *cpu = &m->cpus[i];
		if (cpu->enabled && config_owner_of(cfg, plan->nparts, cpu->apic_id) < 0)
			plan->unassigned[n++] = cpu->apic_id;
	}
	plan->nunassigned = plan_sort_ids(plan->unassigned, n);
}

uint32_t plan_build(const struct mk_config *cfg, const struct mk_machine *m, struct mk_plan *plan,
		    struct mk_diags *d)
{
	return plan_build_kernels(cfg, m, NULL, plan, d);
}

uint32_t plan_build_kernels(const struct mk_config *cfg, const struct mk_machine *m,
			    const struct mk_range *kernel_at, struct mk_plan *plan,
			    struct mk_diags *d)
{
	uint32_t before = diag_total(d);
	mk_memset(plan, 0, sizeof(*plan));
	if (cfg->nparts == 0) {
		diag_error(d, DIAG_NO_POS, "no [[partition]] in the config");
		return diag_total(d) - before;
	}
	if (cfg->nparts > MK_MAX_PARTITIONS)
		diag_error(d, cfg->part[MK_MAX_PARTITIONS - 1].pos,
			   "%u partitions, at most %u are supported", cfg->nparts,
			   MK_MAX_PARTITIONS);
	plan->nparts = cfg->nparts < MK_MAX_PARTITIONS ? cfg->nparts : MK_MAX_PARTITIONS;

	for (uint32_t i = 0; i < plan->nparts; i++)
		check_part_cpus(&cfg->part[i], m, d);
	uint32_t enabled = machine_enabled_cpus(m);
	if (plan->nparts > enabled)
		diag_error(d, cfg->part[enabled].pos,
			   "%u partitions need at least %u CPUs, the machine has %u enabled",
			   plan->nparts, plan->nparts, enabled);
	assign_roles(cfg, m, plan, d);
	find_unassigned(cfg, m, plan);
	plan_place_memory(cfg, m, kernel_at, plan, d);
	return diag_total(d) - before;
}
