/* dump_dmesg over a small printk ring built in fake physical memory the
 * way the kernel fills it (docs/formats.md#printk-ring), mapped by one
 * 1 GiB page at the direct-map base, with the layout of Linux 6.1's
 * VMCOREINFO. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "../../dump/dmesg.h"
#include "../../dump/mem.h"
#include "../../lib/err.h"
#include "../../lib/le.h"
#include "check.h"

#define V 0xffff888000000000ull   /* virtual address of physical 0 */
#define MEM_SIZE (64u << 10)
enum { PGD = 0, PUD = 0x1000, PRB_PTR = 0x2000, PRB = 0x2100,
       DESCS = 0x3000, INFOS = 0x4000, DATA = 0x5000 };
enum { DESC_SIZE = 24, INFO_SIZE = 88 };
enum { RESERVED = 0, COMMITTED = 1, FINALIZED = 2, REUSABLE = 3 };
#define ID(x) ((x) & 0x3fffffffffffffffull)

static unsigned char mem[MEM_SIZE];
static unsigned long reads;

static int fake_read(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	(void)ctx;
	reads++;
	if (paddr >= MEM_SIZE || len > MEM_SIZE - paddr)
		return -SALVAGE_E_NOT_IN_DUMP;
	memcpy(buf, mem + paddr, len);
	return 0;
}

/* Linux 6.1's entries; SYMBOL(prb) points at PRB_PTR. */
static const char *const info_lines[] = {
	"OSRELEASE=6.1.0-test",
	"SYMBOL(init_top_pgt)=ffffffff80000000",
	"NUMBER(phys_base)=0",
	"SYMBOL(prb)=ffff888000002000",
	"SIZE(printk_ringbuffer)=88",
	"OFFSET(printk_ringbuffer.desc_ring)=0",
	"OFFSET(printk_ringbuffer.text_data_ring)=48",
	"OFFSET(prb_desc_ring.count_bits)=0",
	"OFFSET(prb_desc_ring.descs)=8",
	"OFFSET(prb_desc_ring.infos)=16",
	"OFFSET(prb_desc_ring.head_id)=24",
	"OFFSET(prb_desc_ring.tail_id)=32",
	"SIZE(prb_desc)=24",
	"OFFSET(prb_desc.state_var)=0",
	"OFFSET(prb_desc.text_blk_lpos)=8",
	"OFFSET(prb_data_blk_lpos.begin)=0",
	"OFFSET(prb_data_blk_lpos.next)=8",
	"SIZE(printk_info)=88",
	"OFFSET(printk_info.seq)=0",
	"OFFSET(printk_info.ts_nsec)=8",
	"OFFSET(printk_info.text_len)=16",
	"OFFSET(printk_info.caller_id)=20",
	"OFFSET(prb_data_ring.size_bits)=0",
	"OFFSET(prb_data_ring.data)=8",
	"OFFSET(prb_data_ring.head_lpos)=16",
	"OFFSET(prb_data_ring.tail_lpos)=24",
	"OFFSET(atomic_long_t.counter)=0",
};
static char info_text[4096];
static struct dump_vmcoreinfo vi;

/* VMCOREINFO without the line starting with drop, plus extra. */
static void make_info(const char *drop, const char *extra)
{
	size_t len = 0;

	for (size_t i = 0; i < sizeof info_lines / sizeof info_lines[0]; i++)
		if (!drop || strncmp(info_lines[i], drop, strlen(drop)))
			len += (size_t)snprintf(info_text + len, sizeof info_text - len, "%s\n", info_lines[i]);
	if (extra)
		len += (size_t)snprintf(info_text + len, sizeof info_text - len, "%s\n", extra);
	vi = (struct dump_vmcoreinfo){ info_text, len };
}

/* The ring being built, as the kernel's writer would leave it. */
static struct {
	unsigned size_bits, count_bits;
	uint64_t head_lpos, next_id;
} rb;

static void set_ids(uint64_t tail, uint64_t head)
{
	le64_put(mem + PRB + 24, head);
	le64_put(mem + PRB + 32, tail);
}

static void ring_init(unsigned count_bits, unsigned size_bits, uint64_t first_id)
{
	memset(mem, 0, sizeof mem);
	le64_put(mem + PGD + 273 * 8, PUD | 1);     /* V's PGD index */
	le64_put(mem + PUD, 0 | 0x80 | 1);          /* 1 GiB page at 0 */
	le64_put(mem + PRB_PTR, V + PRB);
	le32_put(mem + PRB, count_bits);
	le64_put(mem + PRB + 8, V + DESCS);
	le64_put(mem + PRB + 16, V + INFOS);
	le32_put(mem + PRB + 48, size_bits);
	le64_put(mem + PRB + 56, V + DATA);
	rb.size_bits = size_bits;
	rb.count_bits = count_bits;
	rb.head_lpos = -(1ull << size_bits);        /* the kernel's first lpos */
	rb.next_id = first_id;
	make_info(NULL, NULL);
}

