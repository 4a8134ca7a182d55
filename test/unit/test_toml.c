/* The TOML subset: every value form with its position, and every error class. */
#include "check.h"
#include "toml.h"

/* Small on purpose, so the capacity errors are reachable. */
#define TEST_ELEMS 8
#define TEST_STRINGS 64

static struct toml_value elems[TEST_ELEMS];
static char strings[TEST_STRINGS];
static const struct toml_scratch scratch = { elems, TEST_ELEMS, strings, TEST_STRINGS };
static struct mk_diags diags;
static char items_out[4096], errors_out[4096];
static struct mk_buf items_buf;

static void render_value(struct mk_buf *b, const struct toml_value *v)
{
	switch (v->type) {
	case TOML_INVALID:
		mk_buf_puts(b, "invalid");
		break;
	case TOML_STRING:
		mk_buf_putc(b, '"');
		for (uint32_t i = 0; i < v->len; i++) {
			unsigned char ch = (unsigned char)v->s[i];
			if (ch == '"' || ch == '\\')
				mk_buf_printf(b, "\\%c", ch);
			else if (ch >= 0x20 && ch < 0x7F)
				mk_buf_putc(b, (char)ch);
			else
				mk_buf_printf(b, "\\x%02X", ch);
		}
		mk_buf_putc(b, '"');
		break;
	case TOML_INT:
		mk_buf_printf(b, "%ld", (long)v->i);
		break;
	case TOML_BOOL:
		mk_buf_puts(b, v->i ? "true" : "false");
		break;
	case TOML_ARRAY:
		mk_buf_putc(b, '[');
		for (uint32_t i = 0; i < v->len; i++) {
			if (i)
				mk_buf_puts(b, ", ");
			render_value(b, &v->elems[i]);
		}
		mk_buf_putc(b, ']');
		break;
	}
	mk_buf_printf(b, "@%u:%u", v->pos.line, v->pos.col);
}

/* Each item as one line: "[t]@1:1", "[[a]]@2:1", "bad@3:1", "key@4:1 = value@4:7". */
static void record(void *ctx, const struct toml_item *it)
{
	struct mk_buf *b = ctx;
	if (b->len)
		mk_buf_putc(b, '\n');
	if (it->kind == TOML_ITEM_TABLE)
		mk_buf_printf(b, "[%s]", it->key);
	else if (it->kind == TOML_ITEM_ARRAY_TABLE)
		mk_buf_printf(b, "[[%s]]", it->key);
	else if (it->kind == TOML_ITEM_BAD_TABLE)
		mk_buf_printf(b, "bad%s", it->key);
	else
		mk_buf_puts(b, it->key);
	mk_buf_printf(b, "@%u:%u", it->pos.line, it->pos.col);
	if (it->kind == TOML_ITEM_KEYVAL) {
		mk_buf_puts(b, " = ");
		render_value(b, &it->value);
	}
}

/* Parses len bytes; items_out gets the items, errors_out "line:col: message" lines. */
static uint32_t parse_len(const char *text, size_t len)
{
	struct mk_buf eb;
	diag_init(&diags, "t.toml");
	mk_buf_init(&items_buf, items_out, sizeof(items_out));
	uint32_t n = toml_parse(text, len, &scratch, record, &items_buf, &diags);
	mk_buf_init(&eb, errors_out, sizeof(errors_out));
	for (uint32_t i = 0; i < diags.count; i++)
		mk_buf_printf(&eb, "%s%u:%u: %s", i ? "\n" : "", diags.items[i].pos.line,
			      diags.items[i].pos.col, diags.items[i].msg);
	CHECK_EQ(n, diag_total(&diags));
	return n;
}

static uint32_t parse(const char *text)
{
	return parse_len(text, strlen(text));
}

/* A valid document: the items it yields. */
#define CHECK_ITEMS(text, expected)                                                                \
	do {                                                                                       \
		CHECK_EQ(parse(text), 0);                                                          \
		CHECK_STR(errors_out, "");                                                         \
		CHECK_STR(items_out, expected);                                                    \
	} while (0)

