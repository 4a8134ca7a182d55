/*
 * Reading the firmware's ACPI tables.  Everything here is hostile input: a
 * pointer is followed only through phys_ptr(), a length is checked against
 * the header size, a cap and the memory window before any byte past the
 * header is read, and a count is bounded by the length that carries it.
 */
#include "acpi.h"

#define SDT_HEADER_SIZE ((uint32_t)sizeof(struct acpi_sdt_header))

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;
	while (len--)
		sum = (uint8_t)(sum + *b++);
	return sum;
}

/* Signatures go into messages: keep them printable and terminated. */
static void sig_copy(char out[5], const char *raw)
{
	for (int i = 0; i < 4; i++)
		out[i] = raw[i] >= 0x20 && raw[i] < 0x7F ? raw[i] : '?';
	out[4] = 0;
}

static bool sig_is(const char *raw, const char *sig)
{
	return mk_memcmp(raw, sig, 4) == 0;
}

/* The name users know a table by (the MADT's signature is "APIC"). */
static const char *table_name(const char sig[5])
{
	if (mk_streq(sig, ACPI_SIG_MADT))
		return "MADT";
	if (mk_streq(sig, ACPI_SIG_FADT))
		return "FADT";
	return sig;
}

static void note_skip(struct acpi_view *v, const char *raw_sig, uint64_t phys,
		      enum acpi_skip_reason why)
{
	if (v->nskipped < ACPI_MAX_SKIPPED) {
		struct acpi_skipped *s = &v->skipped[v->nskipped];
		if (raw_sig)
			sig_copy(s->sig, raw_sig);
		else
			mk_strlcpy(s->sig, "----", sizeof(s->sig));
		s->reason = (uint8_t)why;
		s->phys = phys;
	}
	v->nskipped++;
}

/*
 * Maps a whole description table: header readable, 36 <= Length <= cap, the
 * full Length inside one window.  `label` names the table in messages.
 */
static const uint8_t *map_table(const struct mk_phys *pm, uint64_t phys, const char *label,
				uint32_t *len_out, struct mk_diags *d)
{
	const struct acpi_sdt_header *h = phys_ptr(pm, phys, SDT_HEADER_SIZE);
	if (!h) {
		diag_error(d, DIAG_NO_POS, "%s at 0x%lx is outside memory", label, phys);
		return 0;
	}
	uint32_t len = h->length;
	if (len < SDT_HEADER_SIZE) {
		diag_error(d, DIAG_NO_POS,
			   "%s at 0x%lx: length %u is less than the 36-byte header", label, phys, len);
		return 0;
	}
	if (len > ACPI_MAX_TABLE_SIZE) {
		diag_error(d, DIAG_NO_POS, "%s at 0x%lx: length %u is over the 16 MiB limit",
			   label, phys, len);
		return 0;
	}
	const uint8_t *t = phys_ptr(pm, phys, len);
	if (!t) {
		diag_error(d, DIAG_NO_POS, "%s at 0x%lx: length %u runs outside memory",
			   label, phys, len);
		return 0;
	}
	*len_out = len;
	return t;
}

/* ACPI 5.2.5.3: signature, checksum over 20 bytes, then for revision >= 2 the
 * Length and an extended checksum over all of it. */
