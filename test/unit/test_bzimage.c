/*
 * bzImage loader tests: fake images built byte by byte at the offsets
 * boot.rst documents, fake partitions as physical windows over heap buffers.
 * boot_params is read back by raw offset, so the struct layout is tested too.
 */
#include <dirent.h>
#include <stdlib.h>

#include "bootparams.h"
#include "bzimage.h"
#include "check.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define PM_OFF 0xA00u   /* (setup_sects 4 + 1) * 512 */
#define PM_LEN 0x1000u
#define IMG_LEN (PM_OFF + PM_LEN)
#define INIT_SIZE (4 * MIB)
#define PREF 0x1000000ull
#define ALIGN (2 * MIB)

/* ---- little-endian access by offset ---- */

static void put16(uint8_t *p, uint32_t off, uint16_t v)
{
	p[off] = (uint8_t)v;
	p[off + 1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t off, uint32_t v)
{
	put16(p, off, (uint16_t)v);
	put16(p, off + 2, (uint16_t)(v >> 16));
}
static void put64(uint8_t *p, uint32_t off, uint64_t v)
{
	put32(p, off, (uint32_t)v);
	put32(p, off + 4, (uint32_t)(v >> 32));
}
static uint32_t get16(const uint8_t *p, uint32_t off)
{
	return p[off] | (uint32_t)p[off + 1] << 8;
}
static uint32_t get32(const uint8_t *p, uint32_t off)
{
	return get16(p, off) | get16(p, off + 2) << 16;
}
static uint64_t get64(const uint8_t *p, uint32_t off)
{
	return get32(p, off) | (uint64_t)get32(p, off + 4) << 32;
}

/* ---- a fake bzImage: real-looking header, a patterned protected-mode kernel ---- */

static void make_image(uint8_t *img, uint32_t len)
{
	memset(img, 0, len);
	img[0x1EF] = 0xFF; /* header.S: sentinel 0xFF, must not reach boot_params */
	img[0x1F0] = 0xFF;
	img[0x1F1] = 4;                         /* setup_sects */
	put32(img, 0x1F4, PM_LEN / 16);         /* syssize */
	put16(img, 0x1FA, 0xFFFF);              /* vid_mode */
	put16(img, 0x1FE, 0xAA55);              /* boot_flag */
	img[0x200] = 0xEB;                      /* jump */
	img[0x201] = 0x6A;                      /* header ends at 0x26C */
	memcpy(img + 0x202, "HdrS", 4);
	put16(img, 0x206, 0x020F);              /* version 2.15 */
	img[0x211] = LOADED_HIGH;               /* loadflags */
	put32(img, 0x22C, 0x7FFFFFFF);          /* initrd_addr_max */
	put32(img, 0x230, ALIGN);               /* kernel_alignment */
	img[0x234] = 1;                         /* relocatable_kernel */
	img[0x235] = 21;                        /* min_alignment */
	put16(img, 0x236, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	put32(img, 0x238, 2047);                /* cmdline_size */
	put64(img, 0x258, PREF);                /* pref_address */
	put32(img, 0x260, INIT_SIZE);           /* init_size */
	put32(img, 0x264, 0x190);               /* handover_offset */
	put32(img, 0x268, 0x12345);             /* kernel_info_offset */
	img[0x26C] = 0xCC;                      /* setup code past the header: not copied */
	for (uint32_t i = PM_OFF; i < len; i++)
		img[i] = (uint8_t)(i * 7 + 3);
}

/* ---- a fake partition ---- */

struct fake {
	struct mk_phys pm;
	uint8_t *buf[MK_MAX_PHYS_WINDOWS];
	struct mk_plan_part part;
	struct bz_input in;
	struct bz_loaded out;
	struct mk_diags d;
	uint8_t img[IMG_LEN];
	uint8_t info[256];
};

static uint8_t *fake_window(struct fake *f, uint64_t phys, uint64_t size)
{
	uint8_t *b = calloc(1, size);
	f->buf[f->pm.n] = b;
	phys_add(&f->pm, b, phys, size);
	return b;
}

static void fake_ram(struct fake *f, uint64_t base, uint64_t size)
{
	f->part.ram[f->part.nram++] = (struct mk_range){ base, size };
	fake_window(f, base, size);
}

/* Low slice 0x90000..0x9F000, shared region at 1 GiB, one mkboot_info. */
static struct fake *fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));
	f->part.low = (struct mk_range){ 0x90000, 0xF000 };
	fake_window(f, 0x90000, 0xF000);
	make_image(f->img, IMG_LEN);

	struct mkboot_info *info = (struct mkboot_info *)f->info;
	info->magic = MKBOOT_INFO_MAGIC;
	info->version = MKBOOT_INFO_VERSION;
	info->nram = 1;
	info->ncpus = 2;
	info->size = (uint32_t)mkboot_info_bytes(1, 2);
	memcpy(info->name, "linux0", 7);
	((struct mkboot_range *)(info + 1))->base = PREF;
	((uint32_t *)(f->info + sizeof(*info) + 16))[1] = 3;

	f->in = (struct bz_input){ .image = f->img, .image_len = IMG_LEN, .cmdline = "console=ttyS1",
				   .part = &f->part, .shared = { GIB, 2 * MIB }, .rsdp_phys = 0x9E000,
				   .info = info, .info_len = info->size };
	diag_init(&f->d, "vmlinuz");
	return f;
}

