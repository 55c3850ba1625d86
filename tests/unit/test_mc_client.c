/* src/mimecast against a purpose-built fake Mimecast (libmicrohttpd on
 * 127.0.0.1): token caching across threads, refresh and the 401 retry, API
 * 1.0 signatures checked by the server (independently, with OpenSSL),
 * discovery with a redirect, every error class, the shared rate limiter,
 * and secrets kept out of logs and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "fakesrv.h"
#include "mimecast/client.h"
#include "net/http.h"

#define CLIENT_SECRET "demo-client-secret&=+ /%"
#define SECRET_KEY_B64 "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

enum tok_mode { TOK_OK, TOK_401, TOK_429 };
enum api_mode {
    API_OK, API_418, API_403, API_429, API_503, API_TRUNC, API_BADJSON, API_FAIL200,
    API_STALE, API_REGION, API_REMAINING0
};

struct mc_fake {
    int port;
    struct fake_srv *srv;
    atomic_int token_reqs, api_reqs, disc_reqs, sig_bad, host_ok, form_bad;
    atomic_int token_seq;
    int token_mode;
    int token_delay_ms;
    int expires_in;
    int min_token;          /* bearer tokens numbered below are refused */
    int api_mode;
    bool disc_bad;          /* discovery answers a non-loopback http URL */
    bool region_move;       /* localhost answers "incorrect region"; later discoveries say 127.0.0.1 */
    unsigned char key[32];  /* API 1.0 secret key, decoded */
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The server's own check of an API 1.0 request (OpenSSL, not our code). */
static bool v1_ok(struct mc_fake *m, const struct fake_req *rq, bool need_auth)
{
    const char *date = fake_header(rq, "x-mc-date");
    const char *reqid = fake_header(rq, "x-mc-req-id");
    const char *app = fake_header(rq, "x-mc-app-id");
    const char *auth = fake_header(rq, "Authorization");
    if (!date || !reqid || !app || strcmp(app, "demo-app-id") != 0 || strlen(reqid) != 36)
        return false;
    struct tm tm = {0};
    const char *end = strptime(date, "%a, %d %b %Y %H:%M:%S UTC", &tm);
    if (!end || *end)
        return false;
    long skew = (long)(timegm(&tm) - time(NULL));
    if (skew > 300 || skew < -300)
        return false;
    if (!need_auth)
        return auth == NULL;
    if (!auth || strncmp(auth, "MC demo-access-key:", 19) != 0)
        return false;
    char data[512];
    snprintf(data, sizeof data, "%s:%s:%s:%s", date, reqid, rq->url, "demo-app-key");
    unsigned char mac[20];
    unsigned int maclen = 0;
    HMAC(EVP_sha1(), m->key, sizeof m->key, (unsigned char *)data, strlen(data), mac, &maclen);
    unsigned char b64[64];
    EVP_EncodeBlock(b64, mac, (int)maclen);
    return strcmp(auth + 19, (char *)b64) == 0;
}

