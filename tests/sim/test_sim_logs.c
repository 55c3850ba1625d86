/* mcsim log endpoints: exact paging against /_sim/events and /_sim/stats,
 * envelopes (API.md §3), filters, dates, page tokens, permissions, errors,
 * and record shapes compared with the real samples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "simtest.h"

static const char scenario[] =
    "{\"accounts\": [\n"
    "  {\"name\": \"demo\"},\n"
    "  {\"name\": \"restricted\", \"denied_logs\": [\"dlp\", \"ttp_url\"]},\n"
    "  {\"name\": \"soft\", \"denied_logs\": [\"audit\"], \"deny_style\": \"fail200\"}\n"
    "]}\n";

struct fx {
    struct st_sim sim;
    struct th_client *c;
    struct st_auth v2;
    char scenario_path[256];
    time_t start, from, to; /* API window [from, to] inclusive; stats [from, to + 1) */
};

static struct fx *g;

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char start[32];
    const char *args[] = {"--scenario", f->scenario_path, "--seed", "11", "--start", start,
                          "--rate", "audit=0.03", "--rate", "dlp=0.05", "--rate",
                          "rejection=0.2", "--rate", "ttp_url=1.5", "--rate",
                          "ttp_impersonation=0.05", "--rate", "ttp_attachment=0.1", NULL};

    f->start = (time(NULL) - 2 * 86400) / 3600 * 3600;
    f->from = f->start + 3600;
    f->to = f->from + 2 * 3600 - 1;
    snprintf(start, sizeof(start), "%lld", (long long)f->start);
    st_write_temp(f->scenario_path, sizeof(f->scenario_path), ".json", scenario);
    st_sim_start(&f->sim, args);
    f->c = th_client_create();
    st_auth_v2(f->c, &f->sim, &f->v2);
    g = f;
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

/* {"<from key>":"…","<to key>":"…"[,"admin":true][,extra]} */
static void make_filter(char *out, size_t cap, int log, time_t from, time_t to, const char *extra)
{
    char a[40], b[40];

    st_iso(a, sizeof(a), from);
    st_iso(b, sizeof(b), to);
    snprintf(out, cap, "{\"%s\":\"%s\",\"%s\":\"%s\"%s%s%s}", st_log_from_keys[log], a,
             st_log_to_keys[log], b, log == ST_REJECTION ? ",\"admin\":true" : "",
             extra ? "," : "", extra ? extra : "");
}

static long long rec_time(json_t *r, int log)
{
    return st_parse_time(json_string_value(json_object_get(r, st_log_time_fields[log])));
}

static void check_envelope(json_t *page, int log, long long total, int page_size)
{
    json_t *meta = json_object_get(page, "meta"), *pag = json_object_get(meta, "pagination");
    json_t *data = json_object_get(page, "data");

    assert_int_equal(json_integer_value(json_object_get(meta, "status")), 200);
    assert_int_equal(json_integer_value(json_object_get(pag, "pageSize")), page_size);
    assert_int_equal(json_integer_value(json_object_get(pag, "totalCount")), total);
    assert_true(json_is_array(json_object_get(page, "fail")));
    assert_int_equal(json_array_size(json_object_get(page, "fail")), 0);
    assert_true(json_is_array(data));
    if (total > page_size)
        assert_true(json_is_string(json_object_get(pag, "next")));
    if (log == ST_AUDIT) {
        /* audit records sit directly in data[] */
        assert_true(json_is_string(json_object_get(json_array_get(data, 0), "auditType")));
    } else {
        json_t *wrap = json_array_get(data, 0);
        assert_int_equal(json_array_size(data), 1);
        assert_true(json_is_array(json_object_get(wrap, st_log_lists[log])));
        if (log == ST_TTP_IMP)
            assert_int_equal(json_integer_value(json_object_get(wrap, "resultCount")), total);
        else
            assert_int_equal(json_object_size(wrap), 1);
    }
}

