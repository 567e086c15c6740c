/* util/str.c: what hostile text becomes on a terminal (str_shown, str_fputs_safe) and in JSON
 * (sbuf_add_json), UTF-8 sequences (str_utf8_len), and how input is judged (str_text_bad).
 * fuzz/fuzz_str.c checks the same properties on random input. */
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

static void
text(void)
{
	ok(str_text_bad("") == 0, "the empty string is text");
	ok(str_text_bad("/var/tmp/jail root") == 0, "ASCII with a space is text");
	ok(str_text_bad("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\xb3") == 0,
	   "UTF-8 of 2, 3, 4 bytes");
	ok(str_text_bad("a\nb") == 2, "a newline at byte 2");
	ok(str_text_bad("\x01") == 1, "\\x01 at byte 1");
	ok(str_text_bad("ok\x1b[2J") == 3, "ESC at byte 3");
	ok(str_text_bad("tab\there") == 4, "a tab");
	ok(str_text_bad("del\x7f") == 4, "DEL");
	ok(str_text_bad("csi\xc2\x9b") == 4, "C1 CSI (U+009B) as UTF-8");
	ok(str_text_bad("\xff\xfe") == 1, "bytes that are never UTF-8");
	ok(str_text_bad("x\xc0\xaf") == 2, "an overlong '/'");
	ok(str_text_bad("x\xed\xa0\x80") == 2, "a surrogate");
	ok(str_text_bad("x\xf4\x90\x80\x80") == 2, "past U+10FFFF");
	ok(str_text_bad("cut\xe2\x9c") == 4, "a sequence cut by the end");
}

static void
shown(void)
{
	char buf[16];

	is_str(str_shown("plain", buf, sizeof(buf)), "plain", "printable ASCII is kept");
	is_str(str_shown("\x1b[2J", buf, sizeof(buf)), "\\x1b[2J", "ESC is shown as \\x1b");
	is_str(str_shown("a\nb", buf, sizeof(buf)), "a\\x0ab", "a newline adds no line");
	is_str(str_shown("\xff\xfe", buf, sizeof(buf)), "\\xff\\xfe", "bytes past ASCII");
	is_str(str_shown("AAAAAAAAAAAAAAAAAAAA", buf, sizeof(buf)), "AAAAAAAAA...",
	       "a long string is cut with ...");
	ok(strlen(str_shown("\x01\x01\x01\x01\x01\x01", buf, sizeof(buf))) < sizeof(buf),
	   "escapes never overrun the buffer");
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
	text();
	shown();
	return tap_done();
}