/* An invalid document: the errors it yields (all of them, in order). */
#define CHECK_ERRORS(text, expected)                                                               \
	do {                                                                                       \
		parse(text);                                                                       \
		CHECK_STR(errors_out, expected);                                                   \
	} while (0)

static void test_strings(void)
{
	CHECK_ITEMS("a = \"hi there\"", "a@1:1 = \"hi there\"@1:5");
	CHECK_ITEMS("a = \"\"\nb = ''", "a@1:1 = \"\"@1:5\nb@2:1 = \"\"@2:5");
	CHECK_ITEMS("a = \"q\\\" b\\\\ \\n\\t\\r\"", "a@1:1 = \"q\\\" b\\\\ \\x0A\\x09\\x0D\"@1:5");
	/* \u: 1, 2 and 3 byte UTF-8; \u0000 is a NUL inside the string. */
	CHECK_ITEMS("a = \"\\u0041\\u00e9\\u20AC\\u0000!\"",
		    "a@1:1 = \"A\\xC3\\xA9\\xE2\\x82\\xAC\\x00!\"@1:5");
	CHECK_ITEMS("a = 'C:\\dir\\n \"x\"'", "a@1:1 = \"C:\\\\dir\\\\n \\\"x\\\"\"@1:5");
	/* Tabs and UTF-8 pass through. */
	CHECK_ITEMS("a = \"x\ty\xC3\xA9\"", "a@1:1 = \"x\\x09y\\xC3\\xA9\"@1:5");
}

static void test_integers(void)
{
	CHECK_ITEMS("a = 0\nb = +17\nc = -17\nd = 1_000_000\ne = -0\nf = +0",
		    "a@1:1 = 0@1:5\nb@2:1 = 17@2:5\nc@3:1 = -17@3:5\nd@4:1 = 1000000@4:5\n"
		    "e@5:1 = 0@5:5\nf@6:1 = 0@6:5");
	CHECK_ITEMS("a = 0xDEAD_beef\nb = 0o755\nc = 0b1101\nd = 0x0\ne = 0x00FF",
		    "a@1:1 = 3735928559@1:5\nb@2:1 = 493@2:5\nc@3:1 = 13@3:5\nd@4:1 = 0@4:5\n"
		    "e@5:1 = 255@5:5");
	CHECK_ITEMS("a = 9223372036854775807\nb = -9223372036854775808\nc = 0x7FFFFFFFFFFFFFFF",
		    "a@1:1 = 9223372036854775807@1:5\nb@2:1 = -9223372036854775808@2:5\n"
		    "c@3:1 = 9223372036854775807@3:5");
	CHECK_ITEMS("t = true\nf = false", "t@1:1 = true@1:5\nf@2:1 = false@2:5");
}

static void test_arrays(void)
{
	CHECK_ITEMS("a = [1, 2, 3]", "a@1:1 = [1@1:6, 2@1:9, 3@1:12]@1:5");
	CHECK_ITEMS("a = []\nb = [ ]", "a@1:1 = []@1:5\nb@2:1 = []@2:5");
	CHECK_ITEMS("a = [1,2,]", "a@1:1 = [1@1:6, 2@1:8]@1:5");
	CHECK_ITEMS("a = [ # first\n  1, # one\n\n  # nothing\n  0x2 ,\n] # done\nb = 1",
		    "a@1:1 = [1@2:3, 2@5:3]@1:5\nb@7:1 = 1@7:5");
	CHECK_ITEMS("a = [\"x\", 'y', true, -1]",
		    "a@1:1 = [\"x\"@1:6, \"y\"@1:11, true@1:16, -1@1:22]@1:5");
	/* Exactly the capacity fits. */
	CHECK_ITEMS("a = [1,2,3,4,5,6,7,8]",
		    "a@1:1 = [1@1:6, 2@1:8, 3@1:10, 4@1:12, 5@1:14, 6@1:16, 7@1:18, 8@1:20]@1:5");
}

