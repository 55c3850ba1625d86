/* mclog check -c FILE: for each account, are the credentials accepted, is the
 * region right, and may this credential read each configured log type? One
 * minimal request per check; the answer is PASS or FAIL with the fix. */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "config/config.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/logtype.h"
#include "core/time.h"
#include "mimecast/client.h"
#include "net/http.h"
#include "sources/logdef.h"

#define CHECK_WINDOW_MS (3600 * 1000)

void mcl_cli_check_usage(FILE *out)
{
    fprintf(out, "usage: mclog check -c FILE\n\n"
                 "For each account: checks the credentials and the region, then asks each configured\n"
                 "log type for one record of the last hour to prove the permission. Prints PASS or\n"
                 "FAIL per check with the fix in words. Exits 0 when everything passes.\n\n"
                 "  -c, --config FILE   configuration file (default: $MCLOG_CONFIG)\n");
}

static void line(const char *account, const char *what, bool pass, const char *detail)
{
    printf("%-16.16s %-22s %s  %s\n", account, what, pass ? "PASS" : "FAIL", detail);
}

static void fail_detail(const struct mcl_mc_error *err, char *out, size_t n)
{
    char status[32] = "";
    if (err->http_status)
        snprintf(status, sizeof status, "HTTP %ld ", err->http_status);
    snprintf(out, n, "%s%s%s%s%s", status, err->code[0] ? err->code : "",
             err->code[0] ? ": " : "", err->advice[0] ? err->advice : err->message,
             err->advice[0] || err->message[0] ? "" : mcl_strerror(err->rc));
}

/* One page of at most one record from the last hour. */
static bool check_log(struct mcl_mc_account *mc, struct mcl_http *h, const char *account,
                      const struct mcl_logdef *def)
{
    struct mcl_buf body;
    struct mcl_mc_error err;
    json_t *root = NULL;
    char detail[1024];
    bool pass = false;
    int64_t now = mcl_time_now_ms();
    mcl_buf_init(&body, 64 * 1024);
    struct mcl_mc_call call = {def->path, def->name, def->permission};
    int rc = mcl_logdef_request(def, now - CHECK_WINDOW_MS, now, 1, NULL, &body);
    for (int attempt = 0; !rc && attempt < 3; attempt++) {
        rc = mcl_mc_post(mc, h, &call, body.data, body.len, &root, &err);
        if (rc != MCL_ERATELIMIT || err.retry_after_ms > 30000)
            break;
        /* A check is a one-off: waiting out a short rate-limit reset is fine here. */
        struct timespec ts = {err.retry_after_ms / 1000, (err.retry_after_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (rc) {
        fail_detail(&err, detail, sizeof detail);
        goto out;
    }
    struct mcl_logdef_page page;
    rc = mcl_logdef_page_take(def, root, &page);
    root = NULL;
    if (rc) {
        snprintf(detail, sizeof detail, "the answer could not be read: %s", mcl_strerror(rc));
        goto out;
    }
    pass = true;
    if (page.n_records)
        snprintf(detail, sizeof detail, "readable; data present in the last hour");
    else
        snprintf(detail, sizeof detail,
                 "readable; no %s events in the last hour (fine if the account is quiet)", def->name);
    mcl_logdef_page_fini(&page);
out:
    line(account, def->name, pass, detail);
    json_decref(root);
    mcl_buf_fini(&body);
    return pass;
}

static bool check_account(const struct mcl_account_cfg *a)
{
    struct mcl_mc_account *mc = NULL;
    struct mcl_http *h = NULL;
    struct mcl_http_opts o;
    struct mcl_mc_error err;
    char detail[1024], what[64];
    bool all = false;
    snprintf(what, sizeof what, "credentials (api %s)", a->api == MCL_API_V1 ? "1.0" : "2.0");
    if (mcl_mc_account_create(a, &mc)) {
        line(a->name, what, false, "the credentials in the configuration are malformed (see the log)");
        goto out;
    }
    mcl_mc_http_opts(a, NULL, &o);
    if (mcl_http_create(&o, &h)) {
        line(a->name, what, false, "cannot create an HTTP client");
        goto out;
    }
    if (mcl_mc_check_credentials(mc, h, &err)) {
        fail_detail(&err, detail, sizeof detail);
        line(a->name, what, false, detail);
        goto out;
    }
    char base[512];
    mcl_mc_account_base_url(mc, base, sizeof base);
    snprintf(detail, sizeof detail, "accepted by %s%s%s", base, a->region ? " (region " : "",
             a->region ? a->region : "");
    if (a->region)
        strncat(detail, ")", sizeof detail - strlen(detail) - 1);
    line(a->name, what, true, detail);
    all = true;
    for (int t = 0; t < MCL_LOGTYPE_COUNT; t++) {
        if (a->logs & (1u << t))
            all &= check_log(mc, h, a->name, mcl_logdef_get((enum mcl_logtype)t));
    }
out:
    mcl_http_destroy(h);
    mcl_mc_account_destroy(mc);
    return all;
}

int mcl_cli_check(int argc, char **argv)
{
    const char *given = NULL;
    int usage_rc = mcl_cli_config_only(argc, argv, mcl_cli_check_usage, &given);
    if (usage_rc)
        return usage_rc;
    struct mcl_config *cfg = NULL;
    int status = mcl_cli_load_config(given, &cfg);
    if (status)
        return status;
    signal(SIGPIPE, SIG_IGN);
    /* The table says what happened; info lines would only interleave with it. */
    if (mcl_log_level_get() > MCL_LOG_WARN)
        mcl_log_setup(MCL_LOG_WARN, cfg->log.format, stderr);
    if (mcl_http_global_init()) {
        mcl_config_free(cfg);
        return 1;
    }
    printf("%-16s %-22s %s  %s\n", "ACCOUNT", "CHECK", "RESULT", "DETAIL");
    int failed = 0;
    for (size_t i = 0; i < cfg->n_accounts; i++)
        failed += !check_account(&cfg->accounts[i]);
    printf("%s\n", failed ? "Some checks failed: see the fixes above." : "All checks passed.");
    mcl_config_free(cfg);
    mcl_http_global_cleanup();
    return failed ? 1 : 0;
}
