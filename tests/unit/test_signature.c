/* server/signature.c: real panics from the project's QEMU crashes
 * (tests/data/panic), and made-up oopses of one bug on two machines that
 * must match and of other bugs that must not. The data files are read
 * from the source tree: run the tests from its top (./build/unit-tests). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "check.h"
#include "../../lib/io.h"
#include "../../server/signature.h"

static struct server_signature sig_of(const char *text)
{
	struct server_signature s;

	server_signature(text, strlen(text), &s);
	return s;
}

/* The frames, space separated. */
static const char *frames(const struct server_signature *s)
{
	static char out[SERVER_SIG_FRAMES * SERVER_SIG_FRAME];

	return server_signature_frames(s, out, sizeof out);
}

static int data(const char *name, struct server_signature *s)
{
	char path[128];

	snprintf(path, sizeof path, "tests/data/panic/%s", name);
	return server_signature_file(AT_FDCWD, path, s);
}

TEST(signature_real_sysrq_6_1)
{
	struct server_signature s;

	if (data("sysrq-6.1.log", &s) == -ENOENT)
		CHECK_SKIP("tests/data/panic not found: run from the source tree's top");
	CHECK_STR("Kernel panic - not syncing: sysrq triggered crash", s.title);
	/* dump_stack_lvl and panic are every panic's; "? _printk" unreliable */
	CHECK_STR("sysrq_handle_crash __handle_sysrq write_sysrq_trigger proc_reg_write do_iter_write", frames(&s));
	CHECK_INT(SERVER_SIG_HASH, strlen(s.hash));
}

TEST(signature_real_kernels_same_path)
{
	struct server_signature a, b, c;

	if (data("sysrq-6.12.log", &a) == -ENOENT)
		CHECK_SKIP("tests/data/panic not found: run from the source tree's top");
	CHECK_INT(0, data("sysrq-7.3.log", &b));
	CHECK_INT(0, data("sysrq-6.1.log", &c));
	/* 6.12 and 7.3 write through the same functions (7.3's vpanic and
	 * __handle_sysrq.cold are left out): one signature */
	CHECK_STR("sysrq_handle_crash __handle_sysrq write_sysrq_trigger proc_reg_write vfs_writev", frames(&a));
	CHECK_STR(a.hash, b.hash);
	/* 6.1's write goes through do_iter_write: another path */
	CHECK_INT(1, strcmp(a.hash, c.hash) != 0);
}

TEST(signature_real_console_logs)
{
	struct server_signature s, t;

	if (data("oom-6.1-console.log", &s) == -ENOENT)
		CHECK_SKIP("tests/data/panic not found: run from the source tree's top");
	/* "[  61.532] [    1.601397] ": the console's and the kernel's stamps */
	CHECK_STR("Kernel panic - not syncing: System is deadlocked on memory", s.title);
	CHECK_STR("out_of_memory __alloc_pages_slowpath __alloc_pages alloc_page_interleave __vmalloc_node_range",
	          frames(&s));
	CHECK_INT(0, data("initcall-7.3-console.log", &t));
	CHECK_STR("Kernel panic - not syncing: bio: can't create integrity buf pool", t.title);
	CHECK_STR("bio_integrity_initfn do_one_initcall kernel_init_freeable kernel_init ret_from_fork", frames(&t));
	CHECK_INT(1, strcmp(s.hash, t.hash) != 0);
}

/* One NULL dereference in a module, as two machines log it. */
static const char oops_a[] =
	"[   12.000001] Linux version 6.1.0-57-amd64\n"
	"[  812.345678] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
	"[  812.345700] #PF: supervisor read access in kernel mode\n"
	"[  812.345710] #PF: error_code(0x0000) - not-present page\n"
	"[  812.345720] PGD 0 P4D 0 \n"
	"[  812.345730] Oops: 0000 [#1] PREEMPT SMP PTI\n"
	"[  812.345740] CPU: 3 PID: 4242 Comm: nfsd Tainted: G           OE      6.1.0-57-amd64 #1\n"
	"[  812.345750] Hardware name: Dell Inc. PowerEdge R640\n"
	"[  812.345760] RIP: 0010:foo_queue_work+0x1a/0x90 [foo]\n"
	"[  812.345770] Code: 48 8b 47 08 <48> 8b 00 c3\n"
	"[  812.345780] RSP: 0018:ffffa1b2c0d3fd48 EFLAGS: 00010246\n"
	"[  812.345790] RAX: 0000000000000000 RBX: ffff8881045d2000 RCX: 0000000000000000\n"
	"[  812.345800] Call Trace:\n"
	"[  812.345810]  <TASK>\n"
	"[  812.345820]  ? __die+0x23/0x70\n"
	"[  812.345830]  ? page_fault_oops+0x17d/0x4c0\n"
	"[  812.345840]  foo_submit.isra.0+0x44/0x120 [foo]\n"
	"[  812.345850]  foo_ioctl+0x2b1/0x3a0 [foo]\n"
	"[  812.345860]  ? security_file_ioctl+0x32/0x50\n"
	"[  812.345870]  __x64_sys_ioctl+0x94/0xd0\n"
	"[  812.345880]  do_syscall_64+0x5b/0xc0\n"
	"[  812.345890]  entry_SYSCALL_64_after_hwframe+0x64/0xce\n"
	"[  812.345900]  </TASK>\n"
	"[  812.345910] Modules linked in: foo(OE) ext4\n"
	"[  812.345920] CR2: 0000000000000008\n";

