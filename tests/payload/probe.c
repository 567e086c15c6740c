/* probe: the payload of the e2e tests (tests/e2e/t100-run.sh, t110-attacks.sh). A static
 * program put into the test release as /bin/probe; run in a jail, it says what the jail lets
 * it see and do, one key=value per line.
 *
 *   probe                       the process: hostname, domainname, pid, ppid, uid, gid, groups,
 *                               cap_bnd, cap_eff, seccomp, no_new_privs, fds, cwd, mounts
 *   probe write FILE DATA       open FILE for writing and write DATA: write=ok|ERRNO
 *   probe rewrite FILE          write back what FILE holds (harmless if it works): rewrite=
 *   probe read FILE             read up to 64 KiB: read=ok:BYTES|ERRNO
 *   probe open-exe PID|self     open /proc/PID/exe O_WRONLY: open-exe=ok|ERRNO, and through an
 *                               O_PATH fd reopened by /proc/self/fd/N: reopen-exe=ok|ERRNO;
 *                               if either opened, its first byte written back onto itself:
 *                               write-exe=ok|ERRNO (- if nothing opened), opened=FILE
 *   probe exe PID|self          readlink /proc/PID/exe: exe=TARGET|ERRNO
 *   probe watch-exe SECONDS     scan /proc for other processes for that long; for each new
 *                               (pid, exe) print seen=PID TARGET wr=R reopen=R write=R (as
 *                               open-exe) opened=FILE (what the O_PATH fd really was, spaces
 *                               as _: the process may have exec'd since); then watched=N
 *   probe watch-leak SECONDS PATH...  scan /proc for other processes for that long; for
 *                               each, try every PATH below its cwd, root and every fd link
 *                               (/proc/PID/cwd/PATH...): leak=PID LINK PATH for each that
 *                               exists (the process holds a way out to it); then
 *                               watched=PIDS links=LINKS (how many the scan could look into)
 *   probe tiocsti [TEXT]        push TEXT (default "x") into stdin's terminal input:
 *                               stdin_tty=0|1, tiocsti=ok|ERRNO
 *   probe mount [FSTYPE [DATA [TARGET]]]  mount("none", TARGET (/mnt), FSTYPE (tmpfs)):
 *                               mount=ok|ERRNO (unmounted again if it worked)
 *   probe module                init_module=ERRNO, finit_module=ERRNO
 *   probe mknod [PATH [MAJ MIN]]  block device node (default /tmp/sda 8 0): mknod=ok|ERRNO
 *   probe mknod-chr PATH MAJ MIN  the same for a character device
 *   probe unshare               unshare=(NEWNS|NEWUSER), unshare_user=(NEWUSER),
 *                               unshare_net=, clone_newuser= (clone(2) with CLONE_NEWUSER)
 *   probe keyctl                keyctl=, add_key=
 *   probe sysrq                 write 'h' to /proc/sysrq-trigger: sysrq=ok|ERRNO
 *   probe sysfs [FILE]          rewrite a /sys file (default: the first of a few that exist):
 *                               sysfs_file=PATH, sysfs=ok|ERRNO
 *   probe mkdir DIR             mkdir (and rmdir again if it worked): mkdir=ok|ERRNO
 *   probe ls DIR                entry=NAME per entry (sorted), then ls=ok|ERRNO
 *   probe stat PATH             lstat: type=reg|dir|chr|blk|lnk|fifo|sock rdev=MAJ,MIN
 *   probe fork N [SECONDS]      fork N children that sleep SECONDS: forked=K, fork=ok|ERRNO
 *   probe ptrace PID            PTRACE_ATTACH (detached again if it worked): ptrace=ok|ERRNO
 *   probe handle                name_to_handle_at + open_by_handle_at on / (the "shocker"
 *                               escape): open_by_handle=ok|ERRNO
 *   probe bpf                   bpf(BPF_PROG_LOAD) with an empty program: bpf=ok|ERRNO
 *   probe sethostname NAME      sethostname=ok|ERRNO
 *   probe alloc MIB             allocate and touch MIB MiB, 1 MiB at a time: alloc=ok:MIB, or
 *                               alloc=ERRNO:DONE (a memory limit may kill it instead)
 *   probe nofile                open /dev/null until that fails: highest_fd=N, open=ERRNO
 *   probe spin SECONDS          burn CPU for that long (wall clock): spun=ok
 *   probe rlimit                nofile=SOFT:HARD, as=, data=, stack=, core=, memlock=, cpu=
 *   probe ptys N                open /dev/ptmx up to N times: ptys=K, ptmx=ok|ERRNO
 *   probe fill FILE MIB         write up to MIB MiB of random bytes to FILE (fsync'd each
 *                               MiB): filled=KIB, fill=ok|ERRNO
 * An attack that works prints "ok"; anything else is the errno's name. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWUSER
#define CLONE_NEWUSER 0x10000000
#endif
#ifndef CLONE_NEWNS
#define CLONE_NEWNS 0x00020000
#endif
#ifndef CLONE_NEWNET
#define CLONE_NEWNET 0x40000000
#endif

static const char *
ename(int e)
{
	static char buf[16];
	static const struct {
		int n;
		const char *s;
	} t[] = {
	    {EPERM, "EPERM"},	{ENOENT, "ENOENT"},   {ESRCH, "ESRCH"},	  {EINTR, "EINTR"},
	    {EIO, "EIO"},	{ENXIO, "ENXIO"},     {E2BIG, "E2BIG"},	  {ENOEXEC, "ENOEXEC"},
	    {EBADF, "EBADF"},	{ECHILD, "ECHILD"},   {EAGAIN, "EAGAIN"}, {ENOMEM, "ENOMEM"},
	    {EACCES, "EACCES"}, {EFAULT, "EFAULT"},   {EBUSY, "EBUSY"},	  {EEXIST, "EEXIST"},
	    {EXDEV, "EXDEV"},	{ENODEV, "ENODEV"},   {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"},
	    {EINVAL, "EINVAL"}, {ENFILE, "ENFILE"},   {EMFILE, "EMFILE"}, {ENOTTY, "ENOTTY"},
	    {ETXTBSY, "ETXTBSY"}, {EFBIG, "EFBIG"},   {ENOSPC, "ENOSPC"}, {ESPIPE, "ESPIPE"},
	    {EROFS, "EROFS"},	{EMLINK, "EMLINK"},   {EPIPE, "EPIPE"},	  {ENOSYS, "ENOSYS"},
	    {ELOOP, "ELOOP"},	{ENOTSUP, "ENOTSUP"}, {ENOKEY, "ENOKEY"}, {ESTALE, "ESTALE"},
	    {EKEYREJECTED, "EKEYREJECTED"}, {ENOTCONN, "ENOTCONN"}, {EDQUOT, "EDQUOT"},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].n == e)
			return t[i].s;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/* "ok" for r >= 0, else the name of errno. */
