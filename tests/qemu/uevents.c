/* uevents CMD [ARG...]: a stand-in for udev in the QEMU tests' first-stage
 * guest (tests/qemu/hotplug.sh), which has no udev: listens to the kernel's
 * uevents and, for each memory or cpu event whose action the salvage rule
 * matches (add, remove, online, offline: packaging/udev/90-salvage-hotplug.rules,
 * which starts salvage-hotplug@.service to run it),
 * prints "uevents: ACTION SUBSYSTEM DEVPATH" and starts CMD without waiting
 * for it, as udev's workers run the events of different devices at once.
 * Prints "uevents: listening" once it listens. Never exits. */
#include <linux/netlink.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int matches(const char *action, const char *subsystem)
{
	static const char *const actions[] = { "add", "remove", "online", "offline" };

	if (strcmp(subsystem, "memory") && strcmp(subsystem, "cpu"))
		return 0;
	for (unsigned i = 0; i < 4; i++)
		if (!strcmp(action, actions[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	static char msg[8192 + 1];
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	int big = 4 << 20;

	if (argc < 2 || fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("uevents");
		return 111;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
	signal(SIGCHLD, SIG_IGN); /* no zombies */
	setvbuf(stdout, 0, _IOLBF, 0);
	printf("uevents: listening\n");
	for (;;) {
		const char *action = "", *subsystem = "", *devpath = "";
		long n = recv(fd, msg, sizeof msg - 1, 0);

		if (n <= 0)
			continue;
		msg[n] = 0;
		/* "ACTION@DEVPATH\0KEY=VALUE\0..." */
		for (char *p = msg + strlen(msg) + 1; p < msg + n; p += strlen(p) + 1) {
			if (!strncmp(p, "ACTION=", 7)) action = p + 7;
			else if (!strncmp(p, "SUBSYSTEM=", 10)) subsystem = p + 10;
			else if (!strncmp(p, "DEVPATH=", 8)) devpath = p + 8;
		}
		if (!matches(action, subsystem))
			continue;
		printf("uevents: %s %s %s\n", action, subsystem, devpath);
		if (!fork()) {
			setenv("ACTION", action, 1);
			setenv("SUBSYSTEM", subsystem, 1);
			setenv("DEVPATH", devpath, 1);
			execvp(argv[1], argv + 1);
			_exit(127);
		}
	}
}
