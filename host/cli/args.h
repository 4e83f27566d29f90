/*
 * A small table-driven parser for the command's GNU-style arguments: long
 * options (--name VALUE or --name=VALUE), one-letter options (-o VALUE or
 * -oVALUE), positional arguments anywhere, "--" to end the options and "-"
 * as a positional argument. -h and --help are recognised everywhere. It is
 * written here rather than taken from getopt_long so that every command line
 * mistake produces the same one-line message on every platform.
 */
#ifndef CLCONV_CLI_ARGS_H
#define CLCONV_CLI_ARGS_H

/* One option of a command. Tables end with an entry whose name is NULL. */
typedef struct args_option {
    const char *name;  /* long name without the dashes */
    char letter;       /* one-letter name, or 0 */
    int has_value;     /* 1 when the option takes a value */
    int id;            /* positive; what args_next returns for it */
} args_option;

/* What args_next returns besides an option's id. */
enum {
    ARGS_END = 0,         /* no arguments left */
    ARGS_POSITIONAL = -1, /* *value is a positional argument */
    ARGS_HELP = -2,       /* -h or --help */
    ARGS_ERROR = -3       /* a mistake, already reported as a usage error */
};

typedef struct args_parser {
    const char *command;          /* subcommand name, for messages */
    const args_option *options;
    int argc;
    char **argv;
    int next;                     /* index of the next argv entry */
    int options_done;             /* "--" seen: the rest is positional */
} args_parser;

/* Prepares to parse argv[1..argc-1] (argv[0] is the subcommand's name). The
 * parser borrows options and argv. */
void args_init(args_parser *p, const char *command, const args_option *options, int argc,
               char **argv);

/* The next argument: an option's id with *value set to its value (NULL for
 * an option without one), ARGS_POSITIONAL with *value the argument,
 * ARGS_HELP, ARGS_END, or ARGS_ERROR after printing the mistake. */
int args_next(args_parser *p, const char **value);

#endif /* CLCONV_CLI_ARGS_H */
