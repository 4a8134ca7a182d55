/*
 * Finding and mapping the shared mailbox region from Linux user space.
 *
 * mkboot appends mkboot.info=0x<physical address of the region header> to
 * every Linux command line and marks the region reserved in the partition's
 * e820 map.  With STRICT_DEVMEM (and IO_STRICT_DEVMEM) /dev/mem maps such
 * pages, but never System RAM: drivers/char/mem.c checks every page with
 * devmem_is_allowed() (arch/x86/mm/init.c), and e820 "reserved" ranges above
 * 1 MiB are not marked busy (arch/x86/kernel/e820.c, do_mark_busy).
 *
 * No O_SYNC: without it x86 maps the pages write-back (phys_mem_access_prot_allowed
 * in arch/x86/mm/pat/memtype.c, unless the MTRRs say uncached), the same type
 * the kernels use, so polling a ring costs cache hits, not bus cycles.
 *
 * Everything in the region is hostile: the header is copied once and only the
 * copy's used_size, bounded by TOOL_REGION_MAX and the file size, decides how
 * much is mapped; mkbox_open then validates the whole layout against that.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

/* "0x" then 1..16 hex digits, nothing else: the whole of [s, s+len). */
static bool parse_hex_u64(const char *s, size_t len, uint64_t *v)
{
	if (len < 3 || len > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return false;
	*v = 0;
	for (size_t i = 2; i < len; i++) {
		int d = mk_hex_value((unsigned char)s[i]);
		if (d < 0)
			return false;
		*v = *v << 4 | (uint64_t)d;
	}
	return true;
}

bool region_parse_addr(const char *text, uint64_t *phys)
{
	return parse_hex_u64(text, strlen(text), phys);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int region_parse_info(const char *cmdline, uint64_t *phys, char *msg, size_t cap)
{
	const size_t plen = strlen(TOOL_INFO_PARAM);
	const char *p = cmdline;
	int found = 0;

	/* The last one counts, as for most kernel parameters. */
	while (*p) {
		const char *word;
		size_t len;

		while (is_space(*p))
			p++;
		word = p;
		while (*p && !is_space(*p))
			p++;
		len = (size_t)(p - word);
		if (len < plen || strncmp(word, TOOL_INFO_PARAM, plen) != 0)
			continue;
		if (!parse_hex_u64(word + plen, len - plen, phys)) {
			snprintf(msg, cap, "%.*s is not a hex address like %s0x7e000000", (int)len,
				 word, TOOL_INFO_PARAM);
			return -1;
		}
		found = 1;
	}
	return found;
}

/* Lines "apicid\t\t: 3"; the first belongs to CPU 0, the CPU Linux was entered on. */
int region_parse_apic_id(FILE *cpuinfo, uint32_t *apic_id)
{
	char *line = NULL;
	size_t linecap = 0;
	int found = 0;

	while (!found && getline(&line, &linecap, cpuinfo) > 0) {
		char *p = line, *end;
		unsigned long v;

		if (strncmp(p, "apicid", 6) != 0)
			continue;
		p += 6;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p++ != ':')
			continue;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (end == p || errno || v > UINT32_MAX)
			continue;
		*apic_id = (uint32_t)v;
		found = 1;
	}
	free(line);
	return found;
}

static int map_fail(struct region_map *m, int fd, char *msg, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int map_fail(struct region_map *m, int fd, char *msg, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, cap, fmt, ap);
	va_end(ap);
	if (fd >= 0)
		close(fd);
	region_unmap(m);
	return -1;
}

static uint64_t round_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) / align * align;
}

/* The header as it was at one moment: later changes by a peer do not move our bounds. */
static int header_check(const struct mkbox_header *h, uint64_t offset, bool expect_phys,
			char *msg, size_t cap)
{
	if (h->magic != MKBOX_MAGIC) {
		snprintf(msg, cap, "no mailbox region at 0x%llx: magic 0x%016llx, expected 0x%016llx",
			 (unsigned long long)offset, (unsigned long long)h->magic, MKBOX_MAGIC);
		return -1;
	}
	if (h->used_size < MKBOX_HEADER_SIZE || h->used_size > TOOL_REGION_MAX) {
		snprintf(msg, cap, "mailbox region at 0x%llx claims used_size %llu: not in %u..%llu",
			 (unsigned long long)offset, (unsigned long long)h->used_size,
			 MKBOX_HEADER_SIZE, TOOL_REGION_MAX);
		return -1;
	}
	if (expect_phys && h->region_phys != offset) {
		snprintf(msg, cap, "mailbox region at 0x%llx says it is at 0x%llx",
			 (unsigned long long)offset, (unsigned long long)h->region_phys);
		return -1;
	}
	return 0;
}

