/*
 * partitions.toml: good configs checked field by field, bad ones with the exact
 * errors they must print, and every file in test/configs/{good,bad}.
 */
#include <dirent.h>
#include <stdlib.h>

#include "check.h"
#include "config.h"

#define CONFIGS_DIR "test/configs"
#define EXPECT_PREFIX "# expect: "
#define ERROR_PREFIX "mkboot: error: "

static struct mk_config cfg;
static struct mk_diags diags;
static char errors[16384];

/* Every stored diagnostic as diag_format prints it, one per line. */
static void format_all(const struct mk_diags *d, char *out, size_t cap)
{
	struct mk_buf b;
	mk_buf_init(&b, out, cap);
	for (uint32_t i = 0; i < d->count; i++) {
		if (i)
			mk_buf_putc(&b, '\n');
		diag_format(d, i, &b);
	}
}

/* Parses `text` as file "t.toml"; `errors` gets what the user would see. */
static uint32_t parse(const char *text)
{
	diag_init(&diags, "t.toml");
	uint32_t n = config_parse(text, strlen(text), &cfg, &diags);
	format_all(&diags, errors, sizeof(errors));
	CHECK_EQ(n, diag_total(&diags));
	return n;
}

/* Only probe.elf exists, 4 KiB of it. */
static bool stat_probe_only(void *ctx, const char *path, uint64_t *size)
{
	(void)ctx;
	if (strcmp(path, "probe.elf") != 0)
		return false;
	*size = 4096;
	return true;
}

#define E ERROR_PREFIX "t.toml:"
/* A partition that is fine on its own, five lines. */
#define PART(name, cpu)                                                                            \
	"[[partition]]\nname = \"" name "\"\ncpus = [" cpu "]\nmemory = \"64M\"\nkernel = \"k\"\n"

struct bad_case {
	const char *text;
	const char *errors; /* every line, in order */
};

