/* src/mimecast without I/O: the API 1.0 signature, answer classification
 * (samples, fail[] shapes, odd bodies), X-RateLimit-Reset parsing and the
 * rate limiter's bookkeeping with an explicit clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/crypto.h"
#include "core/err.h"
#include "mimecast/client.h"
#include "mimecast/ratelimit.h"

static char *slurp(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/mimecast/samples/%s", MCL_SHARED_DIR, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* API.md §1.2 vector, through our signing function. */
static void t_sign_v1_vector(void **state)
{
    const char *secret = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    struct mcl_buf key;
    mcl_buf_init(&key, 1024);
    assert_int_equal(mcl_base64_decode(secret, strlen(secret), &key), MCL_OK);
    char sig[MCL_MC_SIG_LEN + 1];
    assert_int_equal(mcl_mc_sign_v1(key.data, key.len, "Tue, 24 Nov 2015 12:50:11 UTC",
                                    "8578FCFC-A305-4D9A-99CB-F4D5ECEFE297",
                                    "/api/audit/get-siem-logs", "test-app-key", sig),
                     MCL_OK);
    assert_string_equal(sig, "eYZIEAiFDnlUIwpTeBODBKZQCbw=");
    /* key bytes are used raw: a key with bytes >= 0x80 must not be re-encoded */
    unsigned char raw[4] = {0xff, 0x80, 0x00, 0xc3};
    char s1[MCL_MC_SIG_LEN + 1], s2[MCL_MC_SIG_LEN + 1];
    assert_int_equal(mcl_mc_sign_v1(raw, 4, "d", "r", "/p", "k", s1), MCL_OK);
    unsigned char mac[MCL_SHA1_LEN];
    const char *data = "d:r:/p:k";
    assert_int_equal(mcl_hmac_sha1(raw, 4, data, strlen(data), mac), MCL_OK);
    struct mcl_buf b64;
    mcl_buf_init(&b64, 64);
    assert_int_equal(mcl_base64_encode(mac, sizeof mac, &b64), MCL_OK);
    snprintf(s2, sizeof s2, "%s", b64.data);
    assert_string_equal(s1, s2);
    mcl_buf_fini(&b64);
    mcl_buf_fini(&key);
}

static const struct mcl_mc_call CALL_URL = {"/api/ttp/url/get-logs", "ttp_url",
                                            "Monitoring | URL Protection | Read"};

static int classify(enum mcl_api_version api, long status, const char *body, json_t **out,
                    struct mcl_mc_error *err)
{
    struct mcl_mc_classify_ctx c = {"acme", api, "https://eu-api.mimecast.com", "eu", &CALL_URL};
    return mcl_mc_classify(&c, status, body, body ? strlen(body) : 0, out, err);
}