static void walk_and_compare(int log)
{
    struct fx *f = g;
    json_t *events = st_sim_events(f->c, &f->sim, "demo", log, f->from, f->to + 1);
    long long count = st_sim_count(f->c, &f->sim, "demo", log, f->from, f->to + 1);
    char filter[512];

    assert_true(count > 0);
    assert_int_equal((long long)json_array_size(events), count);
    for (int oldest = 0; oldest < 2; oldest++) {
        struct st_walk w = {.log = log, .filter = filter, .page_size = 100};
        long long prev = -1;
        size_t k;
        json_t *r;

        make_filter(filter, sizeof(filter), log, f->from, f->to,
                    oldest ? "\"oldestFirst\":true" : NULL);
        st_walk_run(f->c, &f->sim, &f->v2, &w);
        st_assert_same_records(w.records, events, false);
        assert_int_equal(w.pages, (count + 99) / 100);
        check_envelope(w.first_page, log, count, 100);
        /* order: oldest first only where the endpoint honours it */
        json_array_foreach(w.records, k, r) {
            long long t = rec_time(r, log);
            assert_true(t >= f->from && t <= f->to);
            if (prev >= 0) {
                if (oldest && st_log_oldest_first[log])
                    assert_true(t >= prev);
                else
                    assert_true(t <= prev);
            }
            prev = t;
        }
        st_walk_fini(&w);
    }
    json_decref(events);
}

static void t_walk_audit(void **s) { (void)s; walk_and_compare(ST_AUDIT); }
static void t_walk_dlp(void **s) { (void)s; walk_and_compare(ST_DLP); }
static void t_walk_rejection(void **s) { (void)s; walk_and_compare(ST_REJECTION); }
static void t_walk_ttp_url(void **s) { (void)s; walk_and_compare(ST_TTP_URL); }
static void t_walk_ttp_impersonation(void **s) { (void)s; walk_and_compare(ST_TTP_IMP); }
static void t_walk_ttp_attachment(void **s) { (void)s; walk_and_compare(ST_TTP_ATT); }

/* API 1.0 signing and token-only follow-up pages give the same set. */
static void t_walk_v1_and_token_only(void **state)
{
    struct fx *f = *state;
    json_t *events = st_sim_events(f->c, &f->sim, "demo", ST_TTP_ATT, f->from, f->to + 1);
    struct st_auth a;
    char filter[512];
    struct st_walk w = {.log = ST_TTP_ATT, .filter = filter, .page_size = 50};

    make_filter(filter, sizeof(filter), ST_TTP_ATT, f->from, f->to, "\"oldestFirst\":true");
    st_auth_v1(&a, &st_demo_v1);
    st_walk_run(f->c, &f->sim, &a, &w);
    st_assert_same_records(w.records, events, false);
    st_walk_fini(&w);

    w.token_only = true;
    st_walk_run(f->c, &f->sim, &f->v2, &w);
    st_assert_same_records(w.records, events, false);
    assert_true(w.pages > 1);
    st_walk_fini(&w);
    json_decref(events);
}

static json_t *post_log(struct fx *f, int log, const char *body, long *status)
{
    struct th_response rs;
    json_t *j;

    assert_int_equal(st_post(f->c, &f->sim, &f->v2, st_log_paths[log], body, &rs), 0);
    *status = rs.status;
    j = st_json(&rs);
    th_response_free(&rs);
    return j;
}

static const char *fail_code(json_t *j)
{
    json_t *e = json_array_get(json_object_get(json_array_get(json_object_get(j, "fail"), 0),
                                               "errors"),
                               0);
    return json_string_value(json_object_get(e, "code"));
}

static void t_rejections_need_admin(void **state)
{
    struct fx *f = *state;
    char a[40], b[40], body[512];
    long status;
    json_t *j, *recs;

    st_iso(a, sizeof(a), f->from);
    st_iso(b, sizeof(b), f->to);
    snprintf(body, sizeof(body), "{\"data\":[{\"start\":\"%s\",\"end\":\"%s\"}]}", a, b);
    j = post_log(f, ST_REJECTION, body, &status);
    assert_int_equal(status, 200);
    recs = st_records(j, ST_REJECTION);
    assert_true(json_is_array(recs));
    assert_int_equal(json_array_size(recs), 0);
    assert_null(json_object_get(json_object_get(json_object_get(j, "meta"), "pagination"), "next"));
    json_decref(j);
    /* admin:false is the same pitfall */
    snprintf(body, sizeof(body), "{\"data\":[{\"start\":\"%s\",\"end\":\"%s\",\"admin\":false}]}",
             a, b);
    j = post_log(f, ST_REJECTION, body, &status);
    assert_int_equal(json_array_size(st_records(j, ST_REJECTION)), 0);
    json_decref(j);
}

