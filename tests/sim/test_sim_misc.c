/* mcsim process behaviour: determinism across processes, scenario errors,
 * --help, loopback-only binding, signals, late events, mixed date styles,
 * request logging only with --verbose. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "simtest.h"

/* Run mcsim to completion (it must exit by itself); returns the wait status
 * and captures stdout's first line and stderr. */
static int run_to_exit(const char *const args[], char *out_line, size_t out_cap, char *err,
                       size_t err_cap)
{
    const char *argv[32];
    struct tp_proc p;
    size_t n = 0;
    int st = -1, rc;

    argv[n++] = MCSIM_PATH;
    for (const char *const *a = args; *a && n < 31; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    assert_int_equal(tp_spawn(&p, argv, NULL, TP_STDERR_PIPE), 0);
    tp_read_stderr(&p, err, err_cap, 10000);
    rc = tp_read_line(&p, out_line, out_cap, 10000);
    if (rc != 0)
        out_line[0] = '\0';
    assert_int_equal(tp_wait(&p, 10000, &st), 0);
    tp_close(&p);
    return st;
}

static void t_same_seed_same_pages(void **state)
{
    time_t start = (time(NULL) - 3 * 86400) / 60 * 60;
    char start_s[32], a[40], b[40];
    const char *args7[] = {"--seed", "7", "--start", start_s, "--rate", "all=0.2", NULL};
    const char *args8[] = {"--seed", "8", "--start", start_s, "--rate", "all=0.2", NULL};
    struct st_sim s1, s2, s3;
    struct th_client *c = th_client_create();
    struct st_auth a1, a2, a3;

    (void)state;
    snprintf(start_s, sizeof(start_s), "%lld", (long long)start);
    st_iso(a, sizeof(a), start + 3600);
    st_iso(b, sizeof(b), start + 5 * 3600);
    st_sim_start(&s1, args7);
    st_sim_start(&s2, args7);
    st_sim_start(&s3, args8);
    st_auth_v2(c, &s1, &a1);
    st_auth_v2(c, &s2, &a2);
    st_auth_v2(c, &s3, &a3);
    for (int log = 0; log < ST_LOGS; log++) {
        char body[512], *tok = NULL;
        bool differs = false;
        for (int page = 0; page < 3; page++) {
            struct th_response r1, r2, r3;
            json_t *j;
            snprintf(body, sizeof(body),
                     "{\"meta\":{\"pagination\":{\"pageSize\":40%s%s%s}},\"data\":[{\"%s\":\"%s\","
                     "\"%s\":\"%s\",\"admin\":true}]}",
                     tok ? ",\"pageToken\":\"" : "", tok ? tok : "", tok ? "\"" : "",
                     st_log_from_keys[log], a, st_log_to_keys[log], b);
            assert_int_equal(st_post(c, &s1, &a1, st_log_paths[log], body, &r1), 0);
            assert_int_equal(st_post(c, &s2, &a2, st_log_paths[log], body, &r2), 0);
            assert_int_equal(st_post(c, &s3, &a3, st_log_paths[log], body, &r3), 0);
            assert_int_equal(r1.status, 200);
            /* byte-identical, page tokens included */
            assert_int_equal(r1.body_len, r2.body_len);
            assert_memory_equal(r1.body, r2.body, r1.body_len);
            differs = differs || r1.body_len != r3.body_len ||
                      memcmp(r1.body, r3.body, r1.body_len) != 0;
            j = st_json(&r1);
            assert_int_equal(json_array_size(st_records(j, log)), 40);
            free(tok);
            tok = strdup(json_string_value(json_object_get(
                json_object_get(json_object_get(j, "meta"), "pagination"), "next")));
            json_decref(j);
            th_response_free(&r1);
            th_response_free(&r2);
            th_response_free(&r3);
        }
        free(tok);
        assert_true(differs); /* another seed, other data */
    }
    th_client_destroy(c);
    st_sim_stop(&s1);
    st_sim_stop(&s2);
    st_sim_stop(&s3);
}

static void t_scenario_syntax_error_has_line_col(void **state)
{
    char path[256], line[256], err[4096], want[300];
    const char *args[] = {"--port", "0", "--scenario", path, NULL};
    int st;

    (void)state;
    st_write_temp(path, sizeof(path), ".json",
                  "{\n  \"seed\": 1,\n  \"period\": \"7d\"\n  \"accounts\": []\n}\n");
    st = run_to_exit(args, line, sizeof(line), err, sizeof(err));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 0);
    assert_string_equal(line, ""); /* never claimed to listen */
    snprintf(want, sizeof(want), "%s:4:", path);
    if (!strstr(err, want))
        fail_msg("expected '%s<col>: ...' in stderr, got: %s", want, err);
    unlink(path);
}

