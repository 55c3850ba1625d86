/* End to end, the operator's view: rate limits honoured, token expiry
 * survived, a forbidden log type parked while the others complete, an expired
 * API 1.0 binding and a wrong region explained in words, `mclog check`, and
 * `mclog run` stopped by SIGTERM with nothing lost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "e2e.h"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void run(struct e2e *e, const char *const args[], int want_status, struct e2e_run *r)
{
    e2e_mclog(e, args, 300000, r);
    if (r->status != want_status)
        fail_msg("mclog %s exited %d, wanted %d\nstdout:\n%s\nstderr:\n%.4000s", args[0],
                 r->status, want_status, r->out, r->err);
}

static void t_429_storm_within_quota(void **state)
{
    struct e2e e;
    /* A bucket of 5 requests, one more every 100 ms, shared by six streams. */
    const char *sim[] = {"--period", "1d", "--rate", "all=0.005", "--rate-limit", "5:100",
                         "--seed", "51", NULL};
    e2e_setup(&e, sim);
    e2e_config(&e, e2e_demo_v2(), NULL);
    struct e2e_run r;
    const char *args[] = {"once", NULL};
    int64_t t0 = mono_ms();
    run(&e, args, 0, &r);
    int64_t elapsed = mono_ms() - t0;
    e2e_run_free(&r);
    long long requests = e2e_sim_counter(&e, "demo-client-id", "requests");
    long long limited = e2e_sim_counter(&e, "demo-client-id", "status_429");
    long long allowed = 5 + elapsed / 100;
    print_message("%lld requests (%lld answered 429) in %lld ms; the quota allowed %lld\n",
                  requests, limited, (long long)elapsed, allowed);
    assert_true(requests > 30);              /* the quota really was the bottleneck */
    assert_true(requests <= allowed + 6);    /* slack: one in flight per stream */
    assert_true(limited <= 12);              /* it waits instead of hammering */
    e2e_assert_all_exact(&e, "demo");
    e2e_teardown(&e);
}

static void t_token_expiry_mid_run(void **state)
{
    struct e2e e;
    const char *sim[] = {"--period", "1d", "--rate", "all=0.01", "--fault", "token_expiry@every=7",
                         "--seed", "52", NULL};
    e2e_setup(&e, sim);
    e2e_config(&e, e2e_demo_v2(), NULL);
    struct e2e_run r;
    const char *args[] = {"once", NULL};
    run(&e, args, 0, &r);
    e2e_run_free(&r);
    assert_true(e2e_sim_counter(&e, "demo-client-id", "faults.token_expiry") >= 3);
    assert_true(e2e_sim_counter(&e, "demo-client-id", "tokens_issued") >= 3);
    e2e_assert_all_exact(&e, "demo");
    e2e_teardown(&e);
}

static void t_one_log_forbidden_others_complete(void **state)
{
    struct e2e e;
    const char *sim[] = {"--period", "1d", "--rate", "all=0.01", "--deny", "dlp", "--seed", "53",
                         NULL};
    e2e_setup(&e, sim);
    e2e_config(&e, e2e_demo_v2(), NULL);
    struct e2e_run r;
    const char *args[] = {"once", NULL};
    run(&e, args, 1, &r);
    assert_non_null(strstr(r.out, "1 of 6 streams failed"));
    e2e_run_free(&r);
    json_t *st = e2e_status(&e);
    json_t *dlp = e2e_status_entry(st, "demo", "dlp");
    assert_string_equal(json_string_value(json_object_get(dlp, "state")), "parked");
    const char *err = json_string_value(json_object_get(dlp, "last_error"));
    assert_non_null(err);
    assert_non_null(strstr(err, "Data Leak Prevention"));
    json_decref(st);
    const char *others[] = {"audit", "rejection", "ttp_url", "ttp_impersonation", "ttp_attachment"};
    for (size_t i = 0; i < 5; i++)
        assert_true(e2e_assert_exact(&e, "demo", others[i]) > 0);

    /* mclog check says the same, with the fix. */
    const char *check[] = {"check", NULL};
    run(&e, check, 1, &r);
    assert_non_null(strstr(r.out, "credentials (api 2.0)  PASS"));
    assert_non_null(strstr(r.out, "audit                  PASS"));
    char *line = strstr(r.out, "dlp                    FAIL");
    assert_non_null(line);
    assert_non_null(strstr(line, "Data Leak Prevention"));
    e2e_run_free(&r);
    e2e_teardown(&e);
}

