/* The command-line front end: shared options, exit codes, error output. */
#ifndef CK_CLI_CLI_H
#define CK_CLI_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "ckpt/diag.h"
#include "ckpt/model.h"
#include "term.h"

/* Exit codes, as diff(1) and cmp(1) use them. */
enum {
    EXIT_SAME = 0,     /* success; verify/diff: the same; lint: no error */
    EXIT_DIFFER = 1,   /* verify: mismatch; diff: a difference; lint: an error finding */
    EXIT_TROUBLE = 2   /* usage error, I/O error, malformed input */
};

/* Options every command takes. */
typedef struct cli_common {
    bool json;
    bool quiet;
    bool no_progress;
    int threads;       /* 0: the default (OMP_NUM_THREADS or all cores) */
    color_mode color;
} cli_common;

enum {
    OPT_JSON = 1000, OPT_THREADS, OPT_QUIET, OPT_NO_PROGRESS, OPT_COLOR, OPT_HELP,
    OPT_COMMAND_BASE = 1100  /* commands number their own options from here */
};

#define CLI_COMMON_LONG_OPTIONS                                   \
    {"json", no_argument, NULL, OPT_JSON},                        \
    {"threads", required_argument, NULL, OPT_THREADS},            \
    {"quiet", no_argument, NULL, OPT_QUIET},                      \
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},          \
    {"color", required_argument, NULL, OPT_COLOR},                \
    {"help", no_argument, NULL, OPT_HELP}

/* The help text of the common options, for each command's --help. */
extern const char cli_common_help[];

/* Handle a common option. Returns 1 when handled, 0 when opt is not a
 * common option, -1 on a bad value (after printing why). "--help" makes it
 * print usage and exit 0. */
int cli_common_option(cli_common *c, int opt, const char *arg, const char *usage);

/* A command's own options: take returns 0 when it took opt, an exit code
 * after printing why its value is bad, or CLI_OPT_UNKNOWN. */
enum { CLI_OPT_UNKNOWN = -1 };
typedef int (*cli_option_fn)(void *ctx, int opt, const char *arg);

/* Parse argv's options: the common ones into common, the others through
 * take (with ctx); an unknown one prints the usage. Returns 0, with optind
 * at the operands, or the exit code to return. */
int cli_parse_options(int argc, char **argv, const struct option *longopts, cli_common *common, const char *usage,
                      cli_option_fn take, void *ctx);

/* rc, or EXIT_TROUBLE (after saying so) when stdout could not be written. */
int cli_flush_stdout(int rc);

/* Print a usage error and return EXIT_TROUBLE. */
int cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print every finding of d at or above min severity, one line each:
 * "ckpt: FILE: byte N: tensor 'T': message [code]". */
void cli_print_findings(const ck_diag *d, ck_severity min);

/* Print the first error of d (or a generic line) and return EXIT_TROUBLE. */
int cli_fail(const ck_diag *d, const char *path);

/* Open a model; on failure print why and return EXIT_TROUBLE. */
int cli_open_model(const char *path, ck_model **m);

/* Run `command` with argv; defined by each command file. */
int cmd_inspect(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_hash(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_lint(int argc, char **argv);

#endif