static void t_scenario_semantic_errors(void **state)
{
    static const char *const bad[][2] = {
        {"{\"accounts\":[{\"name\":\"demo\",\"colour\":\"blue\"}]}", "colour"},
        {"{\"faults\":[{\"type\":\"explode\"}]}", "explode"},
        {"{\"rates\":{\"ttp_url\":\"fast\"}}", "rates.ttp_url"},
        {"{\"accounts\":[{\"name\":\"a\"},{\"name\":\"a\"}]}", "same name"},
        {"{\"accounts\":[{\"name\":\"x\",\"secret_key\":\"not base64!\"}]}", "base64"},
    };
    char path[256], line[256], err[4096];
    const char *args[] = {"--port", "0", "--scenario", path, NULL};

    (void)state;
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        int st;
        st_write_temp(path, sizeof(path), ".json", bad[k][0]);
        st = run_to_exit(args, line, sizeof(line), err, sizeof(err));
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 0);
        if (!strstr(err, bad[k][1]))
            fail_msg("case %zu: expected '%s' in: %s", k, bad[k][1], err);
        unlink(path);
    }
}

static void t_scenario_accounts_work(void **state)
{
    char path[256];
    const char *args[] = {"--scenario", path, NULL};
    struct st_sim sim;
    struct th_client *c = th_client_create();
    json_t *info;
    char tok[128];

    (void)state;
    st_write_temp(path, sizeof(path), ".json",
                  "{\"_comment\":\"two tenants\",\"seed\":3,\"period\":\"2d\",\n"
                  " \"rates\":{\"dlp\":0.5},\n"
                  " \"accounts\":[{\"name\":\"acme\",\"client_id\":\"acme-id\","
                  "\"client_secret\":\"acme-secret\",\"region\":\"de\"},\n"
                  "  {\"name\":\"globex\",\"domain\":\"globex.example\",\"rates\":{\"dlp\":0.01}}]}\n");
    st_sim_start(&sim, args);
    assert_int_equal(st_token(c, &sim, "acme-id", "acme-secret", tok, sizeof(tok)), 200);
    assert_int_equal(st_token(c, &sim, "globex-client-id", "globex-client-secret", tok,
                              sizeof(tok)),
                     200);
    assert_int_equal(st_token(c, &sim, "demo-client-id", "demo-client-secret", tok, sizeof(tok)),
                     401);
    info = st_get_json(c, &sim, "/_sim/info");
    assert_int_equal(json_array_size(json_object_get(info, "accounts")), 2);
    assert_int_equal(json_integer_value(json_object_get(info, "seed")), 3);
    json_decref(info);
    /* per-account rates: 0.5/s over 2 days vs 0.01/s */
    assert_true(st_sim_count(c, &sim, "acme", ST_DLP, 0, time(NULL) + 1) > 80000);
    assert_true(st_sim_count(c, &sim, "globex", ST_DLP, 0, time(NULL) + 1) < 2000);
    th_client_destroy(c);
    st_sim_stop(&sim);
    unlink(path);
}

static void t_help_documents_flags_and_credentials(void **state)
{
    char line[256], err[64];
    const char *args[] = {"--help", NULL};
    const char *argv[] = {MCSIM_PATH, "--help", NULL};
    static const char *const want[] = {
        "--port", "--bind", "--seed", "--period", "--start", "--rate", "--late", "--date-style",
        "--max-page-size", "--scenario", "--token-lifetime", "--v1-skew", "--region",
        "--binding-expired", "--deny", "--rate-limit", "--reset-style", "--header-style",
        "--fault", "--verbose", "http500", "http429", "slow", "truncate", "invalid_json",
        "fail200", "empty_last_page", "short_pages", "repeat_boundary", "token_expiry", "reset",
        "stale_page_token", "demo-client-id", "demo-client-secret", "demo-app-id",
        "demo-app-key", "demo-access-key", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="};
    struct tp_proc p;
    char all[16384] = "";
    int st;

    (void)state;
    st = run_to_exit(args, line, sizeof(line), err, sizeof(err));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(tp_spawn(&p, argv, NULL, 0), 0);
    while (tp_read_line(&p, line, sizeof(line), 10000) == 0) {
        size_t used = strlen(all);
        snprintf(all + used, sizeof(all) - used, "%s\n", line);
    }
    assert_int_equal(tp_wait(&p, 10000, &st), 0);
    tp_close(&p);
    for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++)
        if (!strstr(all, want[k]))
            fail_msg("--help does not mention %s", want[k]);
}

