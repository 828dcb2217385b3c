#include <string.h>
#include "../../lib/conf.h"
#include "../../lib/err.h"
#include "check.h"

TEST(conf_defaults_and_file)
{
	struct salvage_conf c;
	int line;

	conf_defaults(&c);
	CHECK_INT(FINAL_REBOOT, c.final_action);
	CHECK_INT(TARGET_NONE, c.target.kind);
	CHECK_INT(0, conf_parse_text(&c, "# salvage\n\n  target   raw:/dev/vdb  \nfinal-action poweroff\n", &line));
	CHECK_INT(TARGET_RAW, c.target.kind);
	CHECK_STR("/dev/vdb", c.target.dev);
	CHECK_INT(FINAL_POWEROFF, c.final_action);
	CHECK_INT(4, line);
}

TEST(conf_file_errors_name_the_line)
{
	struct salvage_conf c;
	int line;

	conf_defaults(&c);
	CHECK_INT(-SALVAGE_E_CONF_UNKNOWN_KEY, conf_parse_text(&c, "target raw:/dev/vdb\nfoo bar\n", &line));
	CHECK_INT(2, line);
	CHECK_INT(-SALVAGE_E_CONF_SYNTAX, conf_parse_text(&c, "\n\ntarget\n", &line));
	CHECK_INT(3, line);
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_parse_text(&c, "final-action explode", &line));
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_parse_text(&c, "device-timeout 12x", &line));
	CHECK_INT(-SALVAGE_E_TARGET_SYNTAX, conf_parse_text(&c, "target nfs:host:/x", &line));
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_parse_text(&c, "dump-level 32", &line));
	CHECK_INT(31, c.dump_level);
	CHECK_INT(0, conf_parse_text(&c, "dump-level 0", &line));
	CHECK_INT(0, c.dump_level);
	CHECK_INT(DUMP_FORMAT_STREAM, c.format);
	CHECK_INT(0, conf_parse_text(&c, "format elf", &line));
	CHECK_INT(DUMP_FORMAT_ELF, c.format);
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_parse_text(&c, "format kdump", &line));
	CHECK_INT(FINAL_REBOOT, c.final_action); /* bad values change nothing */
	CHECK_INT(1, c.crash_cpus);
	CHECK_INT(0, conf_parse_text(&c, "crash-cpus 2", &line));
	CHECK_INT(2, c.crash_cpus);
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_parse_text(&c, "crash-cpus 0", &line));
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_parse_text(&c, "crash-cpus 9", &line));
	CHECK_INT(2, c.crash_cpus);
}

TEST(conf_swap_keys)
{
	struct salvage_conf c;
	int line;

	conf_defaults(&c);
	CHECK_INT(SWAP_AUTO, c.swap);
	CHECK_INT(0, c.swap_corrupt);
	CHECK_INT(0, conf_parse_text(&c, "swap off", &line));
	CHECK_INT(SWAP_OFF, c.swap);
	CHECK_INT(0, conf_parse_text(&c, "swap on", &line));
	CHECK_INT(SWAP_ON, c.swap);
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_parse_text(&c, "swap yes", &line));
	CHECK_INT(SWAP_ON, c.swap);
	CHECK_INT(0, conf_parse_text(&c, "swap-test-corrupt one:100", &line));
	CHECK_INT(100, c.swap_corrupt);
	CHECK_INT(0, c.swap_corrupt_both);
	CHECK_INT(0, conf_parse_text(&c, "swap-test-corrupt both:1000", &line));
	CHECK_INT(1000, c.swap_corrupt);
	CHECK_INT(1, c.swap_corrupt_both);
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_parse_text(&c, "swap-test-corrupt both:1001", &line));
	CHECK_INT(0, conf_parse_text(&c, "swap-test-corrupt stall:40", &line));
	CHECK_INT(40, c.swap_stall);
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_parse_text(&c, "swap-test-corrupt stall:x", &line));
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_parse_text(&c, "swap-test-corrupt two:5", &line));
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_parse_text(&c, "swap-test-corrupt one:", &line));
	CHECK_INT(1000, c.swap_corrupt);
}

