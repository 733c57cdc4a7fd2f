#!/usr/bin/env python3
"""Where ock-slotd's CPU goes, by activity, from `perf script` of a `perf record -g` (bench/profile.sh).

Each sample is put in the first category whose pattern matches its call chain (leaf first):
the kernel's socket calls, the scheduler (sleep/wake-up, sched_yield spinning), futexes, OpenSSL,
the Akka dispatcher and mailbox, our actors and wire code, the .NET runtime (GC, thread pool), others.
"""
import re
import sys
from collections import Counter

CATEGORIES = [
    ("thread pool spinning (sched_yield)", r"sched_yield|do_sched_yield|SpinWait|UnfairSemaphore"),
    ("socket receive (kernel)", r"sys_recvmsg|sys_recvfrom|unix_stream_recvmsg|unix_stream_read_generic"),
    ("socket send (kernel)", r"sys_sendto|sys_sendmsg|unix_stream_sendmsg"),
    ("futex wait/wake (kernel)", r"futex"),
    ("scheduler: switch, wake-up (kernel)", r"schedule|finish_task_switch|try_to_wake_up|ttwu|irqentry_exit"),
    ("other kernel", r"\[kernel\.kallsyms\]"),
    ("OpenSSL (libcrypto)", r"libcrypto|Cryptography\.Native\.OpenSsl"),
    ("Akka dispatcher, mailbox, actor cell", r"\[Akka\]|Akka\.Dispatch|Akka\.Actor"),
    ("our daemon code (actors, wire, tokens)", r"OpenCryptokiActors"),
    ("JIT compiler", r"libclrjit"),
    (".NET runtime (GC, thread pool, interop)", r"libcoreclr|System\.Private\.CoreLib|libSystem\.Native|\[JIT\]"),
]


def main():
    counts, total = Counter(), 0
    stack = []

    def flush():
        nonlocal total
        if not stack:
            return
        total += 1
        text = "\n".join(stack)
        for name, pat in CATEGORIES:
            if re.search(pat, text):
                counts[name] += 1
                break
        else:
            counts["other"] += 1
        stack.clear()

    for line in sys.stdin:
        if not line.strip():
            flush()
        elif line.startswith((" ", "\t")):
            stack.append(line.strip())
    flush()
    print("| activity (first match, leaf first) | share of ock-slotd CPU samples |")
    print("|---|---:|")
    for name, n in counts.most_common():
        print(f"| {name} | {100 * n / max(total, 1):.1f} % |")
    print(f"\n{total} samples.")


if __name__ == "__main__":
    main()
