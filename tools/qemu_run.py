#!/usr/bin/python3
"""Assemble an ESP for a partitions.toml and boot it in QEMU with OVMF.

Used by `make run` and by the QEMU tests (import run_config). Captures COM1..COM4
to <out>/com1.log .. com4.log and stops on its own: when QEMU exits
(isa-debug-exit or power-off), when a console prints a line matching --until,
or after --timeout seconds.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
PORTS = 4
# mkboot prints this when it hands control back to the firmware.
RETURNED = r"mkboot: .*returning to the firmware"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>c]")
FILE_KEY = re.compile(r'^\s*(kernel|initrd)\s*=\s*"([^"]*)"', re.M)
# Console of ttyS<n>: COM<n+1>.
PORT_OF = {0: 1, 1: 2, 2: 3, 3: 4}


def partition_consoles(config_text):
    """{name: COM number} from each partition's console=ttyS<N> (ttyS0 when absent)."""
    out = {}
    for block in config_text.split("[[partition]]")[1:]:
        name = re.search(r'^\s*name\s*=\s*"([^"]+)"', block, re.M)
        if not name:
            continue
        m = re.search(r"console=ttyS(\d)", block)
        out[name.group(1)] = PORT_OF.get(int(m.group(1)) if m else 0, 1)
    return out


def verdict_patterns(config_text):
    """One pattern per partition: its PASS or FAIL line (probe[...] or mkinit[...])."""
    return [r"(?m)^(\[\s*\d+\.\d+\] )?\w+\[%s\]: (PASS|FAIL)" % re.escape(n)
            for n in partition_consoles(config_text)]


class Result:
    def __init__(self, out_dir, exit_code, reason, seconds, seen=None):
        self.out_dir = out_dir
        self.seen = seen or {}      # until_all pattern -> seconds when first seen
        self.exit_code = exit_code  # QEMU's, None when mkboot's runner stopped it
        self.reason = reason        # "exit", "until", "timeout"
        self.seconds = seconds

    def console(self, n):
        """COM<n>'s text with terminal escapes and CRs removed."""
        return read_console(os.path.join(self.out_dir, "com%d.log" % n))


def read_console(path):
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""
    return ANSI.sub("", text).replace("\r", "")


def find_file(name, config_dir):
    """Files a config names: next to the config first, then in build/."""
    for d in (config_dir, BUILD):
        p = os.path.join(d, name)
        if os.path.isfile(p):
            return p
    return None


def assemble_esp(config, esp, efi=os.path.join(BUILD, "mkboot.efi"), extra=()):
    if os.path.exists(esp):
        shutil.rmtree(esp)
    boot = os.path.join(esp, "EFI", "BOOT")
    os.makedirs(boot)
    shutil.copy(efi, os.path.join(boot, "BOOTX64.EFI"))
    shutil.copy(config, os.path.join(boot, "partitions.toml"))
    with open(config, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    config_dir = os.path.dirname(os.path.abspath(config))
    names = {m.group(2) for m in FILE_KEY.finditer(text)} | set(extra)
    for name in sorted(names):
        if not name or name.startswith("/") or ".." in name.split("/"):
            continue  # mkboot reports these itself; nothing to copy
        src = find_file(name, config_dir)
        if src:
            dst = os.path.join(boot, name)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(src, dst)


def qemu_command(esp, out_dir, smp, mem, kvm, interactive=False):
    vars_copy = os.path.join(out_dir, "OVMF_VARS.fd")
    shutil.copy(OVMF_VARS, vars_copy)
    cmd = ["qemu-system-x86_64", "-machine", "q35", "-smp", str(smp), "-m", str(mem),
           "-accel", "kvm" if kvm else "tcg", "-cpu", "max" if not kvm else "host",
           "-drive", "if=pflash,format=raw,readonly=on,file=" + OVMF_CODE,
           "-drive", "if=pflash,format=raw,file=" + vars_copy,
           "-drive", "format=raw,file=fat:rw:" + esp,
           "-nic", "none", "-display", "none", "-vga", "none", "-no-reboot",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           "-debugcon", "file:" + os.path.join(out_dir, "debugcon.log")]
    for n in range(1, PORTS + 1):
        log = os.path.join(out_dir, "com%d.log" % n)
        if n == 1 and interactive:
            # The terminal reaches COM1 through run_interactive's bridge (a stdio chardev
            # lost all input after OVMF had run, in our tests: the socket path does not).
            cmd += ["-serial", "unix:%s,server=on,wait=off" % os.path.join(out_dir, "com1.sock")]
        else:
            cmd += ["-serial", "file:" + log]
    return cmd


def run_esp(esp, out_dir, smp=2, mem=512, timeout=60, until=(RETURNED,), kvm=False,
            until_all=()):
    """Boots the ESP; stops on QEMU's exit, on any `until` match, once every `until_all`
    pattern matched some console, or after `timeout` seconds (0: no limit)."""
    os.makedirs(out_dir, exist_ok=True)
    for n in range(1, PORTS + 1):
        p = os.path.join(out_dir, "com%d.log" % n)
        if os.path.exists(p):
            os.unlink(p)
    patterns = [re.compile(u) for u in until]
    all_of = [re.compile(u) for u in until_all]
    cmd = qemu_command(esp, out_dir, smp, mem, kvm)
    with open(os.path.join(out_dir, "qemu.cmd"), "w") as f:
        f.write(" ".join(cmd) + "\n")
    start = time.monotonic()
    with open(os.path.join(out_dir, "qemu.log"), "wb") as qlog:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qlog, stderr=qlog,
                                start_new_session=True)
        reason = "timeout"
        seen = {}
        while not timeout or time.monotonic() - start < timeout:
            if proc.poll() is not None:
                reason = "exit"
                break
            texts = [read_console(os.path.join(out_dir, "com%d.log" % n)) for n in range(1, PORTS + 1)]
            for p in all_of:
                if p.pattern not in seen and any(p.search(t) for t in texts):
                    seen[p.pattern] = time.monotonic() - start
            if (patterns and any(p.search(t) for p in patterns for t in texts)) or \
               (all_of and len(seen) == len(all_of)):
                time.sleep(0.3)  # let the rest of the line reach the file
                reason = "until"
                break
            time.sleep(0.2)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    code = proc.returncode if reason == "exit" else None
    return Result(out_dir, code, reason, time.monotonic() - start, seen)


