#!/usr/bin/python3
"""Boot the mailbox benchmark config in QEMU and report what the probes measured.

`make bench` runs this (tools/bench.mk).  Two probe partitions with
probe.bench=<each other> measure, in TSC cycles, a raw cache-line round trip,
a polled mailbox round trip, a round trip with doorbell IPIs (both sides
halted), streaming between cache-resident buffers against the same copies
done by one CPU alone, and a bulk transfer from one partition's RAM into the
other's against memcpy of the same bytes within one partition's RAM
(test/probe/bench.h).  With --host-bench, the same benchmark code also
runs natively on two host threads (test/probe/host_bench.c), which shows what
the hardware does where QEMU's TCG cannot.  This script prints both with the
ratios the mailbox is aimed at (docs/performance.md).  A missed target is
reported, not an error: the exit status is non-zero only when the QEMU
benchmark produced no numbers.
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import qemu_run  # noqa: E402

BENCH_LINE = re.compile(
    r"(?:probe|host)\[([^\]]+)\]: bench raw_rtt_cycles=(\d+) mbox_poll_rtt_cycles=(\d+) "
    r"mbox_ipi_rtt_cycles=(\d+) stream_mbps=(\d+) memcpy_mbps=(\d+) bulk_mbps=(\d+) "
    r"bulk_memcpy_mbps=(\d+)")
DETAIL_LINE = re.compile(r"(?:probe|host)\[[^\]]+\]: (bench (with|raw|mbox_poll|mbox_ipi|stream|bulk)\b.*)")
RAW_DETAIL = re.compile(r"(?:probe|host)\[[^\]]+\]: bench raw: \d+ rounds, cycles min (\d+) median (\d+)")
VERDICT = re.compile(r"probe\[([^\]]+)\]: (PASS|FAIL.*)")
# The targets (issue 4): a polled mailbox round trip within 2x the raw cache-line
# round trip, and streaming at least half the memcpy bandwidth: a transfer of a
# buffer in RAM to the peer's RAM against memcpy of it within RAM (the
# cache-resident stream is shown beside it, without a target).
POLL_OVER_RAW_MAX = 2.0
STREAM_OVER_MEMCPY_MIN = 0.5
# A raw round trip whose median is over twice its minimum, and over a thousand cycles, means
# the CPUs were taken away mid-round in many rounds.  Quiet runs on the development VM: TCG
# min 416 median 442, native min 52-130 median 208-234 (the TSC moves in 26-cycle steps);
# busy ones: medians of 1100-1600 with minimums of 400-470.
RAW_NOISE = 2.0
RAW_NOISE_FLOOR = 1000


def parse(consoles):
    """(numbers dict or None, detail lines, verdicts) from every console's text."""
    numbers, details, verdicts, raw_min = None, [], [], None
    for text in consoles:
        for line in text.splitlines():
            m = RAW_DETAIL.search(line)
            if m:
                raw_min = int(m.group(1))
            m = BENCH_LINE.search(line)
            if m:
                numbers = {"initiator": m.group(1), "raw": int(m.group(2)), "poll": int(m.group(3)),
                           "ipi": int(m.group(4)), "stream": int(m.group(5)),
                           "memcpy": int(m.group(6)), "bulk": int(m.group(7)),
                           "bulk_memcpy": int(m.group(8))}
                continue
            m = DETAIL_LINE.search(line)
            if m:
                details.append(m.group(1))
            m = VERDICT.search(line)
            if m:
                verdicts.append("%s: %s" % (m.group(1), m.group(2)))
    if numbers:
        numbers["raw_min"] = raw_min
    return numbers, details, verdicts


def ratio(a, b):
    return a / b if b else float("inf")


def judge(n):
    """Ratios and whether each target is met, for one set of numbers."""
    r = {"poll_raw": ratio(n["poll"], n["raw"]), "ipi_raw": ratio(n["ipi"], n["raw"]),
         "stream_memcpy": ratio(n["stream"], n["memcpy"]),
         "bulk_memcpy": ratio(n["bulk"], n["bulk_memcpy"])}
    r["poll_ok"] = r["poll_raw"] <= POLL_OVER_RAW_MAX
    # No bulk numbers (a side without scratch RAM) is a miss, not a pass.
    r["bulk_ok"] = n["bulk"] > 0 and r["bulk_memcpy"] >= STREAM_OVER_MEMCPY_MIN
    return r