static void test_keys_and_tables(void)
{
	CHECK_ITEMS("\"quoted key\" = 1\n'lit' = 2\n1-a_B = 3\n\"\" = 4",
		    "quoted key@1:1 = 1@1:16\nlit@2:1 = 2@2:9\n1-a_B@3:1 = 3@3:9\n@4:1 = 4@4:6");
	CHECK_ITEMS("[t]\nx = 1\n[[arr]]\nx = 1\n[[arr]]\nx = 2\n[ spaced ]\n[ \"q t\" ]",
		    "[t]@1:1\nx@2:1 = 1@2:5\n[[arr]]@3:1\nx@4:1 = 1@4:5\n[[arr]]@5:1\n"
		    "x@6:1 = 2@6:5\n[spaced]@7:1\n[q t]@8:1");
	/* Comments, blank lines, indentation, tabs, CRLF and a byte order mark. */
	CHECK_ITEMS("\xEF\xBB\xBF# top\r\n\r\n  [t] # c\r\n\tk\t=\t\"v\" # c\r\n# end",
		    "[t]@3:3\nk@4:2 = \"v\"@4:6");
	CHECK_ITEMS("# only a comment", "");
	CHECK_ITEMS("", "");
	/* The same key in different tables is fine. */
	CHECK_ITEMS("[a]\nk = 1\n[b]\nk = 2", "[a]@1:1\nk@2:1 = 1@2:5\n[b]@3:1\nk@4:1 = 2@4:5");
}

static void test_unsupported(void)
{
	CHECK_ERRORS("a = 1.5", "1:5: floats are not supported");
	CHECK_ERRORS("a = 1e3", "1:5: floats are not supported");
	CHECK_ERRORS("a = -inf", "1:5: floats are not supported");
	CHECK_ERRORS("a = nan", "1:5: floats are not supported");
	CHECK_ERRORS("a = 1979-05-27", "1:5: dates and times are not supported");
	CHECK_ERRORS("a = 1979-05-27 07:32:00", "1:5: dates and times are not supported");
	CHECK_ERRORS("a = 07:32:00", "1:5: dates and times are not supported");
	CHECK_ERRORS("a = { x = 1 }", "1:5: inline tables are not supported");
	CHECK_ERRORS("a = \"\"\"x\"\"\"", "1:5: multi-line strings are not supported");
	CHECK_ERRORS("a = '''x'''", "1:5: multi-line strings are not supported");
	CHECK_ERRORS("a = \"\"\"x\ny = 1\n\"\"\" # end\nb = 1",
		     "1:5: multi-line strings are not supported");
	CHECK_STR(items_out, "a@1:1 = invalid@1:5\nb@4:1 = 1@4:5");
	CHECK_ERRORS("a.b = 1", "1:1: dotted keys are not supported");
	CHECK_ERRORS("[a.b]", "1:2: dotted table names like [a.b] are not supported");
	CHECK_ERRORS("[[ a.b ]]", "1:4: dotted table names like [a.b] are not supported");
	CHECK_ERRORS("a = [[1], [2]]", "1:6: nested arrays are not supported");
	/* The value was given, just not valid: delivered as invalid, the line after still read. */
	CHECK_EQ(parse("a = 1.5\nb = 2"), 1);
	CHECK_STR(items_out, "a@1:1 = invalid@1:5\nb@2:1 = 2@2:5");
}

