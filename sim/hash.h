/* mcsim -- deterministic hashing and a counter-based PRNG.
 *
 * Everything mcsim serves is a pure function of the seed, so all randomness in
 * record generation goes through these helpers (no global state, no locks).
 * No ownership concerns: values only.
 */
#ifndef MCSIM_HASH_H
#define MCSIM_HASH_H

#include <stdint.h>

/* splitmix64 finaliser: a bijection on 64-bit values, so mixing a distinct
 * index always gives a distinct value -- used to make record ids unique. */
static inline uint64_t sim_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static inline uint64_t sim_hash_str(const char *s, uint64_t h)
{
    h ^= 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return sim_mix64(h);
}

struct sim_rng {
    uint64_t s;
};

static inline void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
    r->s = sim_mix64(seed ^ 0x6a09e667f3bcc909ULL);
}

static inline uint64_t sim_rng_next(struct sim_rng *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return sim_mix64(r->s);
}

/* Uniform in [0, n) (Lemire's multiply-shift; bias is negligible for n << 2^32). */
static inline uint32_t sim_rng_below(struct sim_rng *r, uint32_t n)
{
    return (uint32_t)(((sim_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [0, 1). */
static inline double sim_rng_unit(struct sim_rng *r)
{
    return (double)(sim_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

#endif
