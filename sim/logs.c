/* mcsim -- the six time-window log endpoints (API.md §3.0-3.6).
 *
 * Request: {"meta":{"pagination":{"pageSize":N,"pageToken":"…"}},"data":[{filters}]}
 * A page costs O(page size): the window's first index comes from
 * sim_stream_count_before() (closed form), then events are visited in order,
 * skipping only not-yet-visible late events and filtered-out ones.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "data.h"
#include "faults.h"
#include "hash.h"
#include "pagetoken.h"
#include "server.h"
#include "timeutil.h"

struct log_desc {
    const char *list;      /* nested list name, NULL = records directly in data[] */
    const char *from_key;  /* window start filter */
    const char *to_key;    /* window end filter */
    bool honours_oldest;   /* oldestFirst is documented for this endpoint */
    bool from_required;    /* audit: startDateTime is required */
};

static const struct log_desc descs[SIM_LOG_COUNT] = {
    [SIM_LOG_AUDIT] = {NULL, "startDateTime", "endDateTime", false, true},
    [SIM_LOG_DLP] = {"dlpLogs", "from", "to", true, false},
    [SIM_LOG_REJECTION] = {"rejections", "start", "end", false, false},
    [SIM_LOG_TTP_URL] = {"clickLogs", "from", "to", true, false},
    [SIM_LOG_TTP_IMPERSONATION] = {"impersonationLogs", "from", "to", true, false},
    [SIM_LOG_TTP_ATTACHMENT] = {"attachmentLogs", "from", "to", true, false},
};

struct page_req {
    struct sim_ptoken q;
    uint32_t page_size;
    const char *token_in; /* echoed as meta.pagination.pageToken */
    char *key_json;       /* data[0] for fail[].key */
};

/* Function-level failure: HTTP 200 + 1.0-style fail[] (API.md §3.0). */
static void fail200(struct sim_response *rs, const struct page_req *pr, const char *code,
                    const char *message, bool retryable)
{
    sim_resp_v1_fail(rs, 200, code, message, retryable, pr->key_json);
}

static bool json_truthy(const json_t *v, bool dflt)
{
    if (json_is_boolean(v))
        return json_is_true(v);
    if (json_is_string(v))
        return strcmp(json_string_value(v), "true") == 0;
    return dflt;
}

/* Parse a window end.  Returns 0, or the fail code to report. */
static const char *parse_date(const json_t *v, bool is_start, int64_t dflt, int64_t *out)
{
    int64_t sec;
    long frac;

    if (!v || json_is_null(v)) {
        *out = dflt;
        return NULL;
    }
    if (!json_is_string(v))
        return "err_validation_invalid_date";
    if (json_string_length(v) == 0)
        return "err_validation_blank";
    if (sim_time_parse_iso(json_string_value(v), &sec, &frac) != 0)
        return "err_validation_invalid_date";
    /* events have whole-second times: a start with a fraction begins at the
     * next second, an end with a fraction stops at its own second */
    *out = is_start && frac > 0 ? sec + 1 : sec;
    return NULL;
}

static int parse_route(const json_t *v, int log, uint8_t *out)
{
    const char *s;

    *out = SIM_ROUTE_ALL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    s = json_string_value(v);
    if (strcmp(s, "all") == 0)
        *out = SIM_ROUTE_ALL;
    else if (strcmp(s, "inbound") == 0)
        *out = SIM_ROUTE_INBOUND;
    else if (strcmp(s, "outbound") == 0)
        *out = SIM_ROUTE_OUTBOUND;
    else if (strcmp(s, "internal") == 0)
        *out = SIM_ROUTE_INTERNAL;
    else if (strcmp(s, "external") == 0 && log == SIM_LOG_TTP_ATTACHMENT)
        *out = SIM_ROUTE_EXTERNAL;
    else
        return -1;
    return 0;
}

static int parse_verdict(const json_t *v, uint8_t *out)
{
    const char *s;

    *out = SIM_VERDICT_ALL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return -1;
    s = json_string_value(v);
    if (strcmp(s, "all") == 0)
        *out = SIM_VERDICT_ALL;
    else if (strcmp(s, "clean") == 0 || strcmp(s, "safe") == 0)
        *out = SIM_VERDICT_CLEAN;
    else if (strcmp(s, "malicious") == 0)
        *out = SIM_VERDICT_MALICIOUS;
    else
        return -1;
    return 0;
}

