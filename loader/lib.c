#include "lib.h"

void *mk_memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *mk_memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d == s || !n)
		return dst;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *mk_memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int mk_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

size_t mk_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int mk_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t mk_strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

bool mk_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

bool mk_strlcpy(char *dst, const char *src, size_t cap)
{
	size_t i = 0;
	if (!cap)
		return false;
	for (; src[i] && i + 1 < cap; i++)
		dst[i] = src[i];
	dst[i] = 0;
	return src[i] == 0;
}

void mk_buf_init(struct mk_buf *b, char *storage, size_t cap)
{
	b->data = storage;
	b->len = 0;
	b->cap = cap;
	b->truncated = false;
	if (cap)
		storage[0] = 0;
}

void mk_buf_putc(struct mk_buf *b, char c)
{
	/* Keep one byte for the terminator. */
	if (b->len + 1 < b->cap) {
		b->data[b->len++] = c;
		b->data[b->len] = 0;
	} else {
		b->truncated = true;
	}
}

void mk_buf_puts(struct mk_buf *b, const char *s)
{
	while (*s)
		mk_buf_putc(b, *s++);
}

static void put_padded(struct mk_buf *b, const char *s, size_t len, int width, bool left, char pad)
{
	int fill = width > (int)len ? width - (int)len : 0;
	if (!left)
		while (fill-- > 0)
			mk_buf_putc(b, pad);
	for (size_t i = 0; i < len; i++)
		mk_buf_putc(b, s[i]);
	if (left)
		while (fill-- > 0)
			mk_buf_putc(b, ' ');
}

static size_t format_u64(char *out, uint64_t v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = 0, i;
	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

void mk_buf_vprintf(struct mk_buf *b, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			mk_buf_putc(b, *fmt);
			continue;
		}
		fmt++;
		bool left = false;
		char pad = ' ';
		int width = 0, prec = -1, lng = 0;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			prec = 0;
			fmt++;
			while (*fmt >= '0' && *fmt <= '9')
				prec = prec * 10 + (*fmt++ - '0');
		}
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		char num[32];
		size_t n;
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			size_t len = prec >= 0 ? mk_strnlen(s, (size_t)prec) : mk_strlen(s);
			put_padded(b, s, len, width, left, ' ');
			break;
		}
		case 'c':
			num[0] = (char)va_arg(ap, int);
			put_padded(b, num, 1, width, left, ' ');
			break;
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			size_t off = 0;
			if (v < 0)
				num[off++] = '-';
			n = off + format_u64(num + off, mag, 10, false);
			put_padded(b, num, n, width, left, pad);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			n = format_u64(num, v, *fmt == 'u' ? 10 : 16, *fmt == 'X');
			put_padded(b, num, n, width, left, pad);
			break;
		}
		case 'p': {
			uint64_t v = (uint64_t)(uintptr_t)va_arg(ap, void *);
			num[0] = '0';
			num[1] = 'x';
			n = 2 + format_u64(num + 2, v, 16, false);
			put_padded(b, num, n, width, left, ' ');
			break;
		}
		case '%':
			mk_buf_putc(b, '%');
			break;
		case 0:
			return;
		default:
			mk_buf_putc(b, '%');
			mk_buf_putc(b, *fmt);
		}
	}
}

void mk_buf_printf(struct mk_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mk_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void mk_buf_put_size(struct mk_buf *b, uint64_t bytes)
{
	static const char units[] = "KMGTPE";
	int u = -1;
	uint64_t v = bytes;
	while (v && (v & 1023) == 0 && u < 5) {
		v >>= 10;
		u++;
	}
	if (u < 0)
		mk_buf_printf(b, "%lu", (unsigned long)bytes);
	else
		mk_buf_printf(b, "%lu%c", (unsigned long)v, units[u]);
}

int mk_vsnprintf(char *dst, size_t cap, const char *fmt, va_list ap)
{
	struct mk_buf b;
	mk_buf_init(&b, dst, cap);
	mk_buf_vprintf(&b, fmt, ap);
	return (int)b.len;
}

int mk_snprintf(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = mk_vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
	return n;
}
