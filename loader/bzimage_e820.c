/*
 * The bzImage loader's view of a partition's memory: the e820 map the kernel
 * gets in boot_params, and the free spans placement may use
 * (Documentation/arch/x86/boot.rst; docs/linux.md).
 */
#include "bzimage_internal.h"

/* Where spans overlap the higher rank wins: reserved or ACPI memory is never RAM. */
static uint32_t bz_type_rank(uint32_t type)
{
	return type == 0 ? 0 : type == E820_TYPE_RAM ? 1 : type == E820_TYPE_ACPI ? 2 : 3;
}

static bool bz_add_span(struct bz_span *s, uint32_t *n, struct mk_range r, uint32_t type,
			const char *what, struct mk_diags *d)
{
	uint64_t end;
	if (!r.size)
		return true;
	if (!mk_add_u64(r.base, r.size, &end)) {
		diag_error(d, DIAG_NO_POS, "%s at 0x%llx (0x%llx bytes) wraps past the top of memory",
			   what, bz_ull(r.base), bz_ull(r.size));
		return false;
	}
	s[(*n)++] = (struct bz_span){ r.base, end, type };
	return true;
}

static void bz_insert_cut(uint64_t *cut, uint32_t *n, uint64_t v)
{
	uint32_t i = *n;
	while (i > 0 && cut[i - 1] > v)
		i--;
	if (i > 0 && cut[i - 1] == v)
		return;
	for (uint32_t j = *n; j > i; j--)
		cut[j] = cut[j - 1];
	cut[i] = v;
	(*n)++;
}

/*
 * Cuts the spans at every boundary, gives each piece the highest-ranked type
 * covering it and merges neighbours of one type: a sorted map without
 * overlaps, as an e820 table must be.  `out` holds BZ_MAX_CUTS entries.
 */
static uint32_t bz_carve(const struct bz_span *in, uint32_t n, struct bz_span *out)
{
	uint64_t cut[BZ_MAX_CUTS];
	uint32_t ncut = 0, nout = 0;

	for (uint32_t i = 0; i < n; i++) {
		bz_insert_cut(cut, &ncut, in[i].base);
		bz_insert_cut(cut, &ncut, in[i].end);
	}
	for (uint32_t c = 0; c + 1 < ncut; c++) {
		uint32_t type = 0;
		for (uint32_t i = 0; i < n; i++)
			if (in[i].base <= cut[c] && cut[c + 1] <= in[i].end &&
			    bz_type_rank(in[i].type) > bz_type_rank(type))
				type = in[i].type;
		if (!type)
			continue;
		if (nout && out[nout - 1].end == cut[c] && out[nout - 1].type == type)
			out[nout - 1].end = cut[c + 1];
		else
			out[nout++] = (struct bz_span){ cut[c], cut[c + 1], type };
	}
	return nout;
}

/*
 * The e820 map is exactly the partition: its main RAM and low slice as RAM,
 * the shared region as reserved, its ACPI copy as ACPI; nothing else in the
 * machine.  The free list is the same map with the low slice taken out: the
 * low slice is left to the kernel's trampolines (docs/linux.md).
 */
bool bz_build_maps(const struct bz_input *in, struct bz_layout *lay, struct mk_diags *d)
{
	const struct mk_plan_part *p = in->part;
	struct bz_span s[BZ_MAX_SPANS], tmp[BZ_MAX_CUTS];
	uint32_t n = 0;

	if (p->nram == 0 || p->nram > MK_MAX_RAM_RANGES) {
		diag_error(d, DIAG_NO_POS, "partition has %u main RAM ranges (1..%u)", p->nram,
			   MK_MAX_RAM_RANGES);
		return false;
	}
	if (p->low.size == 0 || p->low.base + p->low.size > MK_LOW_LIMIT ||
	    p->low.base + p->low.size < p->low.base) {
		diag_error(d, DIAG_NO_POS, "partition has no RAM slice below 0x%llx: Linux needs one "
			   "for its real-mode trampolines", bz_ull(MK_LOW_LIMIT));
		return false;
	}
	for (uint32_t i = 0; i < p->nram; i++)
		if (!bz_add_span(s, &n, p->ram[i], E820_TYPE_RAM, "partition RAM", d))
			return false;
	uint32_t nmain = n;
	if (!bz_add_span(s, &n, p->low, E820_TYPE_RAM, "low slice", d) ||
	    !bz_add_span(s, &n, in->acpi, E820_TYPE_ACPI, "ACPI tables", d) ||
	    !bz_add_span(s, &n, in->shared, E820_TYPE_RESERVED, "shared region", d))
		return false;
	lay->ne820 = bz_carve(s, n, lay->e820);

	s[nmain].type = E820_TYPE_RESERVED; /* the low slice: not for placement */
	uint32_t ntmp = bz_carve(s, n, tmp);
	lay->nfree = 0;
	for (uint32_t i = 0; i < ntmp; i++)
		if (tmp[i].type == E820_TYPE_RAM)
			lay->free[lay->nfree++] = tmp[i];
	lay->nplaced = 0;
	return true;
}
