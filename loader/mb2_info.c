/*
 * The multiboot2 boot information (spec 3.6): what goes in it, where it goes
 * (the placement rule of mb2.h) and the bytes themselves.  The mkboot tag's
 * payload comes from bootinfo_write, the writer Linux's setup_data uses too.
 */
#include "mb2_internal.h"

/* ACPI 6.5 5.2.5.3: the ACPI 1.0 RSDP ends after RsdtAddress; 2.0 adds 16 bytes. */
#define ACPI_RSDP_V1_SIZE 20u
#define ACPI_RSDP_V2_SIZE 36u
#define ACPI_RSDP_MAX 4096u
#define MB2_LOADER_NAME_MAX 256u
/* Basic meminfo (spec 3.6.3): lower memory is at most 640 KiB. */
#define MB2_LOWER_MEM_END 0xA0000ull

/*
 * The MBI is emitted twice by the same code: first with buf NULL to measure
 * it, then into its zeroed place.  total_size is exact by construction.
 */
struct mbi_writer {
	uint8_t *buf;
	uint64_t off;
	uint64_t tag;  /* offset of the tag being written */
	bool failed;   /* bootinfo_write refused its input */
};

static void mbi_put(struct mbi_writer *w, const void *src, uint64_t n)
{
	if (w->buf)
		mk_memcpy(w->buf + w->off, src, n);
	w->off += n;
}

/* Spec 3.6.1: every tag starts 8-byte aligned; padding stays zero. */
static void mbi_begin(struct mbi_writer *w, uint32_t type)
{
	struct mb2_tag t = { type, 0 };
	w->off = mb2_align_tag(w->off);
	w->tag = w->off;
	mbi_put(w, &t, sizeof(t));
}

static void mbi_end(struct mbi_writer *w)
{
	uint32_t size = (uint32_t)(w->off - w->tag);
	if (w->buf)
		mk_memcpy(w->buf + w->tag + offsetof(struct mb2_tag, size), &size, sizeof(size));
	w->off = mb2_align_tag(w->off);
}

static void mbi_string(struct mbi_writer *w, uint32_t type, const char *s, uint64_t len)
{
	mbi_begin(w, type);
	mbi_put(w, s, len);
	mbi_put(w, "", 1);
	mbi_end(w);
}

/* The mkboot tag's payload (mailbox/mkboot_info.h), from the shared writer. */
static void mbi_bootinfo(struct mbi_writer *w, const struct bootinfo_input *info)
{
	uint64_t size = bootinfo_size(info);
	if (w->buf && !bootinfo_write(info, w->buf + w->off, size))
		w->failed = true;
	w->off += size;
}

/* What goes into the MBI besides the caller's input, checked and computed once. */
struct mbi_content {
	const struct mb2_info_input *in;
	const char *cmdline, *loader; /* the input's, NULL replaced */
	uint64_t cmdline_len, loader_len;
	uint32_t mem_lower, mem_upper;
	struct mb2_mmap_entry mmap[MB2_MAX_PART_RANGES + 1];
	uint32_t nmmap;
	uint32_t acpi_tag, acpi_len; /* 0: no ACPI tag */
	uint64_t module_at;          /* where the module was placed (in->module set) */
	uint64_t module_name_len;
};

