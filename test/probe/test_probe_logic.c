/*
 * Host tests for the probe's memory arithmetic (ranges.c), the checks on what
 * the loader gave (checks.c) and the shared-region state protocol (coord.c).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "checks.h"
#include "coord.h"
#include "ranges.h"

static struct range_list a, b, out;

static void test_ranges(void)
{
	ranges_init(&a);
	CHECK(ranges_add(&a, 0x5000, 0x1000));
	CHECK(ranges_add(&a, 0x1000, 0x1000));
	CHECK(ranges_add(&a, 0x2000, 0x2000)); /* touches the first: merged */
	CHECK(ranges_add(&a, 0x3000, 0x500));  /* inside: merged */
	CHECK(ranges_add(&a, 0x9000, 0));      /* empty: ignored */
	CHECK(!ranges_add(&a, UINT64_MAX - 10, 0x100));
	ranges_normalize(&a);
	CHECK_EQ(a.n, 2);
	CHECK_EQ(a.r[0].base, 0x1000);
	CHECK_EQ(a.r[0].end, 0x4000);
	CHECK_EQ(a.r[1].base, 0x5000);
	CHECK_EQ(ranges_total(&a), 0x4000);
	CHECK(ranges_cover(&a, 0x1000, 0x4000));
	CHECK(!ranges_cover(&a, 0x3000, 0x5001));
	CHECK(ranges_touch(&a, 0x3FFF, 0x5000));
	CHECK(!ranges_touch(&a, 0x4000, 0x5000));

	ranges_init(&b);
	ranges_add(&b, 0x1800, 0x100);
	ranges_add(&b, 0x3000, 0x2800); /* spans the gap into the second range */
	ranges_normalize(&b);
	CHECK(ranges_subtract(&a, &b, 0x1400, 0x10000, &out));
	CHECK_EQ(out.n, 3);
	CHECK_EQ(out.r[0].base, 0x1400);
	CHECK_EQ(out.r[0].end, 0x1800);
	CHECK_EQ(out.r[1].base, 0x1900);
	CHECK_EQ(out.r[1].end, 0x3000);
	CHECK_EQ(out.r[2].base, 0x5800);
	CHECK_EQ(out.r[2].end, 0x6000);
	ranges_shrink_to(&out, 0x1000); /* only whole pages survive */
	CHECK_EQ(out.n, 1);
	CHECK_EQ(out.r[0].base, 0x2000);
	CHECK_EQ(out.r[0].end, 0x3000);

	ranges_init(&a);
	for (uint32_t i = 0; i < RANGES_MAX; i++)
		CHECK(ranges_add(&a, (uint64_t)i * 0x2000, 0x1000));
	CHECK(!ranges_add(&a, 0x10000000, 0x1000));
	ranges_init(&b);
	ranges_add(&b, 0x800, 0x100);
	CHECK(!ranges_subtract(&a, &b, 0, UINT64_MAX, &out)); /* one piece too many */
}

/* ---- checks ---- */
struct mbi_with_mmap {
	struct probe_mbi m;
	struct mb2_mmap_entry e[4];
};

static void mmap_of(struct mbi_with_mmap *w, const struct mb2_mmap_entry *e, uint32_t n)
{
	memset(w, 0, sizeof(*w));
	memcpy(w->e, e, n * sizeof(*e));
	w->m.mmap = (const uint8_t *)w->e;
	w->m.mmap_count = n;
	w->m.mmap_entry_size = sizeof(*e);
	w->m.total_size = 0x400;
}

static char whybuf[256];
static struct mk_buf why;
static struct mk_buf *reset_why(void)
{
	mk_buf_init(&why, whybuf, sizeof(whybuf));
	return &why;
}

