/* util/str.c: what hostile text becomes on a terminal (str_shown, str_fputs_safe) and in JSON
 * (sbuf_add_json), and UTF-8 sequences (str_utf8_len). fuzz/fuzz_str.c checks the same
 * properties on random input. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/str.h"

static char *
safe(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	str_fputs_safe(s, f);
	fclose(f);
	return buf;
}

static char *
json(const char *s)
{
	struct sbuf b = {0};

	sbuf_add_json(&b, s);
	return sbuf_take(&b);
}

int
main(void)
{
	char *t, buf[16];

	ok(str_utf8_len("a") == 1 && str_utf8_len("\xc3\xa9") == 2 &&
	       str_utf8_len("\xe2\x82\xac") == 3 && str_utf8_len("\xf0\x9f\x98\x80") == 4,
	   "str_utf8_len: 1 to 4 bytes");
	ok(str_utf8_len("\xff") == 0 && str_utf8_len("\xc0\xaf") == 0 &&
	       str_utf8_len("\xed\xa0\x80") == 0 && str_utf8_len("\xf4\x90\x80\x80") == 0 &&
	       str_utf8_len("\xc3") == 0,
	   "str_utf8_len: not UTF-8 (a bad byte, overlong, surrogate, past U+10FFFF, cut)");

	t = safe("etc/\x1b]0;owned\x07 caf\xc3\xa9 \xc2\x9b"
		 "1m \xff end");
	is_str(t, "etc/\\x1b]0;owned\\x07 caf\xc3\xa9 \\xc2\\x9b1m \\xff end",
	       "str_fputs_safe: controls, C1 and bad bytes shown, UTF-8 kept");
	free(t);

	t = json("caf\xc3\xa9 \"q\" \\ \x01 \xff\xfe");
	is_str(t, "\"caf\xc3\xa9 \\\"q\\\" \\\\ \\u0001 \\ufffd\\ufffd\"",
	       "sbuf_add_json: bytes that are not UTF-8 become U+FFFD (valid JSON)");
	free(t);

	str_shown("\x1b[2J", buf, sizeof(buf));
	is_str(buf, "\\x1b[2J", "str_shown escapes an escape sequence");
	return tap_done();
}
