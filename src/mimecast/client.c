/* Accounts and the one call the stream engine uses: mcl_mc_post(). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "core/time.h"
#include "mimecast/internal.h"

#define SECRET_KEY_MAX 4096

void mc_err_reset(struct mcl_mc_error *err)
{
    memset(err, 0, sizeof *err);
}

void mc_err_message(struct mcl_mc_error *err, const char *fmt, ...)
{
    char tmp[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    /* Server text and curl text are not ours: redact, and keep it printable. */
    char *r = mcl_log_redact(tmp);
    mcl_strlcpy(err->message, r ? r : "[message dropped: out of memory]", sizeof err->message);
    free(r);
    for (char *p = err->message; *p; p++) {
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    }
}

char *mc_base_dup(struct mcl_mc_account *a)
{
    pthread_mutex_lock(&a->lock);
    char *b = mcl_strdup(a->base_url);
    pthread_mutex_unlock(&a->lock);
    return b;
}

void mc_classify_ctx(struct mcl_mc_account *a, const char *base, const struct mcl_mc_call *call,
                     struct mcl_mc_classify_ctx *c)
{
    c->account = a->name;
    c->api = a->api;
    c->base_url = base;
    c->region = a->region;
    c->call = call;
}

void mc_transport_error(struct mcl_mc_account *a, struct mcl_http *h, const char *base, int rc,
                        struct mcl_mc_error *err)
{
    struct mcl_mc_classify_ctx c;
    mc_classify_ctx(a, base, NULL, &c);
    mc_err_reset(err);
    err->rc = rc == MCL_EINVAL ? MCL_ECONFIG : rc;
    err->retryable = rc == MCL_ENET || rc == MCL_ETIMEDOUT;
    mc_err_message(err, "%s", mcl_http_errtext(h));
    mc_advice(&c, err);
}

static bool get_int(const struct mcl_http_response *r, const char *n1, const char *n2, int64_t *v)
{
    const char *s = mcl_http_header_get(r, n1);
    if (!s)
        s = mcl_http_header_get(r, n2);
    if (!s || !*s)
        return false;
    char *end;
    long long x = strtoll(s, &end, 10);
    if (*end || x < 0)
        return false;
    *v = x;
    return true;
}

void mc_rl_info(const struct mcl_http_response *r, struct mcl_mc_rl_info *info)
{
    memset(info, 0, sizeof *info);
    info->has_limit = get_int(r, "X-RateLimit-Limit", "X-Rate-Limit-Limit", &info->limit);
    info->has_remaining =
        get_int(r, "X-RateLimit-Remaining", "X-Rate-Limit-Remaining", &info->remaining);
    const char *reset = mcl_http_header_get(r, "X-RateLimit-Reset");
    if (!reset)
        reset = mcl_http_header_get(r, "X-Rate-Limit-Reset");
    int64_t now = mcl_time_now_ms();
    info->has_reset = reset && mcl_mc_reset_parse(reset, now, &info->reset_ms) == MCL_OK;
    info->retry_after_ms = mcl_http_retry_after_ms(r, now);
}

static bool header_safe(const char *s)
{
    for (; s && *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    }
    return true;
}

