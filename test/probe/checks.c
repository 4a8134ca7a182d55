#include "checks.h"

#include "layout.h"

bool checks_available_ram(const struct probe_mbi *m, struct range_list *avail, struct mk_buf *why)
{
	ranges_init(avail);
	if (!m->mmap) {
		mk_buf_puts(why, "no memory map tag");
		return false;
	}
	for (uint32_t i = 0; i < m->mmap_count; i++) {
		struct mb2_mmap_entry e = mbi_mmap_entry(m, i);
		if (e.type != MB2_MMAP_AVAILABLE)
			continue;
		if (!ranges_add(avail, e.base_addr, e.length)) {
			mk_buf_printf(why, "memory map entry %u (0x%llx+0x%llx) wraps or overflows the list", i,
				      (unsigned long long)e.base_addr, (unsigned long long)e.length);
			return false;
		}
	}
	ranges_normalize(avail);
	if (!avail->n) {
		mk_buf_puts(why, "memory map has no available RAM");
		return false;
	}
	return true;
}

bool checks_placement(const struct probe_mbi *m, uint64_t mbi_addr, uint64_t image_start,
		      uint64_t image_end, const struct range_list *avail, struct mk_buf *why)
{
	if (image_start % PROBE_RELOC_ALIGN || image_start < PROBE_RELOC_MIN ||
	    image_start > PROBE_RELOC_MAX) {
		mk_buf_printf(why, "image at 0x%llx breaks its relocatable tag (0x%x..0x%x, align 0x%x)",
			      (unsigned long long)image_start, PROBE_RELOC_MIN, PROBE_RELOC_MAX,
			      PROBE_RELOC_ALIGN);
		return false;
	}
	if (m->has_load_base && m->load_base != image_start) {
		mk_buf_printf(why, "load base tag says 0x%x, the image runs at 0x%llx", m->load_base,
			      (unsigned long long)image_start);
		return false;
	}
	if (!ranges_cover(avail, image_start, image_end)) {
		mk_buf_printf(why, "image 0x%llx..0x%llx is not inside available RAM",
			      (unsigned long long)image_start, (unsigned long long)image_end);
		return false;
	}
	if (mk_ranges_overlap(mbi_addr, m->total_size, image_start, image_end - image_start)) {
		mk_buf_printf(why, "MBI 0x%llx+0x%x overlaps the image 0x%llx..0x%llx",
			      (unsigned long long)mbi_addr, m->total_size, (unsigned long long)image_start,
			      (unsigned long long)image_end);
		return false;
	}
	return true;
}

bool checks_module(const struct probe_mbi *m, uint64_t mbi_addr, uint64_t image_start,
		   uint64_t image_end, const struct range_list *avail, struct mk_buf *why)
{
	uint64_t start = m->mod_start, end = m->mod_end, len = end - start;
	if (end < start || start % CHECKS_PAGE) {
		mk_buf_printf(why, "module 0x%llx..0x%llx: not a page-aligned span",
			      (unsigned long long)start, (unsigned long long)end);
		return false;
	}
	if (len && !ranges_cover(avail, start, end)) {
		mk_buf_printf(why, "module 0x%llx..0x%llx is not inside available RAM",
			      (unsigned long long)start, (unsigned long long)end);
		return false;
	}
	if (mk_ranges_overlap(start, len, image_start, image_end - image_start) ||
	    mk_ranges_overlap(start, len, mbi_addr, m->total_size)) {
		mk_buf_printf(why, "module 0x%llx..0x%llx overlaps the image or the MBI",
			      (unsigned long long)start, (unsigned long long)end);
		return false;
	}
	return true;
}

bool checks_meminfo(const struct probe_mbi *m, const struct range_list *avail, struct mk_buf *why)
{
	if (!m->meminfo)
		return true;
	uint64_t lower = (uint64_t)m->meminfo->mem_lower * 1024;
	uint64_t upper = (uint64_t)m->meminfo->mem_upper * 1024;
	/* Spec 3.6.3: lower memory starts at 0 and is at most 640 KiB; upper starts at 1 MiB. */
	if (lower > 640 * 1024 || !ranges_cover(avail, 0, lower)) {
		mk_buf_printf(why, "basic meminfo: mem_lower %u KiB is not available RAM from 0",
			      m->meminfo->mem_lower);
		return false;
	}
	if (!ranges_cover(avail, CHECKS_ONE_MIB, CHECKS_ONE_MIB + upper)) {
		mk_buf_printf(why, "basic meminfo: mem_upper %u KiB is not available RAM from 1 MiB",
			      m->meminfo->mem_upper);
		return false;
	}
	return true;
}

