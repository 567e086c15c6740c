/* util/str: how input is judged and shown in messages (str_text_bad, str_shown). */
#include "tap.h"

#include "util/str.h"

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
	text();
	shown();
	return tap_done();
}