static void t_classify_samples(void **state)
{
    static const char *ok_pages[] = {
        "audit-get-audit-events.json", "dlp-get-logs.json", "ttp-url-get-logs.json",
        "ttp-url-get-logs.last-page-empty.json", "ttp-url-get-logs.v1-style.json",
        "ttp-attachment-get-logs.json", "ttp-impersonation-get-logs.json", "oauth-token.json",
        "siem-batch-events-cg.json", "siem-events-cg.json"};
    struct mcl_mc_error err;
    json_t *out;
    for (size_t i = 0; i < sizeof ok_pages / sizeof ok_pages[0]; i++) {
        size_t n;
        char *b = slurp(ok_pages[i], &n);
        struct mcl_mc_classify_ctx c = {"acme", MCL_API_V2, "https://x", NULL, &CALL_URL};
        assert_int_equal(mcl_mc_classify(&c, 200, b, n, &out, &err), MCL_OK);
        assert_true(json_is_object(out));
        json_decref(out);
        free(b);
    }
    struct {
        const char *file;
        long status;
        int rc;
        bool retryable;
        const char *code;
    } bad[] = {
        {"error-v2-forbidden.json", 403, MCL_EPERM, false, "app_forbidden"},
        {"error-v2-oauth-invalid-client.json", 401, MCL_EAUTH, false, "InvalidClientIdentifier"},
        {"error-v2-siem-batch-500.json", 500, MCL_EHTTP, true, "internal-error"},
        {"error-v2-unauthorized.json", 401, MCL_EAUTH, false, "unauthorized"},
        /* the same bodies inside a 200 are still failures */
        {"error-v2-forbidden.json", 200, MCL_EPERM, false, "app_forbidden"},
        {"error-v2-unauthorized.json", 200, MCL_EAUTH, false, "unauthorized"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n;
        char *b = slurp(bad[i].file, &n);
        struct mcl_mc_classify_ctx c = {"acme", MCL_API_V2, "https://x", NULL, &CALL_URL};
        assert_int_equal(mcl_mc_classify(&c, bad[i].status, b, n, &out, &err), bad[i].rc);
        assert_null(out);
        assert_int_equal(err.rc, bad[i].rc);
        assert_int_equal(err.retryable, bad[i].retryable);
        assert_string_equal(err.code, bad[i].code);
        assert_int_equal(err.http_status, bad[i].status);
        assert_true(strlen(err.advice) > 10);
        free(b);
    }
}

static void t_classify_fail_in_200(void **state)
{
    struct mcl_mc_error err;
    json_t *out;
    /* 1.0 shape, retryable taken from the entry */
    assert_int_equal(classify(MCL_API_V1, 200,
                              "{\"meta\":{\"status\":200},\"data\":[],\"fail\":[{\"key\":{\"from\":"
                              "\"x\"},\"errors\":[{\"code\":\"err_some_backend\",\"message\":"
                              "\"try later\",\"retryable\":true}]}]}",
                              &out, &err),
                     MCL_EAPI);
    assert_true(err.retryable);
    assert_string_equal(err.code, "err_some_backend");
    assert_string_equal(err.message, "try later");
    assert_non_null(strstr(err.advice, "retried"));
    assert_int_equal(classify(MCL_API_V1, 200,
                              "{\"data\":[],\"fail\":[{\"errors\":[{\"code\":\"err_validation_"
                              "blank\",\"message\":\"blank\",\"retryable\":false}]}]}",
                              &out, &err),
                     MCL_EAPI);
    assert_false(err.retryable);
    /* 2.0 gateway shape */
    assert_int_equal(classify(MCL_API_V2, 200,
                              "{\"fail\":[{\"code\":\"something_odd\",\"message\":\"m\"}]}", &out,
                              &err),
                     MCL_EAPI);
    assert_string_equal(err.code, "something_odd");
    /* binding expired inside fail[] */
    assert_int_equal(classify(MCL_API_V1, 200,
                              "{\"fail\":[{\"errors\":[{\"code\":\"err_xdk_binding_expired\","
                              "\"message\":\"x\",\"retryable\":false}]}]}",
                              &out, &err),
                     MCL_EEXPIRED);
    assert_string_equal(err.advice,
                        "the API 1.0 access key and secret key (binding) have expired: set the "
                        "service user's Authentication Cache TTL to Never Expire in its "
                        "Authentication Profile, then create new keys");
    /* wrong region */
    assert_int_equal(classify(MCL_API_V1, 200,
                              "{\"fail\":[{\"errors\":[{\"code\":\"err_audit_log_incorrect_"
                              "region\",\"message\":\"x\"}]}]}",
                              &out, &err),
                     MCL_EREGION);
    assert_non_null(strstr(err.advice, "https://eu-api.mimecast.com"));
    assert_non_null(strstr(err.advice, "eu"));
    /* stale page tokens */
    const char *stale[] = {
        "{\"fail\":[{\"errors\":[{\"code\":\"err_invalid_page_token\",\"message\":\"x\"}]}]}",
        "{\"fail\":[{\"code\":\"pagination_token_expired\"}]}",
        "{\"fail\":[{\"code\":\"err_validation\",\"message\":\"Invalid pageToken supplied\"}]}",
    };
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(classify(MCL_API_V2, 200, stale[i], &out, &err), MCL_ESTALE);
        assert_int_equal(classify(MCL_API_V2, 400, stale[i], &out, &err), MCL_ESTALE);
    }
    /* token_expired is about auth, not paging */
    assert_int_equal(classify(MCL_API_V2, 401, "{\"fail\":[{\"code\":\"token_expired\"}]}", &out,
                              &err),
                     MCL_EAUTH);
    /* meta.status non-2xx in a 200 */
    assert_int_equal(classify(MCL_API_V2, 200, "{\"meta\":{\"status\":503},\"data\":[]}", &out,
                              &err),
                     MCL_EHTTP);
    assert_true(err.retryable);
    assert_int_equal(classify(MCL_API_V2, 200, "{\"meta\":{\"status\":403},\"data\":[]}", &out,
                              &err),
                     MCL_EPERM);
    /* {"error":{...}} and OAuth's {"error":"..."} shapes */
    assert_int_equal(classify(MCL_API_V2, 200,
                              "{\"error\":{\"code\":\"err_x\",\"message\":\"boom\"}}", &out, &err),
                     MCL_EAPI);
    assert_string_equal(err.message, "boom");
    assert_int_equal(classify(MCL_API_V2, 400,
                              "{\"error\":\"invalid_client\",\"error_description\":\"bad\"}", &out,
                              &err),
                     MCL_EAUTH);
    /* empty fail[] is success */
    assert_int_equal(classify(MCL_API_V2, 200, "{\"data\":[],\"fail\":[]}", &out, &err), MCL_OK);
    json_decref(out);
}

