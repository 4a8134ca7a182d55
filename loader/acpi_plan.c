/*
 * Planning one partition's ACPI tables: which CPUs with which UIDs, which
 * NMI entries and tables follow them, and where each new table goes.  The
 * plan depends on the view and the spec alone, so acpi_build_size() and
 * acpi_build_partition() agree on every byte.
 */
#include "acpi_plan.h"

#define ALIGN16(x) (((x) + 15u) & ~(uint64_t)15u)
#define UID_BITMAP_BITS 2048u /* > ACPI_MAX_CPUS in the view + ACPI_MAX_CPUS assigned */

/*
 * Tables describing one machine-wide device a kernel would program, so only
 * the platform owner may see them.  The rest (MCFG, SRAT, SPCR, SSDTs ...)
 * describes shared or per-partition things; docs/acpi.md lists the choices.
 */
static const char *const owner_only_tables[] = {
	"HPET", /* the one HPET: PIT/HPET stay with the owner */
	"DMAR", /* Intel IOMMU: DMA remapping is machine-wide */
	"IVRS", /* AMD IOMMU */
	"WDAT", /* watchdog action table: resets the machine */
	"WDRT", /* watchdog resource table */
	"TPM2", /* one TPM, one command stream */
	"TCPA",
	"HEST", /* APEI error sources: acknowledged by one OS */
	"ERST", /* APEI error record store (firmware NVRAM) */
	"EINJ", /* APEI error injection */
	"SPMI", /* IPMI: one BMC interface */
	"BOOT", /* Simple Boot Flag: Linux writes its CMOS byte */
};

bool acpi_plan_table_kept(const struct acpi_table *t, bool owner)
{
	if (owner)
		return true;
	for (size_t i = 0; i < MK_ARRAY_SIZE(owner_only_tables); i++)
		if (mk_streq(t->sig, owner_only_tables[i]))
			return false;
	return true;
}

static const struct acpi_cpu *view_cpu(const struct acpi_view *v, uint32_t apic_id)
{
	for (uint32_t i = 0; i < v->ncpus; i++)
		if (v->cpus[i].apic_id == apic_id)
			return &v->cpus[i];
	return 0;
}

static void uid_mark(uint8_t *bits, uint32_t uid)
{
	if (uid < UID_BITMAP_BITS)
		bits[uid / 8] |= (uint8_t)(1u << (uid % 8));
}

static bool uid_used(const uint8_t *bits, uint32_t uid)
{
	return uid < UID_BITMAP_BITS && (bits[uid / 8] >> (uid % 8)) & 1;
}

static bool uid_fits(uint8_t type, uint32_t uid)
{
	/* 0xFF (and 0xFFFFFFFF) mean "all processors" in NMI entries (5.2.12.7). */
	return type == ACPI_MADT_LOCAL_APIC ? uid < ACPI_UID_ALL_U8 : uid != ACPI_UID_ALL_U32;
}

/*
 * CPUs in spec order.  A CPU keeps its firmware UID, so the DSDT's processor
 * objects still match it; a CPU the MADT lacks, or whose UID does not fit its
 * new entry type or repeats, gets the lowest UID no firmware entry uses.
 */
static bool plan_cpus(const struct acpi_view *v, const struct acpi_part_spec *spec,
		      struct acpi_plan *p, struct mk_diags *d)
{
	uint8_t used[UID_BITMAP_BITS / 8];
	bool fresh[ACPI_MAX_CPUS];
	mk_memset(used, 0, sizeof(used));
	for (uint32_t i = 0; i < v->ncpus; i++)
		uid_mark(used, v->cpus[i].uid);
	p->ncpus = spec->ncpus;
	for (uint32_t i = 0; i < spec->ncpus; i++) {
		struct acpi_plan_cpu *c = &p->cpu[i];
		c->apic_id = spec->apic_ids[i];
		if (c->apic_id == ACPI_UID_ALL_U32) {
			diag_error(d, DIAG_NO_POS, "APIC ID 0xffffffff cannot be listed: x2APIC "
				   "entries use it for \"no processor\"");
			return false;
		}
		for (uint32_t j = 0; j < i; j++) {
			if (p->cpu[j].apic_id == c->apic_id) {
				diag_error(d, DIAG_NO_POS, "APIC ID %u is listed twice for one partition",
					   c->apic_id);
				return false;
			}
		}
		c->type = c->apic_id < ACPI_XAPIC_ID_LIMIT ? ACPI_MADT_LOCAL_APIC : ACPI_MADT_LOCAL_X2APIC;
		const struct acpi_cpu *vc = view_cpu(v, c->apic_id);
		c->has_orig = vc != 0;
		c->orig_uid = vc ? vc->uid : 0;
		fresh[i] = !vc || !uid_fits(c->type, vc->uid);
		for (uint32_t j = 0; j < i && !fresh[i]; j++)
			fresh[i] = !fresh[j] && p->cpu[j].uid == vc->uid;
		c->uid = fresh[i] ? 0 : vc->uid;
	}
	for (uint32_t i = 0; i < spec->ncpus; i++) {
		struct acpi_plan_cpu *c = &p->cpu[i];
		if (!fresh[i])
			continue;
		uint32_t uid = 0;
		while (uid < UID_BITMAP_BITS && (uid_used(used, uid) || !uid_fits(c->type, uid) ||
						 uid == ACPI_UID_ALL_U8))
			uid++;
		if (uid >= UID_BITMAP_BITS || !uid_fits(c->type, uid)) {
			diag_error(d, DIAG_NO_POS, "no free ACPI processor UID below 255 for APIC ID %u",
				   c->apic_id);
			return false;
		}
		c->uid = uid;
		uid_mark(used, uid);
	}
	return true;
}

