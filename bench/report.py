#!/usr/bin/env python3
"""Prints the benchmark table from the results bench/run leaves in DIR.

Usage: report.py DIR

Inputs, all written by bench/run: hf-NAME.json (hyperfine exports),
rss-NAME.txt (peak RSS in KiB, one run a line), wrk-NAME.txt (wrk output),
value-NAME.txt (one number), note-NAME.txt (why a row was skipped).
"""
import json
import os
import re
import statistics
import sys

DIR = sys.argv[1]


def path(name):
    return os.path.join(DIR, name)


def read(name):
    try:
        with open(path(name)) as f:
            return f.read()
    except FileNotFoundError:
        return None


def timing(name):
    """(median, min, max) wall seconds of a hyperfine run, or None."""
    text = read(f"hf-{name}.json")
    if text is None:
        return None
    result = json.loads(text)["results"][0]
    return result["median"], result["min"], result["max"]


def rss(name):
    """(median, min, max) peak RSS in KiB, or None."""
    text = read(f"rss-{name}.txt")
    if not text:
        return None
    values = [int(v) for v in text.split()]
    return statistics.median(values), min(values), max(values)


def wrk(name):
    """(requests/s, p99 ms, errors) of a wrk run, or None. A run split into
    rounds (wrk-NAME-1.txt, ...) gives its best round by rate."""
    text = read(f"wrk-{name}.txt")
    if text is None:
        rounds = [r for r in (wrk_text(read(f"wrk-{name}-{i}.txt")) for i in range(1, 10)) if r]
        if not rounds:
            return None
        return max(rounds)
    return wrk_text(text)


def wrk_text(text):
    if text is None:
        return None
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", text)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99_ms = float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    socket = re.search(r"Socket errors:.*", text)
    bad = int(errors.group(1)) if errors else 0
    return rate, p99_ms, bad + (1 if socket else 0)


def value(name):
    text = read(f"value-{name}.txt")
    return None if text is None else text.strip()


def note(name):
    text = read(f"note-{name}.txt")
    return None if text is None else text.strip()


def ms(t):
    if t is None:
        return "n/a"
    median, low, high = t
    return f"{median * 1000:.1f} ms ({low * 1000:.1f}–{high * 1000:.1f})"


def mib(r):
    if r is None:
        return "n/a"
    median, low, high = r
    return f"{median / 1024:.1f} MiB ({low / 1024:.1f}–{high / 1024:.1f})"


def ratio(a, b):
    if a is None or b is None or b[0] == 0:
        return None
    return a[0] / b[0]


def verdict(r, limit, higher_is_better=False):
    if r is None:
        return "n/a"
    ok = r >= limit if higher_is_better else r <= limit
    return "meets" if ok else "MISSES"


ROWS = []


def row(what, ours, peer, r, target, result):
    ROWS.append((what, ours, peer, "n/a" if r is None else f"{r:.2f}×", target, result))


def client_rows():
    pairs = [
        ("`runcws --version` vs `curl --version` (start-up only)", "version-runcws",
         "version-curl", None),
        ("`runcws -q geti ID` vs `curl -s -u … URL`, `serve --memory`", "geti-serve",
         "curl-serve", 0.5),
        ("`runcws -q --endpoint local geti ID` (embedded, SQLite on disk) vs curl to "
         "`serve --db FILE`", "geti-local", "curl-db", 1.0),
        ("100 sequential `geti` vs 100 sequential curls (`serve --memory`)", "loop-runcws",
         "loop-curl", 0.5),
    ]
    for what, ours, peer, limit in pairs:
        t_ours, t_peer = timing(ours), timing(peer)
        r = ratio(t_ours, t_peer)
        target = "—" if limit is None else f"≤ {limit}× curl"
        result = "info" if limit is None else verdict(r, limit)
        row(what + ": wall time", ms(t_ours), ms(t_peer), r, target, result)
    for what, ours, peer in [
        ("`geti` vs curl, `serve --memory`", "geti-serve", "curl-serve"),
        ("`geti --endpoint local` vs curl to `serve --db FILE`", "geti-local", "curl-db"),
    ]:
        m_ours, m_peer = rss(ours), rss(peer)
        r = ratio(m_ours, m_peer)
        row(what + ": peak RSS", mib(m_ours), mib(m_peer), r, "≤ 1× curl", verdict(r, 1.0))


def peer_rows():
    curl = timing("curl-serve")
    for what, name in [
        ("AWS CLI `ec2 describe-instances` against moto_server", "aws"),
        ("Node.js one-request script (`http.get`)", "node"),
    ]:
        why = note(name)
        if why:
            row(what + ": wall time", "not run", ms(curl), None, "peer", why)
            continue
        t = timing(name)
        row(what + ": wall time", ms(t), ms(curl), ratio(t, curl), "peer (× curl)", "info")
        m, m_curl = rss(name), rss("curl-serve")
        row(what + ": peak RSS", mib(m), mib(m_curl), ratio(m, m_curl), "peer (× curl)", "info")