/* clang-format off */
static const struct bad_case bad_cases[] = {
	/* tables and keys */
	{ "timeout = 3\n" PART("a", "0"),
	  E "1:1: unknown key \"timeout\" at top level "
	    "(keys belong in [mkboot] or [[partition]])" },
	{ "[mkboot]\ntimeuot = 3\n" PART("a", "0"), E "2:1: unknown key \"timeuot\" in [mkboot]" },
	{ PART("a", "0") "cpu = 1\n", E "6:1: unknown key \"cpu\" in [[partition]]" },
	{ "[[foo]]\nx = 1\n[bar]\ny = 2\n" PART("a", "0"),
	  E "1:1: unknown table [[foo]] (expected [mkboot] or [[partition]])\n"
	  E "3:1: unknown table [bar] (expected [mkboot] or [[partition]])" },
	{ "[partition]\nname = \"a\"\n",
	  E "1:1: [partition] must be written [[partition]] (one per partition)\n"
	  E "1:1: no [[partition]] table: at least one partition is required" },
	{ "[[mkboot]]\ntimeout = 1\n" PART("a", "0"),
	  E "1:1: [[mkboot]] must be written [mkboot] (one table)" },
	{ "", E "1:1: no [[partition]] table: at least one partition is required" },
	{ "[[partition]]\n",
	  E "1:1: [[partition]] is missing required key \"name\"\n"
	  E "1:1: [[partition]] is missing required key \"cpus\"\n"
	  E "1:1: [[partition]] is missing required key \"memory\"\n"
	  E "1:1: [[partition]] is missing required key \"kernel\"" },
	{ "[[partition]]\nname = \"rt\"\nkernel = \"k\"\n",
	  E "1:1: partition \"rt\" is missing required key \"cpus\"\n"
	  E "1:1: partition \"rt\" is missing required key \"memory\"" },
	/* wrong types */
	{ "[mkboot]\ntimeout = \"3\"\nplatform = 1\nipi_vector = true\nmailbox_slots = [2]\n"
	  "mailbox_message_size = '64'\nshared_memory = [1]\n" PART("a", "0"),
	  E "2:11: \"timeout\" must be an integer\n"
	  E "3:12: \"platform\" must be a string\n"
	  E "4:14: \"ipi_vector\" must be an integer\n"
	  E "5:17: \"mailbox_slots\" must be an integer\n"
	  E "6:24: \"mailbox_message_size\" must be an integer\n"
	  E "7:17: \"shared_memory\" must be a size string like \"512M\" "
	    "or an integer number of bytes" },
	{ "[[partition]]\nname = 5\ncpus = 0\nmemory = [1]\nkernel = 1\ninitrd = true\n"
	  "cmdline = 0\nmemory_base = \"0x1000\"\nipi_vector = \"0xEA\"\n",
	  E "2:8: \"name\" must be a string\n"
	  E "3:8: \"cpus\" must be an array of integers\n"
	  E "4:10: \"memory\" must be a size string like \"512M\" or an integer number of bytes\n"
	  E "5:10: \"kernel\" must be a string\n"
	  E "6:10: \"initrd\" must be a string\n"
	  E "7:11: \"cmdline\" must be a string\n"
	  E "8:15: \"memory_base\" must be an integer\n"
	  E "9:14: \"ipi_vector\" must be an integer" },
	/* [mkboot] ranges */
	{ "[mkboot]\ntimeout = -1\n" PART("a", "0"),
	  E "2:11: timeout must be between 0 and 3600 seconds, got -1" },
	{ "[mkboot]\ntimeout = 3601\n" PART("a", "0"),
	  E "2:11: timeout must be between 0 and 3600 seconds, got 3601" },
	{ "[mkboot]\nipi_vector = 0x1F\n" PART("a", "0"),
	  E "2:14: ipi_vector must be between 0x20 and 0xFF, got 0x1F" },
	{ "[mkboot]\nipi_vector = 256\n" PART("a", "0"),
	  E "2:14: ipi_vector must be between 0x20 and 0xFF, got 0x100" },
	{ "[mkboot]\nipi_vector = -3\n" PART("a", "0"),
	  E "2:14: ipi_vector must be between 0x20 and 0xFF, got -3" },
	{ "[mkboot]\nmailbox_slots = 1\n" PART("a", "0"),
	  E "2:17: mailbox_slots must be a power of two between 2 and 65536, got 1" },
	{ "[mkboot]\nmailbox_slots = 96\n" PART("a", "0"),
	  E "2:17: mailbox_slots must be a power of two between 2 and 65536, got 96" },
	{ "[mkboot]\nmailbox_slots = 131072\n" PART("a", "0"),
	  E "2:17: mailbox_slots must be a power of two between 2 and 65536, got 131072" },
	{ "[mkboot]\nmailbox_message_size = 32\n" PART("a", "0"),
	  E "2:24: mailbox_message_size must be a multiple of 64 between 64 and 65536, got 32" },
	{ "[mkboot]\nmailbox_message_size = 65600\n" PART("a", "0"),
	  E "2:24: mailbox_message_size must be a multiple of 64 between 64 and 65536, got 65600" },
	{ "[mkboot]\nmailbox_message_size = 100\n" PART("a", "0"),
	  E "2:24: mailbox_message_size must be a multiple of 64 between 64 and 65536, got 100" },
	/* sizes */
	{ "[mkboot]\nshared_memory = \"0\"\nlow_memory = 0\n" PART("a", "0"),
	  E "2:17: shared_memory must not be zero\n"
	  E "3:14: low_memory must not be zero" },
	{ "[mkboot]\nshared_memory = \"4097\"\nlow_memory = 4097\n" PART("a", "0"),
	  E "2:17: shared_memory must be a multiple of 4K (page size), got \"4097\"\n"
	  E "3:14: low_memory must be a multiple of 4K (page size), got 4097" },
	{ "[mkboot]\nlow_memory = -4096\n" PART("a", "0"),
	  E "2:14: low_memory must not be negative, got -4096" },
	{ "[mkboot]\nshared_memory = \"1k\"\nlow_memory = \"\"\n" PART("a", "0"),
	  E "2:17: shared_memory must be a number with an optional K, M, G or T suffix, "
	    "got \"1k\"\n"
	  E "3:14: low_memory must be a number with an optional K, M, G or T suffix, got \"\"" },
	{ "[mkboot]\nshared_memory = \"M\"\nlow_memory = \"1KB\"\n" PART("a", "0"),
	  E "2:17: shared_memory must be a number with an optional K, M, G or T suffix, "
	    "got \"M\"\n"
	  E "3:14: low_memory must be a number with an optional K, M, G or T suffix, got \"1KB\"" },
	{ "[mkboot]\nshared_memory = \" 1M\"\nlow_memory = \"1Mi\"\n" PART("a", "0"),
	  E "2:17: shared_memory must be a number with an optional K, M, G or T suffix, "
	    "got \" 1M\"\n"
	  E "3:14: low_memory must be a number with an optional K, M, G or T suffix, got \"1Mi\"" },
	{ "[mkboot]\nshared_memory = \"16777216T\"\nlow_memory = \"99999999999999999999\"\n"
	  PART("a", "0"),
	  E "2:17: shared_memory does not fit in 64 bits, got \"16777216T\"\n"
	  E "3:14: low_memory does not fit in 64 bits, got \"99999999999999999999\"" },
	{ "[[partition]]\nname = \"a\"\ncpus = [0]\nmemory = \"1000\"\nkernel = \"k\"\n",
	  E "4:10: memory must be a multiple of 4K (page size), got \"1000\"" },
	/* names */
	{ "[[partition]]\nname = \"\"\ncpus = [0]\nmemory = \"64M\"\nkernel = \"k\"\n",
	  E "2:8: partition name must not be empty" },
	{ "[[partition]]\nname = \"a23456789012345678901234567890123\"\ncpus = [0]\n"
	  "memory = \"64M\"\nkernel = \"k\"\n",
	  E "2:8: partition name is too long (33 bytes, at most 31)" },
	{ "[[partition]]\nname = \"r\\u00e9\\n\"\ncpus = [0]\nmemory = \"64M\"\nkernel = \"k\"\n",
	  E "2:8: partition name \"r\xC3\xA9?\" may only contain letters, digits, '_' and '-'" },
	{ PART("a", "0") PART("b", "1") PART("a", "2"),
	  E "12:8: duplicate partition name \"a\" (first used at line 2)" },
	/* cpus */
	{ "[[partition]]\nname = \"a\"\ncpus = []\nmemory = \"64M\"\nkernel = \"k\"\n",
	  E "3:8: \"cpus\" must list at least one APIC ID" },
	{ "[[partition]]\nname = \"a\"\ncpus = [0, \"1\", true]\nmemory = \"64M\"\n"
	  "kernel = \"k\"\n",
	  E "3:12: \"cpus\" must be an array of integers\n"
	  E "3:17: \"cpus\" must be an array of integers" },
	{ PART("a", "-1, 0x1_0000_0000, 0xFFFFFFFE"),
	  E "3:9: APIC ID -1 is out of range (0 to 0xFFFFFFFE)\n"
	  E "3:13: APIC ID 4294967296 is out of range (0 to 0xFFFFFFFE)" },
	{ PART("a", "1, 2, 3, 2, 1"),
	  E "3:18: CPU 2 is listed twice in \"cpus\"\n"
	  E "3:21: CPU 1 is listed twice in \"cpus\"" },
	{ PART("a", "0, 1") PART("b", "2") PART("c", "3, 1, 2"),
	  E "13:12: CPU 1 is already in partition \"a\"\n"
	  E "13:15: CPU 2 is already in partition \"b\"" },
	{ "[[partition]]\nname = 7\ncpus = [4]\nmemory = \"64M\"\nkernel = \"k\"\n" PART("b", "4"),
	  E "2:8: \"name\" must be a string\n"
	  E "8:9: CPU 4 is already in the partition at line 1" },
	/* fixed memory */
	{ PART("a", "0") "memory_base = 0x1234\n",
	  E "6:15: memory_base must be page aligned (a multiple of 0x1000), got 0x1234" },
	{ PART("a", "0") "memory_base = -4096\n",
	  E "6:15: memory_base must not be negative, got -4096" },
	{ PART("a", "0") "memory_base = 0x7FFFFFFFFFFFF000\n" PART("b", "1")
	  "memory_base = 0x7FFFFFFFFC000000\n",
	  E "12:15: memory 0x7FFFFFFFFC000000..0x7FFFFFFFFFFFFFFF overlaps partition \"a\" "
	    "(0x7FFFFFFFFFFFF000..0x8000000003FFEFFF)" },
	{ PART("a", "0") "memory_base = 0x10000000\n" PART("b", "1") "memory_base = 0x14000000\n"
	  PART("c", "2") "memory_base = 0x0C000000\n" PART("d", "3") "memory_base = 0x0C001000\n",
	  E "24:15: memory 0xC001000..0x10000FFF overlaps partition \"a\" "
	    "(0x10000000..0x13FFFFFF)" },
	/* paths and cmdline */
	{ "[[partition]]\nname = \"a\"\ncpus = [0]\nmemory = \"64M\"\nkernel = \"\"\ninitrd = ''\n",
	  E "5:10: kernel path must not be empty\n"
	  E "6:10: initrd path must not be empty" },
	{ "[[partition]]\nname = \"a\"\ncpus = [0]\nmemory = \"64M\"\nkernel = \"k\\u0000x\"\n"
	  "cmdline = \"a\\u0000\"\n",
	  E "5:10: kernel path contains a NUL byte\n"
	  E "6:11: cmdline contains a NUL byte" },
	/* platform */
	{ "[mkboot]\nplatform = \"b\"\n" PART("a", "0"),
	  E "2:12: platform \"b\" is not the name of any partition" },
	{ "[mkboot]\nplatform = \"\"\n" PART("a", "0"),
	  E "2:12: platform \"\" is not the name of any partition" },
	{ "[mkboot]\nplatform = \"a23456789012345678901234567890123\"\n" PART("a", "0"),
	  E "2:12: platform \"a23456789012345678901234567890123\" "
	    "is not the name of any partition" },
	{ "[mkboot]\nplatform = \"x\\u001b[31m\"\n" PART("a", "0"),
	  E "2:12: platform \"x?[31m\" is not the name of any partition" },
	{ PART("a", "0") "ipi_vector = 0x10\n",
	  E "6:14: ipi_vector must be between 0x20 and 0xFF, got 0x10" },
	/* A syntax error in a value is reported once: the key still counts as given. */
	{ "[[partition]]\nname = a\ncpus = [1.5]\nmemory = 1G\nkernel = \"k\n",
	  E "2:8: expected a value, found \"a\" (strings must be quoted)\n"
	  E "3:9: floats are not supported\n"
	  E "4:10: invalid character 'G' in decimal integer \"1G\"\n"
	  E "5:10: unterminated string (missing closing \")" },
	/* Many errors: all of them, top to bottom, whichever check found them. */
	{ "[mkboot]\nplatform = \"zz\"\ntimeout = 9999\n"
	  "[[partition]]\nname = \"a\"\ncpus = [0, 0]\nmemory = \"3K\"\nkernel = \"k\"\nfoo = 1\n"
	  "[[partition]]\nname = \"a\"\ncpus = [0]\n",
	  E "2:12: platform \"zz\" is not the name of any partition\n"
	  E "3:11: timeout must be between 0 and 3600 seconds, got 9999\n"
	  E "6:12: CPU 0 is listed twice in \"cpus\"\n"
	  E "7:10: memory must be a multiple of 4K (page size), got \"3K\"\n"
	  E "9:1: unknown key \"foo\" in [[partition]]\n"
	  E "10:1: partition \"a\" is missing required key \"memory\"\n"
	  E "10:1: partition \"a\" is missing required key \"kernel\"\n"
	  E "11:8: duplicate partition name \"a\" (first used at line 5)\n"
	  E "12:9: CPU 0 is already in partition \"a\"" },
};
/* clang-format on */

