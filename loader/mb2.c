/*
 * Multiboot2 loader: the header, its tags, and the image's placement and copy
 * (where its bytes go at their link addresses is mb2_layout.c).
 * The contract (what is accepted, where things go) is in mb2.h; the boot
 * information is built in mb2_info.c.  Every field of the image is hostile:
 * offsets and sizes are checked against the image length, sums are
 * overflow-checked, and the partition's RAM is written only through phys_ptr.
 */
#include "mb2_internal.h"

/* ---- the partition's RAM ---- */

/* True when [base, base+size) lies inside one of the partition's ranges. */
static bool part_holds(const struct mk_plan_part *p, uint64_t base, uint64_t size)
{
	struct mk_range r[MB2_MAX_PART_RANGES];
	uint32_t n = mb2_part_ranges(p, r);
	for (uint32_t i = 0; i < n; i++)
		if (base >= r[i].base && base - r[i].base <= r[i].size &&
		    size <= r[i].size - (base - r[i].base))
			return true;
	return false;
}

void mb2_put_span(struct mk_buf *b, uint64_t base, uint64_t size)
{
	mk_buf_printf(b, "0x%llx-0x%llx", (ull)base, (ull)(base + size - (size ? 1 : 0)));
}

void mb2_put_part_ram(struct mk_buf *b, const struct mk_plan_part *p)
{
	struct mk_range r[MB2_MAX_PART_RANGES];
	uint32_t n = mb2_part_ranges(p, r);
	if (!n)
		mk_buf_puts(b, "none");
	for (uint32_t i = 0; i < n; i++) {
		mk_buf_puts(b, i ? ", " : "");
		if (p->low.size && i == n - 1)
			mk_buf_puts(b, "low ");
		mb2_put_span(b, r[i].base, r[i].size);
	}
}

/* "<what> wants physical A-B but the partition's RAM is ... (hint ...)" */
static uint32_t err_outside(struct mk_diags *d, const char *what, uint64_t base, uint64_t size,
			    const struct mk_plan_part *p, uint64_t image_start)
{
	char msg[DIAG_MSG_MAX];
	struct mk_buf b;
	mk_buf_init(&b, msg, sizeof(msg));
	mk_buf_printf(&b, "%s wants physical ", what);
	mb2_put_span(&b, base, size);
	mk_buf_puts(&b, " but the partition's RAM is ");
	mb2_put_part_ram(&b, p);
	mk_buf_printf(&b, " (hint: set memory_base = 0x%llx)",
		      (ull)mk_align_down(image_start, MK_PAGE_SIZE));
	diag_error(d, DIAG_NO_POS, "%s", msg);
	return 1;
}

/* ---- the header (spec 3.1.1, 3.1.2) ---- */

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	mk_memcpy(&v, p, sizeof(v));
	return v;
}

struct mb2_search {
	uint64_t found, bad_sum, unaligned; /* offsets; UINT64_MAX: none */
};

static void header_search(const uint8_t *image, uint64_t len, struct mb2_search *s)
{
	uint64_t limit = len < MB2_SEARCH_LIMIT ? len : MB2_SEARCH_LIMIT;
	s->found = s->bad_sum = s->unaligned = UINT64_MAX;
	/* Step 4, not 8, to name a misaligned header instead of missing it. */
	for (uint64_t off = 0; off + sizeof(struct mb2_header) <= limit; off += 4) {
		struct mb2_header h;
		mk_memcpy(&h, image + off, sizeof(h));
		if (h.magic != MB2_HEADER_MAGIC)
			continue;
		if (off % MB2_HEADER_ALIGN) {
			if (s->unaligned == UINT64_MAX)
				s->unaligned = off;
		} else if ((uint32_t)(h.magic + h.architecture + h.header_length + h.checksum) == 0) {
			s->found = off;
			return;
		} else if (s->bad_sum == UINT64_MAX) {
			s->bad_sum = off;
		}
	}
}

bool mb2_detect(const uint8_t *image, uint64_t len)
{
	struct mb2_search s;
	header_search(image, len, &s);
	return s.found != UINT64_MAX;
}