static void mbi_emit(struct mbi_writer *w, const struct mbi_content *c)
{
	const struct mb2_info_input *in = c->in;
	struct mb2_info_header h = { 0, 0 };
	uint32_t entry_size = sizeof(struct mb2_mmap_entry), entry_version = 0;
	uint32_t load_base = (uint32_t)in->kernel->phys_start, total;
	mbi_put(w, &h, sizeof(h));
	mbi_string(w, MB2_TAG_CMDLINE, c->cmdline, c->cmdline_len);
	mbi_string(w, MB2_TAG_LOADER_NAME, c->loader, c->loader_len);
	mbi_begin(w, MB2_TAG_BASIC_MEMINFO);
	mbi_put(w, &c->mem_lower, sizeof(c->mem_lower));
	mbi_put(w, &c->mem_upper, sizeof(c->mem_upper));
	mbi_end(w);
	mbi_begin(w, MB2_TAG_MMAP);
	mbi_put(w, &entry_size, sizeof(entry_size));
	mbi_put(w, &entry_version, sizeof(entry_version));
	mbi_put(w, c->mmap, (uint64_t)c->nmmap * sizeof(c->mmap[0]));
	mbi_end(w);
	mbi_begin(w, MB2_TAG_LOAD_BASE_ADDR);
	mbi_put(w, &load_base, sizeof(load_base));
	mbi_end(w);
	if (in->module) {
		/* Spec 3.6.6: start and end (exclusive) of the module, then its string. */
		uint32_t start = (uint32_t)c->module_at, end = (uint32_t)(c->module_at + in->module_len);
		mbi_begin(w, MB2_TAG_MODULE);
		mbi_put(w, &start, sizeof(start));
		mbi_put(w, &end, sizeof(end));
		mbi_put(w, in->module_name, c->module_name_len);
		mbi_put(w, "", 1);
		mbi_end(w);
	}
	if (c->acpi_tag) {
		mbi_begin(w, c->acpi_tag);
		mbi_put(w, in->rsdp, c->acpi_len);
		mbi_end(w);
	}
	mbi_begin(w, MB2_TAG_MKBOOT);
	mbi_bootinfo(w, &in->info);
	mbi_end(w);
	mbi_begin(w, MB2_TAG_END);
	mbi_end(w);
	total = (uint32_t)w->off;
	if (w->buf)
		mk_memcpy(w->buf + offsetof(struct mb2_info_header, total_size), &total, sizeof(total));
}

/* Bytes of RAM contiguous from `from`, across adjacent ranges (spec 3.6.3). */
static uint64_t ram_run(const struct mk_plan_part *p, uint64_t from)
{
	struct mk_range r[MB2_MAX_PART_RANGES];
	uint32_t n = mb2_part_ranges(p, r);
	uint64_t cur = from;
	bool grew = true;
	while (grew) {
		grew = false;
		for (uint32_t i = 0; i < n; i++) {
			if (cur >= r[i].base && cur - r[i].base < r[i].size) {
				cur = mb2_range_end(&r[i]);
				grew = true;
			}
		}
	}
	return cur - from;
}

static void mbi_meminfo(const struct mk_plan_part *p, struct mbi_content *c)
{
	uint64_t lower = ram_run(p, 0), upper = ram_run(p, MK_ONE_MIB) >> 10;
	c->mem_lower = (uint32_t)((lower < MB2_LOWER_MEM_END ? lower : MB2_LOWER_MEM_END) >> 10);
	c->mem_upper = upper < UINT32_MAX ? (uint32_t)upper : UINT32_MAX;
}

/* Spec 3.6.8: the partition's RAM available, the shared region reserved, by address. */
static void mbi_mmap(const struct bootinfo_input *info, struct mbi_content *c)
{
	struct mk_range r[MB2_MAX_PART_RANGES];
	uint32_t n = mb2_part_ranges(info->part, r);
	c->nmmap = 0;
	for (uint32_t i = 0; i < n; i++)
		c->mmap[c->nmmap++] = (struct mb2_mmap_entry){ r[i].base, r[i].size, MB2_MMAP_AVAILABLE, 0 };
	if (info->shared.size)
		c->mmap[c->nmmap++] = (struct mb2_mmap_entry){ info->shared.base, info->shared.size,
							       MB2_MMAP_RESERVED, 0 };
	for (uint32_t i = 1; i < c->nmmap; i++) {
		struct mb2_mmap_entry e = c->mmap[i];
		uint32_t j = i;
		for (; j > 0 && c->mmap[j - 1].base_addr > e.base_addr; j--)
			c->mmap[j] = c->mmap[j - 1];
		c->mmap[j] = e;
	}
}

