#include "cmdline.h"

#include <stddef.h>

#include "lib.h"

static const uint16_t com_ports[] = { PROBE_COM1, PROBE_COM2, PROBE_COM3, PROBE_COM4 };

/* True when the word [w, w + len) starts with `key`; *val gets the rest. */
static bool word_key(const char *w, size_t len, const char *key, const char **val, size_t *vlen)
{
	size_t k = 0;
	while (key[k]) {
		if (k >= len || w[k] != key[k])
			return false;
		k++;
	}
	*val = w + k;
	*vlen = len - k;
	return true;
}

/* A decimal number of at most 9 digits (no overflow), else false. */
static bool parse_dec(const char *s, size_t len, uint32_t *out)
{
	uint32_t v = 0;
	if (!len || len > 9)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/*
 * A partition name (1..31 characters).  A longer one is cut and marked with
 * "...", which no partition is called, so the probe reports it by name.
 */
static void parse_name(const char *val, size_t vlen, char *out)
{
	static const char cut[] = "...";
	size_t keep = vlen < PROBE_PEER_NAME_MAX ? vlen : PROBE_PEER_NAME_MAX - sizeof(cut);
	mk_memcpy(out, val, keep);
	if (keep < vlen)
		mk_memcpy(out + keep, cut, sizeof(cut) - 1);
	out[keep < vlen ? keep + sizeof(cut) - 1 : keep] = 0;
}

static bool parse_flag(const char *val, size_t vlen)
{
	return vlen == 1 && val[0] == '1';
}

static void parse_word(const char *w, size_t len, struct probe_cmdline *out)
{
	const char *val;
	size_t vlen;
	uint32_t n;
	if (word_key(w, len, "console=ttyS", &val, &vlen)) {
		/* "console=ttyS1,115200n8": the speed part is ours to choose. */
		size_t digits = 0;
		while (digits < vlen && val[digits] != ',')
			digits++;
		if (parse_dec(val, digits, &n) && n < sizeof(com_ports) / sizeof(com_ports[0])) {
			out->console_port = com_ports[n];
			out->console_index = (int32_t)n;
		}
	} else if (word_key(w, len, "probe.wait=", &val, &vlen)) {
		if (parse_dec(val, vlen, &n) && n >= 1 && n <= PROBE_WAIT_MAX_S)
			out->wait_s = n;
	} else if (word_key(w, len, "probe.corrupt=", &val, &vlen)) {
		out->corrupt = parse_flag(val, vlen);
	} else if (word_key(w, len, "probe.corrupt_mailbox=", &val, &vlen)) {
		out->corrupt_mailbox = parse_flag(val, vlen);
	} else if (word_key(w, len, "probe.messages=", &val, &vlen)) {
		if (parse_dec(val, vlen, &n) && n <= PROBE_MESSAGES_MAX)
			out->messages = n;
	} else if (word_key(w, len, "probe.exit=", &val, &vlen)) {
		if (vlen == 1 && (val[0] == '0' || val[0] == '1'))
			out->exit = val[0] == '1';
	} else if (word_key(w, len, "probe.bench=", &val, &vlen)) {
		parse_name(val, vlen, out->bench);
	} else if (word_key(w, len, "probe.ping=", &val, &vlen)) {
		parse_name(val, vlen, out->ping);
	}
}

void cmdline_parse(const char *s, struct probe_cmdline *out)
{
	out->console_port = PROBE_COM1;
	out->console_index = -1;
	out->wait_s = PROBE_WAIT_DEFAULT_S;
	out->corrupt = false;
	out->messages = PROBE_MESSAGES_DEFAULT;
	out->corrupt_mailbox = false;
	out->exit = true;
	out->bench[0] = 0;
	out->ping[0] = 0;
	if (!s)
		return;
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		size_t len = 0;
		while (s[len] && s[len] != ' ' && s[len] != '\t')
			len++;
		if (len)
			parse_word(s, len, out);
		s += len;
	}
}