static uint32_t mb2_find_header(const uint8_t *image, uint64_t len, uint64_t *off,
				uint32_t *hlen, struct mk_diags *d)
{
	struct mb2_search s;
	struct mb2_header h;
	header_search(image, len, &s);
	if (s.found == UINT64_MAX) {
		if (s.bad_sum != UINT64_MAX)
			diag_error(d, DIAG_NO_POS, "multiboot2 header at offset 0x%llx has a bad checksum",
				   (ull)s.bad_sum);
		else if (s.unaligned != UINT64_MAX)
			diag_error(d, DIAG_NO_POS, "multiboot2 header at offset 0x%llx is not 8-byte aligned",
				   (ull)s.unaligned);
		else
			diag_error(d, DIAG_NO_POS, "no multiboot2 header (magic 0x%x) in the first 32 KiB",
				   MB2_HEADER_MAGIC);
		return 1;
	}
	mk_memcpy(&h, image + s.found, sizeof(h));
	if (h.architecture != MB2_ARCH_I386) {
		diag_error(d, DIAG_NO_POS, "multiboot2 header: architecture %u is not i386 (%u)",
			   h.architecture, MB2_ARCH_I386);
		return 1;
	}
	if (h.header_length < sizeof(h)) {
		diag_error(d, DIAG_NO_POS,
			   "multiboot2 header at offset 0x%llx: header_length 0x%x is shorter than the header",
			   (ull)s.found, h.header_length);
		return 1;
	}
	if (h.header_length > len - s.found) {
		diag_error(d, DIAG_NO_POS,
			   "multiboot2 header at offset 0x%llx: header_length 0x%x runs past the image end 0x%llx",
			   (ull)s.found, h.header_length, (ull)len);
		return 1;
	}
	if (s.found + h.header_length > MB2_SEARCH_LIMIT) {
		diag_error(d, DIAG_NO_POS,
			   "multiboot2 header at offset 0x%llx: header_length 0x%x runs past the first 32 KiB",
			   (ull)s.found, h.header_length);
		return 1;
	}
	*off = s.found;
	*hlen = h.header_length;
	return 0;
}

/* ---- header tags (spec 3.1.3 .. 3.1.13) ---- */

static const char *const mb2_tag_names[] = {
	"end", "command line", "boot loader name", "module", "basic memory info",
	"BIOS boot device", "memory map", "VBE info", "framebuffer info", "ELF sections",
	"APM table", "EFI32 system table", "EFI64 system table", "SMBIOS tables",
	"ACPI old RSDP", "ACPI new RSDP", "network info", "EFI memory map",
	"EFI boot services not terminated", "EFI32 image handle", "EFI64 image handle",
	"load base address",
};

const char *mb2_tag_name(uint32_t type)
{
	return type < MK_ARRAY_SIZE(mb2_tag_names) ? mb2_tag_names[type] : "unknown";
}

/* Spec 3.1.4: a required request mkboot cannot fulfil must stop the boot. */
static uint32_t check_info_request(const uint8_t *tag, struct mb2_header_tag t,
				   struct mb2_tags *out, struct mk_diags *d)
{
	bool optional = t.flags & MB2_HTAG_FLAG_OPTIONAL;
	uint32_t n = (t.size - (uint32_t)sizeof(t)) / sizeof(uint32_t);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t type = rd32(tag + sizeof(t) + i * sizeof(uint32_t));
		switch (type) {
		case MB2_TAG_END:
		case MB2_TAG_CMDLINE:
		case MB2_TAG_LOADER_NAME:
		case MB2_TAG_MODULE: /* mkboot loads no modules: zero module tags */
		case MB2_TAG_BASIC_MEMINFO:
		case MB2_TAG_MMAP:
		case MB2_TAG_LOAD_BASE_ADDR:
		case MB2_TAG_MKBOOT:
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			if (!optional && !out->acpi_required)
				out->acpi_required = type;
			break;
		default:
			if (optional)
				break;
			diag_error(d, DIAG_NO_POS,
				   "kernel requires multiboot2 information tag %u (%s), which mkboot does not provide",
				   type, mb2_tag_name(type));
			return 1;
		}
	}
	return 0;
}

