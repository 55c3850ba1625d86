/* mcsim API 1.0: HMAC-SHA1 signatures, x-mc-* headers, binding expiry,
 * discovery and regions.  The test signs requests itself (OpenSSL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "simtest.h"

#define VECTOR_SECRET "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
#define VECTOR_DATE "Tue, 24 Nov 2015 12:50:11 UTC"
#define VECTOR_REQID "8578FCFC-A305-4D9A-99CB-F4D5ECEFE297"

static const char scenario[] =
    "{\"region\": \"eu\",\n"
    " \"accounts\": [\n"
    "  {\"name\": \"demo\"},\n"
    "  {\"name\": \"vector\", \"app_id\": \"vector-app-id\", \"app_key\": \"test-app-key\",\n"
    "   \"access_key\": \"vector-access-key\", \"secret_key\": \"" VECTOR_SECRET "\"},\n"
    "  {\"name\": \"usacct\", \"region\": \"us\", \"domain\": \"us.example.com\"},\n"
    "  {\"name\": \"expired\", \"binding_expired\": true}\n"
    " ]}\n";

static const struct st_v1_creds us_creds = {"usacct-app-id", "usacct-app-key",
                                            "usacct-access-key", VECTOR_SECRET};
static const struct st_v1_creds expired_creds = {"expired-app-id", "expired-app-key",
                                                 "expired-access-key", VECTOR_SECRET};

struct fx {
    struct st_sim sim;
    struct th_client *c;
    char scenario_path[256];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    const char *args[] = {"--scenario", f->scenario_path, NULL};

    st_write_temp(f->scenario_path, sizeof(f->scenario_path), ".json", scenario);
    st_sim_start(&f->sim, args);
    f->c = th_client_create();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    th_client_destroy(f->c);
    st_sim_stop(&f->sim);
    unlink(f->scenario_path);
    free(f);
    return 0;
}

static const char audit_body[] = "{\"data\":[{\"startDateTime\":\"2020-01-01T00:00:00+0000\"}]}";

static long call(struct fx *f, struct st_auth *a, const char *path, const char *body, json_t **out)
{
    struct th_response rs;
    long status;

    assert_int_equal(st_post(f->c, &f->sim, a, path, body, &rs), 0);
    status = rs.status;
    *out = st_json(&rs);
    th_response_free(&rs);
    assert_non_null(*out);
    return status;
}

/* 1.0-style failure: {"meta":{"status":S},"data":[],"fail":[{"errors":[{code,message,retryable}]}]} */
static void assert_v1_fail(json_t *j, int meta_status, const char *code)
{
    json_t *e = json_array_get(json_object_get(json_array_get(json_object_get(j, "fail"), 0),
                                               "errors"),
                               0);

    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "meta"), "status")),
                     meta_status);
    assert_true(json_is_array(json_object_get(j, "data")));
    assert_non_null(e);
    if (code)
        assert_string_equal(json_string_value(json_object_get(e, "code")), code);
    else
        assert_true(json_is_string(json_object_get(e, "code")));
    assert_true(json_is_string(json_object_get(e, "message")));
    assert_true(json_is_boolean(json_object_get(e, "retryable")));
}

static void t_test_vector(void **state)
{
    char sig[64];

    (void)state;
    st_v1_signature(VECTOR_SECRET,
                    VECTOR_DATE ":" VECTOR_REQID ":/api/audit/get-siem-logs:test-app-key", sig,
                    sizeof(sig));
    assert_string_equal(sig, "eYZIEAiFDnlUIwpTeBODBKZQCbw=");
}

/* mcsim accepts a request built from the API.md vector's inputs (with the
 * 2015 date allowed by a huge skew) and refuses the vector's signature on a
 * different path. */
static void t_test_vector_accepted_by_mcsim(void **state)
{
    struct fx *f = *state;
    struct st_sim sim;
    const char *args[] = {"--scenario", f->scenario_path, "--v1-skew", "5000w", NULL};
    char sig[64], auth[256], url[128];
    const char *hdrs[] = {auth, "x-mc-date: " VECTOR_DATE, "x-mc-req-id: " VECTOR_REQID,
                          "x-mc-app-id: vector-app-id", NULL};
    struct th_response rs;

    st_sim_start(&sim, args);
    st_v1_signature(VECTOR_SECRET,
                    VECTOR_DATE ":" VECTOR_REQID ":/api/audit/get-audit-events:test-app-key", sig,
                    sizeof(sig));
    snprintf(auth, sizeof(auth), "Authorization: MC vector-access-key:%s", sig);
    st_url(url, sizeof(url), &sim, "/api/audit/get-audit-events");
    assert_int_equal(th_post(f->c, url, "application/json", audit_body, hdrs, &rs), 0);
    assert_int_equal(rs.status, 200);
    th_response_free(&rs);

    snprintf(auth, sizeof(auth), "Authorization: MC vector-access-key:eYZIEAiFDnlUIwpTeBODBKZQCbw=");
    assert_int_equal(th_post(f->c, url, "application/json", audit_body, hdrs, &rs), 0);
    assert_int_equal(rs.status, 401);
    th_response_free(&rs);
    st_sim_stop(&sim);
}