static const char *
res(long r)
{
	return r >= 0 ? "ok" : ename(errno);
}

static void
kv(const char *k, const char *v)
{
	printf("%s=%s\n", k, v);
}

/* The value of "Key:" in /proc/self/status, or "?". */
static void
status_field(const char *key, char *out, size_t len)
{
	char line[512];
	size_t kl = strlen(key);
	FILE *f = fopen("/proc/self/status", "re");

	snprintf(out, len, "?");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			char *v = line + kl + 1;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, len, "%s", v);
			break;
		}
	}
	fclose(f);
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void
report_fds(void)
{
	int fds[1024], n = 0;
	char buf[8192] = "";
	size_t off = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (!d) {
		kv("fds", ename(errno));
		return;
	}
	while ((de = readdir(d)) && n < 1024) {
		if (de->d_name[0] == '.')
			continue;
		if (atoi(de->d_name) == dirfd(d))
			continue;
		fds[n++] = atoi(de->d_name);
	}
	closedir(d);
	qsort(fds, (size_t)n, sizeof(int), cmp_int);
	for (int i = 0; i < n && off < sizeof(buf) - 16; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%d", i ? "," : "", fds[i]);
	kv("fds", buf);
}

static int
count_lines(const char *path)
{
	FILE *f = fopen(path, "re");
	int n = 0, c;

	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	return n;
}

static int
report(void)
{
	struct utsname u;
	char buf[4096];
	gid_t g[256];
	int n;
	size_t off = 0;

	if (uname(&u) == 0) {
		kv("hostname", u.nodename);
		kv("domainname", u.domainname);
	}
	printf("pid=%d\nppid=%d\nuid=%d\ngid=%d\n", (int)getpid(), (int)getppid(), (int)getuid(),
	       (int)getgid());
	printf("euid=%d\n", (int)geteuid());
	n = getgroups(256, g);
	buf[0] = '\0';
	for (int i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%d", i ? "," : "", (int)g[i]);
	kv("groups", buf);
	status_field("CapBnd", buf, sizeof(buf));
	kv("cap_bnd", buf);
	status_field("CapEff", buf, sizeof(buf));
	kv("cap_eff", buf);
	status_field("CapPrm", buf, sizeof(buf));
	kv("cap_prm", buf);
	status_field("CapAmb", buf, sizeof(buf));
	kv("cap_amb", buf);
	status_field("Seccomp", buf, sizeof(buf));
	kv("seccomp", buf);
	printf("no_new_privs=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	report_fds();
	kv("cwd", getcwd(buf, sizeof(buf)) ? buf : ename(errno));
	printf("mounts=%d\n", count_lines("/proc/self/mountinfo"));
	n = (int)readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	kv("exe", n < 0 ? ename(errno) : buf);
	return 0;
}

static long
write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, s, len);

		if (w < 0)
			return -1;
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

static int
do_write(const char *key, const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	long r;

	if (fd < 0) {
		kv(key, ename(errno));
		return 0;
	}
	r = write_all(fd, data, strlen(data));
	kv(key, res(r));
	close(fd);
	return 0;
}

/* Write back what the file holds: a test that fails changes nothing on the host. */
static int
do_rewrite(const char *key, const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0;
	long r;

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n <= 0)
		buf[0] = '\n', n = 1;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		kv(key, ename(errno));
		return 0;
	}
	r = write(fd, buf, (size_t)n);
	kv(key, res(r));
	close(fd);
	return 0;
}

