/*
 * COM1 output after ExitBootServices, when the firmware console is gone:
 * polled 16550 writes, no interrupts.  The port was set up by the firmware.
 */
#ifndef MKBOOT_SERIAL_H
#define MKBOOT_SERIAL_H

#include "lib.h"

#define SERIAL_COM1 0x3F8

void serial_write(const char *text);
void serial_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* After ExitBootServices there is no way back: print the reason and halt this CPU. */
__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
