#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../load/hotplug.h"
#include "check.h"

/* /sys/devices/system/{memory,cpu}/crash_hotplug: "%d\n" of the loaded
 * image's hotplug support; both missing without CONFIG_CRASH_HOTPLUG */
TEST(load_hotplug_parse_reads_the_kernels_files)
{
	CHECK_INT(LOAD_HOTPLUG_ABSENT, load_hotplug_parse(0, 0));
	CHECK_INT(LOAD_HOTPLUG_UPDATED, load_hotplug_parse("1\n", "1\n"));
	CHECK_INT(LOAD_HOTPLUG_NOT_THIS, load_hotplug_parse("0\n", "0\n"));
	/* a kernel without MEMORY_HOTPLUG has the cpu file alone */
	CHECK_INT(LOAD_HOTPLUG_UPDATED, load_hotplug_parse(0, "1\n"));
	CHECK_INT(LOAD_HOTPLUG_NOT_THIS, load_hotplug_parse("0\n", 0));
}

/* A burst of events while a reload is in flight: every process but one
 * leaves the work to the queued one, which reloads once the one in flight
 * ends. Deterministic: the reload in flight holds its lock until told. */
TEST(load_hotplug_turn_coalesces_a_burst)
{
	const char *dir = check_tmpdir();
	int go[2], ran[2], zeros = 0, ones = 0, st;
	pid_t flight;
	char c;

	if (pipe(go) < 0 || pipe(ran) < 0)
		CHECK_SKIP("no pipe");
	if (!(flight = fork())) { /* the reload in flight */
		close(go[1]);
		_exit(load_hotplug_lock(dir) == 0 && write(ran[1], "x", 1) == 1 &&
		      read(go[0], &c, 1) >= 0 ? 0 : 1);
	}
	close(go[0]);
	CHECK_INT(1, read(ran[0], &c, 1));
	for (int i = 0; i < 8; i++)
		if (!fork()) { /* (without the write end: the one in flight waits for its EOF) */
			close(go[1]);
			_exit(load_hotplug_turn(dir, 1, 5) + 10);
		}
	/* seven events see the queued one and return at once */
	for (int i = 0; i < 7; i++) {
		if (wait(&st) < 0 || !WIFEXITED(st))
			break;
		zeros += WEXITSTATUS(st) == 10;
	}
	CHECK_INT(7, zeros);
	close(go[1]); /* the reload in flight ends */
	while (wait(&st) > 0)
		if (WIFEXITED(st))
			ones += WEXITSTATUS(st) == 11;
	CHECK_INT(1, ones);
	/* the next event after that queues the next reload */
	CHECK_INT(1, load_hotplug_turn(dir, 1, 5));
}

/* Whose image is loaded: salvage reloads its own only. A crash hotplug
 * kernel reading 0 with an image loaded names another loader's kexec_load
 * image even after a salvage load (kexec -p replaced it); without crash
 * hotplug salvage's kept arguments decide. */
TEST(load_hotplug_owner_never_claims_another_loaders_image)
{
	CHECK_INT(LOAD_OWNER_NONE, load_hotplug_owner(0, 1, LOAD_HOTPLUG_ABSENT));
	CHECK_INT(LOAD_OWNER_NONE, load_hotplug_owner(0, 1, LOAD_HOTPLUG_NOT_THIS));
	CHECK_INT(LOAD_OWNER_SALVAGE, load_hotplug_owner(1, 1, LOAD_HOTPLUG_ABSENT));
	CHECK_INT(LOAD_OWNER_SALVAGE, load_hotplug_owner(1, 1, LOAD_HOTPLUG_UPDATED));
	CHECK_INT(LOAD_OWNER_OTHER, load_hotplug_owner(1, 1, LOAD_HOTPLUG_NOT_THIS));
	CHECK_INT(LOAD_OWNER_OTHER, load_hotplug_owner(1, 0, LOAD_HOTPLUG_ABSENT));
	CHECK_INT(LOAD_OWNER_OTHER, load_hotplug_owner(1, 0, LOAD_HOTPLUG_UPDATED));
}

/* An event left to another loader is marked; its age reads back */
TEST(load_hotplug_missed_marks_the_event)
{
	const char *dir = check_tmpdir();

	CHECK_INT(-ENOENT, (int)load_hotplug_missed_age(dir));
	CHECK_INT(0, load_hotplug_missed_mark(dir));
	CHECK_INT(1, load_hotplug_missed_age(dir) >= 0 && load_hotplug_missed_age(dir) < 5);
}
