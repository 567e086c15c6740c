/* The jail's program (src/init/init.c, built as build/init) embedded in iocage's .rodata, and
 * run from a sealed memfd. */
#include "run/blob.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/syscalls.h"

/* The Makefile defines it for this object (build-san/init with SAN=1); the default is for
 * tools that parse the file without building it (cppcheck, clang-tidy). */
#ifndef IOC_INIT_PATH
#define IOC_INIT_PATH "build/init"
#endif

/* Linux 6.3: without MFD_EXEC a memfd may be created non-executable (vm.memfd_noexec=1). */
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

/* The assembler includes the file (the Makefile makes this object depend on it) and stores
 * its size, so that C never subtracts pointers to two different objects. */
__asm__(".pushsection .rodata\n"
	".balign 64\n"
	".globl ioc_init_blob\n"
	".hidden ioc_init_blob\n"
	"ioc_init_blob:\n"
	".incbin \"" IOC_INIT_PATH "\"\n"
	"ioc_init_blob_end:\n"
	".balign 8\n"
	".globl ioc_init_blob_size\n"
	".hidden ioc_init_blob_size\n"
	"ioc_init_blob_size:\n"
	".quad ioc_init_blob_end - ioc_init_blob\n"
	".popsection\n");

extern const unsigned char ioc_init_blob[] __attribute__((visibility("hidden")));
extern const uint64_t ioc_init_blob_size __attribute__((visibility("hidden")));

/* memfd_create with MFD_EXEC, or without it on kernels older than 6.3 (which refuse unknown
 * flags with EINVAL); the answer is remembered. */
static int
memfd_exec(const char *name)
{
	static int no_mfd_exec;
	unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	int fd;

	if (!no_mfd_exec) {
		fd = memfd_create(name, flags | MFD_EXEC);
		if (fd >= 0 || errno != EINVAL)
			return fd;
		no_mfd_exec = 1;
	}
	return memfd_create(name, flags);
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
blob_memfd(struct ioc_err *e)
{
	size_t len = (size_t)ioc_init_blob_size;
	int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL;
	cleanup_close int fd = -1;

	fd = memfd_exec("iocage-init");
	if (fd < 0)
		return err_sys(e, "memfd_create for the jail's init program");
	if (write_all(fd, ioc_init_blob, len) < 0)
		return err_sys(e, "write the jail's init program to its memfd");
	/* FUTURE_WRITE (5.1) first: on its own it is weaker than WRITE, so failing is harmless. */
	(void)fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE);
	if (fcntl(fd, F_ADD_SEALS, seals) < 0)
		return err_sys(e, "seal the jail's init program");
	return TAKE_FD(fd);
}

int
blob_exec(int fd, char *const argv[], char *const envp[], struct ioc_err *e)
{
	/* AT_EMPTY_PATH runs the file itself: no path, so /proc need not be mounted, and an ELF
	 * needs no /dev/fd/N after exec, so close-on-exec on fd does no harm. */
	sys_execveat(fd, "", argv, envp, AT_EMPTY_PATH);
	return err_sys(e, "execute the jail's init program");
}
