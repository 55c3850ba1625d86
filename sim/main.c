/* mcsim -- command line, startup and clean shutdown.
 *
 * Prints exactly one line "mcsim listening on 127.0.0.1:<port>" to stdout
 * (flushed) once the socket accepts connections, then waits for SIGTERM or
 * SIGINT.  Signals are blocked before any thread starts and collected with
 * sigwait(), so shutdown runs in the main thread, not in a handler.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data.h"
#include "scenario.h"
#include "server.h"
#include "sim.h"
#include "timeutil.h"

#define EXIT_USAGE 2

static void usage(FILE *f)
{
    fputs(
        "Usage: mcsim [OPTIONS]\n"
        "Mimecast API simulator (API 2.0 OAuth + API 1.0 HMAC, six log endpoints).\n"
        "Serves deterministic events generated from a seed; see docs/MCSIM.md.\n"
        "\n"
        "Network\n"
        "  --port N              listen port (default 8089; 0 = ephemeral). The first\n"
        "                        stdout line is 'mcsim listening on 127.0.0.1:<port>'.\n"
        "  --bind ADDR           IPv4 loopback address (default 127.0.0.1); anything\n"
        "                        outside 127.0.0.0/8 is refused.\n"
        "  --verbose             log every request to stderr\n"
        "\n"
        "Data\n"
        "  --seed N              PRNG seed (default 1); same seed + --start = same data\n"
        "  --period DUR          history before now to populate (default 7d); DUR is\n"
        "                        seconds or a number with s/m/h/d/w\n"
        "  --start T             fixed timeline origin (epoch seconds or ISO 8601)\n"
        "                        instead of now - period (reproducible runs)\n"
        "  --end T               no event after T (epoch seconds or ISO 8601): a closed\n"
        "                        timeline, for exact tests and benchmarks\n"
        "  --rate LOG=R          events per second for LOG (audit, dlp, rejection,\n"
        "                        ttp_url, ttp_impersonation, ttp_attachment, or all)\n"
        "                        in every account; fractions allowed (0.02). Repeatable.\n"
        "  --late F:DELAY        a fraction F of events become visible only up to DELAY\n"
        "                        after their event time (e.g. 0.05:1h)\n"
        "  --date-style S        standard (default) | mixed: some records use Z, +00:00,\n"
        "                        .000 fractions or a -0400 offset for the same instant\n"
        "  --max-page-size N     clamp pageSize (default 500); default pageSize is 25\n"
        "  --scenario FILE       JSON scenario (accounts, faults, ...); flags override it\n"
        "\n"
        "Authentication\n"
        "  --token-lifetime DUR  API 2.0 token lifetime (default 1799 s)\n"
        "  --v1-skew DUR         accepted x-mc-date skew (default 15m)\n"
        "  --region R            act as the API 1.0 host of region R (eu, de, us, usb,\n"
        "                        ca, za, au, jer); requests of accounts in another region\n"
        "                        get err_audit_log_incorrect_region. Default: any.\n"
        "  --binding-expired     every API 1.0 request gets 418 err_xdk_binding_expired\n"
        "  --deny LOG            deny LOG to every account (403 app_forbidden). Repeatable.\n"
        "  --deny-style S        http403 (default) | fail200 (HTTP 200 + fail[])\n"
        "\n"
        "Rate limits (token bucket per credential; headers on every API answer)\n"
        "  --rate-limit N[:MS]   bucket of N requests, one added back every MS ms\n"
        "                        (default 1000000:1, i.e. effectively off)\n"
        "  --reset-style S       X-RateLimit-Reset as ms (default, documented), epoch_s\n"
        "                        or epoch_ms (absolute time)\n"
        "  --header-style S      X-RateLimit (default) | X-Rate-Limit\n"
        "\n"
        "Faults: --fault TYPE[:PROB][@OPT=V,OPT=V...]   (repeatable)\n"
        "  TYPE  http500 (or any http5NN; http5xx@status=N), http429, slow, truncate,\n"
        "        invalid_json, fail200, empty_last_page, short_pages, repeat_boundary,\n"
        "        token_expiry, reset, stale_page_token\n"
        "  PROB  probability 0..1 per matching request (default 1), seeded PRNG\n"
        "  OPT   after=N    skip the first N matching requests\n"
        "        every=K    then fire on every K-th matching request\n"
        "        count=M    fire at most M times (0 = unlimited)\n"
        "        path=P     only this path (P* = prefix); repeatable\n"
        "        account=A  only requests of account A; repeatable\n"
        "        status=N   http5xx status;  ms=N  slow delay (default 2000)\n"
        "  e.g.  --fault http503:0.1  --fault slow@ms=1500,every=10\n"
        "        --fault token_expiry@after=5,count=1 --fault empty_last_page\n"
        "\n"
        "Inspection (no auth): GET /_sim/stats?from=&to=  /_sim/events?account=&log=&from=&to=\n"
        "  /_sim/counters  /_sim/info  /_sim/ping  /_sim/blob?bytes=N\n"
        "\n"
        "Default demo account 'demo' (domain demo.example.com, region eu):\n"
        "  API 2.0  client_id=demo-client-id  client_secret=demo-client-secret\n"
        "  API 1.0  app_id=demo-app-id  app_key=demo-app-key  access_key=demo-access-key\n"
        "           secret_key=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"
        "\n"
        "  --help, --version\n",
        f);
}

enum opt_id {
    OPT_PORT = 256,
    OPT_BIND,
    OPT_VERBOSE,
    OPT_SEED,
    OPT_PERIOD,
    OPT_START,
    OPT_END,
    OPT_RATE,
    OPT_LATE,
    OPT_DATE_STYLE,
    OPT_MAX_PAGE,
    OPT_SCENARIO,
    OPT_TOKEN_LIFETIME,
    OPT_V1_SKEW,
    OPT_REGION,
    OPT_BINDING_EXPIRED,
    OPT_DENY,
    OPT_DENY_STYLE,
    OPT_RATE_LIMIT,
    OPT_RESET_STYLE,
    OPT_HEADER_STYLE,
    OPT_FAULT,
    OPT_HELP,
    OPT_VERSION,
};

static const struct option long_opts[] = {
    {"port", required_argument, NULL, OPT_PORT},
    {"bind", required_argument, NULL, OPT_BIND},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"seed", required_argument, NULL, OPT_SEED},
    {"period", required_argument, NULL, OPT_PERIOD},
    {"start", required_argument, NULL, OPT_START},
    {"end", required_argument, NULL, OPT_END},
    {"rate", required_argument, NULL, OPT_RATE},
    {"late", required_argument, NULL, OPT_LATE},
    {"date-style", required_argument, NULL, OPT_DATE_STYLE},
    {"max-page-size", required_argument, NULL, OPT_MAX_PAGE},
    {"scenario", required_argument, NULL, OPT_SCENARIO},
    {"token-lifetime", required_argument, NULL, OPT_TOKEN_LIFETIME},
    {"v1-skew", required_argument, NULL, OPT_V1_SKEW},
    {"region", required_argument, NULL, OPT_REGION},
    {"binding-expired", no_argument, NULL, OPT_BINDING_EXPIRED},
    {"deny", required_argument, NULL, OPT_DENY},
    {"deny-style", required_argument, NULL, OPT_DENY_STYLE},
    {"rate-limit", required_argument, NULL, OPT_RATE_LIMIT},
    {"reset-style", required_argument, NULL, OPT_RESET_STYLE},
    {"header-style", required_argument, NULL, OPT_HEADER_STYLE},
    {"fault", required_argument, NULL, OPT_FAULT},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    unsigned long long v;

    if (!s || !*s || *s == '-')
        return SIM_EPARSE;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return SIM_EPARSE;
    *out = v;
    return SIM_OK;
}

/* Applies one flag; scenario loading is done before this pass. */
static int apply_opt(struct sim_config *cfg, int id, const char *arg, char *err, size_t errlen)
{
    unsigned long long u;

    switch (id) {
    case OPT_PORT:
        if (parse_uint(arg, 65535, &u))
            goto bad;
        cfg->port = (unsigned)u;
        return 0;
    case OPT_BIND:
        if (strlen(arg) >= sizeof(cfg->bind))
            goto bad;
        snprintf(cfg->bind, sizeof(cfg->bind), "%s", arg);
        return 0;
    case OPT_VERBOSE:
        cfg->verbose = true;
        return 0;
    case OPT_SEED:
        if (parse_uint(arg, INT64_MAX, &u))
            goto bad;
        cfg->seed = u;
        return 0;
    case OPT_PERIOD:
        if (sim_parse_duration(arg, &cfg->period_s))
            goto bad;
        return 0;
    case OPT_START: {
        long frac;
        if (sim_time_parse_any(arg, &cfg->start, &frac))
            goto bad;
        cfg->has_start = true;
        return 0;
    }
    case OPT_END: {
        long frac;
        if (sim_time_parse_any(arg, &cfg->end, &frac))
            goto bad;
        cfg->has_end = true;
        return 0;
    }
    case OPT_RATE: {
        char name[64];
        const char *eq = strchr(arg, '=');
        char *end;
        double r;
        uint64_t micro;
        int l;
        if (!eq || (size_t)(eq - arg) >= sizeof(name))
            goto bad;
        memcpy(name, arg, (size_t)(eq - arg));
        name[eq - arg] = '\0';
        errno = 0;
        r = strtod(eq + 1, &end);
        if (errno || *end || end == eq + 1 || sim_parse_rate(r, &micro))
            goto bad;
        l = strcmp(name, "all") == 0 ? SIM_LOG_COUNT : sim_log_from_name(name);
        if (l < 0)
            goto bad;
        for (size_t k = 0; k < cfg->n_accounts; k++)
            for (int x = 0; x < SIM_LOG_COUNT; x++)
                if (l == SIM_LOG_COUNT || l == x)
                    cfg->accounts[k].rate_micro[x] = micro;
        return 0;
    }
    case OPT_LATE: {
        const char *colon = strchr(arg, ':');
        char *end;
        if (!colon)
            goto bad;
        errno = 0;
        cfg->late_fraction = strtod(arg, &end);
        if (errno || end != colon || sim_parse_duration(colon + 1, &cfg->late_max_delay_s))
            goto bad;
        return 0;
    }
    case OPT_DATE_STYLE:
        if (strcmp(arg, "standard") == 0)
            cfg->date_style = SIM_DATES_STANDARD;
        else if (strcmp(arg, "mixed") == 0)
            cfg->date_style = SIM_DATES_MIXED;
        else
            goto bad;
        return 0;
    case OPT_MAX_PAGE:
        if (parse_uint(arg, 100000, &u) || u == 0)
            goto bad;
        cfg->max_page_size = (uint32_t)u;
        return 0;
    case OPT_SCENARIO:
        return 0; /* loaded earlier */
    case OPT_TOKEN_LIFETIME:
        if (sim_parse_duration(arg, &cfg->token_lifetime_s))
            goto bad;
        return 0;
    case OPT_V1_SKEW:
        if (sim_parse_duration(arg, &cfg->v1_skew_s))
            goto bad;
        return 0;
    case OPT_REGION:
        if (strcmp(arg, "any") == 0)
            cfg->region = SIM_REGION_ANY;
        else if ((cfg->region = sim_region_from_name(arg)) < 0)
            goto bad;
        return 0;
    case OPT_BINDING_EXPIRED:
        cfg->binding_expired_all = true;
        return 0;
    case OPT_DENY: {
        int l = sim_log_from_name(arg);
        if (l < 0)
            goto bad;
        for (size_t k = 0; k < cfg->n_accounts; k++)
            cfg->accounts[k].denied[l] = true;
        return 0;
    }
    case OPT_DENY_STYLE: {
        int st;
        if (strcmp(arg, "http403") == 0)
            st = SIM_DENY_HTTP;
        else if (strcmp(arg, "fail200") == 0)
            st = SIM_DENY_FAIL200;
        else
            goto bad;
        for (size_t k = 0; k < cfg->n_accounts; k++)
            cfg->accounts[k].deny_style = st;
        return 0;
    }
    case OPT_RATE_LIMIT: {
        const char *colon = strchr(arg, ':');
        char num[32];
        size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
        if (n >= sizeof(num))
            goto bad;
        memcpy(num, arg, n);
        num[n] = '\0';
        if (parse_uint(num, 100000000, &u) || u == 0)
            goto bad;
        cfg->rl_default.limit = (uint32_t)u;
        if (colon) {
            if (parse_uint(colon + 1, 86400000, &u) || u == 0)
                goto bad;
            cfg->rl_default.refill_ms = (uint32_t)u;
        }
        return 0;
    }
    case OPT_RESET_STYLE:
        if (strcmp(arg, "ms") == 0)
            cfg->reset_style = SIM_RESET_MS;
        else if (strcmp(arg, "epoch_s") == 0)
            cfg->reset_style = SIM_RESET_EPOCH_S;
        else if (strcmp(arg, "epoch_ms") == 0)
            cfg->reset_style = SIM_RESET_EPOCH_MS;
        else
            goto bad;
        return 0;
    case OPT_HEADER_STYLE:
        if (strcmp(arg, "X-RateLimit") == 0)
            cfg->dashed_headers = false;
        else if (strcmp(arg, "X-Rate-Limit") == 0)
            cfg->dashed_headers = true;
        else
            goto bad;
        return 0;
    case OPT_FAULT: {
        struct sim_fault_rule r;
        if (sim_fault_parse(arg, &r, err, errlen))
            return SIM_EINVAL;
        if (sim_config_add_fault(cfg, &r)) {
            sim_fault_rule_fini(&r);
            snprintf(err, errlen, "too many faults");
            return SIM_ELIMIT;
        }
        return 0;
    }
    default:
        break;
    }
bad:
    for (const struct option *o = long_opts; o->name; o++)
        if (o->val == id)
            snprintf(err, errlen, "invalid value for --%s: '%s' (see --help)", o->name,
                     arg ? arg : "");
    return SIM_EINVAL;
}