/* from <= t <= to: a window of one second holds exactly the events of that second. */
static void t_window_ends_inclusive(void **state)
{
    struct fx *f = *state;
    json_t *events = st_sim_events(f->c, &f->sim, "demo", ST_TTP_URL, f->from, f->from + 60);
    long long t = rec_time(json_array_get(events, 0), ST_TTP_URL);
    json_t *one = st_sim_events(f->c, &f->sim, "demo", ST_TTP_URL, t, t + 1);
    char filter[256];
    struct st_walk w = {.log = ST_TTP_URL, .filter = filter, .page_size = 500};

    assert_true(json_array_size(one) >= 1);
    make_filter(filter, sizeof(filter), ST_TTP_URL, t, t, NULL);
    st_walk_run(f->c, &f->sim, &f->v2, &w);
    st_assert_same_records(w.records, one, false);
    assert_int_equal((long long)json_array_size(w.records),
                     st_sim_count(f->c, &f->sim, "demo", ST_TTP_URL, t, t + 1));
    st_walk_fini(&w);
    json_decref(events);
    json_decref(one);
}

static void collect(struct fx *f, int log, const char *filter, json_t **out)
{
    struct st_walk w = {.log = log, .filter = filter, .page_size = 500};

    st_walk_run(f->c, &f->sim, &f->v2, &w);
    *out = json_incref(w.records);
    st_walk_fini(&w);
}

/* Date forms of API.md §3.0; kind 3 adds fractions (.000 start, .999 end). */
static void fmt_date(char *out, size_t cap, time_t t, int kind, bool end)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    switch (kind) {
    case 0: strftime(out, cap, "%Y-%m-%dT%H:%M:%S+0000", &tm); break;
    case 1: strftime(out, cap, "%Y-%m-%dT%H:%M:%S+00:00", &tm); break;
    case 2: strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm); break;
    default:
        if (end)
            strftime(out, cap, "%Y-%m-%dT%H:%M:%S.999Z", &tm);
        else
            strftime(out, cap, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
        break;
    }
}

static void t_date_forms(void **state)
{
    struct fx *f = *state;
    time_t a = f->from + 600, b = f->from + 1200;
    json_t *want = st_sim_events(f->c, &f->sim, "demo", ST_TTP_URL, a, b + 1), *got;
    char from[64], to[64], filter[256];
    struct tm ta, tb;

    for (int kind = 0; kind < 4; kind++) {
        fmt_date(from, sizeof(from), a, kind, false);
        fmt_date(to, sizeof(to), b, kind, true);
        snprintf(filter, sizeof(filter), "{\"from\":\"%s\",\"to\":\"%s\"}", from, to);
        collect(f, ST_TTP_URL, filter, &got);
        st_assert_same_records(got, want, false);
        json_decref(got);
    }
    /* the same instants written in local time with a -04:00 offset */
    {
        time_t la = a - 4 * 3600, lb = b - 4 * 3600;
        gmtime_r(&la, &ta);
        gmtime_r(&lb, &tb);
        strftime(from, sizeof(from), "%Y-%m-%dT%H:%M:%S-0400", &ta);
        strftime(to, sizeof(to), "%Y-%m-%dT%H:%M:%S-04:00", &tb);
        snprintf(filter, sizeof(filter), "{\"from\":\"%s\",\"to\":\"%s\"}", from, to);
        collect(f, ST_TTP_URL, filter, &got);
        st_assert_same_records(got, want, false);
        json_decref(got);
    }
    /* a fractional start excludes its own second */
    {
        json_t *later = st_sim_events(f->c, &f->sim, "demo", ST_TTP_URL, a + 1, b + 1);
        gmtime_r(&a, &ta);
        gmtime_r(&b, &tb);
        strftime(from, sizeof(from), "%Y-%m-%dT%H:%M:%S.500Z", &ta);
        strftime(to, sizeof(to), "%Y-%m-%dT%H:%M:%SZ", &tb);
        snprintf(filter, sizeof(filter), "{\"from\":\"%s\",\"to\":\"%s\"}", from, to);
        collect(f, ST_TTP_URL, filter, &got);
        st_assert_same_records(got, later, false);
        assert_true(json_array_size(later) < json_array_size(want));
        json_decref(got);
        json_decref(later);
    }
    json_decref(want);
}

