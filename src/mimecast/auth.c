/* Credentials: the API 2.0 token cache, API 1.0 signatures and API 1.0
 * region discovery (API.md §1.2, §1.4, §2.2). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "core/time.h"
#include "mimecast/internal.h"

#define TOKEN_MAX 8192              /* longer "tokens" are refused */
#define DEFAULT_EXPIRES_S 1799      /* when the answer has no expires_in (API.md §2.2) */
#define WAIT_SLICE_MS 200           /* waiters look at their cancel flag this often */
#define SMALL_BODY (1024 * 1024)    /* token and discovery answers are tiny */

void mc_secret_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

static void register_secret(const char *account, const char *s)
{
    static atomic_int warned;
    if (mcl_log_add_secret(s) == MCL_ELIMIT && !atomic_exchange(&warned, 1))
        MCL_WARN(account, "-",
                 "the log redaction list is full: new bearer tokens are not added to it (mclog "
                 "never logs them, this only weakens a safety net)");
}

/* Waits for another thread's fetch/discovery; false when canceled. Caller
 * holds a->lock. */
static bool wait_turn(struct mcl_mc_account *a, struct mcl_http *h)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += WAIT_SLICE_MS * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&a->cond, &a->lock, &ts);
    return !mcl_http_canceled(h);
}

int mcl_mc_sign_v1(const void *key, size_t keylen, const char *date, const char *req_id,
                   const char *path, const char *app_key, char out[MCL_MC_SIG_LEN + 1])
{
    int rc;
    struct mcl_buf data, sig;
    unsigned char mac[MCL_SHA1_LEN];
    mcl_buf_init(&data, 64 * 1024);
    mcl_buf_init(&sig, 64);
    out[0] = '\0';
    if ((rc = mcl_buf_appendf(&data, "%s:%s:%s:%s", date, req_id, path, app_key)))
        goto out;
    if ((rc = mcl_hmac_sha1(key, keylen, data.data, data.len, mac)))
        goto out;
    if ((rc = mcl_base64_encode(mac, sizeof mac, &sig)))
        goto out;
    if (sig.len != MCL_MC_SIG_LEN) {
        rc = MCL_EINVAL;
        goto out;
    }
    memcpy(out, sig.data, MCL_MC_SIG_LEN + 1);
out:
    if (data.data)
        explicit_bzero(data.data, data.len); /* holds the app key */
    mcl_buf_fini(&data);
    mcl_buf_fini(&sig);
    return rc;
}

/* Headers are appended as consecutive NUL-terminated strings. */
int mc_v1_headers(struct mcl_mc_account *a, const char *path, bool signed_req, struct mcl_buf *out)
{
    int rc;
    char date[MCL_TIME_TEXT_MAX], reqid[37], sig[MCL_MC_SIG_LEN + 1];
    mcl_time_format_rfc1123(mcl_time_now_ms(), date);
    if ((rc = mcl_uuid4(reqid)))
        return rc;
    if (signed_req) {
        if ((rc = mcl_mc_sign_v1(a->key, a->keylen, date, reqid, path, a->app_key, sig)))
            return rc;
        if ((rc = mcl_buf_appendf(out, "Authorization: MC %s:%s", a->access_key, sig)) ||
            (rc = mcl_buf_append_char(out, '\0')))
            return rc;
    }
    if ((rc = mcl_buf_appendf(out, "x-mc-date: %s", date)) || (rc = mcl_buf_append_char(out, '\0')) ||
        (rc = mcl_buf_appendf(out, "x-mc-req-id: %s", reqid)) ||
        (rc = mcl_buf_append_char(out, '\0')) ||
        (rc = mcl_buf_appendf(out, "x-mc-app-id: %s", a->app_id)) ||
        (rc = mcl_buf_append_char(out, '\0')))
        return rc;
    return MCL_OK;
}

static bool token_ok(const char *t, size_t n)
{
    if (n == 0 || n > TOKEN_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (t[i] <= 0x20 || t[i] >= 0x7f)
            return false; /* would break (or inject into) the Authorization header */
    }
    return true;
}

