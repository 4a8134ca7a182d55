# `make bench` (included by the top Makefile; alone: make -f Makefile -f tools/bench.mk bench).
# Boots BENCH_CONFIG in QEMU (TCG unless KVM=1) and prints the mailbox numbers
# two probes measured, next to the same benchmark run natively on two host
# threads (host_bench), with the ratios against the targets (tools/bench.py,
# docs/performance.md).  A missed target is reported, never a failed build.
BUILD ?= build
KVM ?= 0
BENCH_CONFIG ?= test/configs/bench.toml
BENCH_TIMEOUT ?= 120

.PHONY: bench
bench: $(BUILD)/mkboot.efi $(BUILD)/probe.elf $(BUILD)/probe/host_bench
	/usr/bin/python3 tools/bench.py --config $(BENCH_CONFIG) --kvm $(KVM) --timeout $(BENCH_TIMEOUT) \
	  --host-bench $(BUILD)/probe/host_bench
