/*
 * Shared between the multiboot2 loader's files (mb2.c: the header, its tags
 * and loading the image; mb2_layout.c: where a raw or ELF image's bytes go;
 * mb2_info.c: the boot information).  Not a public API.
 */
#ifndef MKBOOT_MB2_INTERNAL_H
#define MKBOOT_MB2_INTERNAL_H

#include "elf.h"
#include "mb2.h"

/* The main RAM ranges and the low slice. */
#define MB2_MAX_PART_RANGES (MK_MAX_RAM_RANGES + 1)

typedef unsigned long long ull; /* for %llx */

/* Main ranges in order, then the low slice; empty ranges left out. */
static inline uint32_t mb2_part_ranges(const struct mk_plan_part *p,
				       struct mk_range out[MB2_MAX_PART_RANGES])
{
	uint32_t n = 0, nram = p->nram < MK_MAX_RAM_RANGES ? p->nram : MK_MAX_RAM_RANGES;
	for (uint32_t i = 0; i < nram; i++)
		if (p->ram[i].size)
			out[n++] = p->ram[i];
	if (p->low.size)
		out[n++] = p->low;
	return n;
}

/* Exclusive end of a range; UINT64_MAX when base + size would wrap. */
static inline uint64_t mb2_range_end(const struct mk_range *r)
{
	uint64_t end;
	return mk_add_u64(r->base, r->size, &end) ? end : UINT64_MAX;
}

/* Spec 3.1.3 and 3.6.1: header tags and MBI tags start 8-byte aligned. */
static inline uint64_t mb2_align_tag(uint64_t v)
{
	return (v + MB2_TAG_ALIGN - 1) & ~(uint64_t)(MB2_TAG_ALIGN - 1);
}

/* What the header tags asked for (spec 3.1.3 .. 3.1.13). */
struct mb2_tags {
	bool has_address, has_entry, has_reloc;
	struct mb2_htag_address address;
	uint32_t entry;
	struct mb2_htag_relocatable reloc;
	uint32_t acpi_required;
};

/* Where the image goes at its link addresses: mb2_raw_layout or mb2_elf_layout. */
struct mb2_layout {
	uint32_t format;
	uint64_t start, end; /* link-time physical span, bss included */
	uint64_t entry;      /* link-time physical entry */
	/* raw images: one block */
	uint64_t file_off, file_size;
	/* ELF images */
	bool is64;
	uint64_t phoff;
	uint32_t phentsize, phnum;
};

/* One program header, widened to 64 bits. */
struct elf_seg {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static inline bool mb2_elf_is_load(const struct elf_seg *s)
{
	return s->type == PT_LOAD && s->memsz;
}

/* Spec 3.1.5: the address tag's mapping of file offsets to physical addresses. */
uint32_t mb2_raw_layout(uint64_t len, uint64_t hdr_off, const struct mb2_tags *t,
			struct mb2_layout *lay, struct mk_diags *d);
/*
 * An ELF32/ELF64 image: PT_LOAD segments by p_paddr, the span and the
 * physical entry.  The ELF and program headers must lie in image[0, len);
 * segments' file bytes are checked against file_len (>= len: the caller may
 * hold only the file's head).
 */
uint32_t mb2_elf_layout(const uint8_t *image, uint64_t len, uint64_t file_len,
			const struct mb2_tags *t, struct mb2_layout *lay, struct mk_diags *d);
/* Program header i of a checked layout. */
void mb2_elf_read_seg(const uint8_t *image, const struct mb2_layout *lay, uint32_t i,
		      struct elf_seg *s);

/* "0xA-0xB", inclusive end, for diagnostics. */
void mb2_put_span(struct mk_buf *b, uint64_t base, uint64_t size);
/* The partition's RAM as a list of spans, the low slice marked "low"; "none" when empty. */
void mb2_put_part_ram(struct mk_buf *b, const struct mk_plan_part *p);
/* The spec's name of an MBI tag type, "unknown" past the known ones. */
const char *mb2_tag_name(uint32_t type);

#endif
