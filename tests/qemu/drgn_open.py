#!/usr/bin/python3
"""drgn_open.py VMLINUX DUMP RELEASE

Opens DUMP with drgn and the debug vmlinux, with no reference vmcore to
compare with (a dump that only exists on the receiver): the release in
init_uts_ns must be RELEASE, the task list must walk (with init and the
task that crashed, "sh" running the sysrq trigger), and the printk log must
read through to "sysrq triggered crash". One line per check; exits 1 on the
first failure (drgn raises FaultError for a page the dump left out)."""
import sys

import drgn
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.printk import get_printk_records


def main():
    vmlinux, dump, want = sys.argv[1:4]
    prog = drgn.Program()
    prog.set_core_dump(dump)
    prog.load_debug_info([vmlinux])
    try:
        release = prog["init_uts_ns"].name.release.string_().decode()
        tasks = [(int(t.pid), t.comm.string_().decode()) for t in for_each_task(prog)]
        log = [r.text.decode(errors="replace") for r in get_printk_records(prog)]
    except Exception as e:  # drgn.FaultError and the like
        print(f"FAIL: drgn: {e}")
        return 1
    checks = [
        ("release " + release, release == want),
        (f"{len(tasks)} tasks, pid 1 among them", any(p == 1 for p, _ in tasks) and len(tasks) > 10),
        (f"{len(log)} log records, the panic among them", any("sysrq triggered crash" in t for t in log)),
    ]
    for what, ok in checks:
        print(("ok: " if ok else "FAIL: ") + what)
        if not ok:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
