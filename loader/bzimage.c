/*
 * Linux bzImage loader for the 64-bit boot protocol
 * (Documentation/arch/x86/boot.rst).  Three steps, each finished before the
 * next starts, so a bad image is reported before anything is written:
 *
 *   check  the setup header in the file (every byte of it is hostile);
 *   place  the kernel, initrd, boot_params, command line and setup_data in
 *          the partition's RAM, none overlapping another;
 *   write  them through the physical-memory windows.
 *
 * The placement rule and the kernel facts behind it are in docs/linux.md.
 */
#include "bzimage_internal.h"

static uint16_t bz_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t bz_rd32(const uint8_t *p)
{
	return (uint32_t)bz_rd16(p) | (uint32_t)bz_rd16(p + 2) << 16;
}

/* ---- check ---- */

struct bz_image {
	struct setup_header hdr; /* the image's header, zero past its end */
	uint32_t hdr_end;        /* 0x202 + byte[0x201] */
	uint64_t pm_off;         /* protected-mode kernel: file offset and length */
	uint64_t pm_len;
	uint64_t align;          /* kernel_alignment, at least a page */
	bool above_4g;           /* XLF_CAN_BE_LOADED_ABOVE_4G */
};

bool bz_probe(const uint8_t *image, uint64_t len)
{
	return image && len >= BP_VERSION_OFF &&
	       bz_rd16(image + BP_BOOT_FLAG_OFF) == BP_BOOT_FLAG_MAGIC &&
	       bz_rd32(image + BP_HEADER_OFF) == BP_HDRS_MAGIC;
}

/* boot.rst "The Real-Mode Kernel Header" and "32-bit Boot Protocol": where the header ends. */
static bool bz_check_header(const uint8_t *image, uint64_t len, struct bz_image *img,
			    struct mk_diags *d)
{
	if (len < BP_VERSION_OFF) {
		diag_error(d, DIAG_NO_POS, "truncated: file is 0x%llx bytes, too short for a setup header "
			   "(\"HdrS\" ends at 0x%x)", bz_ull(len), BP_VERSION_OFF);
		return false;
	}
	if (bz_rd32(image + BP_HEADER_OFF) != BP_HDRS_MAGIC) {
		diag_error(d, DIAG_NO_POS, "not a bzImage: no HdrS signature at 0x%x", BP_HEADER_OFF);
		return false;
	}
	uint16_t flag = bz_rd16(image + BP_BOOT_FLAG_OFF);
	if (flag != BP_BOOT_FLAG_MAGIC) {
		diag_error(d, DIAG_NO_POS, "not a bzImage: boot_flag at 0x%x is 0x%04x, not 0x%04x",
			   BP_BOOT_FLAG_OFF, flag, BP_BOOT_FLAG_MAGIC);
		return false;
	}
	uint32_t end = BP_HEADER_OFF + image[BP_JUMP_LEN_OFF];
	if (end > len) {
		diag_error(d, DIAG_NO_POS, "truncated: setup header ends at 0x%x (0x202 + byte 0x201), "
			   "file is 0x%llx bytes", end, bz_ull(len));
		return false;
	}
	if (end < BP_VERSION_OFF + 2) {
		diag_error(d, DIAG_NO_POS, "setup header ends at 0x%x, before its version field", end);
		return false;
	}
	uint16_t version = bz_rd16(image + BP_VERSION_OFF);
	if (version < BP_PROTOCOL_64BIT_ENTRY) {
		diag_error(d, DIAG_NO_POS, "boot protocol %u.%02u too old: mkboot needs 2.12 for the "
			   "64-bit entry", version >> 8, version & 0xFFu);
		return false;
	}
	uint32_t need = BP_HDR_OFF(init_size) + sizeof(img->hdr.init_size);
	if (end < need) {
		diag_error(d, DIAG_NO_POS, "setup header ends at 0x%x, before init_size ends at 0x%x",
			   end, need);
		return false;
	}
	if (end > BP_SETUP_HDR_LIMIT) {
		diag_error(d, DIAG_NO_POS, "setup header ends at 0x%x, past the 0x%x that boot_params "
			   "holds for it", end, BP_SETUP_HDR_LIMIT);
		return false;
	}
	uint32_t copy = end - BP_SETUP_HDR_OFF;
	if (copy > sizeof(img->hdr))
		copy = sizeof(img->hdr); /* newer fields mkboot does not read */
	mk_memset(&img->hdr, 0, sizeof(img->hdr));
	mk_memcpy(&img->hdr, image + BP_SETUP_HDR_OFF, copy);
	img->hdr_end = end;
	return true;
}