QUIT_KEY = b"\x1d"  # Ctrl-]
HANDED_OVER = b"mkboot: leaving boot services"


def run_interactive(esp, out_dir, smp, mem, timeout, kvm):
    """COM1 on this terminal, through a Unix socket bridge; the other ports go to files.
    Keys are passed on once mkboot has left the firmware; Ctrl-] quits."""
    import select
    import socket
    import termios
    import tty
    os.makedirs(out_dir, exist_ok=True)
    sock_path = os.path.join(out_dir, "com1.sock")
    if os.path.exists(sock_path):
        os.unlink(sock_path)
    cmd = qemu_command(esp, out_dir, smp, mem, kvm, interactive=True)
    start = time.monotonic()
    with open(os.path.join(out_dir, "qemu.log"), "wb") as qlog, \
            open(os.path.join(out_dir, "com1.log"), "wb") as com1:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qlog, stderr=qlog)
        sock = socket.socket(socket.AF_UNIX)
        while True:
            try:
                sock.connect(sock_path)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() - start > 10:
                    raise SystemExit("mkboot: QEMU did not start (see %s)" % qlog.name)
                time.sleep(0.05)
        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
        tty.setraw(fd)
        reason, seen, open_keys = "timeout", b"", False
        try:
            while not timeout or time.monotonic() - start < timeout:
                if proc.poll() is not None:
                    reason = "exit"
                    break
                ready, _, _ = select.select([sock, fd], [], [], 0.2)
                if sock in ready:
                    data = sock.recv(4096)
                    if not data:
                        reason = "exit"
                        break
                    os.write(sys.stdout.fileno(), data)
                    com1.write(data)
                    com1.flush()
                    if not open_keys:
                        seen = (seen + data)[-4096:]
                        open_keys = HANDED_OVER in seen
                if fd in ready:
                    keys = os.read(fd, 1024)
                    if QUIT_KEY in keys:
                        reason = "until"
                        break
                    if open_keys:
                        sock.sendall(keys)
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            sock.close()
    code = proc.returncode if reason == "exit" else None
    print()
    return Result(out_dir, code, reason, time.monotonic() - start)


def run_config(config, out_dir, smp=2, mem=512, timeout=60, until=(RETURNED,), kvm=False,
               extra=(), until_all=()):
    esp = os.path.join(out_dir, "esp")
    assemble_esp(config, esp, extra=extra)
    return run_esp(esp, out_dir, smp, mem, timeout, until, kvm, until_all=until_all)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=os.path.join(ROOT, "partitions.toml"))
    ap.add_argument("--out", default=os.path.join(BUILD, "run"))
    ap.add_argument("--smp", type=int, default=4)
    ap.add_argument("--mem", type=int, default=1024)
    ap.add_argument("--timeout", type=int, default=None,
                    help="seconds (default 60; interactive: no limit); 0 = no limit")
    ap.add_argument("--kvm", type=int, default=0)
    ap.add_argument("--interactive", choices=("auto", "yes", "no"), default="no",
                    help="COM1 on this terminal (auto: when stdin is a terminal)")
    ap.add_argument("--until", action="append", default=None,
                    help="stop when a console prints a match (default: mkboot returning, or "
                         "every partition's PASS/FAIL line)")
    ap.add_argument("--show", action="store_true", help="print each console afterwards")
    args = ap.parse_args()
    interactive = args.interactive == "yes" or (args.interactive == "auto" and sys.stdin.isatty())
    timeout = args.timeout if args.timeout is not None else (0 if interactive else 60)
    esp = os.path.join(BUILD, "esp") if args.out == os.path.join(BUILD, "run") else \
        os.path.join(args.out, "esp")
    assemble_esp(args.config, esp)
    with open(args.config, "rb") as f:
        config_text = f.read().decode("utf-8", "replace")
    until = args.until if args.until is not None else (RETURNED,)
    until_all = () if args.until is not None or interactive else verdict_patterns(config_text)
    print("mkboot: booting %s in QEMU (%d CPUs, %d MiB, %s); consoles in %s%s"
          % (args.config, args.smp, args.mem, "timeout %d s" % timeout if timeout else "no timeout",
             args.out, "; COM1 is this terminal (quit: Ctrl-])" if interactive else ""),
          flush=True)
    if interactive:
        res = run_interactive(esp, args.out, args.smp, args.mem, timeout, bool(args.kvm))
    else:
        res = run_esp(esp, args.out, args.smp, args.mem, timeout, until, bool(args.kvm),
                      until_all=until_all)
    if args.show:
        for n in range(1 if not interactive else 2, PORTS + 1):
            text = res.console(n)
            if text.strip():
                print("===== COM%d (%s) =====" % (n, os.path.join(args.out, "com%d.log" % n)))
                print(text.rstrip())
    how = {"exit": "QEMU exited with code %s" % res.exit_code,
           "until": "stopped: every partition reported, the expected line appeared, or Ctrl-]",
           "timeout": "timed out"}[res.reason]
    print("mkboot: QEMU run ended after %.1f s: %s" % (res.seconds, how))
    return 0 if res.reason != "timeout" else 1


if __name__ == "__main__":
    sys.exit(main())
