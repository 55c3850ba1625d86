/* src/net/http: the HTTP client against a local libmicrohttpd server:
 * keep-alive, headers, limits, truncation, timeouts, cancellation,
 * redirects, the loopback rule and TLS verification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/time.h"
#include "fakesrv.h"
#include "net/http.h"

struct srv_state {
    int port;
    atomic_int hits;
    char last_auth[256];
    char last_method[16];
    char last_body[256];
};

static void handler(void *ud, const struct fake_req *rq, struct fake_resp *rs)
{
    struct srv_state *st = ud;
    char buf[512];
    atomic_fetch_add(&st->hits, 1);
    const char *auth = fake_header(rq, "Authorization");
    snprintf(st->last_auth, sizeof st->last_auth, "%s", auth ? auth : "");
    snprintf(st->last_method, sizeof st->last_method, "%s", rq->method);
    snprintf(st->last_body, sizeof st->last_body, "%s", rq->body);
    if (!strcmp(rq->url, "/echo")) {
        const char *x = fake_header(rq, "X-Test");
        snprintf(buf, sizeof buf, "{\"method\":\"%s\",\"body\":\"%s\",\"x\":\"%s\",\"port\":%d}",
                 rq->method, rq->body, x ? x : "", rq->client_port);
        fake_resp_json(rs, 200, buf);
        fake_resp_header(rs, "X-RateLimit-Remaining", "5");
        fake_resp_header(rs, "x-rate-limit-reset", "100");
    } else if (!strcmp(rq->url, "/503")) {
        fake_resp_json(rs, 503, "{}");
        fake_resp_header(rs, "Retry-After", "7");
    } else if (!strcmp(rq->url, "/503date")) {
        fake_resp_json(rs, 503, "{}");
        fake_resp_header(rs, "Retry-After", "Wed, 21 Oct 2037 07:28:00 GMT");
    } else if (!strncmp(rq->url, "/big/", 5)) {
        size_t n = strtoul(rq->url + 5, NULL, 10);
        char *b = malloc(n + 1);
        memset(b, 'y', n);
        b[n] = '\0';
        rs->body = b;
        rs->body_len = n;
    } else if (!strncmp(rq->url, "/chunked/", 9)) {
        rs->mode = FAKE_CHUNKED;
        rs->chunked_len = strtoul(rq->url + 9, NULL, 10);
    } else if (!strcmp(rq->url, "/truncate")) {
        rs->mode = FAKE_TRUNCATE;
        fake_resp_body(rs, "{\"data\":[{\"a\":1},{\"b\":2},{\"c\":3},{\"d\":4}]}");
    } else if (!strcmp(rq->url, "/slow")) {
        rs->mode = FAKE_SLOW;
    } else if (!strcmp(rq->url, "/hang")) {
        fake_hang(rq);
        fake_resp_body(rs, "late");
    } else if (!strcmp(rq->url, "/manyheaders")) {
        for (int i = 0; i < 140; i++) {
            char n[32];
            snprintf(n, sizeof n, "X-H%d", i);
            fake_resp_header(rs, n, "v");
        }
        fake_resp_body(rs, "ok");
    } else if (!strcmp(rq->url, "/redir-same")) {
        rs->status = 302;
        fake_resp_header(rs, "Location", "/echo");
    } else if (!strcmp(rq->url, "/redir-other")) {
        rs->status = 307;
        snprintf(buf, sizeof buf, "http://localhost:%d/echo", st->port);
        fake_resp_header(rs, "Location", buf);
    } else if (!strcmp(rq->url, "/redir-303")) {
        rs->status = 303;
        fake_resp_header(rs, "Location", "/echo");
    } else if (!strcmp(rq->url, "/redir-outside")) {
        rs->status = 302;
        fake_resp_header(rs, "Location", "http://192.0.2.1/echo");
    } else if (!strcmp(rq->url, "/redir-loop")) {
        rs->status = 302;
        fake_resp_header(rs, "Location", "/redir-loop");
    } else {
        fake_resp_json(rs, 404, "{\"error\":\"nope\"}");
    }
}

struct fixture {
    struct srv_state st;
    struct fake_srv *srv;
    struct mcl_http *h;
    struct mcl_http_response r;
    atomic_int cancel;
    char base[64];
};

static int setup_opts(void **state, size_t max_body, long timeout_ms)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->srv = fake_start(handler, &f->st, NULL, NULL);
    assert_non_null(f->srv);
    f->st.port = fake_port(f->srv);
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%d", f->st.port);
    struct mcl_http_opts o = {0};
    o.max_body = max_body;
    o.timeout_ms = timeout_ms;
    o.cancel = &f->cancel;
    assert_int_equal(mcl_http_create(&o, &f->h), MCL_OK);
    mcl_http_response_init(&f->r);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_opts(state, 0, 0);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    mcl_http_response_fini(&f->r);
    mcl_http_destroy(f->h);
    fake_stop(f->srv);
    free(f);
    return 0;
}

static int req(struct fixture *f, const char *method, const char *path, const char *body,
               bool follow)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", f->base, path);
    const char *hdrs[] = {"X-Test: hello", "Authorization: Bearer abc"};
    struct mcl_http_request rq = {method, url, hdrs, 2, body, body ? strlen(body) : 0, follow};
    return mcl_http_request(f->h, &rq, &f->r);
}

static void t_post_headers_keepalive(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(req(f, "POST", "/echo", "payload", false), MCL_OK);
    assert_int_equal(f->r.status, 200);
    assert_non_null(strstr(f->r.body.data, "\"method\":\"POST\""));
    assert_non_null(strstr(f->r.body.data, "\"body\":\"payload\""));
    assert_non_null(strstr(f->r.body.data, "\"x\":\"hello\""));
    /* case-insensitive lookup, both spellings */
    assert_string_equal(mcl_http_header_get(&f->r, "x-ratelimit-remaining"), "5");
    assert_string_equal(mcl_http_header_get(&f->r, "X-Rate-Limit-Reset"), "100");
    assert_string_equal(mcl_http_header_get(&f->r, "CONTENT-TYPE"), "application/json");
    assert_null(mcl_http_header_get(&f->r, "X-Absent"));
    assert_non_null(f->r.url);
    const char *p1 = strstr(f->r.body.data, "\"port\":");
    assert_non_null(p1);
    long port1 = strtol(p1 + 7, NULL, 10);
    assert_int_equal(req(f, "GET", "/echo", NULL, false), MCL_OK);
    assert_string_equal(f->st.last_method, "GET");
    const char *p2 = strstr(f->r.body.data, "\"port\":");
    assert_int_equal(strtol(p2 + 7, NULL, 10), port1); /* same TCP connection: keep-alive */
    assert_string_equal(mcl_http_errtext(f->h), "");
}