static uint32_t htag_min_size(uint16_t type)
{
	switch (type) {
	case MB2_HTAG_ADDRESS:
		return sizeof(struct mb2_htag_address);
	case MB2_HTAG_ENTRY:
	case MB2_HTAG_ENTRY_EFI32:
	case MB2_HTAG_ENTRY_EFI64:
		return sizeof(struct mb2_htag_entry);
	case MB2_HTAG_FLAGS:
		return sizeof(struct mb2_htag_flags);
	case MB2_HTAG_FRAMEBUFFER:
		return sizeof(struct mb2_htag_framebuffer);
	case MB2_HTAG_RELOCATABLE:
		return sizeof(struct mb2_htag_relocatable);
	default:
		return sizeof(struct mb2_header_tag);
	}
}

static uint32_t err_duplicate(struct mk_diags *d, struct mb2_header_tag t)
{
	diag_error(d, DIAG_NO_POS, "multiboot2 header has more than one tag of type %u", t.type);
	return 1;
}

static uint32_t handle_tag(const uint8_t *tag, struct mb2_header_tag t, struct mb2_tags *out,
			   struct mk_diags *d)
{
	bool optional = t.flags & MB2_HTAG_FLAG_OPTIONAL;
	switch (t.type) {
	case MB2_HTAG_INFO_REQUEST:
		return check_info_request(tag, t, out, d);
	case MB2_HTAG_ADDRESS:
		if (out->has_address)
			return err_duplicate(d, t);
		mk_memcpy(&out->address, tag, sizeof(out->address));
		out->has_address = true;
		return 0;
	case MB2_HTAG_ENTRY:
		if (out->has_entry)
			return err_duplicate(d, t);
		out->entry = rd32(tag + sizeof(t));
		out->has_entry = true;
		return 0;
	case MB2_HTAG_RELOCATABLE:
		if (out->has_reloc)
			return err_duplicate(d, t);
		mk_memcpy(&out->reloc, tag, sizeof(out->reloc));
		out->has_reloc = true;
		return 0;
	case MB2_HTAG_FLAGS:        /* console flags: the serial console is the kernel's own */
	case MB2_HTAG_MODULE_ALIGN: /* no modules are loaded */
		return 0;
	case MB2_HTAG_FRAMEBUFFER:
		if (optional)
			return 0;
		diag_error(d, DIAG_NO_POS,
			   "kernel requires a framebuffer (header tag %u); mkboot sets up no graphics mode",
			   t.type);
		return 1;
	case MB2_HTAG_EFI_BS:
	case MB2_HTAG_ENTRY_EFI32:
	case MB2_HTAG_ENTRY_EFI64:
		if (optional)
			return 0;
		diag_error(d, DIAG_NO_POS,
			   "kernel needs EFI boot services (header tag %u); mkboot starts kernels after ExitBootServices",
			   t.type);
		return 1;
	default:
		if (optional)
			return 0;
		diag_error(d, DIAG_NO_POS, "unknown multiboot2 header tag type %u (not marked optional)",
			   t.type);
		return 1;
	}
}

/* Walks the tags in [off+16, off+hlen); the header was bounds-checked. */
static uint32_t parse_tags(const uint8_t *image, uint64_t off, uint32_t hlen, struct mb2_tags *out,
			   struct mk_diags *d)
{
	uint64_t pos = off + sizeof(struct mb2_header), end = off + hlen;
	for (;;) {
		struct mb2_header_tag t;
		if (pos > end || end - pos < sizeof(t)) {
			diag_error(d, DIAG_NO_POS, "multiboot2 header tags have no end tag within header_length 0x%x",
				   hlen);
			return 1;
		}
		mk_memcpy(&t, image + pos, sizeof(t));
		if (t.size < sizeof(t)) {
			diag_error(d, DIAG_NO_POS, "multiboot2 header tag at offset 0x%llx: size %u is too small",
				   (ull)pos, t.size);
			return 1;
		}
		if (t.size > end - pos) {
			diag_error(d, DIAG_NO_POS,
				   "multiboot2 header tag at offset 0x%llx: size 0x%x runs past the header end 0x%llx",
				   (ull)pos, t.size, (ull)end);
			return 1;
		}
		if (t.type == MB2_HTAG_END)
			return 0;
		if (t.size < htag_min_size(t.type)) {
			diag_error(d, DIAG_NO_POS,
				   "multiboot2 header tag type %u at offset 0x%llx: size %u, needs at least %u",
				   t.type, (ull)pos, t.size, htag_min_size(t.type));
			return 1;
		}
		if (handle_tag(image + pos, t, out, d))
			return 1;
		pos += mb2_align_tag(t.size);
	}
}

