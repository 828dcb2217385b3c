/* libFuzzer target: dump_dmesg over a printk ring made of the input, which
 * a crashed kernel may have left in any state. The input is physical
 * memory from 0x2000 up (the prb pointer, the ring's structures, its
 * descriptors, infos and text; layout as tests/cmd/printk_vmcore.py
 * writes it), below 0x2000 fixed page tables mapping it at the
 * direct-map base; VMCOREINFO is Linux 6.1's. */
#include <stdint.h>
#include <string.h>
#include "../../dump/dmesg.h"
#include "../../dump/mem.h"
#include "../../lib/err.h"
#include "../../lib/le.h"

#define MEM_SIZE (64u << 10)
#define FIXED 0x2000u

static unsigned char mem[MEM_SIZE];
static size_t mem_len;

static const char info[] =
	"SYMBOL(init_top_pgt)=ffffffff80000000\nNUMBER(phys_base)=0\n"
	"SYMBOL(prb)=ffff888000002000\nSIZE(printk_ringbuffer)=88\n"
	"OFFSET(printk_ringbuffer.desc_ring)=0\nOFFSET(printk_ringbuffer.text_data_ring)=48\n"
	"OFFSET(prb_desc_ring.count_bits)=0\nOFFSET(prb_desc_ring.descs)=8\n"
	"OFFSET(prb_desc_ring.infos)=16\nOFFSET(prb_desc_ring.head_id)=24\n"
	"OFFSET(prb_desc_ring.tail_id)=32\nSIZE(prb_desc)=24\nOFFSET(prb_desc.state_var)=0\n"
	"OFFSET(prb_desc.text_blk_lpos)=8\nOFFSET(prb_data_blk_lpos.begin)=0\n"
	"OFFSET(prb_data_blk_lpos.next)=8\nSIZE(printk_info)=88\nOFFSET(printk_info.ts_nsec)=8\n"
	"OFFSET(printk_info.text_len)=16\nOFFSET(printk_info.caller_id)=20\n"
	"OFFSET(prb_data_ring.size_bits)=0\nOFFSET(prb_data_ring.data)=8\n"
	"OFFSET(atomic_long_t.counter)=0\n";

static int read_phys(void *ctx, uint64_t paddr, void *buf, size_t len)
{
	(void)ctx;
	if (paddr >= mem_len || len > mem_len - paddr)
		return -SALVAGE_E_NOT_IN_DUMP;
	memcpy(buf, mem + paddr, len);
	return 0;
}

static int emit(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	return len && line[len - 1] == 0x7f ? 1 : 0; /* stop now and then */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dump_vmcoreinfo vi = { info, sizeof info - 1 };
	struct dump_mem m = { .read_phys = read_phys, .info = &vi };

	if (size > MEM_SIZE - FIXED)
		size = MEM_SIZE - FIXED;
	memset(mem, 0, FIXED);
	le64_put(mem + 273 * 8, 0x1000 | 1);  /* PGD -> PUD */
	le64_put(mem + 0x1000, 0x80 | 1);     /* 1 GiB page at 0 */
	memcpy(mem + FIXED, data, size);
	mem_len = FIXED + size;
	if (!dump_mem_setup(&m)) {
		dump_dmesg(&m, emit, NULL);
		dump_dmesg_flags(&m, DUMP_DMESG_CALLER, emit, NULL);
	}
	return 0;
}
