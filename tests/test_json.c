/*
 * The JSON reader and string writer of host/io/json.c, which carry the
 * server's requests and answers: every value type, escapes and surrogate
 * pairs, exact round trips of %.17g numbers (what keeps remote results
 * bit-identical), and refusal of what is not JSON.
 */
#include "json.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parses(const char *text, json_value *v)
{
    char why[96];
    return json_parse(text, strlen(text), v, why, sizeof why) == 0;
}

START_TEST(test_json_values)
{
    json_value v;
    ck_assert(parses(" {\"a\": [1, -2.5e3, true, false, null], \"b\": {\"c\": \"d\"}, \"e\": []} ",
                     &v));
    ck_assert_int_eq(v.type, JSON_OBJECT);
    ck_assert_uint_eq(v.count, 3);
    const json_value *a = json_get(&v, "a");
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(a->type, JSON_ARRAY);
    ck_assert_uint_eq(a->count, 5);
    ck_assert(a->items[0].type == JSON_NUMBER && a->items[0].number == 1);
    ck_assert(a->items[1].number == -2500);
    ck_assert_int_eq(a->items[2].type, JSON_TRUE);
    ck_assert_int_eq(a->items[3].type, JSON_FALSE);
    ck_assert_int_eq(a->items[4].type, JSON_NULL);
    const json_value *c = json_get(json_get(&v, "b"), "c");
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c->string, "d");
    ck_assert_uint_eq(json_get(&v, "e")->count, 0);
    ck_assert_ptr_null(json_get(&v, "z"));
    ck_assert_ptr_null(json_get(a, "a"));   /* an array has no members */
    json_free(&v);
}
END_TEST

START_TEST(test_json_numbers_round_trip)
{
    /* Every double printed with %.17g reads back to the same bits. */
    const double x[] = {0.1, 1.0 / 3, 6.02214076e23, 4.9406564584124654e-324, -2.2250738585072014e-308,
                        0.0046296296296296294, 1e-290, -0.0};
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) {
        char text[64];
        json_value v;
        snprintf(text, sizeof text, "%.17g", x[i]);
        ck_assert_msg(parses(text, &v), "%s", text);
        ck_assert_int_eq(v.type, JSON_NUMBER);
        ck_assert_msg(memcmp(&v.number, &x[i], sizeof x[i]) == 0, "%s", text);
        json_free(&v);
    }
}
END_TEST

START_TEST(test_json_strings)
{
    json_value v;
    ck_assert(parses("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\u20ac \\ud83d\\ude00\"", &v));
    ck_assert_str_eq(v.string, "q\" b\\ s/ \b\f\n\r\t \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    json_free(&v);

    /* json_write_string's output parses back to the original. */
    const char *original = "tab\there \"quoted\" back\\slash \x01 line\n caf\xc3\xa9";
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    ck_assert_ptr_nonnull(f);
    json_write_string(f, original);
    fclose(f);
    ck_assert(parses(text, &v));
    ck_assert_str_eq(v.string, original);
    json_free(&v);
    free(text);

    /* Bytes that are not UTF-8 come out as U+FFFD, still valid JSON. */
    f = open_memstream(&text, &size);
    ck_assert_ptr_nonnull(f);
    json_write_string(f, "a\xff b\xc3 c\xe2\x82 \xc3\xa9");
    fclose(f);
    ck_assert(parses(text, &v));
    ck_assert_str_eq(v.string, "a\xef\xbf\xbd b\xef\xbf\xbd c\xef\xbf\xbd\xef\xbf\xbd \xc3\xa9");
    json_free(&v);
    free(text);
}
END_TEST

START_TEST(test_json_refusals)
{
    static const char *const bad[] = {
        "", "   ", "{", "[1, 2", "{\"a\" 1}", "{\"a\": 1,}", "[1,]", "{1: 2}", "01", "1.",
        "+1", ".5", "1e", "-", "NaN", "Infinity", "0x10", "tru", "nul", "\"open",
        "\"bad \\x escape\"", "\"\\u12\"", "\"\\ud800\"", "\"\\ud800\\u0041\"", "\"\\u0000\"",
        "\"raw \x01 control\"", "{} {}", "[1] x", "'single'",
        /* A member named twice, whichever the values, also in nested objects. */
        "{\"a\": 1, \"a\": 1}", "{\"specs\": [\"1d6\"], \"times\": 2, \"specs\": []}",
        "[{\"x\": {\"b\": 1, \"c\": 2, \"b\": 3}}]",
        /* Bytes that are not UTF-8: stray, truncated, overlong, a surrogate,
         * past U+10FFFF; and an escaped lone low surrogate. */
        "\"\xff\"", "\"a\x80\"", "\"\xc3\"", "\"\xc0\xaf\"", "\"\xe0\x80\xaf\"",
        "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "{\"\xfe\": 1}", "\"\\udc00\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_value v;
        char why[96] = "";
        ck_assert_msg(json_parse(bad[i], strlen(bad[i]), &v, why, sizeof why) != 0, "accepted '%s'",
                      bad[i]);
        ck_assert_msg(strstr(why, " at byte ") != NULL, "'%s': no position in '%s'", bad[i], why);
        json_free(&v);
    }
}
END_TEST

START_TEST(test_json_depth_limit)
{
    /* Nesting a hostile answer could use to exhaust the stack is refused;
     * sensible depths are not. */
    char deep[2 * 200 + 1], shallow[2 * 20 + 1];
    memset(deep, '[', 200);
    memset(deep + 200, ']', 200);
    deep[400] = '\0';
    memset(shallow, '[', 20);
    memset(shallow + 20, ']', 20);
    shallow[40] = '\0';
    json_value v;
    ck_assert(!parses(deep, &v));
    json_free(&v);
    ck_assert(parses(shallow, &v));
    json_free(&v);
}
END_TEST

START_TEST(test_json_length_bounds)
{
    /* Only text[0..len) is read: a number cut by len ends there. */
    json_value v;
    char why[96];
    ck_assert_int_eq(json_parse("[12]34", 4, &v, why, sizeof why), 0);
    ck_assert(v.items[0].number == 12);
    json_free(&v);
    ck_assert_int_ne(json_parse("\"abc\"", 4, &v, why, sizeof why), 0);
    json_free(&v);
}
END_TEST

Suite *clconv_test_suite_json(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");
    tcase_add_test(tc, test_json_values);
    tcase_add_test(tc, test_json_numbers_round_trip);
    tcase_add_test(tc, test_json_strings);
    tcase_add_test(tc, test_json_refusals);
    tcase_add_test(tc, test_json_depth_limit);
    tcase_add_test(tc, test_json_length_bounds);
    suite_add_tcase(s, tc);
    return s;
}
