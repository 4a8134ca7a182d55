/*
 * Host tests for the probe's hostile-input parsers: the MBI walker, the
 * mkboot payload check, the command line and the ACPI MADT reader.
 * Built by probe.mk (probe-unit) with ASan and UBSan.
 */
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "check.h"
#include "cmdline.h"
#include "mbi.h"

/* ---- building MBIs ---- */
struct mbi_buf {
	uint8_t b[4096] __attribute__((aligned(8)));
	uint32_t len;
};

static void mb_begin(struct mbi_buf *m)
{
	memset(m, 0, sizeof(*m));
	m->len = 8;
}

static uint8_t *mb_tag(struct mbi_buf *m, uint32_t type, uint32_t size)
{
	uint8_t *t = m->b + m->len;
	memcpy(t, &type, 4);
	memcpy(t + 4, &size, 4);
	m->len += (size + 7) & ~7u;
	return t;
}

static void mb_string(struct mbi_buf *m, uint32_t type, const char *s)
{
	uint8_t *t = mb_tag(m, type, 8 + (uint32_t)strlen(s) + 1);
	memcpy(t + 8, s, strlen(s) + 1);
}

static void mb_end(struct mbi_buf *m)
{
	mb_tag(m, MB2_TAG_END, 8);
	memcpy(m->b, &m->len, 4);
}

static void mb_mmap(struct mbi_buf *m, const struct mb2_mmap_entry *e, uint32_t n)
{
	uint8_t *t = mb_tag(m, MB2_TAG_MMAP, 16 + n * 24);
	uint32_t esz = 24, ver = 0;
	memcpy(t + 8, &esz, 4);
	memcpy(t + 12, &ver, 4);
	memcpy(t + 16, e, n * 24);
}

static const struct mb2_mmap_entry two_ranges[] = {
	{ 0, 0x9F000, MB2_MMAP_AVAILABLE, 0 },
	{ 0x9F000, 0x1000, MB2_MMAP_RESERVED, 0 },
	{ 0x100000, 0x7F00000, MB2_MMAP_AVAILABLE, 0 },
};

/* Runs mbi_parse and returns the reason text ("" on success). */
static const char *parse(struct mbi_buf *m, struct probe_mbi *out, bool *ok)
{
	static char why[256];
	struct mk_buf b;
	mk_buf_init(&b, why, sizeof(why));
	*ok = mbi_parse(m->b, sizeof(m->b), out, &b);
	return why;
}

static void test_mbi_good(void)
{
	struct mbi_buf m;
	struct probe_mbi p;
	bool ok;
	uint8_t rsdp[36] = "RSD PTR ";
	mb_begin(&m);
	mb_string(&m, MB2_TAG_CMDLINE, "console=ttyS1");
	mb_string(&m, MB2_TAG_LOADER_NAME, "GRUB 2.06");
	uint8_t *mi = mb_tag(&m, MB2_TAG_BASIC_MEMINFO, 16);
	uint32_t lower = 636, upper = 130048;
	memcpy(mi + 8, &lower, 4);
	memcpy(mi + 12, &upper, 4);
	mb_mmap(&m, two_ranges, 3);
	memcpy(mb_tag(&m, MB2_TAG_ACPI_OLD, 8 + 20) + 8, rsdp, 20);
	memcpy(mb_tag(&m, MB2_TAG_ACPI_NEW, 8 + 36) + 8, rsdp, 36);
	uint32_t base = 0x200000;
	memcpy(mb_tag(&m, MB2_TAG_LOAD_BASE_ADDR, 12) + 8, &base, 4);
	mb_tag(&m, 0x1234, 13); /* unknown: skipped, with padding */
	uint8_t *mod = mb_tag(&m, MB2_TAG_MODULE, 16 + 7);
	uint32_t span[2] = { 0x300000, 0x301234 };
	memcpy(mod + 8, span, 8);
	memcpy(mod + 16, "initrd", 7);
	mb_end(&m);
	CHECK_STR(parse(&m, &p, &ok), "");
	CHECK(ok);
	CHECK_STR(p.cmdline, "console=ttyS1");
	CHECK_STR(p.loader_name, "GRUB 2.06");
	CHECK_EQ(p.meminfo->mem_upper, 130048);
	CHECK_EQ(p.mmap_count, 3);
	CHECK_EQ(mbi_mmap_entry(&p, 2).base_addr, 0x100000);
	CHECK_EQ(p.rsdp_tag, MB2_TAG_ACPI_NEW);
	CHECK_EQ(p.rsdp_len, 36);
	CHECK(p.has_load_base);
	CHECK_EQ(p.load_base, 0x200000);
	CHECK(p.mkboot == NULL);
	CHECK_EQ(p.nmodules, 1);
	CHECK(p.mod_start == 0x300000 && p.mod_end == 0x301234);
	CHECK_STR(p.mod_name, "initrd");
	CHECK_EQ(p.ntags, 10);
}

