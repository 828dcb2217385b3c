/* salvage keycheck (its usage: CMD below)
 *
 * Checks the two key files a crash initramfs needs before they go into
 * it (salvage-mkinitramfs runs this), and prints what they mean: the
 * receiver fingerprint that will be pinned, and the fingerprint the
 * receiver's authorized file must list for this client. Exit 0, 100 for a
 * usage error, 111 when a file is not a salvage key. */
#include "../lib/cmd.h"
#include "../lib/err.h"
#include "../lib/io.h"
#include "../lib/log.h"
#include "key.h"

CMD(keycheck, "SERVER.pub CLIENT.key",
    "check the keys for a crash initramfs; print their fingerprints");

static struct net_key key;

static int keycheck_main(int argc, char **argv)
{
	unsigned char fp[NET_FP_LEN];
	char text[NET_FP_TEXT];
	int e;

	if (argc != 3)
		return cmd_usage(&keycheck_cmd);
	if ((e = net_pub_load(fp, argv[1])))
		return log_err("keycheck: ", argv[1], ": ", err_name(e), ": ", err_text(e)), 111;
	io_writeall(1, "server ", 7);
	io_writeall(1, net_fp_text(text, fp), NET_FP_TEXT - 1);
	io_writeall(1, "\n", 1);
	if ((e = net_key_load(&key, argv[2])))
		return log_err("keycheck: ", argv[2], ": ", err_name(e), ": ", err_text(e)), 111;
	io_writeall(1, "client ", 7);
	io_writeall(1, net_fp_text(text, key.fp), NET_FP_TEXT - 1);
	io_writeall(1, "\n", 1);
	return 0;
}