static void t_bad_dates_fail_in_200(void **state)
{
    struct fx *f = *state;
    long status;
    json_t *j;

    j = post_log(f, ST_AUDIT, "{\"data\":[{\"endDateTime\":\"2024-01-01T00:00:00Z\"}]}", &status);
    assert_int_equal(status, 200);
    assert_string_equal(fail_code(j), "err_validation_null");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "meta"), "status")),
                     200);
    /* the request item is echoed as fail[].key */
    assert_true(json_is_object(json_object_get(json_array_get(json_object_get(j, "fail"), 0),
                                               "key")));
    json_decref(j);

    j = post_log(f, ST_DLP, "{\"data\":[{\"from\":\"yesterday\"}]}", &status);
    assert_int_equal(status, 200);
    assert_int_equal(strncmp(fail_code(j), "err_validation_", 15), 0);
    json_decref(j);
    j = post_log(f, ST_TTP_URL, "{\"data\":[{\"to\":\"2024-13-01T00:00:00Z\"}]}", &status);
    assert_int_equal(status, 200);
    assert_int_equal(strncmp(fail_code(j), "err_validation_", 15), 0);
    json_decref(j);
}

/* Without from/to: start of the current UTC day .. now. */
static void t_default_window(void **state)
{
    struct fx *f = *state;
    time_t now = time(NULL), day0 = now - now % 86400;
    long long before = st_sim_count(f->c, &f->sim, "demo", ST_DLP, day0, (long long)now + 1);
    struct st_walk w = {.log = ST_DLP, .filter = "{}", .page_size = 500};
    long long after;
    size_t k;
    json_t *r;

    st_walk_run(f->c, &f->sim, &f->v2, &w);
    after = st_sim_count(f->c, &f->sim, "demo", ST_DLP, day0, (long long)time(NULL) + 1);
    assert_true((long long)json_array_size(w.records) >= before);
    assert_true((long long)json_array_size(w.records) <= after);
    json_array_foreach(w.records, k, r) assert_true(rec_time(r, ST_DLP) >= day0);
    st_walk_fini(&w);
}

static void t_page_size_default_and_clamp(void **state)
{
    struct fx *f = *state;
    char filter[256], body[512];
    long status;
    json_t *j;
    struct {
        const char *ps;
        int want;
    } cases[] = {{NULL, 25}, {"100000", 500}, {"\"100\"", 100}, {"0", 25}, {"7", 7}};

    make_filter(filter, sizeof(filter), ST_TTP_URL, f->from, f->to, NULL);
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        if (cases[k].ps)
            snprintf(body, sizeof(body), "{\"meta\":{\"pagination\":{\"pageSize\":%s}},\"data\":[%s]}",
                     cases[k].ps, filter);
        else
            snprintf(body, sizeof(body), "{\"data\":[%s]}", filter);
        j = post_log(f, ST_TTP_URL, body, &status);
        assert_int_equal(status, 200);
        assert_int_equal(json_array_size(st_records(j, ST_TTP_URL)), cases[k].want);
        assert_int_equal(json_integer_value(json_object_get(
                             json_object_get(json_object_get(j, "meta"), "pagination"), "pageSize")),
                         cases[k].want);
        json_decref(j);
    }
}

static char *page_body(const char *token, const char *filter, int ps)
{
    char *b = NULL;

    if (asprintf(&b, "{\"meta\":{\"pagination\":{\"pageSize\":%d%s%s%s}},\"data\":[%s]}", ps,
                 token ? ",\"pageToken\":\"" : "", token ? token : "", token ? "\"" : "",
                 filter ? filter : "") < 0)
        return NULL;
    return b;
}

