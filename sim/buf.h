/* mcsim -- bounded growable output buffer and a small JSON writer.
 *
 * Why hand-written: a page of 500 TTP URL records is rendered for every
 * request; building a jansson DOM per record would cost several times the
 * rendering itself.  The writer appends raw bytes and escapes strings.
 *
 * Ownership: a struct sim_buf owns its memory (malloc).  sim_buf_steal() hands
 * it to the caller (free() it); sim_buf_fini() releases it.  Every buffer has a
 * maximum size: growing past it sets `err` (sticky) and later appends are
 * ignored, so callers check once at the end.
 */
#ifndef MCSIM_BUF_H
#define MCSIM_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sim_buf {
    char *p;
    size_t len;
    size_t cap;
    size_t max;
    int err; /* 0 or a negative SIM_E* code */
};

void sim_buf_init(struct sim_buf *b, size_t max);
void sim_buf_fini(struct sim_buf *b);
/* Make room for `extra` more bytes; 0 or SIM_ENOMEM/SIM_ELIMIT (also sets err). */
int sim_buf_reserve(struct sim_buf *b, size_t extra);
/* Returns the bytes (NUL-terminated, may be NULL if empty) and resets b. */
char *sim_buf_steal(struct sim_buf *b, size_t *len);
void sim_buf_reset(struct sim_buf *b);

static inline void sim_buf_add(struct sim_buf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap && sim_buf_reserve(b, n + 1) != 0)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static inline void sim_buf_addc(struct sim_buf *b, char c)
{
    if (b->len + 2 > b->cap && sim_buf_reserve(b, 2) != 0)
        return;
    b->p[b->len++] = c;
}

/* Append a string literal without strlen at run time. */
#define SIM_BUF_LIT(b, lit) sim_buf_add((b), (lit), sizeof(lit) - 1)

static inline void sim_buf_adds(struct sim_buf *b, const char *s)
{
    sim_buf_add(b, s, strlen(s));
}

void sim_buf_printf(struct sim_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sim_buf_u64(struct sim_buf *b, uint64_t v);
void sim_buf_i64(struct sim_buf *b, int64_t v);

/* JSON string with quotes; escapes '"', '\\' and control characters, passes
 * other bytes (UTF-8) through unchanged. */
void sim_buf_jstr(struct sim_buf *b, const char *s, size_t n);
/* The escaped text only, without the surrounding quotes. */
void sim_buf_jesc(struct sim_buf *b, const char *s, size_t n);
static inline void sim_buf_jstrz(struct sim_buf *b, const char *s)
{
    sim_buf_jstr(b, s, strlen(s));
}
/* JSON string for text known to need no escaping (table constants checked by
 * sim_data_selfcheck(), digits, hex). */
static inline void sim_buf_jraw(struct sim_buf *b, const char *s, size_t n)
{
    if (b->len + n + 3 > b->cap && sim_buf_reserve(b, n + 3) != 0)
        return;
    b->p[b->len++] = '"';
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len++] = '"';
}
static inline void sim_buf_jrawz(struct sim_buf *b, const char *s)
{
    sim_buf_jraw(b, s, strlen(s));
}
/* True when s[0..n) needs no JSON escaping. */
bool sim_json_safe(const char *s, size_t n);

#endif