static void t_signed_request_accepted(void **state)
{
    struct fx *f = *state;
    struct st_auth a;
    json_t *j;

    st_auth_v1(&a, &st_demo_v1);
    assert_int_equal(call(f, &a, "/api/audit/get-audit-events", audit_body, &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "fail")), 0);
    assert_true(json_array_size(json_object_get(j, "data")) > 0);
    json_decref(j);
    a.v1_zone = "GMT"; /* older documentation's suffix */
    assert_int_equal(call(f, &a, "/api/audit/get-audit-events", audit_body, &j), 200);
    json_decref(j);
}

static void t_wrong_signature_refused(void **state)
{
    struct fx *f = *state;
    struct st_v1_creds bad = st_demo_v1;
    struct st_auth a;
    json_t *j;

    bad.secret_b64 = "c29tZSBvdGhlciBzZWNyZXQga2V5IGJ5dGVzISE=";
    st_auth_v1(&a, &bad);
    assert_int_equal(call(f, &a, "/api/audit/get-audit-events", audit_body, &j), 401);
    assert_v1_fail(j, 401, NULL);
    json_decref(j);

    bad = st_demo_v1;
    bad.app_key = "not-the-app-key";
    st_auth_v1(&a, &bad);
    assert_int_equal(call(f, &a, "/api/audit/get-audit-events", audit_body, &j), 401);
    json_decref(j);
}

static void t_stale_date_refused(void **state)
{
    struct fx *f = *state;
    struct st_auth a;
    json_t *j;

    st_auth_v1(&a, &st_demo_v1);
    a.v1_time = time(NULL) - 20 * 60;
    assert_int_equal(call(f, &a, "/api/audit/get-audit-events", audit_body, &j), 401);
    assert_v1_fail(j, 401, NULL);
    json_decref(j);
    a.v1_time = time(NULL) + 20 * 60;
    assert_int_equal(call(f, &a, "/api/audit/get-audit-events", audit_body, &j), 401);
    json_decref(j);
    a.v1_time = time(NULL) - 10 * 60; /* inside the default +-15 min */
    assert_int_equal(call(f, &a, "/api/audit/get-audit-events", audit_body, &j), 200);
    json_decref(j);
}

static void t_wrong_app_id_refused(void **state)
{
    struct fx *f = *state;
    struct st_v1_creds bad = st_demo_v1;
    struct st_auth a;
    json_t *j;

    bad.app_id = "vector-app-id"; /* a real app id, but not this key's */
    st_auth_v1(&a, &bad);
    assert_int_equal(call(f, &a, "/api/audit/get-audit-events", audit_body, &j), 401);
    assert_v1_fail(j, 401, "err_developer_key");
    json_decref(j);
}

static void t_unknown_access_key_refused(void **state)
{
    struct fx *f = *state;
    struct st_v1_creds bad = st_demo_v1;
    struct st_auth a;
    json_t *j;

    bad.access_key = "nobody-access-key";
    st_auth_v1(&a, &bad);
    assert_int_equal(call(f, &a, "/api/audit/get-audit-events", audit_body, &j), 401);
    assert_v1_fail(j, 401, NULL);
    json_decref(j);
}

static void t_binding_expired(void **state)
{
    struct fx *f = *state;
    struct st_auth a;
    json_t *j;

    st_auth_v1(&a, &expired_creds);
    assert_int_equal(call(f, &a, "/api/ttp/url/get-logs", "{\"data\":[{}]}", &j), 418);
    assert_v1_fail(j, 418, "err_xdk_binding_expired");
    json_decref(j);
}

static void t_binding_expired_global_flag(void **state)
{
    struct fx *f = *state;
    struct st_sim sim;
    const char *args[] = {"--binding-expired", NULL};
    struct st_auth a;
    struct th_response rs;
    json_t *j;

    st_sim_start(&sim, args);
    st_auth_v1(&a, &st_demo_v1);
    assert_int_equal(st_post(f->c, &sim, &a, "/api/dlp/get-logs", "{\"data\":[{}]}", &rs), 0);
    assert_int_equal(rs.status, 418);
    j = st_json(&rs);
    assert_v1_fail(j, 418, "err_xdk_binding_expired");
    json_decref(j);
    th_response_free(&rs);
    /* API 2.0 is not affected */
    st_auth_v2(f->c, &sim, &a);
    assert_int_equal(st_post(f->c, &sim, &a, "/api/dlp/get-logs", "{\"data\":[{}]}", &rs), 0);
    assert_int_equal(rs.status, 200);
    th_response_free(&rs);
    st_sim_stop(&sim);
}

