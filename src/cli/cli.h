/* Subcommands of the `mclog` binary. Each takes the arguments after its name
 * (argv[0] is the subcommand) and returns the process exit status:
 * 0 success, 1 failure or problems found, 2 usage error. */
#ifndef MCL_CLI_CLI_H
#define MCL_CLI_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "core/time.h"

struct mcl_config;

struct mcl_cli_cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
    void (*usage)(FILE *out);
};

int mcl_cli_validate(int argc, char **argv);
void mcl_cli_validate_usage(FILE *out);

int mcl_cli_run(int argc, char **argv);
void mcl_cli_run_usage(FILE *out);
int mcl_cli_once(int argc, char **argv);
void mcl_cli_once_usage(FILE *out);
int mcl_cli_check(int argc, char **argv);
void mcl_cli_check_usage(FILE *out);
int mcl_cli_status(int argc, char **argv);
void mcl_cli_status_usage(FILE *out);
int mcl_cli_query(int argc, char **argv);
void mcl_cli_query_usage(FILE *out);

/* The configuration path: `given` (from -c/--config) or $MCLOG_CONFIG, or
 * NULL when neither is set. */
const char *mcl_cli_config_path(const char *given);
/* Loads the configuration (printing diagnostics), registers its secrets and
 * sets up logging. Returns an exit status: 0 loaded, 1 invalid, 2 no path. */
int mcl_cli_load_config(const char *given, struct mcl_config **out);
/* Parses the only option of commands that take nothing but "-c FILE":
 * returns 0, or 2 after printing `usage` to stderr. */
int mcl_cli_config_only(int argc, char **argv, void (*usage)(FILE *), const char **given);
/* "2024-11-17T20:16:00Z", or "-" for INT64_MIN/INT64_MAX. */
void mcl_cli_format_time(int64_t ms, char out[MCL_TIME_TEXT_MAX]);

#endif
