/*
 * mb2_load and mb2_build_info against synthetic images and a fake partition:
 * main RAM at 0x1000000 (16 MiB) and a low slice at 0x8F000 (64 KiB), both
 * backed by malloc'd buffers through physmem windows.
 */
#include <stdlib.h>

#include "check.h"
#include "elf.h"
#include "mb2.h"
#include "mkboot_info.h"

#define RAM_BASE 0x1000000ull
#define RAM_SIZE (16ull << 20)
#define LOW_BASE 0x8F000ull
#define LOW_SIZE 0x10000ull
#define FILL 0xAA
#define IMG_MAX 0x10000

static uint8_t *ram, *low;
static struct mk_phys pm;
static struct mk_plan_part part;
static struct mk_diags diags;
static uint8_t img[IMG_MAX];
/* Main RAM under the low slice, for the tests that put it there. */
#define BELOW_LOW_BASE 0x60000ull
static uint8_t below_low[0x20000];

static void reset(void)
{
	memset(ram, FILL, RAM_SIZE);
	memset(low, FILL, LOW_SIZE);
	memset(img, 0, sizeof(img));
	memset(&part, 0, sizeof(part));
	part.ram[0] = (struct mk_range){ RAM_BASE, RAM_SIZE };
	part.nram = 1;
	part.low = (struct mk_range){ LOW_BASE, LOW_SIZE };
	diag_init(&diags, "kernel.elf");
}

static uint8_t *at(uint64_t phys)
{
	return phys_ptr(&pm, phys, 1);
}

static void w16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof(v)); }
static void w32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof(v)); }
static uint32_t r32(const uint8_t *p) { uint32_t v; memcpy(&v, p, sizeof(v)); return v; }
static uint64_t r64(const uint8_t *p) { uint64_t v; memcpy(&v, p, sizeof(v)); return v; }

static bool all_bytes(const uint8_t *p, uint64_t n, uint8_t v)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* ---- building multiboot2 headers ---- */

struct hb {
	uint64_t hdr, pos;
};

static struct hb hb_start(uint64_t off)
{
	return (struct hb){ off, off + sizeof(struct mb2_header) };
}

static void hb_tag(struct hb *h, uint16_t type, uint16_t flags, const uint32_t *words, uint32_t n)
{
	uint32_t size = 8 + 4 * n;
	w16(img + h->pos, type);
	w16(img + h->pos + 2, flags);
	w32(img + h->pos + 4, size);
	for (uint32_t i = 0; i < n; i++)
		w32(img + h->pos + 8 + 4 * i, words[i]);
	h->pos += (size + 7) & ~7u;
}

static void hb_address(struct hb *h, uint32_t hdr_addr, uint32_t load, uint32_t load_end, uint32_t bss_end)
{
	uint32_t w[] = { hdr_addr, load, load_end, bss_end };
	hb_tag(h, MB2_HTAG_ADDRESS, 0, w, 4);
}

static void hb_entry(struct hb *h, uint32_t entry)
{
	hb_tag(h, MB2_HTAG_ENTRY, 0, &entry, 1);
}

static void hb_reloc(struct hb *h, uint32_t min, uint32_t max, uint32_t align, uint32_t pref)
{
	uint32_t w[] = { min, max, align, pref };
	hb_tag(h, MB2_HTAG_RELOCATABLE, 0, w, 4);
}

static void hb_finish_arch(struct hb *h, uint32_t arch)
{
	uint32_t len;
	hb_tag(h, MB2_HTAG_END, 0, NULL, 0);
	len = (uint32_t)(h->pos - h->hdr);
	w32(img + h->hdr, MB2_HEADER_MAGIC);
	w32(img + h->hdr + 4, arch);
	w32(img + h->hdr + 8, len);
	w32(img + h->hdr + 12, 0u - (MB2_HEADER_MAGIC + arch + len));
}

static void hb_finish(struct hb *h)
{
	hb_finish_arch(h, MB2_ARCH_I386);
}

static void pattern(uint64_t off, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		img[off + i] = (uint8_t)(i * 7 + 3);
}

/*
 * The raw image most tests start from: header at file offset 0 and physical
 * 0x1100000, 0x1000 file bytes, bss to 0x1102000, entry at +0x100.
 */
#define RAW_BASE 0x1100000u
static uint64_t raw_image(void)
{
	struct hb h = hb_start(0);
	hb_address(&h, RAW_BASE, RAW_BASE, RAW_BASE + 0x1000, RAW_BASE + 0x2000);
	hb_entry(&h, RAW_BASE + 0x100);
	hb_finish(&h);
	pattern(0x100, 0xF00);
	return 0x1000;
}

/* ---- building ELF images ---- */