/* One POST /oauth/token. On success *tok is allocated. */
static int fetch_token(struct mcl_mc_account *a, struct mcl_http *h, const char *base, char **tok,
                       int64_t *expires_s, struct mcl_mc_error *err)
{
    int rc;
    struct mcl_buf form, url;
    struct mcl_http_response resp;
    json_t *root = NULL;
    struct mcl_mc_call call = {"/oauth/token", "-", NULL};
    struct mcl_mc_classify_ctx cc;
    const char *hdrs[] = {"Content-Type: application/x-www-form-urlencoded",
                          "Accept: application/json"};

    mcl_buf_init(&form, 64 * 1024);
    mcl_buf_init(&url, 8 * 1024);
    mcl_http_response_init(&resp);
    mc_classify_ctx(a, base, &call, &cc);
    *tok = NULL;
    if ((rc = mcl_buf_append_str(&form, "client_id=")) ||
        (rc = mcl_http_urlencode(&form, a->client_id)) ||
        (rc = mcl_buf_append_str(&form, "&client_secret=")) ||
        (rc = mcl_http_urlencode(&form, a->client_secret)) ||
        (rc = mcl_buf_append_str(&form, "&grant_type=client_credentials")) ||
        (rc = mcl_buf_appendf(&url, "%s/oauth/token", base))) {
        err->rc = rc;
        goto out;
    }
    struct mcl_http_request req = {"POST", url.data, hdrs, 2, form.data, form.len, false};
    int64_t t0 = mcl_time_mono_ms();
    if ((rc = mcl_http_request(h, &req, &resp))) {
        mc_transport_error(a, h, base, rc, err);
        goto out;
    }
    MCL_DEBUG(a->name, "-", "POST %s/oauth/token -> %ld (%lld ms)", base, resp.status,
              (long long)(mcl_time_mono_ms() - t0));
    rc = mcl_mc_classify(&cc, resp.status, resp.body.data, resp.body.len, &root, err);
    if (rc == MCL_EPERM || (rc == MCL_EHTTP && resp.status == 400)) {
        /* The token endpoint has no permissions to miss: 400/403 there are
         * refused credentials (OAuth "invalid_client" / "invalid_request"). */
        rc = err->rc = MCL_EAUTH;
        err->retryable = false;
        mc_advice(&cc, err);
    }
    if (rc == MCL_ERATELIMIT) {
        struct mcl_mc_rl_info info;
        mc_rl_info(&resp, &info);
        int64_t w = info.has_reset ? info.reset_ms : info.retry_after_ms;
        if (w < 0)
            w = MCL_MC_RL_DEFAULT_429_MS;
        err->retry_after_ms = mcl_mc_clamp_ms(w, MCL_MC_RL_MIN_429_MS, MCL_MC_RL_MAX_WAIT_MS);
    }
    if (rc)
        goto out;
    const json_t *at = json_object_get(root, "access_token");
    const json_t *ei = json_object_get(root, "expires_in");
    if (!json_is_string(at) || !token_ok(json_string_value(at), json_string_length(at))) {
        mc_err_reset(err);
        err->http_status = resp.status;
        rc = err->rc = MCL_EPARSE;
        err->retryable = true;
        mc_err_message(err, "the token answer has no usable access_token");
        mc_advice(&cc, err);
        goto out;
    }
    *expires_s = DEFAULT_EXPIRES_S;
    if (json_is_integer(ei) && json_integer_value(ei) > 0)
        *expires_s = json_integer_value(ei);
    else if (json_is_real(ei) && json_real_value(ei) > 0)
        *expires_s = (int64_t)json_real_value(ei);
    else if (json_is_string(ei) && strtoll(json_string_value(ei), NULL, 10) > 0)
        *expires_s = strtoll(json_string_value(ei), NULL, 10);
    if (*expires_s > 86400 * 365)
        *expires_s = 86400 * 365;
    if (!(*tok = strdup(json_string_value(at)))) {
        rc = err->rc = MCL_ENOMEM;
        goto out;
    }
    rc = MCL_OK;
out:
    if (root) {
        /* wipe the token text held by jansson before freeing it */
        json_t *at2 = json_object_get(root, "access_token");
        if (json_is_string(at2))
            explicit_bzero((char *)json_string_value(at2), json_string_length(at2));
        json_decref(root);
    }
    if (resp.body.data)
        explicit_bzero(resp.body.data, resp.body.len);
    if (form.data)
        explicit_bzero(form.data, form.len);
    mcl_http_response_fini(&resp);
    mcl_buf_fini(&form);
    mcl_buf_fini(&url);
    return rc;
}

