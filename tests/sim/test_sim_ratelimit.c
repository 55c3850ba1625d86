/* mcsim rate limiting: one token bucket per credential, X-RateLimit-* headers
 * on every API answer, 429 when empty, and the Reset/header variants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "simtest.h"

static long long hdr_num(const struct th_response *rs, const char *name)
{
    const char *v = th_header(rs, name);
    char *end;
    long long n;

    if (!v)
        fail_msg("header %s missing (status %ld)", name, rs->status);
    n = strtoll(v, &end, 10);
    if (*end || end == v)
        fail_msg("header %s is not an integer: '%s'", name, v);
    return n;
}

static long long now_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static json_t *counters_for(json_t *counters, const char *credential)
{
    size_t k;
    json_t *c;

    json_array_foreach(json_object_get(counters, "credentials"), k, c) {
        if (strcmp(json_string_value(json_object_get(c, "credential")), credential) == 0)
            return c;
    }
    fail_msg("no counters for %s", credential);
    return NULL;
}

static void t_headers_on_every_answer(void **state)
{
    struct st_sim sim;
    struct th_client *c = th_client_create();
    struct st_auth a;
    struct th_response rs;
    char url[128];
    long long rem1, rem2;
    const char *const bodies[] = {"{\"data\":[{}]}", "not json"};

    (void)state;
    st_sim_start(&sim, NULL);
    st_auth_v2(c, &sim, &a);
    /* 200 and 400 on the same credential: Remaining drops by one each time */
    assert_int_equal(st_post(c, &sim, &a, "/api/dlp/get-logs", bodies[0], &rs), 0);
    assert_int_equal(rs.status, 200);
    assert_int_equal(hdr_num(&rs, "X-RateLimit-Limit"), 1000000);
    rem1 = hdr_num(&rs, "X-RateLimit-Remaining");
    assert_true(hdr_num(&rs, "X-RateLimit-Reset") >= 1);
    th_response_free(&rs);
    assert_int_equal(st_post(c, &sim, &a, "/api/dlp/get-logs", bodies[1], &rs), 0);
    assert_int_equal(rs.status, 400);
    rem2 = hdr_num(&rs, "X-RateLimit-Remaining");
    /* the request itself is always counted: never a full bucket afterwards */
    assert_true(rem1 < 1000000 && rem2 < 1000000 && rem1 >= 999990 && rem2 >= 999990);
    th_response_free(&rs);

    /* 401, 404, 405 and the token endpoint carry them too */
    a.bearer[0] = 'X';
    assert_int_equal(st_post(c, &sim, &a, "/api/dlp/get-logs", bodies[0], &rs), 0);
    assert_int_equal(rs.status, 401);
    hdr_num(&rs, "X-RateLimit-Remaining");
    th_response_free(&rs);
    st_url(url, sizeof(url), &sim, "/api/none");
    assert_int_equal(th_post(c, url, "application/json", "{}", NULL, &rs), 0);
    assert_int_equal(rs.status, 404);
    hdr_num(&rs, "X-RateLimit-Limit");
    th_response_free(&rs);
    st_url(url, sizeof(url), &sim, "/api/dlp/get-logs");
    assert_int_equal(th_get(c, url, &rs), 0);
    assert_int_equal(rs.status, 405);
    hdr_num(&rs, "X-RateLimit-Reset");
    th_response_free(&rs);
    st_url(url, sizeof(url), &sim, "/oauth/token");
    assert_int_equal(th_post(c, url, "application/x-www-form-urlencoded", "grant_type=x", NULL, &rs),
                     0);
    hdr_num(&rs, "X-RateLimit-Remaining");
    th_response_free(&rs);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

