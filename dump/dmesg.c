#include <stddef.h>
#include <string.h>
#include "../lib/err.h"
#include "../lib/le.h"
#include "dmesg.h"

/* docs/formats.md#printk-ring */
#define ID_MASK 0x3fffffffffffffffull  /* state_var bits 0-61 */
#define STATE_SHIFT 62
enum { DESC_COMMITTED = 1, DESC_FINALIZED = 2 };
#define BITS_MAX 31            /* the kernel's LOG_BUF_LEN_MAX is 2^31 */
#define BLK_ID_SIZE 8          /* a data block starts with its record's id */
#define STRUCT_MAX 256         /* largest structure read whole */
#define TEXT_CHUNK 256
#define CALLER_CPU 0x80000000u
/* Unreadable records in a row after which the ring is taken to be out of
 * the dump: a missing page of descriptors is 170 of them. */
#define FAILS_MAX 4096

/* Where things are, from VMCOREINFO. */
struct layout {
	int64_t prb, prb_size, desc_ring, text_ring, counter;
	int64_t count_bits, descs, infos, head_id, tail_id;
	int64_t size_bits, data;
	int64_t desc_size, state_var, text_lpos, lpos_begin, lpos_next;
	int64_t info_size, ts_nsec, text_len, caller_id;
};

#define AT(f) offsetof(struct layout, f)
static const struct { const char *key; size_t at; } keys[] = {
	{ "SYMBOL(prb)", AT(prb) },
	{ "SIZE(printk_ringbuffer)", AT(prb_size) },
	{ "OFFSET(printk_ringbuffer.desc_ring)", AT(desc_ring) },
	{ "OFFSET(printk_ringbuffer.text_data_ring)", AT(text_ring) },
	{ "OFFSET(atomic_long_t.counter)", AT(counter) },
	{ "OFFSET(prb_desc_ring.count_bits)", AT(count_bits) },
	{ "OFFSET(prb_desc_ring.descs)", AT(descs) },
	{ "OFFSET(prb_desc_ring.infos)", AT(infos) },
	{ "OFFSET(prb_desc_ring.head_id)", AT(head_id) },
	{ "OFFSET(prb_desc_ring.tail_id)", AT(tail_id) },
	{ "OFFSET(prb_data_ring.size_bits)", AT(size_bits) },
	{ "OFFSET(prb_data_ring.data)", AT(data) },
	{ "SIZE(prb_desc)", AT(desc_size) },
	{ "OFFSET(prb_desc.state_var)", AT(state_var) },
	{ "OFFSET(prb_desc.text_blk_lpos)", AT(text_lpos) },
	{ "OFFSET(prb_data_blk_lpos.begin)", AT(lpos_begin) },
	{ "OFFSET(prb_data_blk_lpos.next)", AT(lpos_next) },
	{ "SIZE(printk_info)", AT(info_size) },
	{ "OFFSET(printk_info.ts_nsec)", AT(ts_nsec) },
	{ "OFFSET(printk_info.text_len)", AT(text_len) },
};
#undef AT

/* The ring as the crashed kernel left it. */
struct ring {
	uint64_t descs, infos, data;
	uint64_t count, size;  /* descriptor slots; text data bytes */
	uint64_t tail, head;   /* oldest and newest record ids */
};

/* Formatted output, handed to emit one record at a time. */
struct out {
	int (*emit)(void *ctx, const char *line, size_t len);
	void *ctx;
	int err;               /* emit's, sticky: stops the walk */
	int split;             /* part of this record already emitted */
	size_t len, indent;
	char buf[DUMP_DMESG_LINE_MAX];
};

/* a + b + width bytes fit in a structure of size bytes (all of them
 * already known to lie in [0, STRUCT_MAX]) */
static int fits(int64_t a, int64_t b, int64_t width, int64_t size)
{
	return a + b + width <= size;
}

static int load_layout(const struct dump_vmcoreinfo *vi, struct layout *l, int caller)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		int64_t *v = (int64_t *)((char *)l + keys[i].at);
		int r = dump_vmcoreinfo_num(vi, keys[i].key, v);

		if (r)
			return r;
		/* offsets and sizes (all but the symbol) bounded, so sums of
		 * them cannot overflow */
		if (v != &l->prb && (*v < 0 || *v > STRUCT_MAX))
			return -SALVAGE_E_VMCOREINFO_BAD;
	}
	l->caller_id = caller ? dump_vmcoreinfo_num_or(vi, "OFFSET(printk_info.caller_id)", -1) : -1;
	if (l->caller_id > STRUCT_MAX)
		return -SALVAGE_E_VMCOREINFO_BAD;
	if (!fits(l->desc_ring, l->count_bits, 4, l->prb_size) ||
	    !fits(l->desc_ring, l->descs, 8, l->prb_size) ||
	    !fits(l->desc_ring, l->infos, 8, l->prb_size) ||
	    !fits(l->desc_ring + l->head_id, l->counter, 8, l->prb_size) ||
	    !fits(l->desc_ring + l->tail_id, l->counter, 8, l->prb_size) ||
	    !fits(l->text_ring, l->size_bits, 4, l->prb_size) ||
	    !fits(l->text_ring, l->data, 8, l->prb_size) ||
	    !fits(l->state_var, l->counter, 8, l->desc_size) ||
	    !fits(l->text_lpos, l->lpos_begin, 8, l->desc_size) ||
	    !fits(l->text_lpos, l->lpos_next, 8, l->desc_size) ||
	    !fits(l->ts_nsec, 0, 8, l->info_size) ||
	    !fits(l->text_len, 0, 2, l->info_size))
		return -SALVAGE_E_VMCOREINFO_BAD;
	if (l->caller_id >= 0 && !fits(l->caller_id, 0, 4, l->info_size))
		return -SALVAGE_E_VMCOREINFO_BAD;
	return 0;
}

