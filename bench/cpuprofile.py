#!/usr/bin/env python3
"""Where ock-slotd's CPU goes, by activity, from `perf script` of a `perf record -g` (bench/profile.sh).

A sample whose leaf is in the kernel is put by the system call or kernel path on its stack (socket
receive/send, sched_yield spinning, futex, scheduler, memory); a sample in user space by its nearest
frame, leaf first, that says whose work it is: OpenSSL, the .NET runtime itself (GC, allocation, JIT,
thread pool), libc, our daemon code, Akka (dispatcher, mailbox, actor cell). Frames of the .NET class
library (System.*) are skipped over, so a copy or a dictionary look-up counts for whoever called it.
"""
import re
import sys
from collections import Counter

KERNEL = [
    ("kernel: thread-pool spinning (sched_yield)", r"sched_yield"),
    ("kernel: socket receive", r"sys_recvmsg|sys_recvfrom|unix_stream_recvmsg|unix_stream_read_generic"),
    ("kernel: socket send", r"sys_sendto|sys_sendmsg|unix_stream_sendmsg"),
    ("kernel: futex wait/wake", r"futex"),
    ("kernel: page faults, memory", r"page_fault|handle_mm_fault|clear_page|do_anonymous_page|madvise|munmap|mmap"),
    ("kernel: scheduler (switch, wake-up, idle)", r"schedule|finish_task_switch|try_to_wake_up|irqentry_exit|nanosleep"),
]
USER = [
    ("OpenSSL (libcrypto)", r"libcrypto|Cryptography\.Native\.OpenSsl"),
    (".NET runtime: JIT compiler", r"libclrjit"),
    (".NET runtime: GC, allocation, thread pool (libcoreclr)", r"libcoreclr"),
    ("libc (memset/memcpy, malloc, syscall stubs)", r"\(/[^)]*libc\.so|\(/[^)]*ld-linux"),
    ("our daemon code (server, actors, tokens)", r"OpenCryptokiActors"),
    ("Akka (dispatcher, mailbox, actor cell)", r"\[Akka\]|Akka\."),
]


def classify(frames):
    if frames and "[kernel.kallsyms]" in frames[0]:
        text = "\n".join(frames)
        for name, pat in KERNEL:
            if re.search(pat, text):
                return name
        return "kernel: other"
    for f in frames:
        for name, pat in USER:
            if re.search(pat, f):
                return name
    return ".NET class library / unresolved"


def main():
    counts, total, frames = Counter(), 0, []
    wakes = 0

    def flush():
        nonlocal total, wakes
        if frames:
            total += 1
            counts[classify(frames)] += 1
            if any(re.search(r"try_to_wake_up|__wake_up|unix_write_space|sock_def_readable", f) for f in frames):
                wakes += 1
            frames.clear()

    for line in sys.stdin:
        if not line.strip():
            flush()
        elif line.startswith((" ", "\t")):
            frames.append(line.strip())
    flush()
    print("| activity | share of ock-slotd CPU samples |")
    print("|---|---:|")
    for name, n in counts.most_common():
        print(f"| {name} | {100 * n / max(total, 1):.1f} % |")
    print(f"\n{total} samples; {100 * wakes / max(total, 1):.1f} % of them wake another thread up "
          "(try_to_wake_up, unix_write_space, sock_def_readable on the stack, within the kernel rows above).")


if __name__ == "__main__":
    main()
