#include "engine/engine.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/log.h"
#include "core/time.h"

struct task {
    mcl_task_step_fn step;
    void *arg;
    int64_t due;   /* monotonic ms */
    bool done;
};

struct mcl_engine {
    struct mcl_engine_opts opts;
    pthread_mutex_t mu;
    pthread_cond_t wake;      /* workers: a task became due, or stop */
    pthread_cond_t finished;  /* waiters: a task finished, or stop */
    struct task *tasks;
    size_t n_tasks, cap_tasks;
    struct task **heap;       /* idle tasks ordered by due time */
    size_t n_heap;
    size_t n_done;
    pthread_t *threads;
    int n_threads;
    bool started, stopping;
    atomic_int cancel;
};

static void heap_swap(struct task **h, size_t a, size_t b)
{
    struct task *t = h[a];
    h[a] = h[b];
    h[b] = t;
}

static void heap_push(struct mcl_engine *e, struct task *t)
{
    size_t i = e->n_heap++;
    e->heap[i] = t;
    while (i > 0 && e->heap[(i - 1) / 2]->due > e->heap[i]->due) {
        heap_swap(e->heap, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static struct task *heap_pop(struct mcl_engine *e)
{
    struct task *top = e->heap[0];
    e->heap[0] = e->heap[--e->n_heap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < e->n_heap && e->heap[l]->due < e->heap[m]->due)
            m = l;
        if (r < e->n_heap && e->heap[r]->due < e->heap[m]->due)
            m = r;
        if (m == i)
            break;
        heap_swap(e->heap, i, m);
        i = m;
    }
    return top;
}

static void deadline_from_mono(int64_t due_mono, struct timespec *ts)
{
    /* The condition variables use CLOCK_MONOTONIC (set in create). */
    ts->tv_sec = (time_t)(due_mono / 1000);
    ts->tv_nsec = (long)(due_mono % 1000) * 1000000L;
}

static void *worker_main(void *arg)
{
    struct mcl_engine *e = arg;
    void *ctx = NULL;
    if (e->opts.worker_init) {
        ctx = e->opts.worker_init(e->opts.worker_arg);
        if (!ctx) {
            MCL_ERR(NULL, NULL, "a collector worker could not start (out of memory?)");
            return NULL;
        }
    }
    pthread_mutex_lock(&e->mu);
    while (!e->stopping) {
        if (e->n_heap == 0) {
            pthread_cond_wait(&e->wake, &e->mu);
            continue;
        }
        int64_t now = mcl_time_mono_ms();
        if (e->heap[0]->due > now) {
            struct timespec ts;
            deadline_from_mono(e->heap[0]->due, &ts);
            pthread_cond_timedwait(&e->wake, &e->mu, &ts);
            continue;
        }
        struct task *t = heap_pop(e);
        pthread_mutex_unlock(&e->mu);
        int64_t delay = 0;
        enum mcl_task_next next = t->step(t->arg, ctx, &delay);
        pthread_mutex_lock(&e->mu);
        if (next == MCL_TASK_DONE) {
            t->done = true;
            e->n_done++;
            pthread_cond_broadcast(&e->finished);
        } else {
            t->due = mcl_time_mono_ms() + (delay > 0 ? delay : 0);
            heap_push(e, t);
            /* Another worker may be sleeping until a later deadline. */
            pthread_cond_signal(&e->wake);
        }
    }
    pthread_mutex_unlock(&e->mu);
    if (e->opts.worker_fini)
        e->opts.worker_fini(ctx, e->opts.worker_arg);
    return NULL;
}

int mcl_engine_create(const struct mcl_engine_opts *opts, struct mcl_engine **out)
{
    int rc = MCL_ENOMEM;
    struct mcl_engine *e = calloc(1, sizeof *e);
    pthread_condattr_t ca;
    bool ca_ok = false;
    if (!e)
        goto out;
    e->opts = *opts;
    if (e->opts.max_threads < 1)
        e->opts.max_threads = 1;
    atomic_init(&e->cancel, 0);
    if (pthread_condattr_init(&ca))
        goto out;
    ca_ok = true;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (pthread_mutex_init(&e->mu, NULL))
        goto out;
    if (pthread_cond_init(&e->wake, &ca)) {
        pthread_mutex_destroy(&e->mu);
        goto out;
    }
    if (pthread_cond_init(&e->finished, &ca)) {
        pthread_cond_destroy(&e->wake);
        pthread_mutex_destroy(&e->mu);
        goto out;
    }
    *out = e;
    e = NULL;
    rc = MCL_OK;
out:
    if (ca_ok)
        pthread_condattr_destroy(&ca);
    free(e);
    return rc;
}

int mcl_engine_add_task(struct mcl_engine *e, mcl_task_step_fn step, void *arg, int64_t first_delay_ms)
{
    if (e->started)
        return MCL_EINVAL;
    if (e->n_tasks == e->cap_tasks) {
        size_t cap = e->cap_tasks ? e->cap_tasks * 2 : 16;
        struct task *nt = realloc(e->tasks, cap * sizeof *nt);
        if (!nt)
            return MCL_ENOMEM;
        e->tasks = nt;
        e->cap_tasks = cap;
    }
    struct task *t = &e->tasks[e->n_tasks++];
    t->step = step;
    t->arg = arg;
    t->due = first_delay_ms > 0 ? first_delay_ms : 0; /* made absolute at start */
    t->done = false;
    return MCL_OK;
}

void mcl_engine_block_signals(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
}

int mcl_engine_wait_signal(int64_t timeout_ms)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGHUP);
    struct timespec ts = {.tv_sec = (time_t)(timeout_ms / 1000),
                          .tv_nsec = (long)(timeout_ms % 1000) * 1000000L};
    int sig = sigtimedwait(&s, NULL, &ts);
    return sig > 0 ? sig : 0;
}