/* Reads struct printk_ringbuffer through the prb pointer (its address
 * to *at, if not NULL). */
static int load_ring(struct dump_mem *m, const struct layout *l, struct ring *rg, uint64_t *at)
{
	unsigned char p[STRUCT_MAX], *d = p + l->desc_ring, *t = p + l->text_ring;
	uint64_t addr;
	uint32_t count_bits, size_bits;
	int r;

	if ((r = dump_mem_read_virt(m, (uint64_t)l->prb, p, 8)))
		return r;
	addr = le64_get(p);
	if (at)
		*at = addr;
	if ((r = dump_mem_read_virt(m, addr, p, (size_t)l->prb_size)))
		return r;
	count_bits = le32_get(d + l->count_bits);
	size_bits = le32_get(t + l->size_bits);
	/* the kernel has 2^5 bytes of text per descriptor */
	if (size_bits > BITS_MAX || size_bits < 4 || count_bits > size_bits)
		return -SALVAGE_E_DMESG_BAD_RING;
	rg->count = 1ull << count_bits;
	rg->size = 1ull << size_bits;
	rg->descs = le64_get(d + l->descs);
	rg->infos = le64_get(d + l->infos);
	rg->data = le64_get(t + l->data);
	rg->head = le64_get(d + l->head_id + l->counter) & ID_MASK;
	rg->tail = le64_get(d + l->tail_id + l->counter) & ID_MASK;
	/* the kernel pushes the tail before the head catches up with it */
	if (((rg->head - rg->tail) & ID_MASK) >= rg->count)
		return -SALVAGE_E_DMESG_BAD_RING;
	return 0;
}

static void flush(struct out *o)
{
	if (o->len && !o->err)
		o->err = o->emit(o->ctx, o->buf, o->len);
	o->len = 0;
}

static void put(struct out *o, const char *s, size_t n)
{
	while (n && !o->err) {
		size_t room = sizeof o->buf - o->len, k = n < room ? n : room;

		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
		if (o->len == sizeof o->buf) {
			flush(o);
			o->split = 1;
		}
	}
}

/* v in decimal, right-aligned in width with pad; returns the length */
static size_t dec(char *p, uint64_t v, size_t width, char pad)
{
	char d[20];
	size_t n = 0, len = 0;

	do
		d[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (len + n < width)
		p[len++] = pad;
	while (n)
		p[len++] = d[--n];
	return len;
}

/* "[%5llu.%06llu] ", and with a caller "[%8s] " of T<id> or C<cpu> */
static void put_prefix(struct out *o, uint64_t ts_nsec, int64_t caller)
{
	char p[64], id[16];
	size_t len = 0, n;

	p[len++] = '[';
	len += dec(p + len, ts_nsec / 1000000000, 5, ' ');
	p[len++] = '.';
	len += dec(p + len, ts_nsec % 1000000000 / 1000, 6, '0');
	p[len++] = ']';
	p[len++] = ' ';
	if (caller >= 0) {
		id[0] = caller & CALLER_CPU ? 'C' : 'T';
		n = 1 + dec(id + 1, (uint64_t)caller & ~CALLER_CPU, 0, ' ');
		p[len++] = '[';
		for (size_t i = n; i < 8; i++)
			p[len++] = ' ';
		memcpy(p + len, id, n);
		len += n;
		p[len++] = ']';
		p[len++] = ' ';
	}
	o->indent = len;
	put(o, p, len);
}

/* Text as makedumpfile prints it: a newline continues with the prefix's
 * width of spaces; bytes that are neither printable nor white space in
 * the C locale become \x and the hex of the byte as a signed char, so
 * 0xe2 is \xffffffe2 (docs/formats.md#printk-ring). */
static void put_text(struct out *o, const unsigned char *t, size_t n)
{
	static const char spaces[64] = "                                                               ";
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = t[i];
		char e[12] = "\\xffffff";

		if (c == '\n') {
			put(o, "\n", 1);
			put(o, spaces, o->indent);
		} else if ((c >= 0x20 && c < 0x7f) || (c >= '\t' && c <= '\r')) {
			put(o, (const char *)&c, 1);
		} else {
			size_t at = c & 0x80 ? 8 : 2;
			e[at] = hex[c >> 4];
			e[at + 1] = hex[c & 15];
			put(o, e, at + 2);
		}
	}
}

