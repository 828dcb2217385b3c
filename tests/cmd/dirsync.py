#!/usr/bin/env python3
"""Test helper for tests/cmd/durable.sh: reads the traces that
`strace -ff -y -o PREFIX -e trace=rename,renameat,renameat2,fsync,fdatasync`
wrote (PREFIX.PID, one per process) and checks that every rename that
succeeded is followed, in the same process and before its next rename, by
a sync of the directory that holds the new name: without it the rename may
not survive a crash.

  dirsync.py CWD PREFIX    CWD: the traced commands' working directory
                           (for relative names)

Prints "renamed DIR/NAME, directory synced" or "renamed DIR/NAME, NO
directory sync" per rename and "N renames, M without a directory sync";
exit 1 when a rename lacks its sync or none was seen.
"""
import glob
import os
import re
import sys

FD = r'(AT_FDCWD|\d+)(?:<([^>]*)>)?'
RENAMEAT = re.compile(r'^renameat2?\(' + FD + r', "([^"]*)", ' + FD + r', "([^"]*)".*\)\s*= 0$')
RENAME = re.compile(r'^rename\("([^"]*)", "([^"]*)"\)\s*= 0$')
SYNC = re.compile(r'^f(data)?sync\(\d+<([^>]*)>\)\s*= 0$')


def target_dir(cwd, line):
    """The directory holding the new name of a successful rename and that
    name, or None, None. strace -y gives a descriptor's path (newer ones
    AT_FDCWD's too); otherwise a name is relative to cwd."""
    m = RENAMEAT.match(line)
    if m:
        base, new = m.group(5) or cwd, m.group(6)
    else:
        m = RENAME.match(line)
        if not m:
            return None, None
        base, new = cwd, m.group(2)
    path = os.path.normpath(os.path.join(base, new))
    return os.path.dirname(path), path


def check(cwd, trace):
    lines = [l.rstrip('\n') for l in open(trace)]
    renames = missing = 0
    for i, line in enumerate(lines):
        d, path = target_dir(cwd, line)
        if d is None:
            continue
        renames += 1
        synced = False
        for later in lines[i + 1:]:
            m = SYNC.match(later)
            if m and os.path.normpath(m.group(2)) == d:
                synced = True
            if synced or target_dir(cwd, later)[0] is not None:
                break
        print('renamed %s, %s' % (path, 'directory synced' if synced else 'NO directory sync'))
        missing += not synced
    return renames, missing


def main():
    cwd, prefix = os.path.abspath(sys.argv[1]), sys.argv[2]
    renames = missing = 0
    for trace in sorted(glob.glob(glob.escape(prefix) + '.*')):
        r, m = check(cwd, trace)
        renames, missing = renames + r, missing + m
    print('%d renames, %d without a directory sync' % (renames, missing))
    return 0 if renames and not missing else 1


if __name__ == '__main__':
    sys.exit(main())
