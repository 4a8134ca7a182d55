/*
 * The MADT (ACPI 5.2.12): a 44-byte head, then entries {type u8, length u8,
 * ...}.  Every entry's length is checked against the table end and against
 * the minimum its type needs before a field of it is read.
 */
#include "acpi.h"

static uint32_t madt_min_length(uint8_t type)
{
	switch (type) {
	case ACPI_MADT_LOCAL_APIC:
		return sizeof(struct acpi_madt_local_apic);
	case ACPI_MADT_IO_APIC:
		return sizeof(struct acpi_madt_io_apic);
	case ACPI_MADT_INT_OVERRIDE:
		return sizeof(struct acpi_madt_int_override);
	case ACPI_MADT_NMI_SOURCE:
		return sizeof(struct acpi_madt_nmi_source);
	case ACPI_MADT_LOCAL_APIC_NMI:
		return sizeof(struct acpi_madt_local_apic_nmi);
	case ACPI_MADT_LAPIC_OVERRIDE:
		return sizeof(struct acpi_madt_lapic_override);
	case ACPI_MADT_LOCAL_X2APIC:
		return sizeof(struct acpi_madt_local_x2apic);
	case ACPI_MADT_LOCAL_X2APIC_NMI:
		return sizeof(struct acpi_madt_local_x2apic_nmi);
	default:
		return sizeof(struct acpi_madt_entry);
	}
}

enum acpi_madt_keep acpi_madt_keep(uint8_t type)
{
	switch (type) {
	case ACPI_MADT_LOCAL_APIC:
	case ACPI_MADT_LOCAL_X2APIC:
	case ACPI_MADT_LOCAL_APIC_NMI:
	case ACPI_MADT_LOCAL_X2APIC_NMI:
		return ACPI_KEEP_REBUILT;
	case ACPI_MADT_LAPIC_OVERRIDE:
		return ACPI_KEEP_ALL;
	/* Linux enumerates CPUs from SAPIC entries when any exist, and starts
	 * APs through the wakeup mailbox when one exists: either would reach
	 * CPUs outside the partition (arch/x86/kernel/acpi/boot.c). */
	case ACPI_MADT_LOCAL_SAPIC:
	case ACPI_MADT_MP_WAKEUP:
		return ACPI_KEEP_NONE;
	default:
		return ACPI_KEEP_OWNER;
	}
}

void acpi_madt_iter_init(struct acpi_madt_iter *it, const uint8_t *table, uint32_t length)
{
	it->table = table;
	it->length = length;
	it->offset = sizeof(struct acpi_madt);
}

bool acpi_madt_next(struct acpi_madt_iter *it, const struct acpi_madt_entry **entry, bool *bad,
		    struct mk_diags *d)
{
	*bad = false;
	if (it->offset >= it->length)
		return false;
	uint32_t left = it->length - it->offset;
	if (left < sizeof(struct acpi_madt_entry)) {
		diag_error(d, DIAG_NO_POS,
			   "MADT entry at offset %u: %u byte left, an entry needs 2", it->offset, left);
		*bad = true;
		return false;
	}
	const struct acpi_madt_entry *e = (const void *)(it->table + it->offset);
	if (e->length < sizeof(struct acpi_madt_entry)) {
		diag_error(d, DIAG_NO_POS,
			   "MADT entry at offset %u (type %u): length %u is less than 2", it->offset,
			   e->type, e->length);
		*bad = true;
		return false;
	}
	if (e->length > left) {
		diag_error(d, DIAG_NO_POS,
			   "MADT entry at offset %u (type %u): length %u runs past the table end at %u",
			   it->offset, e->type, e->length, it->length);
		*bad = true;
		return false;
	}
	uint32_t min = madt_min_length(e->type);
	if (e->length < min) {
		diag_error(d, DIAG_NO_POS,
			   "MADT entry at offset %u (type %u): length %u is less than the %u bytes the type needs",
			   it->offset, e->type, e->length, min);
		*bad = true;
		return false;
	}
	*entry = e;
	it->offset += e->length;
	return true;
}

