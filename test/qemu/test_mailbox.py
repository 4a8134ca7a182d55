"""Issue 4 in QEMU+OVMF: probe kernels talk through the shared mailbox region.

Every probe says "probe-hello" to every peer, streams checksummed messages of
varying lengths (multi-slot ones included) to every probe that said hello,
checks every message it gets, and halts between doorbells
(test/probe/README.md "Talking through the mailbox").  Each prints
`mailbox <peer>: sent <n> received <n> ok` per peer before its verdict.
"""
import os
import re

import mkq

LINE = re.compile(r"^probe\[([^\]]+)\]: mailbox (\S+): sent (\d+) received (\d+) (.*)$", re.M)
DOORBELLS = re.compile(r"^probe\[[^\]]+\]: doorbells after the exchange: (\d+) received, (\d+) rung",
                       re.M)
EXIT_FAILED = 3  # isa-debug-exit value 1: some partition failed


def partition(name, cpu, tty, extra=""):
    return mkq.probe_partition(name, [cpu], tty, extra=extra)


def four(extra=None):
    extra = extra or {}
    return "".join(partition("p%d" % i, i, i, extra.get(i, "")) for i in range(4))


def probe_lines(res, n):
    """Console of partition p<n> (COM<n+1>), only its probe lines."""
    return mkq.lines(res.console(n + 1), "probe[p%d]: " % n)


def streams(res, parts):
    """{(self, peer): (sent, received, rest)} from every partition's mailbox lines."""
    out = {}
    for n in range(parts):
        for m in LINE.finditer(res.console(n + 1)):
            assert m.group(1) == "p%d" % n, m.group(0)
            out[(m.group(1), m.group(2))] = (int(m.group(3)), int(m.group(4)), m.group(5))
    return out


def test_four_probes_exchange_with_doorbells():
    res = mkq.boot("mailbox-four", None, smp=4, mem=512, timeout=150, until=(), text=four())
    got = streams(res, 4)
    names = ["p%d" % i for i in range(4)]
    assert sorted(got) == sorted((a, b) for a in names for b in names if a != b), got
    for (a, b), (sent, received, rest) in got.items():
        assert rest == "ok", (a, b, rest)
        assert sent > 0 and received > 0, (a, b)
        # What a sent to b is what b received from a.
        assert sent == got[(b, a)][1], (a, b, sent, got[(b, a)])
    rung = received = 0
    for n in range(4):
        probe = probe_lines(res, n)
        assert "probe[p%d]: mailbox: probes (said hello): %s; others: none" % (
            n, " ".join(x for x in names if x != "p%d" % n)) in probe, probe
        assert probe[-1] == "probe[p%d]: PASS" % n, probe[-6:]
        m = DOORBELLS.search(res.console(n + 1))
        assert m, probe
        received += int(m.group(1))
        rung += int(m.group(2))
    # The probes halted and were woken by doorbells (IPIs to the same vector may merge).
    assert 0 < received <= rung, (received, rung)
    assert res.reason == "exit" and res.exit_code == mkq.EXIT_ALL_PASSED, (res.reason, res.exit_code)


def test_corrupted_message_fails_the_checksum():
    res = mkq.boot("mailbox-corrupt", None, smp=4, mem=512, timeout=150, until=(),
                   text=four({2: " probe.corrupt_mailbox=1"}))
    got = streams(res, 4)
    checksum = r"message 1 \(56 bytes\): checksum 0x[0-9a-f]+, computed 0x[0-9a-f]+"
    for n in (0, 1, 3):
        sent, received, rest = got[("p%d" % n, "p2")]
        assert re.fullmatch("FAIL: " + checksum, rest), rest
        assert received == got[("p2", "p%d" % n)][0]  # the rest still arrived and was checked
        probe = probe_lines(res, n)
        assert re.fullmatch(r"probe\[p%d\]: FAIL: mailbox p2: %s" % (n, checksum), probe[-1]), probe[-3:]
    probe2 = probe_lines(res, 2)
    assert any(l.endswith("self-test: stream message 1 to every probe gets spoilt") for l in probe2)
    assert probe2[-1] == "probe[p2]: PASS", probe2[-4:]
    assert "probe[p0]: partition 2 (p2): DONE" in probe_lines(res, 0)
    assert res.reason == "exit" and res.exit_code == EXIT_FAILED, (res.reason, res.exit_code)


def test_pings_answered_after_the_verdict():
    """b pings a once a is done, c pings b once b is done: each answers after its PASS.
    a owns the boot CPU but has probe.exit=0: it does not wait and QEMU keeps running."""
    text = (partition("a", 0, 0, " probe.exit=0") + partition("b", 1, 1, " probe.ping=a") +
            partition("c", 2, 2, " probe.ping=b"))
    res = mkq.boot("mailbox-pings", None, smp=3, mem=512, timeout=150,
                   until=(r"probe\[c\]: (PASS|FAIL)",), text=text)
    a = mkq.lines(res.console(1), "probe[a]: ")
    b = mkq.lines(res.console(2), "probe[b]: ")
    c = mkq.lines(res.console(3), "probe[c]: ")
    assert "probe[b]: ping a: 8 of 8 pongs in order" in b, b[-5:]
    assert "probe[c]: ping b: 8 of 8 pongs in order" in c, c[-5:]
    assert c[-1] == "probe[c]: PASS", c[-5:]
    # Each verdict first, the answers after it.
    assert a.index("probe[a]: PASS") < a.index("probe[a]: answering pings from b after the verdict"), a
    assert b.index("probe[b]: PASS") < b.index("probe[b]: answering pings from c after the verdict"), b
    assert not any("partition 1 (b)" in l for l in a), a  # probe.exit=0: no waiting
    assert res.reason == "until", (res.reason, res.exit_code)


def test_bench_config_measures():
    """`make bench`'s config: the numbers are there and positive (their size is not asserted),
    and the bulk transfer arrived intact (the responder's digest matched)."""
    res = mkq.boot("mailbox-bench", os.path.join(mkq.CONFIGS, "bench.toml"), smp=2, mem=1024,
                   timeout=150, until=())
    a = mkq.lines(res.console(1), "probe[a]: ")
    m = [re.fullmatch(r"probe\[a\]: bench raw_rtt_cycles=(\d+) mbox_poll_rtt_cycles=(\d+) "
                      r"mbox_ipi_rtt_cycles=(\d+) stream_mbps=(\d+) memcpy_mbps=(\d+) "
                      r"bulk_mbps=(\d+) bulk_memcpy_mbps=(\d+)", l) for l in a]
    m = [x for x in m if x]
    assert len(m) == 1, a
    assert all(int(v) > 0 for v in m[0].groups()), m[0].groups()
    bulk = [re.fullmatch(r"probe\[a\]: bench bulk: (\d+) bytes of our RAM into b's in 65408-byte "
                         r"messages, digest checked, \d+ cycles; memcpy within our RAM \d+ cycles", l)
            for l in a]
    bulk = [x for x in bulk if x]
    assert len(bulk) == 1 and int(bulk[0].group(1)) == 64 * 1024 * 1024 // 65408 * 65408, a
    assert a[-1] == "probe[a]: PASS", a[-5:]
    b = mkq.lines(res.console(2), "probe[b]: ")
    assert any(re.fullmatch(r"probe\[b\]: bench with a: answered \d+ requests, [1-9]\d* doorbells received", l)
               for l in b), b
    assert res.reason == "exit" and res.exit_code == mkq.EXIT_ALL_PASSED, (res.reason, res.exit_code)