static void test_mbi_errors(void)
{
	struct mbi_buf m;
	struct probe_mbi p;
	bool ok;

	mb_begin(&m);
	mb_end(&m);
	uint32_t huge = 8192;
	memcpy(m.b, &huge, 4);
	CHECK_STR(parse(&m, &p, &ok), "MBI total_size 8192 is outside [16, 4096]");
	CHECK(!ok);

	mb_begin(&m);
	mb_tag(&m, MB2_TAG_CMDLINE, 4);
	mb_end(&m);
	CHECK_STR(parse(&m, &p, &ok), "tag 1 at offset 8 has size 4, outside [8, 16]");

	mb_begin(&m);
	mb_string(&m, MB2_TAG_CMDLINE, "x");
	memcpy(m.b, &m.len, 4); /* total_size stops before any end tag */
	CHECK_STR(parse(&m, &p, &ok), "MBI ends at 24 without an end tag");
	CHECK(!ok);

	mb_begin(&m);
	memset(mb_tag(&m, MB2_TAG_CMDLINE, 12) + 8, 'a', 4);
	mb_end(&m);
	CHECK_STR(parse(&m, &p, &ok), "tag 1: string not terminated inside the tag");

	mb_begin(&m);
	uint8_t *t = mb_tag(&m, MB2_TAG_MMAP, 16 + 20);
	uint32_t esz = 20;
	memcpy(t + 8, &esz, 4);
	mb_end(&m);
	CHECK_STR(parse(&m, &p, &ok), "memory map entry_size 20 is not a multiple of 8 >= 24");

	mb_begin(&m);
	t = mb_tag(&m, MB2_TAG_MMAP, 16 + 24 + 8);
	esz = 24;
	memcpy(t + 8, &esz, 4);
	mb_end(&m);
	CHECK_STR(parse(&m, &p, &ok),
		  "memory map tag size 48 is not its header plus whole 24-byte entries");

	mb_begin(&m);
	mb_mmap(&m, two_ranges, 1);
	mb_mmap(&m, two_ranges, 1);
	mb_end(&m);
	CHECK_STR(parse(&m, &p, &ok), "tag 6 appears twice");

	mb_begin(&m);
	mb_tag(&m, MB2_TAG_END, 16);
	memcpy(m.b, &m.len, 4);
	CHECK_STR(parse(&m, &p, &ok), "end tag at offset 8 has size 16, not 8");

	mb_begin(&m);
	mb_tag(&m, MB2_TAG_ACPI_NEW, 8 + 20);
	mb_end(&m);
	CHECK_STR(parse(&m, &p, &ok), "ACPI tag 15 holds 20 bytes, an RSDP needs 36");

	mb_begin(&m);
	mb_tag(&m, MB2_TAG_MKBOOT, 8 + 64);
	mb_end(&m);
	CHECK_STR(parse(&m, &p, &ok), "mkboot tag holds 64 bytes, struct mkboot_info needs 120");

	/* The last tag's padding must fit in total_size. */
	mb_begin(&m);
	mb_tag(&m, 0x99, 12);
	uint32_t total = 8 + 12;
	memcpy(m.b, &total, 4);
	CHECK_STR(parse(&m, &p, &ok), "tag 153 at offset 8: padding runs past total_size 20");

	char why[128];
	struct mk_buf b;
	mk_buf_init(&b, why, sizeof(why));
	CHECK(!mbi_parse(m.b + 4, 100, &p, &b));
	CHECK(strstr(why, "is not 8-byte aligned") != NULL);
}

/* ---- the mkboot payload ---- */
struct mk_payload {
	struct mkboot_info i;
	struct mkboot_range ram[2];
	uint32_t cpus[3];
} __attribute__((packed, aligned(8)));