static int
do_read(const char *path)
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		kv("read", ename(errno));
		return 0;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		kv("read", ename(errno));
	else
		printf("read=ok:%zd\n", n);
	close(fd);
	return 0;
}

static void
exe_path(const char *pid, char *buf, size_t len)
{
	snprintf(buf, len, "/proc/%s/exe", pid);
}

/* Write the first byte of the file open for writing as wfd back onto itself (read through
 * path): it shows whether the file can be written without changing it. */
static const char *
try_write(int wfd, const char *path)
{
	unsigned char b;
	int rfd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (rfd < 0)
		return "noread";
	n = pread(rfd, &b, 1, 0);
	close(rfd);
	if (n != 1)
		return "noread";
	return pwrite(wfd, &b, 1, 0) == 1 ? "ok" : ename(errno);
}

/* Open an exe for writing, directly and by reopening an O_PATH descriptor (the way the
 * CVE-2019-5736 exploit got past the "text file busy" check), and if either opens, write a
 * byte of it back onto itself: direct, reopen are the opens' results, wrote the write's
 * ("-" if nothing opened). */
static char opened[256]; /* what the O_PATH descriptor of the last try_exe refers to */

static void
try_exe(const char *path, const char **direct, const char **reopen, const char **wrote)
{
	char fdpath[64];
	int fd = open(path, O_WRONLY | O_CLOEXEC), pfd;
	ssize_t n;

	*wrote = "-";
	*direct = fd >= 0 ? "ok" : ename(errno);
	if (fd >= 0) {
		*wrote = try_write(fd, path);
		close(fd);
	}
	snprintf(opened, sizeof(opened), "-");
	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0) {
		*reopen = ename(errno);
		return;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", pfd);
	/* The process may have exec'd since its exe was read: name what this fd is. */
	n = readlink(fdpath, opened, sizeof(opened) - 1);
	opened[n < 0 ? 0 : n] = '\0';
	for (char *q = opened; *q; q++)
		if (*q == ' ')
			*q = '_';
	/* The exploit waited for the process to exec or exit before reopening. */
	usleep(20000);
	fd = open(fdpath, O_WRONLY | O_CLOEXEC);
	*reopen = fd >= 0 ? "ok" : ename(errno);
	if (fd >= 0) {
		const char *w = try_write(fd, fdpath);

		if (strcmp(*wrote, "ok") != 0)
			*wrote = w;
		close(fd);
	}
	close(pfd);
}

