/* libFuzzer target: the crash signature (server/signature.c), whose input
 * is a crashed kernel's log as a client sent it. */
#include <stdint.h>
#include <string.h>
#include "../../server/signature.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server_signature s;
	char frames[SERVER_SIG_FRAMES * SERVER_SIG_FRAME];

	server_signature((const char *)data, size, &s);
	server_signature_frames(&s, frames, sizeof frames);
	if (strlen(s.hash) > SERVER_SIG_HASH || strlen(s.title) >= SERVER_SIG_TITLE || s.nframes > SERVER_SIG_FRAMES)
		__builtin_trap();
	return 0;
}
