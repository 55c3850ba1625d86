/* The engine: the only place mclog starts threads.
 *
 * It runs "tasks" (one per stream) on a bounded pool of worker threads. A task
 * step does one unit of work (fetch and commit one page) and says when it
 * wants to run again; between steps a task holds no thread, so a stream
 * waiting for its interval, a backoff or a rate-limit reset never blocks
 * another stream. Steps of one task never run concurrently.
 *
 * Each worker owns a context created by `worker_init` on that thread (e.g. its
 * HTTP connection), passed to every step it runs and destroyed by
 * `worker_fini` when the worker exits.
 *
 * Stop: mcl_engine_stop() (not async-signal-safe; call it from a thread) sets
 * the cancel flag that in-flight HTTP transfers watch, wakes every worker and
 * lets running steps finish; no new step starts.
 *
 * Ownership: task arguments are borrowed and must outlive the engine.
 */
#ifndef MCL_ENGINE_ENGINE_H
#define MCL_ENGINE_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct mcl_engine;

enum mcl_task_next {
    MCL_TASK_AGAIN = 0, /* run again after *delay_ms */
    MCL_TASK_DONE = 1,  /* finished: never run again */
};

/* One step of a task. Sets *delay_ms (>= 0) when returning MCL_TASK_AGAIN. */
typedef enum mcl_task_next (*mcl_task_step_fn)(void *task_arg, void *worker_ctx, int64_t *delay_ms);

struct mcl_engine_opts {
    int max_threads;                      /* upper bound on workers (>= 1) */
    void *(*worker_init)(void *arg);      /* may be NULL; NULL return = worker fails to start */
    void (*worker_fini)(void *ctx, void *arg);
    void *worker_arg;
};

int mcl_engine_create(const struct mcl_engine_opts *opts, struct mcl_engine **out);
/* Adds a task that first runs after `first_delay_ms`. Only before start. */
int mcl_engine_add_task(struct mcl_engine *e, mcl_task_step_fn step, void *arg, int64_t first_delay_ms);
/* Starts min(max_threads, tasks) workers. SIGINT/SIGTERM/SIGHUP are blocked
 * in workers so that only the main thread receives them. */
int mcl_engine_start(struct mcl_engine *e);
void mcl_engine_stop(struct mcl_engine *e);
/* Waits until every task is DONE, the engine is stopped, or `timeout_ms`
 * passes (< 0 = no timeout). Returns true when every task is done. */
bool mcl_engine_wait(struct mcl_engine *e, int64_t timeout_ms);
/* Stops if needed, joins the workers and frees the engine. */
void mcl_engine_destroy(struct mcl_engine *e);
/* The flag in-flight transfers poll; becomes non-zero on stop. */
atomic_int *mcl_engine_cancel_flag(struct mcl_engine *e);
bool mcl_engine_stopping(struct mcl_engine *e);

/* Blocks the shutdown signals in the calling thread and waits up to
 * `timeout_ms` for one; returns the signal number or 0. The main thread uses
 * it as its clock tick, so signals never interrupt library calls. */
void mcl_engine_block_signals(void);
int mcl_engine_wait_signal(int64_t timeout_ms);

#endif
