#include "mbi.h"

/* A string tag: the text must end inside the tag (spec 3.6.2, 3.6.4). */
static const char *tag_string(const uint8_t *tag, uint32_t size)
{
	uint32_t len = size - (uint32_t)sizeof(struct mb2_tag);
	const char *s = (const char *)(tag + sizeof(struct mb2_tag));
	return mk_strnlen(s, len) < len ? s : NULL;
}

static bool take_mmap(const uint8_t *tag, uint32_t size, struct probe_mbi *out, struct mk_buf *why)
{
	struct mb2_tag_mmap h;
	if (size < sizeof(h)) {
		mk_buf_printf(why, "memory map tag of %u bytes is shorter than its header", size);
		return false;
	}
	mk_memcpy(&h, tag, sizeof(h));
	/* Spec 3.6.8: entry_size is a multiple of 8; entries are at least 24 bytes. */
	if (h.entry_size < sizeof(struct mb2_mmap_entry) || h.entry_size % 8) {
		mk_buf_printf(why, "memory map entry_size %u is not a multiple of 8 >= %zu", h.entry_size,
			      sizeof(struct mb2_mmap_entry));
		return false;
	}
	if ((size - sizeof(h)) % h.entry_size) {
		mk_buf_printf(why, "memory map tag size %u is not its header plus whole %u-byte entries",
			      size, h.entry_size);
		return false;
	}
	out->mmap = tag + sizeof(h);
	out->mmap_entry_size = h.entry_size;
	out->mmap_count = (size - (uint32_t)sizeof(h)) / h.entry_size;
	return true;
}

static bool take_tag(uint32_t type, const uint8_t *tag, uint32_t size, struct probe_mbi *out,
		     struct mk_buf *why)
{
	uint32_t payload = size - (uint32_t)sizeof(struct mb2_tag);
	switch (type) {
	case MB2_TAG_CMDLINE:
	case MB2_TAG_LOADER_NAME: {
		const char *s = tag_string(tag, size);
		if (!s) {
			mk_buf_printf(why, "tag %u: string not terminated inside the tag", type);
			return false;
		}
		*(type == MB2_TAG_CMDLINE ? &out->cmdline : &out->loader_name) = s;
		return true;
	}
	case MB2_TAG_BASIC_MEMINFO:
		if (size < sizeof(struct mb2_tag_basic_meminfo)) {
			mk_buf_printf(why, "basic meminfo tag of %u bytes is too short", size);
			return false;
		}
		out->meminfo = (const struct mb2_tag_basic_meminfo *)tag;
		return true;
	case MB2_TAG_MMAP:
		return take_mmap(tag, size, out, why);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW: {
		uint32_t need = type == MB2_TAG_ACPI_NEW ? ACPI_RSDP_V2_LEN : ACPI_RSDP_V1_LEN;
		if (payload < need) {
			mk_buf_printf(why, "ACPI tag %u holds %u bytes, an RSDP needs %u", type, payload, need);
			return false;
		}
		if (!out->rsdp || type == MB2_TAG_ACPI_NEW) {
			out->rsdp = tag + sizeof(struct mb2_tag);
			out->rsdp_len = payload;
			out->rsdp_tag = type;
		}
		return true;
	}
	case MB2_TAG_LOAD_BASE_ADDR:
		if (size < sizeof(struct mb2_tag_load_base_addr)) {
			mk_buf_printf(why, "load base address tag of %u bytes is too short", size);
			return false;
		}
		out->has_load_base = true;
		mk_memcpy(&out->load_base, tag + sizeof(struct mb2_tag), sizeof(out->load_base));
		return true;
	case MB2_TAG_MODULE: {
		/* Spec 3.6.6: u32 mod_start, u32 mod_end, then a string ending inside the tag. */
		const char *name = (const char *)(tag + sizeof(struct mb2_tag) + 8);
		if (payload < 9 || mk_strnlen(name, payload - 8) >= payload - 8) {
			mk_buf_printf(why, "module tag of %u bytes: no room for its addresses and string", size);
			return false;
		}
		if (!out->nmodules++) {
			mk_memcpy(&out->mod_start, tag + sizeof(struct mb2_tag), 4);
			mk_memcpy(&out->mod_end, tag + sizeof(struct mb2_tag) + 4, 4);
			out->mod_name = name;
		}
		return true;
	}
	case MB2_TAG_MKBOOT:
		if (payload < sizeof(struct mkboot_info)) {
			mk_buf_printf(why, "mkboot tag holds %u bytes, struct mkboot_info needs %zu", payload,
				      sizeof(struct mkboot_info));
			return false;
		}
		out->mkboot = (const struct mkboot_info *)(tag + sizeof(struct mb2_tag));
		out->mkboot_len = payload;
		return true;
	default:
		return true; /* spec 3.6: skip what we do not know */
	}
}