static long discover(struct fx *f, const char *email, bool with_headers, json_t **out)
{
    char url[128], body[256], date[96], dv[64];
    const char *hdrs[] = {date, "x-mc-req-id: 4f6b2c1e-1111-4a4a-9b9b-0123456789ab",
                          "x-mc-app-id: demo-app-id", NULL};
    struct th_response rs;
    long status;

    st_rfc1123(dv, sizeof(dv), time(NULL), "UTC");
    snprintf(date, sizeof(date), "x-mc-date: %s", dv);
    snprintf(body, sizeof(body), "{\"data\":[{\"emailAddress\":\"%s\"}]}", email);
    st_url(url, sizeof(url), &f->sim, "/api/login/discover-authentication");
    assert_int_equal(th_post(f->c, url, "application/json", body, with_headers ? hdrs : NULL, &rs),
                     0);
    status = rs.status;
    *out = st_json(&rs);
    th_response_free(&rs);
    assert_non_null(*out);
    return status;
}

static void t_discover_authentication(void **state)
{
    struct fx *f = *state;
    json_t *j, *d;

    assert_int_equal(discover(f, "someone@demo.example.com", true, &j), 200);
    d = json_array_get(json_object_get(j, "data"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "region"), "api")),
                        f->sim.base);
    assert_true(json_is_array(json_object_get(d, "authenticate")));
    assert_int_equal(json_array_size(json_object_get(j, "fail")), 0);
    json_decref(j);

    assert_int_equal(discover(f, "Someone@US.example.com", true, &j), 200);
    d = json_array_get(json_object_get(j, "data"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(d, "region"), "api")),
                        f->sim.base);
    json_decref(j);

    assert_int_equal(discover(f, "someone@unknown-domain.example", true, &j), 200);
    assert_true(json_array_size(json_object_get(j, "fail")) == 1);
    assert_null(json_object_get(json_array_get(json_object_get(j, "data"), 0), "region"));
    json_decref(j);

    assert_int_equal(discover(f, "someone@demo.example.com", false, &j), 401);
    assert_v1_fail(j, 401, "err_developer_key");
    json_decref(j);
}

static void t_wrong_region(void **state)
{
    struct fx *f = *state;
    struct st_auth a;
    json_t *j;

    /* mcsim runs with region "eu"; usacct lives on the "us" grid */
    st_auth_v1(&a, &us_creds);
    assert_int_equal(call(f, &a, "/api/ttp/url/get-logs", "{\"data\":[{}]}", &j), 200);
    assert_v1_fail(j, 200, "err_audit_log_incorrect_region");
    json_decref(j);
    st_auth_v1(&a, &st_demo_v1);
    assert_int_equal(call(f, &a, "/api/ttp/url/get-logs", "{\"data\":[{}]}", &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "fail")), 0);
    json_decref(j);
}

/* get-account: the cheap signed call that proves API 1.0 keys; it is
 * authenticated like every other endpoint. */
static void t_get_account(void **state)
{
    struct fx *f = *state;
    struct st_auth a;
    json_t *j;

    st_auth_v1(&a, &st_demo_v1);
    assert_int_equal(call(f, &a, "/api/account/get-account", "{\"data\":[]}", &j), 200);
    json_t *d = json_array_get(json_object_get(j, "data"), 0);
    assert_string_equal(json_string_value(json_object_get(d, "accountName")), "demo");
    assert_string_equal(json_string_value(json_object_get(d, "region")), "eu");
    assert_int_equal(json_array_size(json_object_get(j, "fail")), 0);
    json_decref(j);
    st_auth_v1(&a, &expired_creds);
    assert_int_equal(call(f, &a, "/api/account/get-account", "{\"data\":[]}", &j), 418);
    assert_v1_fail(j, 418, "err_xdk_binding_expired");
    json_decref(j);
    st_auth_v1(&a, &us_creds);
    assert_int_equal(call(f, &a, "/api/account/get-account", "{\"data\":[]}", &j), 200);
    assert_v1_fail(j, 200, "err_audit_log_incorrect_region");
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_test_vector),
        cmocka_unit_test(t_test_vector_accepted_by_mcsim),
        cmocka_unit_test(t_signed_request_accepted),
        cmocka_unit_test(t_wrong_signature_refused),
        cmocka_unit_test(t_stale_date_refused),
        cmocka_unit_test(t_wrong_app_id_refused),
        cmocka_unit_test(t_unknown_access_key_refused),
        cmocka_unit_test(t_binding_expired),
        cmocka_unit_test(t_binding_expired_global_flag),
        cmocka_unit_test(t_discover_authentication),
        cmocka_unit_test(t_wrong_region),
        cmocka_unit_test(t_get_account),
    };
    return cmocka_run_group_tests_name("v1", tests, setup, teardown);
}