static void test_string_errors(void)
{
	CHECK_ERRORS("a = \"abc", "1:5: unterminated string (missing closing \")");
	CHECK_ERRORS("a = 'abc\nb = 1", "1:5: unterminated string (missing closing ')");
	CHECK_ERRORS("a = \"a\\bc\"",
		     "1:7: invalid escape '\\b' (supported: \\\" \\\\ \\n \\t \\r \\uXXXX)");
	CHECK_ERRORS("a = \"\\x41\"",
		     "1:6: invalid escape '\\x' (supported: \\\" \\\\ \\n \\t \\r \\uXXXX)");
	CHECK_ERRORS("a = \"\\U0001F600\"",
		     "1:6: invalid escape '\\U' (supported: \\\" \\\\ \\n \\t \\r \\uXXXX)");
	CHECK_ERRORS("a = \"ab\\", "1:8: invalid escape: '\\' followed by end of file\n"
				   "1:5: unterminated string (missing closing \")");
	CHECK_ERRORS("a = \"\\u12\"", "1:6: \\u must be followed by 4 hex digits");
	CHECK_ERRORS("a = \"\\uD800\"", "1:6: \\uD800 is a surrogate, not a Unicode scalar value");
	CHECK_ERRORS("a = \"x\x01y\"", "1:7: control character 0x01 in string");
	CHECK_ERRORS("a = 'x\x7Fy'", "1:7: control character 0x7F in string");
	CHECK_ERRORS("a = \"x\ry\"", "1:7: control character 0x0D in string");
	CHECK_EQ(parse_len("a = \"x\0y\"", 9), 1);
	CHECK_STR(errors_out, "1:7: control character 0x00 in string");
	/* One error per string, however many bad bytes it holds. */
	CHECK_ERRORS("a = \"\x01\x02\\q\"", "1:6: control character 0x01 in string");
	/* 63 bytes fit the 64-byte scratch with the NUL, 64 do not. */
	CHECK_ERRORS("a = \"123456789012345678901234567890123456789012345678901234567890123\"", "");
	CHECK_ERRORS("a = \"1234567890123456789012345678901234567890123456789012345678901234\"",
		     "1:5: string is too long (more than 63 bytes)");
}

static void test_integer_errors(void)
{
	CHECK_ERRORS("a = 01", "1:5: leading zeros are not allowed in \"01\"");
	CHECK_ERRORS("a = -0_1", "1:5: leading zeros are not allowed in \"-0_1\"");
	CHECK_ERRORS("a = 9223372036854775808",
		     "1:5: integer \"9223372036854775808\" does not fit in 64 bits (signed)");
	CHECK_ERRORS("a = -9223372036854775809",
		     "1:5: integer \"-9223372036854775809\" does not fit in 64 bits (signed)");
	CHECK_ERRORS("a = 0x8000000000000000",
		     "1:5: integer \"0x8000000000000000\" does not fit in 64 bits (signed)");
	CHECK_ERRORS("a = 1__2", "1:5: '_' must be between two digits in \"1__2\"");
	CHECK_ERRORS("a = 1_", "1:5: '_' must be between two digits in \"1_\"");
	CHECK_ERRORS("a = _1", "1:5: '_' must be between two digits in \"_1\"");
	CHECK_ERRORS("a = 0x_1", "1:5: '_' must be between two digits in \"0x_1\"");
	CHECK_ERRORS("a = 0xG", "1:5: invalid character 'G' in hexadecimal integer \"0xG\"");
	CHECK_ERRORS("a = 0b102", "1:5: invalid character '2' in binary integer \"0b102\"");
	CHECK_ERRORS("a = 0o8", "1:5: invalid character '8' in octal integer \"0o8\"");
	CHECK_ERRORS("a = 12ab", "1:5: invalid character 'a' in decimal integer \"12ab\"");
	CHECK_ERRORS("a = 0X1F", "1:5: invalid character 'X' in decimal integer \"0X1F\"");
	CHECK_ERRORS("a = +0x1", "1:5: a hexadecimal integer cannot have a sign");
	CHECK_ERRORS("a = 0x", "1:5: expected digits in \"0x\"");
	CHECK_ERRORS("a = -", "1:5: expected digits in \"-\"");
	CHECK_ERRORS("a = 123456789012345678901234567890123456789012345",
		     "1:5: integer \"123456789012345678901234567890123456...\" does not fit in 64 "
		     "bits (signed)");
}

