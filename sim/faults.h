/* mcsim -- fault injection schedules.
 *
 * A rule fires on a request when its type is being asked about, its path and
 * account filters match, the request is the (after + k*every)-th matching
 * one (k >= 1; every=1: each one after the first `after`), the rule has
 * fired fewer than `count` times, and a draw from its own seeded PRNG is
 * below `prob`.  Draws happen in request order, so a given sequence of
 * requests always sees the same faults.
 *
 * Faults change how events are delivered, never which events exist.
 *
 * Ownership: struct sim_faults borrows the rules of the configuration passed
 * to sim_faults_create() (which must outlive it); it is internally locked.
 */
#ifndef MCSIM_FAULTS_H
#define MCSIM_FAULTS_H

#include <stdint.h>

#include "sim.h"

struct sim_faults;

struct sim_faults *sim_faults_create(const struct sim_config *cfg);
void sim_faults_destroy(struct sim_faults *f);

/* Returns the rule that fires for this request, or NULL.  Every rule of that
 * type whose filters match counts the request, whether or not it fires.
 * account may be NULL (unidentified caller: account filters never match). */
const struct sim_fault_rule *sim_faults_fire(struct sim_faults *f, int type, const char *path,
                                             const char *account);

/* Cheap pre-check: is any rule of this type configured? */
int sim_faults_any(const struct sim_faults *f, int type);

#endif
