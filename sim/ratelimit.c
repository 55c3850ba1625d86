/* mcsim -- per-credential token buckets (see ratelimit.h).
 *
 * Model of API.md §4.1: the bucket holds `limit` requests; one request is
 * added back every `refill_ms`; X-RateLimit-Reset is the time until that
 * happens.  Integer milliseconds keep the arithmetic exact.
 */
#include "ratelimit.h"

#include <pthread.h>
#include <stdlib.h>

struct bucket {
    struct sim_ratelimit_cfg cfg;
    uint32_t tokens;
    int64_t last_ms; /* time from which the next refill is counted */
    bool started;
};

struct sim_rl {
    pthread_mutex_t mu;
    size_t n;
    struct bucket *b;
};

struct sim_rl *sim_rl_create(size_t n, const struct sim_ratelimit_cfg *cfgs)
{
    struct sim_rl *rl = calloc(1, sizeof(*rl));

    if (!rl)
        return NULL;
    rl->b = calloc(n ? n : 1, sizeof(*rl->b));
    if (!rl->b) {
        free(rl);
        return NULL;
    }
    rl->n = n;
    for (size_t k = 0; k < n; k++) {
        rl->b[k].cfg = cfgs[k];
        rl->b[k].tokens = cfgs[k].limit;
    }
    pthread_mutex_init(&rl->mu, NULL);
    return rl;
}

void sim_rl_destroy(struct sim_rl *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl->b);
    free(rl);
}

void sim_rl_take(struct sim_rl *rl, size_t k, int64_t now_ms, struct sim_rl_state *out)
{
    struct bucket *b;
    uint64_t add;

    if (k >= rl->n) {
        out->allowed = true;
        out->limit = 0;
        out->remaining = 0;
        out->reset_ms = 1;
        return;
    }
    pthread_mutex_lock(&rl->mu);
    b = &rl->b[k];
    if (!b->started || now_ms < b->last_ms) {
        b->started = true;
        b->last_ms = now_ms;
    }
    add = (uint64_t)(now_ms - b->last_ms) / b->cfg.refill_ms;
    if (add) {
        uint64_t t = b->tokens + add;
        b->tokens = t > b->cfg.limit ? b->cfg.limit : (uint32_t)t;
        b->last_ms += (int64_t)(add * b->cfg.refill_ms);
    }
    if (b->tokens >= b->cfg.limit)
        b->last_ms = now_ms; /* a full bucket does not bank refill time */
    out->allowed = b->tokens > 0;
    if (out->allowed)
        b->tokens--;
    out->limit = b->cfg.limit;
    out->remaining = b->tokens;
    out->reset_ms = (int64_t)b->cfg.refill_ms - (now_ms - b->last_ms);
    if (out->reset_ms < 1)
        out->reset_ms = 1;
    pthread_mutex_unlock(&rl->mu);
}
