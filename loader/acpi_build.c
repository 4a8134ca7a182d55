/*
 * Writing one partition's ACPI tables from a checked view and its plan.
 *
 * Layout at dest (each part 16-byte aligned):
 *   RSDP (rev 2) | XSDT | RSDT | MADT | FADT
 * Every other table (DSDT, FACS, SSDTs, MCFG, SRAT ...) is referenced where
 * the firmware left it and shared read-only.  The writer re-reads the
 * firmware's MADT and FADT and fails if they no longer match what was parsed.
 */
#include "acpi_plan.h"

/* Bounded output: a write past the planned length is a bug, refused, not done. */
struct out {
	uint8_t *p;
	uint32_t len;
	uint32_t cap;
	bool overflow;
};

static void *out_take(struct out *o, uint32_t n)
{
	if (n > o->cap - o->len) {
		o->overflow = true;
		return 0;
	}
	void *r = o->p + o->len;
	o->len += n;
	return r;
}

static void set_checksum(void *table, uint32_t len, uint8_t *field)
{
	*field = 0;
	*field = (uint8_t)(0 - acpi_checksum(table, len));
}

static void put_cpus(const struct acpi_plan *p, struct out *o)
{
	for (uint32_t i = 0; i < p->ncpus; i++) {
		const struct acpi_plan_cpu *c = &p->cpu[i];
		if (c->type == ACPI_MADT_LOCAL_APIC) {
			struct acpi_madt_local_apic *e = out_take(o, sizeof(*e));
			if (!e)
				return;
			*e = (struct acpi_madt_local_apic){ { ACPI_MADT_LOCAL_APIC, sizeof(*e) },
							    (uint8_t)c->uid, (uint8_t)c->apic_id,
							    ACPI_MADT_ENABLED };
		} else {
			struct acpi_madt_local_x2apic *e = out_take(o, sizeof(*e));
			if (!e)
				return;
			*e = (struct acpi_madt_local_x2apic){ { ACPI_MADT_LOCAL_X2APIC, sizeof(*e) }, 0,
							      c->apic_id, ACPI_MADT_ENABLED, c->uid };
		}
	}
}

static void put_nmis(const struct acpi_view *v, const struct acpi_plan *p, struct out *o)
{
	for (uint32_t i = 0; i < v->nlapic_nmis; i++) {
		const struct acpi_lapic_nmi *n = &v->lapic_nmis[i];
		uint8_t type;
		uint32_t uid;
		if (!acpi_plan_nmi(p, n, &type, &uid))
			continue;
		if (type == ACPI_MADT_LOCAL_APIC_NMI) {
			struct acpi_madt_local_apic_nmi *e = out_take(o, sizeof(*e));
			if (!e)
				return;
			*e = (struct acpi_madt_local_apic_nmi){ { type, sizeof(*e) }, (uint8_t)uid,
								n->flags, n->lint };
		} else {
			struct acpi_madt_local_x2apic_nmi *e = out_take(o, sizeof(*e));
			if (!e)
				return;
			*e = (struct acpi_madt_local_x2apic_nmi){ { type, sizeof(*e) }, n->flags, uid,
								  n->lint, { 0, 0, 0 } };
		}
	}
}

/* MADT: the partition's CPUs (all enabled), their NMI wiring, then the
 * firmware entries this partition keeps, verbatim and in firmware order. */