/* Emits the text at offset off of the data ring, len bytes, read in
 * chunks. A read error drops the line, or ends it if part of it is out. */
static int put_ring_text(struct dump_mem *m, const struct ring *rg, uint64_t off,
                         size_t len, struct out *o)
{
	unsigned char chunk[TEXT_CHUNK];

	for (size_t done = 0; done < len && !o->err; ) {
		size_t n = len - done < sizeof chunk ? len - done : sizeof chunk;
		int r = dump_mem_read_virt(m, rg->data + off + done, chunk, n);

		if (r) {
			if (o->split) {
				put(o, "\n", 1);
				flush(o);
			}
			o->len = 0;
			return r;
		}
		put_text(o, chunk, n);
		done += n;
	}
	put(o, "\n", 1);
	flush(o);
	return 0;
}

/* The record with this id, if it is committed or finalized and has text. */
static int put_record(struct dump_mem *m, const struct layout *l, const struct ring *rg,
                      uint64_t id, struct out *o)
{
	unsigned char desc[STRUCT_MAX], info[STRUCT_MAX], blk[BLK_ID_SIZE];
	uint64_t slot = id & (rg->count - 1), sv, state, begin, next;
	size_t len;
	int r;

	if ((r = dump_mem_read_virt(m, rg->descs + slot * (uint64_t)l->desc_size, desc, (size_t)l->desc_size)))
		return r;
	sv = le64_get(desc + l->state_var + l->counter);
	state = sv >> STATE_SHIFT;
	if ((sv & ID_MASK) != id || (state != DESC_COMMITTED && state != DESC_FINALIZED))
		return 0;
	begin = le64_get(desc + l->text_lpos + l->lpos_begin) & (rg->size - 1);
	next = le64_get(desc + l->text_lpos + l->lpos_next) & (rg->size - 1);
	if (begin == next)
		return 0; /* no text */
	/* the id at begin is how the kernel itself tells whose block it is */
	if (begin > rg->size - BLK_ID_SIZE)
		return -SALVAGE_E_DMESG_BAD_RECORD;
	if ((r = dump_mem_read_virt(m, rg->data + begin, blk, sizeof blk)))
		return r;
	if (le64_get(blk) != id)
		return -SALVAGE_E_DMESG_BAD_RECORD;
	if (begin > next)
		begin = 0; /* a wrapped block holds its data from the start */
	if (next - begin < BLK_ID_SIZE)
		return -SALVAGE_E_DMESG_BAD_RECORD;
	begin += BLK_ID_SIZE;
	if ((r = dump_mem_read_virt(m, rg->infos + slot * (uint64_t)l->info_size, info, (size_t)l->info_size)))
		return r;
	len = le16_get(info + l->text_len);
	if (len > next - begin)
		len = (size_t)(next - begin); /* truncated record */
	o->split = 0;
	put_prefix(o, le64_get(info + l->ts_nsec),
	           l->caller_id >= 0 ? (int64_t)le32_get(info + l->caller_id) : -1);
	return put_ring_text(m, rg, begin, len, o);
}

int dump_dmesg_flags(struct dump_mem *m, unsigned flags,
                     int (*emit)(void *ctx, const char *line, size_t len), void *ctx)
{
	struct layout l;
	struct ring rg;
	struct out o = { .emit = emit, .ctx = ctx };
	uint64_t n, fails = 0;
	int r, first = 0;

	if ((r = load_layout(m->info, &l, flags & DUMP_DMESG_CALLER)) ||
	    (r = load_ring(m, &l, &rg, NULL)))
		return r;
	n = ((rg.head - rg.tail) & ID_MASK) + 1;
	for (uint64_t i = 0; i < n && !o.err; i++) {
		r = put_record(m, &l, &rg, (rg.tail + i) & ID_MASK, &o);
		if (r && !first)
			first = r; /* go on: the rest of the log is worth more */
		if (r && r != -SALVAGE_E_DMESG_BAD_RECORD) {
			if (++fails == FAILS_MAX)
				break;
		} else {
			fails = 0;
		}
	}
	return o.err ? o.err : first;
}

int dump_dmesg(struct dump_mem *m, int (*emit)(void *ctx, const char *line, size_t len), void *ctx)
{
	return dump_dmesg_flags(m, 0, emit, ctx);
}

int dump_dmesg_ring(struct dump_mem *m, struct dump_dmesg_ring *out)
{
	struct layout l;
	struct ring rg;
	int r;

	if ((r = load_layout(m->info, &l, 0)) || (r = load_ring(m, &l, &rg, &out->ring)))
		return r;
	out->ring_len = (uint64_t)l.prb_size;
	out->descs = rg.descs;
	out->descs_len = rg.count * (uint64_t)l.desc_size;
	out->infos = rg.infos;
	out->infos_len = rg.count * (uint64_t)l.info_size;
	out->data = rg.data;
	out->data_len = rg.size;
	return 0;
}
