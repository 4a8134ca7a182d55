/*
 * The Linux/x86 boot protocol ABI as a boot loader sees it: the setup header
 * inside a bzImage, the boot_params "zero page" built from it, its e820 map
 * and the setup_data list.
 *
 * Offsets and names follow Documentation/arch/x86/boot.rst ("The Real-Mode
 * Kernel Header", "Details of Header Fields") and Documentation/arch/x86/
 * zero-page.rst; the struct layout follows arch/x86/include/uapi/asm/
 * bootparam.h.  Every offset a loader touches is pinned by a _Static_assert,
 * so the structs cannot drift from the documented layout.
 */
#ifndef MKBOOT_BOOTPARAMS_H
#define MKBOOT_BOOTPARAMS_H

#include <stdint.h>

/* boot.rst "The Real-Mode Kernel Header": fixed places in the image file. */
#define BP_SECTOR_SIZE 512u
#define BP_SETUP_SECTS_DEFAULT 4u /* setup_sects == 0 means 4 */
#define BP_SETUP_HDR_OFF 0x1F1u   /* the setup header starts here, in the file and in boot_params */
#define BP_BOOT_FLAG_OFF 0x1FEu
#define BP_JUMP_LEN_OFF 0x201u    /* the jump's offset byte: the header ends at 0x202 + this byte */
#define BP_HEADER_OFF 0x202u
#define BP_VERSION_OFF 0x206u
#define BP_SETUP_HDR_LIMIT 0x290u /* edd_mbr_sig_buffer: the header's hole in boot_params ends here */

#define BP_BOOT_FLAG_MAGIC 0xAA55u
#define BP_HDRS_MAGIC 0x53726448u /* "HdrS" */

/* boot.rst: protocol 2.12 added xloadflags and the 64-bit entry at load + 0x200. */
#define BP_PROTOCOL_64BIT_ENTRY 0x020Cu
#define BP_ENTRY64_OFFSET 0x200u

/* loadflags (bootparam.h) */
#define LOADED_HIGH (1u << 0)
#define KASLR_FLAG (1u << 1)
#define QUIET_FLAG (1u << 5)
#define KEEP_SEGMENTS (1u << 6)
#define CAN_USE_HEAP (1u << 7)

/* xloadflags (bootparam.h, boot.rst "xloadflags") */
#define XLF_KERNEL_64 (1u << 0)
#define XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1)
#define XLF_EFI_HANDOVER_32 (1u << 2)
#define XLF_EFI_HANDOVER_64 (1u << 3)
#define XLF_EFI_KEXEC (1u << 4)

/* boot.rst type_of_loader: 0xFF = "undefined", for loaders without an assigned id. */
#define BP_LOADER_TYPE_UNDEFINED 0xFFu
/* boot.rst hardware_subarch: 0 = the default x86/PC environment. */
#define X86_SUBARCH_PC 0u

/* setup_data types in use upstream (bootparam.h); a private type must avoid them. */
#define SETUP_NONE 0u
#define SETUP_E820_EXT 1u
#define SETUP_DTB 2u
#define SETUP_PCI 3u
#define SETUP_EFI 4u
#define SETUP_APPLE_PROPERTIES 5u
#define SETUP_JAILHOUSE 6u
#define SETUP_CC_BLOB 7u
#define SETUP_IMA 8u
#define SETUP_RNG_SEED 9u
#define SETUP_INDIRECT (1u << 31)

/* arch/x86/include/asm/e820/types.h enum e820_type */
#define E820_TYPE_RAM 1u
#define E820_TYPE_RESERVED 2u
#define E820_TYPE_ACPI 3u
#define E820_TYPE_NVS 4u
#define E820_TYPE_UNUSABLE 5u
#define E820_MAX_ENTRIES_ZEROPAGE 128u

#define BP_SIZE 4096u

