/*
 * loader/acpi*.c: a synthetic firmware table set in a fake physical window
 * (RSDP v2 + XSDT + RSDT + FADT + MADT + DSDT + FACS + HPET + SSDT), built
 * into per-partition copies and parsed back; then every malformed input the
 * parser must refuse, each with its exact message.
 */
#include "acpi.h"
#include "check.h"

#include <stdlib.h>

#define FW_BASE 0x7FF00000ull
#define FW_SIZE 0x10000u
#define DEST_BASE 0x01000000ull
#define DEST_SIZE 0x4000u
#define GUARD 256u
#define CANARY 0xA5

struct fw {
	uint8_t mem[FW_SIZE];
	uint32_t top;
	uint64_t rsdp, xsdt, rsdt, fadt, madt, dsdt, facs, hpet, ssdt;
	uint32_t fadt_len, madt_len;
};

static struct fw fw;
static uint8_t dest_mem[DEST_SIZE + 2 * GUARD];
static struct acpi_view view, out;
static struct mk_diags diags;

static void *host(uint64_t phys)
{
	return fw.mem + (phys - FW_BASE);
}

static uint64_t fw_alloc(uint32_t len)
{
	uint64_t at = FW_BASE + fw.top;
	fw.top = (fw.top + len + 15u) & ~15u;
	if (fw.top > FW_SIZE)
		abort();
	return at;
}

static void fix_sum(uint64_t phys)
{
	struct acpi_sdt_header *h = host(phys);
	h->checksum = 0;
	h->checksum = (uint8_t)(0 - acpi_checksum(h, h->length));
}

static void fix_rsdp(void)
{
	struct acpi_rsdp *r = host(fw.rsdp);
	r->checksum = 0;
	r->checksum = (uint8_t)(0 - acpi_checksum(r, ACPI_RSDP_V1_SIZE));
	r->extended_checksum = 0;
	r->extended_checksum = (uint8_t)(0 - acpi_checksum(r, ACPI_RSDP_V2_SIZE));
}

static uint64_t fw_table(const char *sig, uint32_t len, uint8_t rev)
{
	uint64_t at = fw_alloc(len);
	struct acpi_sdt_header *h = host(at);
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, "MKTEST", 6);
	memcpy(h->oem_table_id, "MKBOOTT1", 8);
	return at;
}

static uint8_t *madt_put(uint8_t *p, const void *entry)
{
	uint8_t len = ((const struct acpi_madt_entry *)entry)->length;
	memcpy(p, entry, len);
	return p + len;
}

static void build_madt(void)
{
	uint8_t buf[512], *p = buf;
	p = madt_put(p, &(struct acpi_madt_local_apic){ { 0, 8 }, 0, 0, ACPI_MADT_ENABLED });
	p = madt_put(p, &(struct acpi_madt_local_apic){ { 0, 8 }, 1, 1, ACPI_MADT_ENABLED });
	p = madt_put(p, &(struct acpi_madt_local_apic){ { 0, 8 }, 2, 2, ACPI_MADT_ENABLED });
	p = madt_put(p, &(struct acpi_madt_local_apic){ { 0, 8 }, 3, 3, ACPI_MADT_ONLINE_CAPABLE });
	p = madt_put(p, &(struct acpi_madt_local_x2apic){ { 9, 16 }, 0, 0x100, ACPI_MADT_ENABLED, 0x10 });
	/* An x2APIC entry below 255 whose UID cannot be a type-0 UID. */
	p = madt_put(p, &(struct acpi_madt_local_x2apic){ { 9, 16 }, 0, 0x20, ACPI_MADT_ENABLED, 0x300 });
	p = madt_put(p, &(struct acpi_madt_io_apic){ { 1, 12 }, 4, 0, 0xFEC00000, 0 });
	p = madt_put(p, &(struct acpi_madt_int_override){ { 2, 10 }, 0, 0, 2, 0 });
	p = madt_put(p, &(struct acpi_madt_int_override){ { 2, 10 }, 0, 9, 9, 0xD });
	p = madt_put(p, &(struct acpi_madt_nmi_source){ { 3, 8 }, 0, 5 });
	p = madt_put(p, &(struct acpi_madt_local_apic_nmi){ { 4, 6 }, 0xFF, 0, 1 });
	p = madt_put(p, &(struct acpi_madt_local_apic_nmi){ { 4, 6 }, 2, 5, 0 });
	p = madt_put(p, &(struct acpi_madt_local_x2apic_nmi){ { 0xA, 12 }, 0, 0x10, 1, { 0 } });
	p = madt_put(p, &(struct acpi_madt_local_x2apic_nmi){ { 0xA, 12 }, 0, 0x300, 1, { 0 } });
	p = madt_put(p, &(struct acpi_madt_lapic_override){ { 5, 12 }, 0, 0xFEE00000 });
	uint8_t wakeup[16] = { ACPI_MADT_MP_WAKEUP, 16 };
	p = madt_put(p, wakeup);
	fw.madt_len = (uint32_t)(sizeof(struct acpi_madt) + (p - buf));
	fw.madt = fw_table("APIC", fw.madt_len, 5);
	struct acpi_madt *m = host(fw.madt);
	m->local_apic_address = 0xFEE00000;
	m->flags = ACPI_MADT_PCAT_COMPAT;
	memcpy(m + 1, buf, (size_t)(p - buf));
	fix_sum(fw.madt);
}