static void mk_good(struct mk_payload *p)
{
	memset(p, 0, sizeof(*p));
	p->i.magic = MKBOOT_INFO_MAGIC;
	p->i.version = MKBOOT_INFO_VERSION;
	p->i.size = (uint32_t)mkboot_info_bytes(2, 3);
	p->i.partition_index = 1;
	p->i.partition_count = 2;
	p->i.boot_apic_id = 2;
	strcpy(p->i.name, "linux-b");
	p->i.nram = 2;
	p->i.ncpus = 3;
	p->ram[0] = (struct mkboot_range){ 0x10000000, 0x4000000 };
	p->ram[1] = (struct mkboot_range){ 0x20000000, 0x200000 };
	p->cpus[0] = 2;
	p->cpus[1] = 3;
	p->cpus[2] = 5;
}

static const char *mkcheck(const struct mk_payload *p, uint32_t len, bool *ok)
{
	static char why[256];
	struct mk_buf b;
	mk_buf_init(&b, why, sizeof(why));
	*ok = mkinfo_check(&p->i, len, 64, &b);
	return why;
}

static void test_mkinfo(void)
{
	struct mk_payload p;
	bool ok;
	mk_good(&p);
	CHECK_STR(mkcheck(&p, 164, &ok), "");
	CHECK(ok);

	mk_good(&p);
	p.i.version = 2;
	CHECK_STR(mkcheck(&p, sizeof(p), &ok),
		  "mkboot tag: magic 0x4f464e49544f4f42 version 2, expected 0x4f464e49544f4f42 version 1");
	CHECK(!ok);

	mk_good(&p);
	CHECK_STR(mkcheck(&p, 160, &ok), "mkboot tag: size 164, arrays need 164, tag holds 160");
	p.i.size = 160;
	CHECK_STR(mkcheck(&p, 164, &ok), "mkboot tag: size 160, arrays need 164, tag holds 164");

	mk_good(&p);
	p.i.ncpus = 100;
	CHECK_STR(mkcheck(&p, sizeof(p), &ok), "mkboot tag: ncpus 100 (1..64), nram 2 (1..1024)");

	mk_good(&p);
	memset(p.i.name, 'x', sizeof(p.i.name));
	CHECK_STR(mkcheck(&p, sizeof(p), &ok), "mkboot tag: name empty or not NUL-terminated");

	mk_good(&p);
	p.i.partition_index = 2;
	CHECK_STR(mkcheck(&p, sizeof(p), &ok), "mkboot tag: partition_index 2, partition_count 2");

	mk_good(&p);
	p.ram[1].size = 0;
	CHECK_STR(mkcheck(&p, sizeof(p), &ok), "mkboot tag: ram[1] base 0x20000000 size 0x0 is empty or wraps");

	mk_good(&p);
	p.cpus[2] = 3;
	CHECK_STR(mkcheck(&p, sizeof(p), &ok), "mkboot tag: APIC ID 3 listed twice");

	mk_good(&p);
	p.i.boot_apic_id = 7;
	CHECK_STR(mkcheck(&p, sizeof(p), &ok), "mkboot tag: boot CPU 7 is not among the partition's CPUs");

	/* The boot CPU may be listed later only in the BSP's partition. */
	mk_good(&p);
	p.i.boot_apic_id = 3;
	CHECK_STR(mkcheck(&p, sizeof(p), &ok),
		  "mkboot tag: boot CPU 3 is not the first listed (2) and the partition does not own the BSP");
	p.i.flags = MKBOOT_INFO_F_OWNS_BSP;
	CHECK_STR(mkcheck(&p, sizeof(p), &ok), "");
	CHECK(ok);
}