/* ---- placement and copying ---- */

/* Spec 3.1.13: an aligned base in [min_addr, max_addr - size] inside one RAM range. */
static uint32_t choose_base(const struct mk_plan_part *p, const struct mb2_htag_relocatable *r,
			    uint64_t size, uint64_t *base, struct mk_diags *d)
{
	struct mk_range rs[MB2_MAX_PART_RANGES];
	uint64_t align = r->align ? r->align : 1, limit = r->max_addr;
	uint32_t n = mb2_part_ranges(p, rs), main_n = n - (p->low.size ? 1 : 0);
	bool found = false;
	if (!mk_is_pow2(align)) {
		diag_error(d, DIAG_NO_POS, "relocatable tag: align 0x%llx is not a power of two", (ull)align);
		return 1;
	}
	for (uint32_t i = 0; i < n && !(found && i >= main_n); i++) {
		uint64_t lo = rs[i].base > r->min_addr ? rs[i].base : r->min_addr;
		uint64_t hi = mb2_range_end(&rs[i]) < limit ? mb2_range_end(&rs[i]) : limit;
		uint64_t first, last;
		if (hi < size || !mk_align_up(lo, align, &first))
			continue;
		last = mk_align_down(hi - size, align);
		if (first > last)
			continue;
		if (r->preference == MB2_RELOC_PREF_HIGH) {
			if (!found || last > *base)
				*base = last;
		} else if (!found || first < *base) {
			*base = first;
		}
		found = true;
	}
	if (!found) {
		char msg[DIAG_MSG_MAX];
		struct mk_buf b;
		mk_buf_init(&b, msg, sizeof(msg));
		mk_buf_printf(&b, "relocatable kernel of 0x%llx bytes (align 0x%llx) fits nowhere in ",
			      (ull)size, (ull)align);
		mk_buf_printf(&b, "0x%x-0x%x of the partition's RAM ", r->min_addr, r->max_addr);
		mb2_put_part_ram(&b, p);
		diag_error(d, DIAG_NO_POS, "%s", msg);
		return 1;
	}
	return 0;
}

/* Copies filesz bytes to dst and zeroes the rest of memsz (the bss). */
static uint32_t copy_block(const struct mk_phys *pm, uint64_t dst, const uint8_t *src,
			   uint64_t filesz, uint64_t memsz, struct mk_diags *d)
{
	uint8_t *p = phys_ptr(pm, dst, memsz);
	if (!p) {
		diag_error(d, DIAG_NO_POS, "no memory window covers 0x%llx+0x%llx (internal error)",
			   (ull)dst, (ull)memsz);
		return 1;
	}
	mk_memcpy(p, src, filesz);
	mk_memset(p + filesz, 0, memsz - filesz);
	return 0;
}

/* Without a relocatable tag every segment goes exactly where it says. */
static uint32_t check_fixed(const uint8_t *image, const struct mb2_layout *lay,
			    const struct mk_plan_part *p, struct mk_diags *d)
{
	char what[48];
	struct elf_seg s;
	if (lay->format == MB2_FORMAT_RAW) {
		if (!part_holds(p, lay->start, lay->end - lay->start))
			return err_outside(d, "kernel", lay->start, lay->end - lay->start, p, lay->start);
		return 0;
	}
	for (uint32_t i = 0; i < lay->phnum; i++) {
		mb2_elf_read_seg(image, lay, i, &s);
		if (!mb2_elf_is_load(&s) || part_holds(p, s.paddr, s.memsz))
			continue;
		mk_snprintf(what, sizeof(what), "ELF segment %u", i);
		return err_outside(d, what, s.paddr, s.memsz, p, lay->start);
	}
	return 0;
}

