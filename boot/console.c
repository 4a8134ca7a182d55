#include <efi.h>
#include <efilib.h>

#include "console.h"

void con_write(const char *text)
{
	CHAR16 out[256];
	size_t n = 0;
	for (const char *p = text;; p++) {
		/* Flush before a CR LF pair or the terminator could overflow. */
		if (!*p || n + 3 >= MK_ARRAY_SIZE(out)) {
			out[n] = 0;
			if (n)
				ST->ConOut->OutputString(ST->ConOut, out);
			n = 0;
			if (!*p)
				break;
		}
		if (*p == '\n')
			out[n++] = L'\r';
		out[n++] = (CHAR16)(unsigned char)*p;
	}
}

void con_printf(const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	mk_vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	con_write(text);
}
