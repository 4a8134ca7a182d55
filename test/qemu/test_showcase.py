"""The default partitions.toml, as `make run` boots it: a shell in the Linux partition that
takes input on COM1 while the PREEMPT_RT Linux and the probe run beside it."""
import os
import socket
import subprocess
import time

import mkq

PROMPT = b"/ # "


def test_showcase_shell_answers_on_com1():
    out = os.path.join(mkq.RUNS, "showcase")
    esp = os.path.join(out, "esp")
    os.makedirs(out, exist_ok=True)
    mkq.qemu_run.assemble_esp(os.path.join(mkq.ROOT, "partitions.toml"), esp)
    sock_path = os.path.join(out, "com1.sock")
    if os.path.exists(sock_path):
        os.unlink(sock_path)
    cmd = mkq.qemu_run.qemu_command(esp, out, 4, 1024, False, interactive=True)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    got = b""
    try:
        sock = socket.socket(socket.AF_UNIX)
        deadline = time.monotonic() + 10
        while True:
            try:
                sock.connect(sock_path)
                break
            except OSError:
                assert time.monotonic() < deadline, "QEMU did not open COM1's socket"
                time.sleep(0.1)
        sock.settimeout(0.2)

        def read_until(marker, seconds, since=0):
            nonlocal got
            end = time.monotonic() + seconds
            while marker not in got[since:] and time.monotonic() < end:
                try:
                    got += sock.recv(4096)
                except socket.timeout:
                    pass
            return marker in got[since:]

        assert read_until(PROMPT, 150), got[-2000:].decode(errors="replace")
        # Let the RT partition's kernel finish probing its devices, then type.
        rt_done = lambda: "mkinit[rt]: PASS" in "\n".join(mkq.lines(mkq.qemu_run.read_console(
            os.path.join(out, "com2.log")), "mkinit[rt]: "))
        end = time.monotonic() + 60
        while not rt_done() and time.monotonic() < end:
            time.sleep(0.5)
        assert rt_done(), "the RT partition did not pass"
        typed = len(got)
        sock.sendall(b"echo hello-$((6*7)); mkboot status\r")
        assert read_until(b"hello-42", 30, typed), got[-2000:].decode(errors="replace")
        assert read_until(b"\n2 probe cpus=3", 30, typed), got[-2000:].decode(errors="replace")
        text = got[typed:].decode(errors="replace")
        assert "0 linux cpus=0-1 state=done" in text and "1 rt cpus=2 state=done" in text, text[-1500:]
    finally:
        proc.kill()
        proc.wait()