static void test_bad_cases(void)
{
	for (size_t i = 0; i < MK_ARRAY_SIZE(bad_cases); i++) {
		uint32_t n = parse(bad_cases[i].text);
		CHECK(n > 0);
		CHECK_STR(errors, bad_cases[i].errors);
		if (strcmp(errors, bad_cases[i].errors) != 0)
			fprintf(stderr, "  in bad case %zu\n", i);
	}
}

static void test_defaults(void)
{
	CHECK_EQ(parse(PART("solo", "3")), 0);
	CHECK_STR(errors, "");
	CHECK_EQ(cfg.timeout, 0);
	CHECK_EQ(cfg.shared_size, 2u << 20);
	CHECK_EQ(cfg.ipi_vector, 0xEA);
	CHECK_EQ(cfg.mailbox_slots, 64);
	CHECK_EQ(cfg.mailbox_msg_size, 64);
	CHECK_EQ(cfg.low_memory, 64u << 10);
	CHECK(!cfg.has_platform);
	CHECK_EQ(cfg.nparts, 1);
	const struct mk_partition_cfg *p = &cfg.part[0];
	CHECK_STR(p->name, "solo");
	CHECK_EQ(p->pos.line, 1);
	CHECK_EQ(p->pos.col, 1);
	CHECK_EQ(p->name_pos.line, 2);
	CHECK_EQ(p->name_pos.col, 8);
	CHECK_EQ(p->ncpus, 1);
	CHECK_EQ(p->cpus[0], 3);
	CHECK_EQ(p->cpu_pos[0].line, 3);
	CHECK_EQ(p->cpu_pos[0].col, 9);
	CHECK_EQ(p->cpus_pos.col, 8);
	CHECK_EQ(p->memory, 64u << 20);
	CHECK_EQ(p->memory_pos.line, 4);
	CHECK(!p->has_memory_base);
	CHECK_STR(p->kernel, "k");
	CHECK_EQ(p->kernel_pos.line, 5);
	CHECK_EQ(p->kernel_pos.col, 10);
	CHECK(!p->has_initrd);
	CHECK_STR(p->cmdline, "");
	CHECK_EQ(p->ipi_vector, 0xEA);
}