static void t_status_is_not_an_error(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(req(f, "GET", "/503", NULL, false), MCL_OK);
    assert_int_equal(f->r.status, 503);
    assert_int_equal(mcl_http_retry_after_ms(&f->r, mcl_time_now_ms()), 7000);
    assert_int_equal(req(f, "GET", "/503date", NULL, false), MCL_OK);
    int64_t now = 2139722880000LL - 10000; /* 10 s before 2037-10-21T07:28:00Z */
    assert_int_equal(mcl_http_retry_after_ms(&f->r, now), 10000);
    assert_int_equal(req(f, "GET", "/nothing-here", NULL, false), MCL_OK);
    assert_int_equal(f->r.status, 404);
    assert_int_equal(mcl_http_retry_after_ms(&f->r, now), -1);
}

static void t_plain_http_refused(void **state)
{
    struct fixture *f = *state;
    const char *bad[] = {"http://192.0.2.1/x", "http://example.com/", "ftp://127.0.0.1/",
                         "http://user@127.0.0.1/", "file:///etc/passwd", "127.0.0.1:80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mcl_http_request rq = {"GET", bad[i], NULL, 0, NULL, 0, false};
        assert_int_equal(mcl_http_request(f->h, &rq, &f->r), MCL_EINVAL);
        assert_non_null(strstr(mcl_http_errtext(f->h), "loopback"));
    }
    assert_int_equal(atomic_load(&f->st.hits), 0);
    assert_true(mcl_http_url_allowed("https://api.services.mimecast.com"));
    assert_true(mcl_http_url_allowed("http://localhost:1/"));
    assert_true(mcl_http_url_allowed("http://[::1]:8080/"));
    assert_false(mcl_http_url_allowed("http://10.0.0.1/"));
    char url[64];
    snprintf(url, sizeof url, "http://localhost:%d/echo", f->st.port);
    struct mcl_http_request rq = {"GET", url, NULL, 0, NULL, 0, false};
    assert_int_equal(mcl_http_request(f->h, &rq, &f->r), MCL_OK);
    assert_int_equal(f->r.status, 200);
}

static int setup_small(void **state)
{
    return setup_opts(state, 1000, 0);
}