static void handler(void *ud, const struct fake_req *rq, struct fake_resp *rs)
{
    struct mc_fake *m = ud;
    char buf[512];
    if (!strcmp(rq->url, "/oauth/token")) {
        atomic_fetch_add(&m->token_reqs, 1);
        if (m->token_delay_ms)
            sleep_ms(m->token_delay_ms);
        const char *ct = fake_header(rq, "Content-Type");
        if (!ct || strcmp(ct, "application/x-www-form-urlencoded") != 0 ||
            strcmp(rq->body, "client_id=demo-client-id&client_secret=demo-client-secret%26%3D%2B%"
                             "20%2F%25&grant_type=client_credentials") != 0)
            atomic_fetch_add(&m->form_bad, 1);
        if (m->token_mode == TOK_401) {
            fake_resp_json(rs, 401, "{\"fail\": [{\"code\": \"InvalidClientIdentifier\", "
                                    "\"message\": \"Client credentials are invalid\"}]}");
        } else if (m->token_mode == TOK_429) {
            fake_resp_json(rs, 429, "{}");
            fake_resp_header(rs, "X-RateLimit-Reset", "3000");
        } else {
            int seq = atomic_fetch_add(&m->token_seq, 1) + 1;
            snprintf(buf, sizeof buf,
                     "{\"access_token\":\"tok-%d-s3cr3tpart\",\"token_type\":\"Bearer\","
                     "\"expires_in\":%d,\"scope\":\"\"}",
                     seq, m->expires_in);
            fake_resp_json(rs, 200, buf);
        }
        return;
    }
    if (!strcmp(rq->url, "/api/login/discover-authentication")) {
        atomic_fetch_add(&m->disc_reqs, 1);
        if (!v1_ok(m, rq, false)) {
            fake_resp_json(rs, 400, "{\"fail\":[{\"errors\":[{\"code\":\"err_developer_key\"}]}]}");
            return;
        }
        rs->status = 302; /* the global host sending us to a regional one */
        fake_resp_header(rs, "Location", "/api/login/discover-authentication/eu");
        return;
    }
    if (!strcmp(rq->url, "/api/login/discover-authentication/eu")) {
        if (!strstr(rq->body, "\"emailAddress\":\"svc@example.com\"")) {
            fake_resp_json(rs, 400, "{}");
            return;
        }
        snprintf(buf, sizeof buf,
                 "{\"meta\":{\"status\":200},\"data\":[{\"region\":{\"api\":\"http://%s:%d/"
                 "\"}}],\"fail\":[]}",
                 m->disc_bad                                                ? "192.0.2.7"
                 : m->region_move && atomic_load(&m->disc_reqs) >= 2 ? "127.0.0.1"
                                                                      : "localhost",
                 m->port);
        fake_resp_json(rs, 200, buf);
        return;
    }
    /* an API call */
    atomic_fetch_add(&m->api_reqs, 1);
    const char *host = fake_header(rq, "Host");
    snprintf(buf, sizeof buf, "localhost:%d", m->port);
    bool at_localhost = host && !strcmp(host, buf);
    if (at_localhost)
        atomic_fetch_add(&m->host_ok, 1);
    const char *auth = fake_header(rq, "Authorization");
    if (auth && !strncmp(auth, "MC ", 3)) {
        if (!v1_ok(m, rq, true)) {
            atomic_fetch_add(&m->sig_bad, 1);
            fake_resp_json(rs, 401, "{\"meta\":{\"status\":401},\"data\":[],\"fail\":[]}");
            return;
        }
    } else if (!auth || strncmp(auth, "Bearer tok-", 11) != 0 || strtol(auth + 11, NULL, 10) < m->min_token) {
        fake_resp_json(rs, 401, "{\"fail\":[{\"code\":\"token_expired\",\"message\":\"expired\"}]}");
        return;
    }
    int mode = m->region_move && at_localhost ? API_REGION : m->api_mode;
    switch (mode) {
    case API_418:
        fake_resp_json(rs, 418, "{\"meta\":{\"status\":418},\"data\":[],\"fail\":[]}");
        break;
    case API_403:
        fake_resp_json(rs, 403, "{\"fail\": [{\"code\": \"app_forbidden\", \"message\": "
                                "\"Forbidden to perform the requested operation\"}]}");
        break;
    case API_429:
        fake_resp_json(rs, 429, "{\"fail\":[]}");
        fake_resp_header(rs, "X-RateLimit-Limit", "100");
        fake_resp_header(rs, "X-RateLimit-Remaining", "0");
        fake_resp_header(rs, "X-RateLimit-Reset", "2000");
        break;
    case API_503:
        fake_resp_json(rs, 503, "<html>Service Unavailable</html>");
        fake_resp_header(rs, "Retry-After", "7");
        break;
    case API_TRUNC:
        rs->mode = FAKE_TRUNCATE;
        fake_resp_body(rs, "{\"meta\":{\"status\":200},\"data\":[{\"id\":\"a\"},{\"id\":\"b\"}],"
                           "\"fail\":[]}");
        break;
    case API_BADJSON:
        fake_resp_json(rs, 200, "{\"meta\":{\"status\":200},\"data\":[{\"id\":\"a\",}]}");
        break;
    case API_FAIL200:
        fake_resp_json(rs, 200, "{\"meta\":{\"status\":200},\"data\":[],\"fail\":[{\"key\":{},"
                                "\"errors\":[{\"code\":\"err_backend_busy\",\"message\":"
                                "\"busy\",\"retryable\":true}]}]}");
        break;
    case API_STALE:
        fake_resp_json(rs, 200, "{\"meta\":{\"status\":200},\"data\":[],\"fail\":[{\"errors\":"
                                "[{\"code\":\"err_invalid_page_token\",\"message\":\"bad "
                                "token\",\"retryable\":false}]}]}");
        break;
    case API_REGION:
        fake_resp_json(rs, 200, "{\"meta\":{\"status\":200},\"data\":[],\"fail\":[{\"errors\":"
                                "[{\"code\":\"err_audit_log_incorrect_region\",\"message\":"
                                "\"wrong region\",\"retryable\":false}]}]}");
        break;
    case API_REMAINING0:
        fake_resp_json(rs, 200, "{\"meta\":{\"status\":200},\"data\":[],\"fail\":[]}");
        fake_resp_header(rs, "x-rate-limit-remaining", "0");
        fake_resp_header(rs, "x-rate-limit-reset", "5000");
        break;
    default:
        snprintf(buf, sizeof buf,
                 "{\"meta\":{\"status\":200},\"data\":[{\"path\":\"%s\"}],\"fail\":[]}", rq->url);
        fake_resp_json(rs, 200, buf);
        fake_resp_header(rs, "X-RateLimit-Limit", "100");
        fake_resp_header(rs, "X-RateLimit-Remaining", "99");
        fake_resp_header(rs, "X-RateLimit-Reset", "1000");
        break;
    }
}

