"""The probe kernel under GRUB's own multiboot2 loader (test/probe/README.md).

Boots the probe ISOs that test/probe/probe.mk builds in QEMU (TCG, q35, two
CPUs, BIOS and UEFI) and asserts on what the probe printed and on QEMU's exit
code, which the probe sets through isa-debug-exit: 1 = PASS, 3 = FAIL.  A
probe that never gets that far leaves the code to `timeout` (124) or QEMU
(0 after a triple fault with -no-reboot).
"""
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", "build")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS.fd"
TIMEOUT_S = 120
EXIT_PASS = 1  # isa-debug-exit: (0 << 1) | 1
EXIT_FAIL = 3  # (1 << 1) | 1
LINE = re.compile(r"probe\[([^\]]*)\]: (.*)")

ISOS = {
    "bios": "probe-grub-bios.iso",
    "efi": "probe-grub-efi.iso",
    "bios-high": "probe-grub-bios-high.iso",
    "bios-corrupt": "probe-grub-bios-corrupt.iso",
}


@pytest.fixture(scope="module")
def isos():
    """Builds the ISOs (a no-op when the top Makefile already did)."""
    targets = [os.path.join(BUILD, iso) for iso in ISOS.values()]
    subprocess.run(["make", "-s", "-f", "test/probe/probe.mk", f"BUILD={BUILD}"] + targets,
                   cwd=ROOT, check=True)
    return {k: os.path.join(ROOT, BUILD, v) for k, v in ISOS.items()}


def boot(iso, uefi, tmp_path):
    """Runs QEMU to the end; returns (exit code, [(name, text)] of probe lines)."""
    log = tmp_path / "serial.log"
    cmd = ["timeout", str(TIMEOUT_S), "qemu-system-x86_64", "-machine", "q35", "-accel", "tcg",
           "-smp", "2", "-m", "512", "-cdrom", iso, "-serial", f"file:{log}",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-display", "none", "-no-reboot"]
    if uefi:
        vars_copy = tmp_path / "OVMF_VARS.fd"
        shutil.copyfile(OVMF_VARS, vars_copy)
        cmd += ["-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
                "-drive", f"if=pflash,format=raw,file={vars_copy}"]
    rc = subprocess.run(cmd, stdin=subprocess.DEVNULL).returncode
    text = log.read_bytes().decode("latin-1") if log.exists() else ""
    lines = []
    for raw in text.splitlines():
        m = LINE.search(raw.replace("\r", ""))
        if m:
            lines.append((m.group(1), m.group(2)))
    return rc, lines


def texts(lines):
    return [t for _, t in lines]


def assert_passed(rc, lines):
    shown = "\n".join(f"probe[{n}]: {t}" for n, t in lines)
    assert lines, "the probe printed nothing"
    assert all(n == "single" for n, _ in lines), shown
    assert lines[-1][1] == "PASS", shown
    assert rc == EXIT_PASS, f"QEMU exit code {rc}\n{shown}"
    online = [t for t in texts(lines) if re.fullmatch(r"cpu \d+ online", t)]
    assert online == ["cpu 0 online", "cpu 1 online"], shown
    assert "2 of 2 cpus online" in texts(lines), shown
    assert "cpus expected: 0 1" in texts(lines), shown


def load_base(lines):
    for t in texts(lines):
        m = re.match(r"multiboot2 probe at (0x[0-9a-f]+)\.\.", t)
        if m:
            return int(m.group(1), 16)
    raise AssertionError("no load address line")


@pytest.mark.parametrize("firmware", ["bios", "efi"])
def test_probe_passes_under_grub(isos, firmware, tmp_path):
    rc, lines = boot(isos[firmware], firmware == "efi", tmp_path)
    assert_passed(rc, lines)
    t = texts(lines)
    assert any(re.fullmatch(r"loader: GRUB .*; cmdline: console=ttyS0", x) for x in t), t
    assert any(x.startswith("memory map: ") for x in t), t
    assert any(x.startswith("boot cpu: APIC ID 0 (the BSP)") for x in t), t
    # GRUB gives the ACPI 1.0 RSDP under SeaBIOS and the 2.0 one under OVMF.
    assert any(re.match(r"ACPI: RSDP from tag 1[45], MADT at 0x[0-9a-f]+ lists 2 enabled CPUs", x)
               for x in t), t
    assert any(re.match(r"filling \d+ KiB in \d+ ranges", x) for x in t), t
    assert load_base(lines) == 0x200000  # the lowest place the relocatable tag allows


def test_probe_runs_where_grub_relocates_it(isos, tmp_path):
    """Built with relocation preference "high": GRUB puts it far from its link address."""
    rc, lines = boot(isos["bios-high"], False, tmp_path)
    assert_passed(rc, lines)
    base = load_base(lines)
    assert base != 0x200000 and base % 0x200000 == 0 and base <= 0x3F000000, hex(base)


def test_probe_detects_a_corrupted_word(isos, tmp_path):
    """probe.corrupt=1 overwrites one word after the fill: verification must catch it."""
    rc, lines = boot(isos["bios-corrupt"], False, tmp_path)
    t = texts(lines)
    m = [re.fullmatch(r"self-test: overwrote the word at (0x[0-9a-f]+)", x) for x in t]
    addr = next(x.group(1) for x in m if x)
    assert re.fullmatch(rf"FAIL: memory at {addr} holds 0x0, expected 0x[0-9a-f]+", t[-1]), t
    assert rc == EXIT_FAIL, rc
