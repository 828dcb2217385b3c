/* EINTR and short transfers are handled here, once. All return 0 or -errno
 * (io_readall: the byte count, short only at end of file). */
#ifndef SALVAGE_IO_H
#define SALVAGE_IO_H
#include <stddef.h>
#include <sys/types.h>

long io_readall(int fd, void *buf, size_t len);
int io_writeall(int fd, const void *buf, size_t len);
long io_preadall(int fd, void *buf, size_t len, off_t off);
int io_pwriteall(int fd, const void *buf, size_t len, off_t off);
/* Whole small file into buf, NUL-terminated; returns its length or -errno
 * (-EFBIG when it does not fit). */
long io_readfile(const char *path, char *buf, size_t size);
/* Write a whole small file (created 0600, truncated): what salvage writes
 * this way, a crashed kernel's dmesg.txt beside its dump above all, is
 * root's, as Debian's dmesg_restrict keeps a running kernel's log. */
int io_writefile(const char *path, const void *buf, size_t len);
/* Publishes tmp, already written and synced, as final (both in dirfd, or
 * AT_FDCWD for paths): renames it over final, then syncs the directory
 * that holds final (dirfd, or final's parent: "." when it has no slash),
 * so the new name survives a crash. On a failed rename tmp is left as it
 * is. 0 or -errno. */
int io_publish(int dirfd, const char *tmp, const char *final);
/* Ends the writing of a file as tmp and publishes it as final: fd is open
 * on tmp and e is the writing's result. Syncs and closes fd, then
 * io_publish. On an error up to the rename tmp is removed and final is
 * untouched; a failed directory sync after it leaves final in place, maybe
 * not yet durable. 0 or -errno. */
int io_commit(int dirfd, int fd, int e, const char *tmp, const char *final);

#endif
