"""Issue 3 in QEMU+OVMF: several probe kernels at once, each on its own CPUs and RAM.
Every partition must print its PASS line on its own console, and the probe in the boot
CPU's partition ends QEMU with isa-debug-exit only when every partition passed."""
import os
import re

import pytest

import mkq


def partition(name, cpus, tty):
    return mkq.probe_partition(name, cpus, tty)


CASES = {
    "two-on-two": (2, [("a", [0], 0), ("b", [1], 1)]),
    "four-on-four": (4, [("p0", [0], 0), ("p1", [1], 1), ("p2", [2], 2), ("p3", [3], 3)]),
    "two-cpus-beside-two-singles": (4, [("wide", [0, 1], 0), ("s1", [2], 1), ("s2", [3], 2)]),
    "boot-cpu-partition-not-first": (3, [("first", [1], 0), ("second", [2], 1), ("boot", [0], 2)]),
    "cpus-left-unassigned": (4, [("x", [0], 0), ("y", [2], 1)]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_partitions_all_pass(case):
    smp, parts = CASES[case]
    text = "".join(partition(*p) for p in parts)
    res = mkq.boot("parts-" + case, None, smp=smp, mem=512, timeout=150, until=(), text=text)
    com1 = res.console(1)
    assert "mkboot: boot plan: %d partitions, %d CPUs" % (len(parts), smp) in com1
    assert re.search(r"mkboot: started %d partitions in \d+ us" % len(parts), com1), com1
    assert "did not start" not in com1
    for name, cpus, tty in parts:
        console = res.console(tty + 1)
        probe = mkq.lines(console, "probe[%s]: " % name)
        assert probe, "partition %s printed nothing on COM%d" % (name, tty + 1)
        for cpu in cpus:
            assert "probe[%s]: cpu %d online" % (name, cpu) in probe, probe
        assert "probe[%s]: cpus expected: %s" % (name, " ".join(map(str, cpus))) in probe
        assert probe[-1] == "probe[%s]: PASS" % name, probe[-8:]
        # Nothing of another partition leaks onto this console.
        others = [n for n, _, _ in parts if n != name]
        assert not any(l.startswith("probe[%s]" % o) for o in others for l in console.splitlines())
    if case == "cpus-left-unassigned":
        assert "mkboot:   unassigned CPUs: 1,3" in com1, com1
    assert res.reason == "exit" and res.exit_code == mkq.EXIT_ALL_PASSED, (res.reason, res.exit_code)


def test_kernel_linked_at_a_fixed_address():
    """A multiboot2 kernel without a relocatable tag (probe-fixed.elf, linked at 2 MiB) and
    no memory_base: its pages become the partition's first RAM range, the rest of its memory
    comes from wherever RAM is free, and it runs beside a relocatable one."""
    text = """
[[partition]]
name = "fixed"
cpus = [0]
memory = "32M"
kernel = "probe-fixed.elf"
cmdline = "console=ttyS0"
""" + mkq.probe_partition("reloc", [1], 1)
    res = mkq.boot("parts-fixed-kernel", None, smp=2, mem=512, timeout=150, until=(), text=text)
    com1 = res.console(1)
    assert re.search(r'mkboot:   part0 "fixed" cpus=0 ram=0x200000\+836K,0x[0-9a-f]+\+\S+ ', com1), com1
    fixed = mkq.lines(com1, "probe[fixed]: ")
    assert any(l.startswith("probe[fixed]: multiboot2 probe at 0x200000..0x2d1000,") for l in fixed), fixed
    assert any(re.fullmatch(r"probe\[fixed\]: memory map: \d+ entries, 32832 KiB available in 3 "
                            r"ranges, exactly the mkboot tag's RAM", l) for l in fixed), fixed
    assert fixed[-1] == "probe[fixed]: PASS", fixed[-8:]
    reloc = mkq.lines(res.console(2), "probe[reloc]: ")
    assert reloc and reloc[-1] == "probe[reloc]: PASS", reloc[-8:]
    assert res.reason == "exit" and res.exit_code == mkq.EXIT_ALL_PASSED, (res.reason, res.exit_code)


def fnv1a(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def test_multiboot2_initrd_is_a_module():
    """A multiboot2 partition's initrd reaches its kernel as a boot module (GRUB's module2):
    the probe finds one module tag named by the path, page aligned in its RAM, clear of the
    image and the MBI, holding exactly the file's bytes."""
    module = "probe-fixed.elf"  # any file will do; this one is built anyway
    with open(os.path.join(mkq.ROOT, "build", module), "rb") as f:
        data = f.read()
    text = mkq.probe_partition("mod", [0], 0).replace(
        'kernel = "probe.elf"', 'kernel = "probe.elf"\ninitrd = "%s"' % module) + \
        mkq.probe_partition("plain", [1], 1)
    res = mkq.boot("parts-mb2-module", None, smp=2, mem=512, timeout=150, until=(), text=text)
    mod = mkq.lines(res.console(1), "probe[mod]: ")
    lines = [l for l in mod if l.startswith('probe[mod]: module "%s" at ' % module)]
    assert len(lines) == 1, mod
    m = re.fullmatch(r'probe\[mod\]: module "[^"]+" at 0x([0-9a-f]+)\.\.0x([0-9a-f]+): (\d+) bytes, '
                     r"FNV-1a 0x([0-9a-f]{16}) \(1 module tags\)", lines[0])
    assert m, lines[0]
    assert int(m.group(1), 16) % 4096 == 0
    assert int(m.group(2), 16) - int(m.group(1), 16) == len(data) == int(m.group(3))
    assert int(m.group(4), 16) == fnv1a(data), (m.group(4), hex(fnv1a(data)))
    assert mod[-1] == "probe[mod]: PASS", mod[-8:]
    plain = mkq.lines(res.console(2), "probe[plain]: ")
    assert not any(" module " in l for l in plain), plain
    assert plain and plain[-1] == "probe[plain]: PASS", plain[-8:]
    assert res.reason == "exit" and res.exit_code == mkq.EXIT_ALL_PASSED, (res.reason, res.exit_code)
