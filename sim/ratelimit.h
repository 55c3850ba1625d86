/* mcsim -- token buckets, one per credential (API.md §4.1).
 *
 * Ownership: struct sim_rl is created by sim_rl_create() and released by
 * sim_rl_destroy(); it is internally locked.
 */
#ifndef MCSIM_RATELIMIT_H
#define MCSIM_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

struct sim_rl;

struct sim_rl_state {
    bool allowed;
    uint32_t limit;
    uint32_t remaining;
    int64_t reset_ms; /* ms until one request is added back (>= 1) */
};

/* cfgs[k] configures bucket k; the array is copied. */
struct sim_rl *sim_rl_create(size_t n, const struct sim_ratelimit_cfg *cfgs);
void sim_rl_destroy(struct sim_rl *rl);
/* Consume one request from bucket k if possible; always fills *out. */
void sim_rl_take(struct sim_rl *rl, size_t k, int64_t now_ms, struct sim_rl_state *out);

#endif