int mcl_mc_account_create(const struct mcl_account_cfg *cfg, struct mcl_mc_account **out)
{
    int rc = MCL_ENOMEM;
    struct mcl_buf key;
    const char *name = cfg->name ? cfg->name : "-";
    const char *missing = NULL;
    struct mcl_mc_account *a = calloc(1, sizeof *a);

    mcl_buf_init(&key, SECRET_KEY_MAX);
    *out = NULL;
    if (!a)
        goto out;
    mcl_mc_ratelimit_init(&a->rl);
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->cond, NULL);
    a->api = cfg->api == MCL_API_V1 ? MCL_API_V1 : MCL_API_V2;
    if (a->api == MCL_API_V2) {
        if (!cfg->client_id || !*cfg->client_id)
            missing = "client_id";
        else if (!cfg->client_secret || !*cfg->client_secret)
            missing = "client_secret";
    } else {
        if (!cfg->app_id || !*cfg->app_id || !header_safe(cfg->app_id))
            missing = "app_id";
        else if (!cfg->app_key || !*cfg->app_key)
            missing = "app_key";
        else if (!cfg->access_key || !*cfg->access_key || !header_safe(cfg->access_key))
            missing = "access_key";
        else if (!cfg->secret_key || !*cfg->secret_key)
            missing = "secret_key";
    }
    if (!missing && !cfg->base_url && !(a->api == MCL_API_V1 && cfg->discover_email))
        missing = "base_url (or region)";
    if (!missing && cfg->base_url && !mcl_http_url_allowed(cfg->base_url))
        missing = "base_url (https, or http to loopback only)";
    if (missing) {
        MCL_ERR(name, "-", "account is missing a valid %s", missing);
        rc = MCL_ECONFIG;
        goto out;
    }
    if (a->api == MCL_API_V1) {
        rc = mcl_base64_decode(cfg->secret_key, strlen(cfg->secret_key), &key);
        if (rc || key.len == 0) {
            MCL_ERR(name, "-", "secret_key is not valid base64 (as issued by Mimecast)");
            rc = MCL_ECONFIG;
            goto out;
        }
        rc = MCL_ENOMEM;
        if (!(a->key = malloc(key.len)))
            goto out;
        memcpy(a->key, key.data, key.len);
        a->keylen = key.len;
    }
    const char *disc = !cfg->region && cfg->base_url ? cfg->base_url : mcl_mc_discovery_url();
    if (!(a->name = strdup(name)) || (cfg->region && !(a->region = strdup(cfg->region))) ||
        !(a->base_url = strdup(cfg->base_url ? cfg->base_url : disc)) ||
        !(a->discovery_url = strdup(disc)))
        goto out;
    if (a->api == MCL_API_V2) {
        if (!(a->client_id = strdup(cfg->client_id)) ||
            !(a->client_secret = strdup(cfg->client_secret)))
            goto out;
    } else {
        if (!(a->app_id = strdup(cfg->app_id)) || !(a->app_key = strdup(cfg->app_key)) ||
            !(a->access_key = strdup(cfg->access_key)))
            goto out;
        if (cfg->discover_email && !(a->discover_email = strdup(cfg->discover_email)))
            goto out;
    }
    /* Trailing '/' would double up with paths. */
    for (size_t n = strlen(a->base_url); n > 0 && a->base_url[n - 1] == '/'; n--)
        a->base_url[n - 1] = '\0';
    for (size_t n = strlen(a->discovery_url); n > 0 && a->discovery_url[n - 1] == '/'; n--)
        a->discovery_url[n - 1] = '\0';
    mcl_log_add_secret(cfg->client_secret);
    mcl_log_add_secret(cfg->app_key);
    mcl_log_add_secret(cfg->access_key);
    mcl_log_add_secret(cfg->secret_key);
    *out = a;
    a = NULL;
    rc = MCL_OK;
out:
    if (key.data)
        explicit_bzero(key.data, key.len);
    mcl_buf_fini(&key);
    mcl_mc_account_destroy(a);
    return rc;
}

void mcl_mc_account_destroy(struct mcl_mc_account *a)
{
    if (!a)
        return;
    if (a->key)
        explicit_bzero(a->key, a->keylen);
    free(a->key);
    mc_secret_free(a->client_secret);
    mc_secret_free(a->app_key);
    mc_secret_free(a->access_key);
    mc_secret_free(a->token);
    free(a->client_id);
    free(a->app_id);
    free(a->name);
    free(a->region);
    free(a->base_url);
    free(a->discovery_url);
    free(a->discover_email);
    mcl_mc_ratelimit_fini(&a->rl);
    pthread_mutex_destroy(&a->lock);
    pthread_cond_destroy(&a->cond);
    free(a);
}

const char *mcl_mc_account_name(const struct mcl_mc_account *a)
{
    return a->name;
}

void mcl_mc_account_base_url(struct mcl_mc_account *a, char *out, size_t n)
{
    pthread_mutex_lock(&a->lock);
    mcl_strlcpy(out, a->base_url, n);
    pthread_mutex_unlock(&a->lock);
}