static bool write_madt(const struct acpi_view *v, const struct acpi_plan *p,
		       const struct mk_phys *pm, uint8_t *dst, struct mk_diags *d)
{
	const struct acpi_table *mt = &v->tables[v->madt];
	const uint8_t *src = phys_ptr(pm, mt->phys, mt->length);
	struct out o = { dst, 0, p->madt_len, false };
	struct acpi_madt *m = out_take(&o, sizeof(*m));
	bool bad = true;
	if (src && m && mt->length >= sizeof(*m)) {
		mk_memcpy(m, src, sizeof(*m));
		/* 5.2.12.4: PCAT_COMPAT says dual 8259s are there to mask; only the owner's are. */
		if (!p->owner)
			m->flags &= ~ACPI_MADT_PCAT_COMPAT;
		put_cpus(p, &o);
		put_nmis(v, p, &o);
		struct acpi_madt_iter it;
		const struct acpi_madt_entry *e;
		acpi_madt_iter_init(&it, src, mt->length);
		while (acpi_madt_next(&it, &e, &bad, d)) {
			enum acpi_madt_keep keep = acpi_madt_keep(e->type);
			if (keep == ACPI_KEEP_ALL || (keep == ACPI_KEEP_OWNER && p->owner)) {
				void *to = out_take(&o, e->length);
				if (!to)
					break;
				mk_memcpy(to, e, e->length);
			}
		}
	}
	if (bad || o.overflow || o.len != p->madt_len) {
		diag_error(d, DIAG_NO_POS,
			   "firmware MADT at 0x%lx changed after it was parsed", mt->phys);
		return false;
	}
	m->hdr.length = p->madt_len;
	set_checksum(m, p->madt_len, &m->hdr.checksum);
	return true;
}

/*
 * A FADT for a partition that does not own the platform.  ACPI 5.2.9: with
 * HW_REDUCED_ACPI the OS ignores the fixed hardware blocks; they are cleared
 * too so that a kernel which does not honour the flag finds nothing shared
 * to write.  The PM timer stays: a free-running counter is safe to read from
 * many kernels, and Linux calibrates the TSC against it (acpi_parse_fadt).
 */
static void fadt_make_guest(struct acpi_fadt *f, uint32_t orig_len)
{
	f->flags |= ACPI_FADT_HW_REDUCED;
	f->flags &= ~ACPI_FADT_RESET_REG_SUP; /* reset belongs to the owner */
	f->iapc_boot_arch &= (uint16_t)~(ACPI_BOOT_LEGACY_DEVICES | ACPI_BOOT_8042);
	f->iapc_boot_arch |= ACPI_BOOT_CMOS_RTC_NOT_PRESENT;
	/*
	 * Linux (ACPICA tbfadt.c) zeroes IAPC_BOOT_ARCH of a FADT no longer
	 * than revision 2's 132 bytes and reads the 8042 bit only from
	 * revision 3 on: a shorter FADT was extended to revision 6's size.
	 */
	if (orig_len < ACPI_FADT_V6_SIZE && f->hdr.revision < ACPI_FADT_REVISION_6)
		f->hdr.revision = ACPI_FADT_REVISION_6;
	/* 5.2.9 FIRMWARE_CTRL: hardware-reduced may have no FACS.  Its global
	 * lock and waking vector are machine-wide (5.2.10). */
	f->firmware_ctrl = 0;
	f->x_firmware_ctrl = 0;
	f->sci_int = 0;
	f->smi_cmd = 0;
	f->acpi_enable = 0;
	f->acpi_disable = 0;
	f->s4bios_req = 0;
	f->pstate_cnt = 0;
	f->cst_cnt = 0;
	f->pm1a_evt_blk = f->pm1b_evt_blk = 0;
	f->pm1a_cnt_blk = f->pm1b_cnt_blk = 0;
	f->pm2_cnt_blk = 0;
	f->gpe0_blk = f->gpe1_blk = 0;
	f->pm1_evt_len = f->pm1_cnt_len = f->pm2_cnt_len = 0;
	f->gpe0_blk_len = f->gpe1_blk_len = f->gpe1_base = 0;
	static const struct acpi_gas none;
	f->x_pm1a_evt_blk = f->x_pm1b_evt_blk = none;
	f->x_pm1a_cnt_blk = f->x_pm1b_cnt_blk = none;
	f->x_pm2_cnt_blk = none;
	f->x_gpe0_blk = f->x_gpe1_blk = none;
	f->reset_reg = none;
	f->reset_value = 0;
	/* Without these a hardware-reduced Linux has no S-states, so its
	 * poweroff cannot turn off the whole machine. */
	f->sleep_control_reg = f->sleep_status_reg = none;
	/* Hardware-reduced ACPICA does not expand 32-bit blocks into the X
	 * fields, and Linux looks for the PM timer in X_PM_TMR_BLK. */
	if (!f->x_pm_tmr_blk.address && f->pm_tmr_blk)
		f->x_pm_tmr_blk = (struct acpi_gas){ ACPI_GAS_SYSTEM_IO, (uint8_t)(f->pm_tmr_len * 8),
						     0, 0, f->pm_tmr_blk };
}

