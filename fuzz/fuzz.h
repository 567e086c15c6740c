/* What every libFuzzer harness shares (fuzz/fuzz_*.c, built by `make fuzz`): the entry point,
 * a check that aborts with a message (libFuzzer keeps the input that did it), and the helpers
 * that turn fuzz bytes into the strings the parsers take. A harness keeps no state between
 * inputs and frees everything it allocates, so that LeakSanitizer and libFuzzer's -runs
 * repetitions see the same behaviour for the same input. */
#ifndef IOC_FUZZ_FUZZ_H
#define IOC_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the parser must keep; failing it is a finding, reported as a crash. */
#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz check failed at %s:%d: %s\n  ", __FILE__, __LINE__,  \
				#cond);                                                            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fprintf(stderr, "\n");                                                     \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The bytes as a C string: a NUL in the input ends it, as it would end an argv word or a
 * property value. */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	return xstrndup((const char *)data, size);
}

/* Split the input at its NULs into n malloc'd C strings (missing parts are empty; bytes after
 * the n-th part are ignored). For harnesses with several operands. */
static inline void
fuzz_split(const uint8_t *data, size_t size, char **parts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const uint8_t *z = memchr(data, '\0', size);
		size_t len = z ? (size_t)(z - data) : size;

		parts[i] = xstrndup((const char *)data, len);
		data += len;
		size -= len;
		if (size) {
			data++;
			size--;
		}
	}
}

static inline void
fuzz_free(char **parts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(parts[i]);
}

/* An error message is printed on the user's terminal as it is: whatever hostile bytes a
 * parser quotes must have gone through str_shown first. Printable ASCII only. */
static inline bool
fuzz_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

#define FUZZ_CHECK_MSG(e)                                                                          \
	FUZZ_CHECK((e)->msg[0] != '\0' && fuzz_printable((e)->msg),                                \
		   "an error message that is empty or not printable: '%s'", (e)->msg)

#endif
