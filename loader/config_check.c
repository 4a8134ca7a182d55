/*
 * partitions.toml, what is checked across partitions once the whole file is
 * read (each CPU in one partition, fixed memory apart) and against the ESP
 * (the kernel and initrd files exist).
 */
#include "config.h"
#include "toml.h"

static const char *part_label(const struct mk_partition_cfg *pt, char *buf, size_t cap)
{
	if (pt->name[0])
		mk_snprintf(buf, cap, "partition \"%s\"", pt->name);
	else
		mk_snprintf(buf, cap, "the partition at line %u", pt->pos.line);
	return buf;
}

static bool part_has_cpu(const struct mk_partition_cfg *pt, uint32_t id)
{
	for (uint32_t k = 0; k < pt->ncpus; k++)
		if (pt->cpus[k] == id)
			return true;
	return false;
}

/* Each CPU belongs to one partition; the machine has at most MK_MAX_CPUS. */
static void check_cpus(const struct mk_config *cfg, struct mk_diags *d)
{
	char label[64];
	uint32_t total = 0;
	for (uint32_t j = 0; j < cfg->nparts; j++) {
		const struct mk_partition_cfg *pt = &cfg->part[j];
		for (uint32_t k = 0; k < pt->ncpus; k++) {
			if (++total > MK_MAX_CPUS) {
				diag_error(d, pt->cpu_pos[k],
					   "more than %d CPUs in all partitions", MK_MAX_CPUS);
				return;
			}
			for (uint32_t i = 0; i < j; i++) {
				if (part_has_cpu(&cfg->part[i], pt->cpus[k])) {
					diag_error(d, pt->cpu_pos[k], "CPU %u is already in %s",
						   pt->cpus[k],
						   part_label(&cfg->part[i], label, sizeof(label)));
					break;
				}
			}
		}
	}
}

/* Fixed bases must leave the address space whole and each other apart. */
static void check_fixed_memory(const struct mk_config *cfg, struct mk_diags *d)
{
	char label[64];
	uint64_t end_j, end_i;
	for (uint32_t j = 0; j < cfg->nparts; j++) {
		const struct mk_partition_cfg *pj = &cfg->part[j];
		if (!pj->has_memory_base || !pj->memory)
			continue;
		if (!mk_add_u64(pj->memory_base, pj->memory, &end_j)) {
			diag_error(
				d, pj->memory_base_pos,
				"memory_base + memory is past the end of the 64-bit address space");
			continue;
		}
		for (uint32_t i = 0; i < j; i++) {
			const struct mk_partition_cfg *pi = &cfg->part[i];
			if (!pi->has_memory_base || !pi->memory ||
			    !mk_add_u64(pi->memory_base, pi->memory, &end_i) ||
			    !mk_ranges_overlap(pj->memory_base, pj->memory, pi->memory_base,
					       pi->memory))
				continue;
			diag_error(d, pj->memory_base_pos,
				   "memory 0x%lX..0x%lX overlaps %s (0x%lX..0x%lX)",
				   (unsigned long)pj->memory_base, (unsigned long)(end_j - 1),
				   part_label(pi, label, sizeof(label)),
				   (unsigned long)pi->memory_base, (unsigned long)(end_i - 1));
			break;
		}
	}
}

uint32_t config_check_layout(const struct mk_config *cfg, struct mk_diags *d)
{
	uint32_t before = diag_total(d);
	check_cpus(cfg, d);
	check_fixed_memory(cfg, d);
	return diag_total(d) - before;
}

uint32_t config_check_files(const struct mk_config *cfg, config_stat_fn stat_file, void *ctx,
			    struct mk_diags *d)
{
	char shown[MK_PATH_MAX + 4];
	uint32_t before = diag_total(d);
	uint64_t size;
	for (uint32_t i = 0; i < cfg->nparts; i++) {
		const struct mk_partition_cfg *pt = &cfg->part[i];
		if (!stat_file(ctx, pt->kernel, &size))
			diag_error(
				d, pt->kernel_pos, "kernel file \"%s\" not found",
				toml_show(pt->kernel, mk_strlen(pt->kernel), shown, sizeof(shown)));
		if (pt->has_initrd && !stat_file(ctx, pt->initrd, &size))
			diag_error(
				d, pt->initrd_pos, "initrd file \"%s\" not found",
				toml_show(pt->initrd, mk_strlen(pt->initrd), shown, sizeof(shown)));
	}
	diag_sort(d);
	return diag_total(d) - before;
}

int config_find_partition(const struct mk_config *cfg, const char *name)
{
	if (!name[0]) /* a partition whose name was missing or invalid is no match */
		return -1;
	for (uint32_t i = 0; i < cfg->nparts; i++)
		if (mk_streq(cfg->part[i].name, name))
			return (int)i;
	return -1;
}
