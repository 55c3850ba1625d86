#include "mimecast/ratelimit.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/backoff.h"
#include "core/err.h"

void mcl_mc_ratelimit_init(struct mcl_mc_ratelimit *rl)
{
    pthread_mutex_init(&rl->lock, NULL);
    rl->known = false;
    rl->limit = -1;
    rl->remaining = 0;
    rl->refill_at = 0;
    rl->blocked_until = 0;
    rl->in_flight = 0;
}

void mcl_mc_ratelimit_fini(struct mcl_mc_ratelimit *rl)
{
    pthread_mutex_destroy(&rl->lock);
}

int64_t mcl_mc_clamp_ms(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Caller holds the lock. */
static int64_t wait_locked(const struct mcl_mc_ratelimit *rl, int64_t now)
{
    if (now < rl->blocked_until)
        return rl->blocked_until - now;
    if (rl->known && rl->remaining <= 0 && now < rl->refill_at)
        return rl->refill_at - now;
    return 0;
}

int mcl_mc_ratelimit_acquire(struct mcl_mc_ratelimit *rl, int64_t now_ms, int64_t *wait_ms)
{
    int rc = MCL_OK;
    pthread_mutex_lock(&rl->lock);
    int64_t w = wait_locked(rl, now_ms);
    if (w > 0) {
        rc = MCL_ERATELIMIT;
    } else if (rl->known && rl->remaining <= 0) {
        /* "At least 1 request is added back at each reset interval": let one
         * probe through and hold the others until its answer resyncs us. */
        rl->refill_at = now_ms + MCL_MC_RL_PROBE_MS;
        rl->in_flight++;
    } else {
        if (rl->known)
            rl->remaining--;
        rl->in_flight++;
    }
    pthread_mutex_unlock(&rl->lock);
    /* Jitter so that the streams told to wait do not all come back at once. */
    *wait_ms = rc ? mcl_backoff_add_jitter(w, MCL_MC_RL_JITTER) : 0;
    return rc;
}

void mcl_mc_ratelimit_release(struct mcl_mc_ratelimit *rl)
{
    pthread_mutex_lock(&rl->lock);
    if (rl->in_flight > 0)
        rl->in_flight--;
    pthread_mutex_unlock(&rl->lock);
}

void mcl_mc_ratelimit_update(struct mcl_mc_ratelimit *rl, int64_t now_ms,
                             const struct mcl_mc_rl_info *info, bool is_429)
{
    pthread_mutex_lock(&rl->lock);
    if (rl->in_flight > 0)
        rl->in_flight--;
    if (info->has_limit)
        rl->limit = info->limit;
    if (info->has_reset)
        rl->refill_at = now_ms + mcl_mc_clamp_ms(info->reset_ms, 0, MCL_MC_RL_MAX_WAIT_MS);
    if (info->has_remaining) {
        rl->known = true;
        /* Requests still in flight may not be counted in this answer yet:
         * assume they were not (the conservative side). */
        rl->remaining = info->remaining - rl->in_flight;
        if (rl->remaining < 0)
            rl->remaining = 0;
        if (info->remaining <= 0 && !info->has_reset)
            rl->refill_at = now_ms + MCL_MC_RL_DEFAULT_EMPTY_MS;
    }
    if (is_429) {
        int64_t w = -1;
        if (info->has_reset)
            w = info->reset_ms;
        if (info->retry_after_ms > w)
            w = info->retry_after_ms;
        if (w < 0)
            w = MCL_MC_RL_DEFAULT_429_MS;
        w = mcl_mc_clamp_ms(w, MCL_MC_RL_MIN_429_MS, MCL_MC_RL_MAX_WAIT_MS);
        if (now_ms + w > rl->blocked_until)
            rl->blocked_until = now_ms + w;
        rl->known = true;
        rl->remaining = 0;
        if (rl->refill_at < rl->blocked_until)
            rl->refill_at = rl->blocked_until;
    }
    pthread_mutex_unlock(&rl->lock);
}

int64_t mcl_mc_ratelimit_wait(struct mcl_mc_ratelimit *rl, int64_t now_ms)
{
    pthread_mutex_lock(&rl->lock);
    int64_t w = wait_locked(rl, now_ms);
    pthread_mutex_unlock(&rl->lock);
    return w > 0 ? mcl_backoff_add_jitter(w, MCL_MC_RL_JITTER) : 0;
}

int mcl_mc_reset_parse(const char *s, int64_t now_wall_ms, int64_t *wait_ms)
{
    if (!s)
        return MCL_EPARSE;
    while (isspace((unsigned char)*s))
        s++;
    /* Plain decimal only: no sign, exponent, hex, "inf" or "nan". */
    size_t n = strspn(s, "0123456789.");
    if (n == 0 || n > 24)
        return MCL_EPARSE;
    for (const char *t = s + n; *t; t++) {
        if (!isspace((unsigned char)*t))
            return MCL_EPARSE;
    }
    char num[32], *end;
    memcpy(num, s, n);
    num[n] = '\0';
    double v = strtod(num, &end);
    if (*end || !isfinite(v) || v < 0 || v > 1e16)
        return MCL_EPARSE;
    double w;
    if (v > 1e12)
        w = v - (double)now_wall_ms;          /* epoch milliseconds */
    else if (v > 1e9)
        w = v * 1000.0 - (double)now_wall_ms; /* epoch seconds */
    else
        w = v;                                /* documented: ms until a request is added back */
    if (w < 0)
        w = 0;
    int64_t iw = (int64_t)w;
    *wait_ms = (double)iw < w ? iw + 1 : iw; /* round up: never come back early */
    return MCL_OK;
}
