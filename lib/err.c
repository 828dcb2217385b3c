#include <errno.h>
#include <string.h>
#include "err.h"

static const char *const names[] = {
#define X(name, text) #name,
	SALVAGE_ERRORS(X)
#undef X
};
static const char *const texts[] = {
#define X(name, text) text,
	SALVAGE_ERRORS(X)
#undef X
};

/* The errno values salvage's callers actually meet, by name, so logs read
 * the same on any libc. */
static const struct { int e; const char *n; } errnos[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EIO, "EIO" },
	{ ENXIO, "ENXIO" }, { E2BIG, "E2BIG" }, { ENOEXEC, "ENOEXEC" },
	{ EBADF, "EBADF" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" },
	{ ENODEV, "ENODEV" }, { ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" },
	{ EINVAL, "EINVAL" }, { EFBIG, "EFBIG" }, { ENOSPC, "ENOSPC" },
	{ EROFS, "EROFS" }, { ENAMETOOLONG, "ENAMETOOLONG" },
	{ ENOSYS, "ENOSYS" }, { EOVERFLOW, "EOVERFLOW" },
	{ EADDRNOTAVAIL, "EADDRNOTAVAIL" }, { ETIMEDOUT, "ETIMEDOUT" },
	{ EKEYREJECTED, "EKEYREJECTED" }, { ENOKEY, "ENOKEY" },
	{ EBADMSG, "EBADMSG" }, { EINTR, "EINTR" }, { ENOTBLK, "ENOTBLK" },
	{ ECONNRESET, "ECONNRESET" }, { ECONNREFUSED, "ECONNREFUSED" }, { EPIPE, "EPIPE" },
	{ EFAULT, "EFAULT" }, { ERANGE, "ERANGE" },
	{ EHOSTUNREACH, "EHOSTUNREACH" }, { ENETUNREACH, "ENETUNREACH" }, { EDQUOT, "EDQUOT" },
	{ EMSGSIZE, "EMSGSIZE" }, { ECONNABORTED, "ECONNABORTED" }, { EMFILE, "EMFILE" },
	{ EOPNOTSUPP, "EOPNOTSUPP" },
};

static int code(int e) { return e < 0 ? -e : e; }

const char *err_name(int e)
{
	e = code(e);
	if (!e)
		return "OK";
	if (e > SALVAGE_E_BASE && e < SALVAGE_E_END)
		return names[e - SALVAGE_E_BASE - 1];
	for (unsigned i = 0; i < sizeof errnos / sizeof errnos[0]; i++)
		if (errnos[i].e == e)
			return errnos[i].n;
	return "EUNKNOWN";
}

const char *err_text(int e)
{
	e = code(e);
	if (e > SALVAGE_E_BASE && e < SALVAGE_E_END)
		return texts[e - SALVAGE_E_BASE - 1];
	return strerror(e);
}