struct seg {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static void elf64_image(uint64_t entry, const struct seg *s, uint16_t n)
{
	struct elf64_ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
				 .e_entry = entry, .e_phoff = sizeof(eh), .e_ehsize = sizeof(eh),
				 .e_phentsize = sizeof(struct elf64_phdr), .e_phnum = n };
	memcpy(eh.e_ident, "\x7f" "ELF", 4);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	memcpy(img, &eh, sizeof(eh));
	for (uint16_t i = 0; i < n; i++) {
		struct elf64_phdr ph = { .p_type = s[i].type, .p_offset = s[i].offset,
					 .p_vaddr = s[i].vaddr, .p_paddr = s[i].paddr,
					 .p_filesz = s[i].filesz, .p_memsz = s[i].memsz };
		memcpy(img + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
	}
}

static void elf32_image(uint32_t entry, const struct seg *s, uint16_t n)
{
	struct elf32_ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_386, .e_version = EV_CURRENT,
				 .e_entry = entry, .e_phoff = sizeof(eh), .e_ehsize = sizeof(eh),
				 .e_phentsize = sizeof(struct elf32_phdr), .e_phnum = n };
	memcpy(eh.e_ident, "\x7f" "ELF", 4);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	memcpy(img, &eh, sizeof(eh));
	for (uint16_t i = 0; i < n; i++) {
		struct elf32_phdr ph = { .p_type = s[i].type, .p_offset = (uint32_t)s[i].offset,
					 .p_vaddr = (uint32_t)s[i].vaddr, .p_paddr = (uint32_t)s[i].paddr,
					 .p_filesz = (uint32_t)s[i].filesz, .p_memsz = (uint32_t)s[i].memsz };
		memcpy(img + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
	}
}

/* An ELF multiboot2 header with only an end tag (plus what `extra` adds). */
static void elf_mb2_header(void (*extra)(struct hb *))
{
	struct hb h = hb_start(0x200);
	if (extra)
		extra(&h);
	hb_finish(&h);
}

/* ---- running the loader ---- */

static uint32_t load(uint64_t len, struct mb2_loaded *out)
{
	diag_init(&diags, "kernel.elf");
	return mb2_load(img, len, &part, &pm, out, &diags);
}

#define CHECK_LOAD_ERROR(len_, expected_)                                        \
	do {                                                                     \
		struct mb2_loaded out_;                                          \
		CHECK_EQ(load((len_), &out_), 1);                                \
		CHECK_EQ(diags.count, 1);                                        \
		CHECK_STR(diags.count ? diags.items[0].msg : "", (expected_));   \
	} while (0)

static void test_raw(void)
{
	struct mb2_loaded out;
	reset();
	uint64_t len = raw_image();
	CHECK_EQ(load(len, &out), 0);
	CHECK_EQ(diags.count, 0);
	CHECK_EQ(out.phys_start, RAW_BASE);
	CHECK_EQ(out.phys_end, RAW_BASE + 0x2000);
	CHECK_EQ(out.entry, RAW_BASE + 0x100);
	CHECK_EQ(out.format, MB2_FORMAT_RAW);
	CHECK(!out.relocatable);
	CHECK(memcmp(at(RAW_BASE), img, 0x1000) == 0);
	CHECK(all_bytes(at(RAW_BASE + 0x1000), 0x1000, 0));
	CHECK(all_bytes(at(RAW_BASE + 0x2000), 0x100, FILL));
	CHECK(all_bytes(at(RAW_BASE - 0x100), 0x100, FILL));
	CHECK(mb2_detect(img, len));
}

/* Header at file offset 0x40; load_addr 0x20 earlier; load_end 0: the rest of the file. */
static void test_raw_offsets(void)
{
	struct mb2_loaded out;
	reset();
	struct hb h = hb_start(0x40);
	hb_address(&h, 0x1200040, 0x1200020, 0, 0);
	hb_entry(&h, 0x1200020);
	hb_finish(&h);
	pattern(0x100, 0x100);
	CHECK_EQ(load(0x200, &out), 0);
	CHECK_EQ(out.phys_start, 0x1200020);
	CHECK_EQ(out.phys_end, 0x1200020 + 0x1E0);
	CHECK(memcmp(at(0x1200020), img + 0x20, 0x1E0) == 0);
	CHECK(all_bytes(at(0x1200000), 0x20, FILL));

	/* load_addr -1: the file from its first byte; the header lands at header_addr. */
	reset();
	h = hb_start(0x40);
	hb_address(&h, 0x1200040, MB2_LOAD_ADDR_FILE_START, 0x1200100, 0x1200200);
	hb_entry(&h, 0x1200000);
	hb_finish(&h);
	pattern(0x80, 0x80);
	CHECK_EQ(load(0x100, &out), 0);
	CHECK_EQ(out.phys_start, 0x1200000);
	CHECK_EQ(out.phys_end, 0x1200200);
	CHECK(memcmp(at(0x1200000), img, 0x100) == 0);
	CHECK(all_bytes(at(0x1200100), 0x100, 0));

	/* The low slice is partition RAM too. */
	reset();
	h = hb_start(0);
	hb_address(&h, 0x90000, 0x90000, 0x90100, 0x90200);
	hb_entry(&h, 0x90000);
	hb_finish(&h);
	CHECK_EQ(load(0x100, &out), 0);
	CHECK(memcmp(at(0x90000), img, 0x100) == 0);
	CHECK(all_bytes(at(0x90100), 0x100, 0));
}

/* ELF64 with a high-half vaddr: entry translated, bss zeroed, non-LOAD skipped. */
static void test_elf64(void)
{
	struct mb2_loaded out;
	const uint64_t high = 0xFFFFFFFF80000000ull;
	struct seg s[] = {
		{ PT_LOAD, 0x1000, high + 0x1400000, 0x1400000, 0x2000, 0x2000 },
		{ 4 /* PT_NOTE */, 0x1000, 0, 0x100000, 0x10, 0x10 },
		{ PT_LOAD, 0x3000, high + 0x1410000, 0x1410000, 0x800, 0x3000 },
		{ PT_LOAD, 0, 0, 0x100000, 0, 0 }, /* empty: nothing to load */
	};
	reset();
	elf64_image(high + 0x1400010, s, 4);
	elf_mb2_header(NULL);
	pattern(0x1000, 0x2800);
	CHECK_EQ(load(0x3800, &out), 0);
	CHECK_EQ(diags.count, 0);
	CHECK_EQ(out.format, MB2_FORMAT_ELF64);
	CHECK_EQ(out.phys_start, 0x1400000);
	CHECK_EQ(out.phys_end, 0x1413000);
	CHECK_EQ(out.entry, 0x1400010);
	CHECK(memcmp(at(0x1400000), img + 0x1000, 0x2000) == 0);
	CHECK(memcmp(at(0x1410000), img + 0x3000, 0x800) == 0);
	CHECK(all_bytes(at(0x1410800), 0x2800, 0));
	CHECK(all_bytes(at(0x1402000), 0xE000, FILL));
	CHECK(all_bytes(at(0x1413000), 0x10, FILL));
}

static void add_entry_tag(struct hb *h)
{
	hb_entry(h, 0x1500040);
}

/* ELF32 with a segment in the low slice; an entry address tag overrides e_entry. */
static void test_elf32(void)
{
	struct mb2_loaded out;
	struct seg s[] = {
		{ PT_LOAD, 0x400, 0x1500000, 0x1500000, 0x400, 0x1000 },
		{ PT_LOAD, 0x800, 0x90000, 0x90000, 0x100, 0x100 },
	};
	reset();
	elf32_image(0x1500020, s, 2);
	elf_mb2_header(NULL);
	pattern(0x400, 0x500);
	CHECK_EQ(load(0x900, &out), 0);
	CHECK_EQ(out.format, MB2_FORMAT_ELF32);
	CHECK_EQ(out.phys_start, 0x90000);
	CHECK_EQ(out.phys_end, 0x1501000);
	CHECK_EQ(out.entry, 0x1500020);
	CHECK(memcmp(at(0x1500000), img + 0x400, 0x400) == 0);
	CHECK(all_bytes(at(0x1500400), 0xC00, 0));
	CHECK(memcmp(at(0x90000), img + 0x800, 0x100) == 0);

	reset();
	elf32_image(0x1500020, s, 2);
	elf_mb2_header(add_entry_tag);
	CHECK_EQ(load(0x900, &out), 0);
	CHECK_EQ(out.entry, 0x1500040);
}

/* A raw image linked at 1 MiB, relocatable: moved into the partition. */
static uint64_t reloc_image(uint32_t min, uint32_t max, uint32_t align, uint32_t pref, uint32_t bss)
{
	struct hb h = hb_start(0);
	hb_address(&h, 0x100000, 0x100000, 0x100000 + 0x800, 0x100000 + bss);
	hb_entry(&h, 0x100010);
	hb_reloc(&h, min, max, align, pref);
	hb_finish(&h);
	pattern(0x100, 0x700);
	return 0x800;
}

static void test_relocatable(void)
{
	struct mb2_loaded out;
	uint64_t len;

	/* Lowest: the main range's start, not the lower low slice. */
	reset();
	len = reloc_image(0, 0xFFFFFFFF, 0x200000, MB2_RELOC_PREF_LOW, 0x1000);
	CHECK_EQ(load(len, &out), 0);
	CHECK(out.relocatable);
	CHECK_EQ(out.phys_start, RAM_BASE);
	CHECK_EQ(out.phys_end, RAM_BASE + 0x1000);
	CHECK_EQ(out.entry, RAM_BASE + 0x10);
	CHECK(memcmp(at(RAM_BASE), img, 0x800) == 0);
	CHECK(all_bytes(at(RAM_BASE + 0x800), 0x800, 0));

	/* Highest aligned base whose image still ends inside the range. */
	reset();
	len = reloc_image(0, 0xFFFFFFFF, 0x200000, MB2_RELOC_PREF_HIGH, 0x1000);
	CHECK_EQ(load(len, &out), 0);
	CHECK_EQ(out.phys_start, RAM_BASE + RAM_SIZE - 0x200000);
	CHECK_EQ(out.entry, RAM_BASE + RAM_SIZE - 0x200000 + 0x10);
	CHECK(memcmp(at(out.phys_start), img, 0x800) == 0);

	/* min_addr inside the range, rounded up to align. */
	reset();
	len = reloc_image(0x1234567, 0xFFFFFFFF, 0x1000, MB2_RELOC_PREF_NONE, 0x1000);
	CHECK_EQ(load(len, &out), 0);
	CHECK_EQ(out.phys_start, 0x1235000);

	/* Only the low slice lies below max_addr. */
	reset();
	len = reloc_image(0, 0x100000, 0x1000, MB2_RELOC_PREF_LOW, 0x1000);
	CHECK_EQ(load(len, &out), 0);
	CHECK_EQ(out.phys_start, LOW_BASE);
	CHECK(memcmp(at(LOW_BASE), img, 0x800) == 0);

	/* "Highest" still prefers a main range to the low slice above it. */
	reset();
	part.ram[0] = (struct mk_range){ BELOW_LOW_BASE, sizeof(below_low) };
	len = reloc_image(0, 0xFFFFFFFF, 0x1000, MB2_RELOC_PREF_HIGH, 0x1000);
	CHECK_EQ(load(len, &out), 0);
	CHECK_EQ(out.phys_start, 0x7F000);
	CHECK(memcmp(at(0x7F000), img, 0x800) == 0);

	/* A relocatable ELF moves all its segments by one offset. */
	struct seg s[] = {
		{ PT_LOAD, 0x1000, 0x200000, 0x200000, 0x100, 0x1000 },
		{ PT_LOAD, 0x1100, 0x201000, 0x201000, 0x100, 0x100 },
	};
	reset();
	elf64_image(0x200080, s, 2);
	struct hb h = hb_start(0x200);
	hb_reloc(&h, 0x1800000, 0x2000000, 0x100000, MB2_RELOC_PREF_LOW);
	hb_finish(&h);
	pattern(0x1000, 0x200);
	CHECK_EQ(load(0x1200, &out), 0);
	CHECK_EQ(out.phys_start, 0x1800000);
	CHECK_EQ(out.phys_end, 0x1801100);
	CHECK_EQ(out.entry, 0x1800080);
	CHECK(memcmp(at(0x1800000), img + 0x1000, 0x100) == 0);
	CHECK(all_bytes(at(0x1800100), 0xF00, 0));
	CHECK(memcmp(at(0x1801000), img + 0x1100, 0x100) == 0);
}

static void add_efi_bs(struct hb *h) { hb_tag(h, MB2_HTAG_EFI_BS, 0, NULL, 0); }
static void add_efi_bs_opt(struct hb *h) { hb_tag(h, MB2_HTAG_EFI_BS, MB2_HTAG_FLAG_OPTIONAL, NULL, 0); }
static void add_efi64_entry(struct hb *h) { uint32_t e = 0x1400000; hb_tag(h, MB2_HTAG_ENTRY_EFI64, 0, &e, 1); }
static void add_fb(struct hb *h) { uint32_t w[] = { 1024, 768, 32 }; hb_tag(h, MB2_HTAG_FRAMEBUFFER, 0, w, 3); }
static void add_fb_opt(struct hb *h) { uint32_t w[] = { 0, 0, 0 }; hb_tag(h, MB2_HTAG_FRAMEBUFFER, MB2_HTAG_FLAG_OPTIONAL, w, 3); }
static void add_unknown(struct hb *h) { hb_tag(h, 42, 0, NULL, 0); }
static void add_unknown_opt(struct hb *h) { hb_tag(h, 42, MB2_HTAG_FLAG_OPTIONAL, NULL, 0); }
static void add_flags_align(struct hb *h)
{
	uint32_t console = 3;
	hb_tag(h, MB2_HTAG_FLAGS, 0, &console, 1);
	hb_tag(h, MB2_HTAG_MODULE_ALIGN, 0, NULL, 0);
}
static void add_request_ok(struct hb *h)
{
	uint32_t w[] = { MB2_TAG_CMDLINE, MB2_TAG_LOADER_NAME, MB2_TAG_BASIC_MEMINFO, MB2_TAG_MMAP,
			 MB2_TAG_LOAD_BASE_ADDR, MB2_TAG_MKBOOT, MB2_TAG_MODULE, MB2_TAG_END };
	hb_tag(h, MB2_HTAG_INFO_REQUEST, 0, w, 8);
}
static void add_request_fb(struct hb *h)
{
	uint32_t w[] = { MB2_TAG_MMAP, MB2_TAG_FRAMEBUFFER };
	hb_tag(h, MB2_HTAG_INFO_REQUEST, 0, w, 2);
}
static void add_request_fb_opt(struct hb *h)
{
	uint32_t w[] = { MB2_TAG_FRAMEBUFFER, MB2_TAG_EFI64, MB2_TAG_EFI_MMAP, MB2_TAG_ACPI_NEW };
	hb_tag(h, MB2_HTAG_INFO_REQUEST, MB2_HTAG_FLAG_OPTIONAL, w, 4);
}
static void add_request_acpi(struct hb *h)
{
	uint32_t w[] = { MB2_TAG_ACPI_OLD };
	hb_tag(h, MB2_HTAG_INFO_REQUEST, 0, w, 1);
}

static const struct seg elf_ok[] = { { PT_LOAD, 0x1000, 0x1400000, 0x1400000, 0x100, 0x100 } };

static uint32_t load_elf_with(void (*extra)(struct hb *), struct mb2_loaded *out)
{
	reset();
	elf64_image(0x1400000, elf_ok, 1);
	elf_mb2_header(extra);
	return load(0x1100, out);
}

static void test_header_tags(void)
{
	struct mb2_loaded out;
	CHECK_EQ(load_elf_with(add_flags_align, &out), 0);
	CHECK_EQ(load_elf_with(add_request_ok, &out), 0);
	CHECK_EQ(out.acpi_required, 0);
	CHECK_EQ(load_elf_with(add_request_fb_opt, &out), 0);
	CHECK_EQ(out.acpi_required, 0);
	CHECK_EQ(load_elf_with(add_request_acpi, &out), 0);
	CHECK_EQ(out.acpi_required, MB2_TAG_ACPI_OLD);
	CHECK_EQ(load_elf_with(add_efi_bs_opt, &out), 0);
	CHECK_EQ(load_elf_with(add_fb_opt, &out), 0);
	CHECK_EQ(load_elf_with(add_unknown_opt, &out), 0);

	CHECK_EQ(load_elf_with(add_request_fb, &out), 1);
	CHECK_STR(diags.items[0].msg,
		  "kernel requires multiboot2 information tag 8 (framebuffer info), which mkboot does not provide");
	CHECK_EQ(load_elf_with(add_efi_bs, &out), 1);
	CHECK_STR(diags.items[0].msg,
		  "kernel needs EFI boot services (header tag 7); mkboot starts kernels after ExitBootServices");
	CHECK_EQ(load_elf_with(add_efi64_entry, &out), 1);
	CHECK_STR(diags.items[0].msg,
		  "kernel needs EFI boot services (header tag 9); mkboot starts kernels after ExitBootServices");
	CHECK_EQ(load_elf_with(add_fb, &out), 1);
	CHECK_STR(diags.items[0].msg,
		  "kernel requires a framebuffer (header tag 5); mkboot sets up no graphics mode");
	CHECK_EQ(load_elf_with(add_unknown, &out), 1);
	CHECK_STR(diags.items[0].msg, "unknown multiboot2 header tag type 42 (not marked optional)");

	/* The whole message as the user reads it. */
	char line[256];
	struct mk_buf b;
	mk_buf_init(&b, line, sizeof(line));
	diag_format(&diags, 0, &b);
	CHECK_STR(line, "mkboot: error: kernel.elf: unknown multiboot2 header tag type 42 (not marked optional)");
}

static void test_header_errors(void)
{
	struct hb h;
	uint64_t len;

	reset();
	CHECK_LOAD_ERROR(0x1000, "no multiboot2 header (magic 0xe85250d6) in the first 32 KiB");
	CHECK(!mb2_detect(img, 0x1000));
	CHECK_LOAD_ERROR(0, "no multiboot2 header (magic 0xe85250d6) in the first 32 KiB");

	/* Truncated: the header's first bytes only. */
	reset();
	raw_image();
	CHECK_LOAD_ERROR(12, "no multiboot2 header (magic 0xe85250d6) in the first 32 KiB");

	/* A header beyond the first 32 KiB is not looked for. */
	reset();
	h = hb_start(0x8000);
	hb_finish(&h);
	CHECK_LOAD_ERROR(0x9000, "no multiboot2 header (magic 0xe85250d6) in the first 32 KiB");

	reset();
	h = hb_start(0x7FF0);
	hb_finish(&h);
	CHECK_LOAD_ERROR(0x9000, "multiboot2 header at offset 0x7ff0: header_length 0x18 runs past the first 32 KiB");

	reset();
	h = hb_start(0x104);
	hb_finish(&h);
	CHECK_LOAD_ERROR(0x200, "multiboot2 header at offset 0x104 is not 8-byte aligned");

	reset();
	len = raw_image();
	w32(img + 12, r32(img + 12) + 1);
	CHECK_LOAD_ERROR(len, "multiboot2 header at offset 0x0 has a bad checksum");
	CHECK(!mb2_detect(img, len));

	reset();
	h = hb_start(0);
	hb_finish_arch(&h, 4);
	CHECK_LOAD_ERROR(0x100, "multiboot2 header: architecture 4 is not i386 (0)");
	CHECK(mb2_detect(img, 0x100));

	/* header_length past the image, and too small to hold the header itself. */
	reset();
	w32(img, MB2_HEADER_MAGIC);
	w32(img + 8, 0xFFFFFFF0u);
	w32(img + 12, 0u - (MB2_HEADER_MAGIC + 0xFFFFFFF0u));
	CHECK_LOAD_ERROR(0x100, "multiboot2 header at offset 0x0: header_length 0xfffffff0 runs past the image end 0x100");
	w32(img + 8, 8);
	w32(img + 12, 0u - (MB2_HEADER_MAGIC + 8));
	CHECK_LOAD_ERROR(0x100, "multiboot2 header at offset 0x0: header_length 0x8 is shorter than the header");

	/* Tag sizes: 0, wrapping, past the header, too small for the type. */
	reset();
	h = hb_start(0);
	hb_entry(&h, 0);
	hb_finish(&h);
	w32(img + 16 + 4, 0);
	CHECK_LOAD_ERROR(0x100, "multiboot2 header tag at offset 0x10: size 0 is too small");
	w32(img + 16 + 4, 0xFFFFFFF9u);
	CHECK_LOAD_ERROR(0x100, "multiboot2 header tag at offset 0x10: size 0xfffffff9 runs past the header end 0x28");
	w32(img + 16 + 4, 0x20);
	CHECK_LOAD_ERROR(0x100, "multiboot2 header tag at offset 0x10: size 0x20 runs past the header end 0x28");
	w32(img + 16 + 4, 8);
	CHECK_LOAD_ERROR(0x100, "multiboot2 header tag type 3 at offset 0x10: size 8, needs at least 12");

	/* No end tag: header_length stops before it. */
	reset();
	h = hb_start(0);
	hb_entry(&h, 0);
	hb_finish(&h);
	w32(img + 8, 0x20);
	w32(img + 12, 0u - (MB2_HEADER_MAGIC + 0x20));
	CHECK_LOAD_ERROR(0x100, "multiboot2 header tags have no end tag within header_length 0x20");

	reset();
	h = hb_start(0);
	hb_entry(&h, 0);
	hb_entry(&h, 0);
	hb_finish(&h);
	CHECK_LOAD_ERROR(0x100, "multiboot2 header has more than one tag of type 3");
}

static void test_address_errors(void)
{
	struct hb h;

	reset();
	h = hb_start(0);
	hb_address(&h, RAW_BASE, RAW_BASE, RAW_BASE - 1, 0);
	hb_entry(&h, RAW_BASE);
	hb_finish(&h);
	CHECK_LOAD_ERROR(0x100, "address tag: load_end_addr 0x10fffff is below load_addr 0x1100000");

	reset();
	h = hb_start(0);
	hb_address(&h, RAW_BASE, RAW_BASE + 0x10, 0, 0);
	hb_entry(&h, RAW_BASE + 0x10);
	hb_finish(&h);
	CHECK_LOAD_ERROR(0x100, "address tag: load_addr 0x1100010 is above header_addr 0x1100000");

	reset();
	h = hb_start(0x8);
	hb_address(&h, RAW_BASE, RAW_BASE - 0x10, 0, 0);
	hb_entry(&h, RAW_BASE);
	hb_finish(&h);
	CHECK_LOAD_ERROR(0x100, "address tag: load_addr 0x10ffff0 starts 0x10 bytes before the header, which is at file offset 0x8");

	reset();
	h = hb_start(0x8);
	hb_address(&h, 0x4, MB2_LOAD_ADDR_FILE_START, 0, 0);
	hb_entry(&h, 0);
	hb_finish(&h);
	CHECK_LOAD_ERROR(0x100, "address tag: header_addr 0x4 is below the header's file offset 0x8");

	/* Truncated: load_end asks for more than the file holds. */
	reset();
	h = hb_start(0);
	hb_address(&h, RAW_BASE, RAW_BASE, RAW_BASE + 0x2000, 0);
	hb_entry(&h, RAW_BASE);
	hb_finish(&h);
	CHECK_LOAD_ERROR(0x1000, "image is truncated: the address tag loads 0x2000 bytes from file offset 0x0, the image has 0x1000");

	reset();
	h = hb_start(0);
	hb_address(&h, RAW_BASE, RAW_BASE, RAW_BASE + 0x100, RAW_BASE + 0x80);
	hb_entry(&h, RAW_BASE);
	hb_finish(&h);
	CHECK_LOAD_ERROR(0x1000, "address tag: bss_end_addr 0x1100080 is below the loaded data's end 0x1100100");

	reset();
	h = hb_start(0);
	hb_address(&h, RAW_BASE, RAW_BASE, RAW_BASE, 0);
	hb_entry(&h, RAW_BASE);
	hb_finish(&h);
	CHECK_LOAD_ERROR(0x1000, "address tag: the image loads no bytes");

	/* load_end 0 means "to the end of the file": 0x1000 bytes from 0xFFFFF800. */
	reset();
	h = hb_start(0);
	hb_address(&h, 0xFFFFF800, 0xFFFFF800, 0, 0);
	hb_entry(&h, 0xFFFFF800);
	hb_finish(&h);
	CHECK_LOAD_ERROR(0x1000, "address tag: image 0xfffff800+0x1000 ends above 4 GiB");

	reset();
	h = hb_start(0);
	hb_address(&h, RAW_BASE, RAW_BASE, RAW_BASE + 0x100, 0);
	hb_finish(&h);
	CHECK_LOAD_ERROR(0x1000, "multiboot2 address tag without an entry address tag");

	reset();
	h = hb_start(0);
	hb_address(&h, RAW_BASE, RAW_BASE, RAW_BASE + 0x100, RAW_BASE + 0x200);
	hb_entry(&h, RAW_BASE + 0x200);
	hb_finish(&h);
	CHECK_LOAD_ERROR(0x1000, "entry point 0x1100200 lies outside the loaded image 0x1100000-0x11001ff");

	/* Outside the partition: nothing is written, and the user learns where RAM is. */
	reset();
	h = hb_start(0);
	hb_address(&h, 0x100000, 0x100000, 0x100100, 0x101000);
	hb_entry(&h, 0x100000);
	hb_finish(&h);
	CHECK_LOAD_ERROR(0x1000, "kernel wants physical 0x100000-0x100fff but the partition's RAM is "
				 "0x1000000-0x1ffffff, low 0x8f000-0x9efff (hint: set memory_base = 0x100000)");
	CHECK(all_bytes(ram, RAM_SIZE, FILL));
	CHECK(all_bytes(low, LOW_SIZE, FILL));

	/* Straddling the main range's end. */
	reset();
	h = hb_start(0);
	hb_address(&h, 0x1FFF000, 0x1FFF000, 0x1FFF100, 0x2001000);
	hb_entry(&h, 0x1FFF000);
	hb_finish(&h);
	CHECK_LOAD_ERROR(0x1000, "kernel wants physical 0x1fff000-0x2000fff but the partition's RAM is "
				 "0x1000000-0x1ffffff, low 0x8f000-0x9efff (hint: set memory_base = 0x1fff000)");
}

static void test_reloc_errors(void)
{
	uint64_t len;
	reset();
	len = reloc_image(0x1F00000, 0x2100000, 0x200000, MB2_RELOC_PREF_LOW, 0x1000);
	CHECK_LOAD_ERROR(len, "relocatable kernel of 0x1000 bytes (align 0x200000) fits nowhere in "
			      "0x1f00000-0x2100000 of the partition's RAM 0x1000000-0x1ffffff, low 0x8f000-0x9efff");
	len = reloc_image(0, 0xFFFFFFFF, 0x1000, MB2_RELOC_PREF_LOW, 0x1001000);
	CHECK_LOAD_ERROR(len, "relocatable kernel of 0x1001000 bytes (align 0x1000) fits nowhere in "
			      "0x0-0xffffffff of the partition's RAM 0x1000000-0x1ffffff, low 0x8f000-0x9efff");
	len = reloc_image(0, 0xFFFFFFFF, 0x3000, MB2_RELOC_PREF_LOW, 0x1000);
	CHECK_LOAD_ERROR(len, "relocatable tag: align 0x3000 is not a power of two");
	CHECK(all_bytes(ram, RAM_SIZE, FILL));
}

static uint32_t load_elf64_segs(const struct seg *s, uint16_t n, uint64_t entry, uint64_t len)
{
	struct mb2_loaded out;
	reset();
	elf64_image(entry, s, n);
	elf_mb2_header(NULL);
	return load(len, &out);
}

static void test_elf_errors(void)
{
	const uint64_t big = 0xFFFFFFFFFFFFFF00ull;
	struct seg s[2];

	s[0] = (struct seg){ PT_LOAD, 0x1000, 0x100000, 0x100000, 0x100, 0x100 };
	CHECK_EQ(load_elf64_segs(s, 1, 0x100000, 0x1100), 1);
	CHECK_STR(diags.items[0].msg, "ELF segment 0 wants physical 0x100000-0x1000ff but the partition's RAM is "
				      "0x1000000-0x1ffffff, low 0x8f000-0x9efff (hint: set memory_base = 0x100000)");
	s[1] = s[0];
	s[0] = (struct seg){ PT_LOAD, 0x1000, 0x1400000, 0x1400000, 0x100, 0x100 };
	CHECK_EQ(load_elf64_segs(s, 2, 0x1400000, 0x1100), 1);
	CHECK_STR(diags.items[0].msg, "ELF segment 1 wants physical 0x100000-0x1000ff but the partition's RAM is "
				      "0x1000000-0x1ffffff, low 0x8f000-0x9efff (hint: set memory_base = 0x100000)");
	CHECK(all_bytes(ram, RAM_SIZE, FILL));

	s[0] = (struct seg){ PT_LOAD, big, 0x1400000, 0x1400000, 0x200, 0x200 };
	CHECK_EQ(load_elf64_segs(s, 1, 0x1400000, 0x1100), 1);
	CHECK_STR(diags.items[0].msg, "ELF segment 0: file bytes 0xffffffffffffff00+0x200 lie past the image end 0x1100");
	s[0] = (struct seg){ PT_LOAD, 0x1000, 0x1400000, 0x1400000, 0x200, 0x200 };
	CHECK_EQ(load_elf64_segs(s, 1, 0x1400000, 0x1100), 1);
	CHECK_STR(diags.items[0].msg, "ELF segment 0: file bytes 0x1000+0x200 lie past the image end 0x1100");

	s[0] = (struct seg){ PT_LOAD, 0x1000, 0x1400000, big, 0x100, 0x200 };
	CHECK_EQ(load_elf64_segs(s, 1, 0x1400000, 0x1100), 1);
	CHECK_STR(diags.items[0].msg, "ELF segment 0: p_paddr 0xffffffffffffff00 + p_memsz 0x200 ends above 4 GiB");
	s[0] = (struct seg){ PT_LOAD, 0x1000, 0x1400000, 0xFFFFF000, 0x100, 0x2000 };
	CHECK_EQ(load_elf64_segs(s, 1, 0x1400000, 0x1100), 1);
	CHECK_STR(diags.items[0].msg, "ELF segment 0: p_paddr 0xfffff000 + p_memsz 0x2000 ends above 4 GiB");

	s[0] = (struct seg){ PT_LOAD, 0x1000, 0x1400000, 0x1400000, 0x100, 0x80 };
	CHECK_EQ(load_elf64_segs(s, 1, 0x1400000, 0x1100), 1);
	CHECK_STR(diags.items[0].msg, "ELF segment 0: p_filesz 0x100 exceeds p_memsz 0x80");

	s[0] = (struct seg){ PT_LOAD, 0x1000, 0x1400000, 0x1400000, 0x100, 0x100 };
	CHECK_EQ(load_elf64_segs(s, 1, 0x1500000, 0x1100), 1);
	CHECK_STR(diags.items[0].msg, "ELF entry point 0x1500000 lies in no loadable segment");

	s[0] = (struct seg){ 4, 0x1000, 0x1400000, 0x1400000, 0x100, 0x100 };
	CHECK_EQ(load_elf64_segs(s, 1, 0x1400000, 0x1100), 1);
	CHECK_STR(diags.items[0].msg, "ELF image has no loadable segment");

	/* An entry address tag outside every segment. */
	s[0] = (struct seg){ PT_LOAD, 0x1000, 0x1400000, 0x1400000, 0x20, 0x20 };
	CHECK_EQ(load_elf64_segs(s, 1, 0x1400000, 0x1100), 0);
	reset();
	elf64_image(0x1400000, s, 1);
	elf_mb2_header(add_entry_tag);
	CHECK_LOAD_ERROR(0x1100, "entry point 0x1500040 lies outside the loaded image 0x1400000-0x140001f");

	/* Program headers past the end; a wrapping e_phoff; no headers. */
	s[0] = (struct seg){ PT_LOAD, 0x1000, 0x1400000, 0x1400000, 0x20, 0x20 };
	reset();
	elf64_image(0x1400000, s, 1);
	elf_mb2_header(NULL);
	w16(img + offsetof(struct elf64_ehdr, e_phnum), 200);
	CHECK_LOAD_ERROR(0x1100, "ELF program headers (offset 0x40, 200 of 56 bytes) do not fit in the image of 0x1100 bytes");
	w16(img + offsetof(struct elf64_ehdr, e_phnum), 1);
	memcpy(img + offsetof(struct elf64_ehdr, e_phoff), &big, sizeof(big));
	CHECK_LOAD_ERROR(0x1100, "ELF program headers (offset 0xffffffffffffff00, 1 of 56 bytes) do not fit in the image of 0x1100 bytes");
	w16(img + offsetof(struct elf64_ehdr, e_phnum), 0);
	CHECK_LOAD_ERROR(0x1100, "ELF program headers (offset 0xffffffffffffff00, 0 of 56 bytes) do not fit in the image of 0x1100 bytes");

	reset();
	elf64_image(0x1400000, s, 1);
	elf_mb2_header(NULL);
	w16(img + offsetof(struct elf64_ehdr, e_machine), EM_386);
	CHECK_LOAD_ERROR(0x1100, "ELF header: type 2 machine 3 is not an i386/x86-64 executable");
	img[EI_DATA] = 2;
	CHECK_LOAD_ERROR(0x1100, "ELF header: not a little-endian ELF32/ELF64 version 1 file");
	img[0] = 0;
	CHECK_LOAD_ERROR(0x1100, "multiboot2 image has no address tag and is not ELF");

	/* Truncated inside the ELF header: ident, then the multiboot2 header at 16. */
	reset();
	elf32_image(0, s, 0);
	struct hb h = hb_start(16);
	hb_finish(&h);
	CHECK_LOAD_ERROR(40, "image is truncated: the ELF header needs 0x34 bytes");
}

/* ---- the MBI ---- */

struct walked {
	uint32_t n, total;
	uint32_t type[32], size[32];
	const uint8_t *tag[32];
};

/* Bounds-checked walk of an MBI of at most `avail` bytes; false when malformed. */
static bool mbi_walk(const uint8_t *mbi, uint64_t avail, struct walked *w)
{
	uint64_t pos = 8;
	memset(w, 0, sizeof(*w));
	if (avail < 16)
		return false;
	w->total = r32(mbi);
	if (w->total < 16 || w->total > avail || w->total % 8)
		return false;
	while (pos + 8 <= w->total && w->n < 32) {
		uint32_t type = r32(mbi + pos), size = r32(mbi + pos + 4);
		if (size < 8 || size > w->total - pos)
			return false;
		w->type[w->n] = type;
		w->size[w->n] = size;
		w->tag[w->n++] = mbi + pos;
		if (type == MB2_TAG_END)
			return size == 8 && pos + 8 == w->total;
		pos += (size + 7ull) & ~7ull;
	}
	return false;
}

static const uint8_t *find_tag(const struct walked *w, uint32_t type, uint32_t *size)
{
	for (uint32_t i = 0; i < w->n; i++)
		if (w->type[i] == type) {
			*size = w->size[i];
			return w->tag[i];
		}
	return NULL;
}

static const uint32_t cpus[] = { 2, 3, 7 };

static struct mb2_info_input info_input(const struct mb2_loaded *k)
{
	return (struct mb2_info_input){
		.cmdline = "console=ttyS1 quiet",
		.loader_name = MB2_LOADER_NAME,
		.info = {
			.partition_index = 1,
			.partition_count = 3,
			.name = "rt",
			.boot_apic_id = 2,
			.flags = MKBOOT_INFO_F_OWNS_PLATFORM,
			.ipi_vector = 0xEB,
			.tsc_khz = 2000000,
			.part = &part,
			.shared = { 0x3F000000, 0x200000 },
			.cpus = cpus,
			.ncpus = 3,
		},
		.kernel = k,
	};
}

static void check_mmap_entry(const uint8_t *e, uint64_t base, uint64_t len, uint32_t type)
{
	CHECK_EQ(r64(e), base);
	CHECK_EQ(r64(e + 8), len);
	CHECK_EQ(r32(e + 16), type);
	CHECK_EQ(r32(e + 20), 0);
}

static void test_mbi(void)
{
	struct mb2_loaded k;
	struct walked w;
	uint64_t mbi;
	uint32_t size;
	const uint8_t *t;
	reset();
	CHECK_EQ(load(raw_image(), &k), 0);
	struct mb2_info_input in = info_input(&k);
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 0);
	CHECK_EQ(diags.count, 0);
	CHECK_EQ(mbi, RAW_BASE + 0x2000); /* the first page after the kernel's bss */
	CHECK(mbi_walk(at(mbi), RAM_BASE + RAM_SIZE - mbi, &w));
	CHECK_EQ(r32(at(mbi) + 4), 0);