static void build_fadt(bool short_v1)
{
	fw.fadt_len = short_v1 ? ACPI_FADT_V1_SIZE : ACPI_FADT_V6_SIZE;
	fw.fadt = fw_table("FACP", fw.fadt_len, short_v1 ? 1 : 6);
	struct acpi_fadt f = { 0 };
	/* ACPI 5.2.9: one of the two FACS fields, the 64-bit one when it exists. */
	if (short_v1)
		f.firmware_ctrl = (uint32_t)fw.facs;
	else
		f.x_firmware_ctrl = fw.facs;
	f.dsdt = (uint32_t)fw.dsdt;
	f.sci_int = 9;
	f.smi_cmd = 0xB2;
	f.acpi_enable = 0xF1;
	f.pm1a_evt_blk = 0x600;
	f.pm1a_cnt_blk = 0x604;
	f.pm_tmr_blk = 0x608;
	f.gpe0_blk = 0x620;
	f.pm1_evt_len = 4;
	f.pm1_cnt_len = 2;
	f.pm_tmr_len = 4;
	f.gpe0_blk_len = 16;
	f.p_lvl2_lat = 0xFFF;
	f.p_lvl3_lat = 0xFFFF;
	f.century = 0x32;
	f.iapc_boot_arch = ACPI_BOOT_LEGACY_DEVICES | ACPI_BOOT_8042 | ACPI_BOOT_VGA_NOT_PRESENT;
	f.flags = 1u | ACPI_FADT_RESET_REG_SUP;
	f.reset_reg = (struct acpi_gas){ 1, 8, 0, 0, 0xCF9 };
	f.reset_value = 6;
	f.x_dsdt = fw.dsdt;
	f.x_pm1a_evt_blk = (struct acpi_gas){ 1, 32, 0, 0, 0x600 };
	f.x_pm_tmr_blk = (struct acpi_gas){ 1, 32, 0, 0, 0x608 };
	f.sleep_control_reg = (struct acpi_gas){ 1, 8, 0, 0, 0x680 };
	f.sleep_status_reg = (struct acpi_gas){ 1, 8, 0, 0, 0x681 };
	memcpy((uint8_t *)host(fw.fadt) + 36, (uint8_t *)&f + 36, fw.fadt_len - 36);
	fix_sum(fw.fadt);
}

/* The firmware set; `short_fadt` swaps in an ACPI 1.0 FADT (116 bytes). */
static void build_fw(bool short_fadt)
{
	memset(&fw, 0, sizeof(fw));
	fw.rsdp = fw_alloc(ACPI_RSDP_V2_SIZE);
	fw.dsdt = fw_table("DSDT", 52, 2);
	memset((uint8_t *)host(fw.dsdt) + 36, 0x5B, 16); /* stands in for AML */
	fix_sum(fw.dsdt);
	fw.facs = fw_alloc(64);
	memcpy(host(fw.facs), "FACS", 4);
	*(uint32_t *)((uint8_t *)host(fw.facs) + 4) = 64;
	fw.hpet = fw_table("HPET", 56, 1);
	fix_sum(fw.hpet);
	fw.ssdt = fw_table("SSDT", 40, 2);
	fix_sum(fw.ssdt);
	build_fadt(short_fadt);
	build_madt();
	uint64_t list[] = { fw.fadt, fw.madt, fw.hpet, fw.ssdt };
	fw.xsdt = fw_table("XSDT", 36 + 8 * 4, 1);
	fw.rsdt = fw_table("RSDT", 36 + 4 * 4, 1);
	for (int i = 0; i < 4; i++) {
		memcpy((uint8_t *)host(fw.xsdt) + 36 + 8 * i, &list[i], 8);
		uint32_t a32 = (uint32_t)list[i];
		memcpy((uint8_t *)host(fw.rsdt) + 36 + 4 * i, &a32, 4);
	}
	fix_sum(fw.xsdt);
	fix_sum(fw.rsdt);
	struct acpi_rsdp *r = host(fw.rsdp);
	memcpy(r->signature, ACPI_SIG_RSDP, 8);
	memcpy(r->oem_id, "MKTEST", 6);
	r->revision = 2;
	r->rsdt_address = (uint32_t)fw.rsdt;
	r->length = ACPI_RSDP_V2_SIZE;
	r->xsdt_address = fw.xsdt;
	fix_rsdp();
}

static void fw_phys(struct mk_phys *pm)
{
	memset(pm, 0, sizeof(*pm));
	phys_add(pm, fw.mem, FW_BASE, FW_SIZE);
}

/* Host view of the destination window, guards around it. */
static uint8_t *dest_host(uint64_t phys, uint64_t base)
{
	return dest_mem + GUARD + (phys - base);
}

static bool find_fw(void)
{
	struct mk_phys pm;
	fw_phys(&pm);
	diag_init(&diags, "ACPI");
	return acpi_find(&pm, fw.rsdp, &view, &diags);
}

/* acpi_find on a broken set: false, exactly one error, this message. */
static void expect_find_error(const char *msg)
{
	CHECK(!find_fw());
	CHECK_EQ(diags.count, 1);
	CHECK_STR(diags.items[0].msg, msg);
}

static char msgbuf[DIAG_MSG_MAX];
#define FMT(...) (snprintf(msgbuf, sizeof(msgbuf), __VA_ARGS__), msgbuf)

static bool table_sums_zero(uint64_t phys, uint64_t base)
{
	const struct acpi_sdt_header *h = (const void *)dest_host(phys, base);
	return acpi_checksum(h, h->length) == 0;
}

struct built {
	uint64_t rsdp;
	uint64_t size;
	struct acpi_rsdp *r;
	struct acpi_fadt *fadt; /* the partition's copy */
	struct acpi_madt *madt;
};

static void print_diags(void)
{
	for (uint32_t i = 0; i < diags.count; i++)
		fprintf(stderr, "  diag: %s\n", diags.items[i].msg);
}

/*
 * Builds `ids` into a DEST_SIZE window at `base` and parses the result back
 * into `out`.  Checks on the way: size == acpi_build_size, no byte outside
 * [base, base + size) changed (guards, the rest of the window, the firmware
 * tables), every new table sums to 0.
 */