static const char *map_hint(int err)
{
	return err == EPERM ? " (the kernel lets /dev/mem map reserved memory only, not System RAM)"
			    : "";
}

int region_map_path(const char *path, uint64_t offset, bool expect_phys, bool writable,
		    struct region_map *m, char *msg, size_t cap)
{
	const uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	const uint64_t delta = offset % page, start = offset - delta;
	struct mkbox_header h;
	struct stat st;
	uint64_t limit = UINT64_MAX;
	void *p;
	int fd;

	memset(m, 0, sizeof(*m));
	if (offset % MKBOX_LINE)
		return map_fail(m, -1, msg, cap, "region address 0x%llx is not %u-byte aligned",
				(unsigned long long)offset, MKBOX_LINE);
	if (offset > (uint64_t)INT64_MAX - 2 * TOOL_REGION_MAX)
		return map_fail(m, -1, msg, cap, "region address 0x%llx is out of range",
				(unsigned long long)offset);
	fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return map_fail(m, -1, msg, cap, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0)
		return map_fail(m, fd, msg, cap, "%s: %s", path, strerror(errno));
	/* A regular file (a region image, a test): mapping past its end would fault. */
	if (S_ISREG(st.st_mode))
		limit = (uint64_t)st.st_size;
	if (limit < offset + MKBOX_HEADER_SIZE)
		return map_fail(m, fd, msg, cap, "%s: %llu bytes, no room for a region header at 0x%llx",
				path, (unsigned long long)limit, (unsigned long long)offset);

	m->map_len = round_up(delta + MKBOX_HEADER_SIZE, page);
	p = mmap(NULL, m->map_len, PROT_READ, MAP_SHARED, fd, (off_t)start);
	if (p == MAP_FAILED)
		return map_fail(m, fd, msg, cap, "%s: cannot map 0x%llx: %s%s", path,
				(unsigned long long)offset, strerror(errno), map_hint(errno));
	memcpy(&h, (uint8_t *)p + delta, sizeof(h));
	munmap(p, m->map_len);
	m->map_len = 0;
	if (header_check(&h, offset, expect_phys, msg, cap) != 0) {
		close(fd);
		return -1;
	}
	if (limit - offset < h.used_size)
		return map_fail(m, fd, msg, cap, "%s: %llu bytes, the region at 0x%llx needs %llu",
				path, (unsigned long long)limit, (unsigned long long)offset,
				(unsigned long long)h.used_size);

	m->map_len = round_up(delta + h.used_size, page);
	p = mmap(NULL, m->map_len, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd,
		 (off_t)start);
	close(fd);
	if (p == MAP_FAILED) {
		int e = errno;
		m->map_len = 0;
		return map_fail(m, -1, msg, cap, "%s: cannot map %llu bytes at 0x%llx: %s%s", path,
				(unsigned long long)h.used_size, (unsigned long long)offset,
				strerror(e), map_hint(e));
	}
	m->map = p;
	m->base = (uint8_t *)p + delta;
	m->size = h.used_size;
	m->phys = h.region_phys;
	return 0;
}

void region_unmap(struct region_map *m)
{
	if (m->map)
		munmap(m->map, m->map_len);
	memset(m, 0, sizeof(*m));
}

/*
 * The boot APIC ID is mkbox_open's private copy; the listed IDs are read
 * from the table, so the count is clamped to the array, never trusted.
 */
int region_find_apic(const struct mkbox *mb, uint32_t apic_id)
{
	for (uint32_t i = 0; i < mb->nparts; i++)
		if (mb->peer[i].boot_apic_id == apic_id)
			return (int)i;
	for (uint32_t i = 0; i < mb->nparts; i++) {
		const struct mkbox_part *p = &mb->parts[i];
		uint32_t napic = __atomic_load_n(&p->napic, __ATOMIC_RELAXED);

		if (napic > MKBOX_APIC_IDS_MAX)
			napic = MKBOX_APIC_IDS_MAX;
		for (uint32_t c = 0; c < napic; c++)
			if (__atomic_load_n(&p->apic_ids[c], __ATOMIC_RELAXED) == apic_id)
				return (int)i;
	}
	return -1;
}
