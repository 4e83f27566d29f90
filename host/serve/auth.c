/*
 * Authentication of `clconv serve`'s requests: the bearer token of
 * --token-file, compared in constant time (see serve_internal.h).
 */
#include "serve_internal.h"

#include <string.h>
#include <strings.h>

/* Compares in time that depends only on the length of what was sent, so a
 * client cannot find the token byte by byte from response times. */
static int token_matches(const char *expected, const char *given)
{
    size_t n = strlen(expected), g = strlen(given);
    unsigned char diff = n != g;
    for (size_t i = 0; i < g; i++) diff |= (unsigned char)(given[i] ^ expected[n ? i % n : 0]);
    return n > 0 && diff == 0;
}

int auth_check(const char *token, struct MHD_Connection *conn)
{
    if (!token) return 1;
    const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) return 0;
    h += 7;
    while (*h == ' ') h++;
    return token_matches(token, h);
}
