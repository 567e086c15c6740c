/* Scope-bound ownership: a variable marked cleanup_* is released when it goes out of scope
 * unless ownership is handed on with TAKE_PTR / TAKE_FD. */
#ifndef IOC_UTIL_CLEANUP_H
#define IOC_UTIL_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void
cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void
cleanup_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void
cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void
cleanup_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define cleanup_free     __attribute__((cleanup(cleanup_freep)))
#define cleanup_close    __attribute__((cleanup(cleanup_closep)))
#define cleanup_fclose   __attribute__((cleanup(cleanup_fclosep)))
#define cleanup_closedir __attribute__((cleanup(cleanup_closedirp)))

#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) take_ptr_tmp_ = (p);                                                 \
		(p) = NULL;                                                                        \
		take_ptr_tmp_;                                                                     \
	})

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int take_fd_tmp_ = (fd);                                                           \
		(fd) = -1;                                                                         \
		take_fd_tmp_;                                                                      \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