static bool build_part(const uint32_t *ids, uint32_t n, bool owner, uint64_t base, struct built *b)
{
	static uint8_t fw_before[FW_SIZE];
	struct mk_phys pm;
	struct acpi_part_spec spec = { ids, n, owner };
	fw_phys(&pm);
	phys_add(&pm, dest_mem + GUARD, base, DEST_SIZE);
	memset(dest_mem, CANARY, sizeof(dest_mem));
	memcpy(fw_before, fw.mem, FW_SIZE);
	memset(b, 0, sizeof(*b));
	b->size = acpi_build_size(&view, &spec);
	diag_init(&diags, "ACPI");
	if (!acpi_build_partition(&view, &spec, &pm, base, DEST_SIZE, &b->rsdp, &diags)) {
		print_diags();
		CHECK(!"acpi_build_partition failed");
		return false;
	}
	CHECK_EQ(b->rsdp, base);
	CHECK(b->size > 0 && b->size <= DEST_SIZE);
	bool outside_intact = true;
	for (uint32_t i = 0; i < sizeof(dest_mem); i++)
		if ((i < GUARD || i >= GUARD + b->size) && dest_mem[i] != CANARY)
			outside_intact = false;
	CHECK(outside_intact);
	CHECK(memcmp(fw_before, fw.mem, FW_SIZE) == 0);

	b->r = (struct acpi_rsdp *)dest_host(base, base);
	CHECK_EQ(acpi_checksum(b->r, ACPI_RSDP_V1_SIZE), 0);
	CHECK_EQ(acpi_checksum(b->r, ACPI_RSDP_V2_SIZE), 0);
	CHECK_EQ(b->r->revision, 2);
	CHECK(table_sums_zero(b->r->xsdt_address, base));
	if (b->r->rsdt_address)
		CHECK(table_sums_zero(b->r->rsdt_address, base));

	diag_init(&diags, "ACPI");
	bool ok = acpi_find(&pm, base, &out, &diags);
	print_diags();
	CHECK(ok);
	if (!ok)
		return false;
	CHECK_EQ(out.root_phys, base + 48);
	CHECK(out.root_is_xsdt);
	const struct acpi_table *mt = &out.tables[out.madt];
	CHECK(mt->phys >= base && mt->phys + mt->length <= base + b->size);
	b->madt = (struct acpi_madt *)dest_host(mt->phys, base);
	if (out.fadt >= 0) {
		const struct acpi_table *ft = &out.tables[out.fadt];
		CHECK(ft->phys >= base && ft->phys + ft->length <= base + b->size);
		/* The FADT is the last table: the size ends exactly there. */
		CHECK_EQ(ft->phys + ft->length, base + b->size);
		b->fadt = (struct acpi_fadt *)dest_host(ft->phys, base);
	}
	return true;
}

static bool has_table(const struct acpi_view *v, const char *sig)
{
	for (uint32_t i = 0; i < v->ntables; i++)
		if (!strcmp(v->tables[i].sig, sig))
			return true;
	return false;
}

static void test_parse(void)
{
	build_fw(false);
	CHECK(find_fw());
	CHECK(view.root_is_xsdt);
	CHECK_EQ(view.root_phys, fw.xsdt);
	CHECK_EQ(view.ntables, 4);
	CHECK_STR(view.tables[view.fadt].sig, "FACP");
	CHECK_STR(view.tables[view.madt].sig, "APIC");
	CHECK(has_table(&view, "HPET") && has_table(&view, "SSDT"));
	CHECK_EQ(view.ncpus, 6);
	CHECK_EQ(view.cpus[3].apic_id, 3);
	CHECK_EQ(view.cpus[3].flags, ACPI_MADT_ONLINE_CAPABLE);
	CHECK_EQ(view.cpus[4].apic_id, 0x100);
	CHECK_EQ(view.cpus[4].uid, 0x10);
	CHECK_EQ(view.cpus[4].type, ACPI_MADT_LOCAL_X2APIC);
	CHECK_EQ(view.nioapics, 1);
	CHECK_EQ(view.ioapics[0].address, 0xFEC00000);
	CHECK_EQ(view.noverrides, 2);
	CHECK_EQ(view.overrides[1].source, 9);
	CHECK_EQ(view.nnmi_sources, 1);
	CHECK_EQ(view.nlapic_nmis, 4);
	CHECK_EQ(view.madt_owner_bytes, 12 + 10 + 10 + 8);
	CHECK_EQ(view.madt_shared_bytes, 12);
	CHECK_EQ(view.madt_flags, ACPI_MADT_PCAT_COMPAT);
	CHECK_EQ(view.dsdt_phys, fw.dsdt);
	CHECK(view.dsdt_checksum_ok);
	CHECK_EQ(view.facs_phys, fw.facs);
	CHECK_EQ(view.boot_arch, 7);
	CHECK_EQ(view.nskipped, 0);

	char text[2048];
	struct mk_buf b;
	mk_buf_init(&b, text, sizeof(text));
	acpi_report(&view, &b);
	CHECK(strstr(text, "acpi:   APIC 0x7ff0") != NULL);
	CHECK(strstr(text, "acpi: 6 CPUs, 1 IOAPICs, 2 overrides, 4 local NMI entries") != NULL);
	CHECK(!b.truncated);
}