static void test_full_config(void)
{
	/* [mkboot] after the partitions still sets their default doorbell. */
	CHECK_EQ(parse("# comment first\n"
		       "[[partition]] # io partition\n"
		       "name = \"io\"   # its name\n"
		       "cpus = [ # multi-line\n"
		       "  0x0,\n"
		       "  0b1, # binary\n"
		       "  0o2,\n"
		       "  0xFFFF_FFFE,\n"
		       "]\n"
		       "memory = \"1G\"\n"
		       "memory_base = 0x8000_0000\n"
		       "kernel = 'EFI/mkboot/vmlinuz'\n"
		       "initrd = \"initrd.img\"\n"
		       "cmdline = \"console=ttyS0 quiet \\\"x\\\"\"\n"
		       "\n"
		       "[[partition]]\n"
		       "name = \"rt-2_b\"\n"
		       "cpus = [4]\n"
		       "memory = 0x20_0000\n"
		       "ipi_vector = 0xEB\n"
		       "kernel = \"rt.elf\"\n"
		       "[mkboot]\n"
		       "timeout = 3600\n"
		       "shared_memory = \"8MiB\"\n"
		       "ipi_vector = 0x20\n"
		       "mailbox_slots = 65536\n"
		       "mailbox_message_size = 65536\n"
		       "low_memory = \"128K\"\n"
		       "platform = \"rt-2_b\"\n"),
		 0);
	CHECK_STR(errors, "");
	CHECK_EQ(cfg.timeout, 3600);
	CHECK_EQ(cfg.shared_size, 8u << 20);
	CHECK_EQ(cfg.shared_size_pos.line, 24);
	CHECK_EQ(cfg.ipi_vector, 0x20);
	CHECK_EQ(cfg.mailbox_slots, 65536);
	CHECK_EQ(cfg.mailbox_msg_size, 65536);
	CHECK_EQ(cfg.low_memory, 128u << 10);
	CHECK_EQ(cfg.low_memory_pos.line, 28);
	CHECK(cfg.has_platform);
	CHECK_STR(cfg.platform, "rt-2_b");
	CHECK_EQ(cfg.platform_pos.line, 29);
	CHECK_EQ(cfg.platform_pos.col, 12);
	CHECK_EQ(cfg.nparts, 2);
	const struct mk_partition_cfg *a = &cfg.part[0], *b = &cfg.part[1];
	CHECK_STR(a->name, "io");
	CHECK_EQ(a->pos.line, 2);
	CHECK_EQ(a->ncpus, 4);
	CHECK_EQ(a->cpus[0], 0);
	CHECK_EQ(a->cpus[1], 1);
	CHECK_EQ(a->cpus[2], 2);
	CHECK_EQ(a->cpus[3], 0xFFFFFFFE);
	CHECK_EQ(a->cpu_pos[3].line, 8);
	CHECK_EQ(a->cpu_pos[3].col, 3);
	CHECK_EQ(a->cpus_pos.line, 4);
	CHECK_EQ(a->memory, 1u << 30);
	CHECK(a->has_memory_base);
	CHECK_EQ(a->memory_base, 0x80000000u);
	CHECK_EQ(a->memory_base_pos.line, 11);
	CHECK_STR(a->kernel, "EFI/mkboot/vmlinuz");
	CHECK(a->has_initrd);
	CHECK_STR(a->initrd, "initrd.img");
	CHECK_EQ(a->initrd_pos.line, 13);
	CHECK_STR(a->cmdline, "console=ttyS0 quiet \"x\"");
	CHECK_EQ(a->cmdline_pos.line, 14);
	CHECK_EQ(a->ipi_vector, 0x20);
	CHECK_STR(b->name, "rt-2_b");
	CHECK_EQ(b->memory, 2u << 20);
	CHECK_EQ(b->ipi_vector, 0xEB);
	CHECK_EQ(config_find_partition(&cfg, "io"), 0);
	CHECK_EQ(config_find_partition(&cfg, "rt-2_b"), 1);
	CHECK_EQ(config_find_partition(&cfg, "rt"), -1);
	CHECK_EQ(config_find_partition(&cfg, ""), -1);
}

