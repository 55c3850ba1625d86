/* mcsim -- /_sim inspection endpoints (no auth, GET only).
 *
 *   /_sim/stats?from=&to=[&account=][&log=]   visible events per account/log in [from, to)
 *   /_sim/events?account=&log=&from=&to=     those events as NDJSON, oldest first
 *   /_sim/counters                            per-credential request/fault counters
 *   /_sim/info                                seed, timeline origin, accounts, rates
 *   /_sim/ping, /_sim/blob?bytes=N            fixed answers (benchmark baselines)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "data.h"
#include "server.h"
#include "timeutil.h"

static void inspect_error(struct sim_response *rs, int status, const char *msg)
{
    sim_resp_json(rs, status);
    sim_buf_reset(&rs->body);
    SIM_BUF_LIT(&rs->body, "{\"error\":");
    sim_buf_jstrz(&rs->body, msg);
    SIM_BUF_LIT(&rs->body, "}\n");
}

/* [from, to) from the query; defaults: timeline origin .. now + 1. */
static int parse_window(const struct sim_request *rq, int64_t *from, int64_t *to)
{
    const char *f = rq->arg(rq, "from"), *t = rq->arg(rq, "to");
    int64_t sec;
    long frac;

    *from = rq->ctx->t0;
    *to = rq->now_s + 1;
    if (f) {
        if (sim_time_parse_any(f, &sec, &frac) != 0)
            return SIM_EPARSE;
        *from = frac > 0 ? sec + 1 : sec;
    }
    if (t) {
        if (sim_time_parse_any(t, &sec, &frac) != 0)
            return SIM_EPARSE;
        *to = frac > 0 ? sec + 1 : sec;
    }
    return SIM_OK;
}

/* Index range [*lo, *hi) of events with from <= t < to that exist now. */
static void index_range(const struct sim_stream *s, int64_t from, int64_t to, int64_t now,
                        uint64_t *lo, uint64_t *hi)
{
    int64_t end = to < now + 1 ? to : now + 1;

    *lo = sim_stream_count_before(s, from);
    *hi = end > from ? sim_stream_count_before(s, end) : *lo;
    if (*hi < *lo)
        *hi = *lo;
}

static uint64_t count_visible(const struct sim_ctx *ctx, const struct sim_stream *s, int64_t from,
                              int64_t to, int64_t now)
{
    uint64_t lo, hi, n, j;

    index_range(s, from, to, now, &lo, &hi);
    n = hi - lo;
    if (ctx->late.threshold == 0)
        return n;
    /* only events younger than the maximum delay can still be hidden */
    j = sim_stream_count_before(s, now - ctx->late.max_delay + 1);
    for (j = j > lo ? j : lo; j < hi; j++)
        if (!sim_event_visible(s, &ctx->late, j, sim_stream_time(s, j), now))
            n--;
    return n;
}

static void handle_stats(struct sim_request *rq, struct sim_response *rs)
{
    const struct sim_config *cfg = rq->ctx->cfg;
    const char *acct_name = rq->arg(rq, "account"), *log_name = rq->arg(rq, "log");
    int64_t from, to;
    int only_log = -1;
    struct sim_buf *b = &rs->body;
    bool first = true;

    if (parse_window(rq, &from, &to) != 0) {
        inspect_error(rs, 400, "from/to must be epoch seconds or ISO 8601");
        return;
    }
    if (log_name && (only_log = sim_log_from_name(log_name)) < 0) {
        inspect_error(rs, 400, "unknown log type");
        return;
    }
    if (acct_name && sim_config_account_by_name(cfg, acct_name) < 0) {
        inspect_error(rs, 404, "unknown account");
        return;
    }
    sim_resp_json(rs, 200);
    sim_buf_printf(b, "{\"from\":%lld,\"to\":%lld,\"now\":%lld,\"accounts\":{", (long long)from,
                   (long long)to, (long long)rq->now_s);
    for (size_t k = 0; k < cfg->n_accounts; k++) {
        const struct sim_account *a = &cfg->accounts[k];
        if (acct_name && strcmp(acct_name, a->name) != 0)
            continue;
        if (!first)
            sim_buf_addc(b, ',');
        first = false;
        sim_buf_jrawz(b, a->name);
        SIM_BUF_LIT(b, ":{");
        for (int l = 0, out = 0; l < SIM_LOG_COUNT; l++) {
            struct sim_stream s;
            if (only_log >= 0 && l != only_log)
                continue;
            sim_stream_init(&s, a, l, rq->ctx->t0);
            if (out++)
                sim_buf_addc(b, ',');
            sim_buf_jrawz(b, sim_log_names[l]);
            sim_buf_addc(b, ':');
            sim_buf_u64(b, count_visible(rq->ctx, &s, from, to, rq->now_s));
        }
        sim_buf_addc(b, '}');
    }
    SIM_BUF_LIT(b, "}}\n");
}