/* First entry per APIC ID wins, as in Linux; IDs marking "no CPU" are ignored. */
static bool add_cpu(struct acpi_view *v, uint8_t type, uint32_t apic_id, uint32_t uid,
		    uint32_t flags, struct mk_diags *d)
{
	bool invalid = type == ACPI_MADT_LOCAL_APIC ? apic_id == ACPI_XAPIC_ID_LIMIT
						    : apic_id == ACPI_UID_ALL_U32;
	if (invalid)
		return true;
	for (uint32_t i = 0; i < v->ncpus; i++)
		if (v->cpus[i].apic_id == apic_id)
			return true;
	if (v->ncpus >= ACPI_MAX_CPUS) {
		diag_error(d, DIAG_NO_POS, "MADT lists more than %u CPUs", ACPI_MAX_CPUS);
		return false;
	}
	v->cpus[v->ncpus++] = (struct acpi_cpu){ apic_id, uid, flags, type };
	return true;
}

static bool add_lapic_nmi(struct acpi_view *v, struct acpi_lapic_nmi nmi, struct mk_diags *d)
{
	if (v->nlapic_nmis >= ACPI_MAX_LAPIC_NMIS) {
		diag_error(d, DIAG_NO_POS, "MADT lists more than %u local APIC NMI entries",
			   ACPI_MAX_LAPIC_NMIS);
		return false;
	}
	v->lapic_nmis[v->nlapic_nmis++] = nmi;
	return true;
}

static bool add_entry(struct acpi_view *v, const struct acpi_madt_entry *e, struct mk_diags *d)
{
	switch (e->type) {
	case ACPI_MADT_LOCAL_APIC: {
		const struct acpi_madt_local_apic *p = (const void *)e;
		return add_cpu(v, e->type, p->apic_id, p->uid, p->flags, d);
	}
	case ACPI_MADT_LOCAL_X2APIC: {
		const struct acpi_madt_local_x2apic *p = (const void *)e;
		return add_cpu(v, e->type, p->x2apic_id, p->uid, p->flags, d);
	}
	case ACPI_MADT_LOCAL_APIC_NMI: {
		const struct acpi_madt_local_apic_nmi *p = (const void *)e;
		return add_lapic_nmi(v, (struct acpi_lapic_nmi){ e->type, p->lint, p->flags, p->uid }, d);
	}
	case ACPI_MADT_LOCAL_X2APIC_NMI: {
		const struct acpi_madt_local_x2apic_nmi *p = (const void *)e;
		return add_lapic_nmi(v, (struct acpi_lapic_nmi){ e->type, p->lint, p->flags, p->uid }, d);
	}
	case ACPI_MADT_IO_APIC: {
		const struct acpi_madt_io_apic *p = (const void *)e;
		if (v->nioapics >= ACPI_MAX_IOAPICS) {
			diag_error(d, DIAG_NO_POS, "MADT lists more than %u IOAPICs",
				   ACPI_MAX_IOAPICS);
			return false;
		}
		v->ioapics[v->nioapics++] = (struct acpi_ioapic){ p->id, p->address, p->gsi_base };
		return true;
	}
	case ACPI_MADT_INT_OVERRIDE: {
		const struct acpi_madt_int_override *p = (const void *)e;
		if (v->noverrides >= ACPI_MAX_OVERRIDES) {
			diag_error(d, DIAG_NO_POS,
				   "MADT lists more than %u interrupt source overrides", ACPI_MAX_OVERRIDES);
			return false;
		}
		v->overrides[v->noverrides++] =
			(struct acpi_override){ p->bus, p->source, p->gsi, p->flags };
		return true;
	}
	case ACPI_MADT_NMI_SOURCE:
		v->nnmi_sources++;
		return true;
	default:
		return true;
	}
}

bool acpi_parse_madt(const uint8_t *t, uint32_t length, struct acpi_view *v, struct mk_diags *d)
{
	if (length < sizeof(struct acpi_madt)) {
		diag_error(d, DIAG_NO_POS, "MADT: length %u is less than 44 bytes", length);
		return false;
	}
	const struct acpi_madt *m = (const void *)t;
	v->lapic_address = m->local_apic_address;
	v->madt_flags = m->flags;

	struct acpi_madt_iter it;
	const struct acpi_madt_entry *e;
	bool bad;
	acpi_madt_iter_init(&it, t, length);
	while (acpi_madt_next(&it, &e, &bad, d)) {
		if (!add_entry(v, e, d))
			return false;
		if (acpi_madt_keep(e->type) == ACPI_KEEP_OWNER)
			v->madt_owner_bytes += e->length;
		else if (acpi_madt_keep(e->type) == ACPI_KEEP_ALL)
			v->madt_shared_bytes += e->length;
	}
	return !bad;
}