/* boot.rst "Loading The Rest of The Kernel", relocatable_kernel, xloadflags, init_size. */
static bool bz_check_kernel(uint64_t len, struct bz_image *img, struct mk_diags *d)
{
	const struct setup_header *h = &img->hdr;
	uint32_t sects = h->setup_sects ? h->setup_sects : BP_SETUP_SECTS_DEFAULT;

	img->pm_off = (uint64_t)(sects + 1) * BP_SECTOR_SIZE;
	if (img->pm_off >= len) {
		diag_error(d, DIAG_NO_POS, "truncated: protected-mode kernel starts at 0x%llx "
			   "(setup_sects %u), file is 0x%llx bytes", bz_ull(img->pm_off), sects, bz_ull(len));
		return false;
	}
	/* Copy the whole rest of the file, as boot loaders do: a signed image
	 * carries its signature past syssize.  syssize only has to fit. */
	img->pm_len = len - img->pm_off;
	uint64_t sys_bytes = (uint64_t)h->syssize * 16;
	if (sys_bytes > img->pm_len) {
		diag_error(d, DIAG_NO_POS, "truncated: protected-mode kernel ends at 0x%llx (syssize), "
			   "file is 0x%llx bytes", bz_ull(img->pm_off + sys_bytes), bz_ull(len));
		return false;
	}
	if (!(h->loadflags & LOADED_HIGH)) {
		diag_error(d, DIAG_NO_POS, "not a bzImage: loadflags LOADED_HIGH is clear (a zImage)");
		return false;
	}
	if (!(h->xloadflags & XLF_KERNEL_64)) {
		diag_error(d, DIAG_NO_POS, "kernel has no 64-bit entry point (xloadflags lacks XLF_KERNEL_64)");
		return false;
	}
	if (!h->relocatable_kernel) {
		diag_error(d, DIAG_NO_POS, "kernel is not relocatable (relocatable_kernel is 0): mkboot "
			   "must load it inside the partition's RAM");
		return false;
	}
	if (!mk_is_pow2(h->kernel_alignment)) {
		diag_error(d, DIAG_NO_POS, "kernel_alignment 0x%x is not a power of two", h->kernel_alignment);
		return false;
	}
	if (h->init_size < img->pm_len) {
		diag_error(d, DIAG_NO_POS, "init_size 0x%x is smaller than the 0x%llx-byte protected-mode "
			   "kernel", h->init_size, bz_ull(img->pm_len));
		return false;
	}
	img->align = h->kernel_alignment < MK_PAGE_SIZE ? MK_PAGE_SIZE : h->kernel_alignment;
	img->above_4g = (h->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) != 0;
	return true;
}

/* ---- place ---- */

static const struct mk_range *bz_overlap(const struct bz_layout *lay, uint64_t base, uint64_t size)
{
	for (uint32_t i = 0; i < lay->nplaced; i++)
		if (mk_ranges_overlap(base, size, lay->placed[i].base, lay->placed[i].size))
			return &lay->placed[i];
	return 0;
}

static void bz_record(struct bz_layout *lay, uint64_t base, uint64_t size)
{
	lay->placed[lay->nplaced++] = (struct mk_range){ base, size };
}