static void t_classify_status(void **state)
{
    struct mcl_mc_error err;
    json_t *out;
    assert_int_equal(classify(MCL_API_V1, 418, "", &out, &err), MCL_EEXPIRED);
    assert_non_null(strstr(err.advice, "Never Expire"));
    assert_int_equal(classify(MCL_API_V2, 403, "{\"fail\":[{\"code\":\"app_forbidden\"}]}", &out,
                              &err),
                     MCL_EPERM);
    assert_non_null(strstr(err.advice, "Monitoring | URL Protection | Read"));
    assert_non_null(strstr(err.advice, "ttp_url"));
    assert_int_equal(classify(MCL_API_V2, 401, "", &out, &err), MCL_EAUTH);
    assert_string_equal(err.advice, "client_id/client_secret refused by "
                                    "https://eu-api.mimecast.com: check them, and the region "
                                    "(global/uk/us)");
    assert_int_equal(classify(MCL_API_V1, 401, "", &out, &err), MCL_EAUTH);
    assert_non_null(strstr(err.advice, "clock"));
    assert_non_null(strstr(err.advice, "access_key"));
    assert_int_equal(classify(MCL_API_V2, 429, "{\"detail\":\"Over throttling limit\"}", &out,
                              &err),
                     MCL_ERATELIMIT);
    assert_true(err.retryable);
    assert_string_equal(err.message, "Over throttling limit");
    long retry[] = {500, 502, 503, 504, 408};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(classify(MCL_API_V2, retry[i], "<html>bad gateway</html>", &out, &err),
                         MCL_EHTTP);
        assert_true(err.retryable);
        assert_non_null(strstr(err.message, "<html>"));
    }
    assert_int_equal(classify(MCL_API_V2, 400, "{}", &out, &err), MCL_EHTTP);
    assert_false(err.retryable);
    assert_int_equal(classify(MCL_API_V2, 404, NULL, &out, &err), MCL_EHTTP);
    assert_false(err.retryable);
}

static void t_classify_not_json(void **state)
{
    struct mcl_mc_error err;
    json_t *out;
    assert_int_equal(classify(MCL_API_V2, 200, "{\"meta\":{\"pagination\":{\"next\":\"a\"}},\"da",
                              &out, &err),
                     MCL_EPARSE);
    assert_true(err.retryable);
    assert_non_null(strstr(err.message, "line 1 column"));
    assert_non_null(strstr(err.message, "body starts with: {\"meta\""));
    assert_int_equal(classify(MCL_API_V2, 200,
                              "<html><body>Proxy\r\nerror\x01</body></html>", &out, &err),
                     MCL_EPARSE);
    assert_non_null(strstr(err.message, "<html><body>Proxy..error.</body>"));
    assert_int_equal(classify(MCL_API_V2, 200, "[1,2]", &out, &err), MCL_EPARSE);
    assert_non_null(strstr(err.message, "not an object"));
    assert_int_equal(classify(MCL_API_V2, 200, "", &out, &err), MCL_EPARSE);
    assert_true(err.retryable);
    assert_int_equal(classify(MCL_API_V2, 200, "\"str\"", &out, &err), MCL_EPARSE);
    assert_null(out);
}