/* ---- /_sim/events: streamed so that a large window needs little memory -- */

struct events_stream {
    const struct sim_ctx *ctx;
    const struct sim_account *a;
    int log;
    struct sim_stream s;
    uint64_t j, hi;
    int64_t now;
    struct sim_buf buf;
    size_t off;
};

static ssize_t events_read(void *cls, uint64_t pos, char *out, size_t max)
{
    struct events_stream *es = cls;
    size_t n;

    (void)pos;
    while (es->off == es->buf.len) {
        if (es->j >= es->hi)
            return -1; /* end of stream */
        sim_buf_reset(&es->buf);
        es->off = 0;
        for (int k = 0; k < 256 && es->j < es->hi; k++, es->j++) {
            int64_t t = sim_stream_time(&es->s, es->j);
            if (!sim_event_visible(&es->s, &es->ctx->late, es->j, t, es->now))
                continue;
            sim_event_render(&es->buf, es->a, &es->s, es->log, es->j, t, SIM_DATES_STANDARD);
            sim_buf_addc(&es->buf, '\n');
        }
        if (es->buf.err)
            return -2;
    }
    n = es->buf.len - es->off;
    if (n > max)
        n = max;
    memcpy(out, es->buf.p + es->off, n);
    es->off += n;
    return (ssize_t)n;
}

static void events_free(void *cls)
{
    struct events_stream *es = cls;

    sim_buf_fini(&es->buf);
    free(es);
}

static void handle_events(struct sim_request *rq, struct sim_response *rs)
{
    const struct sim_config *cfg = rq->ctx->cfg;
    const char *acct_name = rq->arg(rq, "account"), *log_name = rq->arg(rq, "log");
    struct events_stream *es;
    int64_t from, to;
    int acct, log;
    uint64_t lo;

    acct = acct_name ? sim_config_account_by_name(cfg, acct_name) : (cfg->n_accounts == 1 ? 0 : -1);
    log = log_name ? sim_log_from_name(log_name) : -1;
    if (acct < 0 || log < 0) {
        inspect_error(rs, 400, "account= (known name) and log= (log type) are required");
        return;
    }
    if (parse_window(rq, &from, &to) != 0) {
        inspect_error(rs, 400, "from/to must be epoch seconds or ISO 8601");
        return;
    }
    es = calloc(1, sizeof(*es));
    if (!es) {
        inspect_error(rs, 500, "out of memory");
        return;
    }
    es->ctx = rq->ctx;
    es->a = &cfg->accounts[acct];
    es->log = log;
    es->now = rq->now_s;
    sim_stream_init(&es->s, es->a, log, rq->ctx->t0);
    index_range(&es->s, from, to, es->now, &lo, &es->hi);
    es->j = lo;
    sim_buf_init(&es->buf, 16 * 1024 * 1024);
    rs->status = 200;
    rs->content_type = "application/x-ndjson";
    rs->stream = events_read;
    rs->stream_free = events_free;
    rs->stream_cls = es;
}

