#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

void mcl_buf_init(struct mcl_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void mcl_buf_fini(struct mcl_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void mcl_buf_reset(struct mcl_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

int mcl_buf_reserve(struct mcl_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return MCL_ELIMIT;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return MCL_OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return MCL_ENOMEM;
    if (!b->data)
        p[0] = '\0';
    b->data = p;
    b->cap = cap;
    return MCL_OK;
}

int mcl_buf_append(struct mcl_buf *b, const void *p, size_t n)
{
    int rc = mcl_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return MCL_OK;
}

int mcl_buf_append_str(struct mcl_buf *b, const char *s)
{
    return mcl_buf_append(b, s, strlen(s));
}

int mcl_buf_append_char(struct mcl_buf *b, char c)
{
    return mcl_buf_append(b, &c, 1);
}

int mcl_buf_vappendf(struct mcl_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return MCL_EINVAL;
    int rc = mcl_buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return MCL_OK;
}

int mcl_buf_appendf(struct mcl_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = mcl_buf_vappendf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *mcl_buf_steal(struct mcl_buf *b)
{
    char *p = b->data;
    if (!p)
        p = calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

const char *mcl_buf_cstr(const struct mcl_buf *b)
{
    return b->data ? b->data : "";
}
