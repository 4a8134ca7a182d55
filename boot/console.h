/* Text output for mkboot.efi: ASCII lines to the firmware console, which OVMF mirrors to COM1. */
#ifndef MKBOOT_CONSOLE_H
#define MKBOOT_CONSOLE_H

#include "lib.h"

/* Prints text; every '\n' becomes CR LF.  Long text is sent in pieces. */
void con_write(const char *text);
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