static bool write_fadt(const struct acpi_view *v, const struct acpi_plan *p,
		       const struct mk_phys *pm, uint8_t *dst, struct mk_diags *d)
{
	const struct acpi_table *ft = &v->tables[v->fadt];
	const uint8_t *src = phys_ptr(pm, ft->phys, ft->length);
	if (!src || ft->length > p->fadt_len || acpi_checksum(src, ft->length) != 0) {
		diag_error(d, DIAG_NO_POS,
			   "firmware FADT at 0x%lx changed after it was parsed", ft->phys);
		return false;
	}
	/* dst is zeroed: fields past the firmware's Length read as absent. */
	mk_memcpy(dst, src, ft->length);
	struct acpi_fadt *f = (void *)dst;
	if (!p->owner)
		fadt_make_guest(f, ft->length);
	f->hdr.length = p->fadt_len;
	set_checksum(f, p->fadt_len, &f->hdr.checksum);
	return true;
}

/* The address the partition's root tables list for firmware table i. */
static uint64_t kept_address(const struct acpi_view *v, const struct acpi_plan *p, uint32_t i,
			     uint64_t dest)
{
	if ((int32_t)i == v->madt)
		return dest + p->off_madt;
	if ((int32_t)i == v->fadt)
		return dest + p->off_fadt;
	return v->tables[i].phys;
}

/* XSDT always; the RSDT too when every address fits its 32-bit entries, for
 * kernels that read only ACPI 1.0 tables (multiboot2's old-RSDP tag). */
static bool write_roots(const struct acpi_view *v, const struct acpi_plan *p,
			const struct mk_phys *pm, uint8_t *dst, uint64_t dest, bool *rsdt_written,
			struct mk_diags *d)
{
	const struct acpi_sdt_header *fw = phys_ptr(pm, v->root_phys, sizeof(*fw));
	if (!fw) {
		diag_error(d, DIAG_NO_POS,
			   "firmware root table at 0x%lx changed after it was parsed", v->root_phys);
		return false;
	}
	uint32_t xlen = sizeof(*fw) + p->nkept * ACPI_XSDT_ENTRY_SIZE;
	uint32_t rlen = sizeof(*fw) + p->nkept * ACPI_RSDT_ENTRY_SIZE;
	struct acpi_sdt_header *x = (void *)(dst + p->off_xsdt);
	struct acpi_sdt_header *r = (void *)(dst + p->off_rsdt);
	uint8_t *xe = (uint8_t *)(x + 1), *re = (uint8_t *)(r + 1);
	bool fits32 = dest + p->total <= 0x100000000ull;
	for (uint32_t i = 0, n = 0; i < v->ntables; i++) {
		if (!acpi_plan_table_kept(&v->tables[i], p->owner))
			continue;
		uint64_t a = kept_address(v, p, i, dest);
		uint32_t a32 = (uint32_t)a;
		fits32 = fits32 && a <= 0xFFFFFFFFull;
		mk_memcpy(xe + n * ACPI_XSDT_ENTRY_SIZE, &a, ACPI_XSDT_ENTRY_SIZE);
		mk_memcpy(re + n * ACPI_RSDT_ENTRY_SIZE, &a32, ACPI_RSDT_ENTRY_SIZE);
		n++;
	}
	/* The firmware's OEM fields stay: kernels key quirks on them. */
	*x = *fw;
	mk_memcpy(x->signature, ACPI_SIG_XSDT, 4);
	x->revision = ACPI_XSDT_REVISION;
	x->length = xlen;
	set_checksum(x, xlen, &x->checksum);
	if (fits32) {
		*r = *fw;
		mk_memcpy(r->signature, ACPI_SIG_RSDT, 4);
		r->revision = ACPI_XSDT_REVISION;
		r->length = rlen;
		set_checksum(r, rlen, &r->checksum);
	} else {
		mk_memset(r, 0, rlen);
	}
	*rsdt_written = fits32;
	return true;
}

