/*
 * mkboot, the host-side command.  `mkboot check FILE` runs the same parser and
 * schema checks as mkboot.efi, so a config can be validated before a reboot.
 * Exit status: 0 valid, 1 invalid, 2 usage.
 *
 * Inside a partition, `mkboot status|send|recv|state|heartbeat` use the shared
 * mailbox region (tool.h, cmd_mailbox.c).  Exit status: 0 ok, 1 failed, 2 usage.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "tool.h"

#define CONFIG_MAX_BYTES (256u << 10)

static int usage(void)
{
	fprintf(stderr, "usage: mkboot check FILE\n");
	mailbox_usage(stderr);
	return 2;
}

/* Where files a config names are looked up: beside it, then beside this binary (build/). */
struct lookup {
	char config_dir[PATH_MAX];
	char exe_dir[PATH_MAX];
};

static void dir_of(const char *path, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(out, cap, ".");
	else
		snprintf(out, cap, "%.*s", (int)(slash - path) ? (int)(slash - path) : 1, path);
}

static bool stat_in(const char *dir, const char *name, uint64_t *size)
{
	char p[PATH_MAX * 2];
	struct stat st;
	if (!dir[0])
		return false;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	*size = (uint64_t)st.st_size;
	return true;
}

static bool host_stat(void *ctx, const char *path, uint64_t *size)
{
	const struct lookup *l = ctx;
	return stat_in(l->config_dir, path, size) || stat_in(l->exe_dir, path, size);
}

/* Reads at most CONFIG_MAX_BYTES; *too_big tells a refusal for size from a read error. */
static char *read_file(const char *path, size_t *len, bool *too_big)
{
	FILE *f = fopen(path, "rb");
	*too_big = false;
	if (!f)
		return NULL;
	char *buf = malloc(CONFIG_MAX_BYTES + 1);
	size_t n = buf ? fread(buf, 1, CONFIG_MAX_BYTES + 1, f) : 0;
	fclose(f);
	if (buf && n > CONFIG_MAX_BYTES) {
		*too_big = true;
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static void stderr_line(const char *line)
{
	fprintf(stderr, "%s\n", line);
}

static int cmd_check(const char *path)
{
	static struct mk_config cfg;
	static struct mk_diags diags;
	struct lookup l = { { 0 }, { 0 } };
	char exe[PATH_MAX];
	size_t len = 0;
	ssize_t n;

	diag_init(&diags, path);
	bool too_big;
	char *text = read_file(path, &len, &too_big);
	if (!text) {
		fprintf(stderr, "mkboot: error: %s: %s\n", path,
			too_big ? "larger than 256K" : "cannot read the file");
		return 1;
	}
	dir_of(path, l.config_dir, sizeof(l.config_dir));
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		dir_of(exe, l.exe_dir, sizeof(l.exe_dir));
	}
	config_parse(text, len, &cfg, &diags);
	free(text);
	if (!diag_total(&diags))
		config_check_files(&cfg, host_stat, &l, &diags);
	if (diag_total(&diags)) {
		diag_print(&diags, stderr_line);
		fprintf(stderr, "mkboot: %s: %u error(s)\n", path, diag_total(&diags));
		return 1;
	}
	printf("mkboot: %s: ok, %u partition(s)\n", path, cfg.nparts);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct tool_env env = {
		.cmdline_path = "/proc/cmdline",
		.cpuinfo_path = "/proc/cpuinfo",
		.devmem_path = "/dev/mem",
	};
	struct tool_env e = env;

	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return cmd_check(argv[2]);
	if (argc >= 2 && mailbox_is_command(argv[1])) {
		e.out = stdout;
		e.err = stderr;
		return mailbox_main(&e, argc - 1, argv + 1);
	}
	return usage();
}
