/* Helpers shared by the subcommands: loading the configuration with its
 * diagnostics, logging setup, and time/duration printing. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "config/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/time.h"

const char *mcl_cli_config_path(const char *given)
{
    if (given)
        return given;
    const char *env = getenv("MCLOG_CONFIG");
    return env && *env ? env : NULL;
}

int mcl_cli_load_config(const char *given, struct mcl_config **out)
{
    const char *path = mcl_cli_config_path(given);
    if (!path) {
        fprintf(stderr, "mclog: no configuration given: use -c FILE or set MCLOG_CONFIG\n");
        return 2;
    }
    struct mcl_diags diags;
    mcl_diags_init(&diags);
    int rc = mcl_config_load(path, out, &diags);
    int status = 0;
    if (rc != MCL_OK) {
        if (diags.n) {
            mcl_diags_print(&diags, stderr);
            fprintf(stderr, "%s: %zu problem%s found; run 'mclog validate -c %s'\n", path, diags.n,
                    diags.n == 1 ? "" : "s", path);
        } else {
            fprintf(stderr, "%s: %s\n", path, mcl_strerror(rc));
        }
        status = 1;
    } else {
        mcl_config_register_secrets(*out);
        mcl_log_setup((*out)->log.level, (*out)->log.format, stderr);
    }
    mcl_diags_fini(&diags);
    return status;
}

void mcl_cli_format_time(int64_t ms, char out[MCL_TIME_TEXT_MAX])
{
    if (ms == INT64_MIN || ms == INT64_MAX) {
        snprintf(out, MCL_TIME_TEXT_MAX, "-");
        return;
    }
    mcl_time_format_rfc3339(ms, out);
    /* Seconds are enough on a terminal: drop ".mmm" but keep the zone. */
    out[19] = 'Z';
    out[20] = '\0';
}

int mcl_cli_config_only(int argc, char **argv, void (*usage)(FILE *), const char **given)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    int c;
    *given = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
        if (c != 'c') {
            usage(stderr);
            return 2;
        }
        *given = optarg;
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    return 0;
}
