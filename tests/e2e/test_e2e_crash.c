/* kill -9 at random moments during a backfill, at least ten times, restarting
 * each time: the store finally holds exactly mcsim's events, each once. The
 * kill moment is chosen by counting committed pages in mclog's own debug log
 * (an event, not a timer). */
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

#define ROUNDS 12

static void t_kill9_during_backfill(void **state)
{
    struct e2e e;
    /* ~5,200 events per log type in pages of 25: hundreds of pages each. */
    const char *sim[] = {"--period", "2d", "--rate", "all=0.03", "--seed", "41", NULL};
    e2e_setup(&e, sim);
    e2e_config(&e,
               "  - name: demo\n"
               "    base_url: %BASE%\n"
               "    client_id: demo-client-id\n"
               "    client_secret: demo-client-secret\n"
               "    lookback: 30d\n"
               "    page_size: 25\n",
               "log: { level: debug }\n");
    unsigned seed = (unsigned)time(NULL);
    print_message("kill schedule seed %u\n", seed);
    srandom(seed);
    int killed_mid_run = 0, resumed = 0;
    for (int round = 0; round < ROUNDS; round++) {
        /* stderr joins stdout so the test can read the log line by line. */
        const char *argv[] = {"/bin/sh", "-c", "exec \"$0\" once -c \"$1\" 2>&1", MCLOG_PATH,
                              e.cfg, NULL};
        struct tp_proc p;
        assert_int_equal(tp_spawn(&p, argv, NULL, 0), 0);
        long want = 1 + random() % 40, pages = 0;
        char line[8192];
        bool finished = false;
        while (pages < want) {
            int rc = tp_read_line(&p, line, sizeof line, 60000);
            if (rc == -EPIPE) {
                finished = true; /* ran to the end before the kill moment */
                break;
            }
            if (rc == -EMSGSIZE)
                continue;
            assert_int_equal(rc, 0);
            if (strstr(line, " page ") && strstr(line, " records, "))
                pages++;
            if (strstr(line, "resuming the window"))
                resumed++;
        }
        if (finished) {
            int ws;
            assert_int_equal(tp_wait(&p, 60000, &ws), 0);
            tp_close(&p);
            continue;
        }
        assert_int_equal(tp_kill(&p), 0);
        tp_close(&p);
        killed_mid_run++;
    }
    print_message("%d runs killed mid-backfill; %d window resumptions seen\n", killed_mid_run,
                  resumed);
    assert_true(killed_mid_run >= 10);
    assert_true(resumed > 0); /* some kills landed inside a window, and it resumed there */

    struct e2e_run r;
    const char *args[] = {"once", NULL};
    e2e_mclog(&e, args, 600000, &r);
    if (r.status != 0)
        fail_msg("final mclog once exited %d\n%s\n%.3000s", r.status, r.out, r.err);
    e2e_run_free(&r);
    e2e_assert_all_exact(&e, "demo");
    e2e_teardown(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_kill9_during_backfill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
