#include "core/time.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/err.h"

int64_t mcl_time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mcl_time_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Reads exactly n digits. */
static int digits(const char *s, size_t len, size_t *pos, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (*pos >= len || !isdigit((unsigned char)s[*pos]))
            return MCL_EPARSE;
        v = v * 10 + (s[(*pos)++] - '0');
    }
    *out = v;
    return MCL_OK;
}

static int parse_epoch(const char *s, size_t n, int64_t *ms)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]) || v > (INT64_MAX - 9) / 10)
            return MCL_EPARSE;
        v = v * 10 + (s[i] - '0');
    }
    /* 12 digits or more cannot be seconds before the year 5000. */
    *ms = n >= 12 ? v : v * 1000;
    return MCL_OK;
}

int mcl_time_parse_n(const char *s, size_t len, int64_t *ms)
{
    while (len && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    if (len == 0)
        return MCL_EPARSE;
    if (len >= 9 && strspn(s, "0123456789") >= len)
        return parse_epoch(s, len, ms);

    size_t p = 0;
    int year, mon, day, hh = 0, mm = 0, ss = 0, frac_ms = 0;
    if (digits(s, len, &p, 4, &year) || p >= len || s[p++] != '-' || digits(s, len, &p, 2, &mon) ||
        p >= len || s[p++] != '-' || digits(s, len, &p, 2, &day))
        return MCL_EPARSE;
    if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon))
        return MCL_EPARSE;
    int offset_min = 0;
    if (p < len) {
        if (s[p] != 'T' && s[p] != 't' && s[p] != ' ')
            return MCL_EPARSE;
        p++;
        if (digits(s, len, &p, 2, &hh) || p >= len || s[p++] != ':' || digits(s, len, &p, 2, &mm))
            return MCL_EPARSE;
        if (p < len && s[p] == ':') {
            p++;
            if (digits(s, len, &p, 2, &ss))
                return MCL_EPARSE;
        }
        if (hh > 23 || mm > 59 || ss > 60)
            return MCL_EPARSE;
        if (p < len && (s[p] == '.' || s[p] == ',')) {
            p++;
            int nd = 0;
            while (p < len && isdigit((unsigned char)s[p])) {
                if (nd < 3)
                    frac_ms = frac_ms * 10 + (s[p] - '0');
                nd++;
                p++;
            }
            if (nd == 0)
                return MCL_EPARSE;
            for (; nd < 3; nd++)
                frac_ms *= 10;
        }
        while (p < len && s[p] == ' ')
            p++;
        if (p < len) {
            if ((s[p] == 'Z' || s[p] == 'z') && p + 1 == len) {
                p++;
            } else if (len - p == 3 && (!strncmp(s + p, "UTC", 3) || !strncmp(s + p, "GMT", 3))) {
                p += 3;
            } else if (s[p] == '+' || s[p] == '-') {
                int sign = s[p++] == '-' ? -1 : 1, oh, om = 0;
                if (digits(s, len, &p, 2, &oh))
                    return MCL_EPARSE;
                if (p < len && s[p] == ':')
                    p++;
                if (p < len && digits(s, len, &p, 2, &om))
                    return MCL_EPARSE;
                if (oh > 23 || om > 59)
                    return MCL_EPARSE;
                offset_min = sign * (oh * 60 + om);
            } else {
                return MCL_EPARSE;
            }
        }
    }
    if (p != len)
        return MCL_EPARSE;
    int64_t secs = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss;
    secs -= (int64_t)offset_min * 60;
    *ms = secs * 1000 + frac_ms;
    return MCL_OK;
}

int mcl_time_parse(const char *s, int64_t *ms)
{
    if (!s)
        return MCL_EINVAL;
    return mcl_time_parse_n(s, strlen(s), ms);
}

struct civil {
    int64_t year;
    int mon, day, hh, mm, ss, msec, wday;
};

static void split(int64_t ms, struct civil *c)
{
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    c->msec = (int)(ms - secs * 1000);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    civil_from_days(days, &c->year, &c->mon, &c->day);
    c->hh = (int)(rem / 3600);
    c->mm = (int)(rem % 3600 / 60);
    c->ss = (int)(rem % 60);
    c->wday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday (4) */
}