static void set_desc(uint64_t id, int state, uint64_t begin, uint64_t next)
{
	unsigned char *d = mem + DESCS + (id & ((1u << rb.count_bits) - 1)) * DESC_SIZE;

	le64_put(d, (uint64_t)state << 62 | ID(id));
	le64_put(d + 8, begin);
	le64_put(d + 16, next);
}

static void set_info(uint64_t id, uint64_t ts, unsigned text_len, uint32_t caller)
{
	unsigned char *in = mem + INFOS + (id & ((1u << rb.count_bits) - 1)) * INFO_SIZE;

	le64_put(in + 8, ts);
	in[16] = (unsigned char)text_len;
	in[17] = (unsigned char)(text_len >> 8);
	le32_put(in + 20, caller);
}

/* Appends a record as data_alloc() does: an 8-byte id then the text,
 * padded to 8; a block that would cross the ring's end goes to offset 0
 * (its id also stays at begin). Returns the id; *wrapped says where it went. */
static uint64_t add(int state, uint64_t ts, const char *text, size_t len, int *wrapped)
{
	uint64_t id = ID(rb.next_id++), mask = (1ull << rb.size_bits) - 1;
	uint64_t size = (8 + len + 7) & ~7ull, begin = rb.head_lpos, next = begin + size;
	uint64_t at = begin & mask;

	le64_put(mem + DATA + at, id);
	*wrapped = (begin >> rb.size_bits) != (next >> rb.size_bits);
	if (*wrapped) {
		next = (next >> rb.size_bits << rb.size_bits) + size;
		at = 0;
		le64_put(mem + DATA, id);
	}
	memcpy(mem + DATA + at + 8, text, len);
	rb.head_lpos = next;
	set_desc(id, state, begin, next);
	set_info(id, ts, (unsigned)len, 0);
	return id;
}

static uint64_t adds(int state, uint64_t ts, const char *text, int *wrapped)
{
	return add(state, ts, text, strlen(text), wrapped);
}

/* Collects the output; can be told to fail on call number fail_at. */
static struct {
	char text[32768];
	size_t len;
	int calls, fail_at;
} got;

static int collect(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	if (++got.calls == got.fail_at)
		return -EPIPE;
	if (len < sizeof got.text - got.len) {
		memcpy(got.text + got.len, line, len);
		got.len += len;
	}
	got.text[got.len] = 0;
	return 0;
}

static int run(unsigned flags)
{
	struct dump_mem m = { .read_phys = fake_read, .info = &vi };
	int r = dump_mem_setup(&m);

	memset(&got, 0, sizeof got);
	if (r)
		return r;
	return dump_dmesg_flags(&m, flags, collect, NULL);
}

TEST(dmesg_wraps_skips_and_formats)
{
	static const char esc[] = "tab\tx \x01 \xe2\x82\xac \x7f\r";
	uint64_t ids[12], head;
	int wrapped[12];
	unsigned n = 0;

	/* ids cross the 2^62 wrap: 2^62 - 6 ... 5 */
	ring_init(4, 8, (1ull << 62) - 6);
	ids[n] = adds(FINALIZED, 1, "first", &wrapped[n]), n++;
	ids[n] = adds(FINALIZED, 2, "second record", &wrapped[n]), n++;
	ids[n] = adds(FINALIZED, 3, "third record, forty characters long ....", &wrapped[n]), n++;
	ids[n] = adds(FINALIZED, 4, "fourth record, sixty characters long ......................", &wrapped[n]), n++;
	ids[n] = adds(FINALIZED, 1000, "fifth record, seventy characters long ............................", &wrapped[n]), n++;
	ids[n] = adds(COMMITTED, 5000000000ull, "sixth wraps the ring", &wrapped[n]), n++;
	ids[n] = adds(FINALIZED, 999999999, "a\nb", &wrapped[n]), n++;
	ids[n] = adds(FINALIZED, 12345678901ull, esc, &wrapped[n]), n++;
	/* a record without text (FAILED_LPOS) */
	ids[n] = ID(rb.next_id++);
	set_desc(ids[n], FINALIZED, 1, 1), set_info(ids[n], 7, 0, 0), n++;
	/* text_len beyond its block: cut to the block */
	ids[n] = adds(FINALIZED, 20000000000ull, "0123456789abcdef", &wrapped[n]), n++;
	set_info(ids[n - 1], 20000000000ull, 100, 0);
	ids[n] = adds(FINALIZED, 123456789123456789ull, "late", &wrapped[n]), n++;
	ids[n] = adds(RESERVED, 9, "unfinished", &wrapped[n]), n++;
	CHECK_INT(1, wrapped[5]);
	CHECK_INT(5, ids[11]);
	/* blocks overwritten since are reusable, as data_push_tail leaves them */
	head = rb.head_lpos;
	for (unsigned i = 0; i < n; i++) {
		unsigned char *d = mem + DESCS + (ids[i] & 15) * DESC_SIZE;
		uint64_t begin = le64_get(d + 8);
		if (begin != 1 && head - begin > 256)
			set_desc(ids[i], REUSABLE, begin, le64_get(d + 16));
	}
	set_ids(ids[0], ids[11]);

	CHECK_INT(0, run(0));
	CHECK_STR("[    0.000001] fifth record, seventy characters long ............................\n"
	          "[    5.000000] sixth wraps the ring\n"
	          "[    0.999999] a\n"
	          "               b\n"
	          "[   12.345678] tab\tx \\x01 \\xffffffe2\\xffffff82\\xffffffac \\x7f\r\n"
	          "[   20.000000] 0123456789abcdef\n"
	          "[123456789.123456] late\n", got.text);
	CHECK_INT(6, got.calls);
}

