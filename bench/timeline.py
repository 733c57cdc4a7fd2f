#!/usr/bin/env python3
"""Cut each request of a p11perf run into its stages, from kernel tracepoints (bench/profile.sh).

stdin: `perf script -F comm,pid,tid,cpu,time,event,trace` of a system-wide `perf record` of the
socket syscalls (sendto/recvfrom/sendmsg/recvmsg enter+exit) and sched_wakeup/sched_switch while
one p11perf process (1 thread) drives our module. --daemon PID is ock-slotd.

Per request (one module -> daemon frame and its reply), in kernel time stamps:
  A client send      p11perf enters send                      -> the daemon's reader returns from recv
  D daemon           reader's recv returns                    -> a daemon thread enters send (the reply)
  E reply            daemon enters send                       -> p11perf returns from recv
  G client gap       p11perf returns from recv                -> p11perf enters its next send (module + harness)
Also counted per request: wake-ups of the client thread while it waits for the reply, and whether
the reader had to wake another daemon thread (else a thread-pool thread that was spinning took the
message from the actor's mailbox).
Grouped by request size (bytes the module sends). Every tracepoint costs about a microsecond, so
the stages add up to more than the unprofiled per-call figures; the split is what counts.
"""
import argparse
import re
import statistics
import sys
from collections import defaultdict

LINE = re.compile(r"^\s*(?P<comm>.+?)\s+(?P<pid>\d+)/(?P<tid>\d+)\s+\[(?P<cpu>\d+)\]\s+(?P<time>[\d.]+):\s+(?P<event>[\w:]+):\s*(?P<trace>.*)$")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", type=int, required=True)
    a = ap.parse_args()
    ev = []
    for line in sys.stdin:
        m = LINE.match(line)
        if m:
            ev.append(m.groupdict())
    client_pid = None
    for e in ev:
        if e["comm"].strip() == "p11perf" and "sys_enter_sendto" in e["event"]:
            client_pid = int(e["pid"])
            break
    if client_pid is None:
        print("no p11perf sendto in the trace")
        return
    D = a.daemon
    reqs = []
    cur = None
    last_client_recv = None
    for e in ev:
        pid, tid, t, name = int(e["pid"]), int(e["tid"]), float(e["time"]) * 1e6, e["event"].split(":")[-1]
        tr = e["trace"]
        if pid == client_pid and name == "sys_enter_sendto":
            ln = int(re.search(r"len: (0x[0-9a-f]+)", tr).group(1), 16)
            cur = {"len": ln, "c_send": t, "gap": (t - last_client_recv) if last_client_recv else None,
                   "d_recv": None, "reader": None, "wake": None, "run": None, "wake_target": None,
                   "d_send": None, "d_send_tid": None, "c_recv": None, "c_wakes": 0, "c_tid": tid}
            reqs.append(cur)
        elif cur is None:
            continue
        elif pid == D and name in ("sys_exit_recvmsg", "sys_exit_recvfrom") and cur["d_recv"] is None:
            if int(tr.strip(), 16) > 0:
                cur["d_recv"], cur["reader"] = t, tid
        elif name == "sched_wakeup" and pid == D and cur["d_recv"] is not None and cur["d_send"] is None \
                and tid == cur["reader"] and cur["wake"] is None:
            target = int(re.search(r"pid=(\d+)", tr).group(1))
            cur["wake"], cur["wake_target"] = t, target
        elif name == "sched_switch" and cur["wake_target"] is not None and cur["run"] is None:
            nxt = int(re.search(r"next_pid=(\d+)", tr).group(1))
            if nxt == cur["wake_target"]:
                cur["run"] = t
        elif pid == D and name in ("sys_enter_sendto", "sys_enter_sendmsg") and cur["d_recv"] is not None \
                and cur["d_send"] is None:
            cur["d_send"], cur["d_send_tid"] = t, tid
        elif pid == client_pid and name == "sys_exit_recvfrom" and cur["d_send"] is not None and cur["c_recv"] is None:
            cur["c_recv"] = t
            last_client_recv = t
        if name == "sched_wakeup" and cur["c_recv"] is None and \
                int(re.search(r"pid=(\d+)", tr).group(1)) == cur["c_tid"]:
            cur["c_wakes"] += 1
    done = [r for r in reqs if r["c_recv"] and r["d_recv"] and r["d_send"]]
    by = defaultdict(list)
    for r in done:
        by[r["len"]].append(r)
    print(f"client pid {client_pid}, daemon pid {D}: {len(done)} complete requests of {len(reqs)} sent")
    print()
    hdr = ("request bytes", "n", "A client send", "D daemon", "E reply", "A..E round trip", "G client gap",
           "client wake-ups", "reader woke a thread", "reply by reader")
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---:|" * len(hdr))

    def md(xs):
        xs = [x for x in xs if x is not None]
        return f"{statistics.median(xs):.1f}" if xs else "-"

    for ln, rs in sorted(by.items(), key=lambda kv: -len(kv[1])):
        if len(rs) < 20:
            continue
        woken = [r for r in rs if r["wake"] is not None and r["run"] is not None and r["wake"] < r["d_send"]]
        row = [str(ln), str(len(rs)),
               md(r["d_recv"] - r["c_send"] for r in rs),
               md(r["d_send"] - r["d_recv"] for r in rs),
               md(r["c_recv"] - r["d_send"] for r in rs),
               md(r["c_recv"] - r["c_send"] for r in rs),
               md(r["gap"] for r in rs if r["gap"] is not None and r["gap"] < 1000),
               f"{statistics.mean(r['c_wakes'] for r in rs):.2f}",
               f"{len(woken)} ({100 * len(woken) / len(rs):.1f} %)",
               f"{100 * sum(1 for r in rs if r['d_send_tid'] == r['reader']) / len(rs):.0f} %"]
        print("| " + " | ".join(row) + " |")
    print()
    print("µs, medians (kernel time stamps, perf tracepoints on); client wake-ups: mean per request; "
          "'reader woke a thread': requests where the reader woke another daemon thread before the reply (the others "
          "were picked up by a thread-pool thread that was already spinning); 'reply by reader': the reply was sent "
          "by the thread that read the request (no hop).")
    tids = defaultdict(int)
    for r in done:
        tids[r["d_send_tid"]] += 1
    print()
    print(f"reply sent by {len(tids)} distinct daemon threads; reader threads: "
          f"{len(set(r['reader'] for r in done))}")


if __name__ == "__main__":
    main()
