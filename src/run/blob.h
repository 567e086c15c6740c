/* The jail's own small program (src/run/init.c, a static binary built with musl and embedded
 * in iocage): PID 1 of every jail (a reaper), and the last step of every exec into a jail.
 * It always runs from a sealed memfd, so no process in a jail can reach a host binary through
 * /proc/PID/exe (CVE-2019-5736): writing a sealed memfd fails. */
#ifndef IOC_RUN_BLOB_H
#define IOC_RUN_BLOB_H

#include "util/err.h"

/* A new sealed (F_SEAL_SEAL|SHRINK|GROW|WRITE), close-on-exec memfd holding the program. */
int blob_memfd(struct ioc_err *e);

/* execveat(fd, "", argv, envp, AT_EMPTY_PATH). Returns only on failure (-1, e set).
 * The program's modes (argv[1]):
 *   "init"            PID 1: reap children until killed; never exits on its own.
 *   "exec" CMD ARGS   execvp CMD (PATH from the environment, else a default), report
 *                     exec failure on stderr and exit 127. */
int blob_exec(int fd, char *const argv[], char *const envp[], struct ioc_err *e);

#endif