static void t_page_token_replay_and_scope(void **state)
{
    struct fx *f = *state;
    char filter[256], *b, *tok;
    struct th_response r1, r2;
    long status;
    json_t *j, *pag;

    make_filter(filter, sizeof(filter), ST_TTP_URL, f->from, f->to, NULL);
    b = page_body(NULL, filter, 10);
    j = post_log(f, ST_TTP_URL, b, &status);
    free(b);
    tok = strdup(json_string_value(json_object_get(
        json_object_get(json_object_get(j, "meta"), "pagination"), "next")));
    json_decref(j);

    /* replay: the same token twice gives byte-identical pages */
    b = page_body(tok, NULL, 10);
    assert_int_equal(st_post(f->c, &f->sim, &f->v2, st_log_paths[ST_TTP_URL], b, &r1), 0);
    assert_int_equal(st_post(f->c, &f->sim, &f->v2, st_log_paths[ST_TTP_URL], b, &r2), 0);
    assert_int_equal(r1.status, 200);
    assert_int_equal(r1.body_len, r2.body_len);
    assert_memory_equal(r1.body, r2.body, r1.body_len);
    j = st_json(&r1);
    pag = json_object_get(json_object_get(j, "meta"), "pagination");
    assert_string_equal(json_string_value(json_object_get(pag, "pageToken")), tok);
    assert_int_equal(json_array_size(st_records(j, ST_TTP_URL)), 10);
    json_decref(j);
    th_response_free(&r1);
    th_response_free(&r2);

    /* another log type, another account, a corrupted token: refused in 200 */
    j = post_log(f, ST_DLP, b, &status);
    assert_int_equal(status, 200);
    assert_string_equal(fail_code(j), "err_invalid_page_token");
    json_decref(j);
    free(b);
    {
        struct st_auth other;
        struct th_response rs;
        char bearer[128];
        assert_int_equal(st_token(f->c, &f->sim, "soft-client-id", "soft-client-secret", bearer,
                                  sizeof(bearer)),
                         200);
        memset(&other, 0, sizeof(other));
        other.scheme = 2;
        snprintf(other.bearer, sizeof(other.bearer), "%s", bearer);
        b = page_body(tok, NULL, 10);
        assert_int_equal(st_post(f->c, &f->sim, &other, st_log_paths[ST_TTP_URL], b, &rs), 0);
        j = st_json(&rs);
        assert_string_equal(fail_code(j), "err_invalid_page_token");
        json_decref(j);
        th_response_free(&rs);
        free(b);
    }
    tok[5] = tok[5] == 'A' ? 'B' : 'A';
    b = page_body(tok, NULL, 10);
    j = post_log(f, ST_TTP_URL, b, &status);
    assert_string_equal(fail_code(j), "err_invalid_page_token");
    json_decref(j);
    free(b);
    free(tok);
}

static void t_http_errors(void **state)
{
    struct fx *f = *state;
    char url[128];
    struct th_response rs;
    long status;
    json_t *j;
    char *big;

    st_url(url, sizeof(url), &f->sim, "/api/nope/get-logs");
    assert_int_equal(th_post(f->c, url, "application/json", "{}", NULL, &rs), 0);
    assert_int_equal(rs.status, 404);
    th_response_free(&rs);
    st_url(url, sizeof(url), &f->sim, "/api/ttp/url/get-logs");
    assert_int_equal(th_get(f->c, url, &rs), 0);
    assert_int_equal(rs.status, 405);
    th_response_free(&rs);

    j = post_log(f, ST_TTP_URL, "{\"data\":[{\"from\":", &status);
    assert_int_equal(status, 400);
    assert_true(json_array_size(json_object_get(j, "fail")) == 1);
    json_decref(j);

    big = malloc(1536 * 1024 + 1);
    memset(big, ' ', 1536 * 1024);
    big[0] = '{';
    big[1536 * 1024 - 1] = '}';
    big[1536 * 1024] = '\0';
    assert_int_equal(st_post(f->c, &f->sim, &f->v2, st_log_paths[ST_DLP], big, &rs), 0);
    assert_int_equal(rs.status, 413);
    th_response_free(&rs);
    free(big);
}