/* Tags the probe relies on must come once: two answers to one question is a loader bug. */
static bool seen_twice(uint32_t type, uint32_t *seen_mask)
{
	static const uint32_t once[] = { MB2_TAG_CMDLINE, MB2_TAG_LOADER_NAME, MB2_TAG_BASIC_MEMINFO,
					 MB2_TAG_MMAP,    MB2_TAG_ACPI_OLD,    MB2_TAG_ACPI_NEW,
					 MB2_TAG_LOAD_BASE_ADDR, MB2_TAG_MKBOOT };
	for (uint32_t i = 0; i < MK_ARRAY_SIZE(once); i++) {
		if (once[i] != type)
			continue;
		if (*seen_mask & (1u << i))
			return true;
		*seen_mask |= 1u << i;
	}
	return false;
}

bool mbi_parse(const uint8_t *p, uint64_t avail, struct probe_mbi *out, struct mk_buf *why)
{
	struct mb2_info_header hdr;
	uint32_t seen = 0;
	mk_memset(out, 0, sizeof(*out));
	if ((uintptr_t)p % MB2_TAG_ALIGN) {
		mk_buf_printf(why, "MBI at %p is not 8-byte aligned", (const void *)p);
		return false;
	}
	if (avail < sizeof(hdr)) {
		mk_buf_puts(why, "MBI shorter than its 8-byte header");
		return false;
	}
	mk_memcpy(&hdr, p, sizeof(hdr));
	out->total_size = hdr.total_size;
	if (hdr.total_size < sizeof(hdr) + sizeof(struct mb2_tag) || hdr.total_size > avail ||
	    hdr.total_size > MBI_MAX_SIZE) {
		mk_buf_printf(why, "MBI total_size %u is outside [16, %llu]", hdr.total_size,
			      (unsigned long long)(avail < MBI_MAX_SIZE ? avail : MBI_MAX_SIZE));
		return false;
	}
	for (uint32_t off = sizeof(hdr);;) {
		struct mb2_tag t;
		if (hdr.total_size - off < sizeof(t)) {
			mk_buf_printf(why, "MBI ends at %u without an end tag", hdr.total_size);
			return false;
		}
		mk_memcpy(&t, p + off, sizeof(t));
		if (t.size < sizeof(t) || t.size > hdr.total_size - off) {
			mk_buf_printf(why, "tag %u at offset %u has size %u, outside [8, %u]", t.type, off,
				      t.size, hdr.total_size - off);
			return false;
		}
		out->ntags++;
		if (t.type == MB2_TAG_END) {
			if (t.size != sizeof(t)) {
				mk_buf_printf(why, "end tag at offset %u has size %u, not 8", off, t.size);
				return false;
			}
			return true;
		}
		if (seen_twice(t.type, &seen)) {
			mk_buf_printf(why, "tag %u appears twice", t.type);
			return false;
		}
		if (!take_tag(t.type, p + off, t.size, out, why))
			return false;
		/* Spec 3.6: every tag starts 8-byte aligned; the padding counts against total_size. */
		uint32_t next = off + ((t.size + MB2_TAG_ALIGN - 1) & ~(MB2_TAG_ALIGN - 1));
		if (next > hdr.total_size || next <= off) {
			mk_buf_printf(why, "tag %u at offset %u: padding runs past total_size %u", t.type, off,
				      hdr.total_size);
			return false;
		}
		off = next;
	}
}