/* The bytes `value` (TOML) gives as a partition's memory; 0 when it is rejected. */
static uint64_t memory_of(const char *value)
{
	char text[256];
	snprintf(text, sizeof(text),
		 "[[partition]]\nname = \"a\"\ncpus = [0]\nkernel = \"k\"\nmemory = %s\n", value);
	return parse(text) ? 0 : cfg.part[0].memory;
}

static void test_sizes(void)
{
	CHECK_EQ(memory_of("\"512M\""), 512ull << 20);
	CHECK_EQ(memory_of("\"1G\""), 1ull << 30);
	CHECK_EQ(memory_of("\"64K\""), 64ull << 10);
	CHECK_EQ(memory_of("\"2T\""), 2ull << 40);
	CHECK_EQ(memory_of("4096"), 4096);
	CHECK_EQ(memory_of("\"8192\""), 8192);
	CHECK_EQ(memory_of("\"2MiB\""), 2ull << 20);
	CHECK_EQ(memory_of("\"4KiB\""), 4096);
	CHECK_EQ(memory_of("\"3GiB\""), 3ull << 30);
	CHECK_EQ(memory_of("\"1TiB\""), 1ull << 40);
	CHECK_EQ(memory_of("'0016M'"), 16ull << 20);
	CHECK_EQ(memory_of("0x1000_0000"), 0x10000000);
	CHECK_EQ(memory_of("0o10000"), 4096);
	/* 2^63 - 4096: the largest page multiple an integer can give. */
	CHECK_EQ(memory_of("0x7FFF_FFFF_FFFF_F000"), 0x7FFFFFFFFFFFF000ull);
	/* The largest string size: 16777215T fits, one more T does not. */
	CHECK_EQ(memory_of("\"16777215T\""), 16777215ull << 40);
	CHECK_EQ(memory_of("\"16777216T\""), 0);
	CHECK_EQ(memory_of("\"18446744073709547520\""), 18446744073709547520ull);
	CHECK_EQ(memory_of("\"18446744073709551616\""), 0);
	CHECK_EQ(memory_of("\"1.5G\""), 0);
	CHECK_EQ(memory_of("\"1g\""), 0);
	CHECK_EQ(memory_of("\"1 G\""), 0);
	CHECK_EQ(memory_of("\"1GB\""), 0);
	CHECK_EQ(memory_of("\"1iB\""), 0);
	CHECK_EQ(memory_of("\"-4K\""), 0);
	CHECK_EQ(memory_of("\"4K \""), 0);
}

