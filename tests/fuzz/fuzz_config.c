/* Fuzz target for the configuration loader: arbitrary bytes as a YAML file.
 * Exercises libyaml, the tree conversion (duplicates, aliases, limits),
 * ${ENV} expansion, every typed option, diagnostics and freeing.
 * *_file keys may name real files; they are opened O_NONBLOCK, only regular
 * files are read, and at most 64 KiB. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "core/err.h"
#include "core/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");

    struct mcl_diags diags;
    struct mcl_config *cfg = NULL;
    mcl_diags_init(&diags);
    int rc = mcl_config_load_text((const char *)data, size, "fuzz.yaml", &cfg, &diags);
    if (rc == 0) {
        /* A loaded config must be complete and its secrets registrable. */
        if (!cfg || !cfg->n_accounts)
            __builtin_trap();
        (void)mcl_config_register_secrets(cfg);
        mcl_log_clear_secrets();
        (void)mcl_config_account(cfg, cfg->accounts[0].name);
    } else if (cfg || (rc == MCL_ECONFIG && diags.n == 0)) {
        __builtin_trap(); /* failure must leave *out NULL and explain itself */
    }
    if (sink)
        mcl_diags_print(&diags, sink);
    mcl_config_free(cfg);
    mcl_diags_fini(&diags);
    return 0;
}
