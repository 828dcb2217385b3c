#include <errno.h>
#include <signal.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../lib/log.h"
#include "final.h"

static void shell(void)
{
	pid_t pid;
	char *argv[] = { "sh", 0 };

	if (access("/bin/sh", X_OK) < 0) {
		log_err("final action shell: no /bin/sh in this initramfs (build it with --shell); rebooting");
		return;
	}
	log_info("starting a shell; leaving it reboots");
	pid = fork();
	if (pid == 0) {
		setsid();
		execv("/bin/sh", argv);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, 0, 0) < 0 && errno == EINTR)
		;
}

void init_final(const struct salvage_conf *c)
{
	int how = RB_AUTOBOOT;

	sync();
	switch (c->final_action) {
	case FINAL_SHELL:
		shell();
		break;
	case FINAL_POWEROFF:
		how = RB_POWER_OFF;
		break;
	case FINAL_HALT:
		how = RB_HALT_SYSTEM;
		break;
	}
	log_info(how == RB_AUTOBOOT ? "rebooting" : how == RB_POWER_OFF ? "powering off" : "halting");
	sync();
	reboot(how);
	log_err("reboot(2) failed; waiting forever");
	for (;;)
		pause();
}