TEST(conf_targets)
{
	struct target t;

	CHECK_INT(0, conf_target_parse(&t, "fs:LABEL=dumps:/var/crash"));
	CHECK_INT(TARGET_FS, t.kind);
	CHECK_STR("LABEL=dumps", t.dev);
	CHECK_STR("/var/crash", t.dir);
	CHECK_INT(0, conf_target_parse(&t, "fs:UUID=0b3e-11:/"));
	CHECK_STR("UUID=0b3e-11", t.dev);
	CHECK_STR("/", t.dir);
	CHECK_INT(0, conf_target_parse(&t, "fs:LABEL=a:b:/d/e"));
	CHECK_STR("LABEL=a:b", t.dev);
	CHECK_STR("/d/e", t.dir);
	CHECK_INT(0, conf_target_parse(&t, "fs:/dev/vdb1"));
	CHECK_STR("/dev/vdb1", t.dev);
	CHECK_STR("/", t.dir);
	CHECK_INT(-SALVAGE_E_TARGET_SYNTAX, conf_target_parse(&t, "raw:vdb"));
	CHECK_INT(-SALVAGE_E_TARGET_SYNTAX, conf_target_parse(&t, "fs:LABEL=:/x"));
	CHECK_INT(-SALVAGE_E_TARGET_SYNTAX, conf_target_parse(&t, "fs:vdb:/x"));
	CHECK_INT(-SALVAGE_E_TARGET_SYNTAX, conf_target_parse(&t, "fs:"));
	CHECK_INT(0, conf_target_parse(&t, "tls://dumps.example:9622"));
	CHECK_INT(TARGET_TLS, t.kind);
	CHECK_STR("dumps.example:9622", t.dev);
	CHECK_INT(0, conf_target_parse(&t, "tls://10.0.2.2:1"));
	CHECK_STR("10.0.2.2:1", t.dev);
	CHECK_INT(-SALVAGE_E_TARGET_SYNTAX, conf_target_parse(&t, "tls://host"));
	CHECK_INT(-SALVAGE_E_TARGET_SYNTAX, conf_target_parse(&t, "tls://:9622"));
	CHECK_INT(-SALVAGE_E_TARGET_SYNTAX, conf_target_parse(&t, "tls://host:"));
	CHECK_INT(-SALVAGE_E_TARGET_SYNTAX, conf_target_parse(&t, "tls://host:96x"));
}

TEST(conf_network_keys)
{
	struct salvage_conf c;
	int line;

	conf_defaults(&c);
	CHECK_STR("/etc/salvage/server.pub", c.server_key);
	CHECK_INT(TARGET_NONE, c.fallback.kind);
	CHECK_INT(0, conf_parse_text(&c, "target tls://10.0.2.2:9622\nfallback fs:LABEL=dumps:/crash\n"
	                                 "net 52:54:00:12:34:56:dhcp\nnet-timeout 20\nnet-retry 30\n"
	                                 "client-key /etc/k.key\n", &line));
	CHECK_INT(TARGET_TLS, c.target.kind);
	CHECK_INT(TARGET_FS, c.fallback.kind);
	CHECK_STR("/crash", c.fallback.dir);
	CHECK_STR("52:54:00:12:34:56:dhcp", c.net);
	CHECK_INT(20, c.net_timeout);
	CHECK_INT(30, c.net_retry);
	CHECK_STR("/etc/k.key", c.client_key);
	CHECK_INT(0, conf_parse_text(&c, "fallback none\n", &line));
	CHECK_INT(TARGET_NONE, c.fallback.kind);
	CHECK_INT(-SALVAGE_E_TARGET_SYNTAX, conf_parse_text(&c, "fallback nfs:x\n", &line));
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_parse_text(&c, "net-retry soon\n", &line));
}

TEST(conf_resume_window)
{
	struct salvage_conf c;
	uint64_t n;
	int line;

	conf_defaults(&c);
	CHECK_INT(64 << 20, c.resume_window);
	CHECK_INT(0, conf_parse_text(&c, "resume-window 256K\n", &line));
	CHECK_INT(256 << 10, c.resume_window);
	CHECK_INT(0, conf_parse_text(&c, "resume-window 0\n", &line));
	CHECK_INT(0, c.resume_window);
	CHECK_INT(0, conf_parse_text(&c, "resume-window 1g\n", &line));
	CHECK_INT(1 << 30, c.resume_window);
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_parse_text(&c, "resume-window 64MB\n", &line));
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_parse_text(&c, "resume-window 2000G\n", &line));
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_parse_text(&c, "resume-window M\n", &line));
	CHECK_INT(1 << 30, c.resume_window);
	CHECK_INT(0, conf_size("18446744073709551615", &n));
	CHECK_INT(1, n == ~0ull);
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_size("18446744073709551616", &n));
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_size("17179869184G", &n));
	CHECK_INT(-SALVAGE_E_CONF_BAD_VALUE, conf_size("-1", &n));
}

TEST(conf_cmdline_overrides)
{
	struct salvage_conf c;
	char bad[64] = "";

	conf_defaults(&c);
	CHECK_INT(0, conf_parse_cmdline(&c, "root=/dev/sda1 console=ttyS0 salvage.final-action=halt "
	                                "salvage.target=\"fs:LABEL=my dumps:/x y\" quiet\n", bad, sizeof bad));
	CHECK_INT(FINAL_HALT, c.final_action);
	CHECK_STR("LABEL=my dumps", c.target.dev);
	CHECK_STR("/x y", c.target.dir);
	CHECK_INT(-SALVAGE_E_CONF_UNKNOWN_KEY,
	          conf_parse_cmdline(&c, "salvage.nope=1 salvage.final-action=shell", bad, sizeof bad));
	CHECK_STR("salvage.nope=1", bad);
	CHECK_INT(FINAL_SHELL, c.final_action); /* later words still apply */
}

TEST(conf_cmdline_words)
{
	char w[16];
	const char *p = conf_cmdline_word("  a=\"b c\"  dd ", w, sizeof w);

	CHECK_STR("a=b c", w);
	p = conf_cmdline_word(p, w, sizeof w);
	CHECK_STR("dd", w);
	CHECK_INT(1, conf_cmdline_word(p, w, sizeof w) == NULL);
	conf_cmdline_word("0123456789abcdefghij", w, sizeof w);
	CHECK_STR("0123456789abcde", w);
}
