# Linux kernels and the initramfs for the QEMU tests (docs/linux.md "User space").
# Included by the top Makefile, and usable alone:  make -f tools/kernels.mk kernels
#
#   kernels              all three below
#   $(BUILD)/vmlinuz     Debian's current linux-image-cloud-amd64 kernel
#   $(BUILD)/vmlinuz-rt  Debian's current linux-image-rt-amd64 (PREEMPT_RT) kernel
#   $(BUILD)/initrd.img  busybox-static + build/mkboot + tools/initrd/init, gzip'd newc cpio
#
# The .debs are cached in KERNEL_CACHE (outside build/: `make clean` keeps
# them, reruns do not download).  Delete a vmlinuz to pick up a newer Debian kernel.

KERNELS_SAVED_GOAL := $(.DEFAULT_GOAL)

BUILD ?= build
KERNEL_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/mkboot/debs
BUSYBOX ?= /bin/busybox

.PHONY: kernels
kernels: $(BUILD)/vmlinuz $(BUILD)/vmlinuz-rt $(BUILD)/initrd.img

$(BUILD)/vmlinuz: tools/kernels.sh
	MKBOOT_CACHE=$(KERNEL_CACHE) ./tools/kernels.sh cloud $@
$(BUILD)/vmlinuz-rt: tools/kernels.sh
	MKBOOT_CACHE=$(KERNEL_CACHE) ./tools/kernels.sh rt $@

$(BUILD)/initrd.img: tools/initrd/build.sh tools/initrd/init $(BUILD)/mkboot $(BUSYBOX)
	./tools/initrd/build.sh $@ $(BUILD)/mkboot $(BUSYBOX)

# Alone, the top Makefile still builds the tool (and decides whether it is up to date).
ifeq ($(notdir $(firstword $(MAKEFILE_LIST))),kernels.mk)
.PHONY: kernels-force
$(BUILD)/mkboot: kernels-force
	$(MAKE) --no-print-directory -f Makefile BUILD=$(BUILD) $@
endif

# Included: leave the including Makefile's default goal alone.  Alone: `kernels`.
ifeq ($(KERNELS_SAVED_GOAL),)
ifeq ($(notdir $(firstword $(MAKEFILE_LIST))),kernels.mk)
.DEFAULT_GOAL := kernels
else
.DEFAULT_GOAL :=
endif
else
.DEFAULT_GOAL := $(KERNELS_SAVED_GOAL)
endif
