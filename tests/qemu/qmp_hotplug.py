#!/usr/bin/env python3
"""qmp_hotplug.py SOCKET CONSOLE_LOG OUT

The host's half of tests/qemu/hotplug.sh: waits (up to 10 minutes) for the
guest's console to say "stage1: hotplug: ready", then hot-adds 1 GiB of RAM
over QEMU's QMP socket (object_add memory-backend-ram, device_add pc-dimm)
and one CPU (the first empty slot of query-hotpluggable-cpus: the guest
runs with -smp 1,maxcpus=2), and writes the DIMM's "ADDR SIZE" (decimal,
from query-memory-devices) to OUT. A plain QMP client: one JSON object per line each way."""
import json
import socket
import sys
import time


def wait_for(path, text, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with open(path, errors="replace") as f:
                if text in f.read():
                    return True
        except FileNotFoundError:
            pass
        time.sleep(0.5)
    return False


class QMP:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.f = self.s.makefile("rw")
        json.loads(self.f.readline())  # the greeting
        self.run("qmp_capabilities")

    def run(self, cmd, **args):
        self.f.write(json.dumps({"execute": cmd, "arguments": args}) + "\n")
        self.f.flush()
        while True:
            reply = json.loads(self.f.readline())
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise RuntimeError("%s: %s" % (cmd, reply["error"]))
            # an asynchronous event (ACPI_DEVICE_OST, ...): not ours


def add_cpu(q):
    for slot in q.run("query-hotpluggable-cpus"):
        if "qom-path" not in slot:  # an empty socket
            q.run("device_add", driver=slot["type"], id="cpu1", **slot["props"])
            print("qmp_hotplug: %s added at %s" % (slot["type"], slot["props"]))
            return
    sys.exit("qmp_hotplug: no empty CPU slot (run the guest with maxcpus > cpus)")


def main():
    sock, log, out = sys.argv[1:4]
    if not wait_for(log, "stage1: hotplug: ready", 600):
        sys.exit("qmp_hotplug: the guest never said it was ready")
    q = QMP(sock)
    q.run("object-add", **{"qom-type": "memory-backend-ram", "id": "mem1", "size": 1 << 30})
    q.run("device_add", driver="pc-dimm", id="dimm1", memdev="mem1")
    for dev in q.run("query-memory-devices"):
        d = dev.get("data", {})
        if d.get("id") == "dimm1":
            with open(out, "w") as f:
                f.write("%d %d\n" % (d["addr"], d["size"]))
            print("qmp_hotplug: dimm1 at %#x, %d MiB" % (d["addr"], d["size"] >> 20))
            add_cpu(q)
            return
    sys.exit("qmp_hotplug: dimm1 not in query-memory-devices")


main()
