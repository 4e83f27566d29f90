/*
 * The JSON reader and string writer of json.h: recursive descent over a
 * buffer, with a depth limit so that a hostile answer cannot exhaust the
 * stack.
 */
#include "json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Deeper nesting than anything the server sends is refused. */
#define JSON_MAX_DEPTH 64

typedef struct parser {
    const char *p, *end, *start;
    char *why;
    size_t why_size;
    int oom;            /* an allocation failed: the text may be fine */
} parser;

static int fail(parser *ps, const char *what)
{
    snprintf(ps->why, ps->why_size, "%s at byte %zu", what, (size_t)(ps->p - ps->start));
    return -1;
}

/* An allocation failed: the parse fails, but the text is not to blame. */
static int fail_oom(parser *ps)
{
    ps->oom = 1;
    return fail(ps, "out of memory");
}

static void skip_space(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
                               *ps->p == '\r'))
        ps->p++;
}

static int literal(parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail(ps, "unexpected character");
    ps->p += n;
    return 0;
}

static int hex4(parser *ps, unsigned *u)
{
    *u = 0;
    for (int i = 0; i < 4; i++, ps->p++) {
        if (ps->p >= ps->end) return fail(ps, "truncated \\u escape");
        const char c = *ps->p;
        const unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                           : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                           : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                                  : 16u;
        if (d == 16) return fail(ps, "bad \\u escape");
        *u = *u * 16 + d;
    }
    return 0;
}

/* Appends code point u as UTF-8. */
static char *put_utf8(char *o, unsigned u)
{
    if (u < 0x80) {
        *o++ = (char)u;
    } else if (u < 0x800) {
        *o++ = (char)(0xc0 | u >> 6);
        *o++ = (char)(0x80 | (u & 0x3f));
    } else if (u < 0x10000) {
        *o++ = (char)(0xe0 | u >> 12);
        *o++ = (char)(0x80 | ((u >> 6) & 0x3f));
        *o++ = (char)(0x80 | (u & 0x3f));
    } else {
        *o++ = (char)(0xf0 | u >> 18);
        *o++ = (char)(0x80 | ((u >> 12) & 0x3f));
        *o++ = (char)(0x80 | ((u >> 6) & 0x3f));
        *o++ = (char)(0x80 | (u & 0x3f));
    }
    return o;
}

/* The length of the well-formed UTF-8 sequence that starts at s (at most
 * avail bytes), 0 when there is none there: a stray continuation byte, a
 * truncated sequence, an overlong form, a surrogate or a code point past
 * U+10FFFF (RFC 3629). */
static size_t utf8_length(const unsigned char *s, size_t avail)
{
    if (avail == 0) return 0;
    if (s[0] < 0x80) return 1;
    size_t n;
    unsigned u;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) n = 2, u = s[0] & 0x1fu;
    else if (s[0] >= 0xe0 && s[0] <= 0xef) n = 3, u = s[0] & 0x0fu;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4) n = 4, u = s[0] & 0x07u;
    else return 0;
    if (avail < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        u = u << 6 | (s[i] & 0x3fu);
    }
    if ((n == 3 && (u < 0x800 || (u >= 0xd800 && u <= 0xdfff))) ||
        (n == 4 && (u < 0x10000 || u > 0x10ffff)))
        return 0;
    return n;
}

/* A string literal, ps->p on its opening quote. The decoded text is never
 * longer than the literal, which sizes the allocation. */
static int parse_string(parser *ps, char **out)
{
    const char *close = ++ps->p;
    while (close < ps->end && *close != '"') close += *close == '\\' ? 2 : 1;
    if (close >= ps->end) return fail(ps, "unterminated string");
    char *s = malloc((size_t)(close - ps->p) + 1), *o = s;
    if (!s) return fail_oom(ps);
    *out = s;
    while (*ps->p != '"') {
        char c = *ps->p;
        if ((unsigned char)c < 0x20) return fail(ps, "control character in a string");
        if ((unsigned char)c >= 0x80) {
            const size_t n = utf8_length((const unsigned char *)ps->p, (size_t)(close - ps->p));
            if (n == 0) return fail(ps, "invalid UTF-8 in a string");
            memcpy(o, ps->p, n);
            o += n;
            ps->p += n;
            continue;
        }
        ps->p++;
        if (c != '\\') {
            *o++ = c;
            continue;
        }
        c = *ps->p++;
        const char *plain = strchr("\"\\/bfnrt", c);
        if (c != 'u') {
            if (!plain || c == '\0') return fail(ps, "bad escape");
            *o++ = "\"\\/\b\f\n\r\t"[plain - "\"\\/bfnrt"];
            continue;
        }
        unsigned u, lo;
        if (hex4(ps, &u) != 0) return -1;
        if (u >= 0xd800 && u < 0xdc00) {
            /* A UTF-16 surrogate pair is one code point. */
            if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u')
                return fail(ps, "lone surrogate");
            ps->p += 2;
            if (hex4(ps, &lo) != 0) return -1;
            if (lo < 0xdc00 || lo > 0xdfff) return fail(ps, "lone surrogate");
            u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
        } else if (u >= 0xdc00 && u <= 0xdfff) {
            return fail(ps, "lone surrogate");
        }
        if (u == 0) return fail(ps, "NUL in a string");
        o = put_utf8(o, u);
    }
    ps->p++;
    *o = '\0';
    return 0;
}