static void t_permissions(void **state)
{
    struct fx *f = *state;
    struct st_auth a;
    struct th_response rs;
    json_t *j, *e;
    const struct st_v1_creds restricted_v1 = {"restricted-app-id", "restricted-app-key",
                                              "restricted-access-key",
                                              "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="};

    memset(&a, 0, sizeof(a));
    a.scheme = 2;
    assert_int_equal(st_token(f->c, &f->sim, "restricted-client-id", "restricted-client-secret",
                              a.bearer, sizeof(a.bearer)),
                     200);
    assert_int_equal(st_post(f->c, &f->sim, &a, st_log_paths[ST_DLP], "{\"data\":[{}]}", &rs), 0);
    assert_int_equal(rs.status, 403);
    j = st_json(&rs);
    e = json_array_get(json_object_get(j, "fail"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "code")), "app_forbidden");
    assert_string_equal(json_string_value(json_object_get(e, "message")),
                        "Forbidden to perform the requested operation");
    json_decref(j);
    th_response_free(&rs);
    /* other log types stay allowed */
    assert_int_equal(st_post(f->c, &f->sim, &a, st_log_paths[ST_TTP_ATT], "{\"data\":[{}]}", &rs),
                     0);
    assert_int_equal(rs.status, 200);
    th_response_free(&rs);

    st_auth_v1(&a, &restricted_v1);
    assert_int_equal(st_post(f->c, &f->sim, &a, st_log_paths[ST_TTP_URL], "{\"data\":[{}]}", &rs),
                     0);
    assert_int_equal(rs.status, 403);
    j = st_json(&rs);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "meta"), "status")),
                     403);
    assert_non_null(fail_code(j));
    json_decref(j);
    th_response_free(&rs);

    memset(&a, 0, sizeof(a));
    a.scheme = 2;
    assert_int_equal(st_token(f->c, &f->sim, "soft-client-id", "soft-client-secret", a.bearer,
                              sizeof(a.bearer)),
                     200);
    assert_int_equal(st_post(f->c, &f->sim, &a, st_log_paths[ST_AUDIT],
                             "{\"data\":[{\"startDateTime\":\"2020-01-01T00:00:00Z\"}]}", &rs),
                     0);
    assert_int_equal(rs.status, 200);
    j = st_json(&rs);
    assert_non_null(fail_code(j));
    json_decref(j);
    th_response_free(&rs);
}

/* ---- record shapes against the real samples ------------------------------ */

static json_t *load_sample(int log)
{
    static const char *const files[ST_LOGS] = {
        "audit-get-audit-events.json", "dlp-get-logs.json", "gateway-get-rejections.record.json",
        "ttp-url-get-logs.json", "ttp-impersonation-get-logs.json",
        "ttp-attachment-get-logs.json"};
    char path[512];
    json_error_t err;
    json_t *root, *rec;

    snprintf(path, sizeof(path), "%s/%s", MCL_SAMPLES_DIR, files[log]);
    root = json_load_file(path, 0, &err);
    if (!root)
        return NULL;
    if (log == ST_REJECTION)
        return root;
    rec = json_incref(json_array_get(st_records(root, log), 0));
    json_decref(root);
    return rec;
}

static bool same_kind(json_t *a, json_t *b)
{
    if (json_is_boolean(a) && json_is_boolean(b))
        return true;
    return json_typeof(a) == json_typeof(b);
}

static void assert_shape(json_t *rec, json_t *sample, int log, const char *const *optional)
{
    const char *key;
    json_t *v;

    json_object_foreach(sample, key, v) {
        json_t *mine = json_object_get(rec, key);
        bool opt = false;
        for (const char *const *o = optional; o && *o; o++)
            opt = opt || strcmp(*o, key) == 0;
        if (!mine && opt)
            continue;
        if (!mine)
            fail_msg("%s record lacks \"%s\"", st_log_names[log], key);
        if (!same_kind(mine, v))
            fail_msg("%s \"%s\" has another JSON type than the sample", st_log_names[log], key);
    }
    json_object_foreach(rec, key, v) {
        if (!json_object_get(sample, key))
            fail_msg("%s record has \"%s\", absent from the sample", st_log_names[log], key);
    }
}

