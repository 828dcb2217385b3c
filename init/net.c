/* The network target: interface up, keys, and the stream to the receiver
 * with resume (docs/protocol.md). */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../dump/capture.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "../lib/meminfo.h"
#include "../net/netconf.h"
#include "../net/send.h"
#include "../net/up.h"
#include "net.h"
#include "swap.h"

/* Static: fixed memory, no heap (the sender holds a 256 KiB frame and a
 * TLS engine with its 33 KB buffer). */
static struct net_send snd;
static struct net_key key;

/* The interface setting: the `net` key, else the kernel's ip=, else DHCP
 * on the first Ethernet interface with a carrier. */
static int net_setting(const struct salvage_conf *c, struct net_config *nc)
{
	static char cmdline[4096];
	char w[512];
	const char *p;
	int r;

	if (c->net[0]) {
		if ((r = net_config_parse(nc, c->net)))
			log_err("net ", c->net, ": ", err_text(r));
		return r;
	}
	if (io_readfile("/proc/cmdline", cmdline, sizeof cmdline) > 0)
		for (p = cmdline; (p = conf_cmdline_word(p, w, sizeof w));)
			if (!strncmp(w, "ip=", 3)) {
				if ((r = net_config_parse(nc, w)))
					log_err("kernel command line ", w, ": ", err_text(r));
				return r;
			}
	return net_config_parse(nc, "dhcp");
}

/* So a receiver given by name resolves (musl reads /etc/resolv.conf). */
static void write_resolv_conf(const struct net_lease *l)
{
	char text[256] = "";
	int r;

	for (int i = 0; i < l->ndns; i++) {
		strcat(text, "nameserver ");
		strcat(text, NET_IP4(l->dns[i]));
		strcat(text, "\n");
	}
	/* a new file: an earlier attempt's may have gone to swap and come
	 * back unreadable (EIO) when the swap was turned off */
	unlink("/etc/resolv.conf");
	if (l->ndns && (r = io_writefile("/etc/resolv.conf", text, strlen(text))))
		log_warn("/etc/resolv.conf: ", err_name(r), "; use an address in target");
}

/* net_producer: the live capture, from its first byte each time. */
static int produce_capture(void *ctx, int (*write)(void *, const void *, size_t), void *wctx)
{
	return dump_capture_run(ctx, write, wctx);
}

/* What a window may leave of MemAvailable when there is no swap to take
 * the rest: the capture's own working memory (TLS, sockets, page cache of
 * /proc/vmcore reads). */
#define WINDOW_HEADROOM (16ull << 20)

/* The resume window (docs/protocol.md#resume-window): an anonymous mapping
 * of this process, which the old-memory swap may take. Without swap it is
 * cut to what memory holds; lean (a retry) has none. */
static size_t map_window(const struct salvage_conf *c, int lean, unsigned char **w)
{
	uint64_t want = c->resume_window, avail = meminfo_bytes("MemAvailable");
	void *p;

	*w = NULL;
	if (!want || lean)
		return 0;
	/* with swap, what memory and swap hold together */
	if (init_swap_on())
		avail += meminfo_bytes("SwapFree");
	if (want + WINDOW_HEADROOM > avail) {
		uint64_t fit = avail > WINDOW_HEADROOM ? (avail - WINDOW_HEADROOM) & ~((1ull << 20) - 1) : 0;
		log_warn("resume window: ", U64(want >> 20), " MiB asked, ", U64(avail >> 20),
		         init_swap_on() ? " MiB available with swap: " : " MiB available and no swap: ",
		         fit >= NET_SEND_WINDOW_MIN ? "cut to " : "none",
		         fit >= NET_SEND_WINDOW_MIN ? U64(fit >> 20) : "", fit >= NET_SEND_WINDOW_MIN ? " MiB" : "",
		         "; a resume outside it captures again from the start");
		if (fit < NET_SEND_WINDOW_MIN)
			return 0;
		want = fit;
	}
	p = mmap(NULL, (size_t)want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		log_warn("resume window: mmap ", U64(want >> 20), " MiB: ", err_name(-errno), "; none");
		return 0;
	}
	*w = p;
	log_info("resume window: ", U64(want >> 20), " MiB", init_swap_on() ? " (the old-memory swap may hold it)" : "");
	return (size_t)want;
}

/* net_send_conf.note: the swap's counters for the receiver's metadata. */
static size_t swap_note(void *ctx, char *line, size_t cap)
{
	const char *n = init_swap_note();
	size_t len = strlen(n) < cap ? strlen(n) : cap;

	(void)ctx;
	memcpy(line, n, len);
	return len;
}

int init_net_dump(const struct salvage_conf *c, const struct target *t, struct dump_capture *cap, int lean)
{
	struct net_config nc;
	struct net_lease lease;
	unsigned char pin[1][NET_FP_LEN];
	struct net_send_conf sc = {
		.server = t->dev, .key = &key, .pins = (const unsigned char (*)[NET_FP_LEN])pin, .npins = 1,
		.timeout_ms = 15000, .retry_for_s = (int)c->net_retry, .backoff_ms = 1000,
	};
	static char meta[512];
	int r;

	if ((r = net_pub_load(pin[0], c->server_key))) {
		log_err("server key ", c->server_key, ": ", err_name(r), ": ", err_text(r));
		return r;
	}
	if ((r = net_key_load(&key, c->client_key))) {
		log_err("client key ", c->client_key, ": ", err_name(r), ": ", err_text(r));
		return r;
	}
	if ((r = net_setting(c, &nc)))
		return r;
	if (nc.method == NET_OFF) {
		log_err("the network is off (ip=off) but the target is tls://", t->dev);
		return -SALVAGE_E_NET_CONF_SYNTAX;
	}
	if ((r = net_up(&nc, (int)c->net_timeout * 1000, &lease))) {
		log_err("network: ", err_name(r), ": ", err_text(r));
		return r;
	}
	write_resolv_conf(&lease);
	net_dump_id(sc.dump_id, cap->vi.text, cap->vi.len);
	sc.meta_len = net_send_meta(meta, sizeof meta, cap->utsname, cap->vi.text, cap->vi.len, "crash kernel");
	sc.meta = meta;
	sc.note = swap_note;
	sc.window_len = map_window(c, lean, &sc.window);
	log_info("sending the dump to ", t->dev);
	r = net_send_run(&snd, &sc, produce_capture, cap);
	if (snd.connections > 1)
		log_info("resumes: ", U64(snd.window_resumes), " from the resume window (",
		         U64(snd.window_resent >> 10), " KiB sent again), ", U64(snd.regenerations),
		         " by capturing again from the start");
	if (!r) {
		log_info("dump stored by ", t->dev, ": ", U64(snd.total), " bytes over ",
		         U64(snd.connections), snd.connections == 1 ? " connection" : " connections");
		return 0;
	}
	log_err("network dump to ", t->dev, " failed: ", err_name(r), ": ", err_text(r));
	return r;
}