static void fake_free(struct fake *f)
{
	for (uint32_t i = 0; i < f->pm.n; i++)
		free(f->buf[i]);
	free(f);
}

static uint32_t fake_load(struct fake *f)
{
	return bz_load(&f->in, &f->pm, &f->out, &f->d);
}

static const char *msg0(struct fake *f)
{
	return f->d.count ? f->d.items[0].msg : "(no error)";
}

static const uint8_t *host(struct fake *f, uint64_t phys, uint64_t len)
{
	return phys_ptr(&f->pm, phys, len);
}

static void check_e820(const uint8_t *bp, uint32_t i, uint64_t addr, uint64_t size, uint32_t type)
{
	uint32_t off = 0x2D0 + i * 20;
	CHECK_EQ(get64(bp, off), addr);
	CHECK_EQ(get64(bp, off + 8), size);
	CHECK_EQ(get32(bp, off + 16), type);
}

/* ---- the good path ---- */

static void test_good_load(void)
{
	struct fake *f = fake_new();
	uint8_t initrd[0x3005];
	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i ^ 0x5A);
	fake_ram(f, PREF, 8 * MIB);
	f->in.initrd = initrd;
	f->in.initrd_len = sizeof(initrd);

	CHECK_EQ(fake_load(f), 0);
	CHECK_STR(msg0(f), "(no error)");
	/* Placement: kernel at pref_address, then boot_params, cmdline and
	 * setup_data right after init_size, the initrd at the top. */
	CHECK_EQ(f->out.load_addr, PREF);
	CHECK_EQ(f->out.entry64, PREF + 0x200);
	CHECK_EQ(f->out.init_size, INIT_SIZE);
	CHECK_EQ(f->out.boot_params, PREF + INIT_SIZE);
	CHECK_EQ(f->out.cmdline, PREF + INIT_SIZE + 0x1000);
	CHECK_EQ(f->out.cmdline_size, 14);
	CHECK_EQ(f->out.setup_data, PREF + INIT_SIZE + 0x1010);
	CHECK_EQ(f->out.initrd, PREF + 8 * MIB - 0x4000);
	CHECK_EQ(f->out.initrd_size, sizeof(initrd));
	CHECK_EQ(f->out.e820_entries, 3);

	/* The protected-mode kernel, the initrd and the command line. */
	CHECK(memcmp(host(f, PREF, PM_LEN), f->img + PM_OFF, PM_LEN) == 0);
	CHECK(memcmp(host(f, f->out.initrd, sizeof(initrd)), initrd, sizeof(initrd)) == 0);
	CHECK_STR((const char *)host(f, f->out.cmdline, 14), "console=ttyS1");

	const uint8_t *bp = host(f, f->out.boot_params, 4096);
	/* The setup header, copied from 0x1F1 up to 0x26C, and nothing past it. */
	CHECK_EQ(bp[0x1F1], 4);
	CHECK_EQ(get16(bp, 0x1FE), 0xAA55);
	CHECK(memcmp(bp + 0x202, "HdrS", 4) == 0);
	CHECK_EQ(get16(bp, 0x206), 0x020F);
	CHECK_EQ(get32(bp, 0x230), ALIGN);
	CHECK_EQ(get64(bp, 0x258), PREF);
	CHECK_EQ(get32(bp, 0x260), INIT_SIZE);
	CHECK_EQ(get32(bp, 0x268), 0x12345);
	CHECK_EQ(bp[0x26C], 0);
	CHECK_EQ(bp[0x1EF], 0); /* sentinel */
	CHECK_EQ(bp[0x1F0], 0);
	/* What the loader writes. */
	CHECK_EQ(bp[0x210], 0xFF);                  /* type_of_loader */
	CHECK_EQ(bp[0x211], LOADED_HIGH);           /* loadflags as the image has them */
	CHECK_EQ(get32(bp, 0x214), PREF);           /* code32_start */
	CHECK_EQ(get32(bp, 0x218), f->out.initrd);  /* ramdisk_image */
	CHECK_EQ(get32(bp, 0x21C), sizeof(initrd)); /* ramdisk_size */
	CHECK_EQ(get32(bp, 0x0C0), 0);              /* ext_ramdisk_image */
	CHECK_EQ(get32(bp, 0x0C4), 0);
	CHECK_EQ(get32(bp, 0x228), f->out.cmdline); /* cmd_line_ptr */
	CHECK_EQ(get32(bp, 0x0C8), 0);              /* ext_cmd_line_ptr */
	CHECK_EQ(get64(bp, 0x250), f->out.setup_data);
	CHECK_EQ(get64(bp, 0x070), 0x9E000);        /* acpi_rsdp_addr */
	for (uint32_t o = 0x1C0; o < 0x1E0; o++)    /* efi_info */
		CHECK_EQ(bp[o], 0);
	/* e820: the low slice, the partition's RAM, the shared region; nothing else. */
	CHECK_EQ(bp[0x1E8], 3);
	check_e820(bp, 0, 0x90000, 0xF000, E820_TYPE_RAM);
	check_e820(bp, 1, PREF, 8 * MIB, E820_TYPE_RAM);
	check_e820(bp, 2, GIB, 2 * MIB, E820_TYPE_RESERVED);
	CHECK_EQ(get64(bp, 0x2D0 + 3 * 20 + 8), 0);
	/* The struct agrees with the offsets. */
	const struct boot_params *p = (const struct boot_params *)bp;
	CHECK_EQ(p->hdr.cmd_line_ptr, f->out.cmdline);
	CHECK_EQ(p->e820_table[1].size, 8 * MIB);
	CHECK_EQ(p->acpi_rsdp_addr, 0x9E000);

	/* setup_data: one SETUP_MKBOOT node carrying the payload. */
	const uint8_t *sd = host(f, f->out.setup_data, 16 + f->in.info_len);
	CHECK_EQ(get64(sd, 0), 0);
	CHECK_EQ(get32(sd, 8), SETUP_MKBOOT);
	CHECK_EQ(get32(sd, 12), mkboot_info_bytes(1, 2));
	CHECK(memcmp(sd + 16, f->info, f->in.info_len) == 0);
	CHECK_EQ(get64(sd, 16), MKBOOT_INFO_MAGIC);
	fake_free(f);
}