static void test_limits(void)
{
	static char text[65536];
	struct mk_buf b;

	/* 256 CPUs in one partition and APIC ID bounds are fine. */
	mk_buf_init(&b, text, sizeof(text));
	mk_buf_puts(&b, "[[partition]]\nname = \"a\"\nmemory = \"1G\"\nkernel = \"k\"\ncpus = [");
	for (int i = 0; i < MK_MAX_CPUS; i++)
		mk_buf_printf(&b, "%d, ", i * 7);
	mk_buf_puts(&b, "]\n");
	CHECK_EQ(parse(text), 0);
	CHECK_EQ(cfg.part[0].ncpus, MK_MAX_CPUS);
	CHECK_EQ(cfg.part[0].cpus[255], 255 * 7);

	/* 257 in one array is more than the parser keeps. */
	mk_buf_init(&b, text, sizeof(text));
	mk_buf_puts(&b, "[[partition]]\nname = \"a\"\nmemory = \"1G\"\nkernel = \"k\"\ncpus = [\n");
	for (int i = 0; i <= MK_MAX_CPUS; i++)
		mk_buf_printf(&b, "%d,\n", i);
	mk_buf_puts(&b, "]\n");
	CHECK_EQ(parse(text), 1);
	CHECK_STR(errors, E "262:1: array has more than 256 elements");

	/* 200 + 200 CPUs: the 257th is one too many for the machine. */
	mk_buf_init(&b, text, sizeof(text));
	for (int part = 0; part < 2; part++) {
		mk_buf_printf(&b, "[[partition]]\nname = \"p%d\"\nmemory = \"1G\"\n", part);
		mk_buf_puts(&b, "kernel = \"k\"\ncpus = [\n");
		for (int i = 0; i < 200; i++)
			mk_buf_printf(&b, "%d,\n", part * 200 + i);
		mk_buf_puts(&b, "]\n");
	}
	CHECK_EQ(parse(text), 1);
	CHECK_STR(errors, E "268:1: more than 256 CPUs in all partitions");

	/* 32 partitions are fine, the 33rd is reported once and its keys ignored. */
	for (int total = MK_MAX_PARTITIONS; total <= MK_MAX_PARTITIONS + 2; total += 2) {
		mk_buf_init(&b, text, sizeof(text));
		for (int i = 0; i < total; i++)
			mk_buf_printf(
				&b,
				"[[partition]]\nname = \"p%d\"\ncpus = [%d]\nmemory = \"4K\"\n"
				"kernel = \"k\"\n",
				i, i);
		if (total == MK_MAX_PARTITIONS) {
			CHECK_EQ(parse(text), 0);
			CHECK_EQ(cfg.nparts, MK_MAX_PARTITIONS);
			CHECK_STR(cfg.part[31].name, "p31");
		} else {
			CHECK_EQ(parse(text), 1);
			CHECK_STR(errors, E "161:1: too many partitions (at most 32)");
			CHECK_EQ(cfg.nparts, MK_MAX_PARTITIONS);
		}
	}

	/* Paths and cmdline: the longest accepted and one byte more. */
	static const char *const keys[] = { "kernel", "initrd", "cmdline" };
	for (size_t k = 0; k < MK_ARRAY_SIZE(keys); k++) {
		size_t max = k < 2 ? MK_PATH_MAX - 1 : MK_CMDLINE_MAX - 1;
		for (size_t len = max; len <= max + 1; len++) {
			char expect[160];
			mk_buf_init(&b, text, sizeof(text));
			mk_buf_printf(&b,
				      "[[partition]]\nname = \"a\"\ncpus = [0]\nmemory = \"4K\"\n");
			if (k)
				mk_buf_puts(&b, "kernel = \"k\"\n");
			mk_buf_printf(&b, "%s = \"", keys[k]);
			for (size_t i = 0; i < len; i++)
				mk_buf_putc(&b, 'x');
			mk_buf_puts(&b, "\"\n");
			if (len == max) {
				CHECK_EQ(parse(text), 0);
				CHECK_EQ(strlen(k == 0	 ? cfg.part[0].kernel
						: k == 1 ? cfg.part[0].initrd
							 : cfg.part[0].cmdline),
					 max);
				continue;
			}
			snprintf(expect, sizeof(expect),
				 E "%d:%zu: %s%s is too long (%zu bytes, at most %zu)", k ? 6 : 5,
				 strlen(keys[k]) + 4, keys[k], k < 2 ? " path" : "", len, max);
			CHECK_EQ(parse(text), 1);
			CHECK_STR(errors, expect);
		}
	}
}

