/*
 * Multiboot2 loader: where an image's bytes go at its link addresses, from
 * the address tag (raw images, spec 3.1.5) or the ELF program headers (gABI
 * 4 and 5).  Every offset and size is checked against the image length and
 * overflow-checked before anything is read (mb2.c then places and copies).
 */
#include "mb2_internal.h"

/* Spec 3.1.5: the address tag maps file offsets to physical addresses. */
uint32_t mb2_raw_layout(uint64_t len, uint64_t hdr_off, const struct mb2_tags *t,
			struct mb2_layout *lay, struct mk_diags *d)
{
	const struct mb2_htag_address *a = &t->address;
	uint64_t load = a->load_addr, mem_size;
	if (!t->has_entry) {
		diag_error(d, DIAG_NO_POS, "multiboot2 address tag without an entry address tag");
		return 1;
	}
	if (a->load_addr == MB2_LOAD_ADDR_FILE_START) {
		if (a->header_addr < hdr_off) {
			diag_error(d, DIAG_NO_POS,
				   "address tag: header_addr 0x%x is below the header's file offset 0x%llx",
				   a->header_addr, (ull)hdr_off);
			return 1;
		}
		load = a->header_addr - hdr_off;
	} else if (a->load_addr > a->header_addr) {
		diag_error(d, DIAG_NO_POS, "address tag: load_addr 0x%x is above header_addr 0x%x",
			   a->load_addr, a->header_addr);
		return 1;
	} else if (a->header_addr - a->load_addr > hdr_off) {
		diag_error(d, DIAG_NO_POS,
			   "address tag: load_addr 0x%x starts 0x%x bytes before the header, which is at file offset 0x%llx",
			   a->load_addr, a->header_addr - a->load_addr, (ull)hdr_off);
		return 1;
	}
	lay->file_off = hdr_off - (a->header_addr - load);
	if (a->load_end_addr && a->load_end_addr < load) {
		diag_error(d, DIAG_NO_POS, "address tag: load_end_addr 0x%x is below load_addr 0x%llx",
			   a->load_end_addr, (ull)load);
		return 1;
	}
	lay->file_size = a->load_end_addr ? a->load_end_addr - load : len - lay->file_off;
	if (lay->file_size > len - lay->file_off) {
		diag_error(d, DIAG_NO_POS,
			   "image is truncated: the address tag loads 0x%llx bytes from file offset 0x%llx, the image has 0x%llx",
			   (ull)lay->file_size, (ull)lay->file_off, (ull)len);
		return 1;
	}
	if (a->bss_end_addr && a->bss_end_addr < load + lay->file_size) {
		diag_error(d, DIAG_NO_POS, "address tag: bss_end_addr 0x%x is below the loaded data's end 0x%llx",
			   a->bss_end_addr, (ull)(load + lay->file_size));
		return 1;
	}
	mem_size = a->bss_end_addr ? a->bss_end_addr - load : lay->file_size;
	if (!mem_size) {
		diag_error(d, DIAG_NO_POS, "address tag: the image loads no bytes");
		return 1;
	}
	if (load + mem_size > MB2_ADDR_LIMIT) {
		diag_error(d, DIAG_NO_POS, "address tag: image 0x%llx+0x%llx ends above 4 GiB",
			   (ull)load, (ull)mem_size);
		return 1;
	}
	lay->format = MB2_FORMAT_RAW;
	lay->start = load;
	lay->end = load + mem_size;
	lay->entry = t->entry;
	return 0;
}

void mb2_elf_read_seg(const uint8_t *image, const struct mb2_layout *lay, uint32_t i,
		      struct elf_seg *s)
{
	const uint8_t *p = image + lay->phoff + (uint64_t)i * lay->phentsize;
	if (lay->is64) {
		struct elf64_phdr ph;
		mk_memcpy(&ph, p, sizeof(ph));
		*s = (struct elf_seg){ ph.p_type, ph.p_offset, ph.p_vaddr, ph.p_paddr, ph.p_filesz,
				       ph.p_memsz };
	} else {
		struct elf32_phdr ph;
		mk_memcpy(&ph, p, sizeof(ph));
		*s = (struct elf_seg){ ph.p_type, ph.p_offset, ph.p_vaddr, ph.p_paddr, ph.p_filesz,
				       ph.p_memsz };
	}
}

/* The fields of either ELF header class that a loader needs. */
struct elf_ehdr_common {
	uint16_t type, machine, phentsize, phnum;
	uint64_t entry, phoff;
};

static void elf_read_ehdr(const uint8_t *image, bool is64, struct elf_ehdr_common *e)
{
	if (is64) {
		struct elf64_ehdr eh;
		mk_memcpy(&eh, image, sizeof(eh));
		*e = (struct elf_ehdr_common){ eh.e_type, eh.e_machine, eh.e_phentsize, eh.e_phnum,
					       eh.e_entry, eh.e_phoff };
	} else {
		struct elf32_ehdr eh;
		mk_memcpy(&eh, image, sizeof(eh));
		*e = (struct elf_ehdr_common){ eh.e_type, eh.e_machine, eh.e_phentsize, eh.e_phnum,
					       eh.e_entry, eh.e_phoff };
	}
}