/* Lowest `align`-aligned base >= floor with [base, base+size) free and ending <= limit. */
static bool bz_alloc_low(struct bz_layout *lay, uint64_t size, uint64_t align, uint64_t floor,
			 uint64_t limit, uint64_t *out)
{
	for (uint32_t i = 0; i < lay->nfree; i++) {
		const struct bz_span *f = &lay->free[i];
		uint64_t top = f->end < limit ? f->end : limit, cand, end;
		if (!mk_align_up(f->base > floor ? f->base : floor, align, &cand))
			return false;
		while (mk_add_u64(cand, size, &end) && end <= top) {
			const struct mk_range *o = bz_overlap(lay, cand, size);
			if (!o) {
				bz_record(lay, cand, size);
				*out = cand;
				return true;
			}
			if (!mk_align_up(o->base + o->size, align, &cand))
				return false;
		}
	}
	return false;
}

/* Highest `align`-aligned base with [base, base+size) free and ending <= limit. */
static bool bz_alloc_high(struct bz_layout *lay, uint64_t size, uint64_t align, uint64_t limit,
			  uint64_t *out)
{
	for (uint32_t i = lay->nfree; i-- > 0;) {
		const struct bz_span *f = &lay->free[i];
		uint64_t top = f->end < limit ? f->end : limit;
		if (top < size)
			continue;
		uint64_t cand = mk_align_down(top - size, align);
		while (cand >= f->base) {
			const struct mk_range *o = bz_overlap(lay, cand, size);
			if (!o) {
				bz_record(lay, cand, size);
				*out = cand;
				return true;
			}
			if (o->base < size)
				break;
			cand = mk_align_down(o->base - size, align);
		}
	}
	return false;
}

static bool bz_place_small(struct bz_layout *lay, uint64_t size, uint64_t align, uint64_t limit,
			   const char *what, uint64_t *out, struct mk_diags *d)
{
	if (bz_alloc_low(lay, size, align, 0, limit, out))
		return true;
	diag_error(d, DIAG_NO_POS, "no room for %s (0x%llx bytes) in the partition's RAM%s", what,
		   bz_ull(size), limit == BZ_4G ? " below 4 GiB" : "");
	return false;
}

/*
 * The kernel goes to the lowest kernel_alignment-aligned address at or above
 * pref_address with init_size bytes free: startup_64 never runs below
 * LOAD_PHYSICAL_ADDR (= pref_address), so a lower address would make it move
 * itself out of the partition.  The initrd goes as high as it may, as boot
 * loaders do; the small objects go to the lowest free place.
 */
static bool bz_place(const struct bz_input *in, const struct bz_image *img, struct bz_layout *lay,
		     struct bz_loaded *out, struct mk_diags *d)
{
	const struct setup_header *h = &img->hdr;
	uint64_t limit = img->above_4g ? UINT64_MAX : BZ_4G;

	if (!bz_alloc_low(lay, h->init_size, img->align, h->pref_address, limit, &out->load_addr)) {
		diag_error(d, DIAG_NO_POS, "no room for the kernel: init_size 0x%x bytes at a 0x%llx-aligned "
			   "address at or above 0x%llx (pref_address)%s in the partition's RAM",
			   h->init_size, bz_ull(img->align), bz_ull(h->pref_address),
			   img->above_4g ? "" : " below 4 GiB");
		return false;
	}
	out->entry64 = out->load_addr + BP_ENTRY64_OFFSET;
	out->init_size = h->init_size;

	if (in->initrd_len) {
		/* initrd_addr_max is the highest byte the initrd may occupy. */
		uint64_t ilimit = img->above_4g ? UINT64_MAX : (uint64_t)h->initrd_addr_max + 1;
		if (!bz_alloc_high(lay, in->initrd_len, MK_PAGE_SIZE, ilimit, &out->initrd)) {
			if (img->above_4g)
				diag_error(d, DIAG_NO_POS, "no room for the 0x%llx-byte initrd in the "
					   "partition's RAM", bz_ull(in->initrd_len));
			else
				diag_error(d, DIAG_NO_POS, "no room for the 0x%llx-byte initrd below 0x%llx "
					   "(initrd_addr_max + 1) in the partition's RAM",
					   bz_ull(in->initrd_len), bz_ull(ilimit));
			return false;
		}
		out->initrd_size = in->initrd_len;
	}

