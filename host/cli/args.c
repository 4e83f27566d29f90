/*
 * Command-line parsing for the subcommands (see args.h). Long options match
 * exactly, never by abbreviation, so adding an option later cannot change
 * what an existing command line means.
 */
#include "args.h"

#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void args_init(args_parser *p, const char *command, const args_option *options, int argc,
               char **argv)
{
    p->command = command;
    p->options = options;
    p->argc = argc;
    p->argv = argv;
    p->next = 1;
    p->options_done = 0;
}

static const args_option *find_long(const args_option *options, const char *name, size_t len)
{
    for (const args_option *o = options; o->name; o++) {
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) return o;
    }
    return NULL;
}

static const args_option *find_letter(const args_option *options, char letter)
{
    for (const args_option *o = options; o->name; o++) {
        if (o->letter == letter) return o;
    }
    return NULL;
}

int args_next(args_parser *p, const char **value)
{
    *value = NULL;
    if (p->next >= p->argc) return ARGS_END;
    const char *arg = p->argv[p->next++];

    /* "-" names stdin or stdout, and "-3" or "-.5" is a number (a negative
     * offset, say), never an option: no option is a digit. */
    if (p->options_done || arg[0] != '-' || arg[1] == '\0' ||
        isdigit((unsigned char)arg[1]) || arg[1] == '.') {
        *value = arg;
        return ARGS_POSITIONAL;
    }
    if (strcmp(arg, "--") == 0) {
        p->options_done = 1;
        return args_next(p, value);
    }

    const args_option *opt;
    const char *inline_value = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        if (!eq && strcmp(name, "help") == 0) return ARGS_HELP;
        opt = find_long(p->options, name, len);
        if (!opt) {
            cli_usage_error(p->command, "unknown option '--%.*s'", (int)len, name);
            return ARGS_ERROR;
        }
        if (eq) inline_value = eq + 1;
    } else {
        if (strcmp(arg, "-h") == 0) return ARGS_HELP;
        opt = find_letter(p->options, arg[1]);
        if (!opt) {
            cli_usage_error(p->command, "unknown option '-%c'", arg[1]);
            return ARGS_ERROR;
        }
        if (arg[2] != '\0') inline_value = arg + 2;
    }

    if (!opt->has_value) {
        if (inline_value) {
            cli_usage_error(p->command, "option '--%s' takes no value", opt->name);
            return ARGS_ERROR;
        }
        return opt->id;
    }
    if (inline_value) {
        *value = inline_value;
    } else if (p->next < p->argc) {
        *value = p->argv[p->next++];
    } else {
        cli_usage_error(p->command, "option '--%s' needs a value", opt->name);
        return ARGS_ERROR;
    }
    return opt->id;
}
