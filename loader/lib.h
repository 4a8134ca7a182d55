/*
 * Freestanding helpers shared by the UEFI application, the host tool and the
 * test kernels.  Nothing here may include a libc or EFI header: the same object
 * code runs before ExitBootServices, on a Linux host and under a fuzzer.
 */
#ifndef MKBOOT_LIB_H
#define MKBOOT_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MK_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MK_PAGE_SIZE 4096ull

void *mk_memcpy(void *dst, const void *src, size_t n);
void *mk_memmove(void *dst, const void *src, size_t n);
void *mk_memset(void *dst, int c, size_t n);
int mk_memcmp(const void *a, const void *b, size_t n);
size_t mk_strlen(const char *s);
/* The value of a hex digit (either case), or -1. */
int mk_hex_value(int c);
size_t mk_strnlen(const char *s, size_t max);
bool mk_streq(const char *a, const char *b);
/* Copies at most cap-1 bytes and always terminates; returns false on truncation. */
bool mk_strlcpy(char *dst, const char *src, size_t cap);

/* Overflow-checked arithmetic: return false instead of wrapping. */
static inline bool mk_add_u64(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}
static inline bool mk_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}
/* Round up to a power-of-two alignment; false when the result would wrap. */
static inline bool mk_align_up(uint64_t v, uint64_t align, uint64_t *out)
{
	uint64_t t;
	if (!mk_add_u64(v, align - 1, &t))
		return false;
	*out = t & ~(align - 1);
	return true;
}
static inline uint64_t mk_align_down(uint64_t v, uint64_t align)
{
	return v & ~(align - 1);
}
static inline bool mk_is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}
/* True when [a, a+alen) and [b, b+blen) share a byte; lengths may be 0. */
static inline bool mk_ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	if (!alen || !blen)
		return false;
	return a < b + blen && b < a + alen;
}

/*
 * A bounded text buffer.  Output past the capacity is dropped and counted in
 * `truncated`, never written out of bounds.
 */
struct mk_buf {
	char *data;
	size_t len;
	size_t cap;
	bool truncated;
};

void mk_buf_init(struct mk_buf *b, char *storage, size_t cap);
void mk_buf_putc(struct mk_buf *b, char c);
void mk_buf_puts(struct mk_buf *b, const char *s);
/*
 * printf subset: %s %c %d %i %u %x %X %p %%, with l/ll/z length modifiers,
 * '0' and '-' flags, a field width and '.N' precision for strings.
 */
void mk_buf_printf(struct mk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mk_buf_vprintf(struct mk_buf *b, const char *fmt, va_list ap);
/* Formats a byte count the way configs write it: "512M", "1G", "64K", "4097". */
void mk_buf_put_size(struct mk_buf *b, uint64_t bytes);
int mk_snprintf(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int mk_vsnprintf(char *dst, size_t cap, const char *fmt, va_list ap);

#endif
