/* server/retention.c on a made-up receiver directory: --max-age,
 * --keep per host, the --min-free reserve (oldest complete first, then
 * partial ones past their resume time, never the newest), never a dump in
 * progress, a partial one within its resume time only over the age. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "check.h"
#include "../../server/dumps.h"
#include "../../server/retention.h"

#define DAY 86400
#define NOW 1794268800 /* 2026-11-10T00:00:00Z */
static int rootfd = -1;
static char root[256];

/* host/name (a UTC time on 2026-11-DD) with state, a 64 KiB file, its
 * metadata last changed `changed` seconds before NOW */
static void dump(const char *host, int day, const char *state, int64_t changed)
{
	static char zeros[64 << 10];
	char path[512];
	struct timespec t[2] = { { NOW - changed, 0 }, { NOW - changed, 0 } };
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", root, host);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/%s/.by-id", root, host);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/%s/202611%02dT000000Z", root, host, day);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/%s/202611%02dT000000Z/vmcore", root, host, day);
	f = fopen(path, "w");
	fwrite(zeros, 1, sizeof zeros, f);
	fclose(f);
	snprintf(path, sizeof path, "%s/%s/202611%02dT000000Z/salvage.meta", root, host, day);
	f = fopen(path, "w");
	fprintf(f, "dump_id=%s%02d\nstate=%s\n", host, day, state);
	fclose(f);
	utimensat(AT_FDCWD, path, t, 0);
}

/* a: five stored dumps, days 1-5; b: a partial one past its resume time
 * (day 6) and one within it (day 7); c: one being received (day 8) */
static void tree(void)
{
	char link[512];

	strcpy(root, check_tmpdir());
	for (int d = 1; d <= 5; d++)
		dump("a", d, "stored", 9 * DAY);
	dump("b", 6, "interrupted", 3 * DAY);
	dump("b", 7, "failed", 60);
	dump("c", 8, "receiving", 1);
	snprintf(link, sizeof link, "%s/a/.by-id/a01", root);
	symlink("20261101T000000Z", link);
	snprintf(link, sizeof link, "%s/a/.by-id/a01old", root);
	symlink("20261001T000000Z", link);
	if (rootfd >= 0)
		close(rootfd);
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
}

/* Which dumps are left, as "a1 a4 b7 ...". */
static const char *left(void)
{
	static char out[256];
	static const char *const hosts[] = { "a", "b", "c" };
	char path[512];

	out[0] = 0;
	for (int h = 0; h < 3; h++)
		for (int d = 1; d <= 8; d++) {
			snprintf(path, sizeof path, "%s/%s/202611%02dT000000Z", root, hosts[h], d);
			if (!access(path, F_OK))
				snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s%d", out[0] ? " " : "", hosts[h], d);
		}
	return out;
}

static size_t run(struct server_retention *r)
{
	struct server_dump *d;
	size_t n, gone;

	r->now = NOW;
	if (!r->keep_partial)
		r->keep_partial = DAY;
	if (server_dumps_scan(rootfd, &d, &n))
		return 999;
	gone = server_retention_run(rootfd, r, d, &n);
	free(d);
	return gone;
}

TEST(retention_nothing_configured)
{
	struct server_retention r = { 0 };

	tree();
	CHECK_INT(0, run(&r));
	CHECK_STR("a1 a2 a3 a4 a5 b6 b7 c8", left());
}

TEST(retention_keep_per_host)
{
	struct server_retention r = { .keep = 2 };
	char link[512];

	tree();
	CHECK_INT(3, run(&r));
	/* b's two and c's one are within the limit */
	CHECK_STR("a4 a5 b6 b7 c8", left());
	/* the removed dump's .by-id link went; one to another directory stayed */
	snprintf(link, sizeof link, "%s/a/.by-id/a01", root);
	CHECK_INT(-1, access(link, F_OK) == 0 ? 0 : -1);
	snprintf(link, sizeof link, "%s/a/.by-id/a01old", root);
	CHECK_INT(0, faccessat(AT_FDCWD, link, F_OK, AT_SYMLINK_NOFOLLOW));
	r.keep = 1;
	CHECK_INT(2, run(&r));
	/* b's newer one may still be resumed: it stays, b6 goes */
	CHECK_STR("a5 b7 c8", left());
}

TEST(retention_max_age)
{
	struct server_retention r = { .max_age = 6 * DAY + 1 };

	tree();
	/* started before Nov 3 (plus a second): a1, a2, a3 at exactly 7 days */
	CHECK_INT(3, run(&r));
	CHECK_STR("a4 a5 b6 b7 c8", left());
	/* over the age, a partial dump goes even within its resume time; the
	 * one being received never */
	r.max_age = 1;
	CHECK_INT(4, run(&r));
	CHECK_STR("c8", left());
}

TEST(retention_free_space_oldest_complete_first)
{
	struct server_retention r = { .min_free = 1 << 30, .free = (1 << 30) - (100 << 10) };

	tree();
	/* 100 KiB to free, 64 KiB and more per dump: the two oldest */
	CHECK_INT(2, run(&r));
	CHECK_STR("a3 a4 a5 b6 b7 c8", left());
	/* all the space wanted: every complete one, then the partial one past
	 * its resume time; not the resumable one, not the one in progress */
	r.free = 0;
	CHECK_INT(4, run(&r));
	CHECK_STR("b7 c8", left());
}

TEST(retention_free_space_keeps_newest)
{
	struct server_retention r = { .min_free = 1 << 30, .free = 0 };

	strcpy(root, check_tmpdir());
	dump("a", 1, "stored", DAY);
	dump("a", 2, "stored", DAY);
	close(rootfd);
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	CHECK_INT(1, run(&r));
	CHECK_STR("a2", left());
}

static int busy_a1(const char *host, const char *name, void *arg)
{
	(void)arg;
	return !strcmp(host, "a") && !strcmp(name, "20261101T000000Z");
}

TEST(retention_busy_never)
{
	struct server_retention r = { .keep = 2, .busy = busy_a1 };

	tree();
	/* a1 is being converted: it stays and counts, so a keeps it and a5;
	 * c8's state says receiving, but the receiver says nothing holds it:
	 * a partial dump, within its resume time */
	CHECK_INT(3, run(&r));
	CHECK_STR("a1 a5 b6 b7 c8", left());
	r.keep = 0;
	r.max_age = 1;
	CHECK_INT(4, run(&r));
	CHECK_STR("a1", left());
}

/* A dump directory holding a directory (an admin's notes): not the
 * receiver's shape, so retention leaves it whole, files and metadata,
 * where it removed the files and stopped at the directory. It stays and
 * counts, as a busy one does. */
TEST(retention_dump_holding_a_directory_stays_whole)
{
	struct server_retention r = { .keep = 1 };
	char path[512];

	strcpy(root, check_tmpdir());
	dump("a", 1, "stored", DAY);
	dump("a", 2, "stored", DAY);
	snprintf(path, sizeof path, "%s/a/20261101T000000Z/notes", root);
	mkdir(path, 0700);
	close(rootfd);
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	/* a2 goes for --keep 1 */
	CHECK_INT(1, run(&r));
	CHECK_STR("a1", left());
	snprintf(path, sizeof path, "%s/a/20261101T000000Z/salvage.meta", root);
	CHECK_INT(0, access(path, F_OK));
	snprintf(path, sizeof path, "%s/a/20261101T000000Z/vmcore", root);
	CHECK_INT(0, access(path, F_OK));
}