	const char *cmdline = in->cmdline ? in->cmdline : "";
	size_t clen = mk_strlen(cmdline);
	if (clen > h->cmdline_size) {
		diag_error(d, DIAG_NO_POS, "command line is %zu bytes, the kernel takes at most %u "
			   "(cmdline_size)", clen, h->cmdline_size);
		return false;
	}
	out->cmdline_size = clen + 1;
	if (!bz_place_small(lay, BP_SIZE, MK_PAGE_SIZE, limit, "boot_params", &out->boot_params, d) ||
	    !bz_place_small(lay, out->cmdline_size, BZ_SMALL_ALIGN, limit, "the command line",
			    &out->cmdline, d))
		return false;
	if (in->info && in->info_len)
		return bz_place_small(lay, sizeof(struct setup_data) + in->info_len, BZ_SMALL_ALIGN,
				      limit, "the mkboot setup_data entry", &out->setup_data, d);
	return true;
}

/* ---- write ---- */

struct bz_copy {
	const char *what;
	uint64_t dst;
	const void *src; /* NULL: filled in place */
	uint64_t len;
	uint8_t *host;
};

static bool bz_host_overlap(const void *a, uint64_t alen, const void *b, uint64_t blen)
{
	return mk_ranges_overlap((uintptr_t)a, alen, (uintptr_t)b, blen);
}

/* Maps every destination and checks no source buffer lies under one. */
static bool bz_map_all(const struct mk_phys *pm, struct bz_copy *c, uint32_t n, struct mk_diags *d)
{
	for (uint32_t i = 0; i < n; i++) {
		c[i].host = phys_ptr(pm, c[i].dst, c[i].len);
		if (!c[i].host) {
			diag_error(d, DIAG_NO_POS, "%s at 0x%llx (0x%llx bytes) has no physical-memory "
				   "window", c[i].what, bz_ull(c[i].dst), bz_ull(c[i].len));
			return false;
		}
	}
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < n; j++)
			if (c[i].src && bz_host_overlap(c[i].src, c[i].len, c[j].host, c[j].len)) {
				diag_error(d, DIAG_NO_POS, "the buffer holding %s overlaps where %s goes "
					   "(0x%llx)", c[i].what, c[j].what, bz_ull(c[j].dst));
				return false;
			}
	return true;
}

static void bz_fill_params(struct boot_params *bp, const struct bz_input *in,
			   const struct bz_image *img, const struct bz_layout *lay,
			   const struct bz_loaded *out)
{
	/* boot.rst "64-bit Boot Protocol": a zeroed page, then the setup header
	 * copied from 0x1F1 to 0x202 + byte[0x201].  The sentinel at 0x1EF stays
	 * zero, or sanitize_boot_params() clears the ext_* fields. */
	mk_memset(bp, 0, BP_SIZE);
	mk_memcpy((uint8_t *)bp + BP_SETUP_HDR_OFF, in->image + BP_SETUP_HDR_OFF,
		  img->hdr_end - BP_SETUP_HDR_OFF);

	struct setup_header *h = &bp->hdr;
	h->type_of_loader = BP_LOADER_TYPE_UNDEFINED;
	h->hardware_subarch = X86_SUBARCH_PC;
	if (out->load_addr < BZ_4G)
		h->code32_start = (uint32_t)out->load_addr;
	h->ramdisk_image = (uint32_t)out->initrd;
	h->ramdisk_size = (uint32_t)out->initrd_size;
	bp->ext_ramdisk_image = (uint32_t)(out->initrd >> 32);
	bp->ext_ramdisk_size = (uint32_t)(out->initrd_size >> 32);
	h->cmd_line_ptr = (uint32_t)out->cmdline;
	bp->ext_cmd_line_ptr = (uint32_t)(out->cmdline >> 32);
	h->setup_data = out->setup_data;
	bp->acpi_rsdp_addr = in->rsdp_phys;

	bp->e820_entries = (uint8_t)lay->ne820;
	for (uint32_t i = 0; i < lay->ne820; i++)
		bp->e820_table[i] = (struct boot_e820_entry){ lay->e820[i].base,
							      lay->e820[i].end - lay->e820[i].base,
							      lay->e820[i].type };
}

