"""Issue 2 in QEMU+OVMF: mkboot.efi prints the boot plan for a valid config, and for every
kind of bad config prints each error as file:line:column, starts nothing and returns to
the firmware."""
import glob
import os

import pytest

import mkq

BAD = sorted(glob.glob(os.path.join(mkq.CONFIGS, "bad", "*.toml")))
# Valid configs that the machine or the kernels' own headers make impossible: refused by
# the planner in mkboot.efi (the host unit tests check bad/ without a machine or kernels).
REFUSED = sorted(glob.glob(os.path.join(mkq.CONFIGS, "refused", "*.toml")))


def assert_returned_without_starting(res, com1):
    assert res.reason == "until", "mkboot did not return to the firmware (%s)" % res.reason
    assert "no partition started; returning to the firmware" in com1
    assert "leaving boot services" not in com1
    assert "probe[" not in com1


def test_valid_config_prints_the_plan_and_starts():
    res = mkq.boot("report", os.path.join(mkq.CONFIGS, "good", "two-partitions.toml"),
                   smp=4, mem=1024, until=(r"mkboot: started \d+ partitions",))
    com1 = res.console(1)
    assert "mkboot: boot plan: 2 partitions, 4 CPUs (0 unassigned), shared 2M at 0x" in com1
    rows = mkq.lines(com1, 'mkboot:   part')
    assert len(rows) == 2, com1
    assert rows[0].startswith('mkboot:   part0 "linux" cpus=0-1 ram=0x') and "+384M" in rows[0]
    assert "kernel=probe.elf (" in rows[0] and "boot-cpu=0" in rows[0] and "platform" in rows[0]
    assert rows[1].startswith('mkboot:   part1 "rt" cpus=2-3 ram=0x') and "+128M" in rows[1]
    assert "boot-cpu=2" in rows[1]
    assert "cmdline: console=ttyS0,115200" in com1 and "cmdline: console=ttyS1,115200" in com1
    assert "error" not in com1


@pytest.mark.parametrize("path", BAD + REFUSED, ids=[os.path.basename(p) for p in BAD + REFUSED])
def test_bad_config_is_refused(path):
    expected = mkq.expected_errors(path)
    assert expected, "%s has no '# expect:' lines" % path
    res = mkq.boot("bad-" + os.path.basename(path)[:-5], path, smp=2, mem=512)
    com1 = res.console(1)
    errors = mkq.lines(com1, "mkboot: error: ")
    assert errors == expected
    assert "mkboot: %d error(s): no partition started" % len(expected) in com1
    assert_returned_without_starting(res, com1)


def test_config_that_does_not_fit_the_machine_is_refused():
    text = """[[partition]]
name = "a"
cpus = [0, 1]
memory = "16M"
kernel = "probe.elf"

[[partition]]
name = "b"
cpus = [3]
memory = "4G"
kernel = "probe.elf"
"""
    res = mkq.boot("machine-mismatch", None, smp=2, mem=512, text=text)
    com1 = res.console(1)
    errors = mkq.lines(com1, "mkboot: error: ")
    assert errors[0] == ("mkboot: error: %s:9:9: CPU 3 does not exist on this machine "
                         "(APIC IDs: 0-1)" % mkq.ESP_CONFIG), errors
    assert any(":10:10: " in e and "4G" in e for e in errors), errors
    assert_returned_without_starting(res, com1)


def test_missing_config_is_reported():
    out = os.path.join(mkq.RUNS, "no-config")
    esp = os.path.join(out, "esp")
    mkq.qemu_run.assemble_esp(os.path.join(mkq.CONFIGS, "good", "two-partitions.toml"), esp)
    os.unlink(os.path.join(esp, "EFI", "BOOT", "partitions.toml"))
    res = mkq.qemu_run.run_esp(esp, out, smp=2, mem=512, timeout=90)
    com1 = res.console(1)
    assert "mkboot: error: %s: cannot read the config (not found)" % mkq.ESP_CONFIG in com1
    assert_returned_without_starting(res, com1)


@pytest.mark.parametrize("kind", ["garbage", "truncated-probe", "truncated-linux"])
def test_corrupt_kernel_image_is_refused(kind):
    out = os.path.join(mkq.RUNS, "corrupt-" + kind)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(mkq.ROOT, "build", "probe.elf"), "rb") as f:
        probe = f.read()
    if kind == "garbage":
        image = b"\x7fELF not really" * 100
    elif kind == "truncated-probe":
        # The probe's one PT_LOAD segment runs from 4K to about 60K of the file: cut inside it.
        image = probe[:32 << 10]
    else:
        with open(os.path.join(mkq.ROOT, "build", "vmlinuz"), "rb") as f:
            image = f.read()[:1 << 20]
    with open(os.path.join(out, "bad.elf"), "wb") as f:
        f.write(image)
    text = """[[partition]]
name = "good"
cpus = [0]
memory = "16M"
kernel = "probe.elf"

[[partition]]
name = "bad"
cpus = [1]
memory = "16M"
kernel = "bad.elf"
"""
    res = mkq.boot("corrupt-" + kind, None, smp=2, mem=512, text=text)
    com1 = res.console(1)
    errors = mkq.lines(com1, "mkboot: error: bad.elf: ")
    assert len(errors) == 1, com1[-2000:]
    if kind == "garbage":
        assert errors[0].endswith("neither a Linux bzImage nor a multiboot2 kernel"), errors
    assert_returned_without_starting(res, com1)