int mc_token_get(struct mcl_mc_account *a, struct mcl_http *h, char **tok, struct mcl_mc_error *err)
{
    int rc;
    char *fresh = NULL, *base = NULL;
    int64_t expires_s = 0;
    *tok = NULL;
    pthread_mutex_lock(&a->lock);
    for (;;) {
        int64_t now = mcl_time_mono_ms();
        if (a->token && now < a->token_expires - MCL_MC_TOKEN_MARGIN_MS) {
            rc = (*tok = strdup(a->token)) ? MCL_OK : MCL_ENOMEM;
            err->rc = rc;
            goto unlock;
        }
        if (now < a->hold_until) {
            /* The last token request was refused: do not hammer the endpoint. */
            *err = a->hold_err;
            if (err->rc == MCL_ERATELIMIT)
                err->retry_after_ms = a->hold_until - now;
            rc = err->rc;
            goto unlock;
        }
        if (!a->fetching)
            break;
        if (!wait_turn(a, h)) {
            mc_err_reset(err);
            rc = err->rc = MCL_ECANCELED;
            mcl_strlcpy(err->advice, "shutting down", sizeof err->advice);
            goto unlock;
        }
    }
    a->fetching = true;
    base = strdup(a->base_url);
    pthread_mutex_unlock(&a->lock);

    int64_t t0 = mcl_time_mono_ms();
    rc = base ? fetch_token(a, h, base, &fresh, &expires_s, err) : (err->rc = MCL_ENOMEM);
    if (rc == MCL_OK) {
        register_secret(a->name, fresh);
        MCL_INFO(a->name, "-", "API 2.0 token obtained from %s, valid for %lld s", base,
                 (long long)expires_s);
    }

    pthread_mutex_lock(&a->lock);
    a->fetching = false;
    if (rc == MCL_OK) {
        if (a->token)
            mcl_log_remove_secret(a->token); /* keeps the redaction list bounded */
        mc_secret_free(a->token);
        a->token = fresh;
        a->token_expires = t0 + expires_s * 1000;
        /* This caller uses the token it fetched even if expires_in is below
         * the margin (otherwise it would loop). */
        if (!(*tok = strdup(fresh)))
            rc = err->rc = MCL_ENOMEM;
    } else if (rc == MCL_EAUTH || rc == MCL_ERATELIMIT) {
        a->hold_until = mcl_time_mono_ms() +
                        (rc == MCL_ERATELIMIT ? err->retry_after_ms : MCL_MC_AUTH_HOLD_MS);
        a->hold_err = *err;
    }
    pthread_cond_broadcast(&a->cond);
unlock:
    pthread_mutex_unlock(&a->lock);
    free(base);
    return rc;
}

void mc_token_invalidate(struct mcl_mc_account *a, const char *tok)
{
    pthread_mutex_lock(&a->lock);
    if (a->token && tok && !strcmp(a->token, tok)) {
        mcl_log_remove_secret(a->token);
        mc_secret_free(a->token);
        a->token = NULL;
    }
    pthread_mutex_unlock(&a->lock);
}

/* data[0].region.api, or data[0].region as a URL, a host or a region name. */
static int region_url(const json_t *root, struct mcl_buf *out)
{
    const json_t *d0 = json_array_get(json_object_get(root, "data"), 0);
    const json_t *region = json_object_get(d0, "region");
    const char *s = NULL;
    if (json_is_object(region))
        s = json_string_value(json_object_get(region, "api"));
    else if (json_is_string(region))
        s = json_string_value(region);
    if (!s || !*s)
        return MCL_ENOTFOUND;
    int rc;
    if (!strncasecmp(s, "https://", 8) || !strncasecmp(s, "http://", 7)) {
        rc = mcl_buf_append_str(out, s);
    } else if (mcl_mc_region_url(MCL_API_V1, s)) {
        rc = mcl_buf_append_str(out, mcl_mc_region_url(MCL_API_V1, s));
    } else if (strchr(s, '.') && !strpbrk(s, "/ @")) {
        rc = mcl_buf_appendf(out, "https://%s", s);
    } else {
        return MCL_ENOTFOUND;
    }
    while (!rc && out->len > 0 && out->data[out->len - 1] == '/')
        out->data[--out->len] = '\0';
    return rc;
}