static bool parse_rsdp(const struct mk_phys *pm, uint64_t phys, struct acpi_view *v,
		       struct mk_diags *d)
{
	const struct acpi_rsdp *r = phys_ptr(pm, phys, ACPI_RSDP_V1_SIZE);
	if (!r) {
		diag_error(d, DIAG_NO_POS, "RSDP at 0x%lx is outside memory", phys);
		return false;
	}
	if (mk_memcmp(r->signature, ACPI_SIG_RSDP, sizeof(r->signature)) != 0) {
		diag_error(d, DIAG_NO_POS, "RSDP at 0x%lx: signature is not \"RSD PTR \"",
			   phys);
		return false;
	}
	if (acpi_checksum(r, ACPI_RSDP_V1_SIZE) != 0) {
		diag_error(d, DIAG_NO_POS, "RSDP at 0x%lx: checksum is wrong", phys);
		return false;
	}
	v->rsdp_phys = phys;
	v->rsdp_revision = r->revision;
	v->rsdp_length = ACPI_RSDP_V1_SIZE;
	mk_memcpy(v->oem_id, r->oem_id, sizeof(v->oem_id));
	v->root_phys = r->rsdt_address;
	v->root_is_xsdt = false;
	/* Revision 1 was never defined; like Linux, read anything below 2 as ACPI 1.0. */
	if (r->revision >= ACPI_RSDP_REVISION_2) {
		r = phys_ptr(pm, phys, ACPI_RSDP_V2_SIZE);
		if (!r) {
			diag_error(d, DIAG_NO_POS, "RSDP at 0x%lx: 36 bytes run outside memory",
				   phys);
			return false;
		}
		uint32_t len = r->length;
		if (len < ACPI_RSDP_V2_SIZE || len > ACPI_MAX_RSDP_SIZE) {
			diag_error(d, DIAG_NO_POS,
				   "RSDP at 0x%lx: length %u is not between 36 and 4096", phys, len);
			return false;
		}
		const uint8_t *all = phys_ptr(pm, phys, len);
		if (!all) {
			diag_error(d, DIAG_NO_POS,
				   "RSDP at 0x%lx: length %u runs outside memory", phys, len);
			return false;
		}
		if (acpi_checksum(all, len) != 0) {
			diag_error(d, DIAG_NO_POS,
				   "RSDP at 0x%lx: extended checksum is wrong", phys);
			return false;
		}
		v->rsdp_length = len;
		/* ACPI 5.2.5.3: an OS uses the XSDT when there is one. */
		if (r->xsdt_address) {
			v->root_phys = r->xsdt_address;
			v->root_is_xsdt = true;
		}
	}
	if (!v->root_phys) {
		diag_error(d, DIAG_NO_POS,
			   "RSDP at 0x%lx gives neither an XSDT nor an RSDT address", phys);
		return false;
	}
	return true;
}

/* One root-table entry: validate the table, or skip it with a note. */
static bool add_table(const struct mk_phys *pm, struct acpi_view *v, uint32_t index, uint64_t phys,
		      struct mk_diags *d)
{
	const char *root = v->root_is_xsdt ? ACPI_SIG_XSDT : ACPI_SIG_RSDT;
	if (!phys) {
		note_skip(v, 0, phys, ACPI_SKIP_NULL);
		return true;
	}
	for (uint32_t i = 0; i < v->ntables; i++) {
		if (v->tables[i].phys == phys) {
			note_skip(v, v->tables[i].sig, phys, ACPI_SKIP_DUPLICATE);
			return true;
		}
	}
	char label[32];
	uint32_t len;
	mk_snprintf(label, sizeof(label), "%s entry %u", root, index);
	const uint8_t *t = map_table(pm, phys, label, &len, d);
	if (!t)
		return false;
	const struct acpi_sdt_header *h = (const void *)t;
	/* A root table listing a root table would be a loop; nothing to follow. */
	if (sig_is(h->signature, ACPI_SIG_XSDT) || sig_is(h->signature, ACPI_SIG_RSDT)) {
		note_skip(v, h->signature, phys, ACPI_SKIP_ROOT);
		return true;
	}
	bool is_madt = sig_is(h->signature, ACPI_SIG_MADT);
	bool is_fadt = sig_is(h->signature, ACPI_SIG_FADT);
	char sig[5];
	sig_copy(sig, h->signature);
	if (acpi_checksum(t, len) != 0) {
		if (is_madt || is_fadt) {
			diag_error(d, DIAG_NO_POS, "%s at 0x%lx: checksum is wrong",
				   table_name(sig), phys);
			return false;
		}
		note_skip(v, h->signature, phys, ACPI_SKIP_CHECKSUM);
		return true;
	}
	/* Linux uses the first MADT/FADT; a second one must not reach a partition. */
	if ((is_madt && v->madt >= 0) || (is_fadt && v->fadt >= 0)) {
		note_skip(v, h->signature, phys, ACPI_SKIP_SECOND);
		return true;
	}
	struct acpi_table *e = &v->tables[v->ntables];
	mk_memcpy(e->sig, sig, sizeof(e->sig));
	e->revision = h->revision;
	e->length = len;
	e->phys = phys;
	if (is_madt)
		v->madt = (int32_t)v->ntables;
	if (is_fadt)
		v->fadt = (int32_t)v->ntables;
	v->ntables++;
	return true;
}

