/*
 * A small JSON reader and string writer for the command's conversations with
 * `clconv serve`: the answers it parses are the server's own JSON (the
 * result of `clconv dist --format json`, an error object), so a tree of
 * values with numbers as doubles is all it needs. strtod reads back every
 * number printed with %.17g exactly, which keeps remote results
 * bit-identical to local ones.
 */
#ifndef CLCONV_IO_JSON_H
#define CLCONV_IO_JSON_H

#include <stddef.h>
#include <stdio.h>

typedef enum json_type {
    JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT
} json_type;

typedef struct json_value json_value;
struct json_value {
    json_type type;
    double number;          /* JSON_NUMBER */
    char *string;           /* JSON_STRING: decoded, NUL-terminated; owned */
    size_t count;           /* JSON_ARRAY and JSON_OBJECT: number of items */
    json_value *items;      /* owned array of count values */
    char **keys;            /* JSON_OBJECT: owned array of count decoded keys */
};

/* Parses the whole of text[0..len) into *out. Strings must be well-formed
 * UTF-8 (no lone surrogates, no NUL) and no object may name a member twice.
 * Returns 0, or -1 with a short reason ("unexpected character at byte 17")
 * in why[0..why_size), or -2 when an allocation failed (the text may be
 * well-formed; why says "out of memory"). The caller frees *out with
 * json_free, also after a failure. */
int json_parse(const char *text, size_t len, json_value *out, char *why, size_t why_size);

/* Frees what v owns; v may then be parsed into again. */
void json_free(json_value *v);

/* The member of an object named key, or NULL (also when o is no object). */
const json_value *json_get(const json_value *o, const char *key);

/* Writes s as a JSON string literal, quotes and escapes included; bytes of
 * s that are not well-formed UTF-8 are written as U+FFFD. */
void json_write_string(FILE *f, const char *s);

#endif /* CLCONV_IO_JSON_H */
