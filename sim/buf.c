/* mcsim -- bounded buffer and JSON string writer (see buf.h). */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim.h"

void sim_buf_init(struct sim_buf *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->err = 0;
}

void sim_buf_fini(struct sim_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

void sim_buf_reset(struct sim_buf *b)
{
    b->len = 0;
    b->err = 0;
}

int sim_buf_reserve(struct sim_buf *b, size_t extra)
{
    size_t need, ncap;
    char *np;

    if (b->err)
        return b->err;
    need = b->len + extra;
    if (need <= b->cap)
        return 0;
    if (need > b->max) {
        b->err = SIM_ELIMIT;
        return b->err;
    }
    ncap = b->cap ? b->cap : 256;
    while (ncap < need)
        ncap *= 2;
    if (ncap > b->max)
        ncap = b->max;
    np = realloc(b->p, ncap);
    if (!np) {
        b->err = SIM_ENOMEM;
        return b->err;
    }
    b->p = np;
    b->cap = ncap;
    return 0;
}

char *sim_buf_steal(struct sim_buf *b, size_t *len)
{
    char *p;

    if (sim_buf_reserve(b, 1) == 0)
        b->p[b->len] = '\0';
    p = b->p;
    if (len)
        *len = b->len;
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

void sim_buf_printf(struct sim_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sim_buf_reserve(b, (size_t)n + 1) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sim_buf_u64(struct sim_buf *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sim_buf_add(b, tmp + i, sizeof(tmp) - i);
}

void sim_buf_i64(struct sim_buf *b, int64_t v)
{
    if (v < 0) {
        sim_buf_addc(b, '-');
        sim_buf_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        sim_buf_u64(b, (uint64_t)v);
    }
}

static inline bool needs_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

bool sim_json_safe(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (needs_escape((unsigned char)s[i]))
            return false;
    return true;
}

void sim_buf_jstr(struct sim_buf *b, const char *s, size_t n)
{
    sim_buf_addc(b, '"');
    sim_buf_jesc(b, s, n);
    sim_buf_addc(b, '"');
}

void sim_buf_jesc(struct sim_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, run = 0;

    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (!needs_escape(c)) {
            i++;
            continue;
        }
        sim_buf_add(b, s + run, i - run);
        switch (c) {
        case '"': SIM_BUF_LIT(b, "\\\""); break;
        case '\\': SIM_BUF_LIT(b, "\\\\"); break;
        case '\n': SIM_BUF_LIT(b, "\\n"); break;
        case '\r': SIM_BUF_LIT(b, "\\r"); break;
        case '\t': SIM_BUF_LIT(b, "\\t"); break;
        case '\b': SIM_BUF_LIT(b, "\\b"); break;
        case '\f': SIM_BUF_LIT(b, "\\f"); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            sim_buf_add(b, u, sizeof(u));
        }
        }
        i++;
        run = i;
    }
    sim_buf_add(b, s + run, n - run);
}
