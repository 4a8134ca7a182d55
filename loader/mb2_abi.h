/*
 * Multiboot2 definitions, written from the GNU Multiboot2 specification
 * (version 2.0): header tags a kernel carries, and the boot information (MBI)
 * tags a loader hands over.  Shared by the loader and the probe kernel.
 */
#ifndef MKBOOT_MB2_ABI_H
#define MKBOOT_MB2_ABI_H

#include <stdint.h>

#define MB2_HEADER_MAGIC 0xE85250D6u
#define MB2_BOOTLOADER_MAGIC 0x36D76289u /* in EAX at entry */
#define MB2_ARCH_I386 0u
#define MB2_SEARCH_LIMIT 32768u /* header lies in the first 32 KiB */
#define MB2_HEADER_ALIGN 8u
#define MB2_TAG_ALIGN 8u

/* Header tag types (spec 3.1.3 .. 3.1.13). */
#define MB2_HTAG_END 0
#define MB2_HTAG_INFO_REQUEST 1
#define MB2_HTAG_ADDRESS 2
#define MB2_HTAG_ENTRY 3
#define MB2_HTAG_FLAGS 4
#define MB2_HTAG_FRAMEBUFFER 5
#define MB2_HTAG_MODULE_ALIGN 6
#define MB2_HTAG_EFI_BS 7
#define MB2_HTAG_ENTRY_EFI32 8
#define MB2_HTAG_ENTRY_EFI64 9
#define MB2_HTAG_RELOCATABLE 10
#define MB2_HTAG_FLAG_OPTIONAL 1u /* header tag flags bit 0 */
/* Address tag load_addr: load the file from its first byte (spec 3.1.5). */
#define MB2_LOAD_ADDR_FILE_START 0xFFFFFFFFu

/* Relocatable tag preference (spec 3.1.13). */
#define MB2_RELOC_PREF_NONE 0
#define MB2_RELOC_PREF_LOW 1
#define MB2_RELOC_PREF_HIGH 2

/* MBI tag types (spec 3.6). */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_BOOTDEV 5
#define MB2_TAG_MMAP 6
#define MB2_TAG_VBE 7
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_TAG_ELF_SECTIONS 9
#define MB2_TAG_APM 10
#define MB2_TAG_EFI32 11
#define MB2_TAG_EFI64 12
#define MB2_TAG_SMBIOS 13
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_TAG_NETWORK 16
#define MB2_TAG_EFI_MMAP 17
#define MB2_TAG_EFI_BS 18
#define MB2_TAG_EFI32_IH 19
#define MB2_TAG_EFI64_IH 20
#define MB2_TAG_LOAD_BASE_ADDR 21
/* mkboot's own tag: far from the spec's small numbers ("MKBT"). */
#define MB2_TAG_MKBOOT 0x4D4B4254u

/* Memory map entry types (spec 3.6.8). */
#define MB2_MMAP_AVAILABLE 1
#define MB2_MMAP_RESERVED 2
#define MB2_MMAP_ACPI_RECLAIMABLE 3
#define MB2_MMAP_NVS 4
#define MB2_MMAP_BADRAM 5

struct mb2_header {
	uint32_t magic;
	uint32_t architecture;
	uint32_t header_length;
	uint32_t checksum;
} __attribute__((packed));

struct mb2_header_tag {
	uint16_t type;
	uint16_t flags;
	uint32_t size;
} __attribute__((packed));

struct mb2_htag_address {
	struct mb2_header_tag tag;
	uint32_t header_addr;
	uint32_t load_addr;
	uint32_t load_end_addr;
	uint32_t bss_end_addr;
} __attribute__((packed));

struct mb2_htag_entry {
	struct mb2_header_tag tag;
	uint32_t entry_addr;
} __attribute__((packed));

struct mb2_htag_flags {
	struct mb2_header_tag tag;
	uint32_t console_flags;
} __attribute__((packed));

struct mb2_htag_framebuffer {
	struct mb2_header_tag tag;
	uint32_t width;
	uint32_t height;
	uint32_t depth;
} __attribute__((packed));

struct mb2_htag_relocatable {
	struct mb2_header_tag tag;
	uint32_t min_addr;
	uint32_t max_addr;
	uint32_t align;
	uint32_t preference;
} __attribute__((packed));

struct mb2_info_header {
	uint32_t total_size;
	uint32_t reserved;
} __attribute__((packed));

struct mb2_tag {
	uint32_t type;
	uint32_t size;
} __attribute__((packed));

struct mb2_tag_string { /* cmdline, loader name */
	uint32_t type;
	uint32_t size;
	char string[];
} __attribute__((packed));

struct mb2_tag_basic_meminfo {
	uint32_t type;
	uint32_t size;
	uint32_t mem_lower; /* KiB from 0 */
	uint32_t mem_upper; /* KiB from 1 MiB */
} __attribute__((packed));

struct mb2_mmap_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
	uint32_t zero;
} __attribute__((packed));

struct mb2_tag_mmap {
	uint32_t type;
	uint32_t size;
	uint32_t entry_size;
	uint32_t entry_version;
	struct mb2_mmap_entry entries[];
} __attribute__((packed));

struct mb2_tag_module {
	uint32_t type;
	uint32_t size;
	uint32_t mod_start;
	uint32_t mod_end;
	char string[];
} __attribute__((packed));

struct mb2_tag_load_base_addr {
	uint32_t type;
	uint32_t size;
	uint32_t load_base_addr;
} __attribute__((packed));

_Static_assert(sizeof(struct mb2_header) == 16, "mb2 header");
_Static_assert(sizeof(struct mb2_header_tag) == 8, "mb2 header tag");
_Static_assert(sizeof(struct mb2_htag_address) == 24, "mb2 address tag");
_Static_assert(sizeof(struct mb2_htag_relocatable) == 24, "mb2 relocatable tag");
_Static_assert(sizeof(struct mb2_htag_entry) == 12, "mb2 entry tag");
_Static_assert(sizeof(struct mb2_htag_flags) == 12, "mb2 flags tag");
_Static_assert(sizeof(struct mb2_htag_framebuffer) == 20, "mb2 framebuffer tag");
_Static_assert(sizeof(struct mb2_tag_load_base_addr) == 12, "mb2 load base tag");
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2 mmap entry");
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mb2 mmap tag");
_Static_assert(sizeof(struct mb2_tag_basic_meminfo) == 16, "mb2 meminfo tag");

#endif