void mcl_time_format_mimecast(int64_t ms, char out[MCL_TIME_TEXT_MAX])
{
    struct civil c;
    split(ms, &c);
    snprintf(out, MCL_TIME_TEXT_MAX, "%04lld-%02d-%02dT%02d:%02d:%02d+0000", (long long)c.year, c.mon,
             c.day, c.hh, c.mm, c.ss);
}

void mcl_time_format_rfc3339(int64_t ms, char out[MCL_TIME_TEXT_MAX])
{
    struct civil c;
    split(ms, &c);
    snprintf(out, MCL_TIME_TEXT_MAX, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", (long long)c.year, c.mon,
             c.day, c.hh, c.mm, c.ss, c.msec);
}

void mcl_time_format_rfc1123(int64_t ms, char out[MCL_TIME_TEXT_MAX])
{
    static const char *wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *mn[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct civil c;
    split(ms, &c);
    snprintf(out, MCL_TIME_TEXT_MAX, "%s, %02d %s %04lld %02d:%02d:%02d UTC", wd[c.wday], c.day,
             mn[c.mon - 1], (long long)c.year, c.hh, c.mm, c.ss);
}

int mcl_duration_parse(const char *s, int64_t *ms)
{
    if (!s || !*s)
        return MCL_EPARSE;
    int64_t total = 0;
    const char *p = s;
    while (*p) {
        if (!isdigit((unsigned char)*p))
            return MCL_EPARSE;
        int64_t v = 0;
        while (isdigit((unsigned char)*p)) {
            if (v > (INT64_MAX - 9) / 10)
                return MCL_EPARSE;
            v = v * 10 + (*p++ - '0');
        }
        int64_t unit;
        if (!strncmp(p, "ms", 2)) {
            unit = 1;
            p += 2;
        } else if (*p == 's') {
            unit = 1000;
            p++;
        } else if (*p == 'm') {
            unit = 60 * 1000;
            p++;
        } else if (*p == 'h') {
            unit = 3600 * 1000;
            p++;
        } else if (*p == 'd') {
            unit = 86400 * 1000;
            p++;
        } else if (*p == 'w') {
            unit = 7 * 86400 * 1000LL;
            p++;
        } else if (*p == '\0' && v == 0 && p == s + 1) {
            unit = 0; /* a bare "0" */
        } else {
            return MCL_EPARSE;
        }
        if (unit && v > (INT64_MAX - total) / unit)
            return MCL_EPARSE;
        total += v * unit;
    }
    *ms = total;
    return MCL_OK;
}

void mcl_duration_format(int64_t ms, char out[MCL_TIME_TEXT_MAX])
{
    static const struct {
        const char *u;
        int64_t ms;
    } units[] = {{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
    size_t n = 0;
    out[0] = '\0';
    if (ms < 0) {
        n += (size_t)snprintf(out, MCL_TIME_TEXT_MAX, "-");
        ms = -ms;
    }
    if (ms == 0) {
        snprintf(out + n, MCL_TIME_TEXT_MAX - n, "0s");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0] && n < MCL_TIME_TEXT_MAX - 1; i++) {
        if (ms >= units[i].ms) {
            n += (size_t)snprintf(out + n, MCL_TIME_TEXT_MAX - n, "%lld%s",
                                  (long long)(ms / units[i].ms), units[i].u);
            ms %= units[i].ms;
        }
    }
}

int mcl_size_parse(const char *s, uint64_t *bytes)
{
    static const struct {
        const char *u;
        uint64_t mult;
    } units[] = {{"", 1},          {"B", 1},
                 {"KB", 1000ULL},  {"KiB", 1024ULL},
                 {"MB", 1000000ULL}, {"MiB", 1048576ULL},
                 {"GB", 1000000000ULL}, {"GiB", 1073741824ULL},
                 {"TB", 1000000000000ULL}, {"TiB", 1099511627776ULL}};
    if (!s || !isdigit((unsigned char)*s))
        return MCL_EPARSE;
    uint64_t v = 0;
    while (isdigit((unsigned char)*s)) {
        if (v > (UINT64_MAX - 9) / 10)
            return MCL_EPARSE;
        v = v * 10 + (uint64_t)(*s++ - '0');
    }
    while (*s == ' ')
        s++;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (!strcmp(s, units[i].u)) {
            if (v > UINT64_MAX / units[i].mult)
                return MCL_EPARSE;
            *bytes = v * units[i].mult;
            return MCL_OK;
        }
    }
    return MCL_EPARSE;
}