static void test_no_initrd_no_info(void)
{
	struct fake *f = fake_new();
	fake_ram(f, PREF, 8 * MIB);
	f->in.info = 0;
	f->in.cmdline = 0;
	CHECK_EQ(fake_load(f), 0);
	CHECK_EQ(f->out.initrd, 0);
	CHECK_EQ(f->out.setup_data, 0);
	const uint8_t *bp = host(f, f->out.boot_params, 4096);
	CHECK_EQ(get32(bp, 0x218), 0);
	CHECK_EQ(get32(bp, 0x21C), 0);
	CHECK_EQ(get64(bp, 0x250), 0);
	/* An empty command line still gets a pointer (boot.rst cmd_line_ptr). */
	CHECK(get32(bp, 0x228) != 0);
	CHECK_EQ(*host(f, f->out.cmdline, 1), 0);
	fake_free(f);
}

/* ---- placement rules ---- */

static void test_alignment_and_ranges(void)
{
	/* RAM starting above pref_address, off the 2 MiB grid: next aligned address. */
	struct fake *f = fake_new();
	fake_ram(f, 0x1100000, 16 * MIB);
	CHECK_EQ(fake_load(f), 0);
	CHECK_EQ(f->out.load_addr, 0x1200000);
	CHECK_EQ(f->out.load_addr % ALIGN, 0);
	fake_free(f);

	/* First range too small for init_size: the second one takes the kernel;
	 * small objects still go to the lowest free place. */
	f = fake_new();
	fake_ram(f, PREF, 2 * MIB);
	fake_ram(f, 0x4000000, 8 * MIB);
	CHECK_EQ(fake_load(f), 0);
	CHECK_EQ(f->out.load_addr, 0x4000000);
	CHECK_EQ(f->out.boot_params, PREF);
	CHECK_EQ(f->out.cmdline, PREF + 0x1000);
	fake_free(f);

	/* RAM below pref_address is not used for the kernel (startup_64 would
	 * move itself to LOAD_PHYSICAL_ADDR), but holds boot_params. */
	f = fake_new();
	fake_ram(f, 0x800000, 8 * MIB);
	fake_ram(f, 0x3000000, 8 * MIB);
	CHECK_EQ(fake_load(f), 0);
	CHECK_EQ(f->out.load_addr, 0x3000000);
	CHECK_EQ(f->out.boot_params, 0x800000);
	fake_free(f);

	/* Only RAM below pref_address: an error, not a kernel outside the partition. */
	f = fake_new();
	fake_ram(f, 0x100000, 14 * MIB);
	CHECK_EQ(fake_load(f), 1);
	CHECK_STR(msg0(f), "no room for the kernel: init_size 0x400000 bytes at a 0x200000-aligned "
			   "address at or above 0x1000000 (pref_address) in the partition's RAM");
	fake_free(f);

	/* init_size too big for any range. */
	f = fake_new();
	fake_ram(f, PREF, 8 * MIB);
	fake_ram(f, 0x4000000, 8 * MIB);
	put32(f->img, 0x260, 0x10000000);
	CHECK_EQ(fake_load(f), 1);
	CHECK_STR(msg0(f), "no room for the kernel: init_size 0x10000000 bytes at a 0x200000-aligned "
			   "address at or above 0x1000000 (pref_address) in the partition's RAM");
	fake_free(f);

	/* kernel_alignment below a page is rounded up to a page. */
	f = fake_new();
	put32(f->img, 0x230, 0x10);
	put64(f->img, 0x258, 0x1000010);
	fake_ram(f, PREF, 8 * MIB);
	CHECK_EQ(fake_load(f), 0);
	CHECK_EQ(f->out.load_addr, PREF + 0x1000);
	fake_free(f);
}

