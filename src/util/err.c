#include "util/err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void
verr(struct ioc_err *e, int code, const char *fmt, va_list ap)
{
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int
err_set(struct ioc_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(e, code, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_sys(struct ioc_err *e, const char *fmt, ...)
{
	int saved = errno;
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	verr(e, saved, fmt, ap);
	va_end(ap);
	len = strlen(e->msg);
	snprintf(e->msg + len, sizeof(e->msg) - len, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

int
err_wrap(struct ioc_err *e, const char *fmt, ...)
{
	char old[sizeof(e->msg)];
	size_t len;
	va_list ap;

	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	len = strlen(e->msg);
	snprintf(e->msg + len, sizeof(e->msg) - len, ": %s", old);
	return -1;
}

void
err_clear(struct ioc_err *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}