int main(int argc, char **argv)
{
    struct sim_config cfg;
    struct sim_ctx *ctx = NULL;
    const char *scenario = NULL;
    char err[512] = "";
    sigset_t set;
    int rc = EXIT_USAGE, opt, sig = 0;

    if (sim_config_init_defaults(&cfg) != 0) {
        fprintf(stderr, "mcsim: out of memory\n");
        return 1;
    }
    /* pass 1: --help/--version/--scenario, so flags can override the file */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
        if (opt == OPT_HELP) {
            usage(stdout);
            rc = 0;
            goto out;
        }
        if (opt == OPT_VERSION) {
            printf("mcsim %s\n", SIM_VERSION);
            rc = 0;
            goto out;
        }
        if (opt == OPT_SCENARIO)
            scenario = optarg;
    }
    if (scenario && sim_scenario_load(&cfg, scenario, err, sizeof(err)) != 0) {
        fprintf(stderr, "mcsim: %s\n", err);
        goto out;
    }
    /* pass 2: everything else */
    optind = 0;
    opterr = 1;
    while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
        if (opt == '?' || opt == ':') {
            fprintf(stderr, "mcsim: see --help\n");
            goto out;
        }
        if (apply_opt(&cfg, opt, optarg, err, sizeof(err)) != 0) {
            fprintf(stderr, "mcsim: %s\n", err);
            goto out;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mcsim: unexpected argument '%s' (see --help)\n", argv[optind]);
        goto out;
    }
    if (sim_config_finish(&cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "mcsim: %s\n", err);
        goto out;
    }
    if (sim_data_selfcheck() != 0) {
        fprintf(stderr, "mcsim: internal table check failed\n");
        rc = 1;
        goto out;
    }

    /* block before MHD starts its threads: they inherit the mask */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    ctx = sim_server_create(&cfg, (int64_t)time(NULL), err, sizeof(err));
    if (!ctx) {
        fprintf(stderr, "mcsim: %s\n", err);
        rc = 1;
        goto out;
    }
    printf("mcsim listening on %s\n", ctx->base_url + strlen("http://"));
    fflush(stdout);
    if (cfg.verbose)
        fprintf(stderr, "mcsim: seed %llu, timeline origin %lld, %zu account(s), %zu fault rule(s)\n",
                (unsigned long long)cfg.seed, (long long)ctx->t0, cfg.n_accounts, cfg.n_faults);
    while (sigwait(&set, &sig) != 0)
        ;
    if (cfg.verbose)
        fprintf(stderr, "mcsim: signal %d, shutting down\n", sig);
    rc = 0;
out:
    sim_server_destroy(ctx);
    sim_config_fini(&cfg);
    return rc;
}