static void test_above_4g(void)
{
	/* RAM only above 4 GiB: fine with XLF_CAN_BE_LOADED_ABOVE_4G, and the
	 * ext_* fields carry the high halves. */
	struct fake *f = fake_new();
	uint8_t initrd[0x2000] = { 1 };
	fake_ram(f, 0x100000000ull, 8 * MIB);
	f->in.initrd = initrd;
	f->in.initrd_len = sizeof(initrd);
	CHECK_EQ(fake_load(f), 0);
	CHECK_EQ(f->out.load_addr, 0x100000000ull);
	const uint8_t *bp = host(f, f->out.boot_params, 4096);
	CHECK_EQ(f->out.boot_params, 0x100000000ull + INIT_SIZE);
	CHECK_EQ(get32(bp, 0x228), (uint32_t)f->out.cmdline);
	CHECK_EQ(get32(bp, 0x0C8), 1);
	CHECK_EQ(f->out.initrd, 0x100800000ull - 0x2000);
	CHECK_EQ(get32(bp, 0x218), 0x007FE000);
	CHECK_EQ(get32(bp, 0x0C0), 1);
	CHECK_EQ(get32(bp, 0x0C4), 0);
	CHECK_EQ(get32(bp, 0x214), 0); /* code32_start cannot hold it: left as the image had it */
	fake_free(f);

	/* Without the flag: an error. */
	f = fake_new();
	fake_ram(f, 0x100000000ull, 8 * MIB);
	put16(f->img, 0x236, XLF_KERNEL_64);
	CHECK_EQ(fake_load(f), 1);
	CHECK_STR(msg0(f), "no room for the kernel: init_size 0x400000 bytes at a 0x200000-aligned "
			   "address at or above 0x1000000 (pref_address) below 4 GiB in the "
			   "partition's RAM");
	fake_free(f);

	/* Without the flag, a range crossing 4 GiB: the kernel must end by 4 GiB. */
	f = fake_new();
	fake_ram(f, 0xFFE00000ull, 8 * MIB);
	put16(f->img, 0x236, XLF_KERNEL_64);
	CHECK_EQ(fake_load(f), 1);
	fake_free(f);
	f = fake_new();
	fake_ram(f, 0xFF800000ull, 12 * MIB);
	put16(f->img, 0x236, XLF_KERNEL_64);
	CHECK_EQ(fake_load(f), 0);
	CHECK_EQ(f->out.load_addr, 0xFF800000ull);
	CHECK_EQ(f->out.boot_params, 0xFFC00000ull);
	fake_free(f);
}