/* The optional ACPI tag, and whether the kernel's required request is met. */
static uint32_t mbi_acpi(const struct mb2_info_input *in, struct mbi_content *c, struct mk_diags *d)
{
	uint32_t need = in->rsdp_revision < 2 ? ACPI_RSDP_V1_SIZE : ACPI_RSDP_V2_SIZE;
	if (!in->rsdp) {
		if (!in->kernel->acpi_required)
			return 0;
		diag_error(d, DIAG_NO_POS,
			   "kernel requires multiboot2 information tag %u (%s), but the partition has no ACPI tables",
			   in->kernel->acpi_required, mb2_tag_name(in->kernel->acpi_required));
		return 1;
	}
	if (in->rsdp_len < need || in->rsdp_len > ACPI_RSDP_MAX) {
		diag_error(d, DIAG_NO_POS, "RSDP copy of %u bytes does not fit revision %u", in->rsdp_len,
			   in->rsdp_revision);
		return 1;
	}
	c->acpi_tag = in->rsdp_revision < 2 ? MB2_TAG_ACPI_OLD : MB2_TAG_ACPI_NEW;
	c->acpi_len = in->rsdp_revision < 2 ? ACPI_RSDP_V1_SIZE : in->rsdp_len;
	return 0;
}

/* Checks the caller's input and fills everything but the placement. */
static uint32_t mbi_prepare(const struct mb2_info_input *in, struct mbi_content *c,
			    struct mk_diags *d)
{
	const struct bootinfo_input *info = &in->info;
	const char *name = info->name ? info->name : "";
	struct mk_range r[MB2_MAX_PART_RANGES];
	uint32_t n = mb2_part_ranges(info->part, r);
	mk_memset(c, 0, sizeof(*c));
	c->in = in;
	c->cmdline = in->cmdline ? in->cmdline : "";
	c->loader = in->loader_name ? in->loader_name : MB2_LOADER_NAME;
	c->cmdline_len = mk_strnlen(c->cmdline, MK_CMDLINE_MAX);
	c->loader_len = mk_strnlen(c->loader, MB2_LOADER_NAME_MAX);
	if (c->cmdline_len >= MK_CMDLINE_MAX || c->loader_len >= MB2_LOADER_NAME_MAX ||
	    mk_strnlen(name, MKBOOT_NAME_MAX) >= MKBOOT_NAME_MAX) {
		diag_error(d, DIAG_NO_POS, "command line, boot loader name or partition name is too long");
		return 1;
	}
	if (in->module) {
		c->module_name_len = in->module_name ? mk_strnlen(in->module_name, MK_PATH_MAX) : 0;
		if (!in->module_name || c->module_name_len >= MK_PATH_MAX ||
		    in->module_len >= MB2_ADDR_LIMIT) {
			diag_error(d, DIAG_NO_POS, "module without a name, or one over 4 GiB");
			return 1;
		}
	}
	if (!info->cpus || !info->ncpus || info->ncpus > MK_MAX_CPUS) {
		diag_error(d, DIAG_NO_POS, "partition has %u CPUs (1..%u expected)", info->ncpus, MK_MAX_CPUS);
		return 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (mk_ranges_overlap(r[i].base, r[i].size, info->shared.base, info->shared.size)) {
			diag_error(d, DIAG_NO_POS, "shared region 0x%llx+0x%llx overlaps the partition's RAM",
				   (ull)info->shared.base, (ull)info->shared.size);
			return 1;
		}
	}
	if (mbi_acpi(in, c, d))
		return 1;
	mbi_meminfo(info->part, c);
	mbi_mmap(info, c);
	return 0;
}

#define MBI_AVOID_MAX 2 /* the kernel, and the module for the MBI */

/* Page aligned, after `from` in r, below 4 GiB, clear of every range in avoid. */
static bool mbi_fit(const struct mk_range *r, uint64_t from, uint64_t size,
		    const struct mk_range *avoid, uint32_t navoid, uint64_t *at)
{
	uint64_t start, end, limit = mb2_range_end(r) < MB2_ADDR_LIMIT ? mb2_range_end(r) : MB2_ADDR_LIMIT;
	bool moved = true;
	if (!mk_align_up(from > r->base ? from : r->base, MK_PAGE_SIZE, &start))
		return false;
	/* Each pass moves past at least one range for good: navoid + 1 passes settle it. */
	for (uint32_t pass = 0; moved && pass <= navoid; pass++) {
		moved = false;
		for (uint32_t i = 0; i < navoid; i++)
			if (mk_ranges_overlap(start, size, avoid[i].base, avoid[i].size)) {
				if (!mk_align_up(mb2_range_end(&avoid[i]), MK_PAGE_SIZE, &start))
					return false;
				moved = true;
			}
	}
	if (moved || !mk_add_u64(start, size, &end) || end > limit)
		return false;
	*at = start;
	return true;
}