/* gABI 4: identification, then the class-specific header. */
static uint32_t elf_header(const uint8_t *image, uint64_t len, struct mb2_layout *lay,
			   uint64_t *e_entry, struct mk_diags *d)
{
	struct elf_ehdr_common e;
	uint64_t phsize, phend, ehsize;
	if (len < EI_NIDENT || image[EI_MAG0] != ELFMAG0 || image[EI_MAG1] != ELFMAG1 ||
	    image[EI_MAG2] != ELFMAG2 || image[EI_MAG3] != ELFMAG3) {
		diag_error(d, DIAG_NO_POS, "multiboot2 image has no address tag and is not ELF");
		return 1;
	}
	lay->is64 = image[EI_CLASS] == ELFCLASS64;
	if ((image[EI_CLASS] != ELFCLASS32 && !lay->is64) || image[EI_DATA] != ELFDATA2LSB ||
	    image[EI_VERSION] != EV_CURRENT) {
		diag_error(d, DIAG_NO_POS, "ELF header: not a little-endian ELF32/ELF64 version 1 file");
		return 1;
	}
	ehsize = lay->is64 ? sizeof(struct elf64_ehdr) : sizeof(struct elf32_ehdr);
	if (len < ehsize) {
		diag_error(d, DIAG_NO_POS, "image is truncated: the ELF header needs 0x%llx bytes",
			   (ull)ehsize);
		return 1;
	}
	elf_read_ehdr(image, lay->is64, &e);
	if ((e.type != ET_EXEC && e.type != ET_DYN) ||
	    e.machine != (lay->is64 ? EM_X86_64 : EM_386)) {
		diag_error(d, DIAG_NO_POS, "ELF header: type %u machine %u is not an i386/x86-64 executable",
			   e.type, e.machine);
		return 1;
	}
	if (e.phentsize < (lay->is64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr)) ||
	    !e.phnum || e.phnum == PN_XNUM || !mk_mul_u64(e.phnum, e.phentsize, &phsize) ||
	    !mk_add_u64(e.phoff, phsize, &phend) || phend > len) {
		diag_error(d, DIAG_NO_POS,
			   "ELF program headers (offset 0x%llx, %u of %u bytes) do not fit in the image of 0x%llx bytes",
			   (ull)e.phoff, e.phnum, e.phentsize, (ull)len);
		return 1;
	}
	*e_entry = e.entry;
	lay->phoff = e.phoff;
	lay->phentsize = e.phentsize;
	lay->phnum = e.phnum;
	lay->format = lay->is64 ? MB2_FORMAT_ELF64 : MB2_FORMAT_ELF32;
	return 0;
}

static uint32_t elf_check_seg(uint32_t i, const struct elf_seg *s, uint64_t len, struct mk_diags *d)
{
	uint64_t end;
	if (s->filesz > s->memsz) {
		diag_error(d, DIAG_NO_POS, "ELF segment %u: p_filesz 0x%llx exceeds p_memsz 0x%llx", i,
			   (ull)s->filesz, (ull)s->memsz);
		return 1;
	}
	if (!mk_add_u64(s->offset, s->filesz, &end) || end > len) {
		diag_error(d, DIAG_NO_POS,
			   "ELF segment %u: file bytes 0x%llx+0x%llx lie past the image end 0x%llx", i,
			   (ull)s->offset, (ull)s->filesz, (ull)len);
		return 1;
	}
	if (!mk_add_u64(s->paddr, s->memsz, &end) || end > MB2_ADDR_LIMIT) {
		diag_error(d, DIAG_NO_POS, "ELF segment %u: p_paddr 0x%llx + p_memsz 0x%llx ends above 4 GiB",
			   i, (ull)s->paddr, (ull)s->memsz);
		return 1;
	}
	return 0;
}

/* PT_LOAD segments by p_paddr; the span and the physical entry. */
uint32_t mb2_elf_layout(const uint8_t *image, uint64_t len, uint64_t file_len,
			const struct mb2_tags *t, struct mb2_layout *lay, struct mk_diags *d)
{
	uint64_t e_entry;
	bool entry_found = false;
	struct elf_seg s;
	if (elf_header(image, len, lay, &e_entry, d))
		return 1;
	lay->start = UINT64_MAX;
	lay->end = 0;
	for (uint32_t i = 0; i < lay->phnum; i++) {
		mb2_elf_read_seg(image, lay, i, &s);
		if (!mb2_elf_is_load(&s))
			continue;
		if (elf_check_seg(i, &s, file_len, d))
			return 1;
		lay->start = s.paddr < lay->start ? s.paddr : lay->start;
		lay->end = s.paddr + s.memsz > lay->end ? s.paddr + s.memsz : lay->end;
		/* e_entry is virtual; the first segment holding it gives its physical address. */
		if (!entry_found && e_entry >= s.vaddr && e_entry - s.vaddr < s.memsz) {
			lay->entry = s.paddr + (e_entry - s.vaddr);
			entry_found = true;
		}
	}
	if (lay->start == UINT64_MAX) {
		diag_error(d, DIAG_NO_POS, "ELF image has no loadable segment");
		return 1;
	}
	if (t->has_entry) {
		lay->entry = t->entry;
	} else if (!entry_found) {
		diag_error(d, DIAG_NO_POS, "ELF entry point 0x%llx lies in no loadable segment",
			   (ull)e_entry);
		return 1;
	}
	return 0;
}