/* Bucket of 5 with a 60 s refill: token + 4 calls pass, the 6th is 429. */
static void t_429_when_bucket_empty(void **state)
{
    struct st_sim sim;
    struct th_client *c = th_client_create();
    const char *args[] = {"--rate-limit", "5:60000", NULL};
    struct st_auth a, v1;
    struct th_response rs;
    json_t *j, *counters, *mine;

    (void)state;
    st_sim_start(&sim, args);
    st_auth_v2(c, &sim, &a); /* token requests count against the same bucket */
    for (int k = 0; k < 4; k++) {
        assert_int_equal(st_post(c, &sim, &a, "/api/dlp/get-logs", "{\"data\":[{}]}", &rs), 0);
        assert_int_equal(rs.status, 200);
        assert_int_equal(hdr_num(&rs, "X-RateLimit-Remaining"), 3 - k);
        assert_int_equal(hdr_num(&rs, "X-RateLimit-Limit"), 5);
        th_response_free(&rs);
    }
    assert_int_equal(st_post(c, &sim, &a, "/api/ttp/url/get-logs", "{\"data\":[{}]}", &rs), 0);
    assert_int_equal(rs.status, 429);
    assert_int_equal(hdr_num(&rs, "X-RateLimit-Remaining"), 0);
    assert_true(hdr_num(&rs, "X-RateLimit-Reset") > 0 &&
                hdr_num(&rs, "X-RateLimit-Reset") <= 60000);
    j = st_json(&rs);
    assert_true(json_array_size(json_object_get(j, "fail")) == 1);
    json_decref(j);
    th_response_free(&rs);

    /* the API 1.0 access key has its own bucket */
    st_auth_v1(&v1, &st_demo_v1);
    assert_int_equal(st_post(c, &sim, &v1, "/api/dlp/get-logs", "{\"data\":[{}]}", &rs), 0);
    assert_int_equal(rs.status, 200);
    assert_int_equal(hdr_num(&rs, "X-RateLimit-Remaining"), 4);
    th_response_free(&rs);

    counters = st_get_json(c, &sim, "/_sim/counters");
    mine = counters_for(counters, "demo-client-id");
    assert_int_equal(json_integer_value(json_object_get(mine, "requests")), 6);
    assert_int_equal(json_integer_value(json_object_get(mine, "status_429")), 1);
    assert_int_equal(json_integer_value(json_object_get(mine, "status_2xx")), 5);
    assert_int_equal(json_integer_value(json_object_get(mine, "tokens_issued")), 1);
    assert_int_equal(json_integer_value(json_object_get(counters_for(counters, "demo-access-key"),
                                                        "requests")),
                     1);
    json_decref(counters);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

/* After a 429 the bucket refills: one request every refill interval. */
static void t_bucket_refills(void **state)
{
    struct st_sim sim;
    struct th_client *c = th_client_create();
    const char *args[] = {"--rate-limit", "2:300", NULL};
    struct st_auth a;
    struct th_response rs;
    long long deadline, t429, t_first;
    long status = 429;

    (void)state;
    st_sim_start(&sim, args);
    t_first = now_ms(); /* the bucket starts full at the first request */
    st_auth_v2(c, &sim, &a);
    do {
        assert_int_equal(st_post(c, &sim, &a, "/api/dlp/get-logs", "{\"data\":[{}]}", &rs), 0);
        status = rs.status;
        th_response_free(&rs);
    } while (status == 200);
    assert_int_equal(status, 429);
    t429 = now_ms();
    deadline = t429 + 5000;
    /* poll the condition (bounded by a deadline): the first success cannot
     * come before one refill interval after the first request */
    while (status == 429 && now_ms() < deadline) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
        assert_int_equal(st_post(c, &sim, &a, "/api/dlp/get-logs", "{\"data\":[{}]}", &rs), 0);
        status = rs.status;
        th_response_free(&rs);
    }
    assert_int_equal(status, 200);
    assert_true(now_ms() - t_first >= 298);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

static void t_reset_variants(void **state)
{
    struct th_client *c = th_client_create();
    struct {
        const char *style;
        long long scale; /* 1 = ms duration, 1 = epoch s, 1000 = epoch ms */
    } cases[] = {{"ms", 0}, {"epoch_s", 1}, {"epoch_ms", 1000}};

    (void)state;
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        const char *args[] = {"--rate-limit", "10:8000", "--reset-style", cases[k].style, NULL};
        struct st_sim sim;
        struct st_auth a;
        struct th_response rs;
        long long reset, now = now_ms();

        st_sim_start(&sim, args);
        st_auth_v2(c, &sim, &a);
        assert_int_equal(st_post(c, &sim, &a, "/api/dlp/get-logs", "{\"data\":[{}]}", &rs), 0);
        reset = hdr_num(&rs, "X-RateLimit-Reset");
        th_response_free(&rs);
        if (cases[k].scale == 0) {
            assert_true(reset >= 1 && reset <= 8000);
        } else if (cases[k].scale == 1) {
            assert_true(reset >= now / 1000 && reset <= now / 1000 + 10);
        } else {
            assert_true(reset >= now && reset <= now + 10000);
        }
        st_sim_stop(&sim);
    }
    th_client_destroy(c);
}