static void test_checks(void)
{
	static const struct mb2_mmap_entry bios[] = {
		{ 0, 0x9FC00, MB2_MMAP_AVAILABLE, 0 },
		{ 0xF0000, 0x10000, MB2_MMAP_RESERVED, 0 },
		{ 0x100000, 0x7EE0000, MB2_MMAP_AVAILABLE, 0 },
	};
	struct mbi_with_mmap w;
	struct mb2_tag_basic_meminfo mi = { MB2_TAG_BASIC_MEMINFO, 16, 639, 0x7EE0000 / 1024 };
	mmap_of(&w, bios, 3);
	reset_why();
	CHECK(checks_available_ram(&w.m, &a, &why));
	CHECK_EQ(a.n, 2);
	w.m.meminfo = &mi;
	CHECK(checks_meminfo(&w.m, &a, &why));
	mi.mem_upper++;
	CHECK(!checks_meminfo(&w.m, &a, &why));
	CHECK_STR(whybuf, "basic meminfo: mem_upper 129921 KiB is not available RAM from 1 MiB");

	CHECK(checks_placement(&w.m, 0x11B000, 0x200000, 0x2A0000, &a, reset_why()) && !whybuf[0]);
	CHECK(!checks_placement(&w.m, 0x11B000, 0x300000, 0x3A0000, &a, reset_why()));
	CHECK_STR(whybuf, "image at 0x300000 breaks its relocatable tag (0x100000..0xe0000000, align 0x200000)");
	w.m.has_load_base = true;
	w.m.load_base = 0x400000;
	CHECK(!checks_placement(&w.m, 0x11B000, 0x200000, 0x2A0000, &a, reset_why()));
	CHECK_STR(whybuf, "load base tag says 0x400000, the image runs at 0x200000");
	w.m.has_load_base = false;
	CHECK(!checks_placement(&w.m, 0x29FF00, 0x200000, 0x2A0000, &a, reset_why()));
	CHECK_STR(whybuf, "MBI 0x29ff00+0x400 overlaps the image 0x200000..0x2a0000");

	/* Modules: page aligned, in RAM, clear of the image (0x200000..) and the MBI (0x11B000). */
	w.m.mod_start = 0x2A0000;
	w.m.mod_end = 0x2A1234;
	CHECK(checks_module(&w.m, 0x11B000, 0x200000, 0x2A0000, &a, reset_why()) && !whybuf[0]);
	w.m.mod_end = w.m.mod_start; /* empty */
	CHECK(checks_module(&w.m, 0x11B000, 0x200000, 0x2A0000, &a, reset_why()));
	w.m.mod_start = 0x2A0800;
	w.m.mod_end = 0x2A1000;
	CHECK(!checks_module(&w.m, 0x11B000, 0x200000, 0x2A0000, &a, reset_why()));
	CHECK_STR(whybuf, "module 0x2a0800..0x2a1000: not a page-aligned span");
	w.m.mod_start = 0x29F000;
	CHECK(!checks_module(&w.m, 0x11B000, 0x200000, 0x2A0000, &a, reset_why()));
	CHECK_STR(whybuf, "module 0x29f000..0x2a1000 overlaps the image or the MBI");
	w.m.mod_start = 0x11B000;
	w.m.mod_end = 0x11C000;
	CHECK(!checks_module(&w.m, 0x11B000, 0x200000, 0x2A0000, &a, reset_why()));
	w.m.mod_start = 0x7FE0000;
	w.m.mod_end = 0x8000000;
	CHECK(!checks_module(&w.m, 0x11B000, 0x200000, 0x2A0000, &a, reset_why()));
	CHECK_STR(whybuf, "module 0x7fe0000..0x8000000 is not inside available RAM");
	w.m.mod_end = 0x7FD0000;
	CHECK(!checks_module(&w.m, 0x11B000, 0x200000, 0x2A0000, &a, reset_why()));

	/* GRUB: the highest free page below 0x9F000, clear of the holes. */
	uint64_t page = 0;
	ranges_init(&b);
	checks_add_hole(&b, 0x9E100, 0x9E200);
	ranges_normalize(&b);
	CHECK(checks_trampoline_page(NULL, &a, &b, &page, reset_why()));
	CHECK_EQ(page, 0x9D000);

	CHECK(checks_fill_plan(&a, &b, CHECKS_ONE_MIB, 0x1000000, &out, reset_why()));
	CHECK_EQ(out.n, 1);
	CHECK_EQ(out.r[0].base, 0x100000);
	CHECK_EQ(out.r[0].end, 0x1000000);

	static const struct mb2_mmap_entry none[] = { { 0, 0x1000, MB2_MMAP_RESERVED, 0 } };
	mmap_of(&w, none, 1);
	CHECK(!checks_available_ram(&w.m, &a, reset_why()));
	CHECK_STR(whybuf, "memory map has no available RAM");
	w.m.mmap = NULL;
	CHECK(!checks_available_ram(&w.m, &a, reset_why()));
	CHECK_STR(whybuf, "no memory map tag");
}