static void t_body_limit(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(req(f, "GET", "/big/1000", NULL, false), MCL_OK); /* exactly the limit */
    assert_int_equal(f->r.body.len, 1000);
    assert_int_equal(req(f, "GET", "/big/5000", NULL, false), MCL_ELIMIT); /* Content-Length */
    assert_non_null(strstr(mcl_http_errtext(f->h), "limit"));
    assert_int_equal(req(f, "GET", "/chunked/5000", NULL, false), MCL_ELIMIT); /* no length */
    assert_non_null(strstr(mcl_http_errtext(f->h), "limit"));
    assert_int_equal(req(f, "GET", "/chunked/999", NULL, false), MCL_OK);
    assert_int_equal(f->r.body.len, 999);
}

static void t_header_limit(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(req(f, "GET", "/manyheaders", NULL, false), MCL_ELIMIT);
    assert_non_null(strstr(mcl_http_errtext(f->h), "headers"));
    assert_int_equal(req(f, "GET", "/echo", NULL, false), MCL_OK); /* handle still usable */
}

static void t_truncated_body(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(req(f, "GET", "/truncate", NULL, false), MCL_ENET);
    assert_non_null(strstr(mcl_http_errtext(f->h), "curl 18"));
    assert_int_equal(req(f, "GET", "/echo", NULL, false), MCL_OK);
}

static void t_connection_refused(void **state)
{
    struct fixture *f = *state;
    /* a port that was free a moment ago */
    struct fake_srv *tmp = fake_start(handler, &f->st, NULL, NULL);
    int port = fake_port(tmp);
    fake_stop(tmp);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    struct mcl_http_request rq = {"GET", url, NULL, 0, NULL, 0, false};
    assert_int_equal(mcl_http_request(f->h, &rq, &f->r), MCL_ENET);
    assert_true(strlen(mcl_http_errtext(f->h)) > 0);
}

static int setup_timeout(void **state)
{
    return setup_opts(state, 0, 300);
}

static void t_timeout(void **state)
{
    struct fixture *f = *state;
    int64_t t0 = mcl_time_mono_ms();
    assert_int_equal(req(f, "GET", "/slow", NULL, false), MCL_ETIMEDOUT);
    assert_true(mcl_time_mono_ms() - t0 < 3000);
}

struct bg {
    struct fixture *f;
    const char *path;
    int rc;
    int64_t done_at;
};

static void *bg_request(void *p)
{
    struct bg *b = p;
    b->rc = req(b->f, "GET", b->path, NULL, false);
    b->done_at = mcl_time_mono_ms();
    return NULL;
}

/* Cancel while bytes trickle in (seen by the progress callback) and while
 * the peer is silent (seen by the transfer loop's wake-ups). */
static void cancel_case(struct fixture *f, const char *path)
{
    struct bg b = {f, path, 1, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, bg_request, &b), 0);
    assert_true(fake_wait_slow_started(f->srv));
    int64_t t0 = mcl_time_mono_ms();
    atomic_store(&f->cancel, 1);
    pthread_join(th, NULL);
    assert_int_equal(b.rc, MCL_ECANCELED);
    int64_t took = b.done_at - t0;
    printf("cancel latency (%s): %lld ms\n", path, (long long)took);
    assert_true(took < 1000);
}

static void t_cancel_aborts_promptly(void **state)
{
    struct fixture *f = *state;
    cancel_case(f, "/slow");
    atomic_store(&f->cancel, 0);
    cancel_case(f, "/hang");
    /* raised before a request: nothing is sent */
    int hits = atomic_load(&f->st.hits);
    assert_int_equal(req(f, "GET", "/echo", NULL, false), MCL_ECANCELED);
    assert_int_equal(atomic_load(&f->st.hits), hits);
    assert_true(mcl_http_canceled(f->h));
}

static void t_redirects(void **state)
{
    struct fixture *f = *state;
    /* not followed by default */
    assert_int_equal(req(f, "POST", "/redir-same", "b", false), MCL_OK);
    assert_int_equal(f->r.status, 302);
    /* followed on request: method, body and (same origin) Authorization kept */
    assert_int_equal(req(f, "POST", "/redir-same", "b", true), MCL_OK);
    assert_int_equal(f->r.status, 200);
    assert_string_equal(f->st.last_method, "POST");
    assert_string_equal(f->st.last_body, "b");
    assert_string_equal(f->st.last_auth, "Bearer abc");
    assert_non_null(strstr(f->r.url, "/echo"));
    /* another origin: Authorization dropped */
    assert_int_equal(req(f, "POST", "/redir-other", "b", true), MCL_OK);
    assert_int_equal(f->r.status, 200);
    assert_string_equal(f->st.last_auth, "");
    assert_string_equal(f->st.last_body, "b");
    /* 303 turns into GET */
    assert_int_equal(req(f, "POST", "/redir-303", "b", true), MCL_OK);
    assert_string_equal(f->st.last_method, "GET");
    /* the loopback rule holds for every hop */
    assert_int_equal(req(f, "GET", "/redir-outside", NULL, true), MCL_EINVAL);
    assert_int_equal(req(f, "GET", "/redir-loop", NULL, true), MCL_ELIMIT);
}