/* ACPI 5.2.7 / 5.2.8: header, then Length - 36 bytes of 4- or 8-byte entries. */
static bool parse_root(const struct mk_phys *pm, struct acpi_view *v, struct mk_diags *d)
{
	const char *name = v->root_is_xsdt ? ACPI_SIG_XSDT : ACPI_SIG_RSDT;
	uint32_t esize = v->root_is_xsdt ? ACPI_XSDT_ENTRY_SIZE : ACPI_RSDT_ENTRY_SIZE;
	uint32_t len;
	const uint8_t *t = map_table(pm, v->root_phys, name, &len, d);
	if (!t)
		return false;
	if (!sig_is((const char *)t, name)) {
		char sig[5];
		sig_copy(sig, (const char *)t);
		diag_error(d, DIAG_NO_POS, "%s at 0x%lx: signature is '%s', expected '%s'",
			   name, v->root_phys, sig, name);
		return false;
	}
	if ((len - SDT_HEADER_SIZE) % esize) {
		diag_error(d, DIAG_NO_POS,
			   "%s at 0x%lx: length %u is not 36 plus a multiple of %u", name, v->root_phys,
			   len, esize);
		return false;
	}
	if (acpi_checksum(t, len) != 0) {
		diag_error(d, DIAG_NO_POS, "%s at 0x%lx: checksum is wrong", name,
			   v->root_phys);
		return false;
	}
	uint32_t count = (len - SDT_HEADER_SIZE) / esize;
	if (count > ACPI_MAX_TABLES) {
		diag_error(d, DIAG_NO_POS, "%s lists %u tables, more than %u", name, count,
			   ACPI_MAX_TABLES);
		return false;
	}
	v->root_length = len;
	for (uint32_t i = 0; i < count; i++) {
		uint64_t addr = 0;
		mk_memcpy(&addr, t + SDT_HEADER_SIZE + i * esize, esize); /* little-endian, unaligned */
		if (!add_table(pm, v, i, addr, d))
			return false;
	}
	return true;
}

/* ACPI 5.2.9: the DSDT and FACS pointers; the 64-bit fields win when set. */
static bool parse_fadt(const struct mk_phys *pm, struct acpi_view *v, struct mk_diags *d)
{
	const struct acpi_table *ft = &v->tables[v->fadt];
	if (ft->length < ACPI_FADT_V1_SIZE) {
		diag_error(d, DIAG_NO_POS,
			   "FADT at 0x%lx: length %u is less than ACPI 1.0's 116 bytes", ft->phys,
			   ft->length);
		return false;
	}
	const struct acpi_fadt *f = phys_ptr(pm, ft->phys, ft->length);
	if (!f) {
		diag_error(d, DIAG_NO_POS, "FADT at 0x%lx moved out of memory", ft->phys);
		return false;
	}
	v->fadt_flags = f->flags;
	v->boot_arch = f->iapc_boot_arch;
	v->facs_phys = f->firmware_ctrl;
	if (ft->length >= __builtin_offsetof(struct acpi_fadt, x_firmware_ctrl) + 8 &&
	    f->x_firmware_ctrl)
		v->facs_phys = f->x_firmware_ctrl;
	v->dsdt_phys = f->dsdt;
	if (ft->length >= __builtin_offsetof(struct acpi_fadt, x_dsdt) + 8 && f->x_dsdt)
		v->dsdt_phys = f->x_dsdt;
	if (!v->dsdt_phys)
		return true;
	uint32_t len;
	const uint8_t *t = map_table(pm, v->dsdt_phys, "DSDT", &len, d);
	if (!t)
		return false;
	if (!sig_is((const char *)t, ACPI_SIG_DSDT)) {
		char sig[5];
		sig_copy(sig, (const char *)t);
		diag_error(d, DIAG_NO_POS, "DSDT at 0x%lx: signature is '%s', expected 'DSDT'",
			   v->dsdt_phys, sig);
		return false;
	}
	v->dsdt_length = len;
	v->dsdt_checksum_ok = acpi_checksum(t, len) == 0;
	return true;
}

