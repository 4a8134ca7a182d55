/*
 * The parts of ELF a kernel loader reads: the file header and program
 * headers, 32- and 64-bit, written from the System V ABI "gABI" chapter 4
 * (ELF header) and chapter 5 (program header), with the machine numbers of
 * the i386 and x86-64 psABI supplements.
 *
 * Images are hostile and unaligned: read these structs with mk_memcpy from a
 * bounds-checked offset, never by casting a pointer into the image.
 */
#ifndef MKBOOT_ELF_H
#define MKBOOT_ELF_H

#include <stddef.h>
#include <stdint.h>

/* e_ident[] (gABI 4, "ELF Identification"). */
#define EI_NIDENT 16
#define EI_MAG0 0
#define EI_MAG1 1
#define EI_MAG2 2
#define EI_MAG3 3
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFMAG0 0x7F
#define ELFMAG1 'E'
#define ELFMAG2 'L'
#define ELFMAG3 'F'
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1

/* e_type */
#define ET_EXEC 2
#define ET_DYN 3

/* e_machine */
#define EM_386 3
#define EM_X86_64 62

/* e_phnum escape: the real count lives in section header 0 (gABI 4). */
#define PN_XNUM 0xFFFF

/* p_type */
#define PT_NULL 0
#define PT_LOAD 1

struct elf32_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint32_t e_entry;
	uint32_t e_phoff;
	uint32_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};

struct elf32_phdr {
	uint32_t p_type;
	uint32_t p_offset;
	uint32_t p_vaddr;
	uint32_t p_paddr;
	uint32_t p_filesz;
	uint32_t p_memsz;
	uint32_t p_flags;
	uint32_t p_align;
};

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};

_Static_assert(sizeof(struct elf32_ehdr) == 52, "elf32 ehdr");
_Static_assert(sizeof(struct elf64_ehdr) == 64, "elf64 ehdr");
_Static_assert(sizeof(struct elf32_phdr) == 32, "elf32 phdr");
_Static_assert(sizeof(struct elf64_phdr) == 56, "elf64 phdr");
_Static_assert(offsetof(struct elf32_ehdr, e_phoff) == 28, "elf32 e_phoff");
_Static_assert(offsetof(struct elf64_ehdr, e_phoff) == 32, "elf64 e_phoff");
_Static_assert(offsetof(struct elf64_ehdr, e_phnum) == 56, "elf64 e_phnum");
_Static_assert(offsetof(struct elf64_phdr, p_paddr) == 24, "elf64 p_paddr");

#endif
