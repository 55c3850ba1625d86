/* tests/e2e -- helpers for end-to-end tests: mclog and mcsim as real
 * processes on loopback, the store checked against mcsim's ground truth.
 *
 * Every helper that can fail asserts with cmocka, so a broken precondition
 * fails the calling test. Waits are on events (a process exit, a line on a
 * pipe) with deadlines; nothing sleeps to let things settle.
 *
 * Ownership: json_t values returned are new references; strings returned are
 * allocated (free them).
 */
#ifndef MCL_E2E_H
#define MCL_E2E_H

#include <jansson.h>
#include <stdbool.h>

#include "simtest.h"

struct e2e {
    char dir[256];          /* private temporary directory */
    char cfg[320];          /* <dir>/mclog.yaml */
    char db[320];           /* <dir>/mclog.db */
    struct st_sim sim;
    bool sim_running;
    struct th_client *http;
};

/* Temporary directory, HTTP client; mcsim started with `sim_args`. */
void e2e_setup(struct e2e *e, const char *const sim_args[]);
/* Stops mcsim (asserting a clean exit) and removes the directory. */
void e2e_teardown(struct e2e *e);

/* Writes <dir>/mclog.yaml: the store path, quick retries, `extra_yaml` (top
 * level sections; one with "log:" replaces the default log section), and
 * `accounts` (YAML list items, "%BASE%" replaced by mcsim's URL). */
void e2e_config(struct e2e *e, const char *accounts_yaml, const char *extra_yaml);
/* An accounts item for mcsim's demo account over API 2.0 or 1.0. */
const char *e2e_demo_v2(void);
const char *e2e_demo_v1(void);

struct e2e_run {
    int status;             /* exit status, or 128+signal */
    char *out;              /* stdout */
    char *err;              /* stderr */
};

/* Runs `mclog ARGS... -c <cfg>` to completion (deadline timeout_ms, then the
 * test fails). */
void e2e_mclog(struct e2e *e, const char *const args[], int timeout_ms, struct e2e_run *r);
void e2e_run_free(struct e2e_run *r);

/* `mclog status --json` parsed; the entry for (account, log) borrowed from it. */
json_t *e2e_status(struct e2e *e);
json_t *e2e_status_entry(json_t *status, const char *account, const char *log);

/* The store holds exactly the events mcsim has for (account, log) with event
 * time up to the stream's covered_to (inclusive): same multiset of records,
 * no duplicate. Event times are compared as instants, so --date-style mixed
 * is fine. Returns the number of events. */
long e2e_assert_exact(struct e2e *e, const char *account, const char *log);
/* The same for every log type of the account. */
void e2e_assert_all_exact(struct e2e *e, const char *account);

/* An integer from mcsim's /_sim/counters: counters.<credential>.<name>. */
long long e2e_sim_counter(struct e2e *e, const char *credential, const char *name);

#endif
