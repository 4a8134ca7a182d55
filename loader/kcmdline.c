#include "kcmdline.h"

/*
 * The next kernel parameter of a command line: *w and *len, advancing *p.
 * False at the end, and at a standalone "--" (the words after it are init's).
 */
static bool next_param(const char **p, const char **w, size_t *len)
{
	while (**p == ' ')
		(*p)++;
	*w = *p;
	while (**p && **p != ' ')
		(*p)++;
	*len = (size_t)(*p - *w);
	return *len && !(*len == 2 && (*w)[0] == '-' && (*w)[1] == '-');
}

bool kcmdline_has(const char *line, const char *key)
{
	size_t klen = mk_strlen(key), len;
	const char *p = line, *w;
	while (next_param(&p, &w, &len))
		if (len >= klen && mk_memcmp(w, key, klen) == 0 && (len == klen || w[klen] == '='))
			return true;
	return false;
}

/* Where a standalone "--" starts (words after it go to init), or the end. */
static size_t init_args_start(const char *line)
{
	size_t len;
	const char *p = line, *w;
	while (next_param(&p, &w, &len))
		;
	return len ? (size_t)(w - line) : mk_strlen(line);
}

static void add_word(struct mk_buf *b, const char *user, const char *key, const char *fmt, uint64_t v)
{
	if (kcmdline_has(user, key))
		return;
	if (b->len)
		mk_buf_putc(b, ' ');
	mk_buf_printf(b, fmt, (unsigned long)v);
}

/* ttyS0..3: the legacy COM ports (Linux's SERIAL_PORT_DFNS). */
static const uint16_t legacy_com[] = { 0x3F8, 0x2F8, 0x3E8, 0x2E8 };

/* console=ttyS<N>[,<baud>...] (the last one) -> its I/O port and baud; false if none. */
static bool serial_console(const char *user, uint16_t *port, uint64_t *baud)
{
	static const char key[] = "console=ttyS";
	const size_t klen = sizeof(key) - 1;
	bool found = false;
	size_t len;
	const char *p = user, *w;
	while (next_param(&p, &w, &len)) {
		const char *n = w + klen, *end = w + len;
		if (len <= klen || mk_memcmp(w, key, klen) != 0 || *n < '0' || *n > '3' ||
		    (n + 1 < end && n[1] != ','))
			continue;
		*port = legacy_com[*n - '0'];
		*baud = 115200;
		if (n + 2 < end && n[2] >= '1' && n[2] <= '9') {
			uint64_t v = 0;
			for (const char *d = n + 2; d < end && *d >= '0' && *d <= '9' && v < 100000000; d++)
				v = v * 10 + (uint64_t)(*d - '0');
			*baud = v;
		}
		found = true;
	}
	return found;
}

static void add_words(struct mk_buf *b, const struct kcmdline_input *in, const char *user)
{
	if (!in->is_linux) {
		add_word(b, user, "mkboot.info", "mkboot.info=0x%lx", in->shared_phys);
		return;
	}
	if (in->tsc_khz)
		add_word(b, user, "tsc_early_khz", "tsc_early_khz=%lu", in->tsc_khz);
	/* The shared DSDT may describe hot-pluggable CPUs (_MAT): leave no slots for them. */
	add_word(b, user, "nr_cpus", "nr_cpus=%lu", in->ncpus);
	if (!in->owns_platform) {
		/* No PCI device is ours: keep off the shared config space. */
		add_word(b, user, "pci", "pci=off", 0);
		/* No HPET or PM timer to check the TSC against. */
		add_word(b, user, "tsc", "tsc=reliable", 0);
		/*
		 * The 8250 driver resets the interrupt enables of every legacy UART
		 * it registers (autoconfig), which silences the platform partition's
		 * serial input.  Register none, and print through earlycon (polled,
		 * no interrupt needed) on the partition's own port instead.
		 */
		uint16_t port;
		uint64_t baud;
		if (!kcmdline_has(user, "8250.nr_uarts") && !kcmdline_has(user, "earlycon") &&
		    serial_console(user, &port, &baud)) {
			mk_buf_printf(b, " earlycon=uart8250,io,0x%x,%lu keep_bootcon", port, (unsigned long)baud);
			add_word(b, user, "8250.nr_uarts", "8250.nr_uarts=0", 0);
		}
	}
	add_word(b, user, "mkboot.info", "mkboot.info=0x%lx", in->shared_phys);
	if (!kcmdline_has(user, "mkboot.name")) {
		if (b->len)
			mk_buf_putc(b, ' ');
		mk_buf_printf(b, "mkboot.name=%s", in->name);
	}
	/* Linux param parsing lets the last word win: this one must. */
	mk_buf_puts(b, " no_ipi_broadcast=1");
}

bool kcmdline_build(const struct kcmdline_input *in, char *out, size_t cap)
{
	struct mk_buf b;
	const char *user = in->user ? in->user : "";
	/* mkboot's words are kernel parameters: they go before a "--". */
	size_t split = init_args_start(user);
	mk_buf_init(&b, out, cap);
	for (size_t i = 0; i < split; i++)
		mk_buf_putc(&b, user[i]);
	while (b.len && b.data[b.len - 1] == ' ')
		b.data[--b.len] = 0;
	add_words(&b, in, user);
	if (user[split]) {
		mk_buf_putc(&b, ' ');
		mk_buf_puts(&b, user + split);
	}
	return !b.truncated;
}