/* A partition without the platform: APIC IDs 2 and 1, in that order. */
static void test_non_owner(void)
{
	build_fw(false);
	CHECK(find_fw());
	static const uint32_t ids[] = { 2, 1 };
	struct built b;
	if (!build_part(ids, 2, false, DEST_BASE, &b))
		return;
	CHECK_EQ(out.ncpus, 2);
	CHECK_EQ(out.cpus[0].apic_id, 2);
	CHECK_EQ(out.cpus[0].uid, 2);
	CHECK_EQ(out.cpus[0].type, ACPI_MADT_LOCAL_APIC);
	CHECK_EQ(out.cpus[0].flags, ACPI_MADT_ENABLED);
	CHECK_EQ(out.cpus[1].apic_id, 1);
	CHECK_EQ(out.cpus[1].uid, 1);
	CHECK_EQ(out.cpus[1].flags, ACPI_MADT_ENABLED);
	CHECK_EQ(out.nioapics, 0);
	CHECK_EQ(out.noverrides, 0);
	CHECK_EQ(out.nnmi_sources, 0);
	CHECK_EQ(out.madt_owner_bytes, 0);
	CHECK_EQ(out.madt_shared_bytes, 12); /* the LAPIC address override stays */
	CHECK_EQ(out.nlapic_nmis, 2);        /* "all" + CPU 2's; the x2APIC NMIs left */
	CHECK_EQ(out.lapic_nmis[0].uid, 0xFF);
	CHECK_EQ(out.lapic_nmis[0].lint, 1);
	CHECK_EQ(out.lapic_nmis[1].type, ACPI_MADT_LOCAL_APIC_NMI);
	CHECK_EQ(out.lapic_nmis[1].uid, 2);
	CHECK_EQ(out.lapic_nmis[1].flags, 5);
	CHECK_EQ(out.lapic_nmis[1].lint, 0);
	CHECK_EQ(out.madt_flags & ACPI_MADT_PCAT_COMPAT, 0);
	CHECK_EQ(out.lapic_address, 0xFEE00000);
	CHECK_EQ(b.madt->hdr.length, 44 + 2 * 8 + 2 * 6 + 12);
	CHECK(!memcmp(b.madt->hdr.oem_id, "MKTEST", 6));

	CHECK_EQ(out.ntables, 3);
	CHECK(!has_table(&out, "HPET"));
	CHECK(has_table(&out, "SSDT"));
	CHECK_EQ(out.tables[2].phys, fw.ssdt); /* referenced, not copied */

	struct acpi_fadt *f = b.fadt;
	CHECK(out.fadt_flags & ACPI_FADT_HW_REDUCED);
	CHECK_EQ(out.fadt_flags & ACPI_FADT_RESET_REG_SUP, 0);
	CHECK_EQ(out.fadt_flags & 1, 1); /* other flags kept */
	CHECK_EQ(out.boot_arch, ACPI_BOOT_VGA_NOT_PRESENT | ACPI_BOOT_CMOS_RTC_NOT_PRESENT);
	CHECK_EQ(out.dsdt_phys, fw.dsdt);
	CHECK_EQ(f->dsdt, fw.dsdt);
	CHECK_EQ(f->x_dsdt, fw.dsdt);
	CHECK_EQ(out.facs_phys, 0);
	CHECK_EQ(f->hdr.length, ACPI_FADT_V6_SIZE);
	CHECK_EQ(f->hdr.revision, 6);
	CHECK_EQ(f->sci_int, 0);
	CHECK_EQ(f->smi_cmd, 0);
	CHECK_EQ(f->acpi_enable, 0);
	CHECK_EQ(f->pm1a_evt_blk, 0);
	CHECK_EQ(f->pm1a_cnt_blk, 0);
	CHECK_EQ(f->gpe0_blk, 0);
	CHECK_EQ(f->gpe0_blk_len, 0);
	CHECK_EQ(f->x_pm1a_evt_blk.address, 0);
	CHECK_EQ(f->reset_reg.address, 0);
	CHECK_EQ(f->reset_value, 0);
	CHECK_EQ(f->sleep_control_reg.address, 0);
	CHECK_EQ(f->sleep_status_reg.address, 0);
	CHECK_EQ(f->pm_tmr_blk, 0x608);
	CHECK_EQ(f->pm_tmr_len, 4);
	CHECK_EQ(f->x_pm_tmr_blk.address, 0x608);
	CHECK_EQ(f->p_lvl2_lat, 0xFFF); /* still says "no C2" */
	CHECK_EQ(f->century, 0x32);

	/* Below 4 GiB the RSDT lists the same tables in 32 bits. */
	CHECK(b.r->rsdt_address != 0);
	const struct acpi_sdt_header *rsdt = (const void *)dest_host(b.r->rsdt_address, DEST_BASE);
	const struct acpi_sdt_header *xsdt = (const void *)dest_host(b.r->xsdt_address, DEST_BASE);
	CHECK(!memcmp(rsdt->signature, "RSDT", 4));
	CHECK_EQ(rsdt->length, 36 + 3 * 4);
	CHECK_EQ(xsdt->length, 36 + 3 * 8);
	for (int i = 0; i < 3; i++) {
		uint32_t a32;
		uint64_t a64;
		memcpy(&a32, (const uint8_t *)rsdt + 36 + 4 * i, 4);
		memcpy(&a64, (const uint8_t *)xsdt + 36 + 8 * i, 8);
		CHECK_EQ(a32, a64);
	}
}

/* The platform owner: BSP APIC 0 and the x2APIC CPU 0x100. */
static void test_owner(void)
{
	build_fw(false);
	CHECK(find_fw());
	static const uint32_t ids[] = { 0, 0x100 };
	struct built b;
	if (!build_part(ids, 2, true, DEST_BASE, &b))
		return;
	CHECK_EQ(out.ncpus, 2);
	CHECK_EQ(out.cpus[0].apic_id, 0);
	CHECK_EQ(out.cpus[0].uid, 0);
	CHECK_EQ(out.cpus[0].type, ACPI_MADT_LOCAL_APIC);
	CHECK_EQ(out.cpus[1].apic_id, 0x100);
	CHECK_EQ(out.cpus[1].uid, 0x10);
	CHECK_EQ(out.cpus[1].type, ACPI_MADT_LOCAL_X2APIC);
	CHECK_EQ(out.cpus[1].flags, ACPI_MADT_ENABLED);
	CHECK_EQ(out.nioapics, 1);
	CHECK_EQ(out.ioapics[0].id, 4);
	CHECK_EQ(out.noverrides, 2);
	CHECK_EQ(out.overrides[1].flags, 0xD);
	CHECK_EQ(out.nnmi_sources, 1);
	CHECK_EQ(out.nlapic_nmis, 2); /* "all" and CPU 0x100's x2APIC NMI */
	CHECK_EQ(out.lapic_nmis[1].type, ACPI_MADT_LOCAL_X2APIC_NMI);
	CHECK_EQ(out.lapic_nmis[1].uid, 0x10);
	CHECK_EQ(out.madt_flags, ACPI_MADT_PCAT_COMPAT);
	/* CPUs, 2 NMIs, the override and the owner's entries; no wakeup mailbox. */
	CHECK_EQ(b.madt->hdr.length, 44 + 8 + 16 + 6 + 12 + 12 + 40);
	CHECK_EQ(out.ntables, 4);
	CHECK(has_table(&out, "HPET"));
	/* The owner's FADT is the firmware's, byte for byte. */
	CHECK(!memcmp(b.fadt, host(fw.fadt), ACPI_FADT_V6_SIZE));
	CHECK_EQ(out.facs_phys, fw.facs);
	CHECK_EQ(out.fadt_flags & ACPI_FADT_HW_REDUCED, 0);
}