static void test_check_files(void)
{
	CHECK_EQ(parse("[[partition]]\nname = \"a\"\ncpus = [0]\nmemory = \"4K\"\n"
		       "initrd = \"initrd\\u0001.img\"\nkernel = \"probe.elf\"\n"
		       "[[partition]]\nname = \"b\"\ncpus = [1]\nmemory = \"4K\"\n"
		       "kernel = \"gone.elf\"\ninitrd = \"probe.elf\"\n"),
		 0);
	diag_init(&diags, "t.toml");
	CHECK_EQ(config_check_files(&cfg, stat_probe_only, NULL, &diags), 2);
	format_all(&diags, errors, sizeof(errors));
	CHECK_STR(errors, E "5:10: initrd file \"initrd?.img\" not found\n" E
			    "11:10: kernel file \"gone.elf\" not found");
	CHECK_EQ(parse(PART("a", "0")), 0);
	mk_strlcpy(cfg.part[0].kernel, "probe.elf", sizeof(cfg.part[0].kernel));
	diag_init(&diags, "t.toml");
	CHECK_EQ(config_check_files(&cfg, stat_probe_only, NULL, &diags), 0);
}

/* Reads a whole file into a malloc'd buffer. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)size + 1);
		if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)size;
	}
	fclose(f);
	return buf;
}

/* The "# expect: " lines of a config, FILE replaced by its path, in diag_format's form. */
static void expected_errors(const char *text, size_t len, const char *path, char *out, size_t cap)
{
	struct mk_buf b;
	size_t plen = strlen(EXPECT_PREFIX);
	mk_buf_init(&b, out, cap);
	for (size_t off = 0; off < len;) {
		const char *line = text + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t n = nl ? (size_t)(nl - line) : len - off;
		if (n > plen && memcmp(line, EXPECT_PREFIX, plen) == 0) {
			const char *msg = line + plen;
			size_t mlen = n - plen;
			if (b.len)
				mk_buf_putc(&b, '\n');
			mk_buf_puts(&b, ERROR_PREFIX);
			if (mlen >= 4 && memcmp(msg, "FILE", 4) == 0) {
				mk_buf_puts(&b, path);
				msg += 4;
				mlen -= 4;
			}
			for (size_t i = 0; i < mlen; i++)
				mk_buf_putc(&b, msg[i]);
		}
		off += n + 1;
	}
}

