/* salvage receive (its usage: CMD below)
 *
 * The collection server (docs/protocol.md#receiver). Clients authenticate
 * with keys listed in the authorized file (`FINGERPRINT HOSTNAME` lines,
 * as `salvage keygen` prints them); each dump is stored under
 * DIR/HOSTNAME/<UTC time>/ and converted to a standard vmcore when it is
 * complete. After each stored dump (and at start) it applies the retention
 * asked for and rewrites DIR/index.html (docs/receiver.md): --keep N
 * dumps per host at most, --max-age TIME since a dump started (TIME in
 * seconds, or with s, m, h, d), and with --reclaim yes the --min-free
 * reserve kept by removing the oldest complete dumps first; never a dump
 * being received or converted, and a partial one only once --keep-partial
 * TIME (1d) passed since its last byte, or over --max-age. Runs until
 * SIGTERM. Exit 0, 100 for a usage error, 111 when it cannot start. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../lib/cmd.h"
#include "../lib/conf.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "authorized.h"
#include "receive.h"
#include "../net/tls.h"

CMD(receive, "--listen ADDR:PORT --dir DIR --key FILE --authorized FILE [--max-clients N] "
             "[--min-free SIZE] [--timeout SECONDS] [--min-rate SIZE] [--ack-every SIZE] "
             "[--convert-max SIZE] [--convert-jobs N] [--convert-mem SIZE] "
             "[--keep N] [--max-age TIME] [--keep-partial TIME] [--reclaim yes|no]",
    "store dumps sent over TLS");

static struct net_authorized auth;
static struct net_key key;
static char authtext[NET_AUTHORIZED_MAX * 160];

/* TIME: seconds, or a number with s, m, h or d. 0 or -1. Retention
 * counts in signed seconds: a TIME past INT64_MAX (or one strtoull
 * clamped) would read as negative there and every dump be over it. */
static int seconds(const char *v, uint64_t *out)
{
	static const struct { char unit; uint64_t s; } units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	char *end;
	uint64_t n, unit = 0;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno)
		return -1;
	if (!*end)
		unit = 1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (end[0] == units[i].unit && !end[1])
			unit = units[i].s;
	if (!unit || n > (uint64_t)INT64_MAX / unit)
		return -1;
	return *out = n * unit, 0;
}

static int receive_main(int argc, char **argv)
{
	struct net_receive_conf c = {
		.max_clients = 64, .min_free = 1ull << 30, .handshake_s = 10, .idle_s = 60,
		.min_rate = 16 << 10, .rate_window_s = 30, .ack_every = 32u << 20, .key = &key, .auth = &auth,
		.convert_jobs = 2, .convert_mem = 2ull << 30, .triage = { .keep_partial_s = 86400 },
	};
	const char *keyfile = NULL, *authfile = NULL;
	uint64_t v;
	unsigned line;
	long n;
	int e;

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *a = i + 1 < argc ? argv[i + 1] : NULL;
		if (!a)
			return log_err("receive: ", o, " needs a value"), cmd_usage(&receive_cmd);
		i++;
		if (!strcmp(o, "--listen"))
			c.listen = a;
		else if (!strcmp(o, "--dir"))
			c.dir = a;
		else if (!strcmp(o, "--key"))
			keyfile = a;
		else if (!strcmp(o, "--authorized"))
			authfile = a;
		else if (!strcmp(o, "--max-clients") && !conf_size(a, &v) && v && v <= 10000)
			c.max_clients = (unsigned)v;
		else if (!strcmp(o, "--min-free") && !conf_size(a, &v))
			c.min_free = v;
		else if (!strcmp(o, "--timeout") && !conf_size(a, &v) && v && v < 86400)
			c.idle_s = c.handshake_s = (unsigned)v;
		else if (!strcmp(o, "--min-rate") && !conf_size(a, &v))
			c.min_rate = v;
		else if (!strcmp(o, "--ack-every") && !conf_size(a, &v) && v >= 4096)
			c.ack_every = v;
		else if (!strcmp(o, "--convert-max") && !conf_size(a, &v))
			c.convert_max = v;
		else if (!strcmp(o, "--convert-jobs") && !conf_size(a, &v) && v && v <= 64)
			c.convert_jobs = (unsigned)v;
		else if (!strcmp(o, "--convert-mem") && !conf_size(a, &v) && (!v || v >= 64u << 20))
			c.convert_mem = v;
		else if (!strcmp(o, "--keep") && !conf_size(a, &v) && v <= 1000000)
			c.triage.keep = (unsigned)v;
		else if (!strcmp(o, "--max-age") && !seconds(a, &v))
			c.triage.max_age_s = v;
		else if (!strcmp(o, "--keep-partial") && !seconds(a, &v))
			c.triage.keep_partial_s = v;
		else if (!strcmp(o, "--reclaim") && (!strcmp(a, "yes") || !strcmp(a, "no")))
			c.triage.reclaim = !strcmp(a, "yes");
		else
			return log_err("receive: bad option or value: ", o, " ", a), cmd_usage(&receive_cmd);
	}
	/* the rate is judged over half the longest silence allowed */
	c.rate_window_s = c.idle_s / 2 ? c.idle_s / 2 : 1;
	if (!c.listen || !c.dir || !keyfile || !authfile)
		return cmd_usage(&receive_cmd);
	if ((e = net_key_load(&key, keyfile)))
		return log_err("receive: ", keyfile, ": ", err_name(e), ": ", err_text(e)), 111;
	if ((n = io_readfile(authfile, authtext, sizeof authtext)) < 0)
		return log_err("receive: ", authfile, ": ", err_text((int)n)), 111;
	if ((e = net_authorized_parse(&auth, authtext, (size_t)n, &line)))
		return log_err("receive: ", authfile, ": line ", U64(line),
		               " is not `FINGERPRINT HOSTNAME` (64 hex digits; host [A-Za-z0-9._-], at most 64, no leading dot, not index.html)"), 111;
	if (!auth.n)
		return log_err("receive: ", authfile, ": no clients authorized"), 111;
	if ((e = net_receive_run(&c)))
		return log_err("receive: ", c.listen, " ", c.dir, ": ", err_name(e), ": ", err_text(e)), 111;
	return 0;
}