static void test_initrd_placement(void)
{
	uint8_t initrd[0x1800] = { 7 };

	/* Below initrd_addr_max + 1, even with RAM above it. */
	struct fake *f = fake_new();
	fake_ram(f, PREF, 32 * MIB);
	put16(f->img, 0x236, XLF_KERNEL_64);
	put32(f->img, 0x22C, 0x1FFFFFF);
	f->in.initrd = initrd;
	f->in.initrd_len = sizeof(initrd);
	CHECK_EQ(fake_load(f), 0);
	CHECK_EQ(f->out.initrd, 0x2000000 - 0x2000);
	CHECK(f->out.initrd + sizeof(initrd) - 1 <= 0x1FFFFFF);
	fake_free(f);

	/* With XLF_CAN_BE_LOADED_ABOVE_4G initrd_addr_max does not bind. */
	f = fake_new();
	fake_ram(f, PREF, 8 * MIB);
	fake_ram(f, 0x100000000ull, 4 * MIB);
	put32(f->img, 0x22C, 0x1FFFFFF);
	f->in.initrd = initrd;
	f->in.initrd_len = sizeof(initrd);
	CHECK_EQ(fake_load(f), 0);
	CHECK_EQ(f->out.initrd, 0x100400000ull - 0x2000);
	fake_free(f);

	/* Does not fit below the limit. */
	f = fake_new();
	fake_ram(f, PREF, 8 * MIB);
	put16(f->img, 0x236, XLF_KERNEL_64);
	put32(f->img, 0x22C, 0x1400FFF);
	f->in.initrd = initrd;
	f->in.initrd_len = sizeof(initrd);
	CHECK_EQ(fake_load(f), 1);
	CHECK_STR(msg0(f), "no room for the 0x1800-byte initrd below 0x1401000 (initrd_addr_max + 1) "
			   "in the partition's RAM");
	fake_free(f);

	/* Bigger than the free RAM. */
	f = fake_new();
	fake_ram(f, PREF, 8 * MIB);
	f->in.initrd = initrd;
	f->in.initrd_len = 5 * MIB;
	CHECK_EQ(fake_load(f), 1);
	CHECK_STR(msg0(f), "no room for the 0x500000-byte initrd in the partition's RAM");
	fake_free(f);

	/* Searching down past a kernel that sits lower than the initrd is long
	 * must stop, not wrap below address 0. */
	f = fake_new();
	fake_ram(f, 0x1000, 0x7F000);
	put64(f->img, 0x258, 0);
	put32(f->img, 0x230, 0x1000);
	put32(f->img, 0x260, 0x10000);
	f->in.initrd = initrd;
	f->in.initrd_len = 0x70000;
	CHECK_EQ(fake_load(f), 1);
	CHECK_STR(msg0(f), "no room for the 0x70000-byte initrd in the partition's RAM");
	fake_free(f);
}

