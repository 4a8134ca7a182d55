/*
 * Arbitrary bytes as a multiboot2 kernel, loaded into a fixed fake partition
 * (two main RAM ranges and a low slice); when loading succeeds, the MBI is
 * built and walked.  What the planner reads first (mb2_fixed_span, from the
 * whole image and from a short head) must agree with where loading put a
 * kernel without a relocatable tag.  Traps on any broken invariant.
 */
#include <string.h>

#include "mb2.h"
#include "mkboot_info.h"

#define MAIN0 0x100000ull
#define MAIN1 0x400000ull
#define MAIN_SIZE 0x100000ull
#define LOW 0x8F000ull
#define LOW_SIZE 0x10000ull

static uint8_t main0[MAIN_SIZE], main1[MAIN_SIZE], low[LOW_SIZE];
static struct mk_phys pm;

static void require(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Bounds-checked walk; the MBI must be well formed and hold the mkboot tag,
 * whose payload is exactly what bootinfo_write gives for the same input.
 */
static void walk_mbi(const uint8_t *mbi, uint64_t avail, const struct mb2_info_input *in)
{
	const struct mb2_loaded *k = in->kernel;
	static uint8_t want[8192];
	uint32_t total, pos = 8;
	bool mkboot = false;
	require(avail >= 16);
	total = rd32(mbi);
	require(total >= 16 && total <= avail && total % 8 == 0);
	for (;;) {
		require(pos + 8 <= total);
		uint32_t type = rd32(mbi + pos), size = rd32(mbi + pos + 4);
		require(size >= 8 && size <= total - pos);
		if (type == MB2_TAG_LOAD_BASE_ADDR)
			require(size == 12 && rd32(mbi + pos + 8) == k->phys_start);
		if (type == MB2_TAG_MODULE) {
			/* The module's bytes, clear of the kernel, where the tag says. */
			uint32_t start = rd32(mbi + pos + 8), end = rd32(mbi + pos + 12);
			const uint8_t *at = phys_ptr(&pm, start, in->module_len ? in->module_len : 1);
			require(in->module && size == 17 + strlen(in->module_name) && end - start == in->module_len);
			require(at && memcmp(at, in->module, in->module_len) == 0);
			require(!mk_ranges_overlap(start, in->module_len ? in->module_len : 1, k->phys_start,
						   k->phys_end - k->phys_start));
		}
		if (type == MB2_TAG_MKBOOT) {
			struct mkboot_info info;
			require(size >= 8 + sizeof(info));
			memcpy(&info, mbi + pos + 8, sizeof(info));
			require(size == 8 + mkboot_info_bytes(info.nram, info.ncpus) && info.size == size - 8);
			require(bootinfo_write(&in->info, want, sizeof(want)) &&
				memcmp(want, mbi + pos + 8, info.size) == 0);
			mkboot = true;
		}
		if (type == MB2_TAG_END) {
			require(size == 8 && pos + 8 == total && mkboot);
			return;
		}
		pos += (size + 7) & ~7u;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const uint32_t cpus[] = { 1, 4 };
	static const uint8_t rsdp[36] = { 'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ' };
	struct mk_plan_part part = { .nram = 2, .low = { LOW, LOW_SIZE } };
	pm = (struct mk_phys){ 0 };
	struct mk_diags d;
	struct mb2_loaded k;
	uint64_t mbi;
	part.ram[0] = (struct mk_range){ MAIN0, MAIN_SIZE };
	part.ram[1] = (struct mk_range){ MAIN1, MAIN_SIZE };
	phys_add(&pm, main0, MAIN0, MAIN_SIZE);
	phys_add(&pm, main1, MAIN1, MAIN_SIZE);
	phys_add(&pm, low, LOW, LOW_SIZE);
	diag_init(&d, "fuzz");

	bool detected = mb2_detect(data, len);
	struct mk_range span, head_span;
	bool fixed = mb2_fixed_span(data, len, len, &span);
	bool head_fixed = mb2_fixed_span(data, len < 4096 ? len : 4096, len, &head_span);
	require(!fixed || (span.size && span.base % MK_PAGE_SIZE == 0 && span.size % MK_PAGE_SIZE == 0 &&
			   span.base + span.size <= MB2_ADDR_LIMIT + MK_PAGE_SIZE));
	require(fixed ? span.size : !span.size);
	require(!head_fixed || (fixed && head_span.base == span.base && head_span.size == span.size));
	if (mb2_load(data, len, &part, &pm, &k, &d)) {
		require(d.count == 1);
		return 0;
	}
	require(detected && d.count == 0);
	require(k.relocatable != fixed);
	require(!fixed || (k.phys_start >= span.base && k.phys_end <= span.base + span.size));
	require(k.phys_start < k.phys_end && k.phys_end <= MB2_ADDR_LIMIT);
	require(k.entry >= k.phys_start && k.entry < k.phys_end);

	struct mb2_info_input in = {
		.cmdline = "console=ttyS0",
		.loader_name = MB2_LOADER_NAME,
		.info = {
			.partition_count = 2,
			.name = "fuzz",
			.part = &part,
			.shared = { 0x3F000000, 0x200000 },
			.cpus = cpus,
			.ncpus = 2,
		},
		.rsdp = (len & 1) ? rsdp : NULL,
		.rsdp_len = sizeof(rsdp),
		.rsdp_revision = (len & 2) ? 2 : 0,
		.kernel = &k,
		/* Sometimes the image's own first half as a module. */
		.module = (len & 4) ? data : NULL,
		.module_len = len / 2,
		.module_name = "initrd.img",
	};
	if (mb2_build_info(&in, &pm, &mbi, &d)) {
		require(d.count == 1);
		return 0;
	}
	uint8_t *p = phys_ptr(&pm, mbi, 16);
	require(p && mbi % MK_PAGE_SIZE == 0);
	uint32_t total = rd32(p);
	require(phys_ptr(&pm, mbi, total) == p);
	require(!mk_ranges_overlap(mbi, total, k.phys_start, k.phys_end - k.phys_start));
	walk_mbi(p, total, &in);
	return 0;
}
