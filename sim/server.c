/* mcsim -- libmicrohttpd front end: routing and the common request pipeline.
 *
 * Threading: MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION.
 * One thread per connection keeps handlers simple and lets the `slow` fault
 * just sleep without stalling other clients; the simulator serves a handful of
 * connections (a collector, a test, a benchmark), so per-connection threads
 * cost nothing that matters, and a single keep-alive connection is served by
 * one thread with no hand-offs (the benchmark path).  Shared state (tokens,
 * buckets, counters, fault schedules) is behind short mutexes; the
 * configuration is read-only.
 *
 * Pipeline for API routes (anything outside /_sim/):
 *   route (404/405) -> body cap (413) -> identify credential -> rate limit (429)
 *   -> connection faults (reset, slow, token_expiry, http5xx, http429)
 *   -> authentication (401/418) -> handler -> delivery faults (truncate,
 *   invalid_json) -> X-RateLimit-* headers on every answer.
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "counters.h"
#include "faults.h"
#include "hash.h"

#define BLOB_MAX (8u * 1024 * 1024)

enum route_kind {
    ROUTE_NONE = -1,
    ROUTE_TOKEN = 0,
    ROUTE_DISCOVER,
    ROUTE_LOG,
    ROUTE_ACCOUNT,
};

struct route {
    const char *path;
    int kind;
    int log;
};

static const struct route routes[] = {
    {"/oauth/token", ROUTE_TOKEN, -1},
    {"/api/login/discover-authentication", ROUTE_DISCOVER, -1},
    {"/api/audit/get-audit-events", ROUTE_LOG, SIM_LOG_AUDIT},
    {"/api/dlp/get-logs", ROUTE_LOG, SIM_LOG_DLP},
    {"/api/gateway/get-rejections", ROUTE_LOG, SIM_LOG_REJECTION},
    {"/api/ttp/url/get-logs", ROUTE_LOG, SIM_LOG_TTP_URL},
    {"/api/ttp/impersonation/get-logs", ROUTE_LOG, SIM_LOG_TTP_IMPERSONATION},
    {"/api/ttp/attachment/get-logs", ROUTE_LOG, SIM_LOG_TTP_ATTACHMENT},
    {"/api/account/get-account", ROUTE_ACCOUNT, -1},
};

static const struct route *find_route(const char *path)
{
    for (size_t k = 0; k < sizeof(routes) / sizeof(routes[0]); k++)
        if (strcmp(routes[k].path, path) == 0)
            return &routes[k];
    return NULL;
}

struct conn_req {
    struct sim_buf body;
    bool too_big;
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The clock events are visible by: wall time, stopped at --end. */
static int64_t data_clock(const struct sim_config *cfg, int64_t wall_ms)
{
    int64_t s = wall_ms / 1000;
    return cfg->has_end && s > cfg->end ? cfg->end : s;
}