/* boot.rst header table, 0x1F1 .. 0x26C (the fields through protocol 2.15). */
struct setup_header {
	uint8_t setup_sects;
	uint16_t root_flags;
	uint32_t syssize;
	uint16_t ram_size;
	uint16_t vid_mode;
	uint16_t root_dev;
	uint16_t boot_flag;
	uint16_t jump;
	uint32_t header;
	uint16_t version;
	uint32_t realmode_swtch;
	uint16_t start_sys_seg;
	uint16_t kernel_version;
	uint8_t type_of_loader;
	uint8_t loadflags;
	uint16_t setup_move_size;
	uint32_t code32_start;
	uint32_t ramdisk_image;
	uint32_t ramdisk_size;
	uint32_t bootsect_kludge;
	uint16_t heap_end_ptr;
	uint8_t ext_loader_ver;
	uint8_t ext_loader_type;
	uint32_t cmd_line_ptr;
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	uint8_t relocatable_kernel;
	uint8_t min_alignment;
	uint16_t xloadflags;
	uint32_t cmdline_size;
	uint32_t hardware_subarch;
	uint64_t hardware_subarch_data;
	uint32_t payload_offset;
	uint32_t payload_length;
	uint64_t setup_data;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t handover_offset;
	uint32_t kernel_info_offset;
} __attribute__((packed));

struct setup_data {
	uint64_t next;
	uint32_t type;
	uint32_t len;
	/* uint8_t data[len]; */
} __attribute__((packed));

struct boot_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

struct efi_info {
	uint32_t efi_loader_signature;
	uint32_t efi_systab;
	uint32_t efi_memdesc_size;
	uint32_t efi_memdesc_version;
	uint32_t efi_memmap;
	uint32_t efi_memmap_size;
	uint32_t efi_systab_hi;
	uint32_t efi_memmap_hi;
} __attribute__((packed));

/* zero-page.rst; the parts mkboot never writes are kept as opaque bytes. */
struct boot_params {
	uint8_t screen_info[0x40];        /* 0x000 */
	uint8_t apm_bios_info[0x14];      /* 0x040 */
	uint8_t _pad2[4];                 /* 0x054 */
	uint64_t tboot_addr;              /* 0x058 */
	uint8_t ist_info[0x10];           /* 0x060 */
	uint64_t acpi_rsdp_addr;          /* 0x070 */
	uint8_t _pad3[8];                 /* 0x078 */
	uint8_t hd0_info[16];             /* 0x080 */
	uint8_t hd1_info[16];             /* 0x090 */
	uint8_t sys_desc_table[0x10];     /* 0x0A0 */
	uint8_t olpc_ofw_header[0x10];    /* 0x0B0 */
	uint32_t ext_ramdisk_image;       /* 0x0C0 */
	uint32_t ext_ramdisk_size;        /* 0x0C4 */
	uint32_t ext_cmd_line_ptr;        /* 0x0C8 */
	uint8_t _pad4[112];               /* 0x0CC */
	uint32_t cc_blob_address;         /* 0x13C */
	uint8_t edid_info[0x80];          /* 0x140 */
	struct efi_info efi_info;         /* 0x1C0 */
	uint32_t alt_mem_k;               /* 0x1E0 */
	uint32_t scratch;                 /* 0x1E4 */
	uint8_t e820_entries;             /* 0x1E8 */
	uint8_t eddbuf_entries;           /* 0x1E9 */
	uint8_t edd_mbr_sig_buf_entries;  /* 0x1EA */
	uint8_t kbd_status;               /* 0x1EB */
	uint8_t secure_boot;              /* 0x1EC */
	uint8_t _pad5[2];                 /* 0x1ED */
	uint8_t sentinel;                 /* 0x1EF */
	uint8_t _pad6[1];                 /* 0x1F0 */
	struct setup_header hdr;          /* 0x1F1 */
	uint8_t _pad7[BP_SETUP_HDR_LIMIT - BP_SETUP_HDR_OFF - sizeof(struct setup_header)];
	uint32_t edd_mbr_sig_buffer[16];  /* 0x290 */
	struct boot_e820_entry e820_table[E820_MAX_ENTRIES_ZEROPAGE]; /* 0x2D0 */
	uint8_t _pad8[48];                /* 0xCD0 */
	uint8_t eddbuf[0x1EC];            /* 0xD00 */
	uint8_t _pad9[276];               /* 0xEEC */
} __attribute__((packed));

