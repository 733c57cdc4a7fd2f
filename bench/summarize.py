#!/usr/bin/env python3
"""Summary of a bench/run.sh run: medians over rounds, our ratio to each peer, the issue's goals.

usage: summarize.py RAW.tsv [META.tsv] [ENV.txt] [--json OUT.json] [--readme README.md]

Markdown goes to stdout. --json writes every median (and the goals) for bench/chart;
--readme replaces the block between <!-- bench:begin --> and <!-- bench:end --> in that file
with the compact table, the goals and the chart.
"""
import csv
import json
import re
import statistics
import sys
from collections import defaultdict

PEERS = ["softhsm2", "opencryptoki"]
REFS = ["c-socket", "openssl-speed", "dotnet-inproc"]
PK_CASES = ["rsa2048-sign", "rsa2048-verify", "rsa2048-pkcs1-sign", "rsa2048-pkcs1-verify",
            "rsa2048-pss-sign", "rsa2048-oaep-decrypt", "ecdsa-p256-sign", "ecdsa-p256-verify"]
README_CASES = ["empty-call", "session", "sha256-64B", "random-32B", "aes256-cbc-1KiB", "aes256-gcm-1KiB",
                "hmac-sha256-1KiB", "rsa2048-sign", "rsa2048-verify", "rsa2048-pss-sign", "rsa2048-oaep-decrypt",
                "ecdsa-p256-sign", "ecdsa-p256-verify", "find-1000", "create-destroy", "sha256-1MiB",
                "aes256-cbc-1MiB", "rsa2048-keygen", "ec-p256-keygen", "aes256-keygen"]


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


def fratio(r):
    if r is None:
        return "-"
    return f"{r:.2f}x" if r >= 0.1 else f"{r:.3f}x"


def fl(v):
    return float(v) if v not in (None, "") else None