static int
do_open_exe(const char *pid)
{
	char path[300];
	const char *a, *b, *c;

	exe_path(pid, path, sizeof(path));
	try_exe(path, &a, &b, &c);
	kv("open-exe", a);
	kv("reopen-exe", b);
	kv("write-exe", c);
	kv("opened", opened);
	return 0;
}

static int
do_exe(const char *pid)
{
	char path[300], buf[4096];
	ssize_t n;

	exe_path(pid, path, sizeof(path));
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0) {
		kv("exe", ename(errno));
		return 0;
	}
	buf[n] = '\0';
	kv("exe", buf);
	return 0;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Watch for processes that appear in the jail and try to write to their executables. */
static int
do_watch_exe(const char *secs)
{
	enum { MAXSEEN = 8192 };
	static struct {
		int pid;
		char exe[200];
	} seen[MAXSEEN];
	int nseen = 0, self = getpid();
	double end = now() + atof(secs);

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (now() < end) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		if (!d) {
			kv("watch", ename(errno));
			return 0;
		}
		while ((de = readdir(d))) {
			char path[300], buf[200];
			const char *a, *b, *c;
			int pid = atoi(de->d_name), known = 0;
			ssize_t n;

			if (pid <= 0 || pid == self)
				continue;
			exe_path(de->d_name, path, sizeof(path));
			n = readlink(path, buf, sizeof(buf) - 1);
			if (n < 0)
				snprintf(buf, sizeof(buf), "(%s)", ename(errno));
			else
				buf[n] = '\0';
			for (int i = nseen - 1; i >= 0 && i >= nseen - 256; i--)
				if (seen[i].pid == pid && strcmp(seen[i].exe, buf) == 0) {
					known = 1;
					break;
				}
			if (known)
				continue;
			try_exe(path, &a, &b, &c);
			printf("seen=%d %s wr=%s reopen=%s write=%s opened=%s\n", pid, buf, a, b, c,
			       opened);
			if (nseen < MAXSEEN) {
				seen[nseen].pid = pid;
				snprintf(seen[nseen].exe, sizeof(seen[nseen].exe), "%s", buf);
				nseen++;
			}
		}
		closedir(d);
	}
	printf("watched=%d\n", nseen);
	return 0;
}

/* Try every path below one link of pid (cwd, root, fd/N); print the ones that exist. */
static void
leak_try(int pid, const char *link, char **paths, int npaths)
{
	char p[4400];
	struct stat st;

	for (int i = 0; i < npaths; i++) {
		snprintf(p, sizeof(p), "/proc/%d/%s/%s", pid, link, paths[i]);
		if (lstat(p, &st) == 0)
			printf("leak=%d %s %s\n", pid, link, paths[i]);
	}
}

/* The cwd, root and open files of one process: how many links could be looked into. */
static int
leak_scan(int pid, char **paths, int npaths)
{
	char dir[64], link[300];
	struct dirent *de;
	int links = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/cwd", pid);
	if (access(dir, F_OK) == 0)
		links++;
	leak_try(pid, "cwd", paths, npaths);
	leak_try(pid, "root", paths, npaths);
	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	if (!(d = opendir(dir)))
		return links;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		links++;
		snprintf(link, sizeof(link), "fd/%s", de->d_name);
		leak_try(pid, link, paths, npaths);
	}
	closedir(d);
	return links;
}

