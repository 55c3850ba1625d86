/* mcsim -- deterministic event timelines and record rendering.
 *
 * Event i of (account, log type) is a pure function of (seed, account name,
 * log type, i): its time, visibility and content never change, so every
 * request, process and test sees the same record.
 *
 * Timeline: with rate r = R/10^6 events/s and origin t0, event i lies at
 *     t_i = t0 + floor((i + u_i) / r),  u_i = k_i / 65536 in [0, 1)
 * with k_i hash-derived.  (i + u_i) is strictly increasing, so t_i is
 * non-decreasing, and "first event at or after t" has a closed form (O(1)):
 * no scan of the population, whatever its size.
 *
 * Ownership: no allocation here except in the caller-provided sim_buf.
 */
#ifndef MCSIM_DATA_H
#define MCSIM_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "sim.h"

struct sim_stream {
    uint64_t key;        /* hash(seed, account, log) */
    uint64_t rate_micro; /* events per 10^6 s */
    int64_t t0;          /* timeline origin, epoch seconds */
};

struct sim_late {
    uint64_t threshold; /* event is late when hash < threshold (fraction * 2^64) */
    int64_t max_delay;  /* seconds, >= 1 when threshold != 0 */
};

enum sim_route {
    SIM_ROUTE_ALL = 0,
    SIM_ROUTE_INBOUND,
    SIM_ROUTE_OUTBOUND,
    SIM_ROUTE_INTERNAL,
    SIM_ROUTE_EXTERNAL,
};

enum sim_verdict {
    SIM_VERDICT_ALL = 0,
    SIM_VERDICT_CLEAN, /* TTP URL "clean", attachment "safe" */
    SIM_VERDICT_MALICIOUS,
};

/* Request filters that select a subset of a stream (checked per event). */
struct sim_filter {
    uint8_t route;   /* enum sim_route */
    uint8_t verdict; /* enum sim_verdict: URL scanResult, attachment result,
                      * impersonation taggedMalicious */
};

void sim_stream_init(struct sim_stream *s, const struct sim_account *a, int log, int64_t t0);
int64_t sim_stream_time(const struct sim_stream *s, uint64_t i);
/* Number of events with time < t (= index of the first event at or after t). */
uint64_t sim_stream_count_before(const struct sim_stream *s, int64_t t);

void sim_late_init(struct sim_late *l, double fraction, int64_t max_delay);
/* Delay (s) after its event time before event i is served; 0 = not late. */
int64_t sim_event_delay(const struct sim_stream *s, const struct sim_late *l, uint64_t i);
static inline bool sim_event_visible(const struct sim_stream *s, const struct sim_late *l,
                                     uint64_t i, int64_t t_i, int64_t now)
{
    if (t_i > now)
        return false;
    if (l->threshold == 0 || t_i + l->max_delay <= now)
        return true;
    return t_i + sim_event_delay(s, l, i) <= now;
}

bool sim_filter_is_all(const struct sim_filter *f);
bool sim_event_matches(const struct sim_stream *s, int log, uint64_t i, const struct sim_filter *f);

/* Append event i (time t) as one compact JSON object. */
void sim_event_render(struct sim_buf *b, const struct sim_account *a, const struct sim_stream *s,
                      int log, uint64_t i, int64_t t, int date_style);

/* Checks that every table string rendered without escaping is JSON-safe.
 * Returns 0 or SIM_EINVAL. */
int sim_data_selfcheck(void);

#endif