/* C-ANCHORS §3.1: one bad byte or a huge integer must not wedge a stream. */
static void t_classify_repairs(void **state)
{
    struct mcl_mc_error err;
    json_t *out;
    assert_int_equal(classify(MCL_API_V2, 200,
                              "{\"data\":[{\"s\":\"caf\xe9 \xc3\xa9 \xed\xa0\x80 \xc0\xaf\"}]}",
                              &out, &err),
                     MCL_OK);
    const char *v = json_string_value(json_object_get(json_array_get(json_object_get(out, "data"), 0), "s"));
    assert_string_equal(v, "caf\xef\xbf\xbd \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
                           "\xef\xbf\xbd\xef\xbf\xbd");
    json_decref(out);
    assert_int_equal(classify(MCL_API_V2, 200, "{\"n\":123456789012345678901234567890}", &out,
                              &err),
                     MCL_OK);
    assert_true(json_is_real(json_object_get(out, "n")));
    json_decref(out);
    assert_int_equal(classify(MCL_API_V2, 200, "{\"s\":\"a\\u0000b\"}", &out, &err), MCL_OK);
    assert_int_equal(json_string_length(json_object_get(out, "s")), 3);
    json_decref(out);
    /* both at once */
    assert_int_equal(classify(MCL_API_V2, 200, "{\"s\":\"\xff\",\"n\":99999999999999999999}", &out,
                              &err),
                     MCL_OK);
    json_decref(out);
    /* real syntax errors stay errors */
    assert_int_equal(classify(MCL_API_V2, 200, "{\"s\":\"\xff\",}", &out, &err), MCL_EPARSE);
}

static void t_reset_parse(void **state)
{
    const int64_t now = 1700000000000LL; /* 2023-11-14T22:13:20Z */
    int64_t w;
    assert_int_equal(mcl_mc_reset_parse("1500", now, &w), MCL_OK); /* ms duration */
    assert_int_equal(w, 1500);
    assert_int_equal(mcl_mc_reset_parse(" 250.4 ", now, &w), MCL_OK);
    assert_int_equal(w, 251);
    assert_int_equal(mcl_mc_reset_parse("0", now, &w), MCL_OK);
    assert_int_equal(w, 0);
    assert_int_equal(mcl_mc_reset_parse("1700000030", now, &w), MCL_OK); /* epoch s */
    assert_int_equal(w, 30000);
    assert_int_equal(mcl_mc_reset_parse("1700000000500", now, &w), MCL_OK); /* epoch ms */
    assert_int_equal(w, 500);
    assert_int_equal(mcl_mc_reset_parse("1699999990", now, &w), MCL_OK); /* past */
    assert_int_equal(w, 0);
    const char *garbage[] = {"", "abc", "-5", "12abc", "nan", "inf", "0x10", "1e400", NULL};
    for (int i = 0; garbage[i]; i++)
        assert_int_equal(mcl_mc_reset_parse(garbage[i], now, &w), MCL_EPARSE);
    assert_int_equal(mcl_mc_reset_parse(NULL, now, &w), MCL_EPARSE);
    /* clamp used for 429 waits */
    assert_int_equal(mcl_mc_clamp_ms(10, MCL_MC_RL_MIN_429_MS, MCL_MC_RL_MAX_WAIT_MS), 1000);
    assert_int_equal(mcl_mc_clamp_ms(86400000, MCL_MC_RL_MIN_429_MS, MCL_MC_RL_MAX_WAIT_MS),
                     15 * 60 * 1000);
    assert_int_equal(mcl_mc_clamp_ms(5000, MCL_MC_RL_MIN_429_MS, MCL_MC_RL_MAX_WAIT_MS), 5000);
}

static void in_jitter(int64_t w, int64_t base)
{
    assert_true(w >= base);
    assert_true(w <= base + base / 5 + 1);
}