static void test_e820_carving(void)
{
	/* Adjacent ranges merge; an ACPI copy inside RAM is carved out and
	 * nothing is placed on it. */
	struct fake *f = fake_new();
	uint8_t initrd[0x1000] = { 9 };
	fake_ram(f, PREF, 2 * MIB);
	fake_ram(f, PREF + 2 * MIB, 6 * MIB);
	f->in.acpi = (struct mk_range){ PREF + 8 * MIB - 0x10000, 0x10000 };
	f->in.initrd = initrd;
	f->in.initrd_len = sizeof(initrd);
	CHECK_EQ(fake_load(f), 0);
	CHECK_EQ(f->out.e820_entries, 4);
	const uint8_t *bp = host(f, f->out.boot_params, 4096);
	CHECK_EQ(bp[0x1E8], 4);
	check_e820(bp, 0, 0x90000, 0xF000, E820_TYPE_RAM);
	check_e820(bp, 1, PREF, 8 * MIB - 0x10000, E820_TYPE_RAM);
	check_e820(bp, 2, PREF + 8 * MIB - 0x10000, 0x10000, E820_TYPE_ACPI);
	check_e820(bp, 3, GIB, 2 * MIB, E820_TYPE_RESERVED);
	CHECK_EQ(f->out.initrd, PREF + 8 * MIB - 0x11000);
	fake_free(f);

	/* No shared region: just RAM.  The low slice, when adjacent to main
	 * RAM, merges into one entry but is still never used for placement. */
	f = fake_new();
	fake_ram(f, 0x9F000, 0x61000);
	fake_ram(f, PREF, 8 * MIB);
	f->in.shared = (struct mk_range){ 0, 0 };
	put64(f->img, 0x258, 0);
	put32(f->img, 0x260, 6 * MIB);
	CHECK_EQ(fake_load(f), 0);
	bp = host(f, f->out.boot_params, 4096);
	CHECK_EQ(bp[0x1E8], 2);
	check_e820(bp, 0, 0x90000, 0x70000, E820_TYPE_RAM);
	check_e820(bp, 1, PREF, 8 * MIB, E820_TYPE_RAM);
	CHECK_EQ(f->out.load_addr, PREF);
	CHECK_EQ(f->out.boot_params, 0x9F000);
	fake_free(f);

	/* A partition without a low slice cannot run Linux. */
	f = fake_new();
	f->part.low = (struct mk_range){ 0, 0 };
	fake_ram(f, PREF, 8 * MIB);
	CHECK_EQ(fake_load(f), 1);
	CHECK_STR(msg0(f), "partition has no RAM slice below 0x9f000: Linux needs one for its "
			   "real-mode trampolines");
	fake_free(f);
}

/* ---- bad images ---- */

static void expect_bad(struct fake *f, uint64_t len, const char *msg)
{
	fake_ram(f, PREF, 8 * MIB);
	f->in.image_len = len;
	CHECK_EQ(fake_load(f), 1);
	CHECK_EQ(diag_total(&f->d), 1);
	CHECK_STR(msg0(f), msg);
	CHECK_EQ(f->out.load_addr, 0);
	/* Nothing was written: the RAM under pref_address is still zero. */
	CHECK_EQ(*host(f, PREF, 1), 0);
	CHECK_EQ(*host(f, PREF + INIT_SIZE, 1), 0);
	fake_free(f);
}

