/* Locks: flock(2) on files, one per object (see lock.c for where they live). A lock dies with its
 * holder, so a SIGKILLed iocage never leaves one behind, and a half-made object (marked with
 * the user property "creating") whose lock is free is known to be a leftover. */
#ifndef IOC_CORE_LOCK_H
#define IOC_CORE_LOCK_H

#include <stdbool.h>

#include "store/store.h"
#include "util/err.h"
#include "util/str.h"

#define IOC_RUNDIR "/run/iocage"

/* Take the lock NAME ("jail-UUID", "release-NAME", "tags", "network") of store st. With wait,
 * block (up to timeout_s seconds, then ETIMEDOUT); without, EWOULDBLOCK at once. Either
 * message names the lock and its holder (its PID and command line, which the holder writes
 * into the lock file). Returns an fd (>= 0) to pass to lock_release. */
int lock_take(const struct store *st, const char *name, bool wait, int timeout_s,
	      struct ioc_err *e);
/* 1 if someone holds NAME now, 0 if not. */
int lock_held(const struct store *st, const char *name);
void lock_release(int fd);
/* Remove the lock file of an object that is gone, while holding its lock: a waiter that
 * opened it before then locks a file nobody else will, and finds the object gone. */
void lock_remove(const struct store *st, const char *name);
/* Remove the free lock files "jail-UUID" of st whose UUID is not in live (sorted). */
void lock_sweep(const struct store *st, const struct strv *live);

/* The store's name in /run/iocage: zfs.POOL, or dir.ROOT with the root's '/' as '%' (a hash
 * when that would be too long). Locks and run records are named with it. */
void run_key(const struct store *st, char *buf, size_t len);

/* The user property that marks a dataset still being made; its value is the lock name. */
#define PARTIAL_KEY STORE_PARTIAL_KEY

#endif