/* Watch for processes that appear in the jail (iocage's own, on their way in, above all)
 * and look for the host through what they hold: CVE-2024-21626 left runc's fd of the host's
 * /sys/fs/cgroup open in the container, and its cwd outside the root. */
static int
do_watch_leak(const char *secs, char **paths, int npaths)
{
	enum { MAXSEEN = 65536 };
	static int seen[MAXSEEN];
	int nseen = 0, links = 0, self = getpid();
	double end = now() + atof(secs);

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (now() < end) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		if (!d) {
			kv("watch", ename(errno));
			return 0;
		}
		while ((de = readdir(d))) {
			int pid = atoi(de->d_name), known = 0;

			if (pid <= 0 || pid == self)
				continue;
			/* Looked into each time: what a process holds changes as it goes from
			 * the host into the jail. */
			links += leak_scan(pid, paths, npaths);
			for (int i = 0; i < nseen && !known; i++)
				known = seen[i] == pid;
			if (!known && nseen < MAXSEEN)
				seen[nseen++] = pid;
		}
		closedir(d);
	}
	printf("watched=%d links=%d\n", nseen, links);
	return 0;
}

static int
do_tiocsti(const char *text)
{
	long r = 0;

	printf("stdin_tty=%d\n", isatty(0));
	for (const char *p = text; *p && r >= 0; p++)
		r = ioctl(0, TIOCSTI, p);
	kv("tiocsti", res(r));
	return 0;
}

static int
do_mount(const char *fstype, const char *data, const char *target)
{
	long r = mount("none", target, fstype, 0, data);

	kv("mount", res(r));
	if (r == 0)
		umount2(target, MNT_DETACH);
	return 0;
}

static int
do_module(void)
{
	static const char image[64];
	int fd;
	long r;

	r = syscall(SYS_init_module, image, sizeof(image), "");
	kv("init_module", res(r));
	fd = open("/bin/probe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	r = syscall(SYS_finit_module, fd, "", 0);
	kv("finit_module", res(r));
	if (fd >= 0)
		close(fd);
	return 0;
}

static int
do_mknod(const char *path, mode_t type, unsigned maj, unsigned min)
{
	long r = mknod(path, type | 0600, makedev(maj, min));

	kv("mknod", res(r));
	if (r == 0)
		unlink(path);
	return 0;
}

static int
do_unshare(void)
{
	pid_t pid;

	/* Each in a child: a success must not change this process. */
	struct {
		const char *key;
		int flags;
	} t[] = {{"unshare", CLONE_NEWNS | CLONE_NEWUSER},
		 {"unshare_user", CLONE_NEWUSER},
		 {"unshare_net", CLONE_NEWNET},
		 {"unshare_ns", CLONE_NEWNS}};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int st = 0, p[2];
		char c = '?';

		if (pipe(p) < 0)
			return 1;
		pid = fork();
		if (pid == 0) {
			char out = unshare(t[i].flags) == 0 ? 0 : (char)errno;

			if (write(p[1], &out, 1) < 0)
				_exit(1);
			_exit(0);
		}
		close(p[1]);
		if (pid < 0 || read(p[0], &c, 1) != 1)
			kv(t[i].key, "EPROBE");
		else
			kv(t[i].key, c == 0 ? "ok" : ename((unsigned char)c));
		close(p[0]);
		if (pid > 0)
			waitpid(pid, &st, 0);
	}
	{
		/* clone(2) itself (flags in a register the filter can see), like fork. */
		int st;
		long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);

		if (r == 0)
			_exit(0);
		kv("clone_newuser", res(r));
		if (r > 0)
			waitpid((pid_t)r, &st, 0);
	}
	return 0;
}

static int
do_keyctl(void)
{
	long r;

	/* KEYCTL_JOIN_SESSION_KEYRING = 1; a new anonymous session keyring. */
	r = syscall(SYS_keyctl, 1, 0, 0, 0, 0);
	kv("keyctl", res(r));
	/* KEY_SPEC_PROCESS_KEYRING = -2 */
	r = syscall(SYS_add_key, "user", "ioc-probe", "x", 1, -2);
	kv("add_key", res(r));
	return 0;
}

