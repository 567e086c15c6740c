/* /proc/PID/stat (src/run/proc.c, included here for its static parser): the start time
 * (field 22) that tells a jail's init from a process that took its pid later. The command
 * name in field 2 is the jail's to choose (prctl PR_SET_NAME, up to 15 bytes, ')' and spaces
 * included). The input is a command name, a NUL, then a whole stat line.
 *
 * Checked: a stat line the kernel would write for a process with that command name gives back
 * exactly its start time; any line parses without reading past its end, and a time parsed
 * from it is the decimal number standing as field 22. */
#include "run/proc.c"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *part[2];
	cleanup_free char *line = NULL;
	uint64_t want = 0, got = 0;

	fuzz_split(data, size, part, 2);
	/* The time comes from the input too, so that every width of number is tried. */
	for (size_t i = 0; i < size && i < 8; i++)
		want = want << 8 | data[size - 1 - i];
	line = xasprintf("4242 (%.15s) S 1 4242 4242 0 -1 4194560 312 0 0 0 1 2 0 0 20 0 1 0 "
			 "%" PRIu64 " 2433024 160 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 "
			 "1 0 0 0 0 0\n",
			 part[0], want);
	FUZZ_CHECK(stat_starttime(line, &got) == 0 && got == want,
		   "command '%s': start time %" PRIu64 " read as %" PRIu64, part[0], want, got);
	if (stat_starttime(part[1], &got) == 0) {
		/* In the kernel's format ") " ends field 2; then 19 more spaces, field 22. */
		const char *p = strrchr(part[1], ')') + 1;
		bool kernel_form = *p == ' ';

		for (int f = 3; f < 22 && p; f++)
			p = strchr(p + 1, ' ');
		FUZZ_CHECK(!kernel_form || (p && got == strtoull(p + 1, NULL, 10)),
			   "'%s': %" PRIu64 " is not field 22", part[1], got);
	}
	fuzz_free(part, 2);
	return 0;
}
