/* The client-side mirror of a Mimecast credential's token bucket (API.md §4).
 *
 * Mimecast's quota is per credential (user or API application) and shared by
 * every log type, so one limiter per credential is shared by all its streams.
 * It counts requests locally and resyncs from X-RateLimit-Limit/Remaining/
 * Reset (also spelled X-Rate-Limit-*) on every answer; when Remaining reaches
 * 0, or on a 429, every caller waits until the reset time. It never sleeps:
 * acquire says how long to wait and the caller schedules other work.
 *
 * Times are caller-supplied milliseconds (monotonic for deadlines, wall
 * clock only to read absolute Reset values) so the logic is testable.
 *
 * Threads: all functions on one limiter are thread-safe.
 * Ownership: the caller owns the struct (init/fini).
 */
#ifndef MCL_MIMECAST_RATELIMIT_H
#define MCL_MIMECAST_RATELIMIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define MCL_MC_RL_MIN_429_MS 1000            /* a 429 always waits at least this long */
#define MCL_MC_RL_MAX_WAIT_MS (15 * 60 * 1000) /* and never longer than this */
#define MCL_MC_RL_DEFAULT_429_MS 60000       /* 429 without Reset or Retry-After */
#define MCL_MC_RL_DEFAULT_EMPTY_MS 1000      /* Remaining 0 without Reset */
#define MCL_MC_RL_PROBE_MS 1000              /* one probe request per this, after a reset */
#define MCL_MC_RL_JITTER 0.2                 /* waits handed out are up to 20% longer */

struct mcl_mc_ratelimit {
    pthread_mutex_t lock;
    bool known;             /* a Remaining header has been seen */
    int64_t limit;          /* last X-RateLimit-Limit, -1 unknown */
    int64_t remaining;      /* local estimate */
    int64_t refill_at;      /* when the server adds a request back (Reset) */
    int64_t blocked_until;  /* nobody sends before this (429, Remaining 0) */
    int in_flight;          /* acquired, not answered yet */
};

/* Rate-limit headers of one answer, already parsed. */
struct mcl_mc_rl_info {
    bool has_limit, has_remaining, has_reset;
    int64_t limit;
    int64_t remaining;
    int64_t reset_ms;       /* wait until the reset, from mcl_mc_reset_parse() */
    int64_t retry_after_ms; /* Retry-After, -1 when absent */
};

void mcl_mc_ratelimit_init(struct mcl_mc_ratelimit *rl);
void mcl_mc_ratelimit_fini(struct mcl_mc_ratelimit *rl);

/* MCL_OK: send now (the request is counted). MCL_ERATELIMIT: do not send;
 * *wait_ms (jittered) says when to try again. */
int mcl_mc_ratelimit_acquire(struct mcl_mc_ratelimit *rl, int64_t now_ms, int64_t *wait_ms);
/* The acquired request got no answer (transport error, not sent). */
void mcl_mc_ratelimit_release(struct mcl_mc_ratelimit *rl);
/* The acquired request got an answer with these headers. */
void mcl_mc_ratelimit_update(struct mcl_mc_ratelimit *rl, int64_t now_ms,
                             const struct mcl_mc_rl_info *info, bool is_429);
/* How long callers must still wait (jittered), 0 when they may send. */
int64_t mcl_mc_ratelimit_wait(struct mcl_mc_ratelimit *rl, int64_t now_ms);

/* X-RateLimit-Reset as a wait in ms (API.md §4.2): a number; > 1e12 is an
 * epoch in ms, > 1e9 an epoch in s (relative to now_wall_ms, past = 0),
 * otherwise a duration in ms. MCL_EPARSE for anything else (garbage,
 * negative, NaN). Not clamped. */
int mcl_mc_reset_parse(const char *s, int64_t now_wall_ms, int64_t *wait_ms);
int64_t mcl_mc_clamp_ms(int64_t v, int64_t lo, int64_t hi);

#endif
