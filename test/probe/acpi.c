#include "acpi.h"

#include "mbi.h"

static uint8_t acpi_sum(const uint8_t *p, uint32_t len)
{
	uint8_t s = 0;
	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* Maps a whole table after checking its header: signature, length bounds, checksum. */
static const uint8_t *map_table(uint64_t phys, const char sig[4], acpi_map_fn map, void *ctx,
				struct mk_buf *why)
{
	struct acpi_sdt_header h;
	const uint8_t *p = map(ctx, phys, sizeof(h));
	if (!p) {
		mk_buf_printf(why, "ACPI: table at 0x%llx is not reachable", (unsigned long long)phys);
		return NULL;
	}
	mk_memcpy(&h, p, sizeof(h));
	if (sig && mk_memcmp(h.signature, sig, 4)) {
		mk_buf_printf(why, "ACPI: table at 0x%llx has signature '%.4s', expected '%.4s'",
			      (unsigned long long)phys, h.signature, sig);
		return NULL;
	}
	if (h.length < sizeof(h) || h.length > ACPI_TABLE_MAX) {
		mk_buf_printf(why, "ACPI: table '%.4s' at 0x%llx has length %u", h.signature,
			      (unsigned long long)phys, h.length);
		return NULL;
	}
	p = map(ctx, phys, h.length);
	if (!p) {
		mk_buf_printf(why, "ACPI: table '%.4s' at 0x%llx (%u bytes) is not reachable", h.signature,
			      (unsigned long long)phys, h.length);
		return NULL;
	}
	if (acpi_sum(p, h.length)) {
		mk_buf_printf(why, "ACPI: table '%.4s' at 0x%llx has a bad checksum", h.signature,
			      (unsigned long long)phys);
		return NULL;
	}
	return p;
}

/* The RSDP's root table: the XSDT for revision >= 2 (ACPI 5.2.5.3), else the RSDT. */
static bool rsdp_root(const uint8_t *p, uint32_t len, uint64_t *root, uint32_t *entry_size,
		      struct mk_buf *why)
{
	struct acpi_rsdp r;
	mk_memset(&r, 0, sizeof(r));
	if (len < ACPI_RSDP_V1_LEN) {
		mk_buf_printf(why, "ACPI: RSDP of %u bytes", len);
		return false;
	}
	mk_memcpy(&r, p, len < sizeof(r) ? len : sizeof(r));
	if (mk_memcmp(r.signature, "RSD PTR ", 8) || acpi_sum(p, ACPI_RSDP_V1_LEN)) {
		mk_buf_puts(why, "ACPI: RSDP signature or checksum is wrong");
		return false;
	}
	if (r.revision >= 2 && r.xsdt) {
		if (len < ACPI_RSDP_V2_LEN || r.length < ACPI_RSDP_V2_LEN || r.length > len ||
		    acpi_sum(p, r.length)) {
			mk_buf_printf(why, "ACPI: RSDP revision %u: length %u or extended checksum is wrong",
				      r.revision, r.length);
			return false;
		}
		*root = r.xsdt;
		*entry_size = 8;
	} else {
		*root = r.rsdt;
		*entry_size = 4;
	}
	return true;
}

static bool add_cpu(struct acpi_cpus *out, uint32_t id, struct mk_buf *why)
{
	for (uint32_t i = 0; i < out->n; i++)
		if (out->apic_ids[i] == id) {
			mk_buf_printf(why, "ACPI: MADT lists APIC ID %u twice", id);
			return false;
		}
	if (out->n >= ACPI_MAX_CPUS) {
		mk_buf_printf(why, "ACPI: MADT lists more than %u enabled CPUs", ACPI_MAX_CPUS);
		return false;
	}
	out->apic_ids[out->n++] = id;
	return true;
}

static bool madt_cpus(const uint8_t *t, struct acpi_cpus *out, struct mk_buf *why)
{
	struct acpi_madt m;
	mk_memcpy(&m.h, t, sizeof(m.h));
	if (m.h.length < sizeof(m)) {
		mk_buf_printf(why, "ACPI: MADT of %u bytes", m.h.length);
		return false;
	}
	for (uint32_t off = sizeof(m); off < m.h.length;) {
		uint8_t type = t[off], len = m.h.length - off >= 2 ? t[off + 1] : 0;
		if (len < 2 || len > m.h.length - off) {
			mk_buf_printf(why, "ACPI: MADT entry at offset %u has length %u", off, len);
			return false;
		}
		if (type == ACPI_MADT_LOCAL_APIC && len >= sizeof(struct acpi_madt_lapic)) {
			struct acpi_madt_lapic e;
			mk_memcpy(&e, t + off, sizeof(e));
			if ((e.flags & ACPI_MADT_ENABLED) && !add_cpu(out, e.apic_id, why))
				return false;
		} else if (type == ACPI_MADT_LOCAL_X2APIC && len >= sizeof(struct acpi_madt_x2apic)) {
			struct acpi_madt_x2apic e;
			mk_memcpy(&e, t + off, sizeof(e));
			if ((e.flags & ACPI_MADT_ENABLED) && !add_cpu(out, e.x2apic_id, why))
				return false;
		}
		off += len;
	}
	return true;
}

bool acpi_find_cpus(const uint8_t *rsdp, uint32_t rsdp_len, acpi_map_fn map, void *ctx,
		    struct acpi_cpus *out, struct mk_buf *why)
{
	uint64_t root_phys;
	uint32_t esz;
	out->n = 0;
	out->madt_phys = 0;
	if (!rsdp_root(rsdp, rsdp_len, &root_phys, &esz, why))
		return false;
	const uint8_t *root = map_table(root_phys, esz == 8 ? "XSDT" : "RSDT", map, ctx, why);
	if (!root)
		return false;
	struct acpi_sdt_header rh;
	mk_memcpy(&rh, root, sizeof(rh));
	uint32_t n = (rh.length - (uint32_t)sizeof(rh)) / esz;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t phys = 0;
		mk_memcpy(&phys, root + sizeof(rh) + (uint64_t)i * esz, esz); /* little-endian */
		const uint8_t *h = map(ctx, phys, sizeof(struct acpi_sdt_header));
		if (!h || mk_memcmp(h, "APIC", 4))
			continue;
		const uint8_t *madt = map_table(phys, "APIC", map, ctx, why);
		if (!madt)
			return false;
		out->madt_phys = phys;
		return madt_cpus(madt, out, why);
	}
	mk_buf_printf(why, "ACPI: no MADT among the %u tables of the %.4s", n, rh.signature);
	return false;
}