static void test_structure_errors(void)
{
	CHECK_ERRORS("a = rt", "1:5: expected a value, found \"rt\" (strings must be quoted)");
	CHECK_ERRORS("a = True", "1:5: expected a value, found \"True\" (strings must be quoted)");
	CHECK_ERRORS("a =", "1:4: expected a value, found end of file");
	CHECK_ERRORS("a = # no value\nb = 1", "1:5: expected a value, found '#'");
	CHECK_ERRORS("a 1", "1:3: expected '=' after key \"a\", found '1'");
	CHECK_ERRORS("a", "1:2: expected '=' after key \"a\", found end of file");
	CHECK_ERRORS("= 1", "1:1: expected a key, found '='");
	CHECK_ERRORS("a = 1 x", "1:7: expected end of line after value, found 'x'");
	CHECK_ERRORS("a = \"x\" \"y\"", "1:9: expected end of line after value, found '\"'");
	CHECK_ERRORS("[t] x = 1", "1:5: expected end of line after table header, found 'x'");
	CHECK_ERRORS("a = 1 # ok\x01", "1:11: control character 0x01 in comment");
	CHECK_EQ(parse_len("a = 1\n\0 = 2\nb = 3", 17), 1);
	CHECK_STR(errors_out, "2:1: expected a key, found byte 0x00");
	CHECK_STR(items_out, "a@1:1 = 1@1:5\nb@3:1 = 3@3:5");
	CHECK_ERRORS("a = 1\rb = 2", "1:6: expected end of line after value, found byte 0x0D");
	CHECK_ERRORS("[]", "1:2: expected a table name, found ']'");
	CHECK_ERRORS("[a", "1:3: expected ']' after table name, found end of file");
	CHECK_ERRORS("[[a]\nx = 1", "1:5: expected ']]' after table name, found end of line");
	CHECK_ERRORS("\"a\x01\" = 1", "1:3: control character 0x01 in string");
	CHECK_ERRORS("\"a\\u0000\" = 1", "1:1: key contains a NUL byte");
	CHECK_ERRORS("k234567890123456789012345678901234567890123456789012345678901234 = 1",
		     "1:1: key is too long (more than 63 bytes)");
	CHECK_ERRORS("k23456789012345678901234567890123456789012345678901234567890123 = 1", "");
}

static void test_redefinitions(void)
{
	CHECK_ERRORS("a = 1\nb = 2\na = 3", "3:1: duplicate key \"a\" (first defined at line 1)");
	CHECK_STR(items_out, "a@1:1 = 1@1:5\nb@2:1 = 2@2:5");
	CHECK_ERRORS("[t]\nk = 1\n'k' = 2", "3:1: duplicate key \"k\" (first defined at line 2)");
	CHECK_ERRORS("[[p]]\nk = 1\n[[p]]\nk = 2\nk = 3",
		     "5:1: duplicate key \"k\" (first defined at line 4)");
	CHECK_ERRORS("[t]\n[u]\n[t]", "3:1: table [t] is defined twice (first at line 1)");
	CHECK_STR(items_out, "[t]@1:1\n[u]@2:1\nbad@3:1");
	CHECK_ERRORS("[t]\n[[t]]", "2:1: [[t]] conflicts with table [t] at line 1");
	CHECK_ERRORS("[[t]]\n[t]", "2:1: [t] conflicts with array of tables [[t]] at line 1");
	CHECK_ERRORS("t = 1\n[t]", "2:1: table \"t\" conflicts with the key defined at line 1");
	/* Keys under a rejected header are still checked for duplicates among themselves. */
	CHECK_ERRORS("[t]\n[t]\nk = 1\nk = 2",
		     "2:1: table [t] is defined twice (first at line 1)\n"
		     "4:1: duplicate key \"k\" (first defined at line 3)");
}