static void test_bad_images(void)
{
	struct fake *f;

	expect_bad(fake_new(), 0x100,
		   "truncated: file is 0x100 bytes, too short for a setup header (\"HdrS\" ends at 0x206)");
	f = fake_new();
	memcpy(f->img + 0x202, "HdrX", 4);
	expect_bad(f, IMG_LEN, "not a bzImage: no HdrS signature at 0x202");
	f = fake_new();
	put16(f->img, 0x1FE, 0x1234);
	expect_bad(f, IMG_LEN, "not a bzImage: boot_flag at 0x1fe is 0x1234, not 0xaa55");
	expect_bad(fake_new(), 0x240,
		   "truncated: setup header ends at 0x26c (0x202 + byte 0x201), file is 0x240 bytes");
	f = fake_new();
	f->img[0x201] = 0xFF;
	expect_bad(f, IMG_LEN, "setup header ends at 0x301, past the 0x290 that boot_params holds for it");
	f = fake_new();
	f->img[0x201] = 2;
	expect_bad(f, IMG_LEN, "setup header ends at 0x204, before its version field");
	f = fake_new();
	put16(f->img, 0x206, 0x020A);
	expect_bad(f, IMG_LEN, "boot protocol 2.10 too old: mkboot needs 2.12 for the 64-bit entry");
	f = fake_new();
	f->img[0x201] = 0x50;
	expect_bad(f, IMG_LEN, "setup header ends at 0x252, before init_size ends at 0x264");
	f = fake_new();
	f->img[0x1F1] = 60;
	expect_bad(f, IMG_LEN, "truncated: protected-mode kernel starts at 0x7a00 (setup_sects 60), "
			       "file is 0x1a00 bytes");
	expect_bad(fake_new(), PM_OFF,
		   "truncated: protected-mode kernel starts at 0xa00 (setup_sects 4), file is 0xa00 bytes");
	expect_bad(fake_new(), IMG_LEN - 0x10,
		   "truncated: protected-mode kernel ends at 0x1a00 (syssize), file is 0x19f0 bytes");
	f = fake_new();
	f->img[0x211] = 0;
	expect_bad(f, IMG_LEN, "not a bzImage: loadflags LOADED_HIGH is clear (a zImage)");
	f = fake_new();
	put16(f->img, 0x236, XLF_CAN_BE_LOADED_ABOVE_4G);
	expect_bad(f, IMG_LEN, "kernel has no 64-bit entry point (xloadflags lacks XLF_KERNEL_64)");
	f = fake_new();
	f->img[0x234] = 0;
	expect_bad(f, IMG_LEN, "kernel is not relocatable (relocatable_kernel is 0): mkboot must load "
			       "it inside the partition's RAM");
	f = fake_new();
	put32(f->img, 0x230, 0);
	expect_bad(f, IMG_LEN, "kernel_alignment 0x0 is not a power of two");
	f = fake_new();
	put32(f->img, 0x230, 0x300000);
	expect_bad(f, IMG_LEN, "kernel_alignment 0x300000 is not a power of two");
	f = fake_new();
	put32(f->img, 0x260, 0x100);
	expect_bad(f, IMG_LEN, "init_size 0x100 is smaller than the 0x1000-byte protected-mode kernel");
	f = fake_new();
	put32(f->img, 0x238, 10);
	f->in.cmdline = "console=ttyS0,115200";
	expect_bad(f, IMG_LEN, "command line is 20 bytes, the kernel takes at most 10 (cmdline_size)");
	f = fake_new();
	f->in.info_len = 16;
	expect_bad(f, IMG_LEN, "mkboot_info payload of 0x10 bytes: needs 120..0xffffffff");
}

static void test_setup_sects_zero_and_signed(void)
{
	/* setup_sects 0 means 4; bytes past syssize (a signature) are copied too. */
	struct fake *f = fake_new();
	f->img[0x1F1] = 0;
	put32(f->img, 0x1F4, PM_LEN / 16 - 4);
	fake_ram(f, PREF, 8 * MIB);
	CHECK_EQ(fake_load(f), 0);
	CHECK(memcmp(host(f, PREF, PM_LEN), f->img + PM_OFF, PM_LEN) == 0);
	fake_free(f);
}

static void test_memory_errors(void)
{
	/* Partition RAM the windows do not cover: a mkboot bug, reported. */
	struct fake *f = fake_new();
	f->part.ram[f->part.nram++] = (struct mk_range){ PREF, 8 * MIB };
	CHECK_EQ(fake_load(f), 1);
	CHECK_STR(msg0(f), "the kernel at 0x1000000 (0x1000 bytes) has no physical-memory window");
	fake_free(f);

	/* The image buffer lies where the kernel goes. */
	f = fake_new();
	fake_ram(f, PREF, 8 * MIB);
	uint8_t *ram = f->buf[1];
	memcpy(ram, f->img, IMG_LEN);
	f->in.image = ram; /* its protected-mode part sits on its own destination */
	CHECK_EQ(fake_load(f), 1);
	CHECK_STR(msg0(f), "the buffer holding the kernel overlaps where the kernel goes (0x1000000)");
	fake_free(f);

	/* A RAM range that wraps. */
	f = fake_new();
	f->part.ram[f->part.nram++] = (struct mk_range){ UINT64_MAX - 0xFFF, 0x2000 };
	CHECK_EQ(fake_load(f), 1);
	CHECK_STR(msg0(f), "partition RAM at 0xfffffffffffff000 (0x2000 bytes) wraps past the top of "
			   "memory");
	fake_free(f);

	f = fake_new();
	CHECK_EQ(fake_load(f), 1);
	CHECK_STR(msg0(f), "partition has 0 main RAM ranges (1..8)");
	fake_free(f);
}

