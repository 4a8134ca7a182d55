/*
 * partitions.toml: the schema in config.h applied to the items the TOML parser
 * streams.  Each key is checked as it arrives; what needs the whole file
 * (required keys, names, the platform partition here; CPUs across partitions
 * and overlapping fixed memory in config_check.c) is checked at the end.
 * Every error is reported.
 */
#include "config.h"
#include "toml.h"

/* 0xFFFFFFFF is the x2APIC broadcast destination (SDM Vol.3 10.12.9). */
#define APIC_ID_MAX 0xFFFFFFFEll
#define TIMEOUT_MAX 3600
/* Vectors 0..31 are reserved for exceptions (SDM Vol.3 6.2). */
#define IPI_VECTOR_MIN 0x20
#define IPI_VECTOR_MAX 0xFF
#define MAILBOX_SLOTS_MIN 2
#define MAILBOX_SLOTS_MAX 65536
#define MAILBOX_MSG_ALIGN 64 /* one cache line */
#define MAILBOX_MSG_MAX 65536
/* Longer than any string the schema accepts, so over-long ones get the schema's message. */
#define CONFIG_STRINGS_MAX 4096
#define SHOWN_MAX 48

enum section { SEC_ROOT, SEC_MKBOOT, SEC_PARTITION, SEC_IGNORED };

enum part_key {
	PK_NAME,
	PK_CPUS,
	PK_MEMORY,
	PK_MEMORY_BASE,
	PK_KERNEL,
	PK_INITRD,
	PK_CMDLINE,
	PK_IPI_VECTOR,
	PK_COUNT
};
static const char *const part_keys[PK_COUNT] = {
	"name", "cpus", "memory", "memory_base", "kernel", "initrd", "cmdline", "ipi_vector",
};
static const enum part_key part_required[] = { PK_NAME, PK_CPUS, PK_MEMORY, PK_KERNEL };

enum global_key {
	GK_TIMEOUT,
	GK_SHARED_MEMORY,
	GK_IPI_VECTOR,
	GK_MAILBOX_SLOTS,
	GK_MAILBOX_MESSAGE_SIZE,
	GK_LOW_MEMORY,
	GK_PLATFORM,
	GK_COUNT
};
static const char *const global_keys[GK_COUNT] = {
	"timeout", "shared_memory", "ipi_vector", "mailbox_slots", "mailbox_message_size",
	"low_memory", "platform",
};

struct cfg_parser {
	struct mk_config *cfg;
	struct mk_diags *d;
	enum section sec;
	struct mk_partition_cfg *part; /* the open [[partition]] */
	uint16_t seen[MK_MAX_PARTITIONS]; /* 1 << enum part_key for each key given */
	bool too_many_reported;
};

static int key_index(const char *const *names, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (mk_streq(names[i], key))
			return i;
	return -1;
}

/* A key as messages show it; shown must hold SHOWN_MAX bytes. */
static const char *shown_key(const struct toml_item *it, char *shown)
{
	return toml_show(it->key, mk_strlen(it->key), shown, SHOWN_MAX);
}