	static const uint32_t order[] = { MB2_TAG_CMDLINE, MB2_TAG_LOADER_NAME, MB2_TAG_BASIC_MEMINFO,
					  MB2_TAG_MMAP, MB2_TAG_LOAD_BASE_ADDR, MB2_TAG_MKBOOT, MB2_TAG_END };
	CHECK_EQ(w.n, MK_ARRAY_SIZE(order));
	for (uint32_t i = 0; i < w.n && i < MK_ARRAY_SIZE(order); i++)
		CHECK_EQ(w.type[i], order[i]);

	t = find_tag(&w, MB2_TAG_CMDLINE, &size);
	CHECK(t && size == 8 + sizeof("console=ttyS1 quiet"));
	CHECK(t && strcmp((const char *)t + 8, "console=ttyS1 quiet") == 0);
	t = find_tag(&w, MB2_TAG_LOADER_NAME, &size);
	CHECK(t && size == 8 + 7 && strcmp((const char *)t + 8, "mkboot") == 0);

	t = find_tag(&w, MB2_TAG_BASIC_MEMINFO, &size);
	CHECK(t && size == 16);
	CHECK(t && r32(t + 8) == 0 && r32(t + 12) == 0); /* no RAM at 0 or at 1 MiB */

	t = find_tag(&w, MB2_TAG_MMAP, &size);
	CHECK(t && size == 16 + 3 * 24);
	if (t) {
		CHECK_EQ(r32(t + 8), 24);
		CHECK_EQ(r32(t + 12), 0);
		check_mmap_entry(t + 16, LOW_BASE, LOW_SIZE, MB2_MMAP_AVAILABLE);
		check_mmap_entry(t + 40, RAM_BASE, RAM_SIZE, MB2_MMAP_AVAILABLE);
		check_mmap_entry(t + 64, 0x3F000000, 0x200000, MB2_MMAP_RESERVED);
	}