/* An ACPI 1.0 FADT: extended to revision 6 for a guest, kept for the owner. */
static void test_short_fadt(void)
{
	build_fw(true);
	CHECK(find_fw());
	CHECK_EQ(view.dsdt_phys, fw.dsdt);
	CHECK_EQ(view.facs_phys, fw.facs);
	static const uint32_t ids[] = { 1 };
	struct built b;
	if (build_part(ids, 1, false, DEST_BASE, &b)) {
		struct acpi_fadt *f = b.fadt;
		CHECK_EQ(f->hdr.length, ACPI_FADT_V6_SIZE);
		CHECK_EQ(f->hdr.revision, 6);
		CHECK_EQ(f->dsdt, fw.dsdt);
		CHECK_EQ(f->x_dsdt, 0);
		CHECK_EQ(out.dsdt_phys, fw.dsdt);
		CHECK_EQ(out.facs_phys, 0);
		CHECK(f->flags & ACPI_FADT_HW_REDUCED);
		CHECK_EQ(f->iapc_boot_arch, ACPI_BOOT_VGA_NOT_PRESENT | ACPI_BOOT_CMOS_RTC_NOT_PRESENT);
		CHECK_EQ(f->x_pm_tmr_blk.space_id, ACPI_GAS_SYSTEM_IO);
		CHECK_EQ(f->x_pm_tmr_blk.bit_width, 32);
		CHECK_EQ(f->x_pm_tmr_blk.address, 0x608);
		CHECK_EQ(f->sleep_control_reg.address, 0);
		CHECK_EQ(f->hypervisor_vendor_id, 0);
	}
	if (build_part(ids, 1, true, DEST_BASE, &b)) {
		CHECK_EQ(b.fadt->hdr.length, ACPI_FADT_V1_SIZE);
		CHECK(!memcmp(b.fadt, host(fw.fadt), ACPI_FADT_V1_SIZE));
	}
}

/*
 * UIDs: a disabled CPU comes out enabled with its UID; a CPU the MADT lacks
 * and a CPU whose x2APIC UID does not fit a type-0 entry get the lowest UIDs
 * no firmware entry uses (0-3, 0x10 and 0x300 are taken); an NMI entry
 * follows its CPU into the new type.
 */
static void test_uids(void)
{
	build_fw(false);
	CHECK(find_fw());
	static const uint32_t ids[] = { 3, 7, 0x200, 0x20 };
	struct built b;
	if (!build_part(ids, 4, false, DEST_BASE, &b))
		return;
	CHECK_EQ(out.ncpus, 4);
	CHECK_EQ(out.cpus[0].apic_id, 3);
	CHECK_EQ(out.cpus[0].uid, 3);
	CHECK_EQ(out.cpus[0].flags, ACPI_MADT_ENABLED);
	CHECK_EQ(out.cpus[1].apic_id, 7);
	CHECK_EQ(out.cpus[1].uid, 4);
	CHECK_EQ(out.cpus[1].type, ACPI_MADT_LOCAL_APIC);
	CHECK_EQ(out.cpus[2].apic_id, 0x200);
	CHECK_EQ(out.cpus[2].uid, 5);
	CHECK_EQ(out.cpus[2].type, ACPI_MADT_LOCAL_X2APIC);
	CHECK_EQ(out.cpus[3].apic_id, 0x20);
	CHECK_EQ(out.cpus[3].uid, 6);
	CHECK_EQ(out.cpus[3].type, ACPI_MADT_LOCAL_APIC);
	CHECK_EQ(out.nlapic_nmis, 2);
	CHECK_EQ(out.lapic_nmis[1].type, ACPI_MADT_LOCAL_APIC_NMI);
	CHECK_EQ(out.lapic_nmis[1].uid, 6);
}

/* Above 4 GiB there is no RSDT; the XSDT alone carries the set. */
static void test_high_dest(void)
{
	build_fw(false);
	CHECK(find_fw());
	static const uint32_t ids[] = { 1 };
	struct built b;
	if (!build_part(ids, 1, false, 0x100000000ull, &b))
		return;
	CHECK_EQ(b.r->rsdt_address, 0);
	CHECK_EQ(out.ncpus, 1);
}

/* An ACPI 1.0 RSDP (revision 0) leads to the RSDT. */
static void test_rsdt_only(void)
{
	build_fw(false);
	struct acpi_rsdp *r = host(fw.rsdp);
	r->revision = 0;
	fix_rsdp();
	CHECK(find_fw());
	CHECK(!view.root_is_xsdt);
	CHECK_EQ(view.root_phys, fw.rsdt);
	CHECK_EQ(view.rsdp_length, 20);
	CHECK_EQ(view.ntables, 4);
	CHECK_EQ(view.ncpus, 6);
	static const uint32_t ids[] = { 1 };
	struct built b;
	if (build_part(ids, 1, false, DEST_BASE, &b))
		CHECK_EQ(out.ncpus, 1);
}

/* Replaces the XSDT with one listing `n` entries (and a raw Length). */
static void set_xsdt(const uint64_t *list, uint32_t n, uint32_t length)
{
	fw.xsdt = fw_table("XSDT", 36 + 8 * n, 1);
	for (uint32_t i = 0; i < n; i++)
		memcpy((uint8_t *)host(fw.xsdt) + 36 + 8 * i, &list[i], 8);
	((struct acpi_sdt_header *)host(fw.xsdt))->length = length;
	fix_sum(fw.xsdt);
	((struct acpi_rsdp *)host(fw.rsdp))->xsdt_address = fw.xsdt;
	fix_rsdp();
}

static struct acpi_madt_entry *madt_entry(uint32_t offset)
{
	return (struct acpi_madt_entry *)((uint8_t *)host(fw.madt) + offset);
}

