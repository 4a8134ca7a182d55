"""Issue 5 in QEMU+OVMF: unmodified Debian kernels (cloud and PREEMPT_RT builds) run in
partitions beside probe kernels, see only their own CPUs and RAM, talk through the
mailboxes, and a panicking Linux partition does not take the others down."""
import os
import re

import pytest

import mkq

KERNELS = [os.path.join(mkq.ROOT, "build", f) for f in ("vmlinuz", "vmlinuz-rt", "initrd.img")]
LINUX_MEM = "256M"
# MemTotal of a 256M partition: the kernel's own image and reservations come off the top,
# and nothing of the machine's other RAM (1.5G in these runs) may show up.
MEM_MIN_KB, MEM_MAX_KB = 150 * 1024, 256 * 1024 + 64


@pytest.fixture(scope="module", autouse=True)
def kernels():
    missing = [k for k in KERNELS if not os.path.exists(k)]
    assert not missing, "run `make kernels` first (missing %s)" % ", ".join(missing)


def linux(name, cpus, tty, kernel="vmlinuz", extra=""):
    return """
[[partition]]
name = "%s"
cpus = [%s]
memory = "%s"
kernel = "%s"
initrd = "initrd.img"
cmdline = "console=ttyS%d mkinit.cpus=%d mkinit.mem_min_kb=%d mkinit.mem_max_kb=%d %s"
""" % (name, ", ".join(map(str, cpus)), LINUX_MEM, kernel, tty, len(cpus), MEM_MIN_KB, MEM_MAX_KB,
       extra)


def probe(name, cpus, tty):
    return mkq.probe_partition(name, cpus, tty, extra=" probe.exit=0")


def verdict(name):
    return r"(?m)^(\[\s*\d+\.\d+\] )?\w+\[%s\]: (PASS|FAIL)" % re.escape(name)


def boot(case, text, names, smp, extra_until=()):
    return mkq.boot("linux-" + case, None, smp=smp, mem=1536, timeout=240, until=(), text=text,
                    until_all=[verdict(n) for n in names] + list(extra_until))


def assert_linux_passed(res, name, tty, cpus, peers):
    out = mkq.lines(res.console(tty + 1), "mkinit[%s]: " % name)
    assert "mkinit[%s]: cpus=%d memtotal_kb=" % (name, len(cpus)) in "\n".join(out), out
    for peer in peers:
        assert any(re.fullmatch(r"mkinit\[%s\]: mailbox %s: sent (\d+) received \1 ok" % (name, peer), l)
                   for l in out), out
    assert out[-1] == "mkinit[%s]: PASS" % name, out[-6:]


def assert_probe_passed(res, name, tty):
    out = mkq.lines(res.console(tty + 1), "probe[%s]: " % name)
    assert "probe[%s]: PASS" % name in out, out[-6:]


def test_linux_in_the_boot_cpu_partition_beside_a_probe():
    text = linux("linux", [0, 1], 0, extra="mkinit.peer=probe") + probe("probe", [2], 1)
    res = boot("bsp", text, ["linux", "probe"], smp=3)
    assert_linux_passed(res, "linux", 0, [0, 1], ["probe"])
    assert_probe_passed(res, "probe", 1)


def test_linux_in_a_secondary_partition():
    text = probe("probe", [0], 0) + linux("linux", [1, 2], 1, extra="mkinit.peer=probe")
    res = boot("secondary", text, ["linux", "probe"], smp=3)
    assert_linux_passed(res, "linux", 1, [1, 2], ["probe"])
    assert_probe_passed(res, "probe", 0)
    # The kernel was told what keeps it inside its partition.
    com2 = res.console(2)
    assert re.search(r"Command line: console=ttyS1 .* nr_cpus=2 pci=off tsc=reliable "
                     r"earlycon=uart8250,io,0x2f8,115200 keep_bootcon 8250.nr_uarts=0 .*no_ipi_broadcast=1$",
                     com2, re.M), com2[:3000]
    # Its 8250 driver left the legacy UARTs alone (it used to reset COM1's interrupt enables).
    assert "ttyS0 at I/O 0x3f8" not in com2
    # It saw only its own RAM, its CPUs, and no IOAPIC.
    assert "ACPI: No IOAPIC entries present" in com2
    assert "smp: Brought up 1 node, 2 CPUs" in com2


def test_generic_and_rt_kernels_side_by_side():
    text = (linux("cloud", [0, 1], 0, extra="mkinit.peer=rt") +
            linux("rt", [2, 3], 1, kernel="vmlinuz-rt", extra="mkinit.peer=probe mkinit.serve=1") +
            probe("probe", [4], 2))
    res = boot("cloud-rt", text, ["cloud", "rt", "probe"], smp=5)
    assert_linux_passed(res, "cloud", 0, [0, 1], ["rt"])
    assert_linux_passed(res, "rt", 1, [2, 3], ["probe"])
    assert_probe_passed(res, "probe", 2)
    assert "PREEMPT_RT" in res.console(2) or "PREEMPT RT" in res.console(2)


def test_a_panicking_linux_partition_does_not_stop_the_others():
    panic = r"Kernel panic - not syncing: sysrq triggered crash"
    text = (probe("probe", [0], 0) +
            linux("crash", [1], 1, extra="mkinit.crash=1 mkinit.verbose=1") +
            linux("survivor", [2], 2, extra="mkinit.peer=probe mkinit.delay=20"))
    res = boot("panic", text, ["survivor", "probe"], smp=3, extra_until=[panic])
    assert re.search(panic, res.console(2)), res.console(2)[-2000:]
    assert_linux_passed(res, "survivor", 2, [2], ["probe"])
    assert_probe_passed(res, "probe", 0)
    # The survivor's whole exchange with the probe came after the crash.
    assert res.seen[panic] < res.seen[verdict("survivor")], res.seen


def test_linux_entirely_above_4g():
    """A 6 GiB machine; the Linux partition's RAM is fixed at 5 GiB: kernel, initrd and
    boot data all above 4 GiB, only its low slice below 1 MiB."""
    text = probe("probe", [0], 0) + linux("high", [1], 1, extra="mkinit.peer=probe").replace(
        'memory = "%s"' % LINUX_MEM, 'memory = "%s"\nmemory_base = 0x140000000' % LINUX_MEM)
    res = mkq.boot("linux-high", None, smp=2, mem=6144, timeout=240, until=(), text=text,
                   until_all=[verdict("high"), verdict("probe")])
    assert_linux_passed(res, "high", 1, [1], ["probe"])
    com2 = res.console(2)
    assert "BIOS-e820: [mem 0x0000000140000000-0x000000014fffffff] usable" in com2, com2[:3000]
    usable = re.findall(r"BIOS-e820: \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\] usable", com2)
    assert len(usable) == 2 and int(usable[0][1], 16) < 0x9f000, usable
