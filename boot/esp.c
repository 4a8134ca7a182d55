#include <efi.h>
#include <efilib.h>

#include "esp.h"

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID simple_fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID file_info_guid = EFI_FILE_INFO_ID;

static bool is_sep(CHAR16 c)
{
	return c == L'\\' || c == L'/';
}

/* The folder part of the loaded image's file path node, e.g. "\EFI\BOOT". */
static void image_dir(EFI_LOADED_IMAGE *li, struct esp *esp)
{
	esp->dir[0] = 0;
	for (EFI_DEVICE_PATH *dp = li->FilePath; dp && !IsDevicePathEnd(dp); dp = NextDevicePathNode(dp)) {
		if (DevicePathType(dp) != MEDIA_DEVICE_PATH || DevicePathSubType(dp) != MEDIA_FILEPATH_DP)
			continue;
		const CHAR16 *name = ((FILEPATH_DEVICE_PATH *)dp)->PathName;
		size_t max = (DevicePathNodeLength(dp) - 4) / sizeof(CHAR16);
		size_t n = 0, last_sep = 0;
		/* Several file path nodes concatenate; firmware usually gives one. */
		while (esp->dir[n])
			n++;
		for (size_t i = 0; i < max && name[i] && n + 1 < ESP_PATH_MAX; i++) {
			if (is_sep(name[i]) && n > 0 && is_sep(esp->dir[n - 1]))
				continue;
			esp->dir[n++] = is_sep(name[i]) ? L'\\' : name[i];
		}
		esp->dir[n] = 0;
		for (size_t i = 0; i < n; i++)
			if (esp->dir[i] == L'\\')
				last_sep = i;
		esp->dir[last_sep] = 0;
	}
	size_t i = 0;
	for (; esp->dir[i] && i + 1 < ESP_PATH_MAX; i++)
		esp->dir_ascii[i] = esp->dir[i] == L'\\' ? '/' : (char)esp->dir[i];
	esp->dir_ascii[i] = 0;
}

EFI_STATUS esp_open(EFI_HANDLE image, struct esp *esp)
{
	EFI_LOADED_IMAGE *li;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_STATUS st;

	st = BS->HandleProtocol(image, &loaded_image_guid, (void **)&li);
	if (EFI_ERROR(st))
		return st;
	st = BS->HandleProtocol(li->DeviceHandle, &simple_fs_guid, (void **)&fs);
	if (EFI_ERROR(st))
		return st;
	st = fs->OpenVolume(fs, &esp->root);
	if (EFI_ERROR(st))
		return st;
	image_dir(li, esp);
	return EFI_SUCCESS;
}

void esp_close(struct esp *esp)
{
	if (esp->root)
		esp->root->Close(esp->root);
	esp->root = NULL;
}

/* Builds the firmware path: the image's folder + path, or path alone if absolute. */
static bool build_path(const struct esp *esp, const char *path, CHAR16 *out, size_t cap)
{
	size_t n = 0;
	if (!is_sep((CHAR16)path[0])) {
		for (size_t i = 0; esp->dir[i]; i++) {
			if (n + 1 >= cap)
				return false;
			out[n++] = esp->dir[i];
		}
		if (n + 1 >= cap)
			return false;
		out[n++] = L'\\';
	}
	for (const char *p = path; *p; p++) {
		if (n + 1 >= cap)
			return false;
		out[n++] = is_sep((CHAR16)*p) ? L'\\' : (CHAR16)(unsigned char)*p;
	}
	out[n] = 0;
	return true;
}

static EFI_STATUS open_file(struct esp *esp, const char *path, EFI_FILE_HANDLE *fh, uint64_t *size)
{
	CHAR16 full[ESP_PATH_MAX];
	union {
		EFI_FILE_INFO info;
		uint8_t raw[sizeof(EFI_FILE_INFO) + ESP_PATH_MAX * sizeof(CHAR16)];
	} u;
	UINTN len = sizeof(u);
	EFI_STATUS st;

	if (!build_path(esp, path, full, MK_ARRAY_SIZE(full)))
		return EFI_INVALID_PARAMETER;
	st = esp->root->Open(esp->root, fh, full, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	st = (*fh)->GetInfo(*fh, &file_info_guid, &len, &u.info);
	if (!EFI_ERROR(st) && (u.info.Attribute & EFI_FILE_DIRECTORY))
		st = EFI_NOT_FOUND;
	if (EFI_ERROR(st)) {
		(*fh)->Close(*fh);
		return st;
	}
	*size = u.info.FileSize;
	return EFI_SUCCESS;
}

bool esp_stat(void *ctx, const char *path, uint64_t *size)
{
	EFI_FILE_HANDLE fh;
	if (EFI_ERROR(open_file(ctx, path, &fh, size)))
		return false;
	fh->Close(fh);
	return true;
}

/* Read may return less than asked: loops until all n bytes are in. */
static EFI_STATUS read_all(EFI_FILE_HANDLE fh, uint8_t *buf, uint64_t n)
{
	uint64_t done = 0;
	while (done < n) {
		UINTN chunk = n - done;
		EFI_STATUS st = fh->Read(fh, &chunk, buf + done);
		if (EFI_ERROR(st))
			return st;
		if (chunk == 0)
			return EFI_END_OF_FILE;
		done += chunk;
	}
	return EFI_SUCCESS;
}

EFI_STATUS esp_read(struct esp *esp, const char *path, uint64_t max, void **data, uint64_t *size)
{
	EFI_FILE_HANDLE fh;
	EFI_PHYSICAL_ADDRESS pages;
	EFI_STATUS st = open_file(esp, path, &fh, size);
	if (EFI_ERROR(st))
		return st;
	if (*size > max) {
		fh->Close(fh);
		return EFI_BAD_BUFFER_SIZE;
	}
	st = BS->AllocatePages(AllocateAnyPages, EfiLoaderData, EFI_SIZE_TO_PAGES(*size ? *size : 1), &pages);
	if (EFI_ERROR(st)) {
		fh->Close(fh);
		return st;
	}
	st = read_all(fh, (uint8_t *)(uintptr_t)pages, *size);
	fh->Close(fh);
	if (EFI_ERROR(st)) {
		BS->FreePages(pages, EFI_SIZE_TO_PAGES(*size ? *size : 1));
		return st;
	}
	*data = (void *)(uintptr_t)pages;
	return EFI_SUCCESS;
}

EFI_STATUS esp_read_head(struct esp *esp, const char *path, void *buf, uint64_t cap,
			 uint64_t *got, uint64_t *size)
{
	EFI_FILE_HANDLE fh;
	EFI_STATUS st = open_file(esp, path, &fh, size);
	if (EFI_ERROR(st))
		return st;
	*got = *size < cap ? *size : cap;
	st = read_all(fh, buf, *got);
	fh->Close(fh);
	return st;
}