	t = find_tag(&w, MB2_TAG_LOAD_BASE_ADDR, &size);
	CHECK(t && size == 12 && r32(t + 8) == RAW_BASE);
	CHECK(!find_tag(&w, MB2_TAG_ACPI_OLD, &size) && !find_tag(&w, MB2_TAG_ACPI_NEW, &size));

	t = find_tag(&w, MB2_TAG_MKBOOT, &size);
	CHECK(t && size == 8 + mkboot_info_bytes(1, 3));
	if (t) {
		struct mkboot_info info;
		struct mkboot_range r;
		memcpy(&info, t + 8, sizeof(info));
		CHECK_EQ(info.magic, MKBOOT_INFO_MAGIC);
		CHECK_EQ(info.version, MKBOOT_INFO_VERSION);
		CHECK_EQ(info.size, sizeof(info) + 16 + 12);
		CHECK_EQ(info.partition_index, 1);
		CHECK_EQ(info.partition_count, 3);
		CHECK_EQ(info.boot_apic_id, 2);
		CHECK_EQ(info.flags, MKBOOT_INFO_F_OWNS_PLATFORM);
		CHECK_STR(info.name, "rt");
		CHECK(all_bytes((const uint8_t *)info.name + 3, sizeof(info.name) - 3, 0));
		CHECK_EQ(info.shared_phys, 0x3F000000);
		CHECK_EQ(info.shared_size, 0x200000);
		CHECK_EQ(info.low_base, LOW_BASE);
		CHECK_EQ(info.low_size, LOW_SIZE);
		CHECK_EQ(info.tsc_khz, 2000000);
		CHECK_EQ(info.ipi_vector, 0xEB);
		CHECK_EQ(info.ncpus, 3);
		CHECK_EQ(info.nram, 1);
		CHECK_EQ(info.reserved, 0);
		memcpy(&r, t + 8 + sizeof(info), sizeof(r));
		CHECK_EQ(r.base, RAM_BASE);
		CHECK_EQ(r.size, RAM_SIZE);
		CHECK_EQ(r32(t + 8 + sizeof(info) + 16), 2);
		CHECK_EQ(r32(t + 8 + sizeof(info) + 20), 3);
		CHECK_EQ(r32(t + 8 + sizeof(info) + 24), 7);
	}
	/* Nothing written past total_size. */
	CHECK(all_bytes(at(mbi + w.total), 0x100, FILL));
	/* Every tag 8-byte aligned from the MBI's start. */
	for (uint32_t i = 0; i < w.n; i++)
		CHECK_EQ((w.tag[i] - at(mbi)) % 8, 0);
}