struct mk_payload {
	struct mkboot_info i;
	struct mkboot_range ram[2];
	uint32_t cpus[2];
} __attribute__((aligned(8)));

static void mk_good(struct mk_payload *p)
{
	memset(p, 0, sizeof(*p));
	p->i.magic = MKBOOT_INFO_MAGIC;
	p->i.version = MKBOOT_INFO_VERSION;
	p->i.size = (uint32_t)mkboot_info_bytes(2, 2);
	p->i.partition_index = 1;
	p->i.partition_count = 2;
	p->i.boot_apic_id = 2;
	p->i.flags = 0;
	strcpy(p->i.name, "b");
	p->i.shared_phys = 0x7F000000;
	p->i.shared_size = 0x10000;
	p->i.low_base = 0x90000;
	p->i.low_size = 0x8000;
	p->i.nram = 2;
	p->i.ncpus = 2;
	p->ram[0] = (struct mkboot_range){ 0x10000000, 0x4000000 };
	p->ram[1] = (struct mkboot_range){ 0x14000000, 0x200000 }; /* touches ram[0] */
	p->cpus[0] = 2;
	p->cpus[1] = 3;
}

static void test_checks_mkboot(void)
{
	struct mk_payload p;
	mk_good(&p);
	ranges_init(&a);
	ranges_add(&a, 0x90000, 0x8000);
	ranges_add(&a, 0x10000000, 0x4200000);
	ranges_normalize(&a);
	CHECK(checks_mkboot_ram(&p.i, &a, reset_why()));
	CHECK_STR(whybuf, "");

	p.ram[1].size = 0x201000;
	CHECK(!checks_mkboot_ram(&p.i, &a, reset_why()));
	CHECK_STR(whybuf, "memory map offers 67616 KiB in 2 ranges, the mkboot tag describes 67620 KiB in 2");

	mk_good(&p);
	p.i.low_base = 0x9A000;
	CHECK(!checks_mkboot_ram(&p.i, &a, reset_why()));
	CHECK_STR(whybuf, "mkboot tag: low slice 0x9a000+0x8000 is not below 0x9f000");

	mk_good(&p);
	p.i.shared_phys = 0x14100000;
	CHECK(!checks_mkboot_ram(&p.i, &a, reset_why()));
	CHECK_STR(whybuf, "shared region 0x14100000+0x10000 lies in our available RAM");

	/* Under mkboot the trampoline goes to the first free page of the low slice. */
	mk_good(&p);
	uint64_t page = 0;
	ranges_init(&b);
	checks_add_hole(&b, 0x90000, 0x90010);
	ranges_normalize(&b);
	CHECK(checks_trampoline_page(&p.i, &a, &b, &page, reset_why()));
	CHECK_EQ(page, 0x91000);
	p.i.low_size = 0x1000;
	CHECK(!checks_trampoline_page(&p.i, &a, &b, &page, reset_why()));
	CHECK_STR(whybuf, "no free 4 KiB page in the low slice 0x90000+0x1000 for the AP trampoline");

	/* The whole partition RAM gets filled, the holes excepted. */
	CHECK(checks_add_hole(&b, 0x10000000, 0x100A0000));
	ranges_normalize(&b);
	CHECK(checks_fill_plan(&a, &b, 0, UINT64_MAX, &out, reset_why()));
	CHECK_EQ(out.n, 2);
	CHECK_EQ(out.r[0].base, 0x91000);
	CHECK_EQ(out.r[0].end, 0x98000);
	CHECK_EQ(out.r[1].base, 0x100A0000);
	CHECK_EQ(out.r[1].end, 0x14200000);
}

/* ---- coord: a shared region in a host buffer ---- */
#define REGION_SIZE 0x2000
static uint8_t region[REGION_SIZE] __attribute__((aligned(64)));

static struct mkbox_part *region_part(uint32_t i)
{
	return (struct mkbox_part *)(region + 0x80 + i * sizeof(struct mkbox_part));
}