def table(columns):
    """The report: [(title, numbers)] side by side, ratios, and each target met or not."""
    judged = [(t, n, judge(n)) for t, n in columns]

    def row(name, cell):
        return ("  %-30s" % name + "".join("%24s" % cell(n, j) for _, n, j in judged)).rstrip()

    def met(ok):
        return "met" if ok else "MISSED"

    out = ["  %-30s" % "" + "".join("%24s" % t for t, _, _ in judged)]
    out.append(row("raw cache-line round trip", lambda n, j: "%d cycles" % n["raw"]))
    out.append(row("mailbox round trip, polled", lambda n, j: "%d cycles" % n["poll"]))
    out.append(row("  / raw (target <= %.1f)" % POLL_OVER_RAW_MAX,
                   lambda n, j: "%.2f %s" % (j["poll_raw"], met(j["poll_ok"]))))
    out.append(row("mailbox round trip, doorbells",
                   lambda n, j: "%d cycles" % n["ipi"] if n.get("ipi_real", True) else "n/a"))
    out.append(row("  / raw (no target)",
                   lambda n, j: "%.1f" % j["ipi_raw"] if n.get("ipi_real", True) else "n/a"))
    out.append(row("bulk: our RAM to the peer's", lambda n, j: "%d MB/s" % n["bulk"]))
    out.append(row("memcpy within our RAM", lambda n, j: "%d MB/s" % n["bulk_memcpy"]))
    out.append(row("  bulk / memcpy (target >= %.1f)" % STREAM_OVER_MEMCPY_MIN,
                   lambda n, j: "%.2f %s" % (j["bulk_memcpy"], met(j["bulk_ok"]))))
    out.append(row("stream, cache-resident buffers", lambda n, j: "%d MB/s" % n["stream"]))
    out.append(row("same copies, one CPU, in cache", lambda n, j: "%d MB/s" % n["memcpy"]))
    out.append(row("  stream / copies (no target)", lambda n, j: "%.2f" % j["stream_memcpy"]))
    out.append("  medians of TSC cycles; MB = 10^6 bytes")
    return out, [(t, j["poll_ok"] and j["bulk_ok"]) for t, _, j in judged]


def host_bench(path):
    """Runs the native benchmark; (numbers or None, its lines)."""
    try:
        p = subprocess.run([path], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, ["host bench did not run: %s" % e]
    numbers, details, _ = parse([p.stdout])
    if numbers:
        numbers["ipi_real"] = False  # no interrupts in user space: nobody halts, nobody rings
    return numbers, details + [l for l in p.stderr.splitlines()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=os.path.join(ROOT, "test", "configs", "bench.toml"))
    ap.add_argument("--out", default=os.path.join(qemu_run.BUILD, "bench"))
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--mem", type=int, default=1024)
    ap.add_argument("--timeout", type=int, default=120)
    ap.add_argument("--kvm", type=int, default=0)
    ap.add_argument("--host-bench", help="also run this native build of the benchmark (host_bench)")
    args = ap.parse_args()
    accel = "kvm" if args.kvm else "tcg"
    print("mkboot bench: booting %s in QEMU (%s, %d CPUs, %d MiB); consoles in %s"
          % (os.path.relpath(args.config, ROOT), accel.upper(), args.smp, args.mem, args.out),
          flush=True)
    res = qemu_run.run_config(args.config, args.out, smp=args.smp, mem=args.mem,
                              timeout=args.timeout, until=(), kvm=bool(args.kvm))
    consoles = [res.console(n) for n in range(1, qemu_run.PORTS + 1)]
    numbers, details, verdicts = parse(consoles)
    how = {"exit": "QEMU exited with code %s" % res.exit_code, "until": "stopped",
           "timeout": "timed out after %d s" % args.timeout}[res.reason]
    print("mkboot bench: run ended after %.1f s: %s" % (res.seconds, how))
    for v in verdicts:
        print("  verdict %s" % v)
    if not numbers:
        print("mkboot bench: no bench line in the consoles: the benchmark did not run "
              "(see %s/com*.log)" % args.out)
        return 1
    print("mkboot bench: measured by probe[%s] in QEMU:" % numbers["initiator"])
    for d in details:
        print("  " + d)
    columns = [("QEMU " + accel.upper(), numbers)]
    if args.host_bench:
        host, host_lines = host_bench(args.host_bench)
        print("mkboot bench: the same code natively on two host threads (%s):" % args.host_bench)
        for d in host_lines:
            print("  " + d)
        if host:
            columns.append(("host threads", host))
    lines, verdicts = table(columns)
    print("\n".join(lines))
    if accel == "tcg":
        print("mkboot bench: NOTE: the QEMU numbers are TCG (emulator) numbers: every guest "
              "instruction is translated, each vCPU is a host thread, an IPI wakes a sleeping "
              "host thread. They show the protocol's costs relative to each other under "
              "emulation, not what hardware does (docs/performance.md).")
    for title, n in columns:
        if n.get("raw_min") and n["raw"] > RAW_NOISE * n["raw_min"] and n["raw"] > RAW_NOISE_FLOOR:
            print("mkboot bench: WARNING: %s: the raw round trip's median (%d cycles) is over "
                  "%.0fx its minimum (%d): the CPUs were taken away mid-round (another job on "
                  "this machine?), so these ratios are noise; run again on a quiet machine"
                  % (title, n["raw"], RAW_NOISE, n["raw_min"]))
    for title, ok in verdicts:
        print("mkboot bench: targets %s: %s" % (title, "all met" if ok else "NOT all met"))
    print("mkboot bench: (a benchmark reports; a missed target does not fail the build)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
