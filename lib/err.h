/* Named errors. Library functions return 0 or a negative code: either
 * -errno, or -SALVAGE_E_x from the list below (all above 4095, so they never
 * collide with errno values). err_name() turns either into a word for logs.
 * The numbers go over the wire (docs/protocol.md#messages): new names are
 * added at the end of the list only. */
#ifndef SALVAGE_ERR_H
#define SALVAGE_ERR_H

#define SALVAGE_ERRORS(X) \
	X(CONF_SYNTAX,       "config line is not `key value`") \
	X(CONF_UNKNOWN_KEY,  "unknown config key") \
	X(CONF_BAD_VALUE,    "config value not allowed for this key") \
	X(CONF_TOO_LONG,     "config value too long") \
	X(TARGET_SYNTAX,     "target is not raw:/dev/X, fs:LABEL=|UUID=|/dev/X:/dir or tls://HOST:PORT") \
	X(RAW_BAD_MAGIC,     "no salvage raw header on the device") \
	X(RAW_BAD_CRC,       "salvage raw header checksum mismatch") \
	X(RAW_BAD_VERSION,   "salvage raw header of an unknown version") \
	X(RAW_INCOMPLETE,    "the crash kernel never completed the dump, and nothing of it is readable") \
	X(RAW_TOO_SMALL,     "device too small for the dump") \
	X(NO_DUMP,           "no completed dump found") \
	X(MOD_NOT_FOUND,     "module not in modules.dep, modules.alias or modules.builtin") \
	X(MOD_LOOP,          "module dependencies form a loop") \
	X(MOD_TOO_MANY,      "too many modules") \
	X(SHORT_FILE,        "file ended early") \
	X(TIMEOUT,           "timed out") \
	X(ELF_NOT_ELF,       "not an ELF64 little-endian file") \
	X(ELF_NOT_CORE,      "ELF file is not a core dump (ET_CORE)") \
	X(ELF_NOT_X86_64,    "ELF core is not for x86_64") \
	X(ELF_BAD_PHDR,      "ELF program header out of bounds or inconsistent") \
	X(NOTES_BAD,         "ELF note runs past the PT_NOTE segment") \
	X(VMCOREINFO_MISSING, "VMCOREINFO lacks an entry this needs") \
	X(NO_VMCOREINFO,     "vmcore has no VMCOREINFO note") \
	X(VMCOREINFO_BAD,    "VMCOREINFO value is not a number") \
	X(NOT_IN_DUMP,       "memory not in the dump (hole or excluded page)") \
	X(PAGE_NOT_PRESENT,  "kernel page table entry not present") \
	X(MEMMAP_BAD,        "mem_section / mem_map inconsistent") \
	X(DMESG_BAD_RING,    "printk ring buffer header inconsistent") \
	X(DMESG_BAD_RECORD,  "printk record with its text outside the ring (skipped)") \
	X(DUMP_UNKNOWN,      "not an ELF vmcore, salvage stream or kdump-compressed file") \
	X(STREAM_BAD_MAGIC,  "not a salvage stream") \
	X(STREAM_BAD_VERSION, "salvage stream of an unknown version") \
	X(STREAM_BAD_HEADER, "salvage stream page size is not 4096") \
	X(STREAM_TRUNCATED,  "salvage stream is cut short") \
	X(STREAM_BAD_CRC,    "salvage stream record checksum mismatch") \
	X(STREAM_BAD_RECORD, "salvage stream record malformed or out of place") \
	X(STREAM_BAD_PAGE,   "salvage stream page does not decode to one page") \
	X(STREAM_BAD_TRAILER, "salvage stream trailer disagrees with its records") \
	X(STREAM_ORDER,      "pages not in increasing pfn order below max_pfn") \
	X(KDUMP_BAD_HEADER,  "not a kdump-compressed file salvage can read") \
	X(KDUMP_BAD_PAGE,    "kdump-compressed page descriptor or data is bad") \
	X(KDUMP_CODEC,       "kdump-compressed page uses a codec salvage lacks (LZO, snappy, zstd)") \
	X(KEY_BAD,           "not a salvage key file (salvage keygen writes them)") \
	X(TLS_SERVER_KEY,    "server key does not match the pinned fingerprint") \
	X(TLS_NOT_AUTHORISED, "client key is not in the authorized list") \
	X(TLS_REFUSED,       "server refused the TLS handshake (client key not authorised?)") \
	X(TLS_PROTOCOL,      "TLS protocol error (not a salvage receiver, or damaged records)") \
	X(PROTO_BAD_FRAME,   "protocol frame malformed (bad type, length or checksum)") \
	X(PROTO_TOO_BIG,     "protocol frame longer than the limit") \
	X(PROTO_UNEXPECTED,  "protocol frame not allowed at this point") \
	X(PROTO_OFFSET,      "data offset is not where the receiver stands") \
	X(PROTO_TOTALS,      "finished dump disagrees with its announced totals") \
	X(PROTO_REJECTED,    "receiver rejected the dump") \
	X(PROTO_NO_SPACE,    "receiver is out of space for the dump") \
	X(PROTO_BUSY,        "receiver is busy (too many clients)") \
	X(PROTO_TOO_SLOW,    "transfer below the receiver's minimum rate") \
	X(NET_NO_IFACE,      "no network interface with that name or MAC") \
	X(NET_NO_CARRIER,    "network link stayed down (no carrier)") \
	X(NET_CONF_SYNTAX,   "network setting is not IFACE:dhcp or IFACE:ADDR/PREFIX[,GW] (or kernel ip=)") \
	X(DHCP_BAD_REPLY,    "DHCP reply malformed") \
	X(DHCP_NAK,          "DHCP server refused the address (NAK)") \
	X(DHCP_NO_LEASE,     "no DHCP lease before the timeout") \
	X(TLS_KEY_REJECTED,  "the client rejected this receiver's key (it pins another one)") \
	X(RANDOM_NOT_READY,  "the kernel's random number generator was not ready in time: no TLS without it") \
	X(PROTO_VERSION,     "the peer speaks another version of the dump protocol") \
	X(PROTO_PREFIX,      "the receiver's stored part of this dump is not this stream (SHA-256 differs)") \
	X(CONVERT_TOO_BIG,   "the converted dump would not fit the receiver's space or limit") \
	X(ELF_BEYOND_PHYS,   "ELF PT_LOAD reaches past x86_64's 52-bit physical address space") \
	X(ELF_TOO_MANY_LOADS, "vmcore has more PT_LOAD segments than salvage reads (DUMP_ELF_MAX_LOADS)") \
	X(NOTES_TOO_BIG,     "vmcore's ELF notes are larger than salvage reads (DUMP_CAPTURE_NOTES_MAX)") \
	X(CAPTURE_KILLED,    "the capture process was killed before it finished") \
	X(PCI_BUS_MASTER,    "a PCI device without a driver may still do DMA (Bus Master Enable not known to be off)") \
	X(SHIM_TOO_SMALL,    "too little lendable memory for the swap shim (it needs 10 blocks of 2 pages)") \
	X(SHIM_NBD_PROTOCOL, "NBD request with a bad magic: the block device's stream is out of step") \
	X(SHIM_NBD_DOWN,     "the NBD device did not come up (nbd module loaded? device busy?)") \
	X(SHIM_SERVER_DIED,  "the swap shim's block server ended before it was stopped") \
	X(SHIM_NBD_LOST,     "the kernel dropped the swap's NBD connection (a request went unanswered): every block on the swap is lost") \
	X(NOT_BZIMAGE,       "not an x86 bzImage of boot protocol 2.10 or later (no init_size)") \
	X(RAW_COLLECTED,     "the dump on the device was collected already (salvage collect --mark-collected)")

enum salvage_err {
	SALVAGE_E_BASE = 4096,
#define X(name, text) SALVAGE_E_##name,
	SALVAGE_ERRORS(X)
#undef X
	SALVAGE_E_END
};

/* Symbolic name: "RAW_BAD_MAGIC", "ENOENT"; never NULL. e may be negative. */
const char *err_name(int e);
/* One-line human description of the same code; never NULL. */
const char *err_text(int e);

#endif