static void t_dashed_header_spelling(void **state)
{
    struct st_sim sim;
    struct th_client *c = th_client_create();
    const char *args[] = {"--header-style", "X-Rate-Limit", NULL};
    struct st_auth a;
    struct th_response rs;

    (void)state;
    st_sim_start(&sim, args);
    st_auth_v2(c, &sim, &a);
    assert_int_equal(st_post(c, &sim, &a, "/api/dlp/get-logs", "{\"data\":[{}]}", &rs), 0);
    assert_null(th_header(&rs, "X-RateLimit-Limit"));
    hdr_num(&rs, "X-Rate-Limit-Limit");
    hdr_num(&rs, "X-Rate-Limit-Remaining");
    hdr_num(&rs, "X-Rate-Limit-Reset");
    th_response_free(&rs);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

/* A scenario gives one account its own small bucket. */
static void t_per_account_limit_from_scenario(void **state)
{
    char path[256];
    const char *args[] = {"--scenario", path, NULL};
    struct st_sim sim;
    struct th_client *c = th_client_create();
    struct st_auth a;
    struct th_response rs;
    char bearer[128];

    (void)state;
    st_write_temp(path, sizeof(path), ".json",
                  "{\"accounts\":[{\"name\":\"demo\"},"
                  "{\"name\":\"tight\",\"rate_limit\":{\"limit\":2,\"refill_ms\":60000}}]}");
    st_sim_start(&sim, args);
    memset(&a, 0, sizeof(a));
    a.scheme = 2;
    assert_int_equal(st_token(c, &sim, "tight-client-id", "tight-client-secret", bearer,
                              sizeof(bearer)),
                     200);
    snprintf(a.bearer, sizeof(a.bearer), "%s", bearer);
    assert_int_equal(st_post(c, &sim, &a, "/api/dlp/get-logs", "{\"data\":[{}]}", &rs), 0);
    assert_int_equal(rs.status, 200);
    assert_int_equal(hdr_num(&rs, "X-RateLimit-Limit"), 2);
    th_response_free(&rs);
    assert_int_equal(st_post(c, &sim, &a, "/api/dlp/get-logs", "{\"data\":[{}]}", &rs), 0);
    assert_int_equal(rs.status, 429);
    th_response_free(&rs);
    /* demo keeps the large default bucket */
    st_auth_v2(c, &sim, &a);
    assert_int_equal(st_post(c, &sim, &a, "/api/dlp/get-logs", "{\"data\":[{}]}", &rs), 0);
    assert_int_equal(rs.status, 200);
    th_response_free(&rs);
    th_client_destroy(c);
    st_sim_stop(&sim);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_headers_on_every_answer),
        cmocka_unit_test(t_429_when_bucket_empty),
        cmocka_unit_test(t_bucket_refills),
        cmocka_unit_test(t_reset_variants),
        cmocka_unit_test(t_dashed_header_spelling),
        cmocka_unit_test(t_per_account_limit_from_scenario),
    };
    return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
