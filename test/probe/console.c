/*
 * Polled output on a 16550 UART (PC16550D data sheet): no interrupts, no
 * input.  Each line is built whole, then sent, so the prefix and text stay
 * together even when another CPU prints (only trap.c does that).
 */
#include "probe.h"

#include "cmdline.h"
#include "mkboot_info.h"
#include "x86.h"

#define UART_THR 0 /* with LCR.DLAB = 0 */
#define UART_DLL 0 /* with LCR.DLAB = 1 */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LCR_8N1 0x03
#define UART_LCR_DLAB 0x80
#define UART_FCR_ENABLE_CLEAR 0x07 /* FIFO on, both FIFOs cleared */
#define UART_MCR_DTR_RTS 0x03
#define UART_LSR_THRE 0x20
#define UART_CLOCK_DIVISOR_115200 1 /* 1.8432 MHz / 16 / 115200 */
#define UART_SPIN_LIMIT 100000u     /* no UART at the port: do not hang */

static uint16_t console_port = PROBE_COM1; /* a trap before console_init still lands here */
static char console_name[MKBOOT_NAME_MAX + 1];

void console_init(uint16_t port)
{
	console_port = port;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, UART_LCR_DLAB);
	outb(port + UART_DLL, UART_CLOCK_DIVISOR_115200);
	outb(port + UART_DLM, 0);
	outb(port + UART_LCR, UART_LCR_8N1);
	outb(port + UART_FCR, UART_FCR_ENABLE_CLEAR);
	outb(port + UART_MCR, UART_MCR_DTR_RTS);
}

void console_set_name(const char *name)
{
	uint32_t n = 0;
	for (; n < MKBOOT_NAME_MAX && name[n]; n++) {
		char ch = name[n];
		console_name[n] = ch > ' ' && ch < 0x7F && ch != '[' && ch != ']' ? ch : '?';
	}
	console_name[n] = 0;
}

static void uart_putc(char ch)
{
	for (uint32_t spin = 0; spin < UART_SPIN_LIMIT; spin++)
		if (inb(console_port + UART_LSR) & UART_LSR_THRE)
			break;
	outb(console_port + UART_THR, (uint8_t)ch);
}

void probe_vlog(const char *fmt, va_list ap)
{
	char line[PROBE_LINE_MAX];
	struct mk_buf b;
	mk_buf_init(&b, line, sizeof(line));
	mk_buf_printf(&b, "probe[%s]: ", console_name[0] ? console_name : "-");
	mk_buf_vprintf(&b, fmt, ap);
	for (size_t i = 0; i < b.len; i++)
		uart_putc(b.data[i] == '\n' ? ' ' : b.data[i]);
	if (b.truncated) {
		uart_putc('.');
		uart_putc('.');
		uart_putc('.');
	}
	uart_putc('\r');
	uart_putc('\n');
}

void probe_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	probe_vlog(fmt, ap);
	va_end(ap);
}
