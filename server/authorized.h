/* The receiver's authorized file (docs/protocol.md#authorized): one client
 * per line, `FINGERPRINT HOSTNAME`, as `salvage keygen` prints it; blank
 * lines and lines starting with # are ignored. HOSTNAME is what the
 * receiver names the client's directory: 1-64 of [A-Za-z0-9._-], not
 * starting with a dot and not index.html, so no path ever comes from a
 * client and no host takes a name of the receiver's own. */
#ifndef SALVAGE_NET_AUTHORIZED_H
#define SALVAGE_NET_AUTHORIZED_H
#include <stddef.h>
#include "../net/key.h"

#define NET_HOST_MAX 64
#define NET_AUTHORIZED_MAX 4096

struct net_authorized {
	size_t n;
	unsigned char fp[NET_AUTHORIZED_MAX][NET_FP_LEN];
	char host[NET_AUTHORIZED_MAX][NET_HOST_MAX + 1];
};

/* Parses text (len bytes). 0, or -SALVAGE_E_CONF_SYNTAX with *line set to
 * the bad line's number (a bad fingerprint or host name, a duplicate
 * fingerprint, too many lines). */
int net_authorized_parse(struct net_authorized *a, const char *text, size_t len, unsigned *line);
/* 1 if s is a host name the receiver may use as a directory name. */
int net_host_ok(const char *s, size_t len);

#endif