/* Every config in `dir` parses and passes the file check with exactly its "# expect:" errors. */
static unsigned check_config_dir(const char *dir, bool bad)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	unsigned files = 0;
	CHECK(dp != NULL);
	if (!dp) {
		fprintf(stderr, "cannot open %s: run the unit tests from the repository top\n",
			dir);
		return 0;
	}
	while ((de = readdir(dp))) {
		char path[512], expect[4096];
		size_t len = 0, nlen = strlen(de->d_name);
		if (nlen < 5 || strcmp(de->d_name + nlen - 5, ".toml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		char *text = read_file(path, &len);
		CHECK(text != NULL);
		if (!text)
			continue;
		files++;
		expected_errors(text, len, path, expect, sizeof(expect));
		CHECK_EQ(expect[0] != 0, bad);
		diag_init(&diags, path);
		if (config_parse(text, len, &cfg, &diags) == 0)
			config_check_files(&cfg, stat_probe_only, NULL, &diags);
		format_all(&diags, errors, sizeof(errors));
		CHECK_STR(errors, expect);
		free(text);
	}
	closedir(dp);
	return files;
}

static void test_config_files(void)
{
	/* The demo config at the top of the repository. */
	size_t len;
	char *text = read_file("partitions.toml", &len);
	CHECK(text != NULL);
	if (text) {
		diag_init(&diags, "partitions.toml");
		CHECK_EQ(config_parse(text, len, &cfg, &diags), 0);
		CHECK(cfg.nparts > 0);
		free(text);
	}
	CHECK(check_config_dir(CONFIGS_DIR "/good", false) >= 3);
	CHECK(check_config_dir(CONFIGS_DIR "/bad", true) >= 12);
}

int main(void)
{
	test_bad_cases();
	test_defaults();
	test_full_config();
	test_sizes();
	test_limits();
	test_check_files();
	test_config_files();
	return check_done("test_config");
}
