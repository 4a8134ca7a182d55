/*
 * Shared between the planner's files (plan.c: CPUs and roles, plan_mem.c:
 * memory placement, plan_report.c: the boot report).  Not a public API.
 */
#ifndef MKBOOT_PLAN_INTERNAL_H
#define MKBOOT_PLAN_INTERNAL_H

#include "plan.h"

#define PLAN_FOUR_GIB (4ull << 30)

/* Sorts APIC IDs ascending and drops duplicates; returns the new count. */
uint32_t plan_sort_ids(uint32_t *ids, uint32_t n);

/* For sorted, unique ids: one past the end of the run of consecutive IDs from ids[i]. */
uint32_t plan_id_run_end(const uint32_t *ids, uint32_t n, uint32_t i);

/* A partition's CPU count, clamped to what its array can hold. */
uint32_t plan_part_ncpus(const struct mk_partition_cfg *p);

/* Places low slices, trampolines, the shared region and main RAM (plan_mem.c). */
void plan_place_memory(const struct mk_config *cfg, const struct mk_machine *m,
		       struct mk_plan *plan, struct mk_diags *d);

#endif
