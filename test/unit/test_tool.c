/*
 * The host tool's mailbox commands (tools/mkboot/), run against region images
 * in files: status, send and recv in both directions, state, heartbeat, and
 * every way a region, a command line or a peer can be wrong.
 *
 * The tool sources are not linked into unit tests, so its files without
 * a main() are compiled in here; the loader and mailbox objects are linked.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../tools/mkboot/cmd_args.c"
#include "../../tools/mkboot/cmd_mailbox.c"
#include "../../tools/mkboot/cmd_serve.c"
#include "../../tools/mkboot/region.c"
#include "../../tools/mkboot/session.c"

#include "check.h"

#define PHYS 0x7e000000ull
#define SLOTS 8
#define SLOT_SIZE 64
#define OUT_MAX 8192

static char dir[64], img[96], cmdline[96], cpuinfo[96], devmem[96];

static struct {
	int rc;
	char out[OUT_MAX];
	char err[OUT_MAX];
} R;

/* Runs `mkboot ARGS...` (NULL-terminated) through mailbox_main, capturing both streams. */
static int run(const char *first, ...)
{
	char *argv[32];
	int argc = 0;
	char *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, elen = 0;
	struct tool_env env = { NULL, NULL, cmdline, cpuinfo, devmem };
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	env.out = open_memstream(&obuf, &olen);
	env.err = open_memstream(&ebuf, &elen);
	R.rc = mailbox_main(&env, argc, argv);
	fclose(env.out);
	fclose(env.err);
	snprintf(R.out, sizeof(R.out), "%s", obuf);
	snprintf(R.err, sizeof(R.err), "%s", ebuf);
	free(obuf);
	free(ebuf);
	return R.rc;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_EQ(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void write_text(const char *path, const char *text)
{
	write_file(path, text, strlen(text));
}

static const uint32_t cpus_linux[] = { 0, 1 }, cpus_probe[] = { 2 }, cpus_rt[] = { 3, 4, 5, 7 };

/* Three partitions as mkboot would lay them out; returns the bytes used. */
static uint64_t make_region(void *buf, size_t cap, uint64_t phys, const char *third_name)
{
	const struct mkbox_part_desc parts[] = {
		{ "linux", cpus_linux, 2, 0, 0xea, MKBOX_PART_F_OWNS_BSP | MKBOX_PART_F_OWNS_PLATFORM },
		{ "probe", cpus_probe, 1, 2, 0xeb, 0 },
		{ third_name, cpus_rt, 4, 3, 0xec, 0 },
	};
	uint64_t used = 0;

	CHECK_EQ(mkbox_layout_size(3, SLOTS, SLOT_SIZE, &used), MKBOX_OK);
	CHECK(used <= cap);
	mk_memset(buf, 0, cap);
	CHECK_EQ(mkbox_region_init(buf, phys, used, parts, 3, SLOTS, SLOT_SIZE), MKBOX_OK);
	return used;
}

static _Alignas(4096) uint8_t region[64 << 10];
static uint64_t used;

static void reset_image(void)
{
	used = make_region(region, sizeof(region), PHYS, "rt");
	write_file(img, region, used);
}

static void read_image(void)
{
	FILE *f = fopen(img, "rb");
	CHECK(f && fread(region, 1, used, f) == used);
	if (f)
		fclose(f);
}

static void test_status(void)
{
	char want[256];

	reset_image();
	write_text(cpuinfo, "processor\t: 0\nflags\t\t: fpu apic\napicid\t\t: 2\n"
			    "processor\t: 1\napicid\t\t: 0\n");
	CHECK_EQ(run("status", "--file", img, "--as", "linux", NULL), 0);
	CHECK_STR(R.out, "region 0x7e000000: 3 partitions, 8 slots of 64 bytes per ring, "
			 "messages up to 448 bytes\n"
			 "0 linux cpus=0-1 state=empty heartbeat=0 vector=0xea bsp platform self\n"
			 "1 probe cpus=2 state=empty heartbeat=0 vector=0xeb\n"
			 "2 rt cpus=3-5,7 state=empty heartbeat=0 vector=0xec\n");
	CHECK_STR(R.err, "");

	/* Self from the first CPU's APIC ID, options after the command. */
	CHECK_EQ(run("--file", img, "status", NULL), 0);
	CHECK(strstr(R.out, "\n1 probe cpus=2 state=empty heartbeat=0 vector=0xeb self\n") != NULL);
	write_text(cpuinfo, "apicid\t\t: 7\n");
	CHECK_EQ(run("status", "--file", img, NULL), 0);
	CHECK(strstr(R.out, "\n2 rt cpus=3-5,7 state=empty heartbeat=0 vector=0xec self\n") != NULL);
	/* No partition lists APIC 9: status still works, nothing is "self". */
	write_text(cpuinfo, "apicid\t\t: 9\n");
	CHECK_EQ(run("status", "--file", img, NULL), 0);
	CHECK(strstr(R.out, "self") == NULL);
	CHECK_EQ(run("send", "--file", img, "probe", "hi", NULL), 1);
	CHECK_STR(R.err, "mkboot: error: cannot tell which partition this is: no partition lists "
			 "APIC ID 9 (use --as NAME)\n");
	unlink(cpuinfo);
	CHECK_EQ(run("heartbeat", "--file", img, NULL), 1);
	snprintf(want, sizeof(want), "mkboot: error: cannot tell which partition this is: %s: "
		 "No such file or directory (use --as NAME)\n", cpuinfo);
	CHECK_STR(R.err, want);
	CHECK_EQ(run("status", "--file", img, "--as", "nobody", NULL), 1);
	CHECK_STR(R.err, "mkboot: error: --as nobody: no partition of that name in the region\n");
}

static void test_state_heartbeat(void)
{
	reset_image();
	CHECK_EQ(run("state", "running", "--file", img, "--as", "probe", NULL), 0);
	CHECK_EQ(run("heartbeat", "--file", img, "--as", "probe", NULL), 0);
	CHECK_EQ(run("heartbeat", "--file", img, "--as", "probe", NULL), 0);
	CHECK_EQ(run("heartbeat", "--file", img, "--as", "probe", NULL), 0);
	CHECK_EQ(run("state", "done", "--file", img, "--as", "rt", NULL), 0);
	CHECK_EQ(run("status", "--file", img, "--as", "linux", NULL), 0);
	CHECK(strstr(R.out, "\n1 probe cpus=2 state=running heartbeat=3 vector=0xeb\n") != NULL);
	CHECK(strstr(R.out, "\n2 rt cpus=3-5,7 state=done heartbeat=0 vector=0xec\n") != NULL);
	CHECK_EQ(run("state", "failed", "--file", img, "--as", "probe", NULL), 0);
	CHECK_EQ(run("status", "--file", img, "--as", "linux", NULL), 0);
	CHECK(strstr(R.out, "\n1 probe cpus=2 state=failed heartbeat=3 vector=0xeb\n") != NULL);

	/* A state word no one defined reads as unknown, with its value. */
	read_image();
	((struct mkbox_part *)(region + MKBOX_HEADER_SIZE))[2].state = 77;
	write_file(img, region, used);
	CHECK_EQ(run("status", "--file", img, "--as", "linux", NULL), 0);
	CHECK(strstr(R.out, "\n2 rt cpus=3-5,7 state=unknown(77) heartbeat=0 vector=0xec\n") != NULL);
}

static void test_send_recv(void)
{
	uint64_t start;

	reset_image();
	/* linux -> probe and back: each command a separate open, as in a script. */
	CHECK_EQ(run("send", "--file", img, "--as", "linux", "probe", "ping", "1", "from", "linux", NULL), 0);
	CHECK_STR(R.out, "");
	CHECK_EQ(run("send", "--file", img, "--as", "linux", "probe", "ping 2 from linux", NULL), 0);
	/* Without --count, --wait only waits for the first: the queued ones come at once. */
	start = now_ms(NULL);
	CHECK_EQ(run("recv", "--wait", "5", "--file", img, "--as", "probe", "linux", NULL), 0);
	CHECK(now_ms(NULL) - start < 1000);
	CHECK_STR(R.out, "ping 1 from linux\nping 2 from linux\n");
	CHECK_EQ(run("recv", "--file", img, "--as", "probe", "linux", NULL), 1);
	CHECK_STR(R.out, "");
	CHECK_STR(R.err, "mkboot: error: recv from linux: no message (waited 0 s)\n");
	CHECK_EQ(run("send", "--file", img, "--as", "probe", "linux", "pong 1 to linux", NULL), 0);
	CHECK_EQ(run("send", "--file", img, "--as", "probe", "linux", "pong 2 to linux", NULL), 0);
	CHECK_EQ(run("send", "--file", img, "--as", "probe", "linux", "pong 3 to linux", NULL), 0);
	CHECK_EQ(run("recv", "--count", "2", "--file", img, "--as", "linux", "probe", NULL), 0);
	CHECK_STR(R.out, "pong 1 to linux\npong 2 to linux\n");
	CHECK_EQ(run("recv", "--count", "2", "--wait", "0.05", "--file", img, "--as", "linux", "probe", NULL), 1);
	CHECK_STR(R.out, "pong 3 to linux\n");
	CHECK_STR(R.err, "mkboot: error: recv from probe: 1 of 2 messages (waited 50 ms)\n");
	/* rt saw nothing from either. */
	CHECK_EQ(run("recv", "--file", img, "--as", "rt", "linux", NULL), 1);
	CHECK_EQ(run("recv", "--file", img, "--as", "rt", "probe", NULL), 1);

	/* Bytes a peer sent are escaped in text, exact in hex; "--" ends the options. */
	CHECK_EQ(run("send", "--file", img, "--as", "rt", "linux", "--", "--a\\b\x1b[2J\n", NULL), 0);
	CHECK_EQ(run("send", "--file", img, "--as", "rt", "linux", "hi", NULL), 0);
	CHECK_EQ(run("recv", "--file", img, "--as", "linux", "rt", "--count", "1", NULL), 0);
	CHECK_STR(R.out, "--a\\\\b\\x1b[2J\\x0a\n");
	CHECK_EQ(run("recv", "--file", img, "--as", "linux", "rt", "--hex", NULL), 0);
	CHECK_STR(R.out, "6869\n");
}

static void test_send_errors(void)
{
	char big[SLOTS * (SLOT_SIZE - MKBOX_SLOT_HDR_SIZE) + 2];

	reset_image();
	for (int i = 0; i < SLOTS; i++)
		CHECK_EQ(run("send", "--file", img, "--as", "linux", "probe", "x", NULL), 0);
	CHECK_EQ(run("send", "--file", img, "--as", "linux", "probe", "x", NULL), 1);
	CHECK_STR(R.err, "mkboot: error: send to probe: ring full: probe has not taken its messages "
			 "(waited 0 s)\n");
	CHECK_EQ(run("send", "--wait", "0.02", "--file", img, "--as", "linux", "probe", "x", NULL), 1);
	CHECK_STR(R.err, "mkboot: error: send to probe: ring full: probe has not taken its messages "
			 "(waited 20 ms)\n");
	CHECK_EQ(run("recv", "--count", "1", "--file", img, "--as", "probe", "linux", NULL), 0);
	CHECK_EQ(run("send", "--file", img, "--as", "linux", "probe", "x", NULL), 0);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	CHECK_EQ(run("send", "--file", img, "--as", "rt", "probe", big, NULL), 1);
	CHECK_STR(R.err, "mkboot: error: send to probe: message of 449 bytes, the rings carry at most 448\n");
	big[sizeof(big) - 2] = 0; /* 448 bytes: all eight slots */
	CHECK_EQ(run("send", "--file", img, "--as", "rt", "probe", big, NULL), 0);
	CHECK_EQ(run("recv", "--file", img, "--as", "probe", "rt", NULL), 0);
	CHECK_EQ(strlen(R.out), 449);
	CHECK_EQ(run("send", "--file", img, "--as", "linux", "linux", "x", NULL), 1);
	CHECK_STR(R.err, "mkboot: error: linux is this partition: name a peer\n");
	CHECK_EQ(run("send", "--file", img, "--as", "linux", "foo", "x", NULL), 1);
	CHECK_STR(R.err, "mkboot: error: no partition named foo in the region\n");
}

/* A peer that breaks the ring: the tool says so and prints nothing from it. */
static void test_corrupt_ring(void)
{
	struct mkbox mb;
	struct mkbox_slot_hdr *h;

	reset_image();
	CHECK_EQ(run("send", "--file", img, "--as", "probe", "linux", "fine", NULL), 0);
	read_image();
	CHECK_EQ(mkbox_open(&mb, region, used, 0), MKBOX_OK);
	h = (struct mkbox_slot_hdr *)((uint8_t *)mb.peer[1].rx + MKBOX_RING_CTRL_SIZE);
	h->len = 100000; /* longer than the ring carries */
	write_file(img, region, used);
	CHECK_EQ(run("recv", "--file", img, "--as", "linux", "probe", NULL), 1);
	CHECK_STR(R.out, "");
	CHECK_STR(R.err, "mkboot: error: recv from probe: ring corrupted by peer\n");
	h->len = 4;
	h->seq = 1234;
	write_file(img, region, used);
	CHECK_EQ(run("recv", "--file", img, "--as", "linux", "probe", NULL), 1);
	CHECK_STR(R.err, "mkboot: error: recv from probe: ring corrupted by peer\n");
}

/* Names and CPU lists come from shared memory: escaped, clamped. */
static void test_hostile_table(void)
{
	struct mkbox_part p;
	char want[256];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	used = make_region(region, sizeof(region), PHYS, "x y\x1b");
	write_file(img, region, used);
	CHECK_EQ(run("status", "--file", img, "--as", "linux", NULL), 0);
	CHECK(strstr(R.out, "\n2 x\\x20y\\x1b cpus=3-5,7 ") != NULL);

	memset(&p, 0, sizeof(p));
	p.ncpus = 100;
	p.napic = 1000; /* changed after mkbox_open checked it */
	for (uint32_t i = 0; i < MKBOX_APIC_IDS_MAX; i++)
		p.apic_ids[i] = i < 4 ? UINT32_MAX - 2 + i : 5; /* ..., UINT32_MAX, 0, 5, ... */
	f = open_memstream(&buf, &len);
	put_cpus(f, &p);
	fclose(f);
	/* The run stops at UINT32_MAX instead of wrapping to 0; 60 fives; 36 CPUs unlisted. */
	mk_snprintf(want, sizeof(want), "4294967293-4294967295,0");
	for (int i = 4; i < MKBOX_APIC_IDS_MAX; i++)
		strcat(want, ",5");
	strcat(want, ",+36");
	CHECK_STR(buf, want);
	free(buf);
}

static void test_bad_regions(void)
{
	char want[512];

	reset_image();
	((struct mkbox_header *)region)->nparts = 40;
	write_file(img, region, used);
	CHECK_EQ(run("status", "--file", img, NULL), 1);
	CHECK_STR(R.err, "mkboot: error: mailbox: nparts 40 is not in 1..32\n");

	reset_image();
	((struct mkbox_header *)region)->used_size = 1ull << 40;
	write_file(img, region, used);
	CHECK_EQ(run("status", "--file", img, NULL), 1);
	CHECK_STR(R.err, "mkboot: error: mailbox region at 0x0 claims used_size 1099511627776: "
			 "not in 128..1073741824\n");

	reset_image();
	write_file(img, region, used - 1);
	CHECK_EQ(run("status", "--file", img, NULL), 1);
	snprintf(want, sizeof(want), "mkboot: error: %s: %llu bytes, the region at 0x0 needs %llu\n",
		 img, (unsigned long long)used - 1, (unsigned long long)used);
	CHECK_STR(R.err, want);
	write_file(img, region, 100);
	CHECK_EQ(run("status", "--file", img, NULL), 1);
	snprintf(want, sizeof(want), "mkboot: error: %s: 100 bytes, no room for a region header at 0x0\n", img);
	CHECK_STR(R.err, want);
	write_file(img, "not a region", 12);
	CHECK_EQ(run("status", "--file", img, NULL), 1);

	memset(region, 0, 4096);
	write_file(img, region, 4096);
	CHECK_EQ(run("status", "--file", img, NULL), 1);
	CHECK_STR(R.err, "mkboot: error: no mailbox region at 0x0: magic 0x0000000000000000, "
			 "expected 0x4d4853584f424b4d\n");
	CHECK_EQ(run("status", "--file", "/nonexistent/region", NULL), 1);
	CHECK_STR(R.err, "mkboot: error: /nonexistent/region: No such file or directory\n");
}

/* The /dev/mem path: a file standing in for it, the region at a physical offset. */
static void test_devmem(void)
{
	const uint64_t phys = 0x10040; /* 64-byte aligned, not page aligned */
	static _Alignas(4096) uint8_t mem[0x10040 + sizeof(region)];
	char want[512];
	uint64_t n = make_region(mem + phys, sizeof(region), phys, "rt");

	write_file(devmem, mem, phys + n);
	write_text(cmdline, "console=ttyS0 mkboot.info=0x20000 quiet mkboot.info=0x10040\n");
	write_text(cpuinfo, "apicid\t\t: 3\n");
	CHECK_EQ(run("status", NULL), 0);
	CHECK_STR(R.out, "region 0x10040: 3 partitions, 8 slots of 64 bytes per ring, "
			 "messages up to 448 bytes\n"
			 "0 linux cpus=0-1 state=empty heartbeat=0 vector=0xea bsp platform\n"
			 "1 probe cpus=2 state=empty heartbeat=0 vector=0xeb\n"
			 "2 rt cpus=3-5,7 state=empty heartbeat=0 vector=0xec self\n");
	CHECK_EQ(run("send", "linux", "ping 1 from rt", NULL), 0);
	CHECK_EQ(run("recv", "--as", "linux", "rt", NULL), 0);
	CHECK_STR(R.out, "ping 1 from rt\n");
	CHECK_EQ(run("--info", "0x10040", "heartbeat", NULL), 0);
	CHECK_EQ(run("status", NULL), 0);
	CHECK(strstr(R.out, "\n2 rt cpus=3-5,7 state=empty heartbeat=1 vector=0xec self\n") != NULL);

	CHECK_EQ(run("status", "--info", "0x10000", NULL), 1);
	CHECK_STR(R.err, "mkboot: error: no mailbox region at 0x10000: magic 0x0000000000000000, "
			 "expected 0x4d4853584f424b4d\n");
	CHECK_EQ(run("status", "--info", "0x10020", NULL), 1);
	CHECK_STR(R.err, "mkboot: error: region address 0x10020 is not 64-byte aligned\n");
	/* The header must say it is where mkboot.info says. */
	((struct mkbox_header *)(mem + phys))->region_phys = 0x7e000000;
	write_file(devmem, mem, phys + n);
	CHECK_EQ(run("status", NULL), 1);
	CHECK_STR(R.err, "mkboot: error: mailbox region at 0x10040 says it is at 0x7e000000\n");

	write_text(cmdline, "console=ttyS0 quiet\n");
	CHECK_EQ(run("status", NULL), 1);
	snprintf(want, sizeof(want), "mkboot: error: no mkboot.info= in %s: this kernel was not "
		 "started by mkboot (use --info 0xADDR or --file PATH)\n", cmdline);
	CHECK_STR(R.err, want);
	write_text(cmdline, "mkboot.info=7e000000\n");
	CHECK_EQ(run("status", NULL), 1);
	snprintf(want, sizeof(want), "mkboot: error: %s: mkboot.info=7e000000 is not a hex address "
		 "like mkboot.info=0x7e000000\n", cmdline);
	CHECK_STR(R.err, want);
}

static void test_parsers(void)
{
	char msg[160];
	uint64_t v = 0;
	uint32_t apic = 0;
	FILE *f;

	CHECK_EQ(region_parse_info("ro mkboot.info=0X7E000000", &v, msg, sizeof(msg)), 1);
	CHECK_EQ(v, 0x7e000000);
	CHECK_EQ(region_parse_info("mkboot.info=0x1\tmkboot.info=0xffffffffffffffc0\n", &v, msg, sizeof(msg)), 1);
	CHECK_EQ(v, 0xffffffffffffffc0ull);
	CHECK_EQ(region_parse_info("xmkboot.info=0x1 mkboot.infox=0x2", &v, msg, sizeof(msg)), 0);
	CHECK_EQ(region_parse_info("", &v, msg, sizeof(msg)), 0);
	CHECK_EQ(region_parse_info("mkboot.info=0x10000000000000000", &v, msg, sizeof(msg)), -1);
	CHECK_STR(msg, "mkboot.info=0x10000000000000000 is not a hex address like mkboot.info=0x7e000000");
	CHECK_EQ(region_parse_info("mkboot.info=0x", &v, msg, sizeof(msg)), -1);
	CHECK(region_parse_addr("0x1000", &v) && v == 0x1000);
	CHECK(!region_parse_addr("0x1000 mkboot.info=0x2000", &v));
	CHECK(!region_parse_addr("4096", &v));
	CHECK_EQ(region_parse_info("mkboot.info=0x12g4", &v, msg, sizeof(msg)), -1);

	static const char text[] = "apicid: x\napicidx : 4\n apicid : 5\napicid :6\napicid : 8\n";

	f = fmemopen((void *)text, strlen(text), "r");
	CHECK_EQ(region_parse_apic_id(f, &apic), 1);
	CHECK_EQ(apic, 6);
	fclose(f);
	f = fmemopen((void *)"processor : 0\n", strlen("processor : 0\n"), "r");
	CHECK_EQ(region_parse_apic_id(f, &apic), 0);
	fclose(f);
}

static void test_usage(void)
{
	CHECK_EQ(run(NULL), 2);
	CHECK(strncmp(R.err, "mkboot: no command given\nusage: mkboot check FILE\n", 49) == 0);
	CHECK_EQ(run("status", "extra", NULL), 2);
	CHECK(strncmp(R.err, "mkboot: status takes no arguments\n", 34) == 0);
	CHECK_EQ(run("send", "probe", NULL), 2);
	CHECK(strncmp(R.err, "mkboot: send needs PEER and a MESSAGE\n", 38) == 0);
	CHECK_EQ(run("recv", NULL), 2);
	CHECK_EQ(run("recv", "a", "b", NULL), 2);
	CHECK_EQ(run("state", "sleeping", NULL), 2);
	CHECK(strncmp(R.err, "mkboot: state sleeping: expected running, done, failed or panicked\n", 67) == 0);
	CHECK_EQ(run("status", "--wait", "1", NULL), 2);
	CHECK_EQ(run("send", "p", "m", "--count", "1", NULL), 2);
	CHECK_EQ(run("recv", "p", "--wait", "soon", NULL), 2);
	CHECK(strncmp(R.err, "mkboot: --wait soon: expected seconds, e.g. 5 or 0.5\n", 53) == 0);
	CHECK_EQ(run("recv", "p", "--wait", "1000001", NULL), 2);
	CHECK_EQ(run("recv", "p", "--count", "0", NULL), 2);
	CHECK_EQ(run("recv", "p", "--count", NULL), 2);
	CHECK(strncmp(R.err, "mkboot: --count needs a value\n", 30) == 0);
	CHECK_EQ(run("status", "--file", "x", "--info", "0x1000", NULL), 2);
	CHECK_EQ(run("status", "--info", "4096", NULL), 2);
	CHECK_EQ(run("status", "--frobnicate", NULL), 2);
	CHECK(strncmp(R.err, "mkboot: unknown option --frobnicate\n", 36) == 0);
	CHECK_EQ(run("reboot", NULL), 2);
	CHECK(strncmp(R.err, "mkboot: unknown command reboot\n", 31) == 0);
	CHECK(mailbox_is_command("recv") && mailbox_is_command("--as") && !mailbox_is_command("check"));
}

/* Two processes on one mapping: a receiver waiting while the sender is still to come. */
static void test_two_processes(void)
{
	int status = 0;
	pid_t pid;

	reset_image();
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int rc = run("recv", "--file", img, "--as", "probe", "linux", "--count", "4", "--wait", "10", NULL);
		_exit(rc == 0 && strcmp(R.out, "ping 0\nping 1\nping 2\nping 3\n") == 0 ? 0 : 1);
	}
	usleep(50000);
	for (int i = 0; i < 4; i++) {
		char word[16];

		snprintf(word, sizeof(word), "%d", i);
		CHECK_EQ(run("send", "--file", img, "--as", "linux", "probe", "ping", word, NULL), 0);
	}
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static uint32_t reply(const char *ping, char *out)
{
	return serve_reply((const uint8_t *)ping, (uint32_t)strlen(ping), out, SERVE_PONG_MAX);
}

static void test_serve_reply(void)
{
	char out[SERVE_PONG_MAX];

	CHECK_EQ(reply("ping 1 from linux", out), 15);
	CHECK_STR(out, "pong 1 to linux");
	CHECK_EQ(reply("ping 0 from a", out), 11);
	CHECK_STR(out, "pong 0 to a");
	CHECK_EQ(reply("ping 4294967295 from abcdefghijklmnopqrstuvwxyz01234", out), 50);
	CHECK_STR(out, "pong 4294967295 to abcdefghijklmnopqrstuvwxyz01234");
	CHECK_EQ(reply("ping 4294967296 from a", out), 0);
	CHECK_EQ(reply("ping 01 from a", out), 0);
	CHECK_EQ(reply("ping -1 from a", out), 0);
	CHECK_EQ(reply("ping  1 from a", out), 0);
	CHECK_EQ(reply("ping 1 from ", out), 0);
	CHECK_EQ(reply("ping 1 from", out), 0);
	CHECK_EQ(reply("ping 1 from a b", out), 0);
	CHECK_EQ(reply("ping 1 from a\n", out), 0);
	CHECK_EQ(reply("ping 1 from abcdefghijklmnopqrstuvwxyz012345", out), 0); /* 32 chars */
	CHECK_EQ(reply("ping 1 to a", out), 0);
	CHECK_EQ(reply("pong 1 to a", out), 0);
	CHECK_EQ(reply("probe-hello", out), 0);
	CHECK_EQ(reply("", out), 0);
	CHECK_EQ(serve_reply((const uint8_t *)"ping 7 from ab", 13, out, sizeof(out)), 11);
	CHECK_STR(out, "pong 7 to a"); /* the length given, not the NUL, ends it */
}

/* A serve process answers two peers, ignores the rest, and keeps --except's ring untouched. */
static void test_serve(void)
{
	char long_msg[101];
	int status = 0;
	pid_t pid;

	reset_image();
	/* Before serve starts: 9 messages from linux fill the 8-slot ring and one must wait. */
	CHECK_EQ(run("send", "--file", img, "--as", "linux", "probe", "probe-hello", NULL), 0);
	for (int i = 1; i <= 7; i++) {
		char word[16];

		snprintf(word, sizeof(word), "%d", i);
		CHECK_EQ(run("send", "--file", img, "--as", "linux", "probe", "ping", word, "from", "linux", NULL), 0);
	}
	CHECK_EQ(run("send", "--file", img, "--as", "rt", "probe", "ping 5 from rt", NULL), 0);
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(run("serve", "--file", img, "--as", "probe", "--wait", "1", NULL));
	/* 7 pongs into linux's 8 slots; more pings while serve runs. */
	CHECK_EQ(run("send", "--wait", "1", "--file", img, "--as", "linux", "probe", "ping 8 from linux", NULL), 0);
	CHECK_EQ(run("recv", "--count", "8", "--wait", "3", "--file", img, "--as", "linux", "probe", NULL), 0);
	CHECK_STR(R.out, "pong 1 to linux\npong 2 to linux\npong 3 to linux\npong 4 to linux\n"
			 "pong 5 to linux\npong 6 to linux\npong 7 to linux\npong 8 to linux\n");
	CHECK_EQ(run("recv", "--wait", "3", "--file", img, "--as", "rt", "probe", NULL), 0);
	CHECK_STR(R.out, "pong 5 to rt\n");
	CHECK_EQ(waitpid(pid, &status, 0), pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(run("recv", "--file", img, "--as", "linux", "probe", NULL), 1); /* nothing for the hello */

	/* --except: rt's ring stays queued for another reader. */
	CHECK_EQ(run("send", "--file", img, "--as", "rt", "probe", "ping 6 from rt", NULL), 0);
	CHECK_EQ(run("send", "--file", img, "--as", "linux", "probe", "ping 9 from linux", NULL), 0);
	memset(long_msg, 'p', 100); /* longer than any ping: skipped, and no pong again */
	long_msg[100] = 0;
	CHECK_EQ(run("send", "--file", img, "--as", "linux", "probe", long_msg, NULL), 0);
	CHECK_EQ(run("serve", "--except", "rt", "--wait", "0.05", "--file", img, "--as", "probe", NULL), 0);
	CHECK_EQ(run("recv", "--file", img, "--as", "linux", "probe", NULL), 0);
	CHECK_STR(R.out, "pong 9 to linux\n");
	CHECK_EQ(run("recv", "--file", img, "--as", "probe", "rt", NULL), 0);
	CHECK_STR(R.out, "ping 6 from rt\n");
	/* A PEER list: only those. */
	CHECK_EQ(run("send", "--file", img, "--as", "rt", "probe", "ping 7 from rt", NULL), 0);
	CHECK_EQ(run("send", "--file", img, "--as", "linux", "probe", "ping 10 from linux", NULL), 0);
	CHECK_EQ(run("serve", "rt", "--wait", "0", "--file", img, "--as", "probe", NULL), 0);
	CHECK_EQ(run("recv", "--file", img, "--as", "rt", "probe", NULL), 0);
	CHECK_STR(R.out, "pong 7 to rt\n");
	CHECK_EQ(run("recv", "--file", img, "--as", "probe", "linux", NULL), 0);
	CHECK_STR(R.out, "ping 10 from linux\n");

	CHECK_EQ(run("serve", "nobody", "--file", img, "--as", "probe", NULL), 1);
	CHECK_STR(R.err, "mkboot: error: no partition named nobody in the region\n");
	CHECK_EQ(run("serve", "--except", "nobody", "--file", img, "--as", "probe", NULL), 1);
	CHECK_STR(R.err, "mkboot: error: --except nobody: no partition of that name in the region\n");
	CHECK_EQ(run("send", "probe", "x", "--except", "rt", NULL), 2);
	CHECK_EQ(run("serve", "linux", "--except", "linux", "--file", img, "--as", "probe", NULL), 0);
	CHECK_STR(R.err, "");

	/* A peer that breaks its ring is reported and no longer served; none left: exit 1. */
	CHECK_EQ(run("send", "--file", img, "--as", "linux", "probe", "ping 11 from linux", NULL), 0);
	read_image();
	{
		struct mkbox mb;

		CHECK_EQ(mkbox_open(&mb, region, used, 1), MKBOX_OK);
		((struct mkbox_slot_hdr *)((uint8_t *)mb.peer[0].rx + MKBOX_RING_CTRL_SIZE +
					   (mb.peer[0].rx_tail % SLOTS) * SLOT_SIZE))->seq = 999;
	}
	write_file(img, region, used);
	CHECK_EQ(run("serve", "linux", "--wait", "5", "--file", img, "--as", "probe", NULL), 1);
	CHECK_STR(R.err, "mkboot: error: serve: linux: ring corrupted by peer\n"
			 "mkboot: error: serve: no peer left to serve\n");
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_tool.XXXXXX");
	if (!mkdtemp(dir))
		return perror("mkdtemp"), 1;
	snprintf(img, sizeof(img), "%s/region.img", dir);
	snprintf(cmdline, sizeof(cmdline), "%s/cmdline", dir);
	snprintf(cpuinfo, sizeof(cpuinfo), "%s/cpuinfo", dir);
	snprintf(devmem, sizeof(devmem), "%s/mem", dir);
	write_text(cmdline, "console=ttyS0\n");

	test_parsers();
	test_status();
	test_state_heartbeat();
	test_send_recv();
	test_send_errors();
	test_corrupt_ring();
	test_hostile_table();
	test_bad_regions();
	test_devmem();
	test_usage();
	test_two_processes();
	test_serve_reply();
	test_serve();

	unlink(img);
	unlink(cmdline);
	unlink(cpuinfo);
	unlink(devmem);
	rmdir(dir);
	return check_done("test_tool");
}