static void region_good(struct mk_payload *p)
{
	struct mkbox_header h;
	memset(region, 0, sizeof(region));
	memset(&h, 0, sizeof(h));
	h.magic = MKBOX_MAGIC;
	h.version = MKBOX_VERSION;
	h.header_size = sizeof(h);
	h.region_size = REGION_SIZE;
	h.region_phys = p->i.shared_phys;
	h.nparts = 2;
	h.part_size = sizeof(struct mkbox_part);
	h.part_offset = 0x80;
	memcpy(region, &h, sizeof(h));
	struct mkbox_part *me = region_part(1);
	strcpy(me->name, "b");
	me->ncpus = 2;
	me->boot_apic_id = 2;
	me->napic = 2;
	me->apic_ids[0] = 2;
	me->apic_ids[1] = 3;
	me->state = MKBOX_STATE_STARTED;
	region_part(0)->state = MKBOX_STATE_STARTED;
}

static void test_coord(void)
{
	struct mk_payload p;
	struct coord c;
	mk_good(&p);
	p.i.shared_size = REGION_SIZE;
	region_good(&p);
	CHECK(coord_open(&c, &p.i, region, reset_why()));
	CHECK_STR(whybuf, "");
	CHECK_EQ(coord_count_at_least(&c, MKBOX_STATE_RUNNING), 0);
	coord_set_state(&c, MKBOX_STATE_RUNNING);
	CHECK_EQ(region_part(1)->state, MKBOX_STATE_RUNNING);
	CHECK_EQ(coord_peer_state(&c, 1), MKBOX_STATE_RUNNING);
	CHECK_EQ(coord_count_at_least(&c, MKBOX_STATE_RUNNING), 1);
	region_part(0)->state = MKBOX_STATE_FAILED; /* stopped early: past every wait */
	CHECK_EQ(coord_count_at_least(&c, MKBOX_STATE_RUNNING), 2);
	CHECK_EQ(coord_count_at_least(&c, MKBOX_STATE_DONE), 1);
	region_part(0)->state = 77; /* unknown counts as nowhere */
	CHECK_EQ(coord_count_at_least(&c, MKBOX_STATE_RUNNING), 1);
	CHECK_STR(coord_state_name(77), "unknown");
	CHECK_EQ(coord_peer_state(&c, 5), MKBOX_STATE_EMPTY);
	coord_heartbeat(&c);
	coord_heartbeat(&c);
	CHECK_EQ(region_part(1)->heartbeat, 2);
	char name[8];
	memcpy(region_part(0)->name, "a\x01zzzzzzzzzz", 13);
	coord_peer_name(&c, 0, name, sizeof(name));
	CHECK_STR(name, "a?zzzzz");

	region_good(&p);
	((struct mkbox_header *)region)->nparts = 3;
	CHECK(!coord_open(&c, &p.i, region, reset_why()));
	CHECK_STR(whybuf, "shared region: 3 partitions, mkboot tag says 2");

	region_good(&p);
	((struct mkbox_header *)region)->part_offset = 0x1D00;
	CHECK(!coord_open(&c, &p.i, region, reset_why()));
	CHECK_STR(whybuf, "shared region: partition table at 0x1d00, 2 entries of 448 bytes, does not fit 0x2000");

	region_good(&p);
	((struct mkbox_header *)region)->part_size = UINT32_MAX;
	((struct mkbox_header *)region)->nparts = 2;
	CHECK(!coord_open(&c, &p.i, region, reset_why()));

	region_good(&p);
	((struct mkbox_header *)region)->region_phys = 0x1000;
	CHECK(!coord_open(&c, &p.i, region, reset_why()));
	CHECK_STR(whybuf, "shared region: header says 0x1000+0x2000, mkboot tag 0x7f000000+0x2000");

	region_good(&p);
	strcpy(region_part(1)->name, "c");
	CHECK(!coord_open(&c, &p.i, region, reset_why()));
	CHECK_STR(whybuf, "shared region: entry 1 is named 'c', mkboot tag says 'b'");

	region_good(&p);
	region_part(1)->apic_ids[1] = 9;
	CHECK(!coord_open(&c, &p.i, region, reset_why()));
	CHECK_STR(whybuf, "shared region: entry 1 CPU 1 is APIC ID 9, mkboot tag says 3");

	region_good(&p);
	region_part(1)->flags = MKBOX_PART_F_OWNS_BSP;
	CHECK(!coord_open(&c, &p.i, region, reset_why()));
	CHECK_STR(whybuf, "shared region: entry 1 has boot CPU 2 flags 0x1 ncpus 2, mkboot tag 2 0x0 2");
}

int main(void)
{
	test_ranges();
	test_checks();
	test_checks_mkboot();
	test_coord();
	return check_done("test_probe_logic");
}
