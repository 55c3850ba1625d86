/* Time: instants are int64 milliseconds since the Unix epoch, always UTC.
 *
 * Parsing accepts every form the Mimecast API is known to use (API.md §3.0,
 * PEERS.md §2 item 15): "2024-11-17T20:16:00+0000", "+00:00", "+00", "Z",
 * fractional seconds, a space instead of "T", date only, and epoch seconds or
 * milliseconds written as digits. An offset is applied, never ignored: the
 * result is the same instant whatever zone the text was written in. Text with
 * no zone at all is read as UTC.
 */
#ifndef MCL_CORE_TIME_H
#define MCL_CORE_TIME_H

#include <stddef.h>
#include <stdint.h>

#define MCL_TIME_TEXT_MAX 40

int64_t mcl_time_now_ms(void);  /* wall clock */
int64_t mcl_time_mono_ms(void); /* monotonic, for deadlines and rates */

int mcl_time_parse(const char *s, int64_t *ms);
int mcl_time_parse_n(const char *s, size_t n, int64_t *ms);

/* "2024-11-17T20:16:00+0000": what Mimecast's log filters document (seconds). */
void mcl_time_format_mimecast(int64_t ms, char out[MCL_TIME_TEXT_MAX]);
/* "2024-11-17T20:16:00.123Z" (RFC 3339 with milliseconds). */
void mcl_time_format_rfc3339(int64_t ms, char out[MCL_TIME_TEXT_MAX]);
/* "Tue, 24 Nov 2015 12:50:11 UTC": the API 1.0 x-mc-date header. */
void mcl_time_format_rfc1123(int64_t ms, char out[MCL_TIME_TEXT_MAX]);

/* Durations such as "7d", "5m", "1h30m", "250ms", "0"; units ms s m h d w. */
int mcl_duration_parse(const char *s, int64_t *ms);
/* Human form of a duration, e.g. "1d2h", "5m", "0s". */
void mcl_duration_format(int64_t ms, char out[MCL_TIME_TEXT_MAX]);
/* Sizes such as "64MiB", "10MB", "4096", units B KB KiB MB MiB GB GiB TB TiB. */
int mcl_size_parse(const char *s, uint64_t *bytes);

#endif
