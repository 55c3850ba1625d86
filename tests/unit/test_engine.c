/* The engine's scheduler: bounded concurrency, no task overlapping itself,
 * due times honoured in order, stop wakes everyone promptly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "core/err.h"
#include "core/time.h"
#include "engine/engine.h"

static atomic_int running, max_running, inits, finis;

struct counting_task {
    atomic_int in_step;
    int steps, want;
    bool overlapped;
};

static void note_running(int delta)
{
    int now = atomic_fetch_add(&running, delta) + delta;
    int m = atomic_load(&max_running);
    while (now > m && !atomic_compare_exchange_weak(&max_running, &m, now))
        ;
}

static enum mcl_task_next counting_step(void *arg, void *ctx, int64_t *delay)
{
    struct counting_task *t = arg;
    assert_non_null(ctx);
    if (atomic_fetch_add(&t->in_step, 1) != 0)
        t->overlapped = true;
    note_running(1);
    /* Some work so that steps of different tasks really overlap in time. */
    volatile uint64_t x = 0;
    for (int i = 0; i < 200000; i++)
        x += (uint64_t)i;
    note_running(-1);
    atomic_fetch_sub(&t->in_step, 1);
    *delay = 0;
    return ++t->steps >= t->want ? MCL_TASK_DONE : MCL_TASK_AGAIN;
}

static void *w_init(void *arg)
{
    atomic_fetch_add(&inits, 1);
    return arg;
}

static void w_fini(void *ctx, void *arg)
{
    atomic_fetch_add(&finis, 1);
}

static void t_bounded_and_complete(void **state)
{
    static int token;
    struct mcl_engine_opts o = {.max_threads = 3, .worker_init = w_init, .worker_fini = w_fini,
                                .worker_arg = &token};
    struct mcl_engine *e;
    struct counting_task tasks[8] = {0};
    atomic_store(&running, 0);
    atomic_store(&max_running, 0);
    atomic_store(&inits, 0);
    atomic_store(&finis, 0);
    assert_int_equal(mcl_engine_create(&o, &e), MCL_OK);
    for (int i = 0; i < 8; i++) {
        tasks[i].want = 5 + i;
        assert_int_equal(mcl_engine_add_task(e, counting_step, &tasks[i], 0), MCL_OK);
    }
    assert_int_equal(mcl_engine_start(e), MCL_OK);
    assert_true(mcl_engine_wait(e, 30000));
    mcl_engine_destroy(e);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(tasks[i].steps, 5 + i);
        assert_false(tasks[i].overlapped);
    }
    assert_true(atomic_load(&max_running) <= 3);
    assert_int_equal(atomic_load(&inits), 3);
    assert_int_equal(atomic_load(&finis), 3);
}

struct order_task {
    int id;
    int *log;
    atomic_int *n;
};

static enum mcl_task_next order_step(void *arg, void *ctx, int64_t *delay)
{
    struct order_task *t = arg;
    t->log[atomic_fetch_add(t->n, 1)] = t->id;
    return MCL_TASK_DONE;
}

static void t_due_times_in_order(void **state)
{
    struct mcl_engine_opts o = {.max_threads = 1};
    struct mcl_engine *e;
    int log[4];
    atomic_int n = 0;
    struct order_task t[4] = {{0, log, &n}, {1, log, &n}, {2, log, &n}, {3, log, &n}};
    const int64_t delays[4] = {120, 0, 60, 30};
    assert_int_equal(mcl_engine_create(&o, &e), MCL_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(mcl_engine_add_task(e, order_step, &t[i], delays[i]), MCL_OK);
    int64_t t0 = mcl_time_mono_ms();
    assert_int_equal(mcl_engine_start(e), MCL_OK);
    assert_true(mcl_engine_wait(e, 10000));
    assert_true(mcl_time_mono_ms() - t0 >= 120); /* the last one waited for its due time */
    mcl_engine_destroy(e);
    assert_int_equal(log[0], 1);
    assert_int_equal(log[1], 3);
    assert_int_equal(log[2], 2);
    assert_int_equal(log[3], 0);
}

static enum mcl_task_next far_step(void *arg, void *ctx, int64_t *delay)
{
    atomic_fetch_add((atomic_int *)arg, 1);
    *delay = 3600 * 1000;
    return MCL_TASK_AGAIN;
}

static void t_stop_is_prompt(void **state)
{
    struct mcl_engine_opts o = {.max_threads = 2};
    struct mcl_engine *e;
    atomic_int calls = 0;
    assert_int_equal(mcl_engine_create(&o, &e), MCL_OK);
    assert_int_equal(mcl_engine_add_task(e, far_step, &calls, 0), MCL_OK);
    assert_int_equal(mcl_engine_add_task(e, far_step, &calls, 0), MCL_OK);
    assert_int_equal(mcl_engine_start(e), MCL_OK);
    /* Not done within the timeout: both tasks wait an hour. */
    assert_false(mcl_engine_wait(e, 200));
    assert_int_equal(atomic_load(&calls), 2);
    int64_t t0 = mcl_time_mono_ms();
    mcl_engine_stop(e);
    assert_true(mcl_engine_stopping(e));
    assert_int_equal(atomic_load(mcl_engine_cancel_flag(e)), 1);
    mcl_engine_destroy(e);
    assert_true(mcl_time_mono_ms() - t0 < 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_bounded_and_complete),
        cmocka_unit_test(t_due_times_in_order),
        cmocka_unit_test(t_stop_is_prompt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
