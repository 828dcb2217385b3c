#!/usr/bin/python3
"""check_drgn.py VMLINUX DUMP REFERENCE

Opens DUMP and REFERENCE (the unfiltered ELF vmcore of the same crash) with
drgn and the debug vmlinux, and requires the same answers from both: the
release in init_uts_ns, every task (pid, comm) from for_each_task, and the
whole printk log. Prints one line per check; exits 1 on any difference or
error (drgn raises FaultError for a page the dump left out)."""
import sys

import drgn
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.printk import get_printk_records


def facts(vmlinux, path):
    prog = drgn.Program()
    prog.set_core_dump(path)
    prog.load_debug_info([vmlinux])
    release = prog["init_uts_ns"].name.release.string_().decode()
    tasks = sorted((int(t.pid), t.comm.string_().decode()) for t in for_each_task(prog))
    log = [(r.timestamp, r.text) for r in get_printk_records(prog)]
    return release, tasks, log


def main():
    vmlinux, dump, ref = sys.argv[1:4]
    try:
        got = facts(vmlinux, dump)
    except Exception as e:  # drgn.FaultError: "Excluded page", and the like
        print("check_drgn: %s: %s: %s" % (dump, type(e).__name__, e))
        sys.exit(1)
    want = facts(vmlinux, ref)
    ok = True
    for name, g, w in zip(("release", "tasks", "printk log"), got, want):
        same = g == w
        ok &= same
        size = g if name == "release" else "%d entries" % len(g)
        print("check_drgn: %s: %s (%s)" % (name, "same" if same else "DIFFERENT", size))
    if not any("sysrq triggered crash" in t.decode("utf-8", "replace") for _, t in got[2]):
        print("check_drgn: the log lacks the panic")
        ok = False
    sys.exit(0 if ok else 1)


main()