static void test_probe(void)
{
	static uint8_t img[IMG_LEN];
	make_image(img, IMG_LEN);
	CHECK(bz_probe(img, IMG_LEN));
	CHECK(bz_probe(img, 0x206));
	CHECK(!bz_probe(img, 0x205));
	CHECK(!bz_probe(0, IMG_LEN));
	img[0x1FF] = 0;
	CHECK(!bz_probe(img, IMG_LEN));
	make_image(img, IMG_LEN);
	img[0x205] = 'T';
	CHECK(!bz_probe(img, IMG_LEN));
}

/* ---- a real kernel, when this machine has one ---- */

static uint8_t *read_file(const char *path, uint64_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return 0;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	uint8_t *b = n > 0 ? malloc((size_t)n) : 0;
	if (b && fread(b, 1, (size_t)n, fp) != (size_t)n) {
		free(b);
		b = 0;
	}
	fclose(fp);
	*len = (uint64_t)n;
	return b;
}

static bool find_vmlinuz(char *path, size_t cap)
{
	const char *env = getenv("MKBOOT_TEST_VMLINUZ");
	if (env && *env) {
		snprintf(path, cap, "%s", env);
		return true;
	}
	DIR *dir = opendir("/boot");
	struct dirent *e;
	bool found = false;
	while (dir && !found && (e = readdir(dir)))
		if (strncmp(e->d_name, "vmlinuz-", 8) == 0) {
			snprintf(path, cap, "/boot/%s", e->d_name);
			found = true;
		}
	if (dir)
		closedir(dir);
	return found;
}

static void test_real_kernel(void)
{
	char path[512];
	uint64_t len;
	if (!find_vmlinuz(path, sizeof(path))) {
		printf("test_bzimage: NOTE: no /boot/vmlinuz-* (or MKBOOT_TEST_VMLINUZ): "
		       "real-kernel check skipped, not counted\n");
		return;
	}
	uint8_t *img = read_file(path, &len);
	CHECK(img != 0);
	if (!img)
		return;
	CHECK(bz_probe(img, len));
	struct fake *f = fake_new();
	fake_ram(f, PREF, 256 * MIB);
	f->in.image = img;
	f->in.image_len = len;
	f->in.cmdline = "console=ttyS0 earlyprintk=serial no_ipi_broadcast=1";
	CHECK_EQ(fake_load(f), 0);
	CHECK_STR(msg0(f), "(no error)");
	const uint8_t *bp = host(f, f->out.boot_params, 4096);
	CHECK(bp && get16(bp, 0x206) >= 0x020C);
	CHECK(f->out.load_addr >= get64(img, 0x258));
	CHECK_EQ(f->out.load_addr % get32(img, 0x230), 0);
	CHECK(f->out.boot_params >= f->out.load_addr + get32(img, 0x260));
	printf("test_bzimage: %s: protocol %u.%02u, init_size 0x%x, loaded at 0x%llx\n", path,
	       get16(img, 0x206) >> 8, get16(img, 0x206) & 0xFF, get32(img, 0x260),
	       (unsigned long long)f->out.load_addr);
	fake_free(f);
	free(img);
}

int main(void)
{
	test_good_load();
	test_no_initrd_no_info();
	test_alignment_and_ranges();
	test_above_4g();
	test_initrd_placement();
	test_e820_carving();
	test_bad_images();
	test_setup_sects_zero_and_signed();
	test_memory_errors();
	test_probe();
	test_real_kernel();
	return check_done("test_bzimage");
}
