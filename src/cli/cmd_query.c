/* mclog query: stored events, newest first, as NDJSON (one event per line)
 * or as a table for people. Read-only; works while the daemon runs. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config/config.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/logtype.h"
#include "core/str.h"
#include "core/time.h"
#include "store/store.h"

#define TABLE_DEFAULT_LIMIT 50
#define SUMMARY_MAX 110

void mcl_cli_query_usage(FILE *out)
{
    fprintf(out,
            "usage: mclog query -c FILE [--log T] [--account A] [--since DURATION] [--limit N]\n"
            "                   [--format ndjson|table]\n\n"
            "Prints stored events, newest first.\n\n"
            "  -c, --config FILE     configuration file (default: $MCLOG_CONFIG)\n"
            "      --log T           only this log type: audit, dlp, rejection, ttp_url,\n"
            "                        ttp_impersonation, ttp_attachment\n"
            "      --account A       only this account\n"
            "      --since DURATION  only events newer than this (event time), e.g. 1h, 7d\n"
            "      --limit N         at most N events (default: all for ndjson, %d for table)\n"
            "      --format F        ndjson (default; one JSON document per line) or table\n",
            TABLE_DEFAULT_LIMIT);
}

struct query_out {
    bool table;
    struct mcl_buf line;
    int64_t rows;
};

/* The fields that tell one event from another at a glance, per log type. */
static const char *const summary_fields[MCL_LOGTYPE_COUNT][5] = {
    [MCL_LOGTYPE_AUDIT] = {"auditType", "user", "eventInfo", NULL},
    [MCL_LOGTYPE_DLP] = {"action", "policy", "senderAddress", "recipientAddress", "subject"},
    [MCL_LOGTYPE_REJECTION] = {"description", "fromAddress", "toAddress", "ipAddress", NULL},
    [MCL_LOGTYPE_TTP_URL] = {"scanResult", "action", "userEmailAddress", "url", NULL},
    [MCL_LOGTYPE_TTP_IMPERSONATION] = {"action", "definition", "senderAddress", "recipientAddress",
                                       "subject"},
    [MCL_LOGTYPE_TTP_ATTACHMENT] = {"result", "senderAddress", "recipientAddress", "fileName",
                                    NULL},
};

static void summarise(const struct mcl_query_row *r, char *out, size_t outsz)
{
    enum mcl_logtype t;
    size_t n = 0;
    out[0] = '\0';
    json_t *rec = json_loadb(r->raw, r->raw_len, 0, NULL);
    if (!rec || mcl_logtype_parse(r->log, &t)) {
        snprintf(out, outsz, "%.*s", (int)(outsz - 1), r->raw);
        goto out;
    }
    for (int i = 0; i < 5 && summary_fields[t][i] && n + 1 < outsz; i++) {
        json_t *v = json_object_get(rec, summary_fields[t][i]);
        char num[32];
        const char *s = NULL;
        if (json_is_string(v))
            s = json_string_value(v);
        else if (json_is_integer(v) && snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v)) > 0)
            s = num;
        if (!s || !*s)
            continue;
        n += (size_t)snprintf(out + n, outsz - n, "%s%s", n ? " | " : "", s);
        if (n >= outsz)
            n = outsz - 1;
    }
    for (char *p = out; *p; p++) {
        if (*p == '\r' || *p == '\n' || *p == '\t')
            *p = ' ';
    }
out:
    json_decref(rec);
}