static void test_bad_rsdp(void)
{
	struct mk_phys pm;
	build_fw(false);
	((struct acpi_rsdp *)host(fw.rsdp))->signature[0] = 'X';
	expect_find_error("RSDP at 0x7ff00000: signature is not \"RSD PTR \"");

	build_fw(false);
	((struct acpi_rsdp *)host(fw.rsdp))->oem_id[0] ^= 1;
	expect_find_error("RSDP at 0x7ff00000: checksum is wrong");

	build_fw(false);
	((struct acpi_rsdp *)host(fw.rsdp))->reserved[0] = 1; /* only the extended sum covers it */
	expect_find_error("RSDP at 0x7ff00000: extended checksum is wrong");

	build_fw(false);
	((struct acpi_rsdp *)host(fw.rsdp))->length = 20;
	fix_rsdp();
	expect_find_error("RSDP at 0x7ff00000: length 20 is not between 36 and 4096");

	build_fw(false);
	((struct acpi_rsdp *)host(fw.rsdp))->xsdt_address = 0;
	((struct acpi_rsdp *)host(fw.rsdp))->rsdt_address = 0;
	fix_rsdp();
	expect_find_error("RSDP at 0x7ff00000 gives neither an XSDT nor an RSDT address");

	/* An address whose end wraps past 2^64. */
	fw_phys(&pm);
	diag_init(&diags, "ACPI");
	CHECK(!acpi_find(&pm, 0xFFFFFFFFFFFFFFF0ull, &view, &diags));
	CHECK_STR(diags.items[0].msg, "RSDP at 0xfffffffffffffff0 is outside memory");
	CHECK_EQ(diags.count, 1);
}

static void test_bad_root(void)
{
	build_fw(false);
	((struct acpi_sdt_header *)host(fw.xsdt))->length = 20;
	expect_find_error(FMT("XSDT at 0x%llx: length 20 is less than the 36-byte header",
			      (unsigned long long)fw.xsdt));

	build_fw(false);
	((struct acpi_sdt_header *)host(fw.xsdt))->length = 36 + 8 * 4 + 4;
	fix_sum(fw.xsdt);
	expect_find_error(FMT("XSDT at 0x%llx: length 72 is not 36 plus a multiple of 8",
			      (unsigned long long)fw.xsdt));

	build_fw(false);
	((uint8_t *)host(fw.xsdt))[36] ^= 0x10;
	expect_find_error(FMT("XSDT at 0x%llx: checksum is wrong", (unsigned long long)fw.xsdt));

	build_fw(false);
	((struct acpi_sdt_header *)host(fw.xsdt))->length = 0xFFFFFFFF;
	expect_find_error(FMT("XSDT at 0x%llx: length 4294967295 is over the 16 MiB limit",
			      (unsigned long long)fw.xsdt));

	build_fw(false);
	((struct acpi_rsdp *)host(fw.rsdp))->xsdt_address = 0xFFFFFFFFFFFFFFF8ull;
	fix_rsdp();
	expect_find_error("XSDT at 0xfffffffffffffff8 is outside memory");

	build_fw(false);
	memcpy(host(fw.xsdt), "RSDT", 4);
	expect_find_error(FMT("XSDT at 0x%llx: signature is 'RSDT', expected 'XSDT'",
			      (unsigned long long)fw.xsdt));

	static uint64_t many[ACPI_MAX_TABLES + 1];
	build_fw(false);
	for (uint32_t i = 0; i <= ACPI_MAX_TABLES; i++)
		many[i] = fw.ssdt;
	set_xsdt(many, ACPI_MAX_TABLES + 1, 36 + 8 * (ACPI_MAX_TABLES + 1));
	expect_find_error("XSDT lists 129 tables, more than 128");
}

static void test_bad_tables(void)
{
	build_fw(false);
	set_xsdt((uint64_t[]){ fw.fadt, fw.madt, 0x1000 }, 3, 36 + 24);
	expect_find_error("XSDT entry 2 at 0x1000 is outside memory");

	/* The HPET's Length reaches past the end of the window. */
	build_fw(false);
	((struct acpi_sdt_header *)host(fw.hpet))->length = 0xFFFF;
	expect_find_error(FMT("XSDT entry 2 at 0x%llx: length 65535 runs outside memory",
			      (unsigned long long)fw.hpet));

	build_fw(false);
	((struct acpi_sdt_header *)host(fw.ssdt))->length = 35;
	expect_find_error(FMT("XSDT entry 3 at 0x%llx: length 35 is less than the 36-byte header",
			      (unsigned long long)fw.ssdt));

	build_fw(false);
	((struct acpi_fadt *)host(fw.fadt))->century ^= 1;
	expect_find_error(FMT("FADT at 0x%llx: checksum is wrong", (unsigned long long)fw.fadt));

	build_fw(false);
	((uint8_t *)host(fw.madt))[50] ^= 1;
	expect_find_error(FMT("MADT at 0x%llx: checksum is wrong", (unsigned long long)fw.madt));

	build_fw(false);
	((struct acpi_sdt_header *)host(fw.fadt))->length = 100;
	fix_sum(fw.fadt);
	expect_find_error(FMT("FADT at 0x%llx: length 100 is less than ACPI 1.0's 116 bytes",
			      (unsigned long long)fw.fadt));

	build_fw(false);
	((struct acpi_fadt *)host(fw.fadt))->x_dsdt = fw.fadt;
	fix_sum(fw.fadt);
	expect_find_error(FMT("DSDT at 0x%llx: signature is 'FACP', expected 'DSDT'",
			      (unsigned long long)fw.fadt));

	build_fw(false);
	set_xsdt((uint64_t[]){ fw.fadt, fw.ssdt }, 2, 36 + 16);
	expect_find_error("no MADT (\"APIC\" table): the CPUs are unknown");

	/* A bad checksum on a table mkboot does not need: skipped, noted. */
	build_fw(false);
	((uint8_t *)host(fw.dsdt))[40] ^= 1;
	((uint8_t *)host(fw.hpet))[40] ^= 1;
	CHECK(find_fw());
	CHECK(!view.dsdt_checksum_ok);
	CHECK_EQ(view.ntables, 3);
	CHECK(!has_table(&view, "HPET"));
	CHECK_EQ(view.nskipped, 1);
	CHECK_EQ(view.skipped[0].reason, ACPI_SKIP_CHECKSUM);
	CHECK_STR(view.skipped[0].sig, "HPET");
}