static int
do_sysfs(const char *file)
{
	static const char *const cand[] = {
	    "/sys/kernel/profiling",   "/sys/kernel/uevent_helper",
	    "/sys/kernel/mm/ksm/run",   "/sys/module/printk/parameters/time",
	    "/sys/kernel/debug/x",	NULL,
	};

	if (!file) {
		for (size_t i = 0; cand[i]; i++)
			if (access(cand[i], F_OK) == 0) {
				file = cand[i];
				break;
			}
	}
	if (!file) {
		kv("sysfs_file", "none");
		kv("sysfs", "ENOENT");
		return 0;
	}
	kv("sysfs_file", file);
	return do_rewrite("sysfs", file);
}

static int
do_mkdir(const char *dir)
{
	long r = mkdir(dir, 0700);

	kv("mkdir", res(r));
	if (r == 0)
		rmdir(dir);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
do_ls(const char *dir)
{
	char *names[4096];
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		kv("ls", ename(errno));
		return 0;
	}
	while ((de = readdir(d)) && n < 4096)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(char *), cmp_str);
	for (int i = 0; i < n; i++) {
		kv("entry", names[i]);
		free(names[i]);
	}
	kv("ls", "ok");
	return 0;
}

static int
do_stat(const char *path)
{
	struct stat st;
	const char *t;

	if (lstat(path, &st) < 0) {
		kv("type", ename(errno));
		return 0;
	}
	switch (st.st_mode & S_IFMT) {
	case S_IFREG: t = "reg"; break;
	case S_IFDIR: t = "dir"; break;
	case S_IFCHR: t = "chr"; break;
	case S_IFBLK: t = "blk"; break;
	case S_IFLNK: t = "lnk"; break;
	case S_IFIFO: t = "fifo"; break;
	default: t = "sock"; break;
	}
	kv("type", t);
	printf("rdev=%u,%u\n", major(st.st_rdev), minor(st.st_rdev));
	printf("mode=%o\n", (unsigned)(st.st_mode & 07777));
	return 0;
}

static int
do_fork(int n, unsigned secs)
{
	int k = 0;
	const char *err = "ok";

	for (int i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0) {
			if (secs)
				sleep(secs);
			_exit(0);
		}
		if (p < 0) {
			err = ename(errno);
			break;
		}
		k++;
	}
	printf("forked=%d\n", k);
	kv("fork", err);
	while (wait(NULL) > 0)
		;
	return 0;
}

static int
do_ptrace(const char *pid)
{
	pid_t p = (pid_t)atoi(pid);
	long r = ptrace(PTRACE_ATTACH, p, 0, 0);

	kv("ptrace", res(r));
	if (r == 0) {
		waitpid(p, NULL, __WALL);
		ptrace(PTRACE_DETACH, p, 0, 0);
	}
	return 0;
}

static int
do_handle(void)
{
	struct {
		unsigned int bytes;
		int type;
		unsigned char h[128];
	} fh;
	int mnt = -1, fd;
	long r;

	fh.bytes = sizeof(fh.h);
	r = syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &fh, &mnt, 0);
	kv("name_to_handle", res(r));
	if (r < 0) {
		/* Forge one: the shocker exploit guessed the root inode's handle. */
		memset(&fh, 0, sizeof(fh));
		fh.bytes = 8;
		fh.type = 1;
		fh.h[0] = 2;
	}
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = syscall(SYS_open_by_handle_at, fd, &fh, O_RDONLY);
	kv("open_by_handle", res(r));
	if (r >= 0)
		close((int)r);
	close(fd);
	return 0;
}

static int
do_bpf(void)
{
	/* BPF_PROG_LOAD = 5 with an all-zero attribute: only the permission check matters. */
	unsigned char attr[128] = {0};
	long r = syscall(SYS_bpf, 5, attr, sizeof(attr));

	kv("bpf", res(r));
	return 0;
}