struct fx {
    struct mc_fake m;
    char base[64];
    struct mcl_account_cfg cfg;
    struct mcl_mc_account *a;
    struct mcl_http *h;
    atomic_int cancel;
};

static const struct mcl_mc_call CALL_AUDIT = {"/api/audit/get-audit-events", "audit",
                                              "Account | Logs | Read"};
static const struct mcl_mc_call CALL_URL = {"/api/ttp/url/get-logs", "ttp_url",
                                            "Monitoring | URL Protection | Read"};
static const char BODY[] = "{\"meta\":{\"pagination\":{\"pageSize\":10}},\"data\":[{}]}";

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    f->m.expires_in = 1799;
    f->m.min_token = 1;
    static const unsigned char key[32] = "0123456789abcdef0123456789abcdef";
    memcpy(f->m.key, key, 32);
    f->m.srv = fake_start(handler, &f->m, NULL, NULL);
    assert_non_null(f->m.srv);
    f->m.port = fake_port(f->m.srv);
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%d", f->m.port);
    f->cfg.name = "acme";
    f->cfg.api = MCL_API_V2;
    f->cfg.base_url = f->base;
    f->cfg.client_id = "demo-client-id";
    f->cfg.client_secret = CLIENT_SECRET;
    f->cfg.app_id = "demo-app-id";
    f->cfg.app_key = "demo-app-key";
    f->cfg.access_key = "demo-access-key";
    f->cfg.secret_key = SECRET_KEY_B64;
    struct mcl_http_opts o;
    mcl_mc_http_opts(&f->cfg, &f->cancel, &o);
    assert_int_equal(mcl_http_create(&o, &f->h), MCL_OK);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    mcl_mc_account_destroy(f->a);
    mcl_http_destroy(f->h);
    fake_stop(f->m.srv);
    free(f);
    return 0;
}

static void fx_account(struct fx *f)
{
    mcl_mc_account_destroy(f->a);
    f->a = NULL;
    assert_int_equal(mcl_mc_account_create(&f->cfg, &f->a), MCL_OK);
}

static int post(struct fx *f, const struct mcl_mc_call *c, struct mcl_mc_error *err)
{
    json_t *out = NULL;
    int rc = mcl_mc_post(f->a, f->h, c, BODY, sizeof BODY - 1, &out, err);
    assert_int_equal(err->rc, rc);
    if (rc == MCL_OK) {
        assert_true(json_is_object(out));
        assert_string_equal(json_string_value(json_object_get(
                                json_array_get(json_object_get(out, "data"), 0), "path")),
                            c->path);
    } else {
        assert_null(out);
    }
    json_decref(out);
    return rc;
}

struct worker {
    struct fx *f;
    pthread_barrier_t *bar;
    int rc;
};

static void *work(void *p)
{
    struct worker *w = p;
    struct mcl_http *h;
    struct mcl_http_opts o;
    struct mcl_mc_error err;
    json_t *out = NULL;
    mcl_mc_http_opts(&w->f->cfg, NULL, &o);
    if (mcl_http_create(&o, &h)) {
        w->rc = MCL_ENOMEM;
        return NULL;
    }
    pthread_barrier_wait(w->bar);
    w->rc = mcl_mc_post(w->f->a, h, &CALL_AUDIT, BODY, sizeof BODY - 1, &out, &err);
    json_decref(out);
    mcl_http_destroy(h);
    return NULL;
}

