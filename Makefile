# mkboot: a UEFI application that boots several kernels side by side.
#   make            build/mkboot.efi and the host tool build/mkboot
#   make run        boot CONFIG (default partitions.toml) in QEMU+OVMF, show every console
#   make test       every test: host unit tests, short fuzz runs, QEMU tests
#   make fuzz       longer fuzz runs (FUZZ_SECONDS per target)
#   make bench      benchmarks

BUILD      := build
CONFIG     ?= partitions.toml
SMP        ?= 4
MEM        ?= 1024
TIMEOUT    ?=
KVM        ?= 0
FUZZ_SECONDS ?= 60
FUZZ_SHORT   ?= 8

HOST_CC    ?= gcc
FUZZ_CC    ?= clang
NASM       ?= nasm
EFI_INC    := /usr/include/efi
EFI_LIB    := /usr/lib

WARN       := -Wall -Wextra -Wshadow -Wno-unused-parameter -Werror=implicit-function-declaration -Werror=format
INC        := -Iloader -Imailbox -Itrampoline
HOST_CFLAGS := -std=gnu11 -O2 -g $(WARN) $(INC)
ASAN_CFLAGS := -std=gnu11 -O1 -g $(WARN) $(INC) -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) $(INC) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
EFI_CFLAGS := -std=gnu11 -O2 -g $(WARN) $(INC) -ffreestanding -fno-stack-protector -fno-stack-check \
              -fshort-wchar -mno-red-zone -fpic -fno-strict-aliasing -mgeneral-regs-only \
              -maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI -DMKBOOT_EFI

LOADER_SRC  := $(wildcard loader/*.c)
MAILBOX_SRC := $(wildcard mailbox/*.c)
CORE_SRC    := $(LOADER_SRC) $(MAILBOX_SRC)
BOOT_SRC    := $(wildcard boot/*.c)
TRAMP_ASM   := $(wildcard trampoline/*.asm)
TRAMP_SRC   := $(wildcard trampoline/*.c)
TOOL_SRC    := $(wildcard tools/mkboot/*.c)
UNIT_SRC    := $(wildcard test/unit/test_*.c)
FUZZ_SRC    := $(wildcard test/fuzz/fuzz_*.c)

HOST_OBJ := $(patsubst %.c,$(BUILD)/host/%.o,$(CORE_SRC))
ASAN_OBJ := $(patsubst %.c,$(BUILD)/asan/%.o,$(CORE_SRC))
FUZZ_OBJ := $(patsubst %.c,$(BUILD)/fuzzobj/%.o,$(CORE_SRC))
EFI_OBJ  := $(patsubst %.c,$(BUILD)/efi/%.o,$(CORE_SRC) $(BOOT_SRC) $(TRAMP_SRC)) \
            $(patsubst %.asm,$(BUILD)/efi/%.blob.o,$(TRAMP_ASM))
UNIT_BIN := $(patsubst test/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))
FUZZ_BIN := $(patsubst test/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

.PHONY: all deps run test unit fuzz fuzz-short qemu-test clean
all: $(BUILD)/mkboot.efi $(BUILD)/mkboot $(BUILD)/probe.elf

deps:
	@./tools/deps.sh

# ---- host objects: the same loader/ and mailbox/ sources, three ways ----
$(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(ASAN_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS:-fsanitize=fuzzer,%=-fsanitize=fuzzer-no-link,%) -MMD -MP -c $< -o $@

# The host tool: static, so it also runs inside a partition's initramfs.
$(BUILD)/mkboot: $(TOOL_SRC) $(wildcard tools/mkboot/*.h) $(HOST_OBJ)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -static -o $@ $(TOOL_SRC) $(HOST_OBJ)

# test_tool includes the tool's sources: any edit there rebuilds the tests.
$(BUILD)/unit/%: test/unit/%.c $(ASAN_OBJ) test/unit/check.h $(TOOL_SRC) $(wildcard tools/mkboot/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(ASAN_CFLAGS) -Itest/unit -o $@ $< $(ASAN_OBJ) -lpthread

$(BUILD)/fuzz/%: test/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_OBJ)

# ---- the UEFI application ----
$(BUILD)/efi/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(EFI_CFLAGS) -I$(EFI_INC) -I$(EFI_INC)/x86_64 -MMD -MP -c $< -o $@

# The trampoline's offsets come from handoff.h through a generated include.
$(BUILD)/gen/asm_defines: trampoline/gen/asm_defines.c trampoline/handoff.h
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=gnu11 -Wall -o $@ $<
$(BUILD)/trampoline/handoff.inc: $(BUILD)/gen/asm_defines
	@mkdir -p $(dir $@)
	$< > $@
# Each trampoline is a flat binary linked into mkboot.efi as a byte array.
$(BUILD)/trampoline/%.bin: trampoline/%.asm $(BUILD)/trampoline/handoff.inc
	@mkdir -p $(dir $@)
	$(NASM) -f bin -I$(BUILD)/trampoline/ -Itrampoline/ -o $@ $<
$(BUILD)/efi/trampoline/%.blob.o: $(BUILD)/trampoline/%.bin
	@mkdir -p $(dir $@)
	printf 'section .note.GNU-stack noalloc noexec nowrite progbits\nsection .rodata\nglobal %s_blob, %s_blob_end\nalign 16\n%s_blob: incbin "%s"\n%s_blob_end:\n' \
	  $* $* $* $< $* > $(BUILD)/trampoline/$*.blob.asm
	$(NASM) -f elf64 -o $@ $(BUILD)/trampoline/$*.blob.asm

$(BUILD)/mkboot.so: $(EFI_OBJ) linker.ld
	ld -nostdlib -znocombreloc --no-undefined -shared -Bsymbolic -T linker.ld -o $@ \
	  $(EFI_LIB)/crt0-efi-x86_64.o $(EFI_OBJ) -L$(EFI_LIB) -lefi -lgnuefi
$(BUILD)/mkboot.efi: $(BUILD)/mkboot.so
	objcopy -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym -j .rel \
	  -j .rela -j .rel.* -j .rela.* -j .reloc --target efi-app-x86_64 --subsystem=10 $< $@

# ---- running and testing ----
run: deps all kernels
	/usr/bin/python3 tools/qemu_run.py --config $(CONFIG) --smp $(SMP) --mem $(MEM) \
	  $(if $(TIMEOUT),--timeout $(TIMEOUT)) --kvm $(KVM) --interactive auto --show

# PROBE_UNIT_BIN comes from probe.mk, included below: expanded in the recipe, not here.
unit: $(UNIT_BIN)
	@$(MAKE) --no-print-directory $(PROBE_UNIT_BIN)
	@./tools/run_unit.sh $(UNIT_BIN) $(PROBE_UNIT_BIN)

fuzz-short: $(FUZZ_BIN)
	@./tools/run_fuzz.sh $(FUZZ_SHORT) $(FUZZ_BIN)
fuzz: $(FUZZ_BIN)
	@./tools/run_fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

qemu-test: all probe-all kernels
	cd test/qemu && pytest-3 -q -p no:cacheprovider .

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) fuzz-short
	$(MAKE) qemu-test

clean:
	rm -rf $(BUILD)

include test/probe/probe.mk
include tools/kernels.mk
include tools/bench.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