def wait_rows():
    why = note("wait")
    what = "`createi --wait` × 100 in parallel, embedded default"
    if why:
        row(what, "not measurable", "—", None, "≤ create + boot + 1 poll", why)
        return
    wall, user, system = (float(v) for v in value("wait-times").split())
    budget = float(value("wait-budget"))
    calls = value("wait-calls")
    failures = value("wait-failures") or "0"
    row(what + ": wall time", f"{wall:.2f} s", f"budget {budget:.2f} s", wall / budget,
        "≤ 1× budget", verdict(wall / budget, 1.0))
    one = value("wait-one")
    if one:
        alone = float(one.split()[0])
        row("`createi --wait` × 1 alone: wall time", f"{alone:.2f} s", f"budget {budget:.2f} s",
            alone / budget, "≤ 1× budget", verdict(alone / budget, 1.0))
    row(what + ": CPU time, HTTP calls", f"{user + system:.2f} s CPU, {calls} HTTP calls", "—",
        None, "reported", "info" if failures == "0" else f"{failures} of 100 failed")
    many = value("waitmany-times")
    if many:
        wall, user, system = (float(v) for v in many.split())
        running = value("waitmany-running") or "0"
        row("`wait` on 100 vms at once (100 `createi` in parallel, then one `wait`): wall time",
            f"{wall:.2f} s ({running} of 100 running)", f"budget {budget:.2f} s", wall / budget,
            "≤ 1× budget", verdict(wall / budget, 1.0) if running == "100" else "FAILED")
        row("`wait` on 100 vms at once: CPU time", f"{user + system:.2f} s CPU", "—",
            None, "reported", "info")


def emulator_rows():
    base = wrk("get-10")
    for what, name, floor in [
        ("Emulator GET /instance/{id}, 10 stored instances", "get-10", 20000),
        ("Emulator GET /instance/{id}, 10,000 stored instances", "get-10k", 20000),
        ("Emulator POST vm create", "post-vm", 3000),
        ("Emulator POST kp create (RSA keys)", "post-kp", None),
        ("Emulator GET /instance/{id} while kp creates run", "get-during-kp", None),
    ]:
        w = wrk(name)
        if w is None:
            row(what, "not run", "—", None, "", note(name) or "n/a")
            continue
        rate, p99, errors = w
        ours = f"{rate:,.0f} req/s, p99 {p99:.2f} ms" + (f", {errors} errors" if errors else "")
        if floor:
            row(what, ours, "—", rate / floor, f"≥ {floor:,} req/s",
                verdict(rate / floor, 1.0, True))
        else:
            row(what, ours, "—", None, "reported", "info")
    big = wrk("get-10k")
    if base and big:
        r = big[0] / base[0]
        row("GET throughput, 10,000 vs 10 stored", "", "", r, "≥ 0.80×", verdict(r, 0.8, True))
    during = wrk("get-during-kp")
    if base and during:
        r = during[1] / base[1] if base[1] else None
        row("GET p99 while kp creates run vs alone", f"{during[1]:.2f} ms", f"{base[1]:.2f} ms",
            r, "no stall", "info")


def listi_rows():
    small, big = timing("listi-1k"), timing("listi-10k")
    m_small, m_big = rss("listi-1k"), rss("listi-10k")
    if small is None or big is None:
        row("`listi` 1,000 vs 10,000 instances", "not run", "—", None, "linear", "n/a")
        return
    per_k = (big[0] - small[0]) / 9 * 1000
    row("`listi`, 1,000 instances", ms(small), mib(m_small), None, "reported", "info")
    row("`listi`, 10,000 instances", ms(big), mib(m_big), None, "reported", "info")
    mem_per_k = (m_big[0] - m_small[0]) / 9 / 1024 if m_small and m_big else float("nan")
    row("`listi` growth per 1,000 instances", f"{per_k:.1f} ms", f"{mem_per_k:.2f} MiB",
        ratio(big, small), "≈ 10× (linear)", "info")
    c_small, c_big = timing("curl-listi-1k"), timing("curl-listi-10k")
    if c_small and c_big:
        row("curl of the same list, 1,000 / 10,000", ms(c_small), ms(c_big), ratio(c_big, c_small),
            "peer", "info")


def main():
    client_rows()
    peer_rows()
    wait_rows()
    emulator_rows()
    listi_rows()
    print("| Measure | runcws | peer / reference | ratio | target | result |")
    print("|---|---|---|---|---|---|")
    for cells in ROWS:
        print("| " + " | ".join(cells) + " |")
    for line in (read("notes.txt") or "").splitlines():
        print(f"\nNote: {line}")


if __name__ == "__main__":
    main()