static void t_limiter(void **state)
{
    struct mcl_mc_ratelimit rl;
    struct mcl_mc_rl_info info;
    int64_t t = 1000000, w;
    mcl_mc_ratelimit_init(&rl);
    /* unknown quota: everything goes */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t, &w), MCL_OK);
        memset(&info, 0, sizeof info);
        info.retry_after_ms = -1;
        mcl_mc_ratelimit_update(&rl, t, &info, false);
    }
    /* the server says 2 left, next one added back in 3 s */
    assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t, &w), MCL_OK);
    info = (struct mcl_mc_rl_info){true, true, true, 100, 2, 3000, -1};
    mcl_mc_ratelimit_update(&rl, t, &info, false);
    /* counted locally: two more, then wait for the refill */
    assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t, &w), MCL_OK);
    assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t, &w), MCL_OK);
    assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t, &w), MCL_ERATELIMIT);
    in_jitter(w, 3000);
    assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t + 1000, &w), MCL_ERATELIMIT);
    in_jitter(w, 2000);
    /* after the refill one probe goes; the others wait for its answer */
    assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t + 3000, &w), MCL_OK);
    assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t + 3001, &w), MCL_ERATELIMIT);
    /* answers resync the estimate (the two in flight are assumed not counted) */
    mcl_mc_ratelimit_release(&rl);
    mcl_mc_ratelimit_release(&rl);
    info = (struct mcl_mc_rl_info){true, true, true, 100, 50, 100, -1};
    mcl_mc_ratelimit_update(&rl, t + 3100, &info, false);
    assert_int_equal(rl.remaining, 50);
    assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t + 3100, &w), MCL_OK);
    /* Remaining 0: everybody waits for Reset before sending */
    info = (struct mcl_mc_rl_info){true, true, true, 100, 0, 5000, -1};
    mcl_mc_ratelimit_update(&rl, t + 4000, &info, false);
    assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t + 4000, &w), MCL_ERATELIMIT);
    in_jitter(w, 5000);
    assert_int_equal(mcl_mc_ratelimit_wait(&rl, t + 8000) > 0, true);
    assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t + 9000, &w), MCL_OK);
    /* 429: blocked for Reset, clamped to at least 1 s */
    info = (struct mcl_mc_rl_info){false, false, true, 0, 0, 10, -1};
    mcl_mc_ratelimit_update(&rl, t + 9000, &info, true);
    assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t + 9000, &w), MCL_ERATELIMIT);
    in_jitter(w, 1000);
    /* 429 without any hint: the default wait */
    assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t + 20000, &w), MCL_OK);
    info = (struct mcl_mc_rl_info){false, false, false, 0, 0, 0, -1};
    mcl_mc_ratelimit_update(&rl, t + 20000, &info, true);
    assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t + 20000, &w), MCL_ERATELIMIT);
    in_jitter(w, MCL_MC_RL_DEFAULT_429_MS);
    /* 429 with an absurd Reset: at most 15 min */
    info = (struct mcl_mc_rl_info){false, false, true, 0, 0, 86400000, -1};
    mcl_mc_ratelimit_update(&rl, t + 20000, &info, true);
    assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t + 20000, &w), MCL_ERATELIMIT);
    in_jitter(w, MCL_MC_RL_MAX_WAIT_MS);
    /* Retry-After counts when larger */
    mcl_mc_ratelimit_fini(&rl);
    mcl_mc_ratelimit_init(&rl);
    assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t, &w), MCL_OK);
    info = (struct mcl_mc_rl_info){false, false, true, 0, 0, 2000, 7000};
    mcl_mc_ratelimit_update(&rl, t, &info, true);
    assert_int_equal(mcl_mc_ratelimit_acquire(&rl, t, &w), MCL_ERATELIMIT);
    in_jitter(w, 7000);
    mcl_mc_ratelimit_fini(&rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_sign_v1_vector),    cmocka_unit_test(t_classify_samples),
        cmocka_unit_test(t_classify_fail_in_200), cmocka_unit_test(t_classify_status),
        cmocka_unit_test(t_classify_not_json), cmocka_unit_test(t_classify_repairs),
        cmocka_unit_test(t_reset_parse),
        cmocka_unit_test(t_limiter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
