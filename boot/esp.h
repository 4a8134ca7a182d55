/*
 * Files on the volume mkboot.efi was loaded from.  Relative paths are taken
 * from the folder that holds mkboot.efi (where partitions.toml lives); a path
 * starting with '/' is from the volume's root.  '/' and '\' both separate.
 */
#ifndef MKBOOT_ESP_H
#define MKBOOT_ESP_H

#include <efi.h>

#include "lib.h"

#define ESP_PATH_MAX 256

struct esp {
	EFI_FILE_HANDLE root;
	CHAR16 dir[ESP_PATH_MAX]; /* "\EFI\BOOT" without the trailing separator */
	char dir_ascii[ESP_PATH_MAX];
};

EFI_STATUS esp_open(EFI_HANDLE image, struct esp *esp);
void esp_close(struct esp *esp);
/* config_stat_fn: does the file exist, and how large is it. */
bool esp_stat(void *esp, const char *path, uint64_t *size);
/*
 * Reads a whole file into pages allocated as EfiLoaderData (freed with
 * FreePages(*data, EFI_SIZE_TO_PAGES(*size))).  Refuses files over max bytes.
 */
EFI_STATUS esp_read(struct esp *esp, const char *path, uint64_t max, void **data, uint64_t *size);
/* The first min(cap, file size) bytes into buf: *got of them, *size the file's. */
EFI_STATUS esp_read_head(struct esp *esp, const char *path, void *buf, uint64_t cap,
			 uint64_t *got, uint64_t *size);

#endif
