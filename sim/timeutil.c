/* mcsim -- date parsing and formatting (see timeutil.h). */
#include "timeutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t sim_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void sim_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads exactly n digits. */
static int read_digits(const char **p, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit((*p)[i]))
            return -1;
        v = v * 10 + (unsigned)((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

int sim_time_parse_iso(const char *s, int64_t *sec, long *frac_ns)
{
    const char *p = s;
    unsigned y, mo, d, hh = 0, mi = 0, ss = 0, oh = 0, om = 0;
    long ns = 0;
    int sign = 0;

    if (!s)
        return SIM_EPARSE;
    if (read_digits(&p, 4, &y) || *p++ != '-' || read_digits(&p, 2, &mo) || *p++ != '-' ||
        read_digits(&p, 2, &d))
        return SIM_EPARSE;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return SIM_EPARSE;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (read_digits(&p, 2, &hh) || *p++ != ':' || read_digits(&p, 2, &mi))
            return SIM_EPARSE;
        if (*p == ':') {
            p++;
            if (read_digits(&p, 2, &ss))
                return SIM_EPARSE;
            if (*p == '.' || *p == ',') {
                long scale = 100000000;
                p++;
                if (!is_digit(*p))
                    return SIM_EPARSE;
                for (; is_digit(*p); p++) {
                    ns += (*p - '0') * scale;
                    scale /= 10;
                }
            }
        }
        if (hh > 23 || mi > 59 || ss > 60)
            return SIM_EPARSE;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            sign = *p == '-' ? -1 : 1;
            p++;
            if (read_digits(&p, 2, &oh))
                return SIM_EPARSE;
            if (*p == ':')
                p++;
            if (is_digit(*p) && read_digits(&p, 2, &om))
                return SIM_EPARSE;
            if (oh > 23 || om > 59)
                return SIM_EPARSE;
        }
    }
    if (*p != '\0')
        return SIM_EPARSE;
    *sec = sim_days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss -
           (int64_t)sign * (oh * 3600 + om * 60);
    *frac_ns = ns;
    return SIM_OK;
}

int sim_time_parse_any(const char *s, int64_t *sec, long *frac_ns)
{
    const char *p = s;
    int64_t v = 0;

    if (!s || !*s)
        return SIM_EPARSE;
    if (*p == '-' || is_digit(*p)) {
        bool neg = *p == '-';
        if (neg)
            p++;
        for (; is_digit(*p); p++) {
            if (v > (INT64_MAX - 9) / 10)
                return SIM_EPARSE;
            v = v * 10 + (*p - '0');
        }
        if (*p == '\0' && p != s + neg) {
            *sec = neg ? -v : v;
            *frac_ns = 0;
            return SIM_OK;
        }
    }
    return sim_time_parse_iso(s, sec, frac_ns);
}

static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const wday_names[7] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};

int sim_time_parse_rfc1123(const char *s, int64_t *sec)
{
    const char *p = s;
    unsigned d, y, hh, mi, ss, mo = 0;

    if (!s)
        return SIM_EPARSE;
    /* optional "Tue, " */
    if (p[0] && p[1] && p[2] && p[3] == ',' && !is_digit(p[0])) {
        p += 4;
        while (*p == ' ')
            p++;
    }
    if (is_digit(p[0]) && is_digit(p[1])) {
        if (read_digits(&p, 2, &d))
            return SIM_EPARSE;
    } else if (read_digits(&p, 1, &d)) {
        return SIM_EPARSE;
    }
    if (*p++ != ' ')
        return SIM_EPARSE;
    for (unsigned i = 0; i < 12; i++) {
        if (strncmp(p, month_names[i], 3) == 0) {
            mo = i + 1;
            break;
        }
    }
    if (!mo)
        return SIM_EPARSE;
    p += 3;
    if (*p++ != ' ' || read_digits(&p, 4, &y) || *p++ != ' ' || read_digits(&p, 2, &hh) ||
        *p++ != ':' || read_digits(&p, 2, &mi) || *p++ != ':' || read_digits(&p, 2, &ss) ||
        *p++ != ' ')
        return SIM_EPARSE;
    if (strcmp(p, "UTC") != 0 && strcmp(p, "GMT") != 0)
        return SIM_EPARSE;
    if (d < 1 || d > days_in_month(y, mo) || hh > 23 || mi > 59 || ss > 60)
        return SIM_EPARSE;
    *sec = sim_days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss;
    return SIM_OK;
}

static inline void put2(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

size_t sim_time_format(char *out, int64_t t, int fmt, int offset_min)
{
    int64_t days, y, secs;
    unsigned m, d;
    size_t n;
    int off = fmt == SIM_TFMT_OFFSET ? offset_min : 0;

    t += (int64_t)off * 60;
    days = floor_div(t, 86400);
    secs = t - days * 86400;
    sim_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        y = 0;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    put2(out + 5, m);
    out[7] = '-';
    put2(out + 8, d);
    out[10] = 'T';
    put2(out + 11, (unsigned)(secs / 3600));
    out[13] = ':';
    put2(out + 14, (unsigned)(secs / 60 % 60));
    out[16] = ':';
    put2(out + 17, (unsigned)(secs % 60));
    n = 19;
    switch (fmt) {
    case SIM_TFMT_Z:
        out[n++] = 'Z';
        break;
    case SIM_TFMT_COLON:
        memcpy(out + n, "+00:00", 6);
        n += 6;
        break;
    case SIM_TFMT_FRAC:
        memcpy(out + n, ".000+0000", 9);
        n += 9;
        break;
    case SIM_TFMT_OFFSET: {
        unsigned a = (unsigned)(off < 0 ? -off : off);
        out[n++] = off < 0 ? '-' : '+';
        put2(out + n, a / 60);
        put2(out + n + 2, a % 60);
        n += 4;
        break;
    }
    default:
        memcpy(out + n, "+0000", 5);
        n += 5;
        break;
    }
    out[n] = '\0';
    return n;
}

size_t sim_time_format_rfc1123(char *out, size_t outlen, int64_t t, const char *zone)
{
    int64_t days = floor_div(t, 86400), y, secs = t - days * 86400;
    unsigned m, d;
    int n;

    sim_civil_from_days(days, &y, &m, &d);
    n = snprintf(out, outlen, "%s, %02u %s %04lld %02u:%02u:%02u %s",
                 wday_names[((days % 7) + 7) % 7], d, month_names[m - 1], (long long)y,
                 (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60), (unsigned)(secs % 60), zone);
    return n < 0 ? 0 : (size_t)n;
}