static void t_v2_token_shared_by_threads(void **state)
{
    struct fx *f = *state;
    enum { N = 8 };
    f->m.token_delay_ms = 200; /* every thread arrives while the fetch is in flight */
    fx_account(f);
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, N);
    pthread_t th[N];
    struct worker w[N];
    for (int i = 0; i < N; i++) {
        w[i] = (struct worker){f, &bar, -999};
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].rc, MCL_OK);
    }
    pthread_barrier_destroy(&bar);
    assert_int_equal(atomic_load(&f->m.token_reqs), 1);
    assert_int_equal(atomic_load(&f->m.api_reqs), N);
    assert_int_equal(atomic_load(&f->m.form_bad), 0); /* form fields URL-encoded */
    /* later calls reuse it */
    struct mcl_mc_error err;
    assert_int_equal(post(f, &CALL_URL, &err), MCL_OK);
    assert_int_equal(atomic_load(&f->m.token_reqs), 1);
}

static void t_v2_refresh_before_expiry(void **state)
{
    struct fx *f = *state;
    struct mcl_mc_error err;
    f->m.expires_in = 60; /* inside the 60 s margin: stale at once */
    fx_account(f);
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_OK);
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_OK);
    assert_int_equal(atomic_load(&f->m.token_reqs), 2);
    f->m.expires_in = 65; /* 5 s left outside the margin: reused */
    fx_account(f);
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_OK);
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_OK);
    assert_int_equal(atomic_load(&f->m.token_reqs), 3);
}

static void t_v2_401_one_refresh_one_retry(void **state)
{
    struct fx *f = *state;
    struct mcl_mc_error err;
    f->m.min_token = 2; /* the first token is refused by the API (revoked/expired) */
    fx_account(f);
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_OK);
    assert_int_equal(atomic_load(&f->m.token_reqs), 2);
    assert_int_equal(atomic_load(&f->m.api_reqs), 2);
    /* Refused every time: one refresh, one retry. The token endpoint still
     * accepts the credentials, so this is not parked as an operator problem
     * (a revocation race): a retryable error instead. */
    f->m.min_token = 1000;
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_EHTTP);
    assert_int_equal(atomic_load(&f->m.token_reqs), 3);
    assert_int_equal(atomic_load(&f->m.api_reqs), 4);
    assert_int_equal(err.http_status, 401);
    assert_string_equal(err.code, "token_expired");
    assert_true(err.retryable);
    assert_non_null(strstr(err.advice, "refused a freshly issued bearer token twice"));
}

static void t_v2_bad_credentials(void **state)
{
    struct fx *f = *state;
    struct mcl_mc_error err;
    f->m.token_mode = TOK_401;
    fx_account(f);
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_EAUTH);
    assert_int_equal(err.http_status, 401);
    assert_string_equal(err.code, "InvalidClientIdentifier");
    assert_non_null(strstr(err.advice, "client_id/client_secret refused by"));
    assert_non_null(strstr(err.advice, "(global/uk/us)"));
    assert_int_equal(atomic_load(&f->m.api_reqs), 0);
    /* held: the next call does not hammer the token endpoint */
    assert_int_equal(post(f, &CALL_URL, &err), MCL_EAUTH);
    assert_int_equal(atomic_load(&f->m.token_reqs), 1);
    assert_int_equal(mcl_mc_check_credentials(f->a, f->h, &err), MCL_EAUTH);
    /* rate limited token endpoint */
    f->m.token_mode = TOK_429;
    fx_account(f);
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_ERATELIMIT);
    assert_true(err.retry_after_ms >= 3000 && err.retry_after_ms <= 3000);
    assert_true(err.retryable);
}