class Run:
    def __init__(self, raw, meta, env):
        self.rows = defaultdict(list)   # (module, case, threads) -> [row]
        self.status = {}                # (module, case, threads) -> "status: note"
        self.case_order, self.modules = [], []
        self.oknotes = set()
        with open(raw, newline="") as f:
            for r in csv.DictReader(f, delimiter="\t"):
                key = (r["module"], r["case"], int(r["threads"]))
                if r["module"] not in self.modules:
                    self.modules.append(r["module"])
                if r["module"] not in REFS and (r["case"], int(r["threads"])) not in self.case_order:
                    self.case_order.append((r["case"], int(r["threads"])))
                if r["status"] == "ok":
                    self.rows[key].append(r)
                    if r.get("note") and r["module"] not in REFS:
                        self.oknotes.add(f'- {r["module"]} {r["case"]}: {r["note"]}')
                else:
                    self.status[key] = f'{r["status"]}: {r["note"]}'
        self.mods = ["ours"] + [p for p in PEERS if p in self.modules]
        # meta: "<round>\t<tag>\tk=v\t..." lines
        self.meta = defaultdict(lambda: defaultdict(list))   # tag -> key -> [values]
        self.daemon_case = defaultdict(list)                  # case -> [daemon rss kB]
        self.round_trips = {}                                 # case -> socket round trips per op (ours)
        if meta:
            with open(meta) as f:
                for line in f:
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) < 3:
                        continue
                    kv = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
                    for k, v in kv.items():
                        try:
                            self.meta[parts[1]][k].append(float(v))
                        except ValueError:
                            pass
                    if parts[1] == "ours" and parts[2] == "round_trips" and "per_op" in kv:
                        self.round_trips[kv["case"]] = float(kv["per_op"])
                    if parts[1] == "ock-slotd" and "case" in kv and kv.get("daemon_rss_kb_max", "").isdigit():
                        self.daemon_case[kv["case"]].append(int(kv["daemon_rss_kb_max"]))
        self.env = open(env).read().rstrip() if env else ""

    def med(self, module, case, t, field):
        vs = [fl(r[field]) for r in self.rows.get((module, case, t), []) if fl(r[field]) is not None]
        return statistics.median(vs) if vs else None

    def meta_med(self, tag, key):
        vs = self.meta.get(tag, {}).get(key, [])
        return statistics.median(vs) if vs else None

    def floor_us(self):
        return self.med("c-socket", "socket-floor", 1, "median_us")

    def peer_ops(self, case, t):
        return {p: self.med(p, case, t, "ops_per_s") for p in self.mods[1:] if self.med(p, case, t, "ops_per_s")}

    def faster_ratio(self, case, t):
        ours = self.med("ours", case, t, "ops_per_s")
        peers = self.peer_ops(case, t)
        if not ours or not peers:
            return None, None
        best = max(peers, key=peers.get)
        return ours / peers[best], best

    def rss_cost_kb(self, tag):
        before, session = self.meta.get(tag, {}).get("rss_kb_before", []), self.meta.get(tag, {}).get("rss_kb_session", [])
        d = [s - b for b, s in zip(before, session)]
        return statistics.median(d) if d else None

    # ------------------------------------------------------------- goals
    def goals(self):
        g = []

        def add(group, goal, measured, met, detail=""):
            g.append({"group": group, "goal": goal, "measured": measured,
                      "met": None if met is None else bool(met), "detail": detail})

        for case in ["rsa2048-sign", "rsa2048-pkcs1-sign", "rsa2048-pss-sign", "rsa2048-oaep-decrypt"]:
            for t in (1, 2):
                r, p = self.faster_ratio(case, t)
                add("RSA private", f"{case} T={t} ≥ 1.0× the faster peer", fratio(r), r is not None and r >= 1.0,
                    f"vs {p}" if p else "no peer")
        osl = self.med("openssl-speed", "rsa2048-sign", 1, "median_us")
        for case in ["rsa2048-sign", "rsa2048-pss-sign", "rsa2048-oaep-decrypt"]:
            ours = self.med("ours", case, 1, "median_us")
            r = ours / osl if ours and osl else None
            add("RSA private", f"{case} T=1 median ≤ 1.2× `openssl speed rsa2048` sign latency",
                f"{r:.2f}×" if r else "-", r is not None and r <= 1.2,
                f"{fnum(ours)} µs vs {fnum(osl)} µs" if r else "")
        for case in ["ecdsa-p256-sign", "ecdsa-p256-verify", "rsa2048-verify", "rsa2048-pkcs1-verify"]:
            for t in (1, 2):
                r, p = self.faster_ratio(case, t)
                add("ECDSA, RSA verify", f"{case} T={t} ≥ 1.0× the faster peer", fratio(r), r is not None and r >= 1.0,
                    f"vs {p}" if p else "no peer")
        for case in ["sha256-1MiB", "aes256-cbc-1MiB"]:
            for t in (1, 2):
                r, p = self.faster_ratio(case, t)
                add("Bulk", f"{case} T={t} ≥ 1.0× the faster peer", fratio(r), r is not None and r >= 1.0,
                    f"vs {p}" if p else "no peer")
        floor = self.floor_us()
        for case in ["aes256-cbc-1KiB", "aes256-gcm-1KiB", "hmac-sha256-1KiB"]:
            ours = self.med("ours", case, 1, "median_us")
            inp = self.med("dotnet-inproc", case, 1, "median_us")
            if ours and inp and floor:
                bound = 1.5 * (floor + inp)
                add("Small symmetric", f"{case} T=1 median ≤ 1.5 × (socket round trip + in-process .NET op)",
                    f"{ours / bound:.2f}× the bound", ours <= bound,
                    f"{fnum(ours)} µs vs 1.5 × ({floor:.1f} + {inp:.2f}) = {bound:.1f} µs")
            else:
                add("Small symmetric", f"{case} T=1 median ≤ 1.5 × (socket round trip + in-process .NET op)", "-", None,
                    "not measured")
        for case in ["sha256-64B", "random-32B"]:
            for t in (1, 2):
                r, p = self.faster_ratio(case, t)
                add("Keyless in the module", f"{case} T={t} ≥ 1.0× the faster peer", fratio(r),
                    r is not None and r >= 1.0, f"vs {p}" if p else "no peer")
        for t in (1, 2):
            r, p = self.faster_ratio("find-1000", t)
            add("Objects", f"find-1000 T={t} ≥ 5× the faster peer", fratio(r), r is not None and r >= 5.0,
                f"vs {p}" if p else "no peer")
        for t in (1, 2):
            ours, sh = self.med("ours", "create-destroy", t, "ops_per_s"), self.med("softhsm2", "create-destroy", t, "ops_per_s")
            r = ours / sh if ours and sh else None
            add("Objects", f"create-destroy T={t} ≥ 1.0× SoftHSM2", fratio(r), r is not None and r >= 1.0)
        s, e = self.med("ours", "session", 1, "median_us"), self.med("ours", "empty-call", 1, "median_us")
        rt = self.round_trips.get("session")
        add("Objects", "session open+close: no more than 2 socket round trips",
            f"{rt:.2f} round trips" if rt is not None else "-", rt is not None and rt <= 2.0,
            f"counted by the kernel (sends per op); time {fnum(s)} µs = {s / e:.1f} × our empty call" if s and e else "")
        for case in ["rsa2048-sign", "ecdsa-p256-sign"]:
            o1, o2, o8 = (self.med("ours", case, t, "ops_per_s") for t in (1, 2, 8))
            r = o2 / o1 if o1 and o2 else None
            add("Scaling", f"{case}: 2 threads ≥ 1.8 × 1 thread (ops/s)", f"{r:.2f}×" if r else "-",
                r is not None and r >= 1.8)
            r8 = o8 / o2 if o8 and o2 else None
            add("Scaling", f"{case}: 8 sessions hold the 2-thread throughput (≥ 0.95×)", f"{r8:.2f}×" if r8 else "-",
                r8 is not None and r8 >= 0.95)
        ci, cs = self.meta_med("ours", "c_initialize_first_us"), self.meta_med("softhsm2", "c_initialize_first_us")
        li, ls = self.meta_med("ours", "dlopen_us"), self.meta_med("softhsm2", "dlopen_us")
        add("Start-up and memory", "C_Initialize cold (fresh process) ≤ SoftHSM2's",
            f"{ci / cs:.2f}×" if ci and cs else "-", ci is not None and cs is not None and ci <= cs,
            f"{fnum(ci)} µs vs {fnum(cs)} µs" + (f"; with dlopen {fnum(ci + li)} µs vs {fnum(cs + ls)} µs" if li and ls else ""))
        idle = self.meta_med("ock-slotd", "idle_start_kb")
        add("Start-up and memory", "ock-slotd idle RSS ≤ 150 MB", f"{idle / 1024:.0f} MiB" if idle else "-",
            idle is not None and idle / 1024 <= 150,
            (f"after the run (idle): {self.meta_med('ock-slotd', 'idle_end_kb') / 1024:.0f} MiB, "
             f"peak (VmHWM) {self.meta_med('ock-slotd', 'hwm_kb') / 1024:.0f} MiB")
            if self.meta_med("ock-slotd", "idle_end_kb") and self.meta_med("ock-slotd", "hwm_kb") else "")
        cost = self.rss_cost_kb("ours")
        add("Start-up and memory", "module RSS cost per client process ≤ 15 MB (after C_Initialize + session + login)",
            f"{cost / 1024:.1f} MiB" if cost is not None else "-", cost is not None and cost / 1024 <= 15,
            "; ".join(f"{m} {self.rss_cost_kb(m) / 1024:.1f} MiB" for m in self.mods[1:] if self.rss_cost_kb(m) is not None))
        return g

    # ------------------------------------------------------------- output
    def to_json(self):
        rows = []
        for case, t in self.case_order:
            mods = {}
            for m in self.mods:
                o = self.med(m, case, t, "ops_per_s")
                if o is not None:
                    mods[m] = {"ops_per_s": o, "median_us": self.med(m, case, t, "median_us"),
                               "p99_us": self.med(m, case, t, "p99_us"), "rounds": len(self.rows[(m, case, t)])}
                else:
                    mods[m] = {"status": self.status.get((m, case, t), "not run")}
            r, p = self.faster_ratio(case, t)
            rows.append({"case": case, "threads": t, "modules": mods, "ratio_faster_peer": r, "faster_peer": p})
        refs = {m: {case: {"ops_per_s": self.med(m, case, t, "ops_per_s"), "median_us": self.med(m, case, t, "median_us")}
                    for (mm, case, t) in self.rows if mm == m} for m in REFS}
        env = dict(line.split(": ", 1) for line in self.env.splitlines() if ": " in line)
        return {"env": env, "rows": rows, "references": refs,
                "c_initialize_us": {m: self.meta_med(m, "c_initialize_first_us") for m in self.mods},
                "dlopen_us": {m: self.meta_med(m, "dlopen_us") for m in self.mods},
                "module_rss_cost_kb": {m: self.rss_cost_kb(m) for m in self.mods},
                "round_trips_per_op": self.round_trips,
                "daemon_rss_kb": {"idle_start": self.meta_med("ock-slotd", "idle_start_kb"),
                                  "idle_end": self.meta_med("ock-slotd", "idle_end_kb"),
                                  "hwm": self.meta_med("ock-slotd", "hwm_kb"),
                                  "per_case_max": {c: max(v) for c, v in self.daemon_case.items()}},
                "goals": self.goals()}

    def goals_md(self):
        out = ["| group | goal | measured | met | detail |", "|---|---|---:|---|---|"]
        for x in self.goals():
            met = "n/a" if x["met"] is None else ("**met**" if x["met"] else "not met")
            out.append(f'| {x["group"]} | {x["goal"]} | {x["measured"]} | {met} | {x["detail"]} |')
        n = sum(1 for x in self.goals() if x["met"])
        out.append("")
        out.append(f"{n} of {len(self.goals())} goals met in this run.")
        return out

    def compact_md(self):
        hdr = ["case", "T", "ours med µs"] + [f"{p} med µs" for p in self.mods[1:]] + \
              [f"ours ÷ {p}" for p in self.mods[1:]] + ["ours ÷ faster peer"]
        out = ["| " + " | ".join(hdr) + " |", "|---|---|" + "---:|" * (len(hdr) - 2)]
        for case, t in self.case_order:
            if case not in README_CASES:
                continue
            cells = [case, str(t), fnum(self.med("ours", case, t, "median_us"))]
            cells += [fnum(self.med(p, case, t, "median_us")) for p in self.mods[1:]]
            ours = self.med("ours", case, t, "ops_per_s")
            for p in self.mods[1:]:
                po = self.med(p, case, t, "ops_per_s")
                cells.append(fratio(ours / po) if ours and po else "-")
            r, _ = self.faster_ratio(case, t)
            cells.append(f"**{fratio(r)}**" if r is not None else "-")
            out.append("| " + " | ".join(cells) + " |")
        return out

    def references_md(self):
        out = []
        floor = self.floor_us()
        if floor:
            n = len(self.rows.get(("c-socket", "socket-floor", 1), []))
            e = self.med("ours", "empty-call", 1, "median_us")
            out.append(f"- C-to-C Unix socket round trip (socketpair, 16 B each way, two processes), median of {n}: "
                       f"**{floor:.1f} µs**; our empty call (C_GetSessionInfo, 1 thread) **{fnum(e)} µs** "
                       f"({e - floor:+.1f} µs)." if e else f"- C-to-C Unix socket round trip: **{floor:.1f} µs**.")
        inp = [(c, self.med("dotnet-inproc", c, 1, "median_us")) for c in
               ["sha256-64B", "random-32B", "aes256-cbc-1KiB", "aes256-gcm-1KiB", "hmac-sha256-1KiB",
                "rsa2048-sign", "rsa2048-verify", "rsa2048-pss-sign", "rsa2048-oaep-decrypt",
                "ecdsa-p256-sign", "ecdsa-p256-verify"]]
        if any(v for _, v in inp):
            out.append("- The same operations in-process in .NET (bench/inproc: System.Security.Cryptography, objects "
                       "prepared once per key as the soft token keeps them, 1 thread), median µs: " +
                       ", ".join(f"{c} {fnum(v)}" for c, v in inp if v) + ".")
        osl = [(c, self.med("openssl-speed", c, 1, "ops_per_s")) for c in
               ["rsa2048-sign", "rsa2048-verify", "ecdsa-p256-sign", "ecdsa-p256-verify"]]
        if any(v for _, v in osl):
            out.append("- `openssl speed -mr rsa2048 ecdsap256` (1 process): " +
                       ", ".join(f"{c} {v:,.0f}/s ({1e6 / v:.1f} µs)" for c, v in osl if v) + ".")
        ci = {m: self.meta.get(m, {}).get("c_initialize_first_us", []) for m in self.mods}
        if any(ci.values()):
            out.append("- First C_Initialize in a fresh process (one per case run), median [min–max] µs: " +
                       "; ".join(f"{m} {statistics.median(v):,.0f} [{min(v):,.0f}–{max(v):,.0f}]"
                                 for m, v in ci.items() if v) +
                       "; dlopen + C_GetFunctionList before it: " +
                       "; ".join(f"{m} {self.meta_med(m, 'dlopen_us'):,.0f}" for m in self.mods
                                 if self.meta_med(m, "dlopen_us") is not None) + ".")
        if self.round_trips:
            out.append("- Socket round trips per op (ours, the module's sends counted by the kernel): " +
                       ", ".join(f"{c} {v:.2f}" for c, v in self.round_trips.items()) + ".")
        costs = [(m, self.rss_cost_kb(m)) for m in self.mods]
        if any(v is not None for _, v in costs):
            out.append("- Module RSS cost per client process (VmRSS after C_Initialize + session + login minus before "
                       "dlopen), median: " + ", ".join(f"{m} {v / 1024:.1f} MiB" for m, v in costs if v is not None) + ".")
        if self.meta_med("ock-slotd", "idle_start_kb"):
            pk = sorted(self.daemon_case.items(), key=lambda kv: -max(kv[1]))[:3]
            out.append(f"- ock-slotd RSS: idle after start {self.meta_med('ock-slotd', 'idle_start_kb') / 1024:.0f} MiB; "
                       f"under load (sampled every 50 ms while our cases ran) up to " +
                       ", ".join(f"{max(v) / 1024:.0f} MiB ({c})" for c, v in pk) +
                       f"; idle after the run {self.meta_med('ock-slotd', 'idle_end_kb') / 1024:.0f} MiB; "
                       f"VmHWM {self.meta_med('ock-slotd', 'hwm_kb') / 1024:.0f} MiB.")
        return out

    def full_md(self):
        out = []
        if self.env:
            out += ["```", self.env, "```", ""]
        out.append("Figures are from a shared, noisy 2-vCPU machine (other jobs were building and testing "
                   "during the run). Each value is the median over rounds; each round runs every case "
                   "in a fresh process per module, modules interleaved case by case.")
        out.append("")
        out.append("![ratios](latest.png)")
        out.append("")
        out.append("## Goals (issue 7)")
        out.append("")
        out += self.goals_md()
        out.append("")
        out.append("## References and memory")
        out.append("")
        out += self.references_md()
        out.append("")
        out.append("## All cases")
        out.append("")
        hdr = ["case", "T"]
        for m in self.mods:
            hdr += [f"{m} ops/s", f"{m} med µs", f"{m} p99 µs"]
        hdr += [f"ours/{p}" for p in self.mods[1:]]
        hdr.append("ours/faster peer")
        out.append("| " + " | ".join(hdr) + " |")
        out.append("|" + "---|" * 2 + "---:|" * (len(hdr) - 2))
        notes = []
        for case, t in self.case_order:
            cells = [case, str(t)]
            ops = {}
            for m in self.mods:
                k = (m, case, t)
                o = self.med(m, case, t, "ops_per_s")
                ops[m] = o
                if o is None:
                    st = self.status.get(k, "not run")
                    cells += [st.split(":")[0], "-", "-"]
                    if st != "not run":
                        notes.append(f"- {m} {case} T={t}: {st}")
                else:
                    cells += [fnum(o), fnum(self.med(m, case, t, "median_us")), fnum(self.med(m, case, t, "p99_us"))]
            for p in self.mods[1:]:
                cells.append(fratio(ops["ours"] / ops[p]) if ops.get("ours") and ops.get(p) else "-")
            r, _ = self.faster_ratio(case, t)
            cells.append(f"**{fratio(r)}**" if r is not None else "-")
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
        out.append("ratio = our ops/s ÷ peer ops/s (> 1 means we are faster).")
        if self.oknotes:
            out += ["", "Notes:"] + sorted(self.oknotes)
        if notes:
            out += ["", "Not measured (status and the failing call):"] + sorted(set(notes))
        return out

    def readme_block(self):
        env = dict(line.split(": ", 1) for line in self.env.splitlines() if ": " in line)
        out = [f"Latest run: {env.get('date', '?')}; machine: {env.get('machine', '?')} (shared with other jobs); "
               f"rounds: {env.get('rounds', '')}. Versions: {env.get('versions', '?')}.", "",
               "![ours ÷ the faster peer, per case and thread count](bench/results/latest.png)", "",
               "Goals of issue 7, measured in that run:", ""]
        out += self.goals_md()
        out += ["", "References and memory:", ""] + self.references_md()
        out += ["", "Median latency per case (ratios are ops/s, ours ÷ peer, > 1: we are faster; "
                "\"-\": the peer lacks the mechanism; p99, all thread counts and the remaining cases in "
                "[bench/results/latest.md](bench/results/latest.md)):", ""]
        out += self.compact_md()
        return out


def main():
    args, opts = [], {}
    it = iter(sys.argv[1:])
    for a in it:
        if a in ("--json", "--readme"):
            opts[a] = next(it)
        else:
            args.append(a)
    run = Run(args[0], args[1] if len(args) > 1 else None, args[2] if len(args) > 2 else None)
    print("\n".join(run.full_md()))
    if "--json" in opts:
        with open(opts["--json"], "w") as f:
            json.dump(run.to_json(), f, indent=1)
    if "--readme" in opts:
        path = opts["--readme"]
        text = open(path).read()
        block = "<!-- bench:begin (bench/summarize.py --readme) -->\n" + "\n".join(run.readme_block()) + "\n<!-- bench:end -->"
        new, n = re.subn(r"<!-- bench:begin.*?<!-- bench:end -->", lambda _: block, text, flags=re.S)
        if n != 1:
            sys.exit(f"summarize.py: no single bench:begin/bench:end block in {path}")
        open(path, "w").write(new)


if __name__ == "__main__":
    main()