TEST(dmesg_caller)
{
	int w;
	uint64_t a, b;

	ring_init(4, 8, 0);
	a = adds(FINALIZED, 1500000, "from a task", &w);
	set_info(a, 1500000, 11, 123);
	b = adds(FINALIZED, 2500000, "x\ny", &w);
	set_info(b, 2500000, 3, 0x80000001u);
	set_ids(a, b);
	CHECK_INT(0, run(DUMP_DMESG_CALLER));
	CHECK_STR("[    0.001500] [    T123] from a task\n"
	          "[    0.002500] [      C1] x\n"
	          "                          y\n", got.text);
	/* no caller offset in VMCOREINFO: left out, as makedumpfile does */
	make_info("OFFSET(printk_info.caller_id)", NULL);
	CHECK_INT(0, run(DUMP_DMESG_CALLER));
	CHECK_STR("[    0.001500] from a task\n"
	          "[    0.002500] x\n"
	          "               y\n", got.text);
}

TEST(dmesg_corrupt_records_skipped)
{
	int w;
	uint64_t a, b, c, d, e;

	ring_init(4, 8, 100);
	a = adds(FINALIZED, 1000000, "good one", &w);
	b = adds(FINALIZED, 2000000, "block too short", &w);
	set_desc(b, FINALIZED, rb.head_lpos - 24, rb.head_lpos - 20);
	c = adds(FINALIZED, 3000000, "begin unaligned", &w);
	set_desc(c, FINALIZED, 255, 300);
	d = adds(FINALIZED, 4000000, "foreign block", &w);
	le64_put(mem + DATA + ((rb.head_lpos - 24) & 255), 7);
	e = adds(FINALIZED, 5000000, "good two", &w);
	(void)d;
	set_ids(a, e);
	CHECK_INT(-SALVAGE_E_DMESG_BAD_RECORD, run(0));
	CHECK_STR("[    0.001000] good one\n[    0.005000] good two\n", got.text);
}

TEST(dmesg_bad_ring)
{
	int w;
	uint64_t a;

	ring_init(4, 8, 0);
	a = adds(FINALIZED, 1, "x", &w);
	set_ids(a, a + 16);                 /* more ids than slots */
	CHECK_INT(-SALVAGE_E_DMESG_BAD_RING, run(0));
	set_ids(a, a);
	CHECK_INT(0, run(0));
	le32_put(mem + PRB + 48, 0);        /* size_bits */
	CHECK_INT(-SALVAGE_E_DMESG_BAD_RING, run(0));
	le32_put(mem + PRB + 48, 8);
	le32_put(mem + PRB, 40);            /* count_bits */
	CHECK_INT(-SALVAGE_E_DMESG_BAD_RING, run(0));
	le32_put(mem + PRB, 4);
	le64_put(mem + PRB_PTR, V + MEM_SIZE); /* prb points outside the dump */
	CHECK_INT(-SALVAGE_E_NOT_IN_DUMP, run(0));
	CHECK_INT(0, got.calls);
}