#define BP_OFF(f) __builtin_offsetof(struct boot_params, f)
#define BP_HDR_OFF(f) (BP_SETUP_HDR_OFF + __builtin_offsetof(struct setup_header, f))

_Static_assert(sizeof(struct boot_params) == BP_SIZE, "boot_params is one 4 KiB page");
_Static_assert(sizeof(struct setup_data) == 16, "setup_data header");
_Static_assert(sizeof(struct boot_e820_entry) == 20, "boot_e820_entry");
_Static_assert(sizeof(struct efi_info) == 0x20, "efi_info");
_Static_assert(BP_OFF(acpi_rsdp_addr) == 0x070, "acpi_rsdp_addr");
_Static_assert(BP_OFF(ext_ramdisk_image) == 0x0C0, "ext_ramdisk_image");
_Static_assert(BP_OFF(ext_ramdisk_size) == 0x0C4, "ext_ramdisk_size");
_Static_assert(BP_OFF(ext_cmd_line_ptr) == 0x0C8, "ext_cmd_line_ptr");
_Static_assert(BP_OFF(cc_blob_address) == 0x13C, "cc_blob_address");
_Static_assert(BP_OFF(efi_info) == 0x1C0, "efi_info");
_Static_assert(BP_OFF(e820_entries) == 0x1E8, "e820_entries");
_Static_assert(BP_OFF(sentinel) == 0x1EF, "sentinel");
_Static_assert(BP_OFF(hdr) == BP_SETUP_HDR_OFF, "setup header");
_Static_assert(BP_OFF(edd_mbr_sig_buffer) == BP_SETUP_HDR_LIMIT, "edd_mbr_sig_buffer");
_Static_assert(BP_OFF(e820_table) == 0x2D0, "e820_table");
_Static_assert(BP_OFF(eddbuf) == 0xD00, "eddbuf");
_Static_assert(BP_HDR_OFF(boot_flag) == BP_BOOT_FLAG_OFF, "boot_flag");
_Static_assert(BP_HDR_OFF(jump) == 0x200, "jump");
_Static_assert(BP_HDR_OFF(header) == BP_HEADER_OFF, "header");
_Static_assert(BP_HDR_OFF(version) == BP_VERSION_OFF, "version");
_Static_assert(BP_HDR_OFF(type_of_loader) == 0x210, "type_of_loader");
_Static_assert(BP_HDR_OFF(loadflags) == 0x211, "loadflags");
_Static_assert(BP_HDR_OFF(code32_start) == 0x214, "code32_start");
_Static_assert(BP_HDR_OFF(ramdisk_image) == 0x218, "ramdisk_image");
_Static_assert(BP_HDR_OFF(ramdisk_size) == 0x21C, "ramdisk_size");
_Static_assert(BP_HDR_OFF(heap_end_ptr) == 0x224, "heap_end_ptr");
_Static_assert(BP_HDR_OFF(cmd_line_ptr) == 0x228, "cmd_line_ptr");
_Static_assert(BP_HDR_OFF(initrd_addr_max) == 0x22C, "initrd_addr_max");
_Static_assert(BP_HDR_OFF(kernel_alignment) == 0x230, "kernel_alignment");
_Static_assert(BP_HDR_OFF(relocatable_kernel) == 0x234, "relocatable_kernel");
_Static_assert(BP_HDR_OFF(xloadflags) == 0x236, "xloadflags");
_Static_assert(BP_HDR_OFF(cmdline_size) == 0x238, "cmdline_size");
_Static_assert(BP_HDR_OFF(hardware_subarch) == 0x23C, "hardware_subarch");
_Static_assert(BP_HDR_OFF(setup_data) == 0x250, "setup_data");
_Static_assert(BP_HDR_OFF(pref_address) == 0x258, "pref_address");
_Static_assert(BP_HDR_OFF(init_size) == 0x260, "init_size");
_Static_assert(BP_HDR_OFF(handover_offset) == 0x264, "handover_offset");
_Static_assert(BP_HDR_OFF(kernel_info_offset) == 0x268, "kernel_info_offset");

#endif