static void handle_info(struct sim_request *rq, struct sim_response *rs)
{
    const struct sim_config *cfg = rq->ctx->cfg;
    struct sim_buf *b = &rs->body;

    sim_resp_json(rs, 200);
    sim_buf_printf(b,
                   "{\"version\":\"%s\",\"seed\":%llu,\"start\":%lld,\"now\":%lld,"
                   "\"period\":%lld,\"base_url\":\"%s\",\"region\":\"%s\","
                   "\"max_page_size\":%u,\"token_lifetime\":%lld,\"late_events\":{"
                   "\"fraction\":%.6g,\"max_delay\":%lld},\"accounts\":[",
                   SIM_VERSION, (unsigned long long)cfg->seed, (long long)rq->ctx->t0,
                   (long long)rq->now_s, (long long)cfg->period_s, rq->ctx->base_url,
                   cfg->region < 0 ? "any" : sim_region_names[cfg->region], cfg->max_page_size,
                   (long long)cfg->token_lifetime_s, cfg->late_fraction,
                   (long long)cfg->late_max_delay_s);
    for (size_t k = 0; k < cfg->n_accounts; k++) {
        const struct sim_account *a = &cfg->accounts[k];
        int nd = 0;
        if (k)
            sim_buf_addc(b, ',');
        sim_buf_printf(b, "{\"name\":\"%s\",\"domain\":\"%s\",\"region\":\"%s\",\"rates\":{",
                       a->name, a->domain, sim_region_names[a->region]);
        for (int l = 0; l < SIM_LOG_COUNT; l++)
            sim_buf_printf(b, "%s\"%s\":%.6f", l ? "," : "", sim_log_names[l],
                           (double)a->rate_micro[l] / 1e6);
        SIM_BUF_LIT(b, "},\"denied\":[");
        for (int l = 0; l < SIM_LOG_COUNT; l++)
            if (a->denied[l])
                sim_buf_printf(b, "%s\"%s\"", nd++ ? "," : "", sim_log_names[l]);
        sim_buf_printf(b, "],\"binding_expired\":%s}",
                       a->binding_expired || cfg->binding_expired_all ? "true" : "false");
    }
    SIM_BUF_LIT(b, "]}\n");
}

int sim_inspect_handle(struct sim_request *rq, struct sim_response *rs)
{
    const char *p = rq->path + strlen("/_sim/");

    if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
        inspect_error(rs, 405, "method not allowed");
        return 0;
    }
    if (strcmp(p, "stats") == 0) {
        handle_stats(rq, rs);
    } else if (strcmp(p, "events") == 0) {
        handle_events(rq, rs);
    } else if (strcmp(p, "counters") == 0) {
        sim_resp_json(rs, 200);
        sim_counters_render(rq->ctx->counters, &rs->body);
        sim_buf_addc(&rs->body, '\n');
    } else if (strcmp(p, "info") == 0) {
        handle_info(rq, rs);
    } else if (strcmp(p, "ping") == 0) {
        sim_resp_json(rs, 200);
        SIM_BUF_LIT(&rs->body, "{\"pong\":true}\n");
    } else if (strcmp(p, "blob") == 0) {
        const char *bytes = rq->arg(rq, "bytes");
        char *end = NULL;
        unsigned long long n = bytes ? strtoull(bytes, &end, 10) : 0;
        if (!bytes || *end || n > rq->ctx->blob_len) {
            inspect_error(rs, 400, "bytes=N (N <= 8 MiB) is required");
            return 0;
        }
        rs->status = 200;
        rs->content_type = "application/json";
        rs->static_body = rq->ctx->blob;
        rs->static_len = (size_t)n;
    } else {
        inspect_error(rs, 404, "unknown /_sim endpoint");
    }
    return 0;
}