static int
do_alloc(long mib)
{
	long done = 0;

	for (; done < mib; done++) {
		char *p = malloc(1 << 20);

		if (!p) {
			printf("alloc=%s:%ld\n", ename(errno), done);
			return 0;
		}
		memset(p, 1, 1 << 20); /* touched: charged to the cgroup */
	}
	printf("alloc=ok:%ld\n", done);
	return 0;
}

static int
do_nofile(void)
{
	int fd, high = -1;

	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		high = fd;
	printf("highest_fd=%d\n", high);
	kv("open", ename(errno));
	return 0;
}

static int
do_spin(unsigned secs)
{
	time_t end = time(NULL) + secs;
	volatile unsigned long n = 0;

	while (time(NULL) < end)
		for (int i = 0; i < 100000; i++)
			n++;
	kv("spun", "ok");
	return 0;
}

static void
rl_show(const char *name, int res)
{
	struct rlimit r;

	if (getrlimit(res, &r) < 0) {
		kv(name, ename(errno));
		return;
	}
	if (r.rlim_cur == RLIM_INFINITY)
		printf("%s=inf:", name);
	else
		printf("%s=%llu:", name, (unsigned long long)r.rlim_cur);
	if (r.rlim_max == RLIM_INFINITY)
		printf("inf\n");
	else
		printf("%llu\n", (unsigned long long)r.rlim_max);
}

static int
do_rlimit(void)
{
	rl_show("nofile", RLIMIT_NOFILE);
	rl_show("as", RLIMIT_AS);
	rl_show("data", RLIMIT_DATA);
	rl_show("stack", RLIMIT_STACK);
	rl_show("core", RLIMIT_CORE);
	rl_show("memlock", RLIMIT_MEMLOCK);
	rl_show("cpu", RLIMIT_CPU);
	return 0;
}

static int
do_ptys(int n)
{
	int k = 0;
	const char *err = "ok";

	for (; k < n; k++) {
		if (open("/dev/ptmx", O_RDWR | O_NOCTTY) < 0) {
			err = ename(errno);
			break;
		}
	}
	printf("ptys=%d\n", k);
	kv("ptmx", err);
	return 0;
}