static void write_rsdp(const struct acpi_view *v, const struct acpi_plan *p, uint8_t *dst,
		       uint64_t dest, bool rsdt_written)
{
	struct acpi_rsdp *r = (void *)dst;
	mk_memcpy(r->signature, ACPI_SIG_RSDP, sizeof(r->signature));
	mk_memcpy(r->oem_id, v->oem_id, sizeof(r->oem_id));
	r->revision = ACPI_RSDP_REVISION_2;
	r->rsdt_address = rsdt_written ? (uint32_t)(dest + p->off_rsdt) : 0;
	r->length = ACPI_RSDP_V2_SIZE;
	r->xsdt_address = dest + p->off_xsdt;
	set_checksum(r, ACPI_RSDP_V1_SIZE, &r->checksum);
	set_checksum(r, ACPI_RSDP_V2_SIZE, &r->extended_checksum);
}

/* Writing over a firmware table would change it under every partition. */
static bool check_clear(const struct acpi_view *v, uint64_t dest, uint64_t len,
			struct mk_diags *d)
{
	struct {
		const char *name;
		uint64_t phys, len;
	} fw[ACPI_MAX_TABLES + 4];
	uint32_t n = 0;
	fw[n++] = (typeof(fw[0])){ "RSDP", v->rsdp_phys, v->rsdp_length };
	fw[n++] = (typeof(fw[0])){ v->root_is_xsdt ? "XSDT" : "RSDT", v->root_phys, v->root_length };
	fw[n++] = (typeof(fw[0])){ "DSDT", v->dsdt_phys, v->dsdt_length };
	/* The FACS pointer was never followed: only its 64-byte minimum (5.2.10) is known. */
	uint64_t facs_len = v->facs_phys && v->facs_phys <= UINT64_MAX - 64 ? 64 : 0;
	fw[n++] = (typeof(fw[0])){ "FACS", v->facs_phys, facs_len };
	for (uint32_t i = 0; i < v->ntables; i++)
		fw[n++] = (typeof(fw[0])){ v->tables[i].sig, v->tables[i].phys, v->tables[i].length };
	for (uint32_t i = 0; i < n; i++) {
		if (mk_ranges_overlap(dest, len, fw[i].phys, fw[i].len)) {
			diag_error(d, DIAG_NO_POS,
				   "ACPI destination 0x%lx+0x%lx overlaps the firmware's %s at 0x%lx",
				   dest, len, fw[i].name, fw[i].phys);
			return false;
		}
	}
	return true;
}

bool acpi_build_partition(const struct acpi_view *v, const struct acpi_part_spec *spec,
			  const struct mk_phys *pm, uint64_t dest_phys, uint64_t dest_size,
			  uint64_t *rsdp_out, struct mk_diags *d)
{
	struct acpi_plan p;
	if (!acpi_plan_build(v, spec, &p, d))
		return false;
	if (dest_phys % 16) {
		diag_error(d, DIAG_NO_POS, "ACPI destination 0x%lx is not 16-byte aligned",
			   dest_phys);
		return false;
	}
	if (dest_size < p.total) {
		diag_error(d, DIAG_NO_POS,
			   "ACPI destination holds %lu bytes, the tables need %lu", dest_size, p.total);
		return false;
	}
	uint8_t *dst = phys_ptr(pm, dest_phys, dest_size);
	if (!dst) {
		diag_error(d, DIAG_NO_POS, "ACPI destination 0x%lx+0x%lx is outside memory",
			   dest_phys, dest_size);
		return false;
	}
	if (!check_clear(v, dest_phys, p.total, d))
		return false;
	mk_memset(dst, 0, p.total);
	bool rsdt_written;
	if (!write_madt(v, &p, pm, dst + p.off_madt, d))
		return false;
	if (v->fadt >= 0 && !write_fadt(v, &p, pm, dst + p.off_fadt, d))
		return false;
	if (!write_roots(v, &p, pm, dst, dest_phys, &rsdt_written, d))
		return false;
	write_rsdp(v, &p, dst, dest_phys, rsdt_written);
	*rsdp_out = dest_phys;
	return true;
}
