"""tests/qemu/pci_config.py SOCKET: reads the command register of every PCI
function on bus 0 from QEMU itself, through its QMP socket, and quits QEMU.

The reads are configuration cycles of PCI mechanism #1 (address to I/O port
0xCF8, data from 0xCFC) issued by QEMU's monitor (`o` and `i`), so they see
the register as QEMU's device model holds it, whatever the guest kernel or
salvage believe. Only for a guest that is halted: the guest's own use of
0xCF8 would race with ours. Prints one line per function:
    00:03.0 8086:100e command 0103
"""
import json
import socket
import sys


class Monitor:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.f = self.sock.makefile("rw")
        self.reply()  # the greeting
        self.execute("qmp_capabilities")

    def reply(self):
        while True:
            m = json.loads(self.f.readline())
            if "event" not in m:
                return m

    def execute(self, cmd, args=None):
        msg = {"execute": cmd}
        if args:
            msg["arguments"] = args
        self.f.write(json.dumps(msg) + "\n")
        self.f.flush()
        r = self.reply()
        if "error" in r:
            raise RuntimeError(f"{cmd}: {r['error']}")
        return r.get("return")

    def hmp(self, line):
        return self.execute("human-monitor-command", {"command-line": line})

    def config(self, slot, fn, off, size):
        """size 'w' (32 bits) or 'h' (16 bits) at a dword-aligned off."""
        self.hmp(f"o /w 0xcf8 {0x80000000 | slot << 11 | fn << 8 | off:#x}")
        out = self.hmp(f"i /{size} 0xcfc")  # "portw[0x0cfc] = 0x0107"
        return int(out.split("=")[1], 16)


def main():
    m = Monitor(sys.argv[1])
    for slot in range(32):
        for fn in range(8):
            ids = m.config(slot, fn, 0, "w")
            if ids & 0xFFFF == 0xFFFF:
                if fn == 0:
                    break
                continue
            cmd = m.config(slot, fn, 4, "h")
            print(f"00:{slot:02x}.{fn} {ids & 0xFFFF:04x}:{ids >> 16:04x} command {cmd:04x}")
            multi = m.config(slot, fn, 0x0C, "w") >> 16 & 0x80
            if fn == 0 and not multi:
                break
    try:
        m.execute("quit")
    except (OSError, ValueError):
        pass


main()