/* ---- command line ---- */
static void test_cmdline(void)
{
	struct probe_cmdline c;
	cmdline_parse(NULL, &c);
	CHECK_EQ(c.console_port, PROBE_COM1);
	CHECK_EQ(c.console_index, -1);
	CHECK_EQ(c.wait_s, PROBE_WAIT_DEFAULT_S);
	CHECK(!c.corrupt);

	cmdline_parse("quiet console=ttyS1 probe.wait=5", &c);
	CHECK_EQ(c.console_port, PROBE_COM2);
	CHECK_EQ(c.console_index, 1);
	CHECK_EQ(c.wait_s, 5);

	cmdline_parse("console=ttyS2,115200n8  console=tty0", &c);
	CHECK_EQ(c.console_port, PROBE_COM3);

	cmdline_parse("console=ttyS0 console=ttyS3", &c); /* the last one wins */
	CHECK_EQ(c.console_port, PROBE_COM4);

	cmdline_parse("console=ttyS4 console=ttyS probe.wait=0 probe.wait=99999 probe.corrupt=1", &c);
	CHECK_EQ(c.console_port, PROBE_COM1);
	CHECK_EQ(c.console_index, -1);
	CHECK_EQ(c.wait_s, PROBE_WAIT_DEFAULT_S);
	CHECK(c.corrupt);

	cmdline_parse("xconsole=ttyS1 probe.corrupt=10", &c);
	CHECK_EQ(c.console_index, -1);
	CHECK(!c.corrupt);

	/* The mailbox switches. */
	CHECK_EQ(c.messages, PROBE_MESSAGES_DEFAULT);
	CHECK(c.exit);
	CHECK(!c.corrupt_mailbox);
	CHECK_STR(c.bench, "");
	CHECK_STR(c.ping, "");
	cmdline_parse("probe.messages=0 probe.exit=0 probe.corrupt_mailbox=1 probe.bench=b probe.ping=linux-0", &c);
	CHECK_EQ(c.messages, 0);
	CHECK(!c.exit);
	CHECK(c.corrupt_mailbox);
	CHECK_STR(c.bench, "b");
	CHECK_STR(c.ping, "linux-0");
	cmdline_parse("probe.messages=1000001 probe.exit=2 probe.bench= probe.ping=0123456789012345678901234567890", &c);
	CHECK_EQ(c.messages, PROBE_MESSAGES_DEFAULT);
	CHECK(c.exit);
	CHECK_STR(c.bench, "");
	CHECK_STR(c.ping, "0123456789012345678901234567890"); /* 31 characters fit */
	cmdline_parse("probe.bench=0123456789012345678901234567890x probe.messages=1000000", &c);
	CHECK_STR(c.bench, "0123456789012345678901234567..."); /* cut, and no partition's name */
	CHECK_EQ(c.messages, 1000000);
}

/* ---- ACPI: fake physical memory at PHYS_BASE ---- */
#define PHYS_BASE 0x1000u
static uint8_t phys[0x4000];

static const void *fake_map(void *ctx, uint64_t addr, uint64_t len)
{
	(void)ctx;
	if (addr < PHYS_BASE || addr - PHYS_BASE > sizeof(phys) || len > sizeof(phys) - (addr - PHYS_BASE))
		return NULL;
	return phys + (addr - PHYS_BASE);
}

static void fix_sum(uint8_t *p, uint32_t len, uint32_t sum_off)
{
	uint8_t s = 0;
	p[sum_off] = 0;
	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	p[sum_off] = (uint8_t)-s;
}

static void put_sdt(uint32_t at, const char *sig, uint32_t len)
{
	struct acpi_sdt_header h;
	memset(&h, 0, sizeof(h));
	memcpy(h.signature, sig, 4);
	h.length = len;
	memcpy(phys + at - PHYS_BASE, &h, sizeof(h));
}

/* RSDP (returned) -> XSDT at 0x1100 -> FACP at 0x1200, MADT at 0x1300. */
static void build_tables(uint8_t rsdp[36], const uint8_t *entries, uint32_t entries_len)
{
	memset(phys, 0, sizeof(phys));
	struct acpi_rsdp r;
	memset(&r, 0, sizeof(r));
	memcpy(r.signature, "RSD PTR ", 8);
	r.revision = 2;
	r.length = 36;
	r.xsdt = 0x1100;
	memcpy(rsdp, &r, 36);
	fix_sum(rsdp, 20, 8);
	fix_sum(rsdp, 36, 32);

	put_sdt(0x1100, "XSDT", 36 + 16);
	uint64_t ptrs[2] = { 0x1200, 0x1300 };
	memcpy(phys + 0x1100 - PHYS_BASE + 36, ptrs, 16);
	fix_sum(phys + 0x1100 - PHYS_BASE, 36 + 16, 9);
	put_sdt(0x1200, "FACP", 36);
	fix_sum(phys + 0x1200 - PHYS_BASE, 36, 9);
	put_sdt(0x1300, "APIC", 44 + entries_len);
	memcpy(phys + 0x1300 - PHYS_BASE + 44, entries, entries_len);
	fix_sum(phys + 0x1300 - PHYS_BASE, 44 + entries_len, 9);
}

static const char *find(const uint8_t *rsdp, uint32_t len, struct acpi_cpus *out, bool *ok)
{
	static char why[256];
	struct mk_buf b;
	mk_buf_init(&b, why, sizeof(why));
	*ok = acpi_find_cpus(rsdp, len, fake_map, NULL, out, &b);
	return why;
}