static int
do_fill(const char *file, long mib)
{
	static char buf[65536];
	unsigned long long seed = 0x9e3779b97f4a7c15ULL ^ (unsigned long long)getpid();
	long kib = 0;
	const char *err = "ok";
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0) {
		kv("fill", ename(errno));
		return 0;
	}
	while (kib < mib * 1024) {
		ssize_t n;

		/* Random bytes: compression (lz4 on ZFS) must not shrink them. */
		for (size_t i = 0; i < sizeof(buf) / sizeof(seed); i++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			memcpy(buf + i * sizeof(seed), &seed, sizeof(seed));
		}
		n = write(fd, buf, sizeof(buf));

		if (n < 0) {
			err = ename(errno);
			break;
		}
		kib += n / 1024;
		if (kib % 1024 == 0 && fsync(fd) < 0) {
			err = ename(errno);
			break;
		}
	}
	if (!strcmp(err, "ok") && fsync(fd) < 0)
		err = ename(errno);
	if (close(fd) < 0 && !strcmp(err, "ok"))
		err = ename(errno);
	printf("filled=%ld\n", kib);
	kv("fill", err);
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: probe [write FILE DATA|rewrite FILE|read FILE|open-exe PID|exe PID|"
			"watch-exe SECS|watch-leak SECS PATH...|tiocsti [TEXT]|"
			"mount [FSTYPE [DATA [TARGET]]]|module|"
			"mknod [PATH [MAJ MIN]]|mknod-chr PATH MAJ MIN|unshare|keyctl|sysrq|"
			"sysfs [FILE]|mkdir DIR|ls DIR|stat PATH|fork N [SECS]|ptrace PID|handle|"
			"bpf|sethostname NAME|alloc MIB|nofile|spin SECS|rlimit|ptys N|fill FILE MIB]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!op)
		return report();
#define ARGS(n)                                                                                    \
	do {                                                                                       \
		if (argc < 2 + (n))                                                                \
			return usage();                                                            \
	} while (0)
	if (!strcmp(op, "write")) {
		ARGS(2);
		return do_write("write", argv[2], argv[3]);
	}
	if (!strcmp(op, "rewrite")) {
		ARGS(1);
		return do_rewrite("rewrite", argv[2]);
	}
	if (!strcmp(op, "read")) {
		ARGS(1);
		return do_read(argv[2]);
	}
	if (!strcmp(op, "open-exe")) {
		ARGS(1);
		return do_open_exe(argv[2]);
	}
	if (!strcmp(op, "exe")) {
		ARGS(1);
		return do_exe(argv[2]);
	}
	if (!strcmp(op, "watch-leak")) {
		if (argc < 4)
			return usage();
		return do_watch_leak(argv[2], argv + 3, argc - 3);
	}
	if (!strcmp(op, "watch-exe")) {
		ARGS(1);
		return do_watch_exe(argv[2]);
	}
	if (!strcmp(op, "tiocsti"))
		return do_tiocsti(argc > 2 ? argv[2] : "x");
	if (!strcmp(op, "mount"))
		return do_mount(argc > 2 ? argv[2] : "tmpfs", argc > 3 ? argv[3] : NULL,
				argc > 4 ? argv[4] : "/mnt");
	if (!strcmp(op, "module"))
		return do_module();
	if (!strcmp(op, "mknod")) {
		if (argc > 4)
			return do_mknod(argv[2], S_IFBLK, (unsigned)atoi(argv[3]),
					(unsigned)atoi(argv[4]));
		return do_mknod(argc > 2 ? argv[2] : "/tmp/sda", S_IFBLK, 8, 0);
	}
	if (!strcmp(op, "mknod-chr")) {
		ARGS(3);
		return do_mknod(argv[2], S_IFCHR, (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]));
	}
	if (!strcmp(op, "unshare"))
		return do_unshare();
	if (!strcmp(op, "keyctl"))
		return do_keyctl();
	if (!strcmp(op, "sysrq"))
		return do_write("sysrq", "/proc/sysrq-trigger", "h");
	if (!strcmp(op, "sysfs"))
		return do_sysfs(argc > 2 ? argv[2] : NULL);
	if (!strcmp(op, "mkdir")) {
		ARGS(1);
		return do_mkdir(argv[2]);
	}
	if (!strcmp(op, "ls")) {
		ARGS(1);
		return do_ls(argv[2]);
	}
	if (!strcmp(op, "stat")) {
		ARGS(1);
		return do_stat(argv[2]);
	}
	if (!strcmp(op, "fork")) {
		ARGS(1);
		return do_fork(atoi(argv[2]), argc > 3 ? (unsigned)atoi(argv[3]) : 0);
	}
	if (!strcmp(op, "ptrace")) {
		ARGS(1);
		return do_ptrace(argv[2]);
	}
	if (!strcmp(op, "handle"))
		return do_handle();
	if (!strcmp(op, "bpf"))
		return do_bpf();
	if (!strcmp(op, "alloc")) {
		ARGS(1);
		return do_alloc(atol(argv[2]));
	}
	if (!strcmp(op, "fill")) {
		ARGS(2);
		return do_fill(argv[2], atol(argv[3]));
	}
	if (!strcmp(op, "nofile"))
		return do_nofile();
	if (!strcmp(op, "spin")) {
		ARGS(1);
		return do_spin((unsigned)atoi(argv[2]));
	}
	if (!strcmp(op, "rlimit"))
		return do_rlimit();
	if (!strcmp(op, "ptys")) {
		ARGS(1);
		return do_ptys(atoi(argv[2]));
	}
	if (!strcmp(op, "sethostname")) {
		ARGS(1);
		kv("sethostname", res(sethostname(argv[2], strlen(argv[2]))));
		return 0;
	}
	return usage();
}
