/*
 * mkboot.efi: read partitions.toml beside this image, check it against the
 * machine, print the boot plan, then start the partitions.  Every check runs
 * before ExitBootServices; on any error nothing starts and control returns to
 * the firmware with memory as it was.
 */
#include <efi.h>
#include <efilib.h>

#include "config.h"
#include "console.h"
#include "discover.h"
#include "esp.h"
#include "boot.h"
#include "bzimage.h"
#include "mb2.h"
#include "mkbox.h"

#define CONFIG_NAME "partitions.toml"
#define CONFIG_MAX_BYTES (256u << 10)
/* A multiboot2 header lies in the first 32 KiB; program headers follow the ELF header. */
#define KERNEL_HEAD_BYTES (64u << 10)

static void con_line(const char *line)
{
	con_printf("%s\n", line);
}

void print_diags(struct mk_diags *d)
{
	diag_print(d, con_line);
}

/* Waits `seconds`, returning early on a key press. */
static void wait_timeout(uint32_t seconds)
{
	EFI_INPUT_KEY key;
	if (!seconds)
		return;
	con_printf("mkboot: continuing in %u s (press a key to continue now)\n", seconds);
	for (uint32_t ms = 0; ms < seconds * 1000u; ms += 100) {
		if (ST->ConIn && !EFI_ERROR(ST->ConIn->ReadKeyStroke(ST->ConIn, &key)))
			break;
		BS->Stall(100000);
	}
}

static bool stat_kernels(struct boot_state *s)
{
	for (uint32_t i = 0; i < s->cfg.nparts; i++)
		if (!esp_stat(&s->esp, s->cfg.part[i].kernel, &s->kernel_size[i]))
			return false;
	return true;
}

/*
 * Where each kernel must be loaded, for the planner: a multiboot2 kernel
 * without a relocatable tag goes to its link address (mb2_fixed_span); any
 * other kernel, or one that cannot be read yet, anywhere (loading reports it).
 * The head buffer is part of mkboot.efi's own image, so reading into it
 * takes no memory the planner could hand out.
 */
static void find_fixed_kernels(struct boot_state *s, struct mk_range *kernel_at)
{
	static uint8_t head[KERNEL_HEAD_BYTES];
	uint64_t got, size;
	for (uint32_t i = 0; i < s->cfg.nparts && i < MK_MAX_PARTITIONS; i++) {
		kernel_at[i] = (struct mk_range){ 0, 0 };
		/* The same order as loading: a bzImage is Linux whatever else it carries. */
		if (!EFI_ERROR(esp_read_head(&s->esp, s->cfg.part[i].kernel, head, sizeof(head), &got,
					     &size)) && !bz_probe(head, got))
			mb2_fixed_span(head, got, size, &kernel_at[i]);
	}
}

/* The shared region must hold the mailbox layout the config asks for. */
static bool check_mailboxes(struct boot_state *s)
{
	char why[DIAG_MSG_MAX];
	struct mk_buf b;
	mk_buf_init(&b, why, sizeof(why));
	if (mkbox_layout_check(s->cfg.nparts, s->cfg.mailbox_slots, s->cfg.mailbox_msg_size,
			       s->plan.shared.size, &b) == MKBOX_OK)
		return true;
	diag_error(&s->diags, s->cfg.shared_size_pos, "%s", why);
	print_diags(&s->diags);
	return false;
}

/* Parses and checks the config and plans the machine; false after printing every error. */
static bool load_and_plan(struct boot_state *s)
{
	struct mk_range kernel_at[MK_MAX_PARTITIONS];
	void *text;
	uint64_t len;
	EFI_STATUS st;

	mk_snprintf(s->config_path, sizeof(s->config_path), "%s/%s", s->esp.dir_ascii, CONFIG_NAME);
	diag_init(&s->diags, s->config_path);
	st = esp_read(&s->esp, CONFIG_NAME, CONFIG_MAX_BYTES, &text, &len);
	if (EFI_ERROR(st)) {
		diag_error(&s->diags, DIAG_NO_POS,
			   st == EFI_BAD_BUFFER_SIZE ? "larger than 256K" : "cannot read the config (%s)",
			   st == EFI_NOT_FOUND ? "not found" : "firmware error");
		print_diags(&s->diags);
		return false;
	}
	config_parse(text, len, &s->cfg, &s->diags);
	BS->FreePages((EFI_PHYSICAL_ADDRESS)(uintptr_t)text, EFI_SIZE_TO_PAGES(len ? len : 1));
	if (!diag_total(&s->diags))
		config_check_files(&s->cfg, esp_stat, &s->esp, &s->diags);
	if (diag_total(&s->diags)) {
		print_diags(&s->diags);
		return false;
	}

	st = discover_cpus(&s->machine);
	if (!EFI_ERROR(st))
		st = discover_memory(&s->machine);
	if (EFI_ERROR(st)) {
		con_printf("mkboot: error: cannot discover the machine (EFI status 0x%lx)\n", (unsigned long)st);
		return false;
	}
	find_fixed_kernels(s, kernel_at);
	if (plan_build_kernels(&s->cfg, &s->machine, kernel_at, &s->plan, &s->diags) ||
	    !stat_kernels(s)) {
		print_diags(&s->diags);
		return false;
	}
	return check_mailboxes(s);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct boot_state *s;
	EFI_STATUS st;

	InitializeLib(image, systab);
	con_write("mkboot: starting\n");
	st = BS->AllocatePool(EfiLoaderData, sizeof(*s), (void **)&s);
	if (EFI_ERROR(st)) {
		con_write("mkboot: error: out of memory\n");
		return st;
	}
	mk_memset(s, 0, sizeof(*s));
	s->image = image;
	st = esp_open(image, &s->esp);
	if (EFI_ERROR(st)) {
		con_printf("mkboot: error: cannot open the volume mkboot.efi was loaded from (0x%lx)\n",
			   (unsigned long)st);
		BS->FreePool(s);
		return st;
	}

	/* Loading comes before the report, so it shows each final command line. */
	if (!load_and_plan(s) || !launch_prepare(s)) {
		con_printf("mkboot: %u error(s): no partition started; returning to the firmware\n",
			   diag_total(&s->diags) ? diag_total(&s->diags) : 1);
		st = EFI_LOAD_ERROR;
	} else {
		struct mk_buf b;
		mk_buf_init(&b, s->report, sizeof(s->report));
		plan_report(&s->cfg, &s->plan, s->kernel_size, &b);
		con_write(s->report);
		wait_timeout(s->cfg.timeout);
		launch_start(s);
	}
	esp_close(&s->esp);
	BS->FreePool(s);
	return st;
}