/*
 * Where firmware Local APIC NMI entry `n` goes: "all processors" entries
 * stay; an entry naming a UID follows that CPU into the partition (in the
 * entry type matching the CPU's, 5.2.12.13) or is dropped with it.
 */
bool acpi_plan_nmi(const struct acpi_plan *p, const struct acpi_lapic_nmi *n, uint8_t *type,
		       uint32_t *uid)
{
	if ((n->type == ACPI_MADT_LOCAL_APIC_NMI && n->uid == ACPI_UID_ALL_U8) ||
	    (n->type == ACPI_MADT_LOCAL_X2APIC_NMI && n->uid == ACPI_UID_ALL_U32)) {
		*type = n->type;
		*uid = n->uid;
		return true;
	}
	for (uint32_t i = 0; i < p->ncpus; i++) {
		if (p->cpu[i].has_orig && p->cpu[i].orig_uid == n->uid) {
			*type = p->cpu[i].type == ACPI_MADT_LOCAL_APIC ? ACPI_MADT_LOCAL_APIC_NMI
								       : ACPI_MADT_LOCAL_X2APIC_NMI;
			*uid = p->cpu[i].uid;
			return true;
		}
	}
	return false;
}

static uint32_t nmi_entry_size(uint8_t type)
{
	return type == ACPI_MADT_LOCAL_APIC_NMI ? sizeof(struct acpi_madt_local_apic_nmi)
						: sizeof(struct acpi_madt_local_x2apic_nmi);
}

bool acpi_plan_build(const struct acpi_view *v, const struct acpi_part_spec *spec,
		       struct acpi_plan *p, struct mk_diags *d)
{
	mk_memset(p, 0, sizeof(*p));
	p->owner = spec->owns_platform;
	if (!spec->ncpus || !spec->apic_ids) {
		diag_error(d, DIAG_NO_POS, "a partition needs at least one CPU");
		return false;
	}
	if (spec->ncpus > ACPI_MAX_CPUS) {
		diag_error(d, DIAG_NO_POS, "a partition lists %u CPUs, more than %u", spec->ncpus,
			   ACPI_MAX_CPUS);
		return false;
	}
	if (v->madt < 0) {
		diag_error(d, DIAG_NO_POS, "no MADT to build from");
		return false;
	}
	if (v->fadt < 0 && !p->owner) {
		diag_error(d, DIAG_NO_POS, "no FADT: a partition without the platform needs one to be "
			   "marked hardware-reduced");
		return false;
	}
	if (!plan_cpus(v, spec, p, d))
		return false;

	uint64_t madt = sizeof(struct acpi_madt) + v->madt_shared_bytes;
	if (p->owner)
		madt += v->madt_owner_bytes;
	for (uint32_t i = 0; i < p->ncpus; i++)
		madt += p->cpu[i].type == ACPI_MADT_LOCAL_APIC ? sizeof(struct acpi_madt_local_apic)
							       : sizeof(struct acpi_madt_local_x2apic);
	for (uint32_t i = 0; i < v->nlapic_nmis; i++) {
		uint8_t type;
		uint32_t uid;
		if (acpi_plan_nmi(p, &v->lapic_nmis[i], &type, &uid))
			madt += nmi_entry_size(type);
	}
	/* Bounded by the firmware MADT (<= 16 MiB) plus a few KiB of new entries. */
	p->madt_len = (uint32_t)madt;
	if (v->fadt >= 0) {
		p->fadt_len = v->tables[v->fadt].length;
		if (!p->owner && p->fadt_len < ACPI_FADT_V6_SIZE)
			p->fadt_len = ACPI_FADT_V6_SIZE;
	}
	for (uint32_t i = 0; i < v->ntables; i++)
		p->nkept += acpi_plan_table_kept(&v->tables[i], p->owner);

	p->off_xsdt = ALIGN16(ACPI_RSDP_V2_SIZE);
	p->off_rsdt = ALIGN16(p->off_xsdt + sizeof(struct acpi_sdt_header) +
			      (uint64_t)p->nkept * ACPI_XSDT_ENTRY_SIZE);
	p->off_madt = ALIGN16(p->off_rsdt + sizeof(struct acpi_sdt_header) +
			      (uint64_t)p->nkept * ACPI_RSDT_ENTRY_SIZE);
	p->off_fadt = ALIGN16(p->off_madt + p->madt_len);
	p->total = p->fadt_len ? p->off_fadt + p->fadt_len : p->off_madt + p->madt_len;
	return true;
}

uint64_t acpi_build_size(const struct acpi_view *v, const struct acpi_part_spec *spec)
{
	struct acpi_plan p;
	return acpi_plan_build(v, spec, &p, 0) ? p.total : 0;
}