static void t_v1_signed_requests(void **state)
{
    struct fx *f = *state;
    struct mcl_mc_error err;
    f->cfg.api = MCL_API_V1;
    fx_account(f);
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_OK);
    assert_int_equal(post(f, &CALL_URL, &err), MCL_OK);
    assert_int_equal(atomic_load(&f->m.sig_bad), 0);
    assert_int_equal(atomic_load(&f->m.api_reqs), 2);
    assert_int_equal(atomic_load(&f->m.token_reqs), 0);
    assert_int_equal(mcl_mc_check_credentials(f->a, f->h, &err), MCL_OK);
    /* another secret key: the server refuses the signature */
    f->cfg.secret_key = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=";
    fx_account(f);
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_EAUTH);
    assert_int_equal(atomic_load(&f->m.sig_bad), 1);
    assert_non_null(strstr(err.advice, "clock"));
    assert_non_null(strstr(err.advice, "secret_key"));
    assert_int_equal(mcl_mc_check_credentials(f->a, f->h, &err), MCL_EAUTH);
    /* not base64 at all */
    f->cfg.secret_key = "not base64!";
    mcl_mc_account_destroy(f->a);
    f->a = NULL;
    assert_int_equal(mcl_mc_account_create(&f->cfg, &f->a), MCL_ECONFIG);
}

static void t_v1_discovery(void **state)
{
    struct fx *f = *state;
    struct mcl_mc_error err;
    char base[128];
    f->cfg.api = MCL_API_V1;
    f->cfg.region = NULL; /* base_url explicit: discovery goes there */
    f->cfg.discover_email = "svc@example.com";
    fx_account(f);
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_OK);
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_OK);
    assert_int_equal(atomic_load(&f->m.disc_reqs), 1);
    assert_int_equal(atomic_load(&f->m.host_ok), 2); /* calls went to the discovered host */
    assert_int_equal(atomic_load(&f->m.sig_bad), 0);
    mcl_mc_account_base_url(f->a, base, sizeof base);
    char want[64];
    snprintf(want, sizeof want, "http://localhost:%d", f->m.port);
    assert_string_equal(base, want);
    /* the account moves: incorrect region -> discover again -> retry there */
    f->m.region_move = true;
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_OK);
    assert_int_equal(atomic_load(&f->m.disc_reqs), 2);
    mcl_mc_account_base_url(f->a, base, sizeof base);
    snprintf(want, sizeof want, "http://127.0.0.1:%d", f->m.port);
    assert_string_equal(base, want);
    f->m.region_move = false;
    /* a discovered URL that breaks the https rule is refused */
    f->m.disc_bad = true;
    fx_account(f);
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_EAPI);
    assert_non_null(strstr(err.advice, "svc@example.com"));
    assert_int_equal(atomic_load(&f->m.host_ok), 3);
}

static void t_error_classes(void **state)
{
    struct fx *f = *state;
    struct mcl_mc_error err;
    fx_account(f);

    f->m.api_mode = API_418;
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_EEXPIRED);
    assert_string_equal(err.advice,
                        "the API 1.0 access key and secret key (binding) have expired: set the "
                        "service user's Authentication Cache TTL to Never Expire in its "
                        "Authentication Profile, then create new keys");
    assert_false(err.retryable);

    f->m.api_mode = API_403;
    assert_int_equal(post(f, &CALL_URL, &err), MCL_EPERM);
    assert_non_null(strstr(err.advice, "Monitoring | URL Protection | Read"));
    assert_string_equal(err.code, "app_forbidden");
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_EPERM);
    assert_non_null(strstr(err.advice, "Account | Logs | Read"));

    f->m.api_mode = API_503;
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_EHTTP);
    assert_true(err.retryable);
    assert_int_equal(err.retry_after_ms, 7000);
    assert_int_equal(err.http_status, 503);

    f->m.api_mode = API_TRUNC;
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_ENET);
    assert_true(err.retryable);
    assert_non_null(strstr(err.message, "curl 18"));

    f->m.api_mode = API_BADJSON;
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_EPARSE);
    assert_true(err.retryable);
    assert_non_null(strstr(err.message, "line 1 column"));

    f->m.api_mode = API_FAIL200;
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_EAPI);
    assert_true(err.retryable);
    assert_string_equal(err.code, "err_backend_busy");

    f->m.api_mode = API_STALE;
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_ESTALE);

    f->m.api_mode = API_REGION;
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_EREGION);
    assert_non_null(strstr(err.advice, f->base));

    f->m.api_mode = API_OK;
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_OK);
    assert_int_equal(atomic_load(&f->m.token_reqs), 1);
}

