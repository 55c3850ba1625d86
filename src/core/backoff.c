#include "core/backoff.h"

#include "core/crypto.h"
#include "core/time.h"

static _Thread_local uint64_t state;

static uint64_t next(void)
{
    if (state == 0) {
        if (mcl_random_bytes(&state, sizeof state) || state == 0)
            state = (uint64_t)mcl_time_mono_ms() * 0x9E3779B97F4A7C15ULL | 1;
    }
    /* xorshift64*: plenty for jitter, no shared state between threads. */
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1DULL;
}

uint64_t mcl_rand_below(uint64_t n)
{
    return n ? next() % n : 0;
}

int64_t mcl_backoff_full_jitter(int64_t base_ms, int64_t cap_ms, unsigned attempt)
{
    if (base_ms < 1)
        base_ms = 1;
    if (cap_ms < base_ms)
        cap_ms = base_ms;
    int64_t ceiling = base_ms;
    for (unsigned i = 1; i < attempt && ceiling < cap_ms; i++)
        ceiling = ceiling > cap_ms / 2 ? cap_ms : ceiling * 2;
    if (ceiling > cap_ms)
        ceiling = cap_ms;
    int64_t d = (int64_t)mcl_rand_below((uint64_t)ceiling + 1);
    return d < 1 ? 1 : d;
}

int64_t mcl_backoff_add_jitter(int64_t wait_ms, double spread)
{
    if (wait_ms <= 0 || spread <= 0)
        return wait_ms < 0 ? 0 : wait_ms;
    uint64_t extra = (uint64_t)((double)wait_ms * spread);
    return wait_ms + (int64_t)mcl_rand_below(extra + 1);
}
