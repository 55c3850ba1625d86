/* mcsim -- per-credential request counters for /_sim/counters.
 *
 * Credential ids: 2*k is account k's API 2.0 client id, 2*k+1 its API 1.0
 * access key, 2*n_accounts the "anonymous" bucket (no or unknown credential).
 *
 * Ownership: struct sim_counters is created by sim_counters_create() and
 * released by sim_counters_destroy(); internally locked.  It borrows cfg.
 */
#ifndef MCSIM_COUNTERS_H
#define MCSIM_COUNTERS_H

#include <stddef.h>

#include "buf.h"
#include "sim.h"

#define SIM_CRED_V2(acct) ((size_t)(acct) * 2)
#define SIM_CRED_V1(acct) ((size_t)(acct) * 2 + 1)
#define SIM_CRED_ANON(cfg) ((cfg)->n_accounts * 2)
#define SIM_CRED_COUNT(cfg) ((cfg)->n_accounts * 2 + 1)

struct sim_counters;

struct sim_counters *sim_counters_create(const struct sim_config *cfg);
void sim_counters_destroy(struct sim_counters *c);
/* One answered (or dropped: status 0) API request. */
void sim_counters_request(struct sim_counters *c, size_t cred, int status);
void sim_counters_token(struct sim_counters *c, size_t cred);
void sim_counters_fault(struct sim_counters *c, size_t cred, int type);
/* {"credentials":[...],"faults":{...}} */
void sim_counters_render(struct sim_counters *c, struct sim_buf *b);

#endif