static void t_429_blocks_the_credential(void **state)
{
    struct fx *f = *state;
    struct mcl_mc_error err;
    fx_account(f);
    f->m.api_mode = API_429;
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_ERATELIMIT);
    assert_int_equal(err.http_status, 429);
    assert_true(err.retryable);
    assert_true(err.retry_after_ms >= 1900 && err.retry_after_ms <= 2401);
    assert_int_equal(atomic_load(&f->m.api_reqs), 1);
    /* a sibling stream with its own HTTP handle: refused before sending */
    struct mcl_http *h2;
    struct mcl_http_opts o;
    mcl_mc_http_opts(&f->cfg, NULL, &o);
    assert_int_equal(mcl_http_create(&o, &h2), MCL_OK);
    json_t *out = NULL;
    int64_t t0 = mcl_time_mono_ms();
    assert_int_equal(mcl_mc_post(f->a, h2, &CALL_URL, BODY, sizeof BODY - 1, &out, &err),
                     MCL_ERATELIMIT);
    assert_true(mcl_time_mono_ms() - t0 < 500); /* did not sleep */
    assert_int_equal(err.http_status, 0);
    assert_true(err.retry_after_ms > 0 && err.retry_after_ms <= 2401);
    assert_non_null(strstr(err.advice, "rate limit"));
    assert_int_equal(atomic_load(&f->m.api_reqs), 1);
    mcl_http_destroy(h2);
}

static void t_remaining_zero_honoured(void **state)
{
    struct fx *f = *state;
    struct mcl_mc_error err;
    json_t *out = NULL;
    fx_account(f);
    f->m.api_mode = API_REMAINING0; /* X-Rate-Limit-* spelling, lower case */
    assert_int_equal(mcl_mc_post(f->a, f->h, &CALL_AUDIT, BODY, sizeof BODY - 1, &out, &err),
                     MCL_OK);
    json_decref(out);
    assert_int_equal(post(f, &CALL_URL, &err), MCL_ERATELIMIT);
    assert_true(err.retry_after_ms > 4000 && err.retry_after_ms <= 6001);
    assert_int_equal(atomic_load(&f->m.api_reqs), 1);
}

static void t_plain_http_refused(void **state)
{
    struct fx *f = *state;
    f->cfg.base_url = "http://192.0.2.1";
    assert_int_equal(mcl_mc_account_create(&f->cfg, &f->a), MCL_ECONFIG);
    assert_null(f->a);
    f->cfg.base_url = "https://api.services.mimecast.com";
    f->cfg.client_secret = NULL;
    assert_int_equal(mcl_mc_account_create(&f->cfg, &f->a), MCL_ECONFIG);
}

static void t_cancel(void **state)
{
    struct fx *f = *state;
    struct mcl_mc_error err;
    fx_account(f);
    atomic_store(&f->cancel, 1);
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_ECANCELED);
    assert_false(err.retryable);
    assert_int_equal(atomic_load(&f->m.api_reqs), 0);
}

static void t_no_secret_in_logs_or_errors(void **state)
{
    struct fx *f = *state;
    struct mcl_mc_error err;
    FILE *log = tmpfile();
    mcl_log_setup(MCL_LOG_DEBUG, MCL_LOG_TEXT, log);
    f->m.min_token = 2;
    fx_account(f);
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_OK);
    f->m.token_mode = TOK_401;
    f->m.min_token = 1000;
    assert_int_equal(post(f, &CALL_AUDIT, &err), MCL_EAUTH);
    assert_null(strstr(err.message, "s3cr3t"));
    assert_null(strstr(err.advice, "s3cr3t"));
    assert_null(strstr(err.advice, CLIENT_SECRET));
    mcl_log_setup(MCL_LOG_INFO, MCL_LOG_TEXT, stderr);
    fflush(log);
    rewind(log);
    char text[16384];
    size_t n = fread(text, 1, sizeof text - 1, log);
    text[n] = '\0';
    fclose(log);
    assert_true(n > 0);
    assert_non_null(strstr(text, "token"));
    assert_null(strstr(text, "s3cr3tpart"));
    assert_null(strstr(text, "demo-client-secret"));
}

int main(void)
{
    assert_int_equal(mcl_http_global_init(), MCL_OK);
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(t_v2_token_shared_by_threads), T(t_v2_refresh_before_expiry),
        T(t_v2_401_one_refresh_one_retry), T(t_v2_bad_credentials),
        T(t_v1_signed_requests),         T(t_v1_discovery),
        T(t_error_classes),              T(t_429_blocks_the_credential),
        T(t_remaining_zero_honoured),    T(t_plain_http_refused),
        T(t_cancel),                     T(t_no_secret_in_logs_or_errors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    mcl_http_global_cleanup();
    return rc;
}