/* Fills pr->q from the filter object; returns NULL or a fail code. */
static const char *parse_filters(const struct sim_request *rq, int log, const json_t *f,
                                 struct page_req *pr, const char **msg)
{
    const struct log_desc *d = &descs[log];
    int64_t now = rq->now_s, day0 = now - ((now % 86400) + 86400) % 86400;
    const json_t *from = json_object_get(f, d->from_key);
    const char *code;

    if (d->from_required && (!from || json_is_null(from))) {
        *msg = "startDateTime is required";
        return "err_validation_null";
    }
    code = parse_date(from, true, day0, &pr->q.from);
    if (!code)
        code = parse_date(json_object_get(f, d->to_key), false, now, &pr->q.to);
    if (code) {
        *msg = "Date must be ISO 8601, e.g. 2024-11-17T20:16:00+0000";
        return code;
    }
    pr->q.oldest_first =
        d->honours_oldest && json_truthy(json_object_get(f, "oldestFirst"), false) ? 1 : 0;
    pr->q.route = SIM_ROUTE_ALL;
    pr->q.verdict = SIM_VERDICT_ALL;
    *msg = "Invalid filter value";
    switch (log) {
    case SIM_LOG_REJECTION:
        if (json_truthy(json_object_get(f, "admin"), false))
            pr->q.flags |= SIM_PTOKEN_ADMIN;
        break;
    case SIM_LOG_TTP_URL:
        if (parse_route(json_object_get(f, "route"), log, &pr->q.route) ||
            parse_verdict(json_object_get(f, "scanResult"), &pr->q.verdict))
            return "err_validation_invalid_value";
        break;
    case SIM_LOG_TTP_ATTACHMENT:
        if (parse_route(json_object_get(f, "route"), log, &pr->q.route) ||
            parse_verdict(json_object_get(f, "result"), &pr->q.verdict))
            return "err_validation_invalid_value";
        break;
    case SIM_LOG_TTP_IMPERSONATION: {
        const json_t *tm = json_object_get(f, "taggedMalicious");
        if (tm && !json_is_null(tm))
            pr->q.verdict = json_truthy(tm, false) ? SIM_VERDICT_MALICIOUS : SIM_VERDICT_CLEAN;
        break;
    }
    default:
        break;
    }
    return NULL;
}

static uint32_t page_size_of(const json_t *pag, uint32_t max)
{
    const json_t *v = json_object_get(pag, "pageSize");
    long long n = 25;

    if (json_is_integer(v))
        n = json_integer_value(v);
    else if (json_is_string(v)) /* Elastic v1 sent "100" and it worked */
        n = strtoll(json_string_value(v), NULL, 10);
    if (n < 1)
        n = 25;
    if ((unsigned long long)n > max)
        n = max;
    return (uint32_t)n;
}

static void render_page(struct sim_request *rq, struct sim_response *rs,
                        const struct sim_account *a, int log, const struct page_req *pr,
                        const struct sim_stream *s, const uint64_t *idx, const int64_t *times,
                        size_t n, const char *next, bool have_total, uint64_t total,
                        bool end_page)
{
    struct sim_buf *b = &rs->body;
    const struct log_desc *d = &descs[log];
    int ds = rq->ctx->cfg->date_style;

    sim_resp_json(rs, 200);
    sim_buf_reserve(b, 512 + n * 1400);
    SIM_BUF_LIT(b, "{\"meta\":{\"status\":200,\"pagination\":{\"pageSize\":");
    sim_buf_u64(b, pr->page_size);
    if (have_total) {
        SIM_BUF_LIT(b, ",\"totalCount\":");
        sim_buf_u64(b, total);
    }
    if (next) {
        SIM_BUF_LIT(b, ",\"next\":");
        sim_buf_jrawz(b, next);
    }
    if (pr->token_in) {
        SIM_BUF_LIT(b, ",\"pageToken\":");
        sim_buf_jstrz(b, pr->token_in);
    }
    SIM_BUF_LIT(b, "}},\"data\":[");
    if (!end_page) {
        if (d->list) {
            SIM_BUF_LIT(b, "{\"");
            sim_buf_adds(b, d->list);
            SIM_BUF_LIT(b, "\":[");
        }
        for (size_t k = 0; k < n; k++) {
            if (k)
                sim_buf_addc(b, ',');
            sim_event_render(b, a, s, log, idx[k], times[k], ds);
        }
        if (d->list) {
            sim_buf_addc(b, ']');
            if (log == SIM_LOG_TTP_IMPERSONATION) {
                SIM_BUF_LIT(b, ",\"resultCount\":");
                sim_buf_u64(b, have_total ? total : n);
            }
            sim_buf_addc(b, '}');
        }
    }
    SIM_BUF_LIT(b, "],\"fail\":[]}");
}

