/* salvage keygen (its usage: CMD below)
 *
 * Writes a new P-256 key: NAME.key (mode 0600; the private key and its
 * certificate) and NAME.pub (the certificate, for the other end), and
 * prints "FINGERPRINT NAME", NAME's last path component: the line a
 * receiver's authorized file takes for a client, and the fingerprint a
 * client pins for a receiver. Existing files are never overwritten.
 * docs/keys.md tells how to check a fingerprint with openssl. */
#include <errno.h>
#include <string.h>
#include "../lib/cmd.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "key.h"

CMD(keygen, "NAME",
    "write NAME.key (private, 0600) and NAME.pub; print the fingerprint");

static int keygen_main(int argc, char **argv)
{
	static struct net_key k;
	char fp[NET_FP_TEXT];
	const char *name;
	int r;

	if (argc != 2 || argv[1][0] == '-' || !argv[1][0])
		return cmd_usage(&keygen_cmd);
	name = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
	if ((r = net_key_generate(&k, name)) == -EINVAL) {
		log_err("keygen: name \"", name, "\" is not 1 to 64 printable ASCII characters");
		return 100;
	}
	if (!r)
		r = net_key_save(&k, argv[1]);
	explicit_bzero(k.priv, sizeof k.priv);
	if (r == -EEXIST) {
		log_err("keygen ", argv[1], ": ", argv[1], ".key or ", argv[1], ".pub exists; not overwriting");
		return 111;
	}
	if (r) {
		log_err("keygen ", argv[1], ": ", err_text(r));
		return 111;
	}
	net_fp_text(fp, k.fp);
	if ((r = io_writeall(1, fp, 64)) || (r = io_writeall(1, " ", 1)) ||
	    (r = io_writeall(1, name, strlen(name))) || (r = io_writeall(1, "\n", 1))) {
		log_err("keygen: writing the fingerprint: ", err_text(r));
		return 111;
	}
	return 0;
}
