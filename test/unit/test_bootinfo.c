/*
 * bootinfo_write: the exact bytes of the mkboot_info payload (offsets written
 * out by hand from mailbox/mkboot_info.h, not through the struct), its size,
 * the alignment of its arrays, and refusals that leave the buffer untouched.
 */
#include <stdlib.h>

#include "bootinfo.h"
#include "check.h"

#define CANARY 0x5C
#define BUF_MAX 4096
/* Field offsets, as the ABI comment and the probe kernel read them. */
#define OFF_MAGIC 0
#define OFF_VERSION 8
#define OFF_SIZE 12
#define OFF_INDEX 16
#define OFF_COUNT 20
#define OFF_BOOT_APIC 24
#define OFF_FLAGS 28
#define OFF_NAME 32
#define OFF_SHARED_PHYS 64
#define OFF_SHARED_SIZE 72
#define OFF_LOW_BASE 80
#define OFF_LOW_SIZE 88
#define OFF_TSC 96
#define OFF_IPI 104
#define OFF_NCPUS 108
#define OFF_NRAM 112
#define OFF_RESERVED 116
#define OFF_RAM 120

static uint32_t cpu_ids[MK_MAX_CPUS + 1];
static struct mk_plan_part part;
/* 8-byte aligned, so the payload can also be read through mkboot_info_ram/cpus. */
static uint64_t buf_words[BUF_MAX / 8];
static uint8_t *const buf = (uint8_t *)buf_words;
static uint8_t want[BUF_MAX];

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof(v)); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, sizeof(v)); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, sizeof(v)); return v; }

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* A partition with `nram` main ranges (2 MiB apart from 16 MiB) and a low slice. */
static struct bootinfo_input input(uint32_t nram, uint32_t ncpus)
{
	memset(&part, 0, sizeof(part));
	part.nram = nram;
	for (uint32_t i = 0; i < nram && i < MK_MAX_RAM_RANGES; i++)
		part.ram[i] = (struct mk_range){ 0x1000000ull + i * 0x40000000ull, 0x200000ull * (i + 1) };
	part.low = (struct mk_range){ 0x8F000, 0x10000 };
	for (uint32_t i = 0; i < MK_MAX_CPUS + 1; i++)
		cpu_ids[i] = 0x100 + 3 * i;
	return (struct bootinfo_input){
		.partition_index = 2,
		.partition_count = 4,
		.name = "rt-linux",
		.boot_apic_id = 0x103,
		.flags = MKBOOT_INFO_F_OWNS_BSP | MKBOOT_INFO_F_OWNS_PLATFORM,
		.ipi_vector = 0xEC,
		.tsc_khz = 2899999ull,
		.part = &part,
		.shared = { 0x7F000000ull, 0x400000ull },
		.cpus = cpu_ids,
		.ncpus = ncpus,
	};
}

/* The payload written out field by field; returns its length. */
static uint32_t expected(uint32_t nram, uint32_t ncpus)
{
	uint32_t len = OFF_RAM + 16 * nram + 4 * ncpus;
	memset(want, 0, sizeof(want));
	memcpy(want + OFF_MAGIC, "BOOTINFO", 8);
	put32(want + OFF_VERSION, 1);
	put32(want + OFF_SIZE, len);
	put32(want + OFF_INDEX, 2);
	put32(want + OFF_COUNT, 4);
	put32(want + OFF_BOOT_APIC, 0x103);
	put32(want + OFF_FLAGS, 3);
	memcpy(want + OFF_NAME, "rt-linux", 8); /* the other 24 bytes stay zero */
	put64(want + OFF_SHARED_PHYS, 0x7F000000ull);
	put64(want + OFF_SHARED_SIZE, 0x400000ull);
	put64(want + OFF_LOW_BASE, 0x8F000);
	put64(want + OFF_LOW_SIZE, 0x10000);
	put64(want + OFF_TSC, 2899999ull);
	put32(want + OFF_IPI, 0xEC);
	put32(want + OFF_NCPUS, ncpus);
	put32(want + OFF_NRAM, nram);
	put32(want + OFF_RESERVED, 0);
	for (uint32_t i = 0; i < nram; i++) {
		put64(want + OFF_RAM + 16 * i, 0x1000000ull + i * 0x40000000ull);
		put64(want + OFF_RAM + 16 * i + 8, 0x200000ull * (i + 1));
	}
	for (uint32_t i = 0; i < ncpus; i++)
		put32(want + OFF_RAM + 16 * nram + 4 * i, 0x100 + 3 * i);
	return len;
}

static void check_exact(uint32_t nram, uint32_t ncpus)
{
	struct bootinfo_input in = input(nram, ncpus);
	uint32_t len = expected(nram, ncpus);
	memset(buf, CANARY, BUF_MAX);
	CHECK_EQ(bootinfo_size(&in), len);
	CHECK_EQ(bootinfo_size(&in), mkboot_info_bytes(nram, ncpus));
	CHECK(bootinfo_write(&in, buf, BUF_MAX));
	CHECK(memcmp(buf, want, len) == 0);
	CHECK(all_bytes(buf + len, BUF_MAX - len, CANARY));

	/* The arrays through the ABI header's own accessors. */
	const struct mkboot_info *info = (const struct mkboot_info *)buf;
	const struct mkboot_range *ram = mkboot_info_ram(info);
	const uint32_t *cpus = mkboot_info_cpus(info);
	CHECK_EQ(info->magic, MKBOOT_INFO_MAGIC);
	CHECK_EQ(info->size, len);
	CHECK_EQ((const uint8_t *)ram - buf, OFF_RAM);
	CHECK_EQ((const uint8_t *)cpus - buf, OFF_RAM + 16 * nram);
	CHECK_EQ(ram[nram - 1].base, 0x1000000ull + (nram - 1) * 0x40000000ull);
	CHECK_EQ(ram[nram - 1].size, 0x200000ull * nram);
	CHECK_EQ(cpus[0], 0x100);
	CHECK_EQ(cpus[ncpus - 1], 0x100 + 3 * (ncpus - 1));
}

