/* mclog validate -c FILE: load a configuration and print every problem. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "config/config.h"
#include "core/err.h"
#include "core/logtype.h"

void mcl_cli_validate_usage(FILE *out)
{
    fprintf(out, "usage: mclog validate -c FILE\n\n"
                 "Loads the configuration FILE and prints every problem found, one per line as\n"
                 "file:line:col: message. Exits 0 when the configuration is valid, 1 otherwise.\n\n"
                 "  -c, --config FILE   configuration file (default: $MCLOG_CONFIG)\n");
}

int mcl_cli_validate(int argc, char **argv)
{
    const char *given = NULL;
    int usage_rc = mcl_cli_config_only(argc, argv, mcl_cli_validate_usage, &given);
    if (usage_rc)
        return usage_rc;
    const char *path = mcl_cli_config_path(given);
    if (!path) {
        mcl_cli_validate_usage(stderr);
        return 2;
    }
    struct mcl_diags diags;
    struct mcl_config *cfg = NULL;
    mcl_diags_init(&diags);
    int rc = mcl_config_load(path, &cfg, &diags);
    int status = 1;
    if (rc == MCL_OK) {
        size_t streams = 0;
        for (size_t i = 0; i < cfg->n_accounts; i++) {
            for (int t = 0; t < MCL_LOGTYPE_COUNT; t++)
                streams += (cfg->accounts[i].logs >> t) & 1u;
        }
        printf("%s: configuration is valid (%zu account%s, %zu log stream%s)\n", path,
               cfg->n_accounts, cfg->n_accounts == 1 ? "" : "s", streams, streams == 1 ? "" : "s");
        status = 0;
    } else if (diags.n) {
        mcl_diags_print(&diags, stderr);
        fprintf(stderr, "%s: %zu problem%s found\n", path, diags.n, diags.n == 1 ? "" : "s");
    } else {
        fprintf(stderr, "%s: %s\n", path, mcl_strerror(rc));
    }
    mcl_config_free(cfg);
    mcl_diags_fini(&diags);
    return status;
}