int mcl_mc_discover(struct mcl_mc_account *a, struct mcl_http *h, struct mcl_mc_error *err)
{
    int rc;
    struct mcl_buf hv, url, body, found;
    struct mcl_http_response resp;
    json_t *root = NULL;
    const char *hdrs[8];
    size_t nh = 0;
    struct mcl_mc_call call = {"/api/login/discover-authentication", "-", NULL};
    struct mcl_mc_classify_ctx cc;

    mcl_buf_init(&hv, 16 * 1024);
    mcl_buf_init(&url, 8 * 1024);
    mcl_buf_init(&body, 8 * 1024);
    mcl_buf_init(&found, 8 * 1024);
    mcl_http_response_init(&resp);
    mc_err_reset(err);
    mc_classify_ctx(a, a->discovery_url, &call, &cc);
    if (!a->discover_email) {
        rc = err->rc = MCL_EINVAL;
        goto out;
    }
    if ((rc = mc_v1_headers(a, call.path, false, &hv)) ||
        (rc = mcl_buf_appendf(&url, "%s%s", a->discovery_url, call.path)) ||
        (rc = mcl_buf_append_str(&body, "{\"data\":[{\"emailAddress\":")) ||
        (rc = mcl_json_escape(&body, a->discover_email, strlen(a->discover_email))) ||
        (rc = mcl_buf_append_str(&body, "}]}"))) {
        err->rc = rc;
        goto out;
    }
    nh = mc_json_headers(&hv, hdrs);
    struct mcl_http_request req = {"POST", url.data, hdrs, nh, body.data, body.len, true};
    if ((rc = mcl_http_request(h, &req, &resp))) {
        mc_transport_error(a, h, a->discovery_url, rc, err);
        goto out;
    }
    if ((rc = mcl_mc_classify(&cc, resp.status, resp.body.data, resp.body.len, &root, err)))
        goto out;
    rc = region_url(root, &found);
    if (rc == MCL_OK && !mcl_http_url_allowed(found.data))
        rc = MCL_ENOTFOUND;
    if (rc) {
        mc_err_reset(err);
        err->http_status = resp.status;
        err->rc = rc = MCL_EAPI;
        mc_err_message(err, "discover-authentication returned no usable region for %s",
                       a->discover_email);
        snprintf(err->advice, sizeof err->advice,
                 "Mimecast did not say which region serves %s: check discover_email, or remove it "
                 "and set region (%s) or base_url",
                 a->discover_email, mcl_mc_region_names(MCL_API_V1));
        goto out;
    }
    MCL_INFO(a->name, "-", "API 1.0 discovery: %s is served by %s", a->discover_email, found.data);
    char *nb = mcl_buf_steal(&found);
    pthread_mutex_lock(&a->lock);
    char *old = a->base_url;
    a->base_url = nb;
    a->discovered = true;
    pthread_mutex_unlock(&a->lock);
    free(old);
    rc = MCL_OK;
out:
    err->rc = rc;
    json_decref(root);
    mcl_http_response_fini(&resp);
    mcl_buf_fini(&hv);
    mcl_buf_fini(&url);
    mcl_buf_fini(&body);
    mcl_buf_fini(&found);
    return rc;
}

void mc_forget_discovery(struct mcl_mc_account *a, const char *base)
{
    pthread_mutex_lock(&a->lock);
    if (a->discovered && !strcmp(a->base_url, base))
        a->discovered = false; /* once: siblings that saw the same error find it done */
    pthread_mutex_unlock(&a->lock);
}

int mc_ensure_discovered(struct mcl_mc_account *a, struct mcl_http *h, struct mcl_mc_error *err)
{
    int rc = MCL_OK;
    if (a->api != MCL_API_V1 || !a->discover_email)
        return MCL_OK;
    pthread_mutex_lock(&a->lock);
    while (!a->discovered && a->discovering) {
        if (!wait_turn(a, h)) {
            rc = err->rc = MCL_ECANCELED;
            break;
        }
    }
    bool mine = rc == MCL_OK && !a->discovered;
    if (mine)
        a->discovering = true;
    pthread_mutex_unlock(&a->lock);
    if (!mine)
        return rc;
    rc = mcl_mc_discover(a, h, err);
    pthread_mutex_lock(&a->lock);
    a->discovering = false;
    pthread_cond_broadcast(&a->cond);
    pthread_mutex_unlock(&a->lock);
    return rc;
}