static uint32_t copy_image(const uint8_t *image, const struct mb2_layout *lay, uint64_t delta,
			   const struct mk_phys *pm, struct mk_diags *d)
{
	struct elf_seg s;
	if (lay->format == MB2_FORMAT_RAW)
		return copy_block(pm, lay->start + delta, image + lay->file_off, lay->file_size,
				  lay->end - lay->start, d);
	for (uint32_t i = 0; i < lay->phnum; i++) {
		mb2_elf_read_seg(image, lay, i, &s);
		if (mb2_elf_is_load(&s) &&
		    copy_block(pm, s.paddr + delta, image + s.offset, s.filesz, s.memsz, d))
			return 1;
	}
	return 0;
}

/*
 * The header, its tags and where the image's bytes go: image[0, len) holds
 * the headers, file_len is the whole file's length (>= len).
 */
static uint32_t read_image(const uint8_t *image, uint64_t len, uint64_t file_len,
			   struct mb2_tags *tags, struct mb2_layout *lay, struct mk_diags *d)
{
	uint64_t hdr_off;
	uint32_t hlen;
	if (mb2_find_header(image, len, &hdr_off, &hlen, d) ||
	    parse_tags(image, hdr_off, hlen, tags, d))
		return 1;
	return tags->has_address ? mb2_raw_layout(file_len, hdr_off, tags, lay, d)
				 : mb2_elf_layout(image, len, file_len, tags, lay, d);
}

bool mb2_fixed_span(const uint8_t *head, uint64_t len, uint64_t file_len, struct mk_range *span)
{
	struct mb2_tags tags = { 0 };
	struct mb2_layout lay = { 0 };
	uint64_t start, end;
	*span = (struct mk_range){ 0, 0 };
	/* Errors are not reported here: mb2_load finds and reports them with the whole image. */
	if (read_image(head, len < file_len ? len : file_len, file_len, &tags, &lay, NULL) ||
	    tags.has_reloc)
		return false;
	start = mk_align_down(lay.start, MK_PAGE_SIZE);
	if (!mk_align_up(lay.end, MK_PAGE_SIZE, &end) || end <= start)
		return false;
	*span = (struct mk_range){ start, end - start };
	return true;
}

uint32_t mb2_load(const uint8_t *image, uint64_t len, const struct mk_plan_part *part,
		  const struct mk_phys *pm, struct mb2_loaded *out, struct mk_diags *d)
{
	struct mb2_tags tags = { 0 };
	struct mb2_layout lay = { 0 };
	uint64_t base = 0, delta;
	mk_memset(out, 0, sizeof(*out));
	if (read_image(image, len, len, &tags, &lay, d))
		return 1;
	if (lay.entry < lay.start || lay.entry >= lay.end) {
		diag_error(d, DIAG_NO_POS, "entry point 0x%llx lies outside the loaded image 0x%llx-0x%llx",
			   (ull)lay.entry, (ull)lay.start, (ull)(lay.end - 1));
		return 1;
	}
	if (tags.has_reloc) {
		if (choose_base(part, &tags.reloc, lay.end - lay.start, &base, d))
			return 1;
	} else {
		if (check_fixed(image, &lay, part, d))
			return 1;
		base = lay.start;
	}
	/* Unsigned wrap-around makes this a signed move, in either direction. */
	delta = base - lay.start;
	if (copy_image(image, &lay, delta, pm, d))
		return 1;
	out->phys_start = base;
	out->phys_end = lay.end + delta;
	out->entry = lay.entry + delta;
	out->format = lay.format;
	out->relocatable = tags.has_reloc;
	out->acpi_required = tags.acpi_required;
	return 0;
}