static bool bz_write(const struct bz_input *in, const struct mk_phys *pm,
		     const struct bz_image *img, const struct bz_layout *lay,
		     const struct bz_loaded *out, struct mk_diags *d)
{
	const char *cmdline = in->cmdline ? in->cmdline : "";
	struct bz_copy c[BZ_MAX_PLACED];
	uint32_t n = 0;

	c[n++] = (struct bz_copy){ "the kernel", out->load_addr, in->image + img->pm_off, img->pm_len, 0 };
	c[n++] = (struct bz_copy){ "boot_params", out->boot_params, 0, BP_SIZE, 0 };
	c[n++] = (struct bz_copy){ "the command line", out->cmdline, cmdline, out->cmdline_size, 0 };
	if (out->initrd_size)
		c[n++] = (struct bz_copy){ "the initrd", out->initrd, in->initrd, out->initrd_size, 0 };
	if (out->setup_data)
		c[n++] = (struct bz_copy){ "the mkboot setup_data entry", out->setup_data, 0,
					   sizeof(struct setup_data) + in->info_len, 0 };
	if (!bz_map_all(pm, c, n, d))
		return false;

	for (uint32_t i = 0; i < n; i++)
		if (c[i].src)
			mk_memcpy(c[i].host, c[i].src, c[i].len); /* the cmdline's NUL included */
	if (out->setup_data) {
		struct setup_data sd = { 0, SETUP_MKBOOT, (uint32_t)in->info_len };
		mk_memcpy(c[n - 1].host, &sd, sizeof(sd));
		mk_memcpy(c[n - 1].host + sizeof(sd), in->info, in->info_len);
	}
	bz_fill_params((struct boot_params *)c[1].host, in, img, lay, out);
	return true;
}

/* ---- entry ---- */

static bool bz_check_input(const struct bz_input *in, struct mk_diags *d)
{
	if (!in->image || !in->part) {
		diag_error(d, DIAG_NO_POS, "no kernel image or no partition given to the bzImage loader");
		return false;
	}
	if (in->initrd_len && !in->initrd) {
		diag_error(d, DIAG_NO_POS, "initrd of 0x%llx bytes has no buffer", bz_ull(in->initrd_len));
		return false;
	}
	if (in->info && in->info_len &&
	    (in->info_len < sizeof(struct mkboot_info) || in->info_len > UINT32_MAX)) {
		diag_error(d, DIAG_NO_POS, "mkboot_info payload of 0x%llx bytes: needs %zu..0xffffffff",
			   bz_ull(in->info_len), sizeof(struct mkboot_info));
		return false;
	}
	return true;
}

uint32_t bz_load(const struct bz_input *in, const struct mk_phys *pm, struct bz_loaded *out,
		 struct mk_diags *d)
{
	uint32_t before = diag_total(d);
	struct bz_image img;
	struct bz_layout lay;

	mk_memset(out, 0, sizeof(*out));
	if (bz_check_input(in, d) && bz_check_header(in->image, in->image_len, &img, d) &&
	    bz_check_kernel(in->image_len, &img, d) && bz_build_maps(in, &lay, d) &&
	    bz_place(in, &img, &lay, out, d) && bz_write(in, pm, &img, &lay, out, d)) {
		out->e820_entries = lay.ne820;
		return 0;
	}
	mk_memset(out, 0, sizeof(*out));
	return diag_total(d) - before;
}