/* The placement rule of mb2.h, for `what` (the MBI or the module) of `size` bytes. */
static uint32_t mbi_place(const struct mk_plan_part *p, const struct mk_range *avoid,
			  uint32_t navoid, uint64_t size, const char *what, uint64_t *at,
			  struct mk_diags *d)
{
	struct mk_range r[MB2_MAX_PART_RANGES];
	uint32_t n = mb2_part_ranges(p, r);
	uint64_t kend = mb2_range_end(&avoid[0]);
	char msg[DIAG_MSG_MAX];
	struct mk_buf b;
	size = size ? size : 1; /* an empty module still gets its own page */
	for (uint32_t i = 0; i < n; i++)
		if (kend > r[i].base && kend <= mb2_range_end(&r[i]) &&
		    mbi_fit(&r[i], kend, size, avoid, navoid, at))
			return 0;
	for (uint32_t i = 0; i < n; i++)
		if (mbi_fit(&r[i], 0, size, avoid, navoid, at))
			return 0;
	mk_buf_init(&b, msg, sizeof(msg));
	mk_buf_printf(&b, "no room below 4 GiB for the 0x%llx-byte %s beside the kernel at ",
		      (ull)size, what);
	mb2_put_span(&b, avoid[0].base, avoid[0].size);
	mk_buf_puts(&b, " in the partition's RAM ");
	mb2_put_part_ram(&b, p);
	diag_error(d, DIAG_NO_POS, "%s", msg);
	return 1;
}

/* The module's bytes into the partition (mbi_place found room for them there). */
static uint32_t mbi_copy_module(const struct mb2_info_input *in, const struct mk_phys *pm,
				uint64_t at, struct mk_diags *d)
{
	uint8_t *dst = in->module_len ? phys_ptr(pm, at, in->module_len) : NULL;
	if (in->module_len && !dst) {
		diag_error(d, DIAG_NO_POS, "no memory window covers 0x%llx+0x%llx (internal error)",
			   (ull)at, (ull)in->module_len);
		return 1;
	}
	if (dst)
		mk_memcpy(dst, in->module, in->module_len);
	return 0;
}

uint32_t mb2_build_info(const struct mb2_info_input *in, const struct mk_phys *pm,
			uint64_t *mbi_phys, struct mk_diags *d)
{
	struct mbi_content c;
	struct mbi_writer w = { 0 };
	uint64_t size;
	struct mk_range avoid[MBI_AVOID_MAX] = {
		{ in->kernel->phys_start, in->kernel->phys_end - in->kernel->phys_start },
	};
	uint32_t navoid = 1;
	if (mbi_prepare(in, &c, d))
		return 1;
	if (in->module) {
		if (mbi_place(in->info.part, avoid, navoid, in->module_len, "module", &c.module_at, d) ||
		    mbi_copy_module(in, pm, c.module_at, d))
			return 1;
		avoid[navoid++] = (struct mk_range){ c.module_at, in->module_len ? in->module_len : 1 };
	}
	mbi_emit(&w, &c);
	size = w.off;
	if (mbi_place(in->info.part, avoid, navoid, size, "multiboot2 information", mbi_phys, d))
		return 1;
	w = (struct mbi_writer){ phys_ptr(pm, *mbi_phys, size), 0, 0, false };
	if (!w.buf) {
		diag_error(d, DIAG_NO_POS, "no memory window covers 0x%llx+0x%llx (internal error)",
			   (ull)*mbi_phys, (ull)size);
		return 1;
	}
	mk_memset(w.buf, 0, size);
	mbi_emit(&w, &c);
	if (w.failed) {
		/* mbi_prepare checked what bootinfo_write refuses: a broken invariant. */
		diag_error(d, DIAG_NO_POS, "the mkboot information does not fit its tag (internal error)");
		return 1;
	}
	return 0;
}