static void test_exact(void)
{
	check_exact(1, 1);
	check_exact(1, 256);
	check_exact(8, 1);
	check_exact(8, 256);
}

/* mkboot_info.h: ram[] 8-byte aligned from the payload's start, apic_ids[] 4-byte. */
static void test_alignment(void)
{
	CHECK_EQ(sizeof(struct mkboot_info) % 8, 0);
	CHECK_EQ(sizeof(struct mkboot_range) % 8, 0);
	CHECK_EQ(offsetof(struct mkboot_info, shared_phys) % 8, 0);
	CHECK_EQ(offsetof(struct mkboot_info, tsc_khz) % 8, 0);
	for (uint32_t nram = 0; nram <= MK_MAX_RAM_RANGES; nram++)
		CHECK_EQ(mkboot_info_bytes(nram, 0) % 8, 0);

	/* Any destination alignment gives the same bytes (the writer copies bytes). */
	struct bootinfo_input in = input(3, 5);
	uint32_t len = expected(3, 5);
	memset(buf, CANARY, BUF_MAX);
	CHECK(bootinfo_write(&in, buf + 1, BUF_MAX - 1));
	CHECK_EQ(buf[0], CANARY);
	CHECK(memcmp(buf + 1, want, len) == 0);
	CHECK_EQ(buf[1 + len], CANARY);
}

/* Every refusal leaves the whole buffer as it was. */
static void check_refused(const struct bootinfo_input *in, uint64_t cap)
{
	memset(buf, CANARY, BUF_MAX);
	CHECK(!bootinfo_write(in, buf, cap));
	CHECK(all_bytes(buf, BUF_MAX, CANARY));
}

static void test_refusals(void)
{
	struct bootinfo_input in = input(8, 256);
	uint64_t size = bootinfo_size(&in);
	CHECK_EQ(size, 1272);
	check_refused(&in, size - 1);
	check_refused(&in, 0);
	check_refused(&in, sizeof(struct mkboot_info));
	memset(buf, CANARY, BUF_MAX);
	CHECK(bootinfo_write(&in, buf, size)); /* exactly enough */
	CHECK(all_bytes(buf + size, BUF_MAX - size, CANARY));

	in = input(1, 0);
	check_refused(&in, BUF_MAX);
	in = input(1, MK_MAX_CPUS + 1);
	check_refused(&in, BUF_MAX);
	in = input(1, 2);
	in.cpus = NULL;
	check_refused(&in, BUF_MAX);

	/* A name must fit with its NUL: 31 bytes do, 32 would be cut. */
	char name[MKBOOT_NAME_MAX + 1];
	memset(name, 'n', MKBOOT_NAME_MAX);
	name[MKBOOT_NAME_MAX] = 0;
	in = input(1, 1);
	in.name = name;
	check_refused(&in, BUF_MAX);
	name[MKBOOT_NAME_MAX - 1] = 0;
	memset(buf, CANARY, BUF_MAX);
	CHECK(bootinfo_write(&in, buf, BUF_MAX));
	CHECK(memcmp(buf + OFF_NAME, name, MKBOOT_NAME_MAX) == 0); /* 31 'n' and the NUL */
}

static void test_edges(void)
{
	/* No name: all 32 bytes zero.  No shared region, no low slice: zeros. */
	struct bootinfo_input in = input(2, 1);
	in.name = NULL;
	in.shared = (struct mk_range){ 0, 0 };
	part.low = (struct mk_range){ 0, 0 };
	memset(buf, CANARY, BUF_MAX);
	CHECK(bootinfo_write(&in, buf, BUF_MAX));
	CHECK(all_bytes(buf + OFF_NAME, MKBOOT_NAME_MAX, 0));
	CHECK(all_bytes(buf + OFF_SHARED_PHYS, 16, 0));
	CHECK(all_bytes(buf + OFF_LOW_BASE, 16, 0));

	/* nram past the array is clamped; the low slice never joins ram[]. */
	in = input(MK_MAX_RAM_RANGES, 4);
	part.nram = MK_MAX_RAM_RANGES + 5;
	CHECK_EQ(bootinfo_size(&in), mkboot_info_bytes(MK_MAX_RAM_RANGES, 4));
	memset(buf, CANARY, BUF_MAX);
	CHECK(bootinfo_write(&in, buf, BUF_MAX));
	CHECK_EQ(get32(buf + OFF_NRAM), MK_MAX_RAM_RANGES);
	expected(MK_MAX_RAM_RANGES, 4);
	CHECK(memcmp(buf, want, mkboot_info_bytes(MK_MAX_RAM_RANGES, 4)) == 0);
}

int main(void)
{
	test_exact();
	test_alignment();
	test_refusals();
	test_edges();
	return check_done("test_bootinfo");
}