static void t_records_match_samples(void **state)
{
    struct fx *f = *state;
    static const char *const url_optional[] = {"tagMap", NULL};
    regex_t re;

    assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\+0000$",
                             REG_EXTENDED | REG_NOSUB),
                     0);
    for (int log = 0; log < ST_LOGS; log++) {
        json_t *sample = load_sample(log), *events, *r;
        size_t k;
        if (!sample) {
            regfree(&re);
            skip(); /* samples not available on this machine */
        }
        events = st_sim_events(f->c, &f->sim, "demo", log, f->from, f->to + 1);
        json_array_foreach(events, k, r) {
            assert_shape(r, sample, log, log == ST_TTP_URL ? url_optional : NULL);
            assert_int_equal(regexec(&re, json_string_value(json_object_get(
                                                  r, st_log_time_fields[log])),
                                     0, NULL, 0),
                             0);
        }
        json_decref(events);
        json_decref(sample);
    }
    regfree(&re);
}

static bool any_string(json_t *events, const char *field, const char *value)
{
    size_t k;
    json_t *r;

    json_array_foreach(events, k, r) {
        const char *s = json_string_value(json_object_get(r, field));
        if (s && strcmp(s, value) == 0)
            return true;
    }
    return false;
}

/* The quirks collectors trip over (API.md §3, PEERS.md §2) are all present. */
static void t_record_quirks(void **state)
{
    struct fx *f = *state;
    json_t *ev, *r;
    size_t k, tagmaps = 0, non_ascii = 0, escaped = 0;

    ev = st_sim_events(f->c, &f->sim, "demo", ST_DLP, f->start, f->to + 1);
    assert_true(any_string(ev, "senderAddress", "<>"));
    json_decref(ev);

    ev = st_sim_events(f->c, &f->sim, "demo", ST_TTP_URL, f->from, f->from + 3600);
    assert_true(any_string(ev, "sendingIp", "Internal IP"));
    assert_true(any_string(ev, "scanResult", "clean"));
    assert_true(any_string(ev, "scanResult", "malicious"));
    json_array_foreach(ev, k, r) {
        const char *subj = json_string_value(json_object_get(r, "subject"));
        tagmaps += json_is_object(json_object_get(r, "tagMap"));
        for (const char *p = subj; p && *p; p++) {
            if ((unsigned char)*p >= 0x80) {
                non_ascii++;
                break;
            }
        }
        escaped += subj && (strchr(subj, '"') || strchr(subj, '\t') || strchr(subj, '\\'));
        assert_true(json_is_array(json_object_get(r, "emailPartsDescription")));
    }
    assert_true(tagmaps > 0 && tagmaps < json_array_size(ev));
    assert_true(non_ascii > 0);
    assert_true(escaped > 0);
    json_decref(ev);

    ev = st_sim_events(f->c, &f->sim, "demo", ST_REJECTION, f->from, f->to + 1);
    json_array_foreach(ev, k, r) {
        assert_true(json_is_integer(json_object_get(r, "type")));
        assert_true(json_is_integer(json_object_get(r, "spamScore")));
        assert_string_equal(json_string_value(json_object_get(r, "manageRecipient")), "false");
        assert_true(json_string_length(json_object_get(r, "id")) > 100);
    }
    json_decref(ev);

    ev = st_sim_events(f->c, &f->sim, "demo", ST_TTP_ATT, f->from, f->to + 1);
    json_array_foreach(ev, k, r) {
        const char *h = json_string_value(json_object_get(r, "fileHash"));
        const char *res = json_string_value(json_object_get(r, "result"));
        assert_string_equal(json_string_value(json_object_get(r, "actionTriggered")), "none, none");
        assert_non_null(strstr(json_string_value(json_object_get(r, "details")), "\r\n"));
        assert_int_equal(strlen(h), 64);
        assert_int_equal(strspn(h, "0123456789abcdef"), 64);
        assert_true(strcmp(res, "safe") == 0 || strcmp(res, "malicious") == 0);
        assert_non_null(strchr(json_string_value(json_object_get(r, "fileType")), '/'));
    }
    json_decref(ev);

    ev = st_sim_events(f->c, &f->sim, "demo", ST_AUDIT, f->from, f->to + 1);
    json_array_foreach(ev, k, r) {
        const char *info = json_string_value(json_object_get(r, "eventInfo"));
        assert_non_null(strstr(info, "GMT"));
        assert_non_null(strstr(info, "IP: "));
    }
    json_decref(ev);

    /* impersonation: one MTOKEN id per message, repeated across recipients */
    ev = st_sim_events(f->c, &f->sim, "demo", ST_TTP_IMP, f->start, f->to + 1);
    {
        size_t shared = 0;
        for (k = 1; k < json_array_size(ev); k++) {
            json_t *a = json_array_get(ev, k - 1), *b = json_array_get(ev, k);
            assert_int_equal(strncmp(json_string_value(json_object_get(b, "id")), "MTOKEN:", 7), 0);
            assert_int_equal(json_integer_value(json_object_get(b, "hits")),
                             json_array_size(json_object_get(b, "identifiers")));
            assert_true(json_is_boolean(json_object_get(b, "taggedMalicious")));
            if (strcmp(json_string_value(json_object_get(a, "id")),
                       json_string_value(json_object_get(b, "id"))) == 0) {
                shared++;
                assert_string_not_equal(json_string_value(json_object_get(a, "recipientAddress")),
                                        json_string_value(json_object_get(b, "recipientAddress")));
            }
        }
        assert_true(shared > 0);
    }
    json_decref(ev);
}

