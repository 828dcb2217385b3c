/* The shim's NBD server: answers the kernel's nbd driver over one end of a
 * socketpair, from a shim_store. The protocol's facts (request and reply
 * layouts, magics, command numbers) are the kernel's uapi <linux/nbd.h>;
 * docs/shim.md#the-block-device says what the server relies on to stay out
 * of the way of memory reclaim (it serves swap). */
#ifndef SALVAGE_SHIM_NBD_H
#define SALVAGE_SHIM_NBD_H
#include <stddef.h>
#include "store.h"

/* The buffer a server needs at least, and the largest request it answers
 * from one pass (larger reads are verified first, then sent). */
#define SHIM_NBD_BUF (256u * 1024)

/* Serves requests on sock until NBD_CMD_DISC or end of file (returns 0).
 * buf (buflen bytes, a multiple of SHIM_BLOCK) is its only memory. A
 * request it cannot satisfy (out of range, unaligned, unknown command, a
 * block whose copies are both bad) gets an error reply (EIO) and serving
 * goes on. Returns -SALVAGE_E_SHIM_NBD_PROTOCOL after a bad magic (after an
 * error reply: the stream is out of step) or -errno when the socket
 * fails. */
int shim_nbd_serve(struct shim_store *s, int sock, unsigned char *buf, size_t buflen);

/* The server's buffer, SHIM_NBD_BUF bytes, every page resident and locked
 * (MAP_POPULATE alone does nothing in a process under mlockall's
 * MCL_ONFAULT, as the server is: its pages would be allocated by the
 * first large request, under the memory pressure it serves). NULL and
 * errno on failure. */
unsigned char *shim_nbd_server_buf(void);

/* Prepares the calling process to serve swap: mlockall, memory reclaim
 * without I/O for its own allocations (PR_SET_IO_FLUSHER), out of the OOM
 * killer's choice, a touched stack. 0 or the -errno of mlockall; the
 * others are best effort (older kernels). */
int shim_nbd_server_prepare(void);

/* Out of the OOM killer's choice (oom_score_adj -1000): the server, and
 * the process holding the device in NBD_DO_IT (killed, it takes the
 * device and every swapped block with it). Best effort. */
void shim_oom_exempt(void);

#endif
