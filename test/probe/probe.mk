# The probe kernel (test/probe/README.md).  Included by the top Makefile, and
# usable alone:  make -f test/probe/probe.mk build/probe.elf
#
#   $(BUILD)/probe.elf                 the multiboot2 probe (position independent)
#   $(BUILD)/probe-fixed.elf           the probe without its relocatable tag: loaded at
#                                      PROBE_LINK_BASE, as a kernel linked there would be
#   $(BUILD)/probe-grub-bios.iso       GRUB (i386-pc) + probe, console=ttyS0
#   $(BUILD)/probe-grub-efi.iso        GRUB (x86_64-efi) + probe
#   $(BUILD)/probe-grub-bios-high.iso  probe built with relocation preference "high"
#   $(BUILD)/probe-grub-bios-corrupt.iso  probe.corrupt=1: the memory check must fail
#   $(BUILD)/probe/host_bench          the mailbox benchmark on two host threads (make bench)
#   probe-unit                         host tests of the probe's parsers and mailbox talk
#   probe-fuzz                         fuzz the MBI/ACPI parsers and peer messages (PROBE_FUZZ_SECONDS)
#   probe-test                         probe-unit, then test/qemu/test_grub.py

PROBE_SAVED_GOAL := $(.DEFAULT_GOAL)

BUILD ?= build
PROBE_DIR := test/probe
PROBE_OUT := $(BUILD)/probe
PROBE_CC ?= gcc
PROBE_NASM ?= nasm
PROBE_LD ?= ld
PROBE_OBJCOPY ?= objcopy
PROBE_MKRESCUE ?= grub-mkrescue
PROBE_GRUB_BIOS_DIR ?= /usr/lib/grub/i386-pc
PROBE_GRUB_EFI_DIR ?= /usr/lib/grub/x86_64-efi
# Where the ELF says it goes (the first place its relocatable tag allows), and
# the address of the copy that proves the bytes do not depend on it.
PROBE_LINK_BASE := 0x200000
PROBE_LINK_MOVED := 0x40000000

PROBE_WARN := -Wall -Wextra -Wshadow -Werror=implicit-function-declaration -Werror=format
PROBE_INC := -I$(PROBE_DIR) -Iloader -Imailbox
# -fpie and hidden.h: every address RIP-relative.  No switch tables or stack protector,
# no SSE (nothing sets it up), no red zone (exceptions push onto our stack).
PROBE_CFLAGS := -std=gnu11 -O2 -g $(PROBE_WARN) $(PROBE_INC) -ffreestanding -fpie \
  -fvisibility=hidden -mcmodel=small -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
  -fno-stack-check -fno-builtin -fno-tree-loop-distribute-patterns -fno-tree-switch-conversion \
  -fno-jump-tables -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-strict-aliasing \
  -include $(PROBE_DIR)/hidden.h
PROBE_HOST_CFLAGS := -std=gnu11 -O1 -g $(PROBE_WARN) $(PROBE_INC) -Itest/unit \
  -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