static const char oops_b[] =
	"<4>[T1234] random line before\n"
	"[ 3.1][  T987] BUG: kernel NULL pointer dereference, address: 0000000000000010\n"
	"[ 3.1][  T987] Oops: 0002 [#3] SMP NOPTI\n"
	"[ 3.1][  T987] CPU: 17 PID: 987 Comm: kworker/17:2 Not tainted 6.1.0-57-amd64 #1\n"
	"[ 3.1][  T987] RIP: 0010:foo_queue_work+0x2c/0x90 [foo]\n"
	"[ 3.1][  T987] Call Trace:\n"
	"[ 3.1][  T987]  <IRQ>\n"
	"[ 3.1][  T987]  ? exc_page_fault+0x70/0x170\n"
	"[ 3.1][  T987]  ? asm_exc_page_fault+0x22/0x30\n"
	"[ 3.1][  T987]  foo_submit.isra.0+0x51/0x120 [foo]\n"
	"[ 3.1][  T987]  foo_ioctl+0x2b1/0x3a0 [foo]\n"
	"[ 3.1][  T987]  __x64_sys_ioctl+0x94/0xd0\n"
	"[ 3.1][  T987]  ? handle_mm_fault+0xdb/0x2d0\n"
	"[ 3.1][  T987]  do_syscall_64+0x5b/0xc0\n"
	"[ 3.1][  T987]  entry_SYSCALL_64_after_hwframe+0x64/0xce\n"
	"[ 3.1][  T987]  </IRQ>\n"
	"[ 3.2][  T987] Kernel panic - not syncing: Fatal exception\n"
	"[ 3.2][  T987] Call Trace:\n"
	"[ 3.2][  T987]  dump_stack_lvl+0x44/0x5c\n"
	"[ 3.2][  T987]  panic+0x118/0x2f4\n"
	"[ 3.2][  T987]  oops_end.cold+0x9/0x12\n";

TEST(signature_same_bug_two_machines)
{
	struct server_signature a = sig_of(oops_a), b = sig_of(oops_b);

	CHECK_STR("BUG: kernel NULL pointer dereference, address:", a.title);
	/* the faulting function (RIP), then the trace without "?" frames */
	CHECK_STR("foo_queue_work foo_submit foo_ioctl __x64_sys_ioctl do_syscall_64", frames(&a));
	/* another CPU, PID, comm, taint, address, offset, oops count; a
	 * caller id in the prefix, and the panic that follows the oops */
	CHECK_STR(a.title, b.title);
	CHECK_STR(frames(&a), frames(&b));
	CHECK_STR(a.hash, b.hash);
}

TEST(signature_other_bug_differs)
{
	static char other[sizeof oops_a];
	struct server_signature a = sig_of(oops_a), o;

	/* the same trace, another faulting function */
	strcpy(other, oops_a);
	memcpy(strstr(other, "foo_queue_work"), "foo_queue_free", 14);
	o = sig_of(other);
	CHECK_STR(a.title, o.title);
	CHECK_INT(1, strcmp(a.hash, o.hash) != 0);
	/* the same function, another kind of fault */
	strcpy(other, oops_a);
	memcpy(strstr(other, "NULL pointer dereference"), "paging request at addre", 23);
	o = sig_of(other);
	CHECK_INT(1, strcmp(a.hash, o.hash) != 0);
}

static const char warn_panic[] =
	"[  5.0] ------------[ cut here ]------------\n"
	"[  5.0] WARNING: CPU: 2 PID: 77 at drivers/net/bar.c:451 bar_reset+0x8c/0xa0 [bar]\n"
	"[  5.0] Modules linked in: bar\n"
	"[  5.0] CPU: 2 PID: 77 Comm: ip Tainted: G        W          6.1.0 #1\n"
	"[  5.0] RIP: 0010:bar_reset+0x8c/0xa0 [bar]\n"
	"[  5.0] Call Trace:\n"
	"[  5.0]  <TASK>\n"
	"[  5.0]  ? __warn+0x7d/0xc0\n"
	"[  5.0]  ? report_bug+0xe2/0x150\n"
	"[  5.0]  bar_open+0x31/0x80 [bar]\n"
	"[  5.0]  __dev_open+0xe6/0x190\n"
	"[  5.0]  </TASK>\n"
	"[  5.0] Kernel panic - not syncing: kernel: panic_on_warn set ...\n"
	"[  5.0] CPU: 2 PID: 77 Comm: ip Tainted: G        W          6.1.0 #1\n"
	"[  5.0] Call Trace:\n"
	"[  5.0]  dump_stack_lvl+0x44/0x5c\n"
	"[  5.0]  panic+0x118/0x2f4\n"
	"[  5.0]  check_panic_on_warn.cold+0x10/0x10\n"
	"[  5.0]  __warn+0x90/0xc0\n";