static void test_mbi_acpi(void)
{
	struct mb2_loaded k;
	struct walked w;
	uint64_t mbi;
	uint32_t size;
	const uint8_t *t;
	uint8_t rsdp[36];
	for (unsigned i = 0; i < sizeof(rsdp); i++)
		rsdp[i] = (uint8_t)(0x40 + i);

	reset();
	CHECK_EQ(load(raw_image(), &k), 0);
	struct mb2_info_input in = info_input(&k);
	in.rsdp = rsdp;
	in.rsdp_len = 36;
	in.rsdp_revision = 2;
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 0);
	CHECK(mbi_walk(at(mbi), 0x1000, &w));
	t = find_tag(&w, MB2_TAG_ACPI_NEW, &size);
	CHECK(t && size == 8 + 36 && memcmp(t + 8, rsdp, 36) == 0);
	CHECK(!find_tag(&w, MB2_TAG_ACPI_OLD, &size));

	in.rsdp_revision = 0;
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 0);
	CHECK(mbi_walk(at(mbi), 0x1000, &w));
	t = find_tag(&w, MB2_TAG_ACPI_OLD, &size);
	CHECK(t && size == 8 + 20 && memcmp(t + 8, rsdp, 20) == 0);
	CHECK(!find_tag(&w, MB2_TAG_ACPI_NEW, &size));

	in.rsdp_revision = 2;
	in.rsdp_len = 20;
	diag_init(&diags, "kernel.elf");
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 1);
	CHECK_STR(diags.items[0].msg, "RSDP copy of 20 bytes does not fit revision 2");

	/* A kernel that requires tag 14 gets it from either revision, and fails without. */
	CHECK_EQ(load_elf_with(add_request_acpi, &k), 0);
	in = info_input(&k);
	in.rsdp = rsdp;
	in.rsdp_len = 36;
	in.rsdp_revision = 2;
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 0);
	in.rsdp = NULL;
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 1);
	CHECK_STR(diags.items[0].msg,
		  "kernel requires multiboot2 information tag 14 (ACPI old RSDP), but the partition has no ACPI tables");
}

