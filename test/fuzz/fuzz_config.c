/* libFuzzer target: any bytes through config_parse, every diagnostic formatted. */
#include <stddef.h>
#include <stdint.h>

#include "config.h"

static bool stat_any(void *ctx, const char *path, uint64_t *size)
{
	(void)ctx;
	*size = 0;
	return path[0] == 'p'; /* some files exist, some do not */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Large (about 150 KiB): static, not on the fuzzer's stack. */
	static struct mk_config cfg;
	static struct mk_diags d;
	char line[DIAG_FILE_MAX + DIAG_MSG_MAX + 64];
	struct mk_buf b;

	diag_init(&d, "fuzz.toml");
	if (config_parse((const char *)data, size, &cfg, &d) == 0) {
		config_check_files(&cfg, stat_any, NULL, &d);
		for (uint32_t i = 0; i < cfg.nparts; i++)
			config_find_partition(&cfg, cfg.part[i].name);
	}
	for (uint32_t i = 0; i < d.count; i++) {
		mk_buf_init(&b, line, sizeof(line));
		diag_format(&d, i, &b);
	}
	return 0;
}