static void t_urlencode(void **state)
{
    struct mcl_buf b;
    mcl_buf_init(&b, 1024);
    assert_int_equal(mcl_http_urlencode(&b, "aZ09-._~ &=+/%\xc3\xa9"), MCL_OK);
    assert_string_equal(b.data, "aZ09-._~%20%26%3D%2B%2F%25%C3%A9");
    mcl_buf_fini(&b);
}

/* A self-signed certificate for 127.0.0.1, made here so nothing is checked in. */
static void make_cert(char **cert_pem, char **key_pem)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    assert_non_null(k);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL));
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, k);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1", -1, -1, 0);
    X509_set_issuer_name(x, n);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    const char *exts[][2] = {{"subjectAltName", "IP:127.0.0.1"},
                             {"basicConstraints", "critical,CA:TRUE"},
                             {"keyUsage", "critical,digitalSignature,keyCertSign"}};
    for (size_t i = 0; i < 3; i++) {
        X509_EXTENSION *e = X509V3_EXT_conf(NULL, &ctx, exts[i][0], exts[i][1]);
        assert_non_null(e);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    assert_true(X509_sign(x, k, EVP_sha256()) > 0);
    BIO *bc = BIO_new(BIO_s_mem()), *bk = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bc, x);
    PEM_write_bio_PrivateKey(bk, k, NULL, NULL, 0, NULL, NULL);
    char *p;
    long n1 = BIO_get_mem_data(bc, &p);
    *cert_pem = strndup(p, (size_t)n1);
    long n2 = BIO_get_mem_data(bk, &p);
    *key_pem = strndup(p, (size_t)n2);
    BIO_free(bc);
    BIO_free(bk);
    X509_free(x);
    EVP_PKEY_free(k);
}

static void t_tls_verification(void **state)
{
    char *cert, *key;
    make_cert(&cert, &key);
    struct srv_state st = {0};
    struct fake_srv *s = fake_start(handler, &st, cert, key);
    if (!s) {
        free(cert);
        free(key);
        skip(); /* libmicrohttpd built without TLS */
    }
    char url[64], ca[] = "/tmp/mcl-test-ca-XXXXXX";
    snprintf(url, sizeof url, "https://127.0.0.1:%d/echo", fake_port(s));
    int fd = mkstemp(ca);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, cert, strlen(cert)), (ssize_t)strlen(cert));
    close(fd);
    struct mcl_http_response r;
    mcl_http_response_init(&r);
    struct mcl_http_request rq = {"GET", url, NULL, 0, NULL, 0, false};

    struct mcl_http *h = NULL;
    struct mcl_http_opts o = {0};
    assert_int_equal(mcl_http_create(&o, &h), MCL_OK);
    assert_int_equal(mcl_http_request(h, &rq, &r), MCL_ENET); /* unknown issuer */
    printf("untrusted: %s\n", mcl_http_errtext(h));
    mcl_http_destroy(h);

    o.ca_file = ca;
    assert_int_equal(mcl_http_create(&o, &h), MCL_OK);
    assert_int_equal(mcl_http_request(h, &rq, &r), MCL_OK);
    assert_int_equal(r.status, 200);
    /* the certificate names 127.0.0.1, not localhost: host verification is on */
    snprintf(url, sizeof url, "https://localhost:%d/echo", fake_port(s));
    assert_int_equal(mcl_http_request(h, &rq, &r), MCL_ENET);
    mcl_http_destroy(h);

    mcl_http_response_fini(&r);
    unlink(ca);
    fake_stop(s);
    free(cert);
    free(key);
}

int main(void)
{
    assert_int_equal(mcl_http_global_init(), MCL_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(t_post_headers_keepalive, setup, teardown),
        cmocka_unit_test_setup_teardown(t_status_is_not_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(t_plain_http_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(t_body_limit, setup_small, teardown),
        cmocka_unit_test_setup_teardown(t_header_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(t_truncated_body, setup, teardown),
        cmocka_unit_test_setup_teardown(t_connection_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(t_timeout, setup_timeout, teardown),
        cmocka_unit_test_setup_teardown(t_cancel_aborts_promptly, setup, teardown),
        cmocka_unit_test_setup_teardown(t_redirects, setup, teardown),
        cmocka_unit_test(t_urlencode),
        cmocka_unit_test(t_tls_verification),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    mcl_http_global_cleanup();
    return rc;
}
