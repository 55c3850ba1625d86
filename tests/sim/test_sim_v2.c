/* mcsim API 2.0: OAuth client-credentials tokens and Bearer authentication. */
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

/* An account whose secret needs form URL-decoding. */
static const char scenario[] =
    "{\"_comment\": \"v2 tests\",\n"
    " \"accounts\": [\n"
    "  {\"name\": \"demo\"},\n"
    "  {\"name\": \"enc\", \"client_id\": \"enc-id\", \"client_secret\": \"s3cr+t/x=y&z%~!*\"}\n"
    " ]}\n";

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

static json_t *post_form(struct fx *f, const char *body, long *status)
{
    char url[128];
    struct th_response rs;
    json_t *j;

    st_url(url, sizeof(url), &f->sim, "/oauth/token");
    assert_int_equal(th_post(f->c, url, "application/x-www-form-urlencoded", body, NULL, &rs), 0);
    *status = rs.status;
    assert_non_null(th_header(&rs, "X-RateLimit-Remaining"));
    j = st_json(&rs);
    th_response_free(&rs);
    assert_non_null(j);
    return j;
}

static void assert_v2_fail(json_t *j, const char *code)
{
    json_t *e = json_array_get(json_object_get(j, "fail"), 0);

    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "code")), code);
}

static void t_token_issued(void **state)
{
    struct fx *f = *state;
    long status;
    json_t *j = post_form(f, "client_id=demo-client-id&client_secret=demo-client-secret&"
                             "grant_type=client_credentials",
                          &status);

    assert_int_equal(status, 200);
    assert_true(json_string_length(json_object_get(j, "access_token")) >= 20);
    assert_string_equal(json_string_value(json_object_get(j, "token_type")), "Bearer");
    assert_int_equal(json_integer_value(json_object_get(j, "expires_in")), 1799);
    assert_string_equal(json_string_value(json_object_get(j, "scope")), "");
    json_decref(j);
}

static void t_tokens_are_random(void **state)
{
    struct fx *f = *state;
    char a[128], b[128];

    assert_int_equal(st_token(f->c, &f->sim, "demo-client-id", "demo-client-secret", a, sizeof(a)),
                     200);
    assert_int_equal(st_token(f->c, &f->sim, "demo-client-id", "demo-client-secret", b, sizeof(b)),
                     200);
    assert_string_not_equal(a, b);
}

static void t_token_refused_bad_credentials(void **state)
{
    struct fx *f = *state;
    long status;
    json_t *j;

    j = post_form(f, "client_id=demo-client-id&client_secret=wrong&grant_type=client_credentials",
                  &status);
    assert_int_equal(status, 401);
    assert_v2_fail(j, "InvalidClientIdentifier");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "fail"), 0), "message")),
                        "Client credentials are invalid");
    json_decref(j);

    j = post_form(f, "client_id=nobody&client_secret=demo-client-secret&grant_type=client_credentials",
                  &status);
    assert_int_equal(status, 401);
    assert_v2_fail(j, "InvalidClientIdentifier");
    json_decref(j);
}

static void t_token_refused_bad_grant(void **state)
{
    struct fx *f = *state;
    long status;
    json_t *j;

    j = post_form(f, "client_id=demo-client-id&client_secret=demo-client-secret&grant_type=password",
                  &status);
    assert_int_equal(status, 400);
    assert_true(json_array_size(json_object_get(j, "fail")) == 1);
    json_decref(j);
    j = post_form(f, "client_id=demo-client-id&client_secret=demo-client-secret", &status);
    assert_int_equal(status, 400);
    assert_true(json_array_size(json_object_get(j, "fail")) == 1);
    json_decref(j);
}

static void t_token_form_is_url_decoded(void **state)
{
    struct fx *f = *state;
    char tok[128];
    long status;
    json_t *j;

    /* st_token percent-encodes: '+' '/' '=' '&' '%' must come back decoded */
    assert_int_equal(st_token(f->c, &f->sim, "enc-id", "s3cr+t/x=y&z%~!*", tok, sizeof(tok)), 200);
    /* a raw '+' means a space in a form body: the secret no longer matches */
    j = post_form(f, "client_id=enc-id&client_secret=s3cr+t%2Fx%3Dy%26z%25~!*&"
                     "grant_type=client_credentials",
                  &status);
    assert_int_equal(status, 401);
    json_decref(j);
}

static long log_request(struct fx *f, const char *authz, json_t **out)
{
    char url[128];
    struct th_response rs;
    const char *hdrs[3] = {authz, NULL, NULL};
    long status;

    st_url(url, sizeof(url), &f->sim, "/api/audit/get-audit-events");
    assert_int_equal(th_post(f->c, url, "application/json",
                             "{\"data\":[{\"startDateTime\":\"2020-01-01T00:00:00+0000\"}]}",
                             authz ? hdrs : NULL, &rs),
                     0);
    status = rs.status;
    *out = st_json(&rs);
    th_response_free(&rs);
    assert_non_null(*out);
    return status;
}

static void t_bearer_accepted(void **state)
{
    struct fx *f = *state;
    struct st_auth a;
    char authz[256];
    json_t *j;

    st_auth_v2(f->c, &f->sim, &a);
    snprintf(authz, sizeof(authz), "Authorization: Bearer %s", a.bearer);
    assert_int_equal(log_request(f, authz, &j), 200);
    assert_int_equal(json_array_size(json_object_get(j, "fail")), 0);
    assert_true(json_array_size(json_object_get(j, "data")) > 0);
    json_decref(j);
}