/* Placement: after the kernel, else lowest free spot, main ranges before the low slice. */
static void test_mbi_placement(void)
{
	struct mb2_loaded k = { .phys_start = RAM_BASE + 0x10, .phys_end = RAM_BASE + 0x1001 };
	struct mb2_info_input in = info_input(&k);
	uint64_t mbi;
	reset();
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 0);
	CHECK_EQ(mbi, RAM_BASE + 0x2000);

	/* Kernel at the very top of main RAM: the MBI goes below it. */
	k = (struct mb2_loaded){ .phys_start = RAM_BASE + 0x8000, .phys_end = RAM_BASE + RAM_SIZE };
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 0);
	CHECK_EQ(mbi, RAM_BASE);

	/* Kernel filling main RAM: the low slice. */
	k = (struct mb2_loaded){ .phys_start = RAM_BASE, .phys_end = RAM_BASE + RAM_SIZE };
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 0);
	CHECK_EQ(mbi, LOW_BASE);

	/* Kernel in the low slice: after it there. */
	k = (struct mb2_loaded){ .phys_start = LOW_BASE, .phys_end = LOW_BASE + 0x100 };
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 0);
	CHECK_EQ(mbi, LOW_BASE + 0x1000);

	/* No room anywhere. */
	part.low.size = 0;
	k = (struct mb2_loaded){ .phys_start = RAM_BASE, .phys_end = RAM_BASE + RAM_SIZE - 0x10 };
	diag_init(&diags, "kernel.elf");
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 1);
	CHECK_STR(diags.items[0].msg, "no room below 4 GiB for the 0x140-byte multiboot2 information beside the kernel "
				      "at 0x1000000-0x1ffffef in the partition's RAM 0x1000000-0x1ffffff");
}

