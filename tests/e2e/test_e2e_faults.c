/* End to end under every mcsim fault mode, alone and all together: the
 * collector retries, restarts windows, refreshes tokens and still ends with
 * exactly mcsim's events, each once. Each fault must really have fired. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "e2e.h"

struct fault_case {
    const char *spec;      /* mcsim --fault */
    const char *counter;   /* faults.<name> that must be > 0 */
    bool v1;               /* over API 1.0 instead of 2.0 */
};

static const struct fault_case cases[] = {
    {"http500:0.2", "http5xx", false},
    {"http503:0.2", "http5xx", true},
    {"http429:0.2", "http429", false},
    {"slow:0.05@ms=250", "slow", true},
    {"truncate:0.15", "truncate", false},
    {"invalid_json:0.15", "invalid_json", true},
    {"fail200:0.15", "fail200", false},
    {"empty_last_page", "empty_last_page", true},
    {"short_pages:0.5", "short_pages", false},
    {"repeat_boundary:0.5", "repeat_boundary", true},
    {"token_expiry@every=9", "token_expiry", false},
    {"reset:0.1", "reset", true},
    {"stale_page_token:0.15", "stale_page_token", false},
};

static void run_once_exact(const char *const sim_args[], bool v1, const char *const counters[])
{
    struct e2e e;
    e2e_setup(&e, sim_args);
    e2e_config(&e, v1 ? e2e_demo_v1() : e2e_demo_v2(), NULL);
    struct e2e_run r;
    const char *args[] = {"once", "--max-retries", "30", NULL};
    e2e_mclog(&e, args, 300000, &r);
    if (r.status != 0)
        fail_msg("mclog once under %s exited %d\nstdout:\n%s\nstderr:\n%.4000s", sim_args[5],
                 r.status, r.out, r.err);
    e2e_run_free(&r);
    e2e_assert_all_exact(&e, "demo");
    const char *cred = v1 ? "demo-access-key" : "demo-client-id";
    for (const char *const *c = counters; *c; c++) {
        char name[64];
        snprintf(name, sizeof name, "faults.%s", *c);
        if (e2e_sim_counter(&e, cred, name) == 0)
            fail_msg("fault %s never fired: the test proved nothing", *c);
    }
    e2e_teardown(&e);
}

static void t_each_fault_alone(void **state)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_message("fault %s over API %s\n", cases[i].spec, cases[i].v1 ? "1.0" : "2.0");
        const char *sim[] = {"--period", "1d", "--rate", "all=0.01", "--fault", cases[i].spec,
                             "--seed", "21", NULL};
        const char *counters[] = {cases[i].counter, NULL};
        run_once_exact(sim, cases[i].v1, counters);
    }
}

static void t_all_faults_mixed(void **state)
{
    for (int v1 = 0; v1 < 2; v1++) {
        const char *sim[] = {"--period", "1d", "--rate", "all=0.01", "--fault", "http500:0.04",
                             "--fault", "http429:0.04", "--fault", "truncate:0.04",
                             "--fault", "invalid_json:0.04", "--fault", "fail200:0.04",
                             "--fault", "empty_last_page", "--fault", "short_pages:0.3",
                             "--fault", "repeat_boundary:0.3", "--fault", "token_expiry@every=13",
                             "--fault", "reset:0.03", "--fault", "stale_page_token:0.04",
                             "--fault", "slow:0.02@ms=200", "--seed", v1 ? "33" : "32",
                             "--date-style", "mixed", NULL};
        const char *counters[] = {"http5xx", "http429", "short_pages", "repeat_boundary", NULL};
        run_once_exact(sim, v1, counters);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_each_fault_alone),
        cmocka_unit_test(t_all_faults_mixed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