static void test_acpi(void)
{
	uint8_t rsdp[36];
	struct acpi_cpus c;
	bool ok;
	const uint8_t entries[] = {
		0, 8, 0, 0, 1, 0, 0, 0,                      /* CPU 0, enabled */
		0, 8, 1, 4, 0, 0, 0, 0,                      /* CPU 4, disabled */
		1, 12, 0, 0, 0, 0, 0xC0, 0xFE, 0, 0, 0, 0,   /* an IOAPIC: skipped */
		9, 16, 0, 0, 0x00, 0x01, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, /* x2APIC 256, enabled */
	};
	build_tables(rsdp, entries, sizeof(entries));
	CHECK_STR(find(rsdp, 36, &c, &ok), "");
	CHECK(ok);
	CHECK_EQ(c.n, 2);
	CHECK_EQ(c.apic_ids[0], 0);
	CHECK_EQ(c.apic_ids[1], 256);
	CHECK_EQ(c.madt_phys, 0x1300);

	/* An ACPI 1.0 RSDP (tag 14) goes through the RSDT. */
	uint8_t v1[20];
	memcpy(v1, rsdp, 20);
	v1[15] = 0;
	uint32_t rsdt = 0x1800;
	memcpy(v1 + 16, &rsdt, 4);
	fix_sum(v1, 20, 8);
	put_sdt(0x1800, "RSDT", 36 + 4);
	uint32_t madt32 = 0x1300;
	memcpy(phys + 0x1800 - PHYS_BASE + 36, &madt32, 4);
	fix_sum(phys + 0x1800 - PHYS_BASE, 40, 9);
	CHECK_STR(find(v1, 20, &c, &ok), "");
	CHECK_EQ(c.n, 2);

	build_tables(rsdp, entries, sizeof(entries));
	rsdp[8] ^= 1;
	CHECK_STR(find(rsdp, 36, &c, &ok), "ACPI: RSDP signature or checksum is wrong");
	CHECK(!ok);

	build_tables(rsdp, entries, sizeof(entries));
	phys[0x1300 - PHYS_BASE + 50] ^= 1;
	CHECK_STR(find(rsdp, 36, &c, &ok), "ACPI: table 'APIC' at 0x1300 has a bad checksum");

	const uint8_t zero_len[] = { 0, 0, 0, 0 };
	build_tables(rsdp, zero_len, sizeof(zero_len));
	CHECK_STR(find(rsdp, 36, &c, &ok), "ACPI: MADT entry at offset 44 has length 0");

	const uint8_t overrun[] = { 0, 8, 0, 0, 1, 0, 0, 0, 9, 16, 0, 0 };
	build_tables(rsdp, overrun, sizeof(overrun));
	CHECK_STR(find(rsdp, 36, &c, &ok), "ACPI: MADT entry at offset 52 has length 16");

	const uint8_t twice[] = { 0, 8, 0, 3, 1, 0, 0, 0, 0, 8, 1, 3, 1, 0, 0, 0 };
	build_tables(rsdp, twice, sizeof(twice));
	CHECK_STR(find(rsdp, 36, &c, &ok), "ACPI: MADT lists APIC ID 3 twice");

	build_tables(rsdp, entries, sizeof(entries));
	memcpy(phys + 0x1300 - PHYS_BASE, "APIX", 4);
	CHECK_STR(find(rsdp, 36, &c, &ok), "ACPI: no MADT among the 2 tables of the XSDT");

	build_tables(rsdp, entries, sizeof(entries));
	uint32_t bad_len = 0x7FFFFFFF;
	memcpy(phys + 0x1100 - PHYS_BASE + 4, &bad_len, 4);
	CHECK_STR(find(rsdp, 36, &c, &ok), "ACPI: table 'XSDT' at 0x1100 has length 2147483647");

	build_tables(rsdp, entries, sizeof(entries));
	uint64_t far = 0x100000;
	memcpy(rsdp + 24, &far, 8);
	fix_sum(rsdp, 20, 8);
	fix_sum(rsdp, 36, 32);
	CHECK_STR(find(rsdp, 36, &c, &ok), "ACPI: table at 0x100000 is not reachable");
}

int main(void)
{
	test_mbi_good();
	test_mbi_errors();
	test_mkinfo();
	test_cmdline();
	test_acpi();
	return check_done("test_probe_parse");
}