TEST(signature_warning_made_panic)
{
	struct server_signature s = sig_of(warn_panic);

	/* CPU and PID out, the source line kept */
	CHECK_STR("WARNING: at drivers/net/bar.c:451 bar_reset", s.title);
	CHECK_STR("bar_reset bar_open __dev_open", frames(&s));
}

TEST(signature_sysrq_after_warning)
{
	static char log[sizeof warn_panic + 512];
	struct server_signature s;

	/* a WARNING the machine lived on from, then an unrelated panic */
	strcpy(log, warn_panic);
	strcpy(strstr(log, "[  5.0] Kernel panic"),
	       "[  9.0] Kernel panic - not syncing: sysrq triggered crash\n"
	       "[  9.0] Call Trace:\n"
	       "[  9.0]  panic+0x344/0x3a0\n"
	       "[  9.0]  sysrq_handle_crash+0x1a/0x20\n");
	s = sig_of(log);
	CHECK_STR("Kernel panic - not syncing: sysrq triggered crash", s.title);
	CHECK_STR("sysrq_handle_crash", frames(&s));
}

TEST(signature_titles_normalized)
{
	struct server_signature a, b;

	a = sig_of("[ 1.0] watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [kworker/3:1:123]\n");
	b = sig_of("[ 9.9] watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [swapper/0:0]\n");
	CHECK_STR("BUG: soft lockup - stuck for s!", a.title);
	CHECK_STR(a.hash, b.hash);
	a = sig_of("[ 1.0] kernel BUG at fs/ext4/inode.c:1234!\n[ 1.0] invalid opcode: 0000 [#1] SMP\n");
	CHECK_STR("kernel BUG at fs/ext4/inode.c:1234!", a.title);
	b = sig_of("[ 1.0] kernel BUG at fs/ext4/inode.c:1240!\n");
	CHECK_INT(1, strcmp(a.hash, b.hash) != 0);
	a = sig_of("[ 1.0] INFO: task jbd2/sda1-8:412 blocked for more than 120 seconds.\n");
	CHECK_STR("INFO: task blocked for more than seconds.", a.title);
	a = sig_of("[ 1.0] BUG: scheduling while atomic: swapper/0/0/0x00000002\n");
	CHECK_STR("BUG: scheduling while atomic:", a.title);
}

TEST(signature_none)
{
	struct server_signature s;

	CHECK_INT(0, server_signature("[ 0.0] Linux version 6.1\n[ 42.0] sysrq: Trigger a crash\n", 57, &s));
	CHECK_STR("none", s.hash);
	CHECK_INT(0, s.nframes);
}

TEST(signature_file_long_line)
{
	static char text[8192];
	const char *dir = check_tmpdir();
	struct server_signature s, t;
	char path[512];

	/* a line longer than the reader's buffer, then a panic with no
	 * newline at the end */
	memset(text, 'x', 5000);
	strcpy(text + 5000, "\n[ 1.0] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n"
	                    "[ 1.0] Call Trace:\n[ 1.0]  mount_root+0x1/0x2");
	check_write(dir, "dmesg.txt", text);
	snprintf(path, sizeof path, "%s/dmesg.txt", dir);
	CHECK_INT(0, server_signature_file(AT_FDCWD, path, &s));
	CHECK_INT(0, server_signature(text, strlen(text), &t));
	CHECK_STR("Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(,)", s.title);
	CHECK_STR("mount_root", frames(&s));
	CHECK_STR(t.hash, s.hash);
}

/* A client's log is untrusted: a word of dots ("z.z.z...", 1000 bytes a
 * line, 8 MiB) was read again from each dot in each report line's title
 * (2 s here, 64 MiB of DMESG about 16 s, in the receiver). Linear now:
 * well under a second of CPU. */
TEST(signature_dotted_words_linear)
{
	static char log[8192 * 1000];
	struct server_signature s;
	struct timespec a, b;

	for (size_t i = 0; i < sizeof log; i += 1000) {
		memcpy(log + i, "WARNING: ", 9);
		for (size_t k = 9; k < 999; k += 2)
			memcpy(log + i + k, "z.", 2);
		log[i + 999] = '\n';
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	CHECK_INT(0, server_signature(log, sizeof log, &s));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	CHECK_INT(1, (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < 1000);
	CHECK_INT(0, strncmp(s.title, "WARNING: z.z.z.", 15));
}
