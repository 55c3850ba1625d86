/* mclog status -c FILE [--json]: per account and log type, what is stored and
 * how collection stands. Reads the store through a read-only handle, so it
 * works while the daemon runs. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config/config.h"
#include "core/err.h"
#include "core/logtype.h"
#include "core/time.h"
#include "store/store.h"

void mcl_cli_status_usage(FILE *out)
{
    fprintf(out,
            "usage: mclog status -c FILE [--json]\n\n"
            "Shows, per account and log type: state, events stored, newest event, the time up to\n"
            "which collection is complete, last success, lag and last error (with the fix).\n\n"
            "  -c, --config FILE   configuration file (default: $MCLOG_CONFIG)\n"
            "      --json          one JSON array of objects with the keys account, log, state,\n"
            "                      events, newest_event, covered_to, window_from, window_to,\n"
            "                      last_success, last_error, last_error_at, lag_seconds\n");
}

struct row {
    const char *account;
    const char *log;
    const struct mcl_stream_status *st; /* NULL: never collected */
    bool configured;
};

static json_t *time_or_null(int64_t ms)
{
    char t[MCL_TIME_TEXT_MAX];
    if (ms == INT64_MIN || ms == INT64_MAX)
        return json_null();
    mcl_time_format_rfc3339(ms, t);
    return json_string(t);
}

static int64_t lag_ms(const struct mcl_stream_status *s, int64_t now)
{
    if (!s || s->cp.covered_to == INT64_MIN)
        return INT64_MIN;
    return now - s->cp.covered_to;
}

static int print_json(const struct row *rows, size_t n, int64_t now)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        const struct mcl_stream_status *s = rows[i].st;
        int64_t lag = lag_ms(s, now);
        json_t *o = json_pack(
            "{s:s, s:s, s:s, s:b, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "account",
            rows[i].account, "log", rows[i].log, "state",
            s ? mcl_stream_state_name(s->state) : "idle", "configured", rows[i].configured,
            "events", (json_int_t)(s ? s->events : 0), "newest_event",
            time_or_null(s ? s->newest_event : INT64_MIN), "covered_to",
            time_or_null(s ? s->cp.covered_to : INT64_MIN), "window_from",
            time_or_null(s && s->cp.has_window ? s->cp.window_from : INT64_MIN), "window_to",
            time_or_null(s && s->cp.has_window ? s->cp.window_to : INT64_MIN), "last_success",
            time_or_null(s ? s->last_success : INT64_MIN), "last_error",
            s && s->last_error ? json_string(s->last_error) : json_null(), "last_error_at",
            time_or_null(s ? s->last_error_at : INT64_MIN), "lag_seconds",
            lag == INT64_MIN ? json_null() : json_integer(lag / 1000));
        if (!o || json_array_append_new(arr, o)) {
            json_decref(arr);
            return 1;
        }
    }
    if (!arr)
        return 1;
    char *text = json_dumps(arr, JSON_INDENT(2));
    json_decref(arr);
    if (!text)
        return 1;
    printf("%s\n", text);
    free(text);
    return 0;
}

static void print_table(const struct row *rows, size_t n, int64_t now)
{
    printf("%-16s %-18s %-9s %10s  %-20s  %-20s  %-20s  %-9s %s\n", "ACCOUNT", "LOG", "STATE",
           "EVENTS", "NEWEST EVENT", "COMPLETE UP TO", "LAST SUCCESS", "LAG", "LAST ERROR");
    for (size_t i = 0; i < n; i++) {
        const struct mcl_stream_status *s = rows[i].st;
        char newest[MCL_TIME_TEXT_MAX], covered[MCL_TIME_TEXT_MAX], ok[MCL_TIME_TEXT_MAX],
            lag[MCL_TIME_TEXT_MAX] = "-";
        mcl_cli_format_time(s ? s->newest_event : INT64_MIN, newest);
        mcl_cli_format_time(s ? s->cp.covered_to : INT64_MIN, covered);
        mcl_cli_format_time(s ? s->last_success : INT64_MIN, ok);
        int64_t l = lag_ms(s, now);
        if (l != INT64_MIN)
            mcl_duration_format(l - l % 1000, lag);
        const char *state = s ? mcl_stream_state_name(s->state) : "idle";
        printf("%-16s %-18s %-9s %10lld  %-20s  %-20s  %-20s  %-9s %s%s\n", rows[i].account,
               rows[i].log, rows[i].configured ? state : "removed",
               (long long)(s ? s->events : 0), newest, covered, ok, lag,
               s && s->last_error ? s->last_error : "-",
               rows[i].configured ? "" : " (no longer in the configuration)");
    }
}

int mcl_cli_status(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    const char *given = NULL;
    bool as_json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
        if (c == 'c') {
            given = optarg;
        } else if (c == 'j') {
            as_json = true;
        } else {
            mcl_cli_status_usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        mcl_cli_status_usage(stderr);
        return 2;
    }
    struct mcl_config *cfg = NULL;
    int status = mcl_cli_load_config(given, &cfg);
    if (status)
        return status;

    struct mcl_store *st = NULL;
    struct mcl_stream_status_list list = {0};
    struct row *rows = NULL;
    size_t n = 0;
    int rc = mcl_store_open(cfg->store.path, MCL_STORE_READONLY, &st);
    if (rc == MCL_OK)
        rc = mcl_store_status_list(st, &list);
    else if (rc == MCL_ENOTFOUND)
        rc = MCL_OK; /* nothing collected yet: every stream is idle */
    if (rc) {
        fprintf(stderr, "mclog: cannot read the store %s: %s\n", cfg->store.path, mcl_strerror(rc));
        status = 1;
        goto out;
    }
    rows = calloc(cfg->n_accounts * MCL_LOGTYPE_COUNT + list.n + 1, sizeof *rows);
    if (!rows) {
        status = 1;
        goto out;
    }
    for (size_t a = 0; a < cfg->n_accounts; a++) {
        for (int t = 0; t < MCL_LOGTYPE_COUNT; t++) {
            if (!(cfg->accounts[a].logs & (1u << t)))
                continue;
            struct row *r = &rows[n++];
            r->account = cfg->accounts[a].name;
            r->log = mcl_logtype_name((enum mcl_logtype)t);
            r->configured = true;
            for (size_t i = 0; i < list.n; i++) {
                if (!strcmp(list.v[i].account, r->account) && !strcmp(list.v[i].log, r->log))
                    r->st = &list.v[i];
            }
        }
    }
    for (size_t i = 0; i < list.n; i++) {
        bool known = false;
        for (size_t k = 0; k < n && !known; k++)
            known = rows[k].st == &list.v[i];
        if (!known)
            rows[n++] = (struct row){list.v[i].account, list.v[i].log, &list.v[i], false};
    }
    int64_t now = mcl_time_now_ms();
    if (as_json)
        status = print_json(rows, n, now);
    else
        print_table(rows, n, now);
out:
    free(rows);
    mcl_stream_status_list_fini(&list);
    mcl_store_close(st);
    mcl_config_free(cfg);
    return status;
}