bool acpi_find(const struct mk_phys *pm, uint64_t rsdp_phys, struct acpi_view *out,
	       struct mk_diags *d)
{
	mk_memset(out, 0, sizeof(*out));
	out->madt = -1;
	out->fadt = -1;
	if (!parse_rsdp(pm, rsdp_phys, out, d) || !parse_root(pm, out, d))
		return false;
	if (out->madt < 0) {
		diag_error(d, DIAG_NO_POS, "no MADT (\"APIC\" table): the CPUs are unknown");
		return false;
	}
	const struct acpi_table *mt = &out->tables[out->madt];
	const uint8_t *madt = phys_ptr(pm, mt->phys, mt->length);
	if (!madt) {
		diag_error(d, DIAG_NO_POS, "MADT at 0x%lx moved out of memory", mt->phys);
		return false;
	}
	if (!acpi_parse_madt(madt, mt->length, out, d))
		return false;
	return out->fadt < 0 || parse_fadt(pm, out, d);
}

static const char *skip_reason_text(uint8_t why)
{
	switch (why) {
	case ACPI_SKIP_NULL:
		return "null entry";
	case ACPI_SKIP_DUPLICATE:
		return "listed twice";
	case ACPI_SKIP_ROOT:
		return "root table listed in the root table";
	case ACPI_SKIP_CHECKSUM:
		return "bad checksum";
	case ACPI_SKIP_SECOND:
		return "second copy, the first wins";
	default:
		return "?";
	}
}

void acpi_report(const struct acpi_view *v, struct mk_buf *out)
{
	mk_buf_printf(out, "acpi: RSDP 0x%lx rev %u, %s 0x%lx, %u tables\n", v->rsdp_phys,
		      v->rsdp_revision, v->root_is_xsdt ? "XSDT" : "RSDT", v->root_phys, v->ntables);
	for (uint32_t i = 0; i < v->ntables; i++)
		mk_buf_printf(out, "acpi:   %s 0x%lx len %u rev %u\n", v->tables[i].sig,
			      v->tables[i].phys, v->tables[i].length, v->tables[i].revision);
	if (v->dsdt_phys)
		mk_buf_printf(out, "acpi:   DSDT 0x%lx len %u%s\n", v->dsdt_phys, v->dsdt_length,
			      v->dsdt_checksum_ok ? "" : " (bad checksum, kept)");
	for (uint32_t i = 0; i < v->nskipped && i < ACPI_MAX_SKIPPED; i++)
		mk_buf_printf(out, "acpi:   skipped %s 0x%lx: %s\n", v->skipped[i].sig,
			      v->skipped[i].phys, skip_reason_text(v->skipped[i].reason));
	if (v->nskipped > ACPI_MAX_SKIPPED)
		mk_buf_printf(out, "acpi:   ... %u more skipped\n", v->nskipped - ACPI_MAX_SKIPPED);
	mk_buf_printf(out, "acpi: %u CPUs, %u IOAPICs, %u overrides, %u local NMI entries\n",
		      v->ncpus, v->nioapics, v->noverrides, v->nlapic_nmis);
}
