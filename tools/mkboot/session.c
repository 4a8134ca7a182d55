/*
 * One command's view of the region: where it is, the mapping, the mkbox the
 * library opened on it, and which partition "self" is.
 *
 * mkbox_open needs the self index, and finding self needs an opened region,
 * so the region is opened twice: as partition 0 to read the table, then as
 * self.  Opening writes nothing to shared memory (it only reads the ring
 * positions this side published), so the first open is harmless.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

/* /proc/cmdline is one line of at most a few KiB; more than TOOL_CMDLINE_MAX is refused. */
static int read_cmdline(const struct tool_env *env, char *buf, size_t cap)
{
	FILE *f = fopen(env->cmdline_path, "r");
	size_t n;

	if (!f)
		return tool_fail(env, "%s: %s", env->cmdline_path, strerror(errno));
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = 0;
	if (n == cap - 1)
		return tool_fail(env, "%s: longer than %zu bytes", env->cmdline_path, cap - 1);
	return TOOL_EXIT_OK;
}

/* --info, else mkboot.info= on the kernel command line. */
static int locate(struct session *s, const struct opts *o, uint64_t *phys)
{
	static char cmdline[TOOL_CMDLINE_MAX];
	char msg[160];
	int r;

	if (o->have_info) {
		*phys = o->info;
		return TOOL_EXIT_OK;
	}
	r = read_cmdline(s->env, cmdline, sizeof(cmdline));
	if (r != TOOL_EXIT_OK)
		return r;
	r = region_parse_info(cmdline, phys, msg, sizeof(msg));
	if (r < 0)
		return tool_fail(s->env, "%s: %s", s->env->cmdline_path, msg);
	if (r == 0)
		return tool_fail(s->env, "no %s in %s: this kernel was not started by mkboot "
			    "(use --info 0xADDR or --file PATH)", TOOL_INFO_PARAM,
			    s->env->cmdline_path);
	return TOOL_EXIT_OK;
}

static int map_region(struct session *s, const struct opts *o, bool writable)
{
	char msg[256];
	uint64_t phys = 0;
	int r;

	if (o->file) {
		r = region_map_path(o->file, 0, false, writable, &s->map, msg, sizeof(msg));
	} else {
		r = locate(s, o, &phys);
		if (r != TOOL_EXIT_OK)
			return r;
		r = region_map_path(s->env->devmem_path, phys, true, writable, &s->map, msg,
				    sizeof(msg));
	}
	return r == 0 ? TOOL_EXIT_OK : tool_fail(s->env, "%s", msg);
}

/* --as NAME, else the partition listing the APIC ID of CPU 0 in /proc/cpuinfo. */
static int find_self(struct session *s, const struct opts *o)
{
	FILE *f;
	uint32_t apic;
	int found;

	if (o->as) {
		s->self = mkbox_find(&s->mb, o->as);
		if (s->self < 0)
			return tool_fail(s->env, "--as %s: no partition of that name in the region",
					 o->as);
		return TOOL_EXIT_OK;
	}
	f = fopen(s->env->cpuinfo_path, "r");
	if (!f) {
		snprintf(s->self_why, sizeof(s->self_why), "%s: %s", s->env->cpuinfo_path,
			 strerror(errno));
		return TOOL_EXIT_OK;
	}
	found = region_parse_apic_id(f, &apic);
	fclose(f);
	if (!found)
		snprintf(s->self_why, sizeof(s->self_why), "no apicid in %s", s->env->cpuinfo_path);
	else if ((s->self = region_find_apic(&s->mb, apic)) < 0)
		snprintf(s->self_why, sizeof(s->self_why), "no partition lists APIC ID %u", apic);
	return TOOL_EXIT_OK;
}

int session_open(struct session *s, const struct tool_env *env, const struct opts *o,
		 bool writable)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->env = env;
	s->self = -1;
	r = map_region(s, o, writable);
	if (r != TOOL_EXIT_OK)
		return r;
	if (mkbox_open(&s->mb, s->map.base, s->map.size, 0) != MKBOX_OK) {
		r = tool_fail(env, "%s", s->mb.why);
		session_close(s);
		return r;
	}
	r = find_self(s, o);
	if (r == TOOL_EXIT_OK && s->self > 0 &&
	    mkbox_open(&s->mb, s->map.base, s->map.size, (uint32_t)s->self) != MKBOX_OK)
		r = tool_fail(env, "%s", s->mb.why); /* changed since the first open */
	if (r != TOOL_EXIT_OK)
		session_close(s);
	return r;
}

int session_self(const struct session *s)
{
	if (s->self < 0)
		tool_fail(s->env, "cannot tell which partition this is: %s (use --as NAME)",
			  s->self_why);
	return s->self;
}

void session_close(struct session *s)
{
	region_unmap(&s->map);
}