int mcl_engine_start(struct mcl_engine *e)
{
    if (e->started)
        return MCL_EINVAL;
    int rc = MCL_ENOMEM;
    e->heap = calloc(e->n_tasks ? e->n_tasks : 1, sizeof *e->heap);
    int want = e->n_tasks < (size_t)e->opts.max_threads ? (int)e->n_tasks : e->opts.max_threads;
    e->threads = calloc(want ? (size_t)want : 1, sizeof *e->threads);
    if (!e->heap || !e->threads)
        goto out;
    int64_t now = mcl_time_mono_ms();
    for (size_t i = 0; i < e->n_tasks; i++) {
        e->tasks[i].due += now;
        heap_push(e, &e->tasks[i]);
    }
    e->started = true;
    /* Workers inherit this mask: shutdown signals reach the main thread only. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    rc = MCL_OK;
    for (int i = 0; i < want; i++) {
        if (pthread_create(&e->threads[i], NULL, worker_main, e)) {
            MCL_ERR(NULL, NULL, "cannot start collector thread %d: %s", i, strerror(errno));
            rc = MCL_ENOMEM;
            break;
        }
        e->n_threads++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
out:
    return rc;
}

void mcl_engine_stop(struct mcl_engine *e)
{
    atomic_store(&e->cancel, 1);
    pthread_mutex_lock(&e->mu);
    e->stopping = true;
    pthread_cond_broadcast(&e->wake);
    pthread_cond_broadcast(&e->finished);
    pthread_mutex_unlock(&e->mu);
}

bool mcl_engine_stopping(struct mcl_engine *e)
{
    return atomic_load(&e->cancel) != 0;
}

atomic_int *mcl_engine_cancel_flag(struct mcl_engine *e)
{
    return &e->cancel;
}

bool mcl_engine_wait(struct mcl_engine *e, int64_t timeout_ms)
{
    int64_t deadline = timeout_ms >= 0 ? mcl_time_mono_ms() + timeout_ms : INT64_MAX;
    pthread_mutex_lock(&e->mu);
    while (e->n_done < e->n_tasks && !e->stopping) {
        if (deadline == INT64_MAX) {
            pthread_cond_wait(&e->finished, &e->mu);
        } else {
            if (mcl_time_mono_ms() >= deadline)
                break;
            struct timespec ts;
            deadline_from_mono(deadline, &ts);
            pthread_cond_timedwait(&e->finished, &e->mu, &ts);
        }
    }
    bool all = e->n_done == e->n_tasks;
    pthread_mutex_unlock(&e->mu);
    return all;
}

void mcl_engine_destroy(struct mcl_engine *e)
{
    if (!e)
        return;
    mcl_engine_stop(e);
    for (int i = 0; i < e->n_threads; i++)
        pthread_join(e->threads[i], NULL);
    pthread_cond_destroy(&e->finished);
    pthread_cond_destroy(&e->wake);
    pthread_mutex_destroy(&e->mu);
    free(e->threads);
    free(e->heap);
    free(e->tasks);
    free(e);
}
