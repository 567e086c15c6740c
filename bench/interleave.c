/*
 * interleave: time several commands side by side, in rounds, so that a machine whose speed
 * drifts (a shared 2-core VM: by up to 40% within minutes) slows every command alike.
 *
 *   interleave [-n ROUNDS] [-w WARMUP] [-p PAUSE_MS] [-s STEPDIR] [-e ERRLOG] [-k]
 *              NAME CMD [NAME CMD]...
 *
 * Each round runs every command once, the order rotated by one each round (no command is
 * always first after a pause). CMD is split on blanks and run with execvp (no shell, like
 * hyperfine -N): stdin, stdout /dev/null; stderr appended to ERRLOG (default /dev/null).
 * With -s, the child gets STEPLOG=STEPDIR/NAME.steps (the lifecycle scripts append their
 * step times there; warm-up rounds get STEPLOG unset). The time of one run is fork to reaped
 * exit, CLOCK_MONOTONIC. With -p, the machine rests PAUSE_MS before every run: what a lone
 * command costs after a quiet moment (caches cold, the kernel's RCU-synchronised paths slow),
 * not back to back. Prints one line per timed run: NAME ROUND MICROSECONDS STATUS.
 * A run that fails (non-zero STATUS) stops the whole thing with exit 1, unless -k.
 *
 * Build: cc -O2 -o interleave interleave.c (bench/compare.sh does).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXCMD 16
#define MAXARG 64

struct cmd {
	const char *name;
	char *argv[MAXARG];
};

static struct cmd cmds[MAXCMD];
static int ncmd;
static const char *stepdir;
static const char *errlog = "/dev/null";

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
split(struct cmd *c, char *s)
{
	char *save = NULL;
	int n = 0;

	for (char *tok = strtok_r(s, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (n == MAXARG - 1) {
			fprintf(stderr, "interleave: too many words in %s\n", c->name);
			exit(2);
		}
		c->argv[n++] = tok;
	}
	if (n == 0) {
		fprintf(stderr, "interleave: empty command for %s\n", c->name);
		exit(2);
	}
	c->argv[n] = NULL;
}

/* Run one command; return its wait status, *us its duration. */
static int
run(const struct cmd *c, int timed, long long *us)
{
	char steplog[4096];
	long long t0, t1;
	int st = 0;
	pid_t pid;

	if (stepdir && timed)
		snprintf(steplog, sizeof steplog, "%s/%s.steps", stepdir, c->name);
	t0 = now_us();
	pid = fork();
	if (pid < 0) {
		perror("interleave: fork");
		exit(1);
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open("/dev/null", O_WRONLY);
		int err = open(errlog, O_WRONLY | O_APPEND | O_CREAT, 0644);

		if (in < 0 || out < 0 || err < 0)
			_exit(126);
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		if (stepdir && timed)
			setenv("STEPLOG", steplog, 1);
		else
			unsetenv("STEPLOG");
		execvp(c->argv[0], c->argv);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			perror("interleave: waitpid");
			exit(1);
		}
	}
	t1 = now_us();
	*us = t1 - t0;
	return st;
}

static int
status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

int
main(int argc, char **argv)
{
	int rounds = 20, warm = 2, keep = 0, pause_ms = 0, o;

	while ((o = getopt(argc, argv, "+n:w:p:s:e:k")) != -1) {
		switch (o) {
		case 'n':
			rounds = (int)strtol(optarg, NULL, 10);
			break;
		case 'w':
			warm = (int)strtol(optarg, NULL, 10);
			break;
		case 'p':
			pause_ms = (int)strtol(optarg, NULL, 10);
			break;
		case 's':
			stepdir = optarg;
			break;
		case 'e':
			errlog = optarg;
			break;
		case 'k':
			keep = 1;
			break;
		default:
			fprintf(stderr, "usage: interleave [-n ROUNDS] [-w WARMUP] [-p PAUSE_MS] "
					"[-s STEPDIR] [-e ERRLOG] [-k] NAME CMD [NAME CMD]...\n");
			return 2;
		}
	}
	if (argc - optind < 2 || (argc - optind) % 2 || (argc - optind) / 2 > MAXCMD) {
		fprintf(stderr, "interleave: want NAME CMD pairs (at most %d)\n", MAXCMD);
		return 2;
	}
	for (int i = optind; i < argc; i += 2) {
		cmds[ncmd].name = argv[i];
		split(&cmds[ncmd], argv[i + 1]);
		ncmd++;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int r = -warm; r < rounds; r++) {
		for (int k = 0; k < ncmd; k++) {
			int idx = ((r + warm) + k) % ncmd;
			const struct cmd *c = &cmds[idx];
			struct timespec rest = {pause_ms / 1000, (pause_ms % 1000) * 1000000L};
			long long us;
			int st;

			if (pause_ms > 0)
				nanosleep(&rest, NULL);
			st = run(c, r >= 0, &us);

			if (r >= 0)
				printf("%s %d %lld %d\n", c->name, r, us, status_code(st));
			if (st != 0 && !keep) {
				fprintf(stderr, "interleave: %s failed (status %d), round %d\n",
					c->name, status_code(st), r);
				return 1;
			}
		}
	}
	return 0;
}