struct mb2_mmap_entry mbi_mmap_entry(const struct probe_mbi *m, uint32_t i)
{
	struct mb2_mmap_entry e;
	mk_memcpy(&e, m->mmap + (uint64_t)i * m->mmap_entry_size, sizeof(e));
	return e;
}

static bool check_lists(const struct mkboot_info *i, struct mk_buf *why)
{
	const struct mkboot_range *ram = mkboot_info_ram(i);
	const uint32_t *cpus = mkboot_info_cpus(i);
	for (uint32_t r = 0; r < i->nram; r++) {
		uint64_t end;
		if (!ram[r].size || !mk_add_u64(ram[r].base, ram[r].size, &end)) {
			mk_buf_printf(why, "mkboot tag: ram[%u] base 0x%llx size 0x%llx is empty or wraps", r,
				      (unsigned long long)ram[r].base, (unsigned long long)ram[r].size);
			return false;
		}
	}
	bool boot_listed = false;
	for (uint32_t c = 0; c < i->ncpus; c++) {
		boot_listed |= cpus[c] == i->boot_apic_id;
		for (uint32_t d = 0; d < c; d++)
			if (cpus[d] == cpus[c]) {
				mk_buf_printf(why, "mkboot tag: APIC ID %u listed twice", cpus[c]);
				return false;
			}
	}
	if (!boot_listed) {
		mk_buf_printf(why, "mkboot tag: boot CPU %u is not among the partition's CPUs",
			      i->boot_apic_id);
		return false;
	}
	if (!(i->flags & MKBOOT_INFO_F_OWNS_BSP) && cpus[0] != i->boot_apic_id) {
		mk_buf_printf(why, "mkboot tag: boot CPU %u is not the first listed (%u) and the partition does not own the BSP",
			      i->boot_apic_id, cpus[0]);
		return false;
	}
	return true;
}

bool mkinfo_check(const struct mkboot_info *i, uint32_t len, uint32_t max_cpus, struct mk_buf *why)
{
	if (i->magic != MKBOOT_INFO_MAGIC || i->version != MKBOOT_INFO_VERSION) {
		mk_buf_printf(why, "mkboot tag: magic 0x%llx version %u, expected 0x%llx version %u",
			      (unsigned long long)i->magic, i->version,
			      (unsigned long long)MKBOOT_INFO_MAGIC, MKBOOT_INFO_VERSION);
		return false;
	}
	/* Counts bounded first, so the byte count below cannot overflow. */
	if (!i->ncpus || i->ncpus > max_cpus || !i->nram || i->nram > 1024) {
		mk_buf_printf(why, "mkboot tag: ncpus %u (1..%u), nram %u (1..1024)", i->ncpus, max_cpus,
			      i->nram);
		return false;
	}
	uint64_t need = mkboot_info_bytes(i->nram, i->ncpus);
	if (i->size < need || i->size > len) {
		mk_buf_printf(why, "mkboot tag: size %u, arrays need %llu, tag holds %u", i->size,
			      (unsigned long long)need, len);
		return false;
	}
	if (!mk_strnlen(i->name, MKBOOT_NAME_MAX) || mk_strnlen(i->name, MKBOOT_NAME_MAX) == MKBOOT_NAME_MAX) {
		mk_buf_puts(why, "mkboot tag: name empty or not NUL-terminated");
		return false;
	}
	if (i->partition_index >= i->partition_count) {
		mk_buf_printf(why, "mkboot tag: partition_index %u, partition_count %u", i->partition_index,
			      i->partition_count);
		return false;
	}
	return check_lists(i, why);
}