/* URL scanResult/route and impersonation taggedMalicious filters select a
 * subset; paging through a filtered query is still exact. */
static void t_filters(void **state)
{
    struct fx *f = *state;
    json_t *all = st_sim_events(f->c, &f->sim, "demo", ST_TTP_URL, f->from, f->from + 1800);
    json_t *want = json_array(), *got, *r;
    char filter[512];
    size_t k;

    json_array_foreach(all, k, r) {
        if (strcmp(json_string_value(json_object_get(r, "scanResult")), "malicious") == 0 &&
            strcmp(json_string_value(json_object_get(r, "route")), "inbound") == 0)
            json_array_append(want, r);
    }
    assert_true(json_array_size(want) > 0 && json_array_size(want) < json_array_size(all));
    make_filter(filter, sizeof(filter), ST_TTP_URL, f->from, f->from + 1799,
                "\"scanResult\":\"malicious\",\"route\":\"inbound\",\"oldestFirst\":true");
    {
        struct st_walk w = {.log = ST_TTP_URL, .filter = filter, .page_size = 37};
        st_walk_run(f->c, &f->sim, &f->v2, &w);
        got = json_incref(w.records);
        st_walk_fini(&w);
    }
    st_assert_same_records(got, want, false);
    json_decref(got);
    json_decref(want);
    json_decref(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_walk_audit),
        cmocka_unit_test(t_walk_dlp),
        cmocka_unit_test(t_walk_rejection),
        cmocka_unit_test(t_walk_ttp_url),
        cmocka_unit_test(t_walk_ttp_impersonation),
        cmocka_unit_test(t_walk_ttp_attachment),
        cmocka_unit_test(t_walk_v1_and_token_only),
        cmocka_unit_test(t_rejections_need_admin),
        cmocka_unit_test(t_window_ends_inclusive),
        cmocka_unit_test(t_date_forms),
        cmocka_unit_test(t_bad_dates_fail_in_200),
        cmocka_unit_test(t_default_window),
        cmocka_unit_test(t_page_size_default_and_clamp),
        cmocka_unit_test(t_page_token_replay_and_scope),
        cmocka_unit_test(t_http_errors),
        cmocka_unit_test(t_permissions),
        cmocka_unit_test(t_records_match_samples),
        cmocka_unit_test(t_record_quirks),
        cmocka_unit_test(t_filters),
    };
    return cmocka_run_group_tests_name("logs", tests, setup, teardown);
}
