/* libFuzzer target: the receiver's frame decoder, fed everything a client
 * can send after the handshake, as the receiver buffers it: frames parsed
 * one after another from the front. */
#include <stdint.h>
#include <string.h>
#include "../../net/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_frame f;
	size_t off = 0, need;
	long n;

	while (off < size && (n = net_frame_parse(data + off, size - off, &f, &need)) > 0) {
		if (f.type == NET_DATA && f.u.data.n)
			(void)f.u.data.bytes[f.u.data.n - 1];
		if (f.type == NET_HELLO && f.u.hello.meta_len)
			(void)f.u.hello.meta[f.u.hello.meta_len - 1];
		off += (size_t)n;
	}
	return 0;
}
