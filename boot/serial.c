#include "serial.h"

#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define UART_SPIN_LIMIT 100000

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void serial_putc(char c)
{
	/* Bounded: a missing UART must not hang the boot. */
	for (int i = 0; i < UART_SPIN_LIMIT && !(inb(SERIAL_COM1 + UART_LSR) & UART_LSR_THRE); i++)
		__asm__ volatile("pause");
	outb(SERIAL_COM1 + UART_THR, (uint8_t)c);
}

void serial_write(const char *text)
{
	for (; *text; text++) {
		if (*text == '\n')
			serial_putc('\r');
		serial_putc(*text);
	}
}

void serial_printf(const char *fmt, ...)
{
	char text[256];
	va_list ap;
	va_start(ap, fmt);
	mk_vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	serial_write(text);
}

void panic(const char *fmt, ...)
{
	char text[256];
	va_list ap;
	va_start(ap, fmt);
	mk_vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	serial_printf("mkboot: panic: %s\n", text);
	for (;;)
		__asm__ volatile("cli; hlt");
}
