/* Retry delays: exponential backoff with full jitter (AWS architecture blog,
 * also Fluent Bit's and Vector's default), and jitter for server-given waits
 * so that many streams told "wait 5 s" do not all return at the same instant. */
#ifndef MCL_CORE_BACKOFF_H
#define MCL_CORE_BACKOFF_H

#include <stdint.h>

/* Uniform random in [0, n) from a per-thread generator seeded from the OS. */
uint64_t mcl_rand_below(uint64_t n);

/* Delay before retry number `attempt` (1 = first retry): a uniform random
 * value in [0, min(cap, base * 2^(attempt-1))], never below 1 ms. */
int64_t mcl_backoff_full_jitter(int64_t base_ms, int64_t cap_ms, unsigned attempt);

/* `wait_ms` plus up to `spread` of it (e.g. 0.2 = up to 20% later). */
int64_t mcl_backoff_add_jitter(int64_t wait_ms, double spread);

#endif