static void t_unknown_token_refused(void **state)
{
    struct fx *f = *state;
    json_t *j;

    assert_int_equal(log_request(f, "Authorization: Bearer not-a-token-we-issued", &j), 401);
    assert_v2_fail(j, "token_expired");
    json_decref(j);
}

static void t_missing_auth_refused(void **state)
{
    struct fx *f = *state;
    json_t *j;

    assert_int_equal(log_request(f, NULL, &j), 401);
    assert_v2_fail(j, "unauthorized");
    json_decref(j);
    assert_int_equal(log_request(f, "Authorization: Basic ZGVtbzpkZW1v", &j), 401);
    assert_v2_fail(j, "unauthorized");
    json_decref(j);
}

/* The token_expiry fault invalidates every issued token at that moment. */
static void t_token_expiry_fault(void **state)
{
    struct st_sim sim;
    struct th_client *c = th_client_create();
    const char *args[] = {"--fault", "token_expiry@path=/api/dlp/get-logs,count=1", NULL};
    struct st_auth a;
    struct th_response rs;
    json_t *j, *counters;
    char old[128];

    (void)state;
    st_sim_start(&sim, args);
    st_auth_v2(c, &sim, &a);
    snprintf(old, sizeof(old), "%s", a.bearer);
    assert_int_equal(st_post(c, &sim, &a, "/api/audit/get-audit-events",
                             "{\"data\":[{\"startDateTime\":\"2020-01-01T00:00:00Z\"}]}", &rs),
                     0);
    assert_int_equal(rs.status, 200);
    th_response_free(&rs);

    assert_int_equal(st_post(c, &sim, &a, "/api/dlp/get-logs", "{\"data\":[{}]}", &rs), 0);
    assert_int_equal(rs.status, 401);
    j = st_json(&rs);
    assert_v2_fail(j, "token_expired");
    json_decref(j);
    th_response_free(&rs);

    /* the same token stays dead on every endpoint */
    assert_int_equal(st_post(c, &sim, &a, "/api/audit/get-audit-events",
                             "{\"data\":[{\"startDateTime\":\"2020-01-01T00:00:00Z\"}]}", &rs),
                     0);
    assert_int_equal(rs.status, 401);
    th_response_free(&rs);

    /* a fresh token works (the fault fired once) */
    st_auth_v2(c, &sim, &a);
    assert_string_not_equal(old, a.bearer);
    assert_int_equal(st_post(c, &sim, &a, "/api/dlp/get-logs", "{\"data\":[{}]}", &rs), 0);
    assert_int_equal(rs.status, 200);
    th_response_free(&rs);

    counters = st_get_json(c, &sim, "/_sim/counters");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(counters, "faults"),
                                                        "token_expiry")),
                     1);
    json_decref(counters);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

/* Natural expiry with a 1 s lifetime.  The revocation path is covered by the
 * fault above; this is the clock path, so it polls with a deadline. */
static void t_token_lifetime_expires(void **state)
{
    struct st_sim sim;
    struct th_client *c = th_client_create();
    const char *args[] = {"--token-lifetime", "1", NULL};
    struct th_response rs;
    struct st_auth a;
    time_t deadline;
    long status = 0;
    char url[128];
    json_t *j;

    (void)state;
    st_sim_start(&sim, args);
    st_url(url, sizeof(url), &sim, "/oauth/token");
    assert_int_equal(th_post(c, url, "application/x-www-form-urlencoded",
                             "client_id=demo-client-id&client_secret=demo-client-secret&"
                             "grant_type=client_credentials",
                             NULL, &rs),
                     0);
    j = st_json(&rs);
    assert_int_equal(json_integer_value(json_object_get(j, "expires_in")), 1);
    json_decref(j);
    th_response_free(&rs);

    st_auth_v2(c, &sim, &a);
    deadline = time(NULL) + 10;
    while (time(NULL) < deadline) {
        struct timespec ts = {0, 50 * 1000000L};
        assert_int_equal(st_post(c, &sim, &a, "/api/dlp/get-logs", "{\"data\":[{}]}", &rs), 0);
        status = rs.status;
        if (status == 401) {
            j = st_json(&rs);
            assert_v2_fail(j, "token_expired");
            json_decref(j);
        }
        th_response_free(&rs);
        if (status != 200)
            break;
        nanosleep(&ts, NULL); /* polling a condition, bounded by the deadline */
    }
    assert_int_equal(status, 401);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

int main(void)
{
    const struct CMUnitTest shared[] = {
        cmocka_unit_test(t_token_issued),
        cmocka_unit_test(t_tokens_are_random),
        cmocka_unit_test(t_token_refused_bad_credentials),
        cmocka_unit_test(t_token_refused_bad_grant),
        cmocka_unit_test(t_token_form_is_url_decoded),
        cmocka_unit_test(t_bearer_accepted),
        cmocka_unit_test(t_unknown_token_refused),
        cmocka_unit_test(t_missing_auth_refused),
    };
    const struct CMUnitTest own[] = {
        cmocka_unit_test(t_token_expiry_fault),
        cmocka_unit_test(t_token_lifetime_expires),
    };
    int rc = cmocka_run_group_tests_name("v2_shared_sim", shared, setup, teardown);
    return rc + cmocka_run_group_tests_name("v2_own_sim", own, NULL, NULL);
}