static void t_expired_binding_in_words(void **state)
{
    struct e2e e;
    const char *sim[] = {"--period", "1d", "--rate", "all=0.01", "--binding-expired", NULL};
    e2e_setup(&e, sim);
    e2e_config(&e, e2e_demo_v1(), NULL);
    struct e2e_run r;
    const char *args[] = {"once", NULL};
    run(&e, args, 1, &r);
    assert_non_null(strstr(r.out, "Authentication Cache TTL to Never Expire"));
    e2e_run_free(&r);
    json_t *st = e2e_status(&e);
    json_t *a = e2e_status_entry(st, "demo", "audit");
    assert_string_equal(json_string_value(json_object_get(a, "state")), "parked");
    assert_non_null(strstr(json_string_value(json_object_get(a, "last_error")), "Never Expire"));
    json_decref(st);
    const char *check[] = {"check", NULL};
    run(&e, check, 1, &r);
    assert_non_null(strstr(r.out, "FAIL"));
    assert_non_null(strstr(r.out, "Never Expire"));
    e2e_run_free(&r);
    e2e_teardown(&e);
}

static void t_wrong_region_in_words(void **state)
{
    struct e2e e;
    /* mcsim plays the US host; the demo account lives in the EU grid. */
    const char *sim[] = {"--period", "1d", "--rate", "all=0.01", "--region", "us", NULL};
    e2e_setup(&e, sim);
    e2e_config(&e, e2e_demo_v1(), NULL);
    struct e2e_run r;
    const char *args[] = {"once", NULL};
    run(&e, args, 1, &r);
    assert_non_null(strstr(r.out, "region"));
    e2e_run_free(&r);
    json_t *st = e2e_status(&e);
    const char *err =
        json_string_value(json_object_get(e2e_status_entry(st, "demo", "ttp_url"), "last_error"));
    assert_non_null(err);
    assert_non_null(strstr(err, "region"));
    json_decref(st);
    e2e_teardown(&e);
}

static void t_check_all_pass(void **state)
{
    struct e2e e;
    const char *sim[] = {"--period", "1d", "--rate", "all=0.05", NULL};
    e2e_setup(&e, sim);
    e2e_config(&e, e2e_demo_v2(), NULL);
    struct e2e_run r;
    const char *args[] = {"check", NULL};
    run(&e, args, 0, &r);
    int passes = 0;
    for (char *p = r.out; (p = strstr(p, " PASS ")); p++)
        passes++;
    assert_int_equal(passes, 7); /* credentials + six log types */
    assert_non_null(strstr(r.out, "All checks passed."));
    e2e_run_free(&r);
    /* Wrong secret: credentials FAIL with advice naming what to check. */
    e2e_config(&e,
               "  - name: demo\n"
               "    base_url: %BASE%\n"
               "    client_id: demo-client-id\n"
               "    client_secret: not-the-secret\n",
               NULL);
    run(&e, args, 1, &r);
    assert_non_null(strstr(r.out, "credentials (api 2.0)  FAIL"));
    assert_non_null(strstr(r.out, "client_secret"));
    assert_null(strstr(r.out, "not-the-secret"));
    e2e_run_free(&r);
    e2e_teardown(&e);
}

static void t_run_stops_on_sigterm_with_nothing_lost(void **state)
{
    struct e2e e;
    const char *sim[] = {"--period", "1d", "--rate", "all=0.02", "--seed", "54", NULL};
    e2e_setup(&e, sim);
    e2e_config(&e, e2e_demo_v2(), NULL);
    for (int pass = 0; pass < 2; pass++) {
        const char *argv[] = {"/bin/sh", "-c", "exec \"$0\" run -c \"$1\" 2>&1", MCLOG_PATH, e.cfg,
                              NULL};
        struct tp_proc p;
        assert_int_equal(tp_spawn(&p, argv, NULL, 0), 0);
        /* Wait (on its log) until every stream has finished a window. */
        char seen[6] = {0}, line[8192];
        int done = 0;
        while (done < 6) {
            int rc = tp_read_line(&p, line, sizeof line, 120000);
            if (rc == -EMSGSIZE)
                continue;
            if (rc)
                fail_msg("mclog run stopped logging (rc %d) after %d streams", rc, done);
            if (!strstr(line, "collected up to"))
                continue;
            for (int i = 0; i < ST_LOGS; i++) {
                char tag[64];
                snprintf(tag, sizeof tag, "log=%s ", st_log_names[i]);
                if (strstr(line, tag) && !seen[i]) {
                    seen[i] = 1;
                    done++;
                }
            }
        }
        int64_t t0 = mono_ms();
        assert_int_equal(tp_signal(&p, SIGTERM), 0);
        int ws = 0;
        assert_int_equal(tp_wait(&p, 20000, &ws), 0);
        assert_true(WIFEXITED(ws));
        assert_int_equal(WEXITSTATUS(ws), 0);
        assert_true(mono_ms() - t0 < 10000);
        tp_close(&p);
        e2e_assert_all_exact(&e, "demo");
    }
    e2e_teardown(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_429_storm_within_quota),
        cmocka_unit_test(t_token_expiry_mid_run),
        cmocka_unit_test(t_one_log_forbidden_others_complete),
        cmocka_unit_test(t_expired_binding_in_words),
        cmocka_unit_test(t_wrong_region_in_words),
        cmocka_unit_test(t_check_all_pass),
        cmocka_unit_test(t_run_stops_on_sigterm_with_nothing_lost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
