/* lib/io.c: io_commit and io_publish, the end of every file written as a
 * temporary and renamed into place. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../lib/io.h"
#include "check.h"

static int open_tmp(int dirfd, const char *name)
{
	return openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

TEST(io_commit_publishes_the_whole_file)
{
	int dirfd = open(check_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = open_tmp(dirfd, "f.partial");
	char buf[32] = { 0 };
	long n;

	CHECK_INT(1, fd >= 0);
	CHECK_INT(0, io_commit(dirfd, fd, io_writeall(fd, "hello, whole", 12), "f.partial", "f"));
	CHECK_INT(-1, faccessat(dirfd, "f.partial", F_OK, 0));
	fd = openat(dirfd, "f", O_RDONLY | O_CLOEXEC);
	n = io_readall(fd, buf, sizeof buf);
	CHECK_INT(12, n);
	CHECK_STR("hello, whole", buf);
	close(fd);
	close(dirfd);
}

TEST(io_commit_error_removes_the_temporary_and_keeps_the_old)
{
	int dirfd = open(check_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd;
	char buf[32] = { 0 };

	/* the writing failed: the old file stays, the temporary goes */
	fd = openat(dirfd, "f", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK_INT(0, io_writeall(fd, "old", 3));
	close(fd);
	fd = open_tmp(dirfd, "f.partial");
	CHECK_INT(-EIO, io_commit(dirfd, fd, -EIO, "f.partial", "f"));
	CHECK_INT(-1, faccessat(dirfd, "f.partial", F_OK, 0));
	fd = openat(dirfd, "f", O_RDONLY | O_CLOEXEC);
	CHECK_INT(3, io_readall(fd, buf, sizeof buf));
	CHECK_STR("old", buf);
	close(fd);
	/* the rename fails (no such directory): its error, no temporary */
	fd = open_tmp(dirfd, "g.partial");
	CHECK_INT(-ENOENT, io_commit(dirfd, fd, io_writeall(fd, "x", 1), "g.partial", "nodir/g"));
	CHECK_INT(-1, faccessat(dirfd, "g.partial", F_OK, 0));
	close(dirfd);
}

TEST(io_publish_renames_a_written_file_and_a_link)
{
	int dirfd = open(check_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = openat(dirfd, "f.partial", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	char buf[32] = { 0 };

	CHECK_INT(0, io_writeall(fd, "kept open", 9));
	CHECK_INT(0, io_publish(dirfd, "f.partial", "f"));
	CHECK_INT(-1, faccessat(dirfd, "f.partial", F_OK, 0));
	/* the descriptor still writes the published file */
	CHECK_INT(9, io_preadall(fd, buf, sizeof buf, 0));
	CHECK_STR("kept open", buf);
	close(fd);
	/* a symbolic link is renamed, not followed */
	CHECK_INT(0, symlinkat("target", dirfd, "l.new"));
	CHECK_INT(0, io_publish(dirfd, "l.new", "l"));
	memset(buf, 0, sizeof buf);
	CHECK_INT(6, readlinkat(dirfd, "l", buf, sizeof buf));
	CHECK_STR("target", buf);
	close(dirfd);
}

TEST(io_publish_failed_rename_keeps_the_temporary)
{
	int dirfd = open(check_tmpdir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	/* a dump already written is never removed for a failed rename */
	close(open_tmp(dirfd, "f.partial"));
	CHECK_INT(-ENOENT, io_publish(dirfd, "f.partial", "nodir/f"));
	CHECK_INT(0, faccessat(dirfd, "f.partial", F_OK, 0));
	close(dirfd);
}

TEST(io_commit_at_fdcwd_takes_paths)
{
	char tmp[320], final[320], buf[8] = { 0 };
	const char *dir = check_tmpdir();
	int fd;

	snprintf(tmp, sizeof tmp, "%s/p.partial", dir);
	snprintf(final, sizeof final, "%s/p", dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	CHECK_INT(0, io_commit(AT_FDCWD, fd, io_writeall(fd, "path", 4), tmp, final));
	CHECK_INT(-1, access(tmp, F_OK));
	CHECK_INT(4, io_readfile(final, buf, sizeof buf));
	CHECK_STR("path", buf);
}

/* the crash kernel writes the crashed kernel's log with it, beside a
 * 0600 dump, on a file system the host mounts (init's stream_fs) */
TEST(io_writefile_creates_root_only)
{
	char path[512];
	struct stat st;
	mode_t was = umask(0);

	snprintf(path, sizeof path, "%s/dmesg.txt", check_tmpdir());
	CHECK_INT(0, io_writefile(path, "log", 3));
	umask(was);
	CHECK_INT(0, stat(path, &st));
	CHECK_INT(0600, st.st_mode & 0777);
}