bool checks_mkboot_ram(const struct mkboot_info *i, const struct range_list *avail,
		       struct mk_buf *why)
{
	static struct range_list want; /* 4 KiB: keep it off the stack */
	const struct mkboot_range *ram = mkboot_info_ram(i);
	ranges_init(&want);
	for (uint32_t r = 0; r < i->nram; r++)
		if (!ranges_add(&want, ram[r].base, ram[r].size)) {
			mk_buf_puts(why, "mkboot tag: too many RAM ranges");
			return false;
		}
	uint64_t low_end;
	if (i->low_size && (!mk_add_u64(i->low_base, i->low_size, &low_end) || low_end > CHECKS_LOW_LIMIT ||
			    !ranges_add(&want, i->low_base, i->low_size))) {
		mk_buf_printf(why, "mkboot tag: low slice 0x%llx+0x%llx is not below 0x%llx",
			      (unsigned long long)i->low_base, (unsigned long long)i->low_size,
			      CHECKS_LOW_LIMIT);
		return false;
	}
	ranges_normalize(&want);
	if (!ranges_equal(&want, avail)) {
		mk_buf_printf(why, "memory map offers %llu KiB in %u ranges, the mkboot tag describes %llu KiB in %u",
			      (unsigned long long)(ranges_total(avail) >> 10), avail->n,
			      (unsigned long long)(ranges_total(&want) >> 10), want.n);
		return false;
	}
	uint64_t shared_end;
	if (!mk_add_u64(i->shared_phys, i->shared_size, &shared_end) ||
	    ranges_touch(avail, i->shared_phys, shared_end)) {
		mk_buf_printf(why, "shared region 0x%llx+0x%llx lies in our available RAM",
			      (unsigned long long)i->shared_phys, (unsigned long long)i->shared_size);
		return false;
	}
	return true;
}

bool checks_trampoline_page(const struct mkboot_info *i, const struct range_list *avail,
			    const struct range_list *holes, uint64_t *page, struct mk_buf *why)
{
	if (i) {
		uint64_t p, end;
		if (!mk_add_u64(i->low_base, i->low_size, &end) || end > CHECKS_LOW_LIMIT ||
		    !mk_align_up(i->low_base, CHECKS_PAGE, &p))
			end = p = 0;
		for (; p + CHECKS_PAGE <= end; p += CHECKS_PAGE)
			if (ranges_cover(avail, p, p + CHECKS_PAGE) && !ranges_touch(holes, p, p + CHECKS_PAGE)) {
				*page = p;
				return true;
			}
		mk_buf_printf(why, "no free 4 KiB page in the low slice 0x%llx+0x%llx for the AP trampoline",
			      (unsigned long long)i->low_base, (unsigned long long)i->low_size);
		return false;
	}
	/* Page 0 holds the real-mode IVT and BDA: some firmware still reads them. */
	for (uint64_t p = CHECKS_LOW_LIMIT - CHECKS_PAGE; p >= CHECKS_PAGE; p -= CHECKS_PAGE)
		if (ranges_cover(avail, p, p + CHECKS_PAGE) && !ranges_touch(holes, p, p + CHECKS_PAGE)) {
			*page = p;
			return true;
		}
	mk_buf_puts(why, "no available 4 KiB page below 0x9F000 for the AP trampoline");
	return false;
}

bool checks_add_hole(struct range_list *holes, uint64_t base, uint64_t end)
{
	uint64_t b = mk_align_down(base, CHECKS_PAGE), e;
	if (end < base || !mk_align_up(end, CHECKS_PAGE, &e))
		return false;
	return ranges_add(holes, b, e - b);
}

bool checks_fill_plan(const struct range_list *avail, const struct range_list *holes, uint64_t lo,
		      uint64_t hi, struct range_list *plan, struct mk_buf *why)
{
	if (!ranges_subtract(avail, holes, lo, hi, plan)) {
		mk_buf_puts(why, "fill plan has too many pieces");
		return false;
	}
	ranges_shrink_to(plan, CHECKS_PAGE);
	return true;
}