/* Integers in messages: hex where the schema speaks hex. */
static const char *show_hex(int64_t v, char *out, size_t cap)
{
	if (v < 0)
		mk_snprintf(out, cap, "%ld", (long)v);
	else
		mk_snprintf(out, cap, "0x%lX", (unsigned long)v);
	return out;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool want_type(struct cfg_parser *c, const struct toml_item *it, enum toml_type type,
		      const char *desc)
{
	if (it->value.type == type)
		return true;
	diag_error(c->d, it->value.pos, "\"%s\" must be %s", it->key, desc);
	return false;
}

static bool get_int(struct cfg_parser *c, const struct toml_item *it, int64_t *out)
{
	if (!want_type(c, it, TOML_INT, "an integer"))
		return false;
	*out = it->value.i;
	return true;
}

/* ---- sizes: "512M", "2MiB", "4096" or an integer number of bytes ---- */

enum size_status { SIZE_OK, SIZE_SYNTAX, SIZE_OVERFLOW };

static enum size_status size_from_string(const char *s, uint32_t len, uint64_t *out)
{
	static const char units[] = "KMGT"; /* powers of 1024 */
	uint64_t v = 0;
	uint32_t i = 0;
	bool overflow = false;
	for (; i < len && is_digit(s[i]); i++)
		if (!mk_mul_u64(v, 10, &v) || !mk_add_u64(v, (uint64_t)(s[i] - '0'), &v))
			overflow = true;
	if (i == 0)
		return SIZE_SYNTAX;
	if (i < len) {
		uint32_t u = 0;
		while (units[u] && units[u] != s[i])
			u++;
		if (!units[u])
			return SIZE_SYNTAX;
		i++;
		if (i + 2 == len && s[i] == 'i' && s[i + 1] == 'B')
			i += 2;
		if (i != len)
			return SIZE_SYNTAX;
		if (!mk_mul_u64(v, 1ull << (10 * (u + 1)), &v))
			overflow = true;
	}
	*out = v;
	return overflow ? SIZE_OVERFLOW : SIZE_OK;
}

static bool get_size(struct cfg_parser *c, const struct toml_item *it, uint64_t *out)
{
	const struct toml_value *v = &it->value;
	char given[SHOWN_MAX + 2], shown[SHOWN_MAX];
	uint64_t bytes = 0;
	if (v->type == TOML_INT) {
		if (v->i < 0) {
			diag_error(c->d, v->pos, "%s must not be negative, got %ld", it->key,
				   (long)v->i);
			return false;
		}
		bytes = (uint64_t)v->i;
		mk_snprintf(given, sizeof(given), "%lu", (unsigned long)bytes);
	} else if (v->type == TOML_STRING) {
		mk_snprintf(given, sizeof(given), "\"%s\"",
			    toml_show(v->s, v->len, shown, sizeof(shown)));
		enum size_status st = size_from_string(v->s, v->len, &bytes);
		if (st == SIZE_SYNTAX) {
			diag_error(
				c->d, v->pos,
				"%s must be a number with an optional K, M, G or T suffix, got %s",
				it->key, given);
			return false;
		}
		if (st == SIZE_OVERFLOW) {
			diag_error(c->d, v->pos, "%s does not fit in 64 bits, got %s", it->key,
				   given);
			return false;
		}
	} else {
		diag_error(
			c->d, v->pos,
			"\"%s\" must be a size string like \"512M\" or an integer number of bytes",
			it->key);
		return false;
	}
	if (bytes == 0) {
		diag_error(c->d, v->pos, "%s must not be zero", it->key);
		return false;
	}
	if (bytes % MK_PAGE_SIZE) {
		diag_error(c->d, v->pos, "%s must be a multiple of 4K (page size), got %s", it->key,
			   given);
		return false;
	}
	*out = bytes;
	return true;
}

/* ---- scalar keys ---- */

static bool get_string(struct cfg_parser *c, const struct toml_item *it, const char *what,
		       char *dst, size_t cap)
{
	const struct toml_value *v = &it->value;
	if (!want_type(c, it, TOML_STRING, "a string"))
		return false;
	if (v->len >= cap) {
		diag_error(c->d, v->pos, "%s is too long (%u bytes, at most %zu)", what, v->len,
			   cap - 1);
		return false;
	}
	if (mk_strlen(v->s) != v->len) {
		diag_error(c->d, v->pos, "%s contains a NUL byte", what);
		return false;
	}
	mk_memcpy(dst, v->s, v->len + 1);
	return true;
}

static bool get_path(struct cfg_parser *c, const struct toml_item *it, const char *what, char *dst)
{
	if (it->value.type == TOML_STRING && it->value.len == 0) {
		diag_error(c->d, it->value.pos, "%s must not be empty", what);
		return false;
	}
	return get_string(c, it, what, dst, MK_PATH_MAX);
}

static bool get_vector(struct cfg_parser *c, const struct toml_item *it, uint8_t *out)
{
	char hex[24];
	int64_t v;
	if (!get_int(c, it, &v))
		return false;
	if (v < IPI_VECTOR_MIN || v > IPI_VECTOR_MAX) {
		diag_error(c->d, it->value.pos, "ipi_vector must be between 0x%X and 0x%X, got %s",
			   IPI_VECTOR_MIN, IPI_VECTOR_MAX, show_hex(v, hex, sizeof(hex)));
		return false;
	}
	*out = (uint8_t)v;
	return true;
}

static void set_name(struct cfg_parser *c, const struct toml_value *v, struct mk_partition_cfg *pt)
{
	char shown[SHOWN_MAX];
	if (v->type != TOML_STRING) {
		diag_error(c->d, v->pos, "\"name\" must be a string");
		return;
	}
	if (v->len == 0) {
		diag_error(c->d, v->pos, "partition name must not be empty");
		return;
	}
	if (v->len >= MK_NAME_MAX) {
		diag_error(c->d, v->pos, "partition name is too long (%u bytes, at most %d)",
			   v->len, MK_NAME_MAX - 1);
		return;
	}
	for (uint32_t i = 0; i < v->len; i++) {
		char ch = v->s[i];
		if (!(is_digit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      ch == '_' || ch == '-')) {
			diag_error(
				c->d, v->pos,
				"partition name \"%s\" may only contain letters, digits, '_' and '-'",
				toml_show(v->s, v->len, shown, sizeof(shown)));
			return;
		}
	}
	mk_memcpy(pt->name, v->s, v->len + 1);
}

static void set_cpus(struct cfg_parser *c, const struct toml_value *v, struct mk_partition_cfg *pt)
{
	if (v->type != TOML_ARRAY) {
		diag_error(c->d, v->pos, "\"cpus\" must be an array of integers");
		return;
	}
	if (v->len == 0) {
		diag_error(c->d, v->pos, "\"cpus\" must list at least one APIC ID");
		return;
	}
	for (uint32_t i = 0; i < v->len; i++) {
		const struct toml_value *e = &v->elems[i];
		uint32_t j = 0;
		if (e->type != TOML_INT) {
			diag_error(c->d, e->pos, "\"cpus\" must be an array of integers");
			continue;
		}
		if (e->i < 0 || e->i > APIC_ID_MAX) {
			diag_error(c->d, e->pos, "APIC ID %ld is out of range (0 to 0x%llX)",
				   (long)e->i, APIC_ID_MAX);
			continue;
		}
		while (j < pt->ncpus && pt->cpus[j] != (uint32_t)e->i)
			j++;
		if (j < pt->ncpus) {
			diag_error(c->d, e->pos, "CPU %u is listed twice in \"cpus\"", pt->cpus[j]);
			continue;
		}
		/* In bounds: the scratch holds at most MK_MAX_CPUS elements (config_parse). */
		pt->cpus[pt->ncpus] = (uint32_t)e->i;
		pt->cpu_pos[pt->ncpus++] = e->pos;
	}
}

static void set_memory_base(struct cfg_parser *c, const struct toml_item *it,
			    struct mk_partition_cfg *pt)
{
	char hex[24];
	int64_t v;
	if (!get_int(c, it, &v))
		return;
	if (v < 0) {
		diag_error(c->d, it->value.pos, "memory_base must not be negative, got %ld",
			   (long)v);
		return;
	}
	if ((uint64_t)v % MK_PAGE_SIZE) {
		diag_error(c->d, it->value.pos,
			   "memory_base must be page aligned (a multiple of 0x1000), got %s",
			   show_hex(v, hex, sizeof(hex)));
		return;
	}
	pt->has_memory_base = true;
	pt->memory_base = (uint64_t)v;
}

/* ---- tables ---- */

static void partition_key(struct cfg_parser *c, const struct toml_item *it)
{
	struct mk_partition_cfg *pt = c->part;
	const struct toml_value *v = &it->value;
	char shown[SHOWN_MAX];
	int k = key_index(part_keys, PK_COUNT, it->key);
	if (k < 0) {
		diag_error(c->d, it->pos, "unknown key \"%s\" in [[partition]]",
			   shown_key(it, shown));
		return;
	}
	c->seen[pt - c->cfg->part] |= (uint16_t)(1u << k);
	if (v->type == TOML_INVALID)
		return;
	switch ((enum part_key)k) {
	case PK_NAME:
		pt->name_pos = v->pos;
		set_name(c, v, pt);
		break;
	case PK_CPUS:
		pt->cpus_pos = v->pos;
		set_cpus(c, v, pt);
		break;
	case PK_MEMORY:
		pt->memory_pos = v->pos;
		get_size(c, it, &pt->memory);
		break;
	case PK_MEMORY_BASE:
		pt->memory_base_pos = v->pos;
		set_memory_base(c, it, pt);
		break;
	case PK_KERNEL:
		pt->kernel_pos = v->pos;
		get_path(c, it, "kernel path", pt->kernel);
		break;
	case PK_INITRD:
		pt->initrd_pos = v->pos;
		pt->has_initrd = get_path(c, it, "initrd path", pt->initrd);
		break;
	case PK_CMDLINE:
		pt->cmdline_pos = v->pos;
		get_string(c, it, "cmdline", pt->cmdline, MK_CMDLINE_MAX);
		break;
	case PK_IPI_VECTOR:
		get_vector(c, it, &pt->ipi_vector);
		break;
	case PK_COUNT:
		break;
	}
}

static void global_key(struct cfg_parser *c, const struct toml_item *it)
{
	struct mk_config *cfg = c->cfg;
	const struct toml_value *v = &it->value;
	char shown[SHOWN_MAX];
	int64_t n;
	int k = key_index(global_keys, GK_COUNT, it->key);
	if (k < 0) {
		diag_error(c->d, it->pos, "unknown key \"%s\" in [mkboot]", shown_key(it, shown));
		return;
	}
	if (v->type == TOML_INVALID)
		return;
	switch ((enum global_key)k) {
	case GK_TIMEOUT:
		if (!get_int(c, it, &n))
			break;
		if (n < 0 || n > TIMEOUT_MAX)
			diag_error(c->d, v->pos,
				   "timeout must be between 0 and %d seconds, got %ld", TIMEOUT_MAX,
				   (long)n);
		else
			cfg->timeout = (uint32_t)n;
		break;
	case GK_SHARED_MEMORY:
		cfg->shared_size_pos = v->pos;
		get_size(c, it, &cfg->shared_size);
		break;
	case GK_IPI_VECTOR:
		get_vector(c, it, &cfg->ipi_vector);
		break;
	case GK_MAILBOX_SLOTS:
		if (!get_int(c, it, &n))
			break;
		if (n < MAILBOX_SLOTS_MIN || n > MAILBOX_SLOTS_MAX || !mk_is_pow2((uint64_t)n))
			diag_error(
				c->d, v->pos,
				"mailbox_slots must be a power of two between %d and %d, got %ld",
				MAILBOX_SLOTS_MIN, MAILBOX_SLOTS_MAX, (long)n);
		else
			cfg->mailbox_slots = (uint32_t)n;
		break;
	case GK_MAILBOX_MESSAGE_SIZE:
		if (!get_int(c, it, &n))
			break;
		if (n < MAILBOX_MSG_ALIGN || n > MAILBOX_MSG_MAX || n % MAILBOX_MSG_ALIGN)
			diag_error(
				c->d, v->pos,
				"mailbox_message_size must be a multiple of %d between %d and %d, got %ld",
				MAILBOX_MSG_ALIGN, MAILBOX_MSG_ALIGN, MAILBOX_MSG_MAX, (long)n);
		else
			cfg->mailbox_msg_size = (uint32_t)n;
		break;
	case GK_LOW_MEMORY:
		cfg->low_memory_pos = v->pos;
		get_size(c, it, &cfg->low_memory);
		break;
	case GK_PLATFORM:
		cfg->platform_pos = v->pos;
		if (!want_type(c, it, TOML_STRING, "a string"))
			break;
		/* A name no partition can have is reported now; the rest once all are known. */
		if (v->len >= MK_NAME_MAX || mk_strlen(v->s) != v->len)
			diag_error(c->d, v->pos, "platform \"%s\" is not the name of any partition",
				   toml_show(v->s, v->len, shown, sizeof(shown)));
		else
			cfg->has_platform = mk_strlcpy(cfg->platform, v->s, sizeof(cfg->platform));
		break;
	case GK_COUNT:
		break;
	}
}

static void open_table(struct cfg_parser *c, const struct toml_item *it)
{
	bool array = it->kind == TOML_ITEM_ARRAY_TABLE;
	char shown[SHOWN_MAX];
	c->sec = SEC_IGNORED;
	if (mk_streq(it->key, "mkboot")) {
		if (!array)
			c->sec = SEC_MKBOOT;
		else
			diag_error(c->d, it->pos,
				   "[[mkboot]] must be written [mkboot] (one table)");
	} else if (mk_streq(it->key, "partition")) {
		if (!array)
			diag_error(c->d, it->pos,
				   "[partition] must be written [[partition]] (one per partition)");
		else if (c->cfg->nparts < MK_MAX_PARTITIONS)
			c->sec = SEC_PARTITION;
		else if (!c->too_many_reported) {
			diag_error(c->d, it->pos, "too many partitions (at most %d)",
				   MK_MAX_PARTITIONS);
			c->too_many_reported = true;
		}
	} else {
		diag_error(c->d, it->pos,
			   "unknown table %s%s%s (expected [mkboot] or [[partition]])",
			   array ? "[[" : "[", shown_key(it, shown), array ? "]]" : "]");
	}
	if (c->sec == SEC_PARTITION) {
		c->part = &c->cfg->part[c->cfg->nparts++];
		c->part->pos = it->pos;
	}
}

static void config_on_item(void *ctx, const struct toml_item *it)
{
	struct cfg_parser *c = ctx;
	char shown[SHOWN_MAX];
	if (it->kind == TOML_ITEM_BAD_TABLE) {
		c->sec = SEC_IGNORED;
	} else if (it->kind != TOML_ITEM_KEYVAL) {
		open_table(c, it);
	} else if (c->sec == SEC_ROOT) {
		diag_error(
			c->d, it->pos,
			"unknown key \"%s\" at top level (keys belong in [mkboot] or [[partition]])",
			shown_key(it, shown));
	} else if (c->sec == SEC_MKBOOT) {
		global_key(c, it);
	} else if (c->sec == SEC_PARTITION) {
		partition_key(c, it);
	}
}

/* ---- checks across the whole file ---- */

static void check_partitions(struct cfg_parser *c)
{
	struct mk_config *cfg = c->cfg;
	char shown[SHOWN_MAX];
	if (cfg->nparts == 0)
		diag_error(c->d, (struct mk_pos){ 1, 1 },
			   "no [[partition]] table: at least one partition is required");
	for (uint32_t j = 0; j < cfg->nparts; j++) {
		struct mk_partition_cfg *pt = &cfg->part[j];
		for (size_t r = 0; r < MK_ARRAY_SIZE(part_required); r++) {
			if (c->seen[j] & (1u << part_required[r]))
				continue;
			if (pt->name[0])
				diag_error(c->d, pt->pos,
					   "partition \"%s\" is missing required key \"%s\"",
					   pt->name, part_keys[part_required[r]]);
			else
				diag_error(c->d, pt->pos,
					   "[[partition]] is missing required key \"%s\"",
					   part_keys[part_required[r]]);
		}
		if (!(c->seen[j] & (1u << PK_IPI_VECTOR)))
			pt->ipi_vector = cfg->ipi_vector;
		for (uint32_t i = 0; i < j && pt->name[0]; i++) {
			if (mk_streq(cfg->part[i].name, pt->name)) {
				diag_error(
					c->d, pt->name_pos,
					"duplicate partition name \"%s\" (first used at line %u)",
					pt->name, cfg->part[i].name_pos.line);
				break;
			}
		}
	}
	if (cfg->has_platform && config_find_partition(cfg, cfg->platform) < 0) {
		toml_show(cfg->platform, mk_strlen(cfg->platform), shown, sizeof(shown));
		diag_error(c->d, cfg->platform_pos,
			   "platform \"%s\" is not the name of any partition", shown);
	}
}

static void config_defaults(struct mk_config *cfg)
{
	mk_memset(cfg, 0, sizeof(*cfg));
	cfg->shared_size = MK_DEFAULT_SHARED_SIZE;
	cfg->ipi_vector = MK_DEFAULT_IPI_VECTOR;
	cfg->mailbox_slots = MK_DEFAULT_MAILBOX_SLOTS;
	cfg->mailbox_msg_size = MK_DEFAULT_MAILBOX_MSG_SIZE;
	cfg->low_memory = MK_DEFAULT_LOW_MEMORY;
}

uint32_t config_parse(const char *text, size_t len, struct mk_config *cfg, struct mk_diags *d)
{
	struct toml_value elems[MK_MAX_CPUS];
	char strings[CONFIG_STRINGS_MAX];
	struct toml_scratch scratch = { elems, MK_MAX_CPUS, strings, sizeof(strings) };
	struct cfg_parser c = { .cfg = cfg, .d = d, .sec = SEC_ROOT };
	uint32_t before = diag_total(d);
	config_defaults(cfg);
	toml_parse(text, len, &scratch, config_on_item, &c, d);
	check_partitions(&c);
	config_check_layout(cfg, d);
	diag_sort(d);
	return diag_total(d) - before;
}
