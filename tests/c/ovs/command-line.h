/* command-line.h: OVS's table of subcommands and the helpers its test
 * programs call to run one of them. */

#ifndef OVSRPC_HARNESS_COMMAND_LINE_H
#define OVSRPC_HARNESS_COMMAND_LINE_H 1

#include <stddef.h>
#include "compiler.h"

struct option;

/* The arguments a subcommand's handler gets: argv[0] is its name. */
struct ovs_cmdl_context {
    int argc;
    char **argv;
    void *pvt;                  /* For the program's own use. */
};

typedef void (*ovs_cmdl_handler)(struct ovs_cmdl_context *);

/* One subcommand: a table of these ends with a NULL name. */
struct ovs_cmdl_command {
    const char *name;
    const char *usage;
    int min_args;
    int max_args;
    ovs_cmdl_handler handler;
    enum { OVS_RO, OVS_RW } mode;
};

/* A getopt() short-option string (malloc'd) for the options of OPTIONS
 * that have a one-character value. */
char *ovs_cmdl_long_options_to_short_options(const struct option *options);

/* Runs the command of COMMANDS named by ctx->argv[0], after checking its
 * number of arguments; exits with a message if there is none or the count
 * is wrong. */
void ovs_cmdl_run_command(struct ovs_cmdl_context *,
                          const struct ovs_cmdl_command[]);
void ovs_cmdl_run_command_read_only(struct ovs_cmdl_context *,
                                    const struct ovs_cmdl_command[]);

/* Process titles are not changed by this harness: these do nothing. */
void ovs_cmdl_proctitle_init(int argc, char **argv);
void ovs_cmdl_proctitle_set(const char *, ...) OVS_PRINTF_FORMAT(1, 2);
void ovs_cmdl_proctitle_restore(void);

#endif