static void test_bad_madt(void)
{
	const uint32_t first = sizeof(struct acpi_madt);
	build_fw(false);
	madt_entry(first)->length = 0;
	fix_sum(fw.madt);
	expect_find_error("MADT entry at offset 44 (type 0): length 0 is less than 2");

	build_fw(false);
	madt_entry(first)->length = 6;
	fix_sum(fw.madt);
	expect_find_error("MADT entry at offset 44 (type 0): length 6 is less than the 8 bytes "
			  "the type needs");

	/* The last entry (the 16-byte wakeup mailbox) claims more than is left. */
	build_fw(false);
	madt_entry(fw.madt_len - 16)->length = 200;
	fix_sum(fw.madt);
	expect_find_error(FMT("MADT entry at offset %u (type 16): length 200 runs past the table "
			      "end at %u",
			      fw.madt_len - 16, fw.madt_len));

	/* A 1-byte tail cannot hold an entry header. */
	build_fw(false);
	((struct acpi_sdt_header *)host(fw.madt))->length = fw.madt_len + 1;
	fix_sum(fw.madt);
	expect_find_error(FMT("MADT entry at offset %u: 1 byte left, an entry needs 2", fw.madt_len));

	build_fw(false);
	((struct acpi_sdt_header *)host(fw.madt))->length = 40;
	fix_sum(fw.madt);
	expect_find_error("MADT: length 40 is less than 44 bytes");
}

/* Loops and repeats in the root table are skipped, never followed twice. */
static void test_duplicates(void)
{
	build_fw(false);
	uint64_t madt2 = fw_alloc(fw.madt_len);
	memcpy(host(madt2), host(fw.madt), fw.madt_len);
	uint64_t old_xsdt = fw.xsdt;
	set_xsdt((uint64_t[]){ fw.fadt, fw.madt, fw.hpet, fw.hpet, 0, old_xsdt, madt2, fw.ssdt,
			       fw.fadt },
		 9, 36 + 72);
	CHECK(find_fw());
	CHECK_EQ(view.ntables, 4);
	CHECK_EQ(view.nskipped, 5);
	CHECK_EQ(view.skipped[0].reason, ACPI_SKIP_DUPLICATE);
	CHECK_EQ(view.skipped[1].reason, ACPI_SKIP_NULL);
	CHECK_EQ(view.skipped[2].reason, ACPI_SKIP_ROOT);
	CHECK_EQ(view.skipped[3].reason, ACPI_SKIP_SECOND);
	CHECK_EQ(view.skipped[3].phys, madt2);
	CHECK_EQ(view.skipped[4].reason, ACPI_SKIP_DUPLICATE);
	static const uint32_t ids[] = { 0 };
	struct built b;
	if (build_part(ids, 1, true, DEST_BASE, &b)) {
		CHECK_EQ(out.ntables, 4);
		CHECK_EQ(out.nskipped, 0);
	}

	/* An XSDT that lists itself. */
	build_fw(false);
	uint64_t at = fw_alloc(36 + 24);
	uint64_t list[] = { fw.fadt, fw.madt, at };
	fw.top -= (36 + 24 + 15) & ~15u; /* set_xsdt takes the same spot */
	set_xsdt(list, 3, 36 + 24);
	CHECK_EQ(fw.xsdt, at);
	CHECK(find_fw());
	CHECK_EQ(view.ntables, 2);
	CHECK_EQ(view.nskipped, 1);
	CHECK_EQ(view.skipped[0].reason, ACPI_SKIP_ROOT);
}

/* Builds `ids` expecting failure with `msg`. */
static void expect_build_error(const uint32_t *ids, uint32_t n, bool owner, uint64_t dest,
			       uint64_t size, const char *msg)
{
	struct mk_phys pm;
	struct acpi_part_spec spec = { ids, n, owner };
	uint64_t rsdp = 0;
	fw_phys(&pm);
	phys_add(&pm, dest_mem + GUARD, DEST_BASE, DEST_SIZE);
	diag_init(&diags, "ACPI");
	CHECK(!acpi_build_partition(&view, &spec, &pm, dest, size, &rsdp, &diags));
	CHECK_EQ(diags.count, 1);
	CHECK_STR(diags.items[0].msg, msg);
	CHECK_EQ(rsdp, 0);
}

static void test_build_errors(void)
{
	static const uint32_t one[] = { 1 }, dup[] = { 1, 2, 1 };
	build_fw(false);
	CHECK(find_fw());
	struct acpi_part_spec spec = { one, 1, false };
	uint64_t need = acpi_build_size(&view, &spec);
	CHECK(need > 0);

	expect_build_error(one, 0, false, DEST_BASE, DEST_SIZE, "a partition needs at least one CPU");
	static const uint32_t none[] = { 0xFFFFFFFF };
	expect_build_error(none, 1, false, DEST_BASE, DEST_SIZE,
			   "APIC ID 0xffffffff cannot be listed: x2APIC entries use it for \"no processor\"");
	expect_build_error(dup, 3, false, DEST_BASE, DEST_SIZE,
			   "APIC ID 1 is listed twice for one partition");
	spec = (struct acpi_part_spec){ dup, 3, false };
	CHECK_EQ(acpi_build_size(&view, &spec), 0);
	expect_build_error(one, 1, false, DEST_BASE + 8, DEST_SIZE - 8,
			   "ACPI destination 0x1000008 is not 16-byte aligned");
	expect_build_error(one, 1, false, DEST_BASE, need - 1,
			   FMT("ACPI destination holds %llu bytes, the tables need %llu",
			       (unsigned long long)need - 1, (unsigned long long)need));
	expect_build_error(one, 1, false, DEST_BASE + DEST_SIZE - 0x100, 0x1000,
			   "ACPI destination 0x1003f00+0x1000 is outside memory");
	expect_build_error(one, 1, false, FW_BASE, need,
			   FMT("ACPI destination 0x7ff00000+0x%llx overlaps the firmware's RSDP at 0x7ff00000",
			       (unsigned long long)need));
	expect_build_error(one, 1, false, fw.xsdt, need,
			   FMT("ACPI destination 0x%llx+0x%llx overlaps the firmware's XSDT at 0x%llx",
			       (unsigned long long)fw.xsdt, (unsigned long long)need,
			       (unsigned long long)fw.xsdt));

	/* The firmware MADT changes between parse and build. */
	madt_entry(sizeof(struct acpi_madt) + 6 * 8 + 16)->type = ACPI_MADT_MP_WAKEUP; /* the IOAPIC */
	fix_sum(fw.madt);
	expect_build_error(one, 1, true, DEST_BASE, DEST_SIZE,
			   FMT("firmware MADT at 0x%llx changed after it was parsed",
			       (unsigned long long)fw.madt));
	build_fw(false);
	CHECK(find_fw());
	((struct acpi_fadt *)host(fw.fadt))->century ^= 1;
	expect_build_error(one, 1, false, DEST_BASE, DEST_SIZE,
			   FMT("firmware FADT at 0x%llx changed after it was parsed",
			       (unsigned long long)fw.fadt));

	/* No FADT: fine for the owner, refused for anyone else. */
	build_fw(false);
	set_xsdt((uint64_t[]){ fw.madt, fw.ssdt }, 2, 36 + 16);
	CHECK(find_fw());
	CHECK_EQ(view.fadt, -1);
	expect_build_error(one, 1, false, DEST_BASE, DEST_SIZE,
			   "no FADT: a partition without the platform needs one to be marked hardware-reduced");
	struct built b;
	if (build_part(one, 1, true, DEST_BASE, &b)) {
		CHECK_EQ(out.fadt, -1);
		CHECK_EQ(out.ncpus, 1);
	}

}

