/* Errors: a fixed buffer filled where a failure happens, context added on the way up,
 * printed once by main. The error path never allocates, so it cannot fail for lack of memory. */
#ifndef IOC_UTIL_ERR_H
#define IOC_UTIL_ERR_H

#include <stdarg.h>

struct ioc_err {
	int code; /* an errno value, or 0 when the failure is not a system call's */
	char msg[1024];
};

#define IOC_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Fill e with a message; code is an errno value or 0. Returns -1. */
int err_set(struct ioc_err *e, int code, const char *fmt, ...) IOC_PRINTF(3, 4);
/* Like err_set, with errno as the code and ": strerror(errno)" appended. Returns -1. */
int err_sys(struct ioc_err *e, const char *fmt, ...) IOC_PRINTF(2, 3);
/* Prefix context to the message already in e: "context: old message". Returns -1. */
int err_wrap(struct ioc_err *e, const char *fmt, ...) IOC_PRINTF(2, 3);
void err_clear(struct ioc_err *e);

#endif