static const char *req_arg(const struct sim_request *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* ------------------------------------------------------------------------ */
/* Credential identification and authentication                              */

static void identify(struct sim_request *rq, const struct route *rt)
{
    const struct sim_config *cfg = rq->ctx->cfg;
    const char *auth = rq->authorization;

    rq->acct = -1;
    rq->scheme = SIM_SCHEME_NONE;
    if (rt && rt->kind == ROUTE_TOKEN) {
        char cid[256];
        rq->scheme = SIM_SCHEME_V2;
        if (sim_form_get(rq->body, rq->body_len, "client_id", cid, sizeof(cid)) == 0)
            rq->acct = sim_config_account_by_client_id(cfg, cid);
    } else if (auth && strncasecmp(auth, "Bearer ", 7) == 0) { /* scheme is case-insensitive */
        bool valid;
        rq->scheme = SIM_SCHEME_V2;
        rq->acct = sim_tokens_lookup(rq->ctx->tokens, auth + 7, rq->now_ms, &valid);
    } else if (auth && strncmp(auth, "MC ", 3) == 0) {
        char ak[256], sig[128];
        rq->scheme = SIM_SCHEME_V1;
        if (sim_v1_parse_authorization(auth, ak, sizeof(ak), sig, sizeof(sig)) == 0)
            rq->acct = sim_config_account_by_access_key(cfg, ak);
    } else if (auth) {
        rq->scheme = SIM_SCHEME_OTHER;
    } else if (rt && rt->kind == ROUTE_DISCOVER) {
        rq->scheme = SIM_SCHEME_V1;
    }
    if (rq->acct < 0)
        rq->cred = SIM_CRED_ANON(cfg);
    else
        rq->cred = rq->scheme == SIM_SCHEME_V1 ? SIM_CRED_V1(rq->acct) : SIM_CRED_V2(rq->acct);
}

/* Returns true when the request may proceed; otherwise rs holds the answer. */
static bool authenticate(struct sim_request *rq, struct sim_response *rs)
{
    const struct sim_config *cfg = rq->ctx->cfg;
    const struct sim_account *a;
    char ak[256], sig[128];
    bool valid = false;

    switch (rq->scheme) {
    case SIM_SCHEME_V2:
        if (rq->acct >= 0)
            sim_tokens_lookup(rq->ctx->tokens, rq->authorization + 7, rq->now_ms, &valid);
        if (!valid) {
            sim_resp_v2_fail(rs, 401, "token_expired",
                             "The access token is invalid or has expired");
            return false;
        }
        return true;
    case SIM_SCHEME_V1:
        if (rq->acct < 0 ||
            sim_v1_parse_authorization(rq->authorization, ak, sizeof(ak), sig, sizeof(sig))) {
            sim_resp_v1_fail(rs, 401, "err_authentication_failed",
                             "Unknown access key or malformed Authorization header", false, NULL);
            return false;
        }
        a = &cfg->accounts[rq->acct];
        if (a->binding_expired || cfg->binding_expired_all) {
            sim_resp_v1_fail(rs, 418, "err_xdk_binding_expired", "binding expired", false, NULL);
            return false;
        }
        switch (sim_v1_verify(a, sig, rq->mc_date, rq->mc_req_id, rq->mc_app_id, rq->path,
                              rq->now_ms / 1000, cfg->v1_skew_s)) {
        case SIM_V1_OK:
            return true;
        case SIM_V1_MISSING_HEADERS:
        case SIM_V1_BAD_APP_ID:
            sim_resp_v1_fail(rs, 401, "err_developer_key",
                             "x-mc-app-id/x-mc-date/x-mc-req-id missing or application id "
                             "does not match the access key",
                             false, NULL);
            return false;
        case SIM_V1_BAD_DATE:
            sim_resp_v1_fail(rs, 401, "err_date_invalid",
                             "x-mc-date must look like 'Tue, 24 Nov 2015 12:50:11 UTC'", false,
                             NULL);
            return false;
        case SIM_V1_STALE_DATE:
            sim_resp_v1_fail(rs, 401, "err_date_stale",
                             "x-mc-date is too far from the server clock", false, NULL);
            return false;
        default:
            sim_resp_v1_fail(rs, 401, "err_authentication_failed", "Signature is invalid",
                             false, NULL);
            return false;
        }
    default:
        sim_resp_v2_fail(rs, 401, "unauthorized", NULL);
        return false;
    }
}

/* ------------------------------------------------------------------------ */
/* Faults decided before the handler runs                                    */

static bool fire(struct sim_request *rq, int type, const struct sim_fault_rule **rule)
{
    const struct sim_config *cfg = rq->ctx->cfg;
    const char *acct = rq->acct >= 0 ? cfg->accounts[rq->acct].name : NULL;
    const struct sim_fault_rule *r = sim_faults_fire(rq->ctx->faults, type, rq->path, acct);

    if (!r)
        return false;
    sim_counters_fault(rq->ctx->counters, rq->cred, type);
    if (rule)
        *rule = r;
    return true;
}

static void gateway_error(struct sim_response *rs, int status)
{
    if (status == 500) {
        sim_resp_v2_fail(rs, 500, "internal-error",
                         "An unexpected error occurred while processing the request");
        return;
    }
    /* gateways in front of the API answer other 5xx with HTML */
    rs->status = status;
    rs->content_type = "text/html";
    sim_buf_reset(&rs->body);
    sim_buf_printf(&rs->body,
                   "<html><head><title>%d Error</title></head><body><h1>%d</h1>"
                   "<p>The upstream service is unavailable.</p></body></html>\n",
                   status, status);
}

/* Returns true when a fault produced the answer (or dropped it). */
static bool pre_faults(struct sim_request *rq, struct sim_response *rs, struct sim_rl_state *rl)
{
    const struct sim_fault_rule *r = NULL;

    if (fire(rq, SIM_FAULT_RESET, NULL)) {
        rs->post_fault = SIM_POST_RESET;
        return true;
    }
    if (fire(rq, SIM_FAULT_SLOW, &r)) {
        struct timespec ts = {r->delay_ms / 1000, (long)(r->delay_ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        rq->now_ms = now_ms();
        rq->now_s = data_clock(rq->ctx->cfg, rq->now_ms);
    }
    if (fire(rq, SIM_FAULT_TOKEN_EXPIRY, &r))
        sim_tokens_revoke(rq->ctx->tokens, r->n_accounts ? rq->acct : -1);
    if (fire(rq, SIM_FAULT_HTTP5XX, &r)) {
        gateway_error(rs, r->status ? r->status : 500);
        return true;
    }
    if (fire(rq, SIM_FAULT_HTTP429, NULL)) {
        rl->remaining = 0;
        if (rq->scheme == SIM_SCHEME_V1)
            sim_resp_v1_fail(rs, 429, "err_rate_limit_exceeded", "Rate limit exceeded", true,
                             NULL);
        else
            sim_resp_v2_fail(rs, 429, "rate_limit_exceeded", "Rate limit exceeded");
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* Sending                                                                   */

struct trunc_body {
    char *p;
    size_t cut;
};

static ssize_t trunc_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct trunc_body *t = cls;
    size_t n;

    if (pos >= t->cut)
        return MHD_CONTENT_READER_END_WITH_ERROR; /* MHD closes the connection */
    n = t->cut - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, t->p + pos, n);
    return (ssize_t)n;
}

static void trunc_free(void *cls)
{
    struct trunc_body *t = cls;

    free(t->p);
    free(t);
}

static void add_rl_headers(struct MHD_Response *r, const struct sim_ctx *ctx,
                           const struct sim_rl_state *rl, int64_t now)
{
    const char *pfx = ctx->cfg->dashed_headers ? "X-Rate-Limit-" : "X-RateLimit-";
    char name[32], val[32];
    long long reset = rl->reset_ms;

    if (ctx->cfg->reset_style == SIM_RESET_EPOCH_S)
        reset = (now + rl->reset_ms + 999) / 1000;
    else if (ctx->cfg->reset_style == SIM_RESET_EPOCH_MS)
        reset = now + rl->reset_ms;
    snprintf(name, sizeof(name), "%sLimit", pfx);
    snprintf(val, sizeof(val), "%u", rl->limit);
    MHD_add_response_header(r, name, val);
    snprintf(name, sizeof(name), "%sRemaining", pfx);
    snprintf(val, sizeof(val), "%u", rl->remaining);
    MHD_add_response_header(r, name, val);
    snprintf(name, sizeof(name), "%sReset", pfx);
    snprintf(val, sizeof(val), "%lld", reset);
    MHD_add_response_header(r, name, val);
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct sim_ctx *ctx,
                                     struct sim_response *rs, const struct sim_rl_state *rl,
                                     int64_t now)
{
    struct MHD_Response *r = NULL;
    enum MHD_Result ret;
    char *body;
    size_t len;

    if (rs->post_fault == SIM_POST_RESET)
        return MHD_NO; /* MHD closes the socket: no status line at all */
    if (rs->stream) {
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, rs->stream,
                                              rs->stream_cls, rs->stream_free);
        if (!r)
            rs->stream_free(rs->stream_cls);
        rs->stream = NULL;
    } else if (rs->static_body) {
        r = MHD_create_response_from_buffer(rs->static_len, (void *)rs->static_body,
                                            MHD_RESPMEM_PERSISTENT);
    } else {
        body = sim_buf_steal(&rs->body, &len);
        if (rs->post_fault == SIM_POST_TRUNCATE && len > 1) {
            struct trunc_body *t = malloc(sizeof(*t));
            if (t) {
                t->p = body;
                t->cut = len / 2;
                r = MHD_create_response_from_callback(len, 16 * 1024, trunc_read, t, trunc_free);
                if (!r)
                    trunc_free(t);
            } else {
                free(body);
            }
        } else {
            if (rs->post_fault == SIM_POST_INVALID_JSON && len > 1)
                len = len / 2; /* a cut document: valid length, invalid JSON */
            r = MHD_create_response_from_buffer_with_free_callback(len, body ? body : "",
                                                                   body ? free : NULL);
            if (!r)
                free(body);
        }
    }
    if (!r)
        return MHD_NO;
    if (rs->content_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs->content_type);
    if (rl)
        add_rl_headers(r, ctx, rl, now);
    ret = MHD_queue_response(conn, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* ------------------------------------------------------------------------ */
/* Dispatch                                                                  */

static enum MHD_Result handle(struct sim_ctx *ctx, struct MHD_Connection *conn, const char *url,
                              const char *method, struct conn_req *cr)
{
    const struct sim_config *cfg = ctx->cfg;
    struct sim_request rq;
    struct sim_response rs;
    struct sim_rl_state rl;
    const struct route *rt;
    enum MHD_Result ret;
    int64_t t_start;

    memset(&rq, 0, sizeof(rq));
    memset(&rs, 0, sizeof(rs));
    sim_buf_init(&rs.body, 64u * 1024 * 1024 + (size_t)cfg->max_page_size * 8192);
    rq.ctx = ctx;
    rq.conn = conn;
    rq.arg = req_arg;
    rq.method = method;
    rq.path = url;
    rq.body = cr->body.p;
    rq.body_len = cr->body.len;
    rq.authorization = header(conn, MHD_HTTP_HEADER_AUTHORIZATION);
    rq.mc_date = header(conn, "x-mc-date");
    rq.mc_req_id = header(conn, "x-mc-req-id");
    rq.mc_app_id = header(conn, "x-mc-app-id");
    rq.now_ms = t_start = now_ms();
    rq.now_s = data_clock(cfg, rq.now_ms);

    if (strncmp(url, "/_sim/", 6) == 0) {
        sim_inspect_handle(&rq, &rs);
        ret = send_response(conn, ctx, &rs, NULL, rq.now_ms);
        goto out;
    }

    rt = find_route(url);
    identify(&rq, rt);
    sim_rl_take(ctx->rl, rq.cred, rq.now_ms, &rl);
    if (!rt) {
        sim_resp_v2_fail(&rs, 404, "not_found", "No such endpoint");
    } else if (strcmp(method, "POST") != 0) {
        sim_resp_v2_fail(&rs, 405, "method_not_allowed", "Use POST for this endpoint");
    } else if (cr->too_big) {
        sim_resp_v2_fail(&rs, 413, "payload_too_large", "Request body exceeds 1 MiB");
    } else if (!rl.allowed) {
        if (rq.scheme == SIM_SCHEME_V1)
            sim_resp_v1_fail(&rs, 429, "err_rate_limit_exceeded", "Rate limit exceeded", true,
                             NULL);
        else
            sim_resp_v2_fail(&rs, 429, "rate_limit_exceeded", "Rate limit exceeded");
    } else if (pre_faults(&rq, &rs, &rl)) {
        /* answer (or drop) decided by a fault */
    } else if (rt->kind == ROUTE_TOKEN) {
        sim_api_token(&rq, &rs);
    } else if (rt->kind == ROUTE_DISCOVER) {
        sim_api_discover(&rq, &rs);
    } else if (authenticate(&rq, &rs)) {
        if (rt->kind == ROUTE_ACCOUNT)
            sim_api_account(&rq, &rs);
        else
            sim_api_logs(&rq, &rs, rt->log);
    }

    if (rt && rs.status == 200 && rs.post_fault == SIM_POST_NONE) {
        if (fire(&rq, SIM_FAULT_TRUNCATE, NULL))
            rs.post_fault = SIM_POST_TRUNCATE;
        else if (fire(&rq, SIM_FAULT_INVALID_JSON, NULL))
            rs.post_fault = SIM_POST_INVALID_JSON;
    }
    sim_counters_request(ctx->counters, rq.cred,
                         rs.post_fault == SIM_POST_RESET ? 0 : rs.status);
    if (cfg->verbose)
        fprintf(stderr, "mcsim: %s %s -> %d%s (%zu bytes, %lld ms, credential %zu)\n", method,
                url, rs.post_fault == SIM_POST_RESET ? 0 : rs.status,
                rs.post_fault == SIM_POST_TRUNCATE       ? " truncated"
                : rs.post_fault == SIM_POST_INVALID_JSON ? " invalid-json"
                : rs.post_fault == SIM_POST_RESET        ? " reset"
                                                         : "",
                rs.body.len, (long long)(now_ms() - t_start), rq.cred);
    ret = send_response(conn, ctx, &rs, &rl, rq.now_ms);
out:
    if (rs.stream && rs.stream_free)
        rs.stream_free(rs.stream_cls);
    sim_buf_fini(&rs.body);
    return ret;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    struct sim_ctx *ctx = cls;
    struct conn_req *cr = *con_cls;
    (void)version;

    if (!cr) {
        const char *cl = header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
        cr = calloc(1, sizeof(*cr));
        if (!cr)
            return MHD_NO;
        sim_buf_init(&cr->body, SIM_MAX_BODY + 1);
        *con_cls = cr;
        /* an announced oversized body is refused before it is read */
        if (cl && strtoull(cl, NULL, 10) > SIM_MAX_BODY)
            cr->too_big = true;
        if (cr->too_big)
            return handle(ctx, conn, url, method, cr);
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!cr->too_big) {
            if (cr->body.len + *upload_data_size > SIM_MAX_BODY) {
                cr->too_big = true;
                sim_buf_fini(&cr->body);
            } else {
                sim_buf_add(&cr->body, upload_data, *upload_data_size);
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (cr->body.p)
        cr->body.p[cr->body.len] = '\0'; /* sim_buf always keeps room for it */
    return handle(ctx, conn, url, method, cr);
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct conn_req *cr = *con_cls;
    (void)cls;
    (void)conn;
    (void)toe;

    if (!cr)
        return;
    sim_buf_fini(&cr->body);
    free(cr);
    *con_cls = NULL;
}

/* ------------------------------------------------------------------------ */
/* Lifecycle                                                                 */

static int open_listener(const char *addr, unsigned port, int *fd_out, unsigned *port_out,
                         char *err, size_t errlen)
{
    struct sockaddr_in sa;
    socklen_t slen = sizeof(sa);
    int fd = -1, one = 1, rc = SIM_EIO;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (strcmp(addr, "localhost") == 0)
        addr = "127.0.0.1";
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "--bind %s: only IPv4 loopback addresses (127.0.0.0/8) are allowed",
                 addr);
        rc = SIM_EINVAL;
        goto out;
    }
    if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
        snprintf(err, errlen, "--bind %s: refusing to listen on a non-loopback address", addr);
        rc = SIM_EINVAL;
        goto out;
    }
    if (port > 65535) {
        snprintf(err, errlen, "--port %u: out of range", port);
        rc = SIM_EINVAL;
        goto out;
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &slen) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%u: %s", addr, port, strerror(errno));
        goto out;
    }
    *port_out = ntohs(sa.sin_port);
    *fd_out = fd;
    fd = -1;
    rc = SIM_OK;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

struct sim_ctx *sim_server_create(const struct sim_config *cfg, int64_t now_s, char *err,
                                  size_t errlen)
{
    struct sim_ctx *ctx = calloc(1, sizeof(*ctx));
    struct sim_ratelimit_cfg *rlc = NULL;
    size_t ncred = SIM_CRED_COUNT(cfg);
    unsigned flags;

    if (!ctx) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ctx->listen_fd = -1;
    ctx->cfg = cfg;
    ctx->t0 = cfg->has_start ? cfg->start : now_s - cfg->period_s;
    sim_late_init(&ctx->late, cfg->late_fraction, cfg->late_max_delay_s);
    ctx->token_key = sim_mix64(cfg->seed ^ 0x70a6e7c0ffee1234ULL);
    ctx->tokens = sim_tokens_create(8192);
    ctx->counters = sim_counters_create(cfg);
    ctx->faults = sim_faults_create(cfg);
    rlc = calloc(ncred, sizeof(*rlc));
    ctx->blob = malloc(BLOB_MAX);
    if (!ctx->tokens || !ctx->counters || !ctx->faults || !rlc || !ctx->blob) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    memset(ctx->blob, 'x', BLOB_MAX);
    ctx->blob_len = BLOB_MAX;
    for (size_t k = 0; k < cfg->n_accounts; k++) {
        rlc[SIM_CRED_V2(k)] = cfg->accounts[k].rl;
        rlc[SIM_CRED_V1(k)] = cfg->accounts[k].rl;
    }
    rlc[SIM_CRED_ANON(cfg)] = cfg->rl_default;
    ctx->rl = sim_rl_create(ncred, rlc);
    if (!ctx->rl) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (open_listener(cfg->bind, cfg->port, &ctx->listen_fd, &ctx->port, err, errlen) != 0)
        goto fail;
    snprintf(ctx->base_url, sizeof(ctx->base_url), "http://%s:%u",
             strcmp(cfg->bind, "localhost") == 0 ? "127.0.0.1" : cfg->bind, ctx->port);
    flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
    if (cfg->verbose)
        flags |= MHD_USE_ERROR_LOG;
    ctx->daemon = MHD_start_daemon(flags, 0, NULL, NULL, access_cb, ctx, MHD_OPTION_LISTEN_SOCKET,
                                   ctx->listen_fd, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, ctx,
                                   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300,
                                   MHD_OPTION_CONNECTION_LIMIT, (unsigned)512, MHD_OPTION_END);
    if (!ctx->daemon) {
        snprintf(err, errlen, "libmicrohttpd failed to start");
        goto fail;
    }
    ctx->listen_fd = -1; /* owned by MHD now, closed by MHD_stop_daemon */
    free(rlc);
    return ctx;
fail:
    free(rlc);
    sim_server_destroy(ctx);
    return NULL;
}

void sim_server_destroy(struct sim_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->daemon)
        MHD_stop_daemon(ctx->daemon);
    if (ctx->listen_fd >= 0)
        close(ctx->listen_fd);
    sim_tokens_destroy(ctx->tokens);
    sim_rl_destroy(ctx->rl);
    sim_counters_destroy(ctx->counters);
    sim_faults_destroy(ctx->faults);
    free(ctx->blob);
    free(ctx);
}