/*
 * A MADT whose x2APIC CPUs (APIC IDs 1000..1254) take every UID below 255:
 * a new type-0 CPU finds no UID, a new x2APIC CPU gets 256 (255 means "all").
 */
static void test_uid_exhausted(void)
{
	build_fw(false);
	uint32_t len = sizeof(struct acpi_madt) + 255 * 16;
	fw.madt = fw_table("APIC", len, 5);
	uint8_t *p = (uint8_t *)host(fw.madt) + sizeof(struct acpi_madt);
	for (uint32_t i = 0; i < 255; i++)
		p = madt_put(p, &(struct acpi_madt_local_x2apic){ { 9, 16 }, 0, 1000 + i,
								  ACPI_MADT_ENABLED, i });
	fix_sum(fw.madt);
	set_xsdt((uint64_t[]){ fw.fadt, fw.madt }, 2, 36 + 16);
	CHECK(find_fw());
	CHECK_EQ(view.ncpus, 255);

	static const uint32_t five[] = { 5 }, high[] = { 0x500, 1003 };
	struct acpi_part_spec spec = { five, 1, true };
	CHECK_EQ(acpi_build_size(&view, &spec), 0);
	expect_build_error(five, 1, true, DEST_BASE, DEST_SIZE,
			   "no free ACPI processor UID below 255 for APIC ID 5");
	struct built b;
	if (build_part(high, 2, false, DEST_BASE, &b)) {
		CHECK_EQ(out.ncpus, 2);
		CHECK_EQ(out.cpus[0].uid, 256);
		CHECK_EQ(out.cpus[1].apic_id, 1003);
		CHECK_EQ(out.cpus[1].uid, 3);
		CHECK_EQ(out.cpus[1].type, ACPI_MADT_LOCAL_X2APIC);
	}
}

/*
 * Firmware quirks: a repeated APIC ID (the first entry wins, as in Linux), the
 * "no CPU" IDs 0xFF / 0xFFFFFFFF, and two CPUs sharing a UID (the second one
 * gets a fresh UID in the partition's copy).
 */
static void test_madt_quirks(void)
{
	build_fw(false);
	uint8_t buf[128], *p = buf;
	p = madt_put(p, &(struct acpi_madt_local_apic){ { 0, 8 }, 0, 0, ACPI_MADT_ENABLED });
	p = madt_put(p, &(struct acpi_madt_local_apic){ { 0, 8 }, 0, 1, ACPI_MADT_ENABLED });
	p = madt_put(p, &(struct acpi_madt_local_x2apic){ { 9, 16 }, 0, 0, ACPI_MADT_ENABLED, 9 });
	p = madt_put(p, &(struct acpi_madt_local_apic){ { 0, 8 }, 7, 0xFF, ACPI_MADT_ENABLED });
	p = madt_put(p, &(struct acpi_madt_local_x2apic){ { 9, 16 }, 0, 0xFFFFFFFF, 1, 8 });
	uint32_t len = (uint32_t)(sizeof(struct acpi_madt) + (p - buf));
	fw.madt = fw_table("APIC", len, 5);
	memcpy((uint8_t *)host(fw.madt) + sizeof(struct acpi_madt), buf, (size_t)(p - buf));
	fix_sum(fw.madt);
	set_xsdt((uint64_t[]){ fw.fadt, fw.madt }, 2, 36 + 16);
	CHECK(find_fw());
	CHECK_EQ(view.ncpus, 2);
	CHECK_EQ(view.cpus[0].apic_id, 0);
	CHECK_EQ(view.cpus[0].type, ACPI_MADT_LOCAL_APIC);
	CHECK_EQ(view.cpus[1].apic_id, 1);
	CHECK_EQ(view.cpus[1].uid, 0);

	static const uint32_t ids[] = { 0, 1 };
	struct built b;
	if (build_part(ids, 2, false, DEST_BASE, &b)) {
		CHECK_EQ(out.cpus[0].uid, 0);
		CHECK_EQ(out.cpus[1].uid, 1);
	}
}

int main(void)
{
	test_parse();
	test_non_owner();
	test_owner();
	test_short_fadt();
	test_uids();
	test_high_dest();
	test_rsdt_only();
	test_bad_rsdp();
	test_bad_root();
	test_bad_tables();
	test_bad_madt();
	test_duplicates();
	test_build_errors();
	test_uid_exhausted();
	test_madt_quirks();
	return check_done("test_acpi");
}
