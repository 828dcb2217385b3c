/* Sizing crashkernel= for a crash kernel and its initramfs, from the
 * kernel's own header, the initramfs's sizes and constants measured by
 * bisection (docs/crashkernel.md). Used by `salvage estimate`. */
#ifndef SALVAGE_LOAD_ESTIMATE_H
#define SALVAGE_LOAD_ESTIMATE_H
#include <stddef.h>
#include <stdint.h>

#define LOAD_MIB (1ull << 20)
/* the reservation is estimated in steps of this size */
#define LOAD_ESTIMATE_STEP (8 * LOAD_MIB)
/* How much of the head of a bzImage load_kernel_parse reads: the setup
 * header and, in the setup code, the version string. */
#define LOAD_KERNEL_HEAD 32768

struct load_kernel {
	uint64_t init_size;      /* bytes the kernel needs to decompress and start */
	uint64_t file_min;       /* bytes the file holds at least: setup + syssize */
	unsigned major, minor;   /* from the version string; 0.0 if none */
	char version[64];        /* up to the first space; "" if none */
};

/* Reads an x86 bzImage's setup header from head (its first len bytes, up
 * to LOAD_KERNEL_HEAD; Documentation/arch/x86/boot.rst): init_size (a
 * little-endian u32 at 0x260, boot protocol 2.10+) and the version string
 * at 0x200 + the u16 at 0x20e; file_min from setup_sects (0x1f1, 0 meaning
 * 4) and syssize (0x1f4, 16-byte units): a shorter file was cut. 0 or
 * -SALVAGE_E_NOT_BZIMAGE. */
int load_kernel_parse(const unsigned char *head, size_t len, struct load_kernel *k);

enum load_unpacked_how {
	LOAD_UNPACKED_CPIO,      /* an uncompressed newc cpio, its files summed */
	LOAD_UNPACKED_ZSTD,      /* a zstd frame's Frame_Content_Size */
	LOAD_UNPACKED_GUESS,     /* neither: a multiple of the packed size */
};
/* An unknown compression: the unpacked rootfs taken as this many times
 * the packed file (docs/crashkernel.md: 3 to 5 for salvage's images). */
#define LOAD_UNPACKED_GUESS_FACTOR 5

struct load_initrd {
	uint64_t packed;         /* the file, as kexec loads it */
	uint64_t unpacked;       /* what the rootfs holds once it is unpacked */
	int how;                 /* enum load_unpacked_how */
};

/* No initramfs is this large, packed or unpacked: a size beyond it (a
 * huge sparse file, a zstd frame claiming 2^64 bytes) is refused, so the
 * sums below cannot overflow. */
#define LOAD_INITRD_MAX (1ull << 40)

/* The sizes of the initramfs open on fd, size bytes long: a newc cpio
 * (regular files' data in whole 4 KiB pages, as tmpfs holds them) or a
 * zstd frame that records its content size; else a guess. 0, -EFBIG for a
 * file or a content size above LOAD_INITRD_MAX, or -errno of a read. */
int load_initrd_sizes(int fd, uint64_t size, struct load_initrd *i);

/* The initramfs salvage-mkinitramfs makes for a target kind (enum
 * target_kind, lib/conf.h) when there is no file to measure: the test
 * guests' images (virtio drivers, docs/crashkernel.md). Adds to *i. */
void load_initrd_typical(int kind, struct load_initrd *i);

struct load_estimate {
	uint64_t sum;            /* init_size + initramfs + LOAD_ESTIMATE_RUN + workers */
	uint64_t floor;          /* the measured smallest that dumped, 0 if none */
	uint64_t workers;        /* the capture's workers (crash-cpus > 1), 0 if none */
	uint64_t total;          /* crashkernel=: sum rounded up, at least floor + workers */
	int cma;                 /* the kernel takes crashkernel=,cma (6.17+) */
	uint64_t kexec;          /* what kexec loads, which CMA cannot hold */
	uint64_t fixed;          /* with cma: crashkernel= (kexec rounded up) */
	uint64_t rest;           /* with cma: crashkernel=,cma (total - fixed) */
};
/* What the crash kernel uses beside its image and its initramfs (early
 * allocations, slab, page tables, loaded modules) plus salvage's own
 * memory: fitted to the smallest reservations bisection found (96M on
 * 6.1 fs and net, 96M on 7.3 fs, 88M on 7.3 net; docs/crashkernel.md). */
#define LOAD_ESTIMATE_RUN (24 * LOAD_MIB)
/* Beside the kernel and initramfs, kexec_file_load places purgatory, the
 * boot parameters with the command line and the ELF core headers, within
 * alignment: measured on 7.3.4 (init_size 62.3 MiB, initramfs 0.5 MiB,
 * tests/qemu/cma.sh), a fixed part of 64M was refused and 66M worked, so
 * more than 1.2 and at most 3.2 MiB. */
#define LOAD_ESTIMATE_KEXEC_EXTRA (3 * LOAD_MIB)

/* The smallest crashkernel= measured for this kernel series and a target
 * kind (raw counts as fs, whose drivers are a superset), 0 if none. */
uint64_t load_estimate_measured(const struct load_kernel *k, int kind);

/* The estimate for kernel k and initramfs i, with workers bytes for the
 * capture's workers (dump_jobs_size(crash-cpus), 0 with one CPU), never
 * below floor (measured with one CPU) + workers. */
void load_estimate(const struct load_kernel *k, const struct load_initrd *i, uint64_t floor,
                   uint64_t workers, struct load_estimate *e);

#endif