void mcl_mc_http_opts(const struct mcl_account_cfg *cfg, const atomic_int *cancel,
                      struct mcl_http_opts *o)
{
    memset(o, 0, sizeof *o);
    o->ca_file = cfg ? cfg->ca_file : NULL;
    o->proxy = cfg ? cfg->proxy : NULL;
    o->max_body = MCL_MC_MAX_BODY;
    o->cancel = cancel;
}

static void rate_limited(struct mcl_mc_account *a, const char *base, const struct mcl_mc_call *call,
                         int64_t wait, struct mcl_mc_error *err)
{
    struct mcl_mc_classify_ctx c;
    mc_classify_ctx(a, base, call, &c);
    mc_err_reset(err);
    err->rc = MCL_ERATELIMIT;
    err->retryable = true;
    err->retry_after_ms = wait > 0 ? wait : 1;
    mc_err_message(err, "rate limit of the credential reached; next request in %lld ms",
                   (long long)err->retry_after_ms);
    mc_advice(&c, err);
}

/* Sends one authenticated POST. *tok receives the bearer token used (v2). */
static int send_once(struct mcl_mc_account *a, struct mcl_http *h, const char *base,
                     const struct mcl_mc_call *call, const char *body, size_t len,
                     struct mcl_http_response *resp, char **tok, struct mcl_mc_error *err)
{
    int rc;
    struct mcl_buf hv, url;
    const char *hdrs[8];
    size_t nh = 0;
    mcl_buf_init(&hv, 32 * 1024);
    mcl_buf_init(&url, 8 * 1024);
    if ((rc = mcl_buf_appendf(&url, "%s%s", base, call->path))) {
        err->rc = rc;
        goto out;
    }
    if (a->api == MCL_API_V2) {
        if ((rc = mc_token_get(a, h, tok, err)))
            goto out;
        if ((rc = mcl_buf_appendf(&hv, "Authorization: Bearer %s", *tok)) ||
            (rc = mcl_buf_append_char(&hv, '\0'))) {
            err->rc = rc;
            goto out;
        }
    } else if ((rc = mc_v1_headers(a, call->path, true, &hv))) {
        err->rc = rc;
        goto out;
    }
    nh = mc_json_headers(&hv, hdrs);
    struct mcl_http_request req = {"POST", url.data, hdrs, nh, body, len, false};
    int64_t t0 = mcl_time_mono_ms();
    if ((rc = mcl_http_request(h, &req, resp))) {
        mc_transport_error(a, h, base, rc, err);
        rc = err->rc;
        goto out;
    }
    MCL_DEBUG(a->name, call->log ? call->log : "-", "POST %s -> %ld (%zu bytes, %lld ms)",
              call->path, resp->status, resp->body.len, (long long)(mcl_time_mono_ms() - t0));
out:
    if (hv.data)
        explicit_bzero(hv.data, hv.len); /* bearer token or signature */
    mcl_buf_fini(&hv);
    mcl_buf_fini(&url);
    return rc;
}

size_t mc_json_headers(const struct mcl_buf *hv, const char *hdrs[8])
{
    size_t nh = 0;
    for (size_t off = 0; off < hv->len && nh < 5; off += strlen(hv->data + off) + 1)
        hdrs[nh++] = hv->data + off;
    hdrs[nh++] = "Content-Type: application/json";
    hdrs[nh++] = "Accept: application/json";
    return nh;
}

