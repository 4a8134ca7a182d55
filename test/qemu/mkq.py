"""Helpers for the QEMU tests: boot a config through the same runner as `make run`."""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import qemu_run  # noqa: E402

CONFIGS = os.path.join(ROOT, "test", "configs")
RUNS = os.path.join(ROOT, "build", "test-runs")
# Where mkboot.efi finds its config on the test ESP: errors name this path.
ESP_CONFIG = "/EFI/BOOT/partitions.toml"
# isa-debug-exit: QEMU exits with (value << 1) | 1; the probe writes 0 when all passed.
EXIT_ALL_PASSED = 1


def boot(name, config, smp=2, mem=512, timeout=90, until=(qemu_run.RETURNED,), text=None,
         until_all=()):
    """Boots `config` (a path, or `text` written to build/test-runs/<name>/partitions.toml)."""
    out = os.path.join(RUNS, name)
    os.makedirs(out, exist_ok=True)
    if text is not None:
        config = os.path.join(out, "partitions.toml")
        with open(config, "w") as f:
            f.write(text)
    return qemu_run.run_config(config, out, smp=smp, mem=mem, timeout=timeout, until=until,
                               kvm=os.environ.get("KVM") == "1", until_all=until_all)


def expected_errors(config_path):
    """The `# expect:` lines of a bad config, as mkboot.efi prints them."""
    with open(config_path) as f:
        return ["mkboot: error: " + m.group(1).replace("FILE", ESP_CONFIG)
                for m in re.finditer(r"^# expect: (.*)$", f.read(), re.M)]


KERNEL_TIME = re.compile(r"^\[\s*\d+\.\d+\] ")


def lines(text, prefix):
    """Lines starting with `prefix`, after any kernel timestamp (lines that came through
    printk, as mkinit's do in partitions without device interrupts)."""
    out = (KERNEL_TIME.sub("", l) for l in text.splitlines())
    return [l for l in out if l.startswith(prefix)]


def partition_consoles(config_text):
    return qemu_run.partition_consoles(config_text)


def probe_partition(name, cpus, tty, memory="16M", extra=""):
    """A [[partition]] running the probe kernel on console ttyS<tty>; `extra` is appended
    to its command line (with a leading space where needed)."""
    return """
[[partition]]
name = "%s"
cpus = [%s]
memory = "%s"
kernel = "probe.elf"
cmdline = "console=ttyS%d%s"
""" % (name, ", ".join(str(c) for c in cpus), memory, tty, extra)