TEST(dmesg_vmcoreinfo)
{
	int w;
	uint64_t a;

	ring_init(4, 8, 0);
	a = adds(FINALIZED, 1, "x", &w);
	set_ids(a, a);
	make_info("SYMBOL(prb)", NULL);
	CHECK_INT(-SALVAGE_E_VMCOREINFO_MISSING, run(0));
	make_info("OFFSET(prb_desc.text_blk_lpos)", NULL);
	CHECK_INT(-SALVAGE_E_VMCOREINFO_MISSING, run(0));
	make_info("OFFSET(atomic_long_t.counter)", NULL);
	CHECK_INT(-SALVAGE_E_VMCOREINFO_MISSING, run(0));
	make_info("OFFSET(prb_desc.text_blk_lpos)", "OFFSET(prb_desc.text_blk_lpos)=16");
	CHECK_INT(-SALVAGE_E_VMCOREINFO_BAD, run(0));
	make_info("SIZE(printk_info)", "SIZE(printk_info)=-8");
	CHECK_INT(-SALVAGE_E_VMCOREINFO_BAD, run(0));
	make_info("OFFSET(printk_ringbuffer.text_data_ring)",
	          "OFFSET(printk_ringbuffer.text_data_ring)=9223372036854775807");
	CHECK_INT(-SALVAGE_E_VMCOREINFO_BAD, run(0));
	make_info(NULL, NULL);
	CHECK_INT(0, run(0));
	CHECK_STR("[    0.000000] x\n", got.text);
}

TEST(dmesg_emit_error_stops)
{
	int w;
	uint64_t a = 0, b = 0;

	ring_init(4, 8, 0);
	for (int i = 0; i < 5; i++) {
		b = adds(FINALIZED, 1, "line", &w);
		if (!i)
			a = b;
	}
	set_ids(a, b);
	memset(&got, 0, sizeof got);
	{
		struct dump_mem m = { .read_phys = fake_read, .info = &vi };
		CHECK_INT(0, dump_mem_setup(&m));
		got.fail_at = 2;
		CHECK_INT(-EPIPE, dump_dmesg(&m, collect, NULL));
		CHECK_INT(2, got.calls);
	}
}

TEST(dmesg_text_not_in_dump)
{
	int w;
	uint64_t a, b;

	ring_init(4, 8, 0);
	a = adds(FINALIZED, 1, "one", &w);
	b = adds(FINALIZED, 2, "two", &w);
	set_ids(a, b);
	le64_put(mem + PRB + 56, V + (1u << 20)); /* data beyond the dump */
	CHECK_INT(-SALVAGE_E_NOT_IN_DUMP, run(0));
	CHECK_INT(0, got.calls);
}

TEST(dmesg_text_runs_out_of_dump)
{
	ring_init(4, 8, 0);
	le64_put(mem + PRB + 56, V + MEM_SIZE - 16);  /* id inside, text not */
	le64_put(mem + MEM_SIZE - 16, 0);
	set_desc(0, FINALIZED, 0, 32);
	set_info(0, 1, 16, 0);
	set_ids(0, 0);
	CHECK_INT(-SALVAGE_E_NOT_IN_DUMP, run(0));
	CHECK_INT(0, got.calls);
}

TEST(dmesg_gives_up_on_unreadable_ring)
{
	ring_init(13, 13, 0);
	le64_put(mem + PRB + 8, V + (1u << 20)); /* descriptors beyond the dump */
	set_ids(0, 8191);
	reads = 0;
	CHECK_INT(-SALVAGE_E_NOT_IN_DUMP, run(0));
	CHECK_INT(1, reads > 4096 && reads < 4096 + 16);
}

TEST(dmesg_long_record_in_pieces)
{
	static char text[1000], want[16 + 10000 + 2];
	int w;
	uint64_t a;
	size_t len = 0;

	ring_init(4, 12, 0);
	memset(text, 0xff, sizeof text);
	a = add(FINALIZED, 0, text, sizeof text, &w);
	set_ids(a, a);
	CHECK_INT(0, run(0));
	len += (size_t)snprintf(want, sizeof want, "[    0.000000] ");
	for (size_t i = 0; i < sizeof text; i++)
		len += (size_t)snprintf(want + len, sizeof want - len, "\\xffffffff");
	want[len++] = '\n';
	want[len] = 0;
	CHECK_INT(2, got.calls);
	CHECK_INT(len, got.len);
	CHECK_STR(want, got.text);
}

TEST(dmesg_ring_extents)
{
	struct dump_mem m = { .read_phys = fake_read, .info = &vi };
	struct dump_dmesg_ring rg;

	ring_init(4, 8, 0);
	CHECK_INT(0, dump_mem_setup(&m));
	CHECK_INT(0, dump_dmesg_ring(&m, &rg));
	CHECK_INT(V + PRB, rg.ring);
	CHECK_INT(88, rg.ring_len);
	CHECK_INT(V + DESCS, rg.descs);
	CHECK_INT(16 * DESC_SIZE, rg.descs_len);
	CHECK_INT(V + INFOS, rg.infos);
	CHECK_INT(16 * INFO_SIZE, rg.infos_len);
	CHECK_INT(V + DATA, rg.data);
	CHECK_INT(256, rg.data_len);
	le32_put(mem + PRB + 48, 40); /* 2^40 bytes of text: not a ring */
	CHECK_INT(-SALVAGE_E_DMESG_BAD_RING, dump_dmesg_ring(&m, &rg));
}
