/* Fault injection for the tests: iocage kills itself with SIGKILL at a chosen point (see
 * fault.c). */
#ifndef IOC_UTIL_FAULT_H
#define IOC_UTIL_FAULT_H

/* A state-changing step has just been done (what names it, e.g. "zfs destroy"). Counts it;
 * with IOCAGE_FAULT_TRACE=FILE appends "N what" to FILE; with IOCAGE_FAULT_AT=N, the Nth
 * point of this process kills it with SIGKILL. Free when neither variable is set. */
void fault_point(const char *what);

#endif