PROBE_C_SRC := $(filter-out $(PROBE_DIR)/asm_defines.c $(PROBE_DIR)/test_%.c $(PROBE_DIR)/fuzz_%.c \
  $(PROBE_DIR)/host_%.c,$(wildcard $(PROBE_DIR)/*.c))
# The mailbox library, compiled into the probe with the probe's flags.
PROBE_MAILBOX_SRC := mailbox/mkbox.c mailbox/mkbox_ring.c mailbox/mkbox_layout.c
PROBE_OBJ := $(patsubst $(PROBE_DIR)/%.c,$(PROBE_OUT)/%.o,$(PROBE_C_SRC)) $(PROBE_OUT)/lib.o \
  $(patsubst mailbox/%.c,$(PROBE_OUT)/mailbox/%.o,$(PROBE_MAILBOX_SRC)) $(PROBE_OUT)/entry.o
# The parsers, set arithmetic and mailbox conversations: pure C, also built for the host tests.
PROBE_PURE_SRC := $(addprefix $(PROBE_DIR)/,mbi.c acpi.c ranges.c cmdline.c checks.c coord.c \
  msg.c link.c bench.c bench_flow.c) loader/lib.c $(PROBE_MAILBOX_SRC)

.PHONY: probe-all probe-unit probe-fuzz probe-test
probe-all: $(BUILD)/probe.elf $(BUILD)/probe-fixed.elf $(BUILD)/probe-grub-bios.iso $(BUILD)/probe-grub-efi.iso \
  $(BUILD)/probe-grub-bios-high.iso $(BUILD)/probe-grub-bios-corrupt.iso

$(PROBE_OUT)/asm_defines: $(PROBE_DIR)/asm_defines.c $(PROBE_DIR)/ap_handoff.h $(PROBE_DIR)/layout.h \
  $(PROBE_DIR)/x86.h loader/mb2_abi.h
	@mkdir -p $(dir $@)
	$(PROBE_CC) -std=gnu11 $(PROBE_WARN) $(PROBE_INC) -o $@ $<
$(PROBE_OUT)/probe_defs.inc: $(PROBE_OUT)/asm_defines
	$< > $@

$(PROBE_OUT)/ap_tramp.bin: $(PROBE_DIR)/ap_tramp.asm $(PROBE_OUT)/probe_defs.inc
	$(PROBE_NASM) -f bin -I$(PROBE_OUT)/ -o $@ $<
$(PROBE_OUT)/entry.o: $(PROBE_DIR)/entry.asm $(PROBE_OUT)/probe_defs.inc $(PROBE_OUT)/ap_tramp.bin
	$(PROBE_NASM) -f elf64 -I$(PROBE_OUT)/ -o $@ $<
$(PROBE_OUT)/entry-high.o: $(PROBE_DIR)/entry.asm $(PROBE_OUT)/probe_defs.inc $(PROBE_OUT)/ap_tramp.bin
	$(PROBE_NASM) -f elf64 -DPROBE_PLACE_HIGH -I$(PROBE_OUT)/ -o $@ $<
$(PROBE_OUT)/entry-fixed.o: $(PROBE_DIR)/entry.asm $(PROBE_OUT)/probe_defs.inc $(PROBE_OUT)/ap_tramp.bin
	$(PROBE_NASM) -f elf64 -DPROBE_FIXED -I$(PROBE_OUT)/ -o $@ $<

$(PROBE_OUT)/%.o: $(PROBE_DIR)/%.c
	@mkdir -p $(dir $@)
	$(PROBE_CC) $(PROBE_CFLAGS) -MMD -MP -c $< -o $@
$(PROBE_OUT)/lib.o: loader/lib.c
	@mkdir -p $(dir $@)
	$(PROBE_CC) $(PROBE_CFLAGS) -MMD -MP -c $< -o $@
$(PROBE_OUT)/mailbox/%.o: mailbox/%.c
	@mkdir -p $(dir $@)
	$(PROBE_CC) $(PROBE_CFLAGS) -MMD -MP -c $< -o $@

# Link, then prove position independence: the same objects linked 1 GiB away
# must give the same bytes (any absolute address would differ), and no
# relocation section may survive (GRUB rejects them).
PROBE_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
  -T $(PROBE_DIR)/probe.ld
define probe_link
	$(PROBE_LD) $(PROBE_LDFLAGS) --defsym=PROBE_LINK_BASE=$(PROBE_LINK_BASE) -o $@ $(1)
	$(PROBE_LD) $(PROBE_LDFLAGS) --defsym=PROBE_LINK_BASE=$(PROBE_LINK_MOVED) -o $@.moved $(1)
	$(PROBE_OBJCOPY) -O binary $@ $@.bin
	$(PROBE_OBJCOPY) -O binary $@.moved $@.moved.bin
	@cmp -s $@.bin $@.moved.bin || { echo "$@: image bytes depend on the link address (absolute relocation?)"; \
	  cmp -l $@.bin $@.moved.bin | head; rm -f $@; exit 1; }
	@! readelf -SW $@ | grep -qE ' (RELA?|DYNAMIC) ' || { echo "$@: relocation sections left"; rm -f $@; exit 1; }
	@rm -f $@.moved $@.bin $@.moved.bin
endef

$(BUILD)/probe.elf: $(PROBE_OBJ) $(PROBE_DIR)/probe.ld
	$(call probe_link,$(PROBE_OBJ))
$(BUILD)/probe-high.elf: $(filter-out %/entry.o,$(PROBE_OBJ)) $(PROBE_OUT)/entry-high.o $(PROBE_DIR)/probe.ld
	$(call probe_link,$(filter-out %/entry.o,$(PROBE_OBJ)) $(PROBE_OUT)/entry-high.o)
$(BUILD)/probe-fixed.elf: $(filter-out %/entry.o,$(PROBE_OBJ)) $(PROBE_OUT)/entry-fixed.o $(PROBE_DIR)/probe.ld
	$(call probe_link,$(filter-out %/entry.o,$(PROBE_OBJ)) $(PROBE_OUT)/entry-fixed.o)

# GRUB ISOs: $(1) grub platform dir, $(2) the kernel, $(3) extra cmdline words.
define probe_iso
	rm -rf $@.d && mkdir -p $@.d/boot/grub
	cp $(2) $@.d/boot/probe.elf
	sed 's|@CMDLINE@|console=ttyS0$(3)|' $(PROBE_DIR)/grub.cfg.in > $@.d/boot/grub/grub.cfg
	$(PROBE_MKRESCUE) -d $(1) -o $@ $@.d >$@.log 2>&1 || { cat $@.log; exit 1; }
	rm -rf $@.d $@.log
endef

$(BUILD)/probe-grub-bios.iso: $(BUILD)/probe.elf $(PROBE_DIR)/grub.cfg.in
	$(call probe_iso,$(PROBE_GRUB_BIOS_DIR),$<,)
$(BUILD)/probe-grub-efi.iso: $(BUILD)/probe.elf $(PROBE_DIR)/grub.cfg.in
	$(call probe_iso,$(PROBE_GRUB_EFI_DIR),$<,)
$(BUILD)/probe-grub-bios-high.iso: $(BUILD)/probe-high.elf $(PROBE_DIR)/grub.cfg.in
	$(call probe_iso,$(PROBE_GRUB_BIOS_DIR),$<,)
$(BUILD)/probe-grub-bios-corrupt.iso: $(BUILD)/probe.elf $(PROBE_DIR)/grub.cfg.in
	$(call probe_iso,$(PROBE_GRUB_BIOS_DIR),$<, probe.corrupt=1)

PROBE_UNIT_BIN := $(patsubst $(PROBE_DIR)/%.c,$(PROBE_OUT)/%,$(wildcard $(PROBE_DIR)/test_*.c))
$(PROBE_OUT)/test_%: $(PROBE_DIR)/test_%.c $(PROBE_PURE_SRC) $(wildcard $(PROBE_DIR)/*.h) test/unit/check.h
	@mkdir -p $(dir $@)
	$(PROBE_CC) $(PROBE_HOST_CFLAGS) -o $@ $< $(PROBE_PURE_SRC) -lpthread

# The mailbox benchmark natively on two host threads (tools/bench.mk runs it).
$(PROBE_OUT)/host_bench: $(PROBE_DIR)/host_bench.c $(PROBE_PURE_SRC) $(wildcard $(PROBE_DIR)/*.h)
	@mkdir -p $(dir $@)
	$(PROBE_CC) -std=gnu11 -O2 -g $(PROBE_WARN) $(PROBE_INC) -o $@ $< $(PROBE_PURE_SRC) -lpthread

probe-unit: $(PROBE_UNIT_BIN)
	@for t in $(PROBE_UNIT_BIN); do $$t || exit 1; done

PROBE_FUZZ_CC ?= clang
PROBE_FUZZ_SECONDS ?= 30
PROBE_FUZZ_BIN := $(patsubst $(PROBE_DIR)/%.c,$(PROBE_OUT)/%,$(wildcard $(PROBE_DIR)/fuzz_*.c))
$(PROBE_OUT)/fuzz_%: $(PROBE_DIR)/fuzz_%.c $(PROBE_PURE_SRC) $(wildcard $(PROBE_DIR)/*.h)
	@mkdir -p $(dir $@)
	$(PROBE_FUZZ_CC) -std=gnu11 -O1 -g $(PROBE_WARN) $(PROBE_INC) -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=undefined -o $@ $< $(PROBE_PURE_SRC)

# Each target in turn, PROBE_FUZZ_SECONDS each, seeds from corpus/<target>.
probe-fuzz: $(PROBE_FUZZ_BIN)
	@for f in $(PROBE_FUZZ_BIN); do n=$$(basename $$f); mkdir -p $(PROBE_OUT)/fuzz-corpus/$$n && \
	  $$f -max_total_time=$(PROBE_FUZZ_SECONDS) $(PROBE_OUT)/fuzz-corpus/$$n $(PROBE_DIR)/corpus/$$n || exit 1; done

probe-test: probe-unit probe-all
	cd test/qemu && pytest-3 -q -p no:cacheprovider test_grub.py

-include $(wildcard $(PROBE_OUT)/*.d $(PROBE_OUT)/mailbox/*.d)

# Included: leave the including Makefile's default goal alone.  Alone: build everything.
ifeq ($(PROBE_SAVED_GOAL),)
ifeq ($(notdir $(firstword $(MAKEFILE_LIST))),probe.mk)
.DEFAULT_GOAL := probe-all
else
.DEFAULT_GOAL :=
endif
else
.DEFAULT_GOAL := $(PROBE_SAVED_GOAL)
endif
