/* mclog: argv -> subcommand dispatch only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/version.h"

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("mclog %s\n", MCL_VERSION);
    return 0;
}

static void version_usage(FILE *out)
{
    fprintf(out, "usage: mclog version\n");
}

static const struct mcl_cli_cmd commands[] = {
    {"run", "the daemon: collect every configured stream, forever", mcl_cli_run, mcl_cli_run_usage},
    {"once", "catch every stream up to now, then exit", mcl_cli_once, mcl_cli_once_usage},
    {"check", "check credentials, region and permissions: PASS/FAIL with the fix", mcl_cli_check,
     mcl_cli_check_usage},
    {"status", "per account and log type: events, progress, last error, lag", mcl_cli_status,
     mcl_cli_status_usage},
    {"query", "print stored events, newest first (ndjson or table)", mcl_cli_query,
     mcl_cli_query_usage},
    {"validate", "load a configuration and print every problem in it", mcl_cli_validate,
     mcl_cli_validate_usage},
    {"version", "print the version", cmd_version, version_usage},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "mclog %s: collects Mimecast email-security logs and delivers them to your SIEM\n\n"
                 "usage: mclog <command> [options]\n\ncommands:\n",
            MCL_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun 'mclog <command> --help' for a command's options.\n"
                 "Configuration reference: docs/CONFIG.md\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        if (argc > 2) {
            for (size_t i = 0; i < N_COMMANDS; i++) {
                if (!strcmp(argv[2], commands[i].name)) {
                    commands[i].usage(stdout);
                    return 0;
                }
            }
        }
        usage(stdout);
        return 0;
    }
    if (!strcmp(name, "--version"))
        return cmd_version(0, NULL);
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(name, commands[i].name))
            continue;
        for (int a = 2; a < argc; a++) {
            if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
                commands[i].usage(stdout);
                return 0;
            }
        }
        return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "mclog: unknown command '%s'\n\n", name);
    usage(stderr);
    return 2;
}