static void t_refuses_non_loopback(void **state)
{
    char line[256], err[4096];
    const char *bad[][4] = {{"--port", "0", "--bind", "0.0.0.0"},
                            {"--port", "0", "--bind", "192.0.2.1"},
                            {"--port", "0", "--bind", "example.com"}};

    (void)state;
    for (size_t k = 0; k < 3; k++) {
        const char *args[] = {bad[k][0], bad[k][1], bad[k][2], bad[k][3], NULL};
        int st = run_to_exit(args, line, sizeof(line), err, sizeof(err));
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 0);
        assert_string_equal(line, "");
        assert_non_null(strstr(err, "loopback"));
    }
}

static void t_sigint_stops_cleanly(void **state)
{
    struct st_sim sim;
    int st = -1;

    (void)state;
    st_sim_start(&sim, NULL);
    assert_int_equal(tp_signal(&sim.proc, SIGINT), 0);
    assert_int_equal(tp_wait(&sim.proc, 30000, &st), 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    tp_close(&sim.proc);
}

static void t_unknown_flag_fails(void **state)
{
    char line[256], err[4096];
    const char *args1[] = {"--port", "0", "--frobnicate", NULL};
    const char *args2[] = {"--port", "0", "--fault", "http500:2", NULL};
    const char *args3[] = {"--port", "0", "--rate", "nosuchlog=1", NULL};
    int st;

    (void)state;
    st = run_to_exit(args1, line, sizeof(line), err, sizeof(err));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    st = run_to_exit(args2, line, sizeof(line), err, sizeof(err));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    assert_non_null(strstr(err, "probability"));
    st = run_to_exit(args3, line, sizeof(line), err, sizeof(err));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
}

static bool subset(json_t *small, json_t *big)
{
    size_t ns, nb, j = 0;
    char **s = st_canon(small, &ns), **b = st_canon(big, &nb);
    bool ok = true;

    for (size_t k = 0; k < ns && ok; k++) {
        while (j < nb && strcmp(b[j], s[k]) < 0)
            j++;
        ok = j < nb && strcmp(b[j], s[k]) == 0;
        j++;
    }
    st_canon_free(s, ns);
    st_canon_free(b, nb);
    return ok;
}

/* Late events: older than the maximum delay everything is visible; recent
 * windows miss events that have not "arrived" yet; visibility only grows. */
static void t_late_events(void **state)
{
    time_t now = time(NULL), start = now - 2 * 3600;
    char start_s[32], a[40], b[40], filter[256];
    const char *args[] = {"--start", start_s, "--rate", "ttp_url=1", "--late", "0.5:1h", NULL};
    struct st_sim sim;
    struct th_client *c = th_client_create();
    struct st_auth auth;
    struct st_walk w = {.log = ST_TTP_URL, .filter = filter, .page_size = 100};
    long long old, recent;
    json_t *before, *after;

    (void)state;
    snprintf(start_s, sizeof(start_s), "%lld", (long long)start);
    st_sim_start(&sim, args);
    /* rate 1/s: exactly one event per second of the timeline */
    old = st_sim_count(c, &sim, "demo", ST_TTP_URL, start, start + 1800);
    assert_int_equal(old, 1800);
    recent = st_sim_count(c, &sim, "demo", ST_TTP_URL, now - 600, now - 60);
    assert_true(recent > 540 * 3 / 10 && recent < 540 * 8 / 10);

    before = st_sim_events(c, &sim, "demo", ST_TTP_URL, now - 600, now - 60);
    st_iso(a, sizeof(a), now - 600);
    st_iso(b, sizeof(b), now - 61);
    snprintf(filter, sizeof(filter), "{\"from\":\"%s\",\"to\":\"%s\"}", a, b);
    st_auth_v2(c, &sim, &auth);
    st_walk_run(c, &sim, &auth, &w);
    after = st_sim_events(c, &sim, "demo", ST_TTP_URL, now - 600, now - 60);
    assert_true(subset(before, w.records));
    assert_true(subset(w.records, after));
    st_walk_fini(&w);
    json_decref(before);
    json_decref(after);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

/* --end closes the timeline: nothing exists after it, however late we ask. */
static void t_end_closes_timeline(void **state)
{
    time_t now = time(NULL), start = now - 7200, end = now - 3600;
    char start_s[32], end_s[32];
    const char *args[] = {"--start", start_s, "--end", end_s, "--rate", "ttp_url=1", NULL};
    struct st_sim sim;
    struct th_client *c = th_client_create();

    (void)state;
    snprintf(start_s, sizeof(start_s), "%lld", (long long)start);
    snprintf(end_s, sizeof(end_s), "%lld", (long long)end);
    st_sim_start(&sim, args);
    /* rate 1/s: one event per second up to and including `end`, none after */
    assert_int_equal(st_sim_count(c, &sim, "demo", ST_TTP_URL, start, end + 1), 3601);
    assert_int_equal(st_sim_count(c, &sim, "demo", ST_TTP_URL, end + 1, now + 1), 0);
    assert_int_equal(st_sim_count(c, &sim, "demo", ST_TTP_URL, start, now + 3600), 3601);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

/* --date-style mixed: odd but valid forms, same instants as the default. */
static void t_mixed_date_style(void **state)
{
    time_t start = (time(NULL) - 86400) / 3600 * 3600;
    char start_s[32], a[40], b[40], filter[256];
    const char *args[] = {"--start", start_s, "--rate", "ttp_url=0.5", "--date-style", "mixed",
                          NULL};
    struct st_sim sim;
    struct th_client *c = th_client_create();
    struct st_auth auth;
    struct st_walk w = {.log = ST_TTP_URL, .filter = filter, .page_size = 500};
    json_t *events, *r;
    size_t k, n = 0;
    long long *t1, *t2;
    int forms[5] = {0};

    (void)state;
    snprintf(start_s, sizeof(start_s), "%lld", (long long)start);
    st_sim_start(&sim, args);
    st_iso(a, sizeof(a), start + 3600);
    st_iso(b, sizeof(b), start + 2 * 3600 - 1);
    snprintf(filter, sizeof(filter), "{\"from\":\"%s\",\"to\":\"%s\",\"oldestFirst\":true}", a, b);
    st_auth_v2(c, &sim, &auth);
    st_walk_run(c, &sim, &auth, &w);
    events = st_sim_events(c, &sim, "demo", ST_TTP_URL, start + 3600, start + 2 * 3600);
    assert_int_equal(json_array_size(w.records), json_array_size(events));
    t1 = calloc(json_array_size(events) + 1, sizeof(*t1));
    t2 = calloc(json_array_size(events) + 1, sizeof(*t2));
    json_array_foreach(w.records, k, r) {
        const char *d = json_string_value(json_object_get(r, "date"));
        size_t len = strlen(d);
        t1[k] = st_parse_time(d);
        assert_true(t1[k] > 0);
        if (d[len - 1] == 'Z')
            forms[0]++;
        else if (strstr(d, "+00:00"))
            forms[1]++;
        else if (strchr(d, '.'))
            forms[2]++;
        else if (strstr(d, "-0400"))
            forms[3]++;
        else if (strstr(d, "+0000"))
            forms[4]++;
    }
    json_array_foreach(events, k, r) t2[n++] = st_parse_time(
        json_string_value(json_object_get(r, "date")));
    for (k = 0; k < n; k++)
        assert_int_equal(t1[k], t2[k]); /* both oldest first: same instants in order */
    for (k = 0; k < 5; k++)
        assert_true(forms[k] > 0);
    free(t1);
    free(t2);
    st_walk_fini(&w);
    json_decref(events);
    th_client_destroy(c);
    st_sim_stop(&sim);
}

static void t_logs_requests_only_when_verbose(void **state)
{
    for (int verbose = 0; verbose < 2; verbose++) {
        const char *argv[] = {MCSIM_PATH, "--port", "0", verbose ? "--verbose" : NULL, NULL};
        struct tp_proc p;
        struct th_client *c = th_client_create();
        struct st_sim sim;
        char line[256], err[8192];
        int st;

        (void)state;
        assert_int_equal(tp_spawn(&p, argv, NULL, TP_STDERR_PIPE), 0);
        assert_int_equal(tp_read_line(&p, line, sizeof(line), 10000), 0);
        assert_int_equal(sscanf(line, "mcsim listening on 127.0.0.1:%u", &sim.port), 1);
        snprintf(sim.base, sizeof(sim.base), "http://127.0.0.1:%u", sim.port);
        assert_int_equal(st_token(c, &sim, "demo-client-id", "demo-client-secret", NULL, 0), 200);
        th_client_destroy(c);
        assert_int_equal(tp_stop(&p, 30000, &st), 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        tp_read_stderr(&p, err, sizeof(err), 10000);
        tp_close(&p);
        if (verbose)
            assert_non_null(strstr(err, "/oauth/token"));
        else
            assert_string_equal(err, "");
        /* never a secret in the log */
        assert_null(strstr(err, "demo-client-secret"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_same_seed_same_pages),
        cmocka_unit_test(t_scenario_syntax_error_has_line_col),
        cmocka_unit_test(t_scenario_semantic_errors),
        cmocka_unit_test(t_scenario_accounts_work),
        cmocka_unit_test(t_help_documents_flags_and_credentials),
        cmocka_unit_test(t_refuses_non_loopback),
        cmocka_unit_test(t_sigint_stops_cleanly),
        cmocka_unit_test(t_unknown_flag_fails),
        cmocka_unit_test(t_late_events),
        cmocka_unit_test(t_end_closes_timeline),
        cmocka_unit_test(t_mixed_date_style),
        cmocka_unit_test(t_logs_requests_only_when_verbose),
    };
    return cmocka_run_group_tests_name("misc", tests, NULL, NULL);
}
