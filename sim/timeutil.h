/* mcsim -- calendar arithmetic, date parsing and formatting.
 *
 * Pure functions on epoch seconds (UTC, proleptic Gregorian); no libc time
 * zone state is touched (gmtime/localtime are banned by the house rules).
 * Ownership: output buffers are caller-provided.
 */
#ifndef MCSIM_TIMEUTIL_H
#define MCSIM_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

int64_t sim_days_from_civil(int64_t y, unsigned m, unsigned d);
void sim_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* ISO 8601 / RFC 3339 forms accepted by the real API (API.md §3.0):
 *   2011-12-03T10:15:30+0000  2015-11-16T14:49:18+00:00  2024-11-12T16:22:16Z
 *   with optional fractional seconds, any offset (+05:30, -0400, -04), no zone
 *   (= UTC), a space instead of 'T', or a bare date (midnight UTC).
 * On success *sec is the floor of the instant and *frac_ns its fraction. */
int sim_time_parse_iso(const char *s, int64_t *sec, long *frac_ns);

/* Epoch seconds ("1731801600") or any ISO form above. */
int sim_time_parse_any(const char *s, int64_t *sec, long *frac_ns);

/* RFC 1123 date as used in x-mc-date: "Tue, 24 Nov 2015 12:50:11 UTC" (zone
 * UTC or GMT; weekday optional and not cross-checked). */
int sim_time_parse_rfc1123(const char *s, int64_t *sec);

enum sim_time_fmt {
    SIM_TFMT_PLUS0000 = 0, /* 2024-11-17T20:16:00+0000 (the API's own form) */
    SIM_TFMT_Z,            /* 2024-11-17T20:16:00Z */
    SIM_TFMT_COLON,        /* 2024-11-17T20:16:00+00:00 */
    SIM_TFMT_FRAC,         /* 2024-11-17T20:16:00.000+0000 */
    SIM_TFMT_OFFSET,       /* local time with a numeric offset, e.g. -0400 */
};

/* Writes at most 32 bytes incl. NUL into out; returns the length.
 * offset_min is used by SIM_TFMT_OFFSET only. */
size_t sim_time_format(char *out, int64_t t, int fmt, int offset_min);

/* RFC 1123 "Tue, 24 Nov 2015 12:50:11 GMT"-style text with the given zone. */
size_t sim_time_format_rfc1123(char *out, size_t outlen, int64_t t, const char *zone);

#endif