/* Basic meminfo from a partition with RAM at 0 and contiguous ranges from 1 MiB. */
static void test_mbi_meminfo(void)
{
	uint8_t *buf;
	struct mk_phys pm2 = { 0 };
	struct mb2_loaded k = { .phys_start = 0x100000, .phys_end = 0x180000 };
	struct walked w;
	uint64_t mbi;
	uint32_t size;
	const uint8_t *t;
	buf = calloc(1, 0x200000);
	phys_add(&pm2, buf, 0x100000, 0x200000);
	reset();
	part.ram[0] = (struct mk_range){ 0x100000, 0xF00000 };
	part.ram[1] = (struct mk_range){ 0x1000000, 0x1000000 };
	part.ram[2] = (struct mk_range){ 0x4000000, 0x1000000 };
	part.nram = 3;
	part.low = (struct mk_range){ 0, 0x9F000 };
	struct mb2_info_input in = info_input(&k);
	in.info.shared = (struct mk_range){ 0x3000000, 0x200000 };
	in.cmdline = NULL;
	CHECK_EQ(mb2_build_info(&in, &pm2, &mbi, &diags), 0);
	CHECK_EQ(mbi, 0x180000);
	CHECK(mbi_walk(buf + (mbi - 0x100000), 0x1000, &w));
	t = find_tag(&w, MB2_TAG_BASIC_MEMINFO, &size);
	CHECK(t && r32(t + 8) == 0x9F000 / 1024);
	CHECK(t && r32(t + 12) == 31 * 1024);
	t = find_tag(&w, MB2_TAG_CMDLINE, &size);
	CHECK(t && size == 9 && t[8] == 0);
	t = find_tag(&w, MB2_TAG_MMAP, &size);
	CHECK(t && size == 16 + 5 * 24);
	if (t) {
		check_mmap_entry(t + 16, 0, 0x9F000, MB2_MMAP_AVAILABLE);
		check_mmap_entry(t + 40, 0x100000, 0xF00000, MB2_MMAP_AVAILABLE);
		check_mmap_entry(t + 64, 0x1000000, 0x1000000, MB2_MMAP_AVAILABLE);
		check_mmap_entry(t + 88, 0x3000000, 0x200000, MB2_MMAP_RESERVED);
		check_mmap_entry(t + 112, 0x4000000, 0x1000000, MB2_MMAP_AVAILABLE);
	}
	t = find_tag(&w, MB2_TAG_MKBOOT, &size);
	CHECK(t && size == 8 + mkboot_info_bytes(3, 3));
	if (t) {
		struct mkboot_range r;
		memcpy(&r, t + 8 + sizeof(struct mkboot_info) + 32, sizeof(r));
		CHECK_EQ(r.base, 0x4000000);
		CHECK_EQ(r.size, 0x1000000);
	}
	free(buf);
}

