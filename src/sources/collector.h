/* The collector: every configured (account, log type) stream, scheduled on
 * the engine's workers, committing each page with its checkpoint into the
 * store. This is where the window/checkpoint rules of docs/ARCHITECTURE.md
 * ("Data flow") live.
 *
 * Modes: `run` polls every stream forever (each at its account's interval);
 * `once` brings every stream up to the moment it started and then stops.
 *
 * Threads: create/start/wait/stop/destroy from one thread (main). Snapshot
 * functions may be called from any thread while it runs.
 *
 * Ownership: the config and store passed in are borrowed and must outlive the
 * collector; the collector is the store's only writer while it exists.
 */
#ifndef MCL_SOURCES_COLLECTOR_H
#define MCL_SOURCES_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "store/store.h"

struct mcl_collector;

struct mcl_collector_opts {
    bool once;                 /* stop each stream once it has caught up to the start */
    int once_max_retries;      /* once: give a stream up after this many failures in a row */
};

/* A stream's progress, copied out for displays and metrics. */
struct mcl_stream_snapshot {
    const char *account;       /* borrowed from the config */
    const char *log;
    enum mcl_stream_state state;
    bool finished;             /* once: caught up (or given up: state says which) */
    bool has_window;
    int64_t window_from, window_to;
    int64_t covered;           /* how far into the window pages have reached (event time) */
    int64_t covered_to;        /* end of the last finished window, INT64_MIN if none */
    int64_t events_new;        /* stored by this process */
    int64_t events_dup;        /* absorbed duplicates */
    int64_t pages;
    int64_t requests;
    int64_t rate_limited;      /* waits imposed by the credential's rate limit */
    int64_t retries;           /* transient failures */
    int64_t window_restarts;   /* stale page tokens */
    char last_error[512];
};

int mcl_collector_create(const struct mcl_config *cfg, struct mcl_store *store,
                         const struct mcl_collector_opts *opts, struct mcl_collector **out);
int mcl_collector_start(struct mcl_collector *c);
/* Waits up to timeout_ms (< 0: forever) for every stream to finish (once
 * mode); returns true when all have. */
bool mcl_collector_wait(struct mcl_collector *c, int64_t timeout_ms);
/* Graceful stop: in-flight transfers are aborted (their pages were not
 * committed and will be fetched again), commits in progress complete. */
void mcl_collector_stop(struct mcl_collector *c);
void mcl_collector_destroy(struct mcl_collector *c);
/* True when a stream hit a store failure: the daemon must stop. */
bool mcl_collector_fatal(struct mcl_collector *c);

size_t mcl_collector_stream_count(const struct mcl_collector *c);
void mcl_collector_snapshot(struct mcl_collector *c, size_t i, struct mcl_stream_snapshot *out);
/* Runs store maintenance (retention) under the writer lock; `run` calls it
 * periodically from the main thread. */
int mcl_collector_maintain(struct mcl_collector *c);

#endif