static int parse_number(parser *ps, double *v)
{
    /* JSON's grammar, checked before strtod (which accepts more: hex,
     * "inf", leading '+'). */
    const char *q = ps->p;
    if (q < ps->end && *q == '-') q++;
    if (q >= ps->end || *q < '0' || *q > '9') return fail(ps, "unexpected character");
    if (*q == '0') q++;
    else while (q < ps->end && *q >= '0' && *q <= '9') q++;
    if (q < ps->end && *q == '.') {
        if (++q >= ps->end || *q < '0' || *q > '9') return fail(ps, "bad number");
        while (q < ps->end && *q >= '0' && *q <= '9') q++;
    }
    if (q < ps->end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < ps->end && (*q == '+' || *q == '-')) q++;
        if (q >= ps->end || *q < '0' || *q > '9') return fail(ps, "bad number");
        while (q < ps->end && *q >= '0' && *q <= '9') q++;
    }
    char buf[64];
    if ((size_t)(q - ps->p) >= sizeof buf) return fail(ps, "number too long");
    memcpy(buf, ps->p, (size_t)(q - ps->p));
    buf[q - ps->p] = '\0';
    *v = strtod(buf, NULL);
    ps->p = q;
    return 0;
}

static int parse_value(parser *ps, json_value *v, int depth);

static int key_order(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fails when an object names a member twice: readers would otherwise
 * disagree on which value counts (the first, the last, or both). Sorting a
 * copy of the names keeps this O(n log n) for objects of any size. */
static int check_unique(parser *ps, const json_value *v)
{
    if (v->count < 2) return 0;
    char **sorted = malloc(v->count * sizeof *sorted);
    if (!sorted) return fail_oom(ps);
    memcpy(sorted, v->keys, v->count * sizeof *sorted);
    qsort(sorted, v->count, sizeof *sorted, key_order);
    int status = 0;
    for (size_t i = 1; i < v->count && status == 0; i++) {
        if (strcmp(sorted[i - 1], sorted[i]) == 0) {
            char why[96];
            snprintf(why, sizeof why, "member \"%.40s\" given twice", sorted[i]);
            status = fail(ps, why);
        }
    }
    free(sorted);
    return status;
}

/* An array or object, ps->p on its opening bracket. Items grow by doubling. */
static int parse_container(parser *ps, json_value *v, int depth)
{
    const int object = *ps->p == '{';
    const char close = object ? '}' : ']';
    size_t cap = 0;
    v->type = object ? JSON_OBJECT : JSON_ARRAY;
    if (depth >= JSON_MAX_DEPTH) return fail(ps, "nested too deeply");
    ps->p++;
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return 0;
    }
    for (;;) {
        if (v->count == cap) {
            cap = cap ? 2 * cap : 8;
            json_value *items = realloc(v->items, cap * sizeof *items);
            if (!items) return fail_oom(ps);
            v->items = items;
            if (object) {
                char **keys = realloc(v->keys, cap * sizeof *keys);
                if (!keys) return fail_oom(ps);
                v->keys = keys;
            }
        }
        json_value *item = &v->items[v->count];
        memset(item, 0, sizeof *item);
        if (object) {
            v->keys[v->count] = NULL;
            skip_space(ps);
            if (ps->p >= ps->end || *ps->p != '"') {
                v->count++;
                return fail(ps, "expected a member name");
            }
            int st = parse_string(ps, &v->keys[v->count]);
            v->count++;
            if (st != 0) return st;
            skip_space(ps);
            if (ps->p >= ps->end || *ps->p != ':') return fail(ps, "expected ':'");
            ps->p++;
        } else {
            v->count++;
        }
        if (parse_value(ps, item, depth + 1) != 0) return -1;
        skip_space(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return object ? check_unique(ps, v) : 0;
        }
        return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int parse_value(parser *ps, json_value *v, int depth)
{
    skip_space(ps);
    if (ps->p >= ps->end) return fail(ps, "unexpected end");
    switch (*ps->p) {
    case '{':
    case '[': return parse_container(ps, v, depth);
    case '"': v->type = JSON_STRING; return parse_string(ps, &v->string);
    case 't': v->type = JSON_TRUE; return literal(ps, "true");
    case 'f': v->type = JSON_FALSE; return literal(ps, "false");
    case 'n': v->type = JSON_NULL; return literal(ps, "null");
    default: v->type = JSON_NUMBER; return parse_number(ps, &v->number);
    }
}

int json_parse(const char *text, size_t len, json_value *out, char *why, size_t why_size)
{
    parser ps = {text, text + len, text, why, why_size, 0};
    memset(out, 0, sizeof *out);
    if (parse_value(&ps, out, 0) != 0) return ps.oom ? -2 : -1;
    skip_space(&ps);
    if (ps.p != ps.end) return fail(&ps, "trailing characters");
    return 0;
}

void json_free(json_value *v)
{
    for (size_t i = 0; i < v->count; i++) {
        json_free(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
    memset(v, 0, sizeof *v);
}

const json_value *json_get(const json_value *o, const char *key)
{
    if (o->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < o->count; i++)
        if (o->keys[i] && strcmp(o->keys[i], key) == 0) return &o->items[i];
    return NULL;
}

void json_write_string(FILE *f, const char *s)
{
    const size_t len = strlen(s);
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    fputc('"', f);
    while (p < end) {
        const unsigned char c = *p;
        if (c >= 0x80) {
            /* Bytes that are not UTF-8 (a file name, a user's spec) become
             * U+FFFD, so the output stays valid JSON. */
            const size_t n = utf8_length(p, (size_t)(end - p));
            if (n == 0) {
                fputs("\\ufffd", f);
                p++;
            } else {
                fwrite(p, 1, n, f);
                p += n;
            }
            continue;
        }
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
        p++;
    }
    fputc('"', f);
}
