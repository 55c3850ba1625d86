/* End to end: every log type collected from mcsim by `mclog once`, over API
 * 2.0 and API 1.0, for one and for two accounts: the store holds exactly the
 * events mcsim has, each once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"

static void once_ok(struct e2e *e)
{
    struct e2e_run r;
    const char *args[] = {"once", NULL};
    e2e_mclog(e, args, 300000, &r);
    if (r.status != 0)
        fail_msg("mclog once exited %d\nstdout:\n%s\nstderr:\n%.4000s", r.status, r.out, r.err);
    assert_non_null(strstr(r.out, "streams failed (all good)"));
    e2e_run_free(&r);
}

static void t_v2_all_six_exact(void **state)
{
    struct e2e e;
    const char *sim[] = {"--period", "1d", "--rate", "all=0.01", "--seed", "11", NULL};
    e2e_setup(&e, sim);
    e2e_config(&e, e2e_demo_v2(), NULL);
    once_ok(&e);
    e2e_assert_all_exact(&e, "demo");
    /* A second run finds nothing new and stores no duplicate. */
    once_ok(&e);
    e2e_assert_all_exact(&e, "demo");
    e2e_teardown(&e);
}

static void t_v1_all_six_exact_with_odd_dates(void **state)
{
    struct e2e e;
    const char *sim[] = {"--period", "1d", "--rate", "all=0.01", "--seed", "12", "--date-style",
                         "mixed", NULL};
    e2e_setup(&e, sim);
    e2e_config(&e, e2e_demo_v1(), NULL);
    once_ok(&e);
    e2e_assert_all_exact(&e, "demo");
    assert_true(e2e_sim_counter(&e, "demo-access-key", "status_2xx") > 6);
    assert_int_equal(e2e_sim_counter(&e, "demo-client-id", "requests"), 0);
    e2e_teardown(&e);
}

static void t_two_accounts_different_credentials_and_rates(void **state)
{
    char scen[512];
    st_write_temp(scen, sizeof scen, ".json",
                  "{\"seed\":5,\"period\":\"1d\",\"accounts\":["
                  "{\"name\":\"north\",\"rates\":{\"audit\":0.01,\"dlp\":0.02,\"rejection\":0.005,"
                  "\"ttp_url\":0.01,\"ttp_impersonation\":0.004,\"ttp_attachment\":0.01}},"
                  "{\"name\":\"south\",\"region\":\"eu\",\"rates\":{\"audit\":0.002,\"dlp\":0.003,"
                  "\"rejection\":0.03,\"ttp_url\":0.02,\"ttp_impersonation\":0.01,"
                  "\"ttp_attachment\":0.004}}]}");
    struct e2e e;
    const char *sim[] = {"--scenario", scen, NULL};
    e2e_setup(&e, sim);
    e2e_config(&e,
               "  - name: north\n"
               "    base_url: %BASE%\n"
               "    client_id: north-client-id\n"
               "    client_secret: north-client-secret\n"
               "    lookback: 30d\n"
               "    page_size: 40\n"
               "  - name: south\n"
               "    api: v1\n"
               "    base_url: %BASE%\n"
               "    app_id: south-app-id\n"
               "    app_key: south-app-key\n"
               "    access_key: south-access-key\n"
               "    secret_key: MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"
               "    lookback: 30d\n"
               "    page_size: 60\n",
               NULL);
    once_ok(&e);
    e2e_assert_all_exact(&e, "north");
    e2e_assert_all_exact(&e, "south");
    assert_true(e2e_sim_counter(&e, "north-client-id", "status_2xx") > 6);
    assert_true(e2e_sim_counter(&e, "south-access-key", "status_2xx") > 6);
    e2e_teardown(&e);
    unlink(scen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_v2_all_six_exact),
        cmocka_unit_test(t_v1_all_six_exact_with_odd_dates),
        cmocka_unit_test(t_two_accounts_different_credentials_and_rates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