static bool fire(struct sim_request *rq, int type)
{
    const struct sim_config *cfg = rq->ctx->cfg;
    const char *acct = rq->acct >= 0 ? cfg->accounts[rq->acct].name : NULL;

    if (!sim_faults_fire(rq->ctx->faults, type, rq->path, acct))
        return false;
    sim_counters_fault(rq->ctx->counters, rq->cred, type);
    return true;
}

int sim_api_logs(struct sim_request *rq, struct sim_response *rs, int log)
{
    const struct sim_config *cfg = rq->ctx->cfg;
    const struct sim_account *a = &cfg->accounts[rq->acct];
    const struct sim_late *late = &rq->ctx->late;
    struct page_req pr;
    struct sim_stream s;
    struct sim_filter filt;
    json_error_t jerr;
    json_t *root = NULL, *pag, *item, *tokv;
    uint64_t *idx = NULL, lo, hi, pos, j, total = 0;
    int64_t *times = NULL, eff_to, now = rq->now_s;
    size_t n = 0, limit;
    bool has_more = false, have_total;
    char next[SIM_PTOKEN_MAX], *nextp = NULL;
    const char *code, *msg;
    int rc = 0;

    memset(&pr, 0, sizeof(pr));
    root = json_loadb(rq->body ? rq->body : "", rq->body_len, 0, &jerr);
    if (root && !json_is_object(root)) {
        json_decref(root);
        root = NULL;
    }
    pag = json_object_get(json_object_get(root, "meta"), "pagination");
    item = json_array_get(json_object_get(root, "data"), 0);
    if (item && !json_is_object(item))
        item = NULL;
    pr.key_json = item ? json_dumps(item, JSON_COMPACT) : NULL;
    pr.page_size = page_size_of(pag, cfg->max_page_size);

    /* permission first: the gateway refuses before looking at the body */
    if (a->denied[log]) {
        if (a->deny_style == SIM_DENY_FAIL200)
            fail200(rs, &pr, "err_forbidden", "Forbidden to perform the requested operation",
                    false);
        else if (rq->scheme == SIM_SCHEME_V2)
            sim_resp_v2_fail(rs, 403, "app_forbidden",
                             "Forbidden to perform the requested operation");
        else
            sim_resp_v1_fail(rs, 403, "err_forbidden",
                             "Forbidden to perform the requested operation", false, NULL);
        goto out;
    }
    if (!root) {
        sim_resp_v1_fail(rs, 400, "err_request_json_invalid", "Request body is not valid JSON",
                         false, NULL);
        goto out;
    }

    if (rq->scheme == SIM_SCHEME_V1 && cfg->region != SIM_REGION_ANY && a->region != cfg->region) {
        fail200(rs, &pr, "err_audit_log_incorrect_region",
                "The account belongs to another region; use the regional host from "
                "discover-authentication",
                false);
        goto out;
    }
    if (fire(rq, SIM_FAULT_FAIL200)) {
        fail200(rs, &pr, "err_internal_error", "Temporary failure, please retry", true);
        goto out;
    }
    tokv = json_object_get(pag, "pageToken");
    if (json_is_string(tokv) && json_string_length(tokv) > 0) {
        pr.token_in = json_string_value(tokv);
        if (fire(rq, SIM_FAULT_STALE_PAGE_TOKEN) ||
            sim_ptoken_decode(pr.token_in, rq->ctx->token_key, &pr.q) != 0 ||
            pr.q.log != (uint8_t)log || pr.q.account != (uint32_t)a->name_hash) {
            fail200(rs, &pr, "err_invalid_page_token", "The page token is invalid or has expired",
                    false);
            goto out;
        }
    } else {
        code = parse_filters(rq, log, item, &pr, &msg);
        if (code) {
            fail200(rs, &pr, code, msg, false);
            goto out;
        }
        pr.q.log = (uint8_t)log;
        pr.q.account = (uint32_t)a->name_hash;
        pr.q.to = pr.q.to < pr.q.from - 1 ? pr.q.from - 1 : pr.q.to; /* empty, not negative */
    }

    sim_stream_init(&s, a, log, rq->ctx->t0);
    eff_to = pr.q.to < now ? pr.q.to : now;
    lo = sim_stream_count_before(&s, pr.q.from);
    hi = eff_to >= pr.q.from ? sim_stream_count_before(&s, eff_to + 1) : lo;
    if (hi < lo)
        hi = lo;
    if (log == SIM_LOG_REJECTION && !(pr.q.flags & SIM_PTOKEN_ADMIN))
        hi = lo; /* the real pitfall: without admin:true only the caller's own mailbox */
    if (!pr.token_in)
        pr.q.pos = pr.q.oldest_first ? lo : hi;
    pos = pr.q.pos < lo ? lo : pr.q.pos > hi ? hi : pr.q.pos;
    filt.route = pr.q.route;
    filt.verdict = pr.q.verdict;
    have_total = late->threshold == 0 && sim_filter_is_all(&filt);
    total = hi - lo;

    if (pr.q.flags & SIM_PTOKEN_END) {
        /* empty_last_page: the page after the last one is empty yet still
         * carries `next` (samples/ttp-url-get-logs.last-page-empty.json) */
        nextp = next;
        if (!sim_ptoken_encode(&pr.q, rq->ctx->token_key, next, sizeof(next)))
            nextp = NULL;
        render_page(rq, rs, a, log, &pr, &s, NULL, NULL, 0, nextp, have_total, total, true);
        goto out;
    }

    limit = pr.page_size;
    if (limit > 1 && fire(rq, SIM_FAULT_SHORT_PAGES))
        limit = 1 + sim_mix64(rq->ctx->token_key ^ pos ^ ((uint64_t)log << 56)) % (limit - 1);
    idx = malloc(limit * sizeof(*idx));
    times = malloc(limit * sizeof(*times));
    if (!idx || !times) {
        sim_resp_v2_fail(rs, 500, "internal-error", "out of memory");
        rc = SIM_ENOMEM;
        goto out;
    }

    if (pr.q.oldest_first) {
        for (j = pos; j < hi && n < limit; j++) {
            int64_t t = sim_stream_time(&s, j);
            if (sim_event_visible(&s, late, j, t, now) && sim_event_matches(&s, log, j, &filt)) {
                idx[n] = j;
                times[n++] = t;
            }
        }
        pr.q.pos = j;
        for (; j < hi && !has_more; j++)
            has_more = sim_event_visible(&s, late, j, sim_stream_time(&s, j), now) &&
                       sim_event_matches(&s, log, j, &filt);
    } else {
        for (j = pos; j > lo && n < limit;) {
            int64_t t;
            j--;
            t = sim_stream_time(&s, j);
            if (sim_event_visible(&s, late, j, t, now) && sim_event_matches(&s, log, j, &filt)) {
                idx[n] = j;
                times[n++] = t;
            }
        }
        pr.q.pos = j;
        while (j > lo && !has_more) {
            j--;
            has_more = sim_event_visible(&s, late, j, sim_stream_time(&s, j), now) &&
                       sim_event_matches(&s, log, j, &filt);
        }
    }

    if (has_more) {
        if (n >= 2 && fire(rq, SIM_FAULT_REPEAT_BOUNDARY))
            pr.q.pos = pr.q.oldest_first ? idx[n - 1] : idx[n - 1] + 1;
        nextp = next;
    } else if (n > 0 && fire(rq, SIM_FAULT_EMPTY_LAST_PAGE)) {
        pr.q.flags |= SIM_PTOKEN_END;
        nextp = next;
    }
    if (nextp && !sim_ptoken_encode(&pr.q, rq->ctx->token_key, next, sizeof(next)))
        nextp = NULL;
    render_page(rq, rs, a, log, &pr, &s, idx, times, n, nextp, have_total, total, false);
    if (rs->body.err) {
        sim_resp_v2_fail(rs, 500, "internal-error", "response too large");
        rc = rs->body.err;
    }
out:
    free(idx);
    free(times);
    free(pr.key_json);
    json_decref(root);
    return rc;
}
