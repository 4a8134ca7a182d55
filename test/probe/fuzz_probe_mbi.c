/*
 * libFuzzer target: the probe's MBI walker, mkboot payload check and ACPI
 * reader on arbitrary bytes.  The input is copied to an 8-byte aligned buffer
 * and is both the MBI and the "physical memory" the ACPI tables are read from
 * (address = offset into the input).
 */
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "checks.h"
#include "mbi.h"

struct mem {
	const uint8_t *p;
	size_t len;
};

static const void *input_map(void *ctx, uint64_t phys, uint64_t len)
{
	const struct mem *m = ctx;
	if (phys > m->len || len > m->len - phys)
		return NULL;
	return m->p + phys;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct range_list avail;
	char why[256];
	struct mk_buf b;
	struct probe_mbi m;
	uint8_t *buf = aligned_alloc(8, (size + 8) & ~(size_t)7);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	mk_buf_init(&b, why, sizeof(why));
	if (mbi_parse(buf, size, &m, &b)) {
		struct mem mem = { buf, size };
		struct acpi_cpus cpus;
		if (m.mkboot)
			mkinfo_check(m.mkboot, m.mkboot_len, 64, &b);
		if (m.rsdp)
			acpi_find_cpus(m.rsdp, m.rsdp_len, input_map, &mem, &cpus, &b);
		if (checks_available_ram(&m, &avail, &b))
			checks_meminfo(&m, &avail, &b);
	}
	free(buf);
	return 0;
}
