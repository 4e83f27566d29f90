/*
 * The access log: one line per completed request with method, path, status,
 * bytes answered, the device and method that ran, and milliseconds, as text
 * or as a JSON object per line for log collectors. Each line is formatted
 * first and written with one call, so lines from several threads never mix.
 */
#include "serve_internal.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

void log_access(FILE *f, int json, const access_entry *e)
{
    char *line = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&line, &size);
    if (!m) return;
    if (json) {
        fputs("{\"method\": ", m);
        json_write_string(m, e->method);
        fputs(", \"path\": ", m);
        json_write_string(m, e->path);
        fprintf(m, ", \"status\": %u, \"bytes\": %zu, \"device\": ", e->status, e->bytes);
        json_write_string(m, e->device);
        fputs(", \"chosen\": ", m);
        json_write_string(m, e->chosen);
        fprintf(m, ", \"ms\": %.3f}\n", e->ms);
    } else {
        /* Paths come from clients: control characters would forge lines. */
        fprintf(m, "%s ", e->method);
        for (const unsigned char *p = (const unsigned char *)e->path; *p; p++)
            fputc(*p < 0x20 || *p == 0x7f || *p == ' ' ? '?' : *p, m);
        fprintf(m, " %u %zu %s %s %.3f ms\n", e->status, e->bytes, e->device[0] ? e->device : "-",
                e->chosen[0] ? e->chosen : "-", e->ms);
    }
    if (fclose(m) == 0) {
        fwrite(line, 1, size, f);
        fflush(f);
    }
    free(line);
}