static void test_mbi_errors(void)
{
	struct mb2_loaded k = { .phys_start = RAM_BASE, .phys_end = RAM_BASE + 0x1000 };
	struct mb2_info_input in;
	uint64_t mbi;
	char longline[MK_CMDLINE_MAX + 1];
	reset();

	memset(longline, 'a', MK_CMDLINE_MAX);
	longline[MK_CMDLINE_MAX] = 0;
	in = info_input(&k);
	in.cmdline = longline;
	diag_init(&diags, "kernel.elf");
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 1);
	CHECK_STR(diags.items[0].msg, "command line, boot loader name or partition name is too long");
	longline[MK_CMDLINE_MAX - 1] = 0;
	diag_init(&diags, "kernel.elf");
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 0);

	in = info_input(&k);
	in.info.ncpus = 0;
	diag_init(&diags, "kernel.elf");
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 1);
	CHECK_STR(diags.items[0].msg, "partition has 0 CPUs (1..256 expected)");

	in = info_input(&k);
	in.info.shared = (struct mk_range){ RAM_BASE + RAM_SIZE - 0x1000, 0x200000 };
	diag_init(&diags, "kernel.elf");
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 1);
	CHECK_STR(diags.items[0].msg, "shared region 0x1fff000+0x200000 overlaps the partition's RAM");
}

/* What the planner learns from a kernel's head before anything is loaded. */
static void test_fixed_span(void)
{
	const uint64_t high = 0xFFFFFFFF80000000ull;
	struct seg s[] = {
		{ PT_LOAD, 0x1000, high + 0x1400000, 0x1400000, 0x2000, 0x2000 },
		{ PT_LOAD, 0x3000, high + 0x1410000, 0x1410000, 0x800, 0x3001 },
	};
	struct mk_range r;
	uint64_t len;

	/* ELF: from the lowest segment to the highest's bss, whole pages; the head suffices. */
	reset();
	elf64_image(high + 0x1400010, s, 2);
	elf_mb2_header(NULL);
	CHECK(mb2_fixed_span(img, 0x1000, 0x3800, &r));
	CHECK_EQ(r.base, 0x1400000);
	CHECK_EQ(r.size, 0x14000);
	/* A head shorter than the file but holding the headers: the same answer. */
	CHECK(mb2_fixed_span(img, 0x400, 0x3800, &r));
	CHECK_EQ(r.size, 0x14000);
	/* Segments past the file's end, or headers past the head: no answer (mb2_load reports). */
	CHECK(!mb2_fixed_span(img, 0x1000, 0x3000, &r));
	CHECK_EQ(r.size, 0);
	CHECK(!mb2_fixed_span(img, 0x80, 0x3800, &r));
	/* Raw images: the address tag's span. */
	reset();
	len = raw_image();
	CHECK(mb2_fixed_span(img, len, len, &r));
	CHECK_EQ(r.base, RAW_BASE);
	CHECK_EQ(r.size, 0x2000);
	/* Relocatable kernels go anywhere the planner puts them. */
	reset();
	len = reloc_image(0x100000, 0x10000000, 0x200000, MB2_RELOC_PREF_LOW, 0x1000);
	CHECK(!mb2_fixed_span(img, len, len, &r));
	CHECK_EQ(r.size, 0);
	/* Not multiboot2 at all (a bzImage, garbage). */
	reset();
	memset(img, 0x5A, 0x1000);
	CHECK(!mb2_fixed_span(img, 0x1000, 0x1000, &r));
	CHECK(!mb2_fixed_span(img, 0, 0, &r));
}

/* The partition's initrd as a boot module: after the kernel, then the MBI after it. */
static void test_mbi_module(void)
{
	static uint8_t module[5000];
	struct mb2_loaded k;
	struct walked w;
	uint64_t mbi;
	uint32_t size;
	const uint8_t *t;
	for (uint32_t i = 0; i < sizeof(module); i++)
		module[i] = (uint8_t)(i * 13 + 1);
	reset();
	CHECK_EQ(load(raw_image(), &k), 0);
	struct mb2_info_input in = info_input(&k);
	in.module = module;
	in.module_len = sizeof(module);
	in.module_name = "initrd.img";
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 0);
	CHECK_EQ(diags.count, 0);
	/* Module on the first page after the kernel, the MBI on the first page after it. */
	CHECK(memcmp(at(RAW_BASE + 0x2000), module, sizeof(module)) == 0);
	CHECK_EQ(mbi, RAW_BASE + 0x2000 + 0x2000);
	CHECK(mbi_walk(at(mbi), RAM_BASE + RAM_SIZE - mbi, &w));
	t = find_tag(&w, MB2_TAG_MODULE, &size);
	CHECK(t && size == 16 + sizeof("initrd.img"));
	if (t) {
		CHECK_EQ(r32(t + 8), RAW_BASE + 0x2000);
		CHECK_EQ(r32(t + 12), RAW_BASE + 0x2000 + sizeof(module));
		CHECK_STR((const char *)t + 16, "initrd.img");
	}
	/* After the load base address, before the mkboot tag. */
	for (uint32_t i = 0; i + 1 < w.n; i++)
		if (w.type[i] == MB2_TAG_MODULE)
			CHECK(w.type[i - 1] == MB2_TAG_LOAD_BASE_ADDR && w.type[i + 1] == MB2_TAG_MKBOOT);

	/* An empty module still has a page of its own: start == end, the MBI after it. */
	reset();
	CHECK_EQ(load(raw_image(), &k), 0);
	in = info_input(&k);
	in.module = module;
	in.module_len = 0;
	in.module_name = "empty";
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 0);
	CHECK_EQ(mbi, RAW_BASE + 0x3000);
	CHECK(mbi_walk(at(mbi), RAM_BASE + RAM_SIZE - mbi, &w));
	t = find_tag(&w, MB2_TAG_MODULE, &size);
	CHECK(t && r32(t + 8) == RAW_BASE + 0x2000 && r32(t + 12) == RAW_BASE + 0x2000);

	/* A module larger than the partition: refused, naming what did not fit. */
	reset();
	CHECK_EQ(load(raw_image(), &k), 0);
	in = info_input(&k);
	in.module = module;
	in.module_len = RAM_SIZE;
	in.module_name = "huge";
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 1);
	CHECK(diags.count == 1 && strstr(diags.items[0].msg, "no room below 4 GiB for the 0x1000000-byte "
							   "module beside the kernel at ") != NULL);
	/* A module without a name. */
	reset();
	CHECK_EQ(load(raw_image(), &k), 0);
	in = info_input(&k);
	in.module = module;
	in.module_len = 1;
	CHECK_EQ(mb2_build_info(&in, &pm, &mbi, &diags), 1);
	CHECK_STR(diags.count ? diags.items[0].msg : "", "module without a name, or one over 4 GiB");
}

int main(void)
{
	ram = malloc(RAM_SIZE);
	low = malloc(LOW_SIZE);
	phys_add(&pm, ram, RAM_BASE, RAM_SIZE);
	phys_add(&pm, low, LOW_BASE, LOW_SIZE);
	phys_add(&pm, below_low, BELOW_LOW_BASE, sizeof(below_low));

	test_raw();
	test_raw_offsets();
	test_elf64();
	test_elf32();
	test_relocatable();
	test_fixed_span();
	test_header_tags();
	test_header_errors();
	test_address_errors();
	test_reloc_errors();
	test_elf_errors();
	test_mbi();
	test_mbi_module();
	test_mbi_acpi();
	test_mbi_placement();
	test_mbi_meminfo();
	test_mbi_errors();

	free(ram);
	free(low);
	return check_done("test_mb2");
}
