/* mcsim fault injection: each mode does what it says (probability 1 or a
 * schedule), and a retrying walker still gets the exact event set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "simtest.h"

#define MAX_ARGS 40

static time_t g_start, g_from, g_to;

static int group_setup(void **state)
{
    (void)state;
    g_start = (time(NULL) - 86400) / 3600 * 3600;
    g_from = g_start + 3600;
    g_to = g_from + 3600 - 1;
    return 0;
}

/* mcsim with a fixed timeline plus the given fault flags. */
static void start(struct st_sim *sim, const char *const faults[])
{
    static char start_s[32];
    const char *args[MAX_ARGS];
    size_t n = 0;

    snprintf(start_s, sizeof(start_s), "%lld", (long long)g_start);
    args[n++] = "--seed";
    args[n++] = "5";
    args[n++] = "--start";
    args[n++] = start_s;
    args[n++] = "--rate";
    args[n++] = "ttp_url=0.5";
    for (const char *const *f = faults; f && *f && n < MAX_ARGS - 3; f++) {
        args[n++] = "--fault";
        args[n++] = *f;
    }
    args[n] = NULL;
    st_sim_start(sim, args);
}

static long long now_ms(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static long long fault_count(struct th_client *c, const struct st_sim *sim, const char *type)
{
    json_t *j = st_get_json(c, sim, "/_sim/counters");
    long long n = json_integer_value(json_object_get(json_object_get(j, "faults"), type));

    json_decref(j);
    return n;
}

static void url_filter(char *out, size_t cap, bool oldest)
{
    char a[40], b[40];

    st_iso(a, sizeof(a), g_from);
    st_iso(b, sizeof(b), g_to);
    snprintf(out, cap, "{\"from\":\"%s\",\"to\":\"%s\"%s}", a, b,
             oldest ? ",\"oldestFirst\":true" : "");
}

/* Walk the URL window with the retrying walker; compare with /_sim/events. */
static void exact_walk(struct th_client *c, const struct st_sim *sim, bool oldest, int page_size,
                       struct st_walk *w, bool dups_ok)
{
    static char filter[256];
    struct st_auth a;
    json_t *events = st_sim_events(c, sim, "demo", ST_TTP_URL, g_from, g_to + 1);

    url_filter(filter, sizeof(filter), oldest);
    memset(w, 0, sizeof(*w));
    w->log = ST_TTP_URL;
    w->filter = filter;
    w->page_size = page_size;
    w->retry = true;
    memset(&a, 0, sizeof(a));
    a.scheme = 2;
    a.client_id = "demo-client-id";
    a.client_secret = "demo-client-secret";
    /* the token endpoint can be hit by faults too: retry it */
    for (int k = 0; k < 100; k++)
        if (st_token(c, sim, a.client_id, a.client_secret, a.bearer, sizeof(a.bearer)) == 200)
            break;
    assert_true(a.bearer[0] != '\0');
    st_walk_run(c, sim, &a, w);
    assert_true(json_array_size(events) > 1000);
    st_assert_same_records(w->records, events, dups_ok);
    json_decref(events);
}

static long dlp(struct th_client *c, const struct st_sim *sim, struct st_auth *a,
                struct th_response *rs, long timeout_ms, int *rc)
{
    char url[128], authz[192];
    const char *hdrs[] = {"Content-Type: application/json", authz, NULL};
    struct th_request rq = {.method = "POST", .url = url, .headers = hdrs,
                            .body = "{\"data\":[{}]}", .timeout_ms = timeout_ms};

    snprintf(authz, sizeof(authz), "Authorization: Bearer %s", a->bearer);
    st_url(url, sizeof(url), sim, "/api/dlp/get-logs");
    *rc = th_request(c, &rq, rs);
    return rs->status;
}

static void t_http500(void **state)
{
    const char *faults[] = {"http500@path=/api/dlp/get-logs,count=2", NULL};
    struct th_client *c = th_client_create();
    struct st_sim sim;
    struct st_auth a;
    struct th_response rs;
    int rc;

    (void)state;
    start(&sim, faults);
    st_auth_v2(c, &sim, &a);
    for (int k = 0; k < 3; k++) {
        json_t *j;
        assert_int_equal(dlp(c, &sim, &a, &rs, 0, &rc), k < 2 ? 500 : 200);
        j = st_json(&rs);
        if (k < 2)
            assert_string_equal(json_string_value(json_object_get(
                                    json_array_get(json_object_get(j, "fail"), 0), "code")),
                                "internal-error");
        json_decref(j);
        th_response_free(&rs);
    }
    assert_int_equal(fault_count(c, &sim, "http5xx"), 2);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

/* Other 5xx come from "the gateway" as HTML; the token endpoint is not spared. */
static void t_http503_html_on_token(void **state)
{
    const char *faults[] = {"http503@count=1", NULL};
    struct th_client *c = th_client_create();
    struct st_sim sim;
    char tok[128];

    (void)state;
    start(&sim, faults);
    {
        char url[128];
        struct th_response rs;
        st_url(url, sizeof(url), &sim, "/oauth/token");
        assert_int_equal(th_post(c, url, "application/x-www-form-urlencoded",
                                 "client_id=demo-client-id&client_secret=demo-client-secret&"
                                 "grant_type=client_credentials",
                                 NULL, &rs),
                         0);
        assert_int_equal(rs.status, 503);
        assert_string_equal(th_header(&rs, "Content-Type"), "text/html");
        assert_null(st_json(&rs));
        th_response_free(&rs);
    }
    assert_int_equal(st_token(c, &sim, "demo-client-id", "demo-client-secret", tok, sizeof(tok)),
                     200);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

static void t_http429_fault(void **state)
{
    const char *faults[] = {"http429@every=2,path=/api/dlp/get-logs", NULL};
    struct th_client *c = th_client_create();
    struct st_sim sim;
    struct st_auth a;
    struct th_response rs;
    int rc;

    (void)state;
    start(&sim, faults);
    st_auth_v2(c, &sim, &a);
    for (int k = 1; k <= 4; k++) {
        assert_int_equal(dlp(c, &sim, &a, &rs, 0, &rc), k % 2 ? 200 : 429);
        if (k % 2 == 0)
            assert_string_equal(th_header(&rs, "X-RateLimit-Remaining"), "0");
        th_response_free(&rs);
    }
    assert_int_equal(fault_count(c, &sim, "http429"), 2);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

static void t_slow(void **state)
{
    const char *faults[] = {"slow@ms=3000,count=1,path=/api/dlp/get-logs",
                            "slow@ms=700,after=1,count=1,path=/api/dlp/get-logs", NULL};
    struct th_client *c = th_client_create();
    struct st_sim sim;
    struct st_auth a;
    struct th_response rs;
    long long t0;
    int rc;

    (void)state;
    start(&sim, faults);
    st_auth_v2(c, &sim, &a);
    /* a client with a 500 ms timeout gives up */
    dlp(c, &sim, &a, &rs, 500, &rc);
    assert_int_equal(rc, -EIO);
    assert_int_equal(rs.curl_code, 28); /* CURLE_OPERATION_TIMEDOUT */
    th_response_free(&rs);
    /* a patient client gets the answer, late */
    t0 = now_ms();
    assert_int_equal(dlp(c, &sim, &a, &rs, 0, &rc), 200);
    assert_true(now_ms() - t0 >= 690);
    th_response_free(&rs);
    assert_int_equal(fault_count(c, &sim, "slow"), 2);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

static void t_truncate(void **state)
{
    const char *faults[] = {"truncate@count=1,path=/api/ttp/url/get-logs", NULL};
    struct th_client *c = th_client_create();
    struct st_sim sim;
    struct st_auth a;
    struct th_response rs;
    json_t *j;
    char filter[256], body[512];

    (void)state;
    start(&sim, faults);
    st_auth_v2(c, &sim, &a);
    url_filter(filter, sizeof(filter), false);
    snprintf(body, sizeof(body), "{\"meta\":{\"pagination\":{\"pageSize\":50}},\"data\":[%s]}",
             filter);
    assert_int_equal(st_post(c, &sim, &a, "/api/ttp/url/get-logs", body, &rs), -EIO);
    assert_int_equal(rs.status, 200);
    assert_int_equal(rs.curl_code, 18); /* CURLE_PARTIAL_FILE */
    assert_true(strtoull(th_header(&rs, "Content-Length"), NULL, 10) > rs.bytes);
    th_response_free(&rs);
    assert_int_equal(st_post(c, &sim, &a, "/api/ttp/url/get-logs", body, &rs), 0);
    j = st_json(&rs);
    assert_int_equal(json_array_size(st_records(j, ST_TTP_URL)), 50);
    json_decref(j);
    th_response_free(&rs);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

static void t_invalid_json(void **state)
{
    const char *faults[] = {"invalid_json@count=1,path=/api/dlp/get-logs", NULL};
    struct th_client *c = th_client_create();
    struct st_sim sim;
    struct st_auth a;
    struct th_response rs;
    json_t *j;
    int rc;

    (void)state;
    start(&sim, faults);
    st_auth_v2(c, &sim, &a);
    assert_int_equal(dlp(c, &sim, &a, &rs, 0, &rc), 200);
    assert_int_equal(rc, 0);
    assert_true(rs.body_len > 0);
    assert_null(st_json(&rs));
    th_response_free(&rs);
    assert_int_equal(dlp(c, &sim, &a, &rs, 0, &rc), 200);
    j = st_json(&rs);
    assert_non_null(j);
    json_decref(j);
    th_response_free(&rs);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

static void t_fail200(void **state)
{
    const char *faults[] = {"fail200@count=1", NULL};
    struct th_client *c = th_client_create();
    struct st_sim sim;
    struct st_auth a;
    struct th_response rs;
    json_t *j, *e;
    int rc;

    (void)state;
    start(&sim, faults);
    st_auth_v2(c, &sim, &a); /* fail200 only applies to log endpoints */
    assert_int_equal(dlp(c, &sim, &a, &rs, 0, &rc), 200);
    j = st_json(&rs);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "meta"), "status")),
                     200);
    e = json_array_get(json_object_get(json_array_get(json_object_get(j, "fail"), 0), "errors"), 0);
    assert_true(json_is_string(json_object_get(e, "code")));
    assert_true(json_is_true(json_object_get(e, "retryable")));
    assert_int_equal(json_array_size(json_object_get(j, "data")), 0);
    json_decref(j);
    th_response_free(&rs);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

static void t_reset(void **state)
{
    const char *faults[] = {"reset@count=1,path=/api/dlp/get-logs", NULL};
    struct th_client *c = th_client_create();
    struct st_sim sim;
    struct st_auth a;
    struct th_response rs;
    json_t *j;
    int rc;

    (void)state;
    start(&sim, faults);
    st_auth_v2(c, &sim, &a);
    /* a fresh connection: on a reused one curl silently retries a request
     * that got no answer at all, and would hide the reset */
    th_client_destroy(c);
    c = th_client_create();
    dlp(c, &sim, &a, &rs, 0, &rc);
    assert_int_equal(rc, -EIO);
    assert_int_equal(rs.status, 0);
    assert_true(rs.curl_code == 52 || rs.curl_code == 56); /* GOT_NOTHING / RECV_ERROR */
    th_response_free(&rs);
    assert_int_equal(dlp(c, &sim, &a, &rs, 0, &rc), 200);
    th_response_free(&rs);
    j = st_get_json(c, &sim, "/_sim/counters");
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(j, "credentials"), 0), "dropped")),
                     1);
    json_decref(j);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

static void t_empty_last_page(void **state)
{
    const char *faults[] = {"empty_last_page", NULL};
    struct th_client *c = th_client_create();
    struct st_sim sim;
    struct st_walk w;

    (void)state;
    start(&sim, faults);
    exact_walk(c, &sim, true, 100, &w, false);
    assert_int_equal(w.empty_end_pages, 1);
    st_walk_fini(&w);
    exact_walk(c, &sim, false, 100, &w, false);
    assert_int_equal(w.empty_end_pages, 1);
    st_walk_fini(&w);
    assert_int_equal(fault_count(c, &sim, "empty_last_page"), 2);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

static void t_short_pages(void **state)
{
    const char *faults[] = {"short_pages", NULL};
    struct th_client *c = th_client_create();
    struct st_sim sim;
    struct st_walk w;
    size_t n;

    (void)state;
    start(&sim, faults);
    exact_walk(c, &sim, true, 100, &w, false);
    n = json_array_size(w.records);
    assert_true((size_t)w.pages > (n + 99) / 100);
    assert_true(fault_count(c, &sim, "short_pages") >= w.pages - 1);
    st_walk_fini(&w);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

static void t_repeat_boundary(void **state)
{
    const char *faults[] = {"repeat_boundary", NULL};
    struct th_client *c = th_client_create();
    struct st_sim sim;
    struct st_walk w;
    size_t n;
    char **v;

    (void)state;
    start(&sim, faults);
    for (int oldest = 0; oldest < 2; oldest++) {
        exact_walk(c, &sim, oldest, 100, &w, true);
        v = st_canon(w.records, &n);
        /* every page boundary repeats exactly one record */
        assert_int_equal(st_canon_dups(v, n), (size_t)w.pages - 1);
        assert_true(w.pages > 2);
        st_canon_free(v, n);
        st_walk_fini(&w);
    }
    th_client_destroy(c);
    st_sim_stop(&sim);
}

static void t_stale_page_token(void **state)
{
    const char *faults[] = {"stale_page_token@count=2", NULL};
    struct th_client *c = th_client_create();
    struct st_sim sim;
    struct st_walk w;

    (void)state;
    start(&sim, faults);
    exact_walk(c, &sim, true, 100, &w, false);
    assert_int_equal(w.retries, 2); /* the same token, replayed, then works */
    assert_int_equal(fault_count(c, &sim, "stale_page_token"), 2);
    st_walk_fini(&w);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

static void t_token_expiry_during_walk(void **state)
{
    const char *faults[] = {"token_expiry@every=4,path=/api/ttp/url/get-logs", NULL};
    struct th_client *c = th_client_create();
    struct st_sim sim;
    struct st_walk w;

    (void)state;
    start(&sim, faults);
    exact_walk(c, &sim, false, 100, &w, false);
    assert_true(w.retries >= 3);
    assert_true(fault_count(c, &sim, "token_expiry") >= 3);
    st_walk_fini(&w);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

/* Every delivery fault at once, randomly: still exact. */
static void t_walk_under_all_faults(void **state)
{
    const char *faults[] = {"http500:0.08",          "http503:0.04",
                            "http429:0.05",          "truncate:0.05",
                            "invalid_json:0.05",     "fail200:0.05",
                            "short_pages:0.3",       "repeat_boundary:0.3",
                            "empty_last_page",       "reset:0.04",
                            "stale_page_token:0.05", "token_expiry:0.03",
                            "slow:0.02@ms=50",       NULL};
    struct th_client *c = th_client_create();
    struct st_sim sim;
    struct st_walk w;
    json_t *j, *f;
    const char *key;
    json_t *v;
    int kinds = 0;

    (void)state;
    start(&sim, faults);
    exact_walk(c, &sim, true, 50, &w, true);
    assert_true(w.retries > 0);
    st_walk_fini(&w);
    exact_walk(c, &sim, false, 50, &w, true);
    st_walk_fini(&w);
    j = st_get_json(c, &sim, "/_sim/counters");
    f = json_object_get(j, "faults");
    json_object_foreach(f, key, v) kinds += json_integer_value(v) > 0;
    assert_true(kinds >= 8);
    json_decref(j);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

static void t_schedule_after_every_count(void **state)
{
    const char *faults[] = {"http500@path=/api/dlp/get-logs,after=2,every=3,count=2", NULL};
    /* skip 2, then every 3rd (the 5th, 8th, ...), at most twice: not the 11th */
    const long want[] = {200, 200, 200, 200, 500, 200, 200, 500, 200, 200, 200};
    struct th_client *c = th_client_create();
    struct st_sim sim;
    struct st_auth a;
    struct th_response rs;
    int rc;

    (void)state;
    start(&sim, faults);
    st_auth_v2(c, &sim, &a);
    for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
        assert_int_equal(dlp(c, &sim, &a, &rs, 0, &rc), want[k]);
        th_response_free(&rs);
    }
    th_client_destroy(c);
    st_sim_stop(&sim);
}

/* Probabilistic faults come from a seeded PRNG: same seed, same sequence. */
static void t_probability_is_deterministic(void **state)
{
    const char *faults[] = {"http500:0.3@path=/api/dlp/get-logs", NULL};
    struct th_client *c = th_client_create();
    long seq[2][40];
    int fails = 0;

    (void)state;
    for (int run = 0; run < 2; run++) {
        struct st_sim sim;
        struct st_auth a;
        struct th_response rs;
        int rc;
        start(&sim, faults);
        st_auth_v2(c, &sim, &a);
        for (int k = 0; k < 40; k++) {
            seq[run][k] = dlp(c, &sim, &a, &rs, 0, &rc);
            th_response_free(&rs);
        }
        st_sim_stop(&sim);
    }
    for (int k = 0; k < 40; k++) {
        assert_int_equal(seq[0][k], seq[1][k]);
        fails += seq[0][k] == 500;
    }
    assert_true(fails > 2 && fails < 30);
    th_client_destroy(c);
}

static void t_fault_scoped_to_account(void **state)
{
    char path[256], start_s[32];
    const char *args[] = {"--scenario", path, "--start", start_s, "--fault",
                          "http500@account=other", NULL};
    struct th_client *c = th_client_create();
    struct st_sim sim;
    struct st_auth a;
    struct th_response rs;
    int rc;

    (void)state;
    snprintf(start_s, sizeof(start_s), "%lld", (long long)g_start);
    st_write_temp(path, sizeof(path), ".json",
                  "{\"accounts\":[{\"name\":\"demo\"},{\"name\":\"other\"}]}");
    st_sim_start(&sim, args);
    st_auth_v2(c, &sim, &a);
    assert_int_equal(dlp(c, &sim, &a, &rs, 0, &rc), 200);
    th_response_free(&rs);
    /* the token request of "other" is already hit */
    assert_int_equal(st_token(c, &sim, "other-client-id", "other-client-secret", a.bearer,
                              sizeof(a.bearer)),
                     500);
    th_client_destroy(c);
    st_sim_stop(&sim);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_http500),
        cmocka_unit_test(t_http503_html_on_token),
        cmocka_unit_test(t_http429_fault),
        cmocka_unit_test(t_slow),
        cmocka_unit_test(t_truncate),
        cmocka_unit_test(t_invalid_json),
        cmocka_unit_test(t_fail200),
        cmocka_unit_test(t_reset),
        cmocka_unit_test(t_empty_last_page),
        cmocka_unit_test(t_short_pages),
        cmocka_unit_test(t_repeat_boundary),
        cmocka_unit_test(t_stale_page_token),
        cmocka_unit_test(t_token_expiry_during_walk),
        cmocka_unit_test(t_walk_under_all_faults),
        cmocka_unit_test(t_schedule_after_every_count),
        cmocka_unit_test(t_probability_is_deterministic),
        cmocka_unit_test(t_fault_scoped_to_account),
    };
    return cmocka_run_group_tests_name("faults", tests, group_setup, NULL);
}
