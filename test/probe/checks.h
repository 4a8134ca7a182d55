/*
 * What the probe checks about the memory it was given, as pure functions of
 * the parsed MBI and a few addresses, so the host tests can drive them.
 * Each returns false with the reason in `why`.
 */
#ifndef PROBE_CHECKS_H
#define PROBE_CHECKS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib.h"
#include "mbi.h"
#include "ranges.h"

/* x86-facts 4: Linux's low-memory rule, which mkboot's low slices follow. */
#define CHECKS_LOW_LIMIT 0x9F000ull
#define CHECKS_ONE_MIB 0x100000ull
#define CHECKS_PAGE 0x1000ull

/* The available (type 1) RAM of the memory map, normalized.  Needs a map with at least one. */
bool checks_available_ram(const struct probe_mbi *m, struct range_list *avail, struct mk_buf *why);

/*
 * The first boot module: page aligned, end >= start, inside available RAM,
 * clear of the image and of the MBI.
 */
bool checks_module(const struct probe_mbi *m, uint64_t mbi_addr, uint64_t image_start,
		   uint64_t image_end, const struct range_list *avail, struct mk_buf *why);

/*
 * The image sits where its relocatable tag allows (aligned, base in
 * [min, max]), inside available RAM, clear of the MBI, and at the address the
 * load base tag names, when there is one.
 */
bool checks_placement(const struct probe_mbi *m, uint64_t mbi_addr, uint64_t image_start,
		      uint64_t image_end, const struct range_list *avail, struct mk_buf *why);

/* Basic meminfo (spec 3.6.3), when given: lower and upper memory are available in the map. */
bool checks_meminfo(const struct probe_mbi *m, const struct range_list *avail, struct mk_buf *why);

/*
 * Under mkboot: the available RAM is exactly the tag's RAM ranges plus its low
 * slice; the low slice lies below CHECKS_LOW_LIMIT; the shared region is in
 * none of it.
 */
bool checks_mkboot_ram(const struct mkboot_info *i, const struct range_list *avail,
		       struct mk_buf *why);

/*
 * A 4 KiB page for the AP trampoline that touches none of `holes`: under
 * mkboot the first one in the low slice, else the highest available one below
 * CHECKS_LOW_LIMIT (and above the real-mode IVT page).
 */
bool checks_trampoline_page(const struct mkboot_info *i, const struct range_list *avail,
			    const struct range_list *holes, uint64_t *page, struct mk_buf *why);

/* The pages to fill: available RAM in [lo, hi) minus `holes` (normalized), whole pages only. */
bool checks_fill_plan(const struct range_list *avail, const struct range_list *holes, uint64_t lo,
		      uint64_t hi, struct range_list *plan, struct mk_buf *why);

/* Adds [base, end) rounded out to whole pages; false when the list is full. */
bool checks_add_hole(struct range_list *holes, uint64_t base, uint64_t end);

#endif