int mcl_mc_post(struct mcl_mc_account *a, struct mcl_http *h, const struct mcl_mc_call *call,
                const char *body, size_t len, json_t **out, struct mcl_mc_error *err)
{
    int rc;
    char *tok = NULL, *base = NULL;
    struct mcl_http_response resp;
    const char *log = call->log ? call->log : "-";
    bool region_retried = false;

    *out = NULL;
    mc_err_reset(err);
    mcl_http_response_init(&resp);
    if ((rc = mc_ensure_discovered(a, h, err)))
        goto out;
    if (!(base = mc_base_dup(a))) {
        rc = err->rc = MCL_ENOMEM;
        goto out;
    }
    for (int attempt = 0;; attempt++) {
        int64_t wait;
        if (mcl_mc_ratelimit_acquire(&a->rl, mcl_time_mono_ms(), &wait)) {
            rate_limited(a, base, call, wait, err);
            rc = MCL_ERATELIMIT;
            goto out;
        }
        mc_secret_free(tok);
        tok = NULL;
        if ((rc = send_once(a, h, base, call, body, len, &resp, &tok, err))) {
            mcl_mc_ratelimit_release(&a->rl);
            goto out;
        }
        struct mcl_mc_classify_ctx cc;
        mc_classify_ctx(a, base, call, &cc);
        rc = mcl_mc_classify(&cc, resp.status, resp.body.data, resp.body.len, out, err);
        struct mcl_mc_rl_info info;
        mc_rl_info(&resp, &info);
        int64_t now = mcl_time_mono_ms();
        /* A 429, or a rate-limit code in a 200, blocks the whole credential. */
        mcl_mc_ratelimit_update(&a->rl, now, &info, rc == MCL_ERATELIMIT);
        if (rc == MCL_ERATELIMIT) {
            err->retry_after_ms = mcl_mc_ratelimit_wait(&a->rl, now);
            if (err->retry_after_ms <= 0)
                err->retry_after_ms = MCL_MC_RL_MIN_429_MS;
        } else if (rc && err->retryable && info.retry_after_ms >= 0) {
            err->retry_after_ms = mcl_mc_clamp_ms(info.retry_after_ms, 0, MCL_MC_RL_MAX_WAIT_MS);
        }
        if (rc == MCL_EAUTH && a->api == MCL_API_V2 && attempt == 0) {
            /* Expired or revoked token: one new token, one retry. */
            MCL_INFO(a->name, log, "bearer token refused (%s); fetching a new one and retrying once",
                     err->code[0] ? err->code : "401");
            mc_token_invalidate(a, tok);
            continue;
        }
        if (rc == MCL_EREGION && a->discover_email && !region_retried) {
            /* The account moved: discover again, retry once if the host changed. */
            struct mcl_mc_error derr;
            region_retried = true;
            mc_forget_discovery(a, base);
            if (mc_ensure_discovered(a, h, &derr) == MCL_OK) {
                char *nb = mc_base_dup(a);
                if (nb && strcmp(nb, base) != 0) {
                    MCL_WARN(a->name, log, "Mimecast says the account moved: %s -> %s", base, nb);
                    free(base);
                    base = nb;
                    json_decref(*out);
                    *out = NULL;
                    continue;
                }
                free(nb);
            }
        }
        if (rc == MCL_EAUTH && a->api == MCL_API_V2) {
            /* A token the token endpoint issued moments ago was refused as
             * well: the credentials are fine (that endpoint would have said
             * otherwise), so this is a revocation race, not an operator
             * problem. Retry later instead of parking the stream. */
            rc = err->rc = MCL_EHTTP;
            err->retryable = true;
            snprintf(err->advice, sizeof err->advice,
                     "the API refused a freshly issued bearer token twice (%s); retrying. If this "
                     "persists, check that the API application is enabled in the Mimecast "
                     "Administration Console",
                     err->code[0] ? err->code : "401");
        }
        break;
    }
out:
    mc_secret_free(tok);
    mcl_http_response_fini(&resp);
    free(base);
    err->rc = rc;
    return rc;
}

int mcl_mc_check_credentials(struct mcl_mc_account *a, struct mcl_http *h,
                             struct mcl_mc_error *err)
{
    int rc;
    mc_err_reset(err);
    if (a->api == MCL_API_V2) {
        char *tok = NULL;
        rc = mc_token_get(a, h, &tok, err);
        mc_secret_free(tok);
        return rc;
    }
    /* API 1.0: a signed call every role can make; a 403 still proves the
     * signature was accepted. */
    static const struct mcl_mc_call call = {"/api/account/get-account", "-",
                                            "Account | Dashboard | Read"};
    json_t *out = NULL;
    rc = mcl_mc_post(a, h, &call, "{\"data\":[]}", 11, &out, err);
    json_decref(out);
    if (rc == MCL_EPERM) {
        MCL_WARN(a->name, "-",
                 "API 1.0 keys accepted, but %s was refused (%s); the log types still need their "
                 "own permissions",
                 call.path, err->code[0] ? err->code : "403");
        mc_err_reset(err);
        rc = MCL_OK;
    }
    return rc;
}