static int print_row(const struct mcl_query_row *r, void *arg)
{
    struct query_out *q = arg;
    char t[MCL_TIME_TEXT_MAX];
    q->rows++;
    if (q->table) {
        char summary[SUMMARY_MAX + 1];
        mcl_cli_format_time(r->event_time, t);
        summarise(r, summary, sizeof summary);
        printf("%-20s  %-14.14s  %-17s  %s\n", t, r->account, r->log, summary);
        return 0;
    }
    if (r->doc) {
        fwrite(r->doc, 1, r->doc_len, stdout);
        fputc('\n', stdout);
        return 0;
    }
    /* Not normalised: a minimal envelope around the raw record. */
    char key[2 * MCL_SHA256_LEN + 1];
    mcl_hex(r->key, MCL_SHA256_LEN, key);
    mcl_time_format_rfc3339(r->event_time, t);
    mcl_buf_reset(&q->line);
    int rc = mcl_buf_appendf(&q->line,
                             "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s\",\"dataset\":\"mimecast.%s\"},"
                             "\"organization\":{\"name\":",
                             t, key, r->log);
    if (!rc)
        rc = mcl_json_escape(&q->line, r->account, strlen(r->account));
    if (!rc)
        rc = mcl_buf_append_str(&q->line, "},\"mimecast\":");
    if (!rc)
        rc = mcl_buf_append(&q->line, r->raw, r->raw_len);
    if (!rc)
        rc = mcl_buf_append_str(&q->line, "}\n");
    if (rc)
        return rc;
    fwrite(q->line.data, 1, q->line.len, stdout);
    return 0;
}

int mcl_cli_query(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"log", required_argument, NULL, 'l'},
        {"account", required_argument, NULL, 'a'}, {"since", required_argument, NULL, 's'},
        {"limit", required_argument, NULL, 'n'},   {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    const char *given = NULL, *since = NULL, *limit = NULL, *format = "ndjson";
    struct mcl_query q = {.since_ms = INT64_MIN, .until_ms = INT64_MAX, .limit = 0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': given = optarg; break;
        case 'l': q.log = optarg; break;
        case 'a': q.account = optarg; break;
        case 's': since = optarg; break;
        case 'n': limit = optarg; break;
        case 'f': format = optarg; break;
        default: mcl_cli_query_usage(stderr); return 2;
        }
    }
    struct query_out out = {.table = !strcmp(format, "table")};
    enum mcl_logtype lt;
    if (optind != argc || (!out.table && strcmp(format, "ndjson"))) {
        mcl_cli_query_usage(stderr);
        return 2;
    }
    if (q.log && mcl_logtype_parse(q.log, &lt)) {
        fprintf(stderr, "mclog query: unknown log type '%s' (known: audit, dlp, rejection, ttp_url, "
                        "ttp_impersonation, ttp_attachment)\n", q.log);
        return 2;
    }
    if (since) {
        int64_t d;
        if (mcl_duration_parse(since, &d)) {
            fprintf(stderr, "mclog query: --since wants a duration like 30m, 1h or 7d, got '%s'\n", since);
            return 2;
        }
        q.since_ms = mcl_time_now_ms() - d;
    }
    if (limit) {
        char *end;
        long long v = strtoll(limit, &end, 10);
        if (*end || end == limit || v <= 0) {
            fprintf(stderr, "mclog query: --limit wants a positive number, got '%s'\n", limit);
            return 2;
        }
        q.limit = v;
    } else if (out.table) {
        q.limit = TABLE_DEFAULT_LIMIT;
    }
    struct mcl_config *cfg = NULL;
    int status = mcl_cli_load_config(given, &cfg);
    if (status)
        return status;
    if (q.account && !mcl_config_account(cfg, q.account))
        fprintf(stderr, "mclog query: note: account '%s' is not in the configuration\n", q.account);
    struct mcl_store *st = NULL;
    mcl_buf_init(&out.line, 64 * 1024 * 1024);
    int rc = mcl_store_open(cfg->store.path, MCL_STORE_READONLY, &st);
    if (rc == MCL_ENOTFOUND) {
        fprintf(stderr, "mclog query: no store at %s yet: run 'mclog once' or 'mclog run' first\n",
                cfg->store.path);
        status = 1;
        goto out;
    }
    if (!rc && out.table)
        printf("%-20s  %-14s  %-17s  %s\n", "TIME", "ACCOUNT", "LOG", "SUMMARY");
    if (!rc)
        rc = mcl_store_query(st, &q, print_row, &out);
    if (rc) {
        fprintf(stderr, "mclog query: %s\n", mcl_strerror(rc));
        status = 1;
    }
out:
    fflush(stdout);
    mcl_buf_fini(&out.line);
    mcl_store_close(st);
    mcl_config_free(cfg);
    return status;
}