static void test_capacity(void)
{
	char text[2048];
	struct mk_buf b;
	CHECK_ERRORS("a = [1,2,3,4,5,6,7,8,9]\nb = 1", "1:22: array has more than 8 elements");
	CHECK_STR(items_out, "a@1:1 = invalid@1:5\nb@2:1 = 1@2:5");

	mk_buf_init(&b, text, sizeof(text));
	mk_buf_puts(&b, "[t]\n");
	for (int i = 0; i <= TOML_TABLE_KEYS_MAX; i++)
		mk_buf_printf(&b, "k%d = %d\n", i, i);
	CHECK_EQ(parse(text), 1);
	CHECK_STR(errors_out, "34:1: too many keys in one table (at most 32)");

	mk_buf_init(&b, text, sizeof(text));
	for (int i = 0; i <= TOML_NAMES_MAX; i++)
		mk_buf_printf(&b, "[t%d]\n", i);
	CHECK_EQ(parse(text), 1);
	CHECK_STR(errors_out, "33:1: too many tables (at most 32, top-level keys included)");
}

/* Arrays spanning lines: errors inside do not make their other lines look like statements. */
static void test_array_recovery(void)
{
	CHECK_ERRORS("a = [1 2]\nb = 1", "1:8: expected ',' or ']' after array element, found '2'");
	CHECK_STR(items_out, "a@1:1 = invalid@1:5\nb@2:1 = 1@2:5");
	CHECK_ERRORS("a = [\n  1,\n  2.5,\n  \"]\", # ]\n  3\n]\nb = 1",
		     "3:3: floats are not supported");
	CHECK_STR(items_out, "a@1:1 = invalid@1:5\nb@7:1 = 1@7:5");
	CHECK_ERRORS("a = [1, 2\nb = 1", "1:5: unterminated array (missing ']')");
	CHECK_STR(items_out, "a@1:1 = invalid@1:5\nb@2:1 = 1@2:5");
	CHECK_ERRORS("a = [1,\n[[p]]\nb = 1", "1:5: unterminated array (missing ']')");
	CHECK_STR(items_out, "a@1:1 = invalid@1:5\n[[p]]@2:1\nb@3:1 = 1@3:5");
	CHECK_ERRORS("a = [1,\n 2", "1:5: unterminated array (missing ']')");
	CHECK_ERRORS("a = [\"x, 2]\nb = 1", "1:6: unterminated string (missing closing \")");
	CHECK_STR(items_out, "a@1:1 = invalid@1:5\nb@2:1 = 1@2:5");
	CHECK_ERRORS("a = [1,,2]", "1:8: expected a value, found ','");
	CHECK_ERRORS("a = [,]", "1:6: expected a value, found ','");
}

/* Every error in a file is reported, top to bottom, and the good lines still arrive. */
static void test_many_errors(void)
{
	CHECK_ERRORS("a = 1.0\n"
		     "b = \"ok\"\n"
		     "c = {}\n"
		     "[t.u]\n"
		     "d = 1\n"
		     "[v]\n"
		     "e = 0x\n"
		     "e = 2\n"
		     "f = [1, 2,\n"
		     "     3.0]\n"
		     "g = 'x",
		     "1:5: floats are not supported\n"
		     "3:5: inline tables are not supported\n"
		     "4:2: dotted table names like [a.b] are not supported\n"
		     "7:5: expected digits in \"0x\"\n"
		     "8:1: duplicate key \"e\" (first defined at line 7)\n"
		     "10:6: floats are not supported\n"
		     "11:5: unterminated string (missing closing ')");
	CHECK_STR(items_out, "a@1:1 = invalid@1:5\nb@2:1 = \"ok\"@2:5\nc@3:1 = invalid@3:5\n"
			     "bad@4:1\nd@5:1 = 1@5:5\n[v]@6:1\ne@7:1 = invalid@7:5\n"
			     "f@9:1 = invalid@9:5\ng@11:1 = invalid@11:5");
}

int main(void)
{
	test_strings();
	test_integers();
	test_arrays();
	test_keys_and_tables();
	test_unsupported();
	test_string_errors();
	test_integer_errors();
	test_structure_errors();
	test_redefinitions();
	test_capacity();
	test_array_recovery();
	test_many_errors();
	return check_done("test_toml");
}
