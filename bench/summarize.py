#!/usr/bin/env python3
"""Markdown summary of a bench/run.sh run: medians over rounds, our ratio to each peer.

usage: summarize.py RAW.tsv [META.tsv] [ENV.txt]
"""
import csv
import statistics
import sys
from collections import defaultdict

PEERS = ["softhsm2", "opencryptoki"]


def fnum(v, unit=""):
    if v is None:
        return "-"
    if v >= 1000:
        return f"{v:,.0f}{unit}"
    if v >= 100:
        return f"{v:.0f}{unit}"
    if v >= 10:
        return f"{v:.1f}{unit}"
    return f"{v:.2f}{unit}"


def ratio(a, b):
    r = a / b
    return f"{r:.2f}x" if r >= 0.1 else f"{r:.3f}x"


def main():
    raw = sys.argv[1]
    meta = sys.argv[2] if len(sys.argv) > 2 else None
    env = sys.argv[3] if len(sys.argv) > 3 else None

    rows = defaultdict(list)      # (module, case, threads) -> [row]
    status = {}                   # (module, case, threads) -> worst status / note
    case_order, modules = [], []
    oknotes = set()
    with open(raw, newline="") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            key = (r["module"], r["case"], int(r["threads"]))
            if r["module"] not in modules:
                modules.append(r["module"])
            if (r["case"], int(r["threads"])) not in case_order:
                case_order.append((r["case"], int(r["threads"])))
            if r["status"] == "ok":
                rows[key].append(r)
                if r.get("note") and r["module"] != "c-socket":
                    oknotes.add(f'- {r["module"]} {r["case"]}: {r["note"]}')
            else:
                status[key] = f'{r["status"]}: {r["note"]}'

    def med(key, field):
        vs = [float(r[field]) for r in rows.get(key, [])]
        return statistics.median(vs) if vs else None

    mods = ["ours"] + [p for p in PEERS if p in modules]
    out = []
    if env:
        out.append("```")
        out.append(open(env).read().rstrip())
        out.append("```")
        out.append("")
    out.append("Figures are from a shared, noisy 2-vCPU machine (other jobs were building and testing "
               "during the run). Each value is the median over rounds; each round runs every case "
               "in a fresh process per module, modules interleaved case by case.")
    out.append("")
    hdr = ["case", "T"]
    for m in mods:
        hdr += [f"{m} ops/s", f"{m} med µs", f"{m} p99 µs"]
    hdr += [f"ours/{p}" for p in mods[1:]]
    hdr.append("ours/faster peer")
    out.append("| " + " | ".join(hdr) + " |")
    out.append("|" + "---|" * 2 + "---:|" * (len(hdr) - 2))
    notes = []
    for case, t in case_order:
        if case == "socket-floor":
            continue
        cells = [case, str(t)]
        ops = {}
        for m in mods:
            k = (m, case, t)
            o = med(k, "ops_per_s")
            ops[m] = o
            if o is None:
                st = status.get(k, "not run")
                short = st.split(":")[0]
                cells += [short, "-", "-"]
                if st != "not run":
                    notes.append(f"- {m} {case} T={t}: {st}")
            else:
                cells += [fnum(o), fnum(med(k, "median_us")), fnum(med(k, "p99_us"))]
        for p in mods[1:]:
            cells.append(ratio(ops['ours'], ops[p]) if ops.get("ours") and ops.get(p) else "-")
        peer_ops = [ops[p] for p in mods[1:] if ops.get(p)]
        cells.append(f"**{ratio(ops['ours'], max(peer_ops))}**" if ops.get("ours") and peer_ops else "-")
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out.append("ratio = our ops/s ÷ peer ops/s (> 1 means we are faster).")

    fl = rows.get(("c-socket", "socket-floor", 1), [])
    if fl:
        fm = statistics.median(float(r["median_us"]) for r in fl)
        out.append("")
        out.append(f"C-to-C Unix socket round trip (socketpair, 16 B each way, two processes), "
                   f"median of {len(fl)} measurements: **{fm:.1f} µs**.")
        e = med(("ours", "empty-call", 1), "median_us")
        if e:
            out.append(f"Our empty call (C_GetSessionInfo, 1 thread): **{e:.1f} µs** median, "
                       f"i.e. {e - fm:+.1f} µs over the raw socket round trip.")

    if meta:
        cold = defaultdict(list)
        with open(meta) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 2:
                    continue
                kv = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
                if "c_initialize_first_us" in kv:
                    cold[parts[1]].append(float(kv["c_initialize_first_us"]))
        if cold:
            out.append("")
            out.append("First C_Initialize in a fresh process (one per case run), median [min–max] µs: " +
                       "; ".join(f"{m} {statistics.median(v):,.0f} [{min(v):,.0f}–{max(v):,.0f}]"
                                 for m, v in cold.items() if m in mods) + ".")
    if oknotes:
        out.append("")
        out.append("Notes:")
        out += sorted(oknotes)
    if notes:
        out.append("")
        out.append("Not measured (status and the failing call):")
        out += sorted(set(notes))
    print("\n".join(out))


if __name__ == "__main__":
    main()
