/* Diagnostics: "file:line:col: message" records collected during a load. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg_internal.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

void mcl_diags_init(struct mcl_diags *d)
{
    d->v = NULL;
    d->n = d->cap = 0;
}

void mcl_diags_fini(struct mcl_diags *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].msg);
    }
    free(d->v);
    mcl_diags_init(d);
}

static int diags_vadd(struct mcl_diags *d, const char *file, int line, int col, const char *fmt,
                      va_list ap) __attribute__((format(printf, 5, 0)));

static int diags_vadd(struct mcl_diags *d, const char *file, int line, int col, const char *fmt,
                      va_list ap)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        struct mcl_diag *v = realloc(d->v, cap * sizeof *v);
        if (!v)
            return MCL_ENOMEM;
        d->v = v;
        d->cap = cap;
    }
    struct mcl_buf b;
    mcl_buf_init(&b, 16 * 1024);
    int rc = mcl_buf_vappendf(&b, fmt, ap);
    if (rc == MCL_ELIMIT)
        rc = MCL_OK; /* keep what fitted */
    char *msg = rc ? NULL : mcl_buf_steal(&b);
    mcl_buf_fini(&b);
    char *f = mcl_strdup(file ? file : "");
    if (!msg || !f) {
        free(msg);
        free(f);
        return MCL_ENOMEM;
    }
    d->v[d->n++] = (struct mcl_diag){.file = f, .line = line, .col = col, .msg = msg};
    return MCL_OK;
}

int mcl_diags_add(struct mcl_diags *d, const char *file, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = diags_vadd(d, file, line, col, fmt, ap);
    va_end(ap);
    return rc;
}

void mcl_diags_print(const struct mcl_diags *d, FILE *out)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct mcl_diag *g = &d->v[i];
        if (g->line > 0)
            fprintf(out, "%s:%d:%d: %s\n", g->file, g->line, g->col, g->msg);
        else
            fprintf(out, "%s: %s\n", g->file, g->msg);
    }
}

void cfg_verror_at(struct cfg_ctx *c, int line, int col, const char *fmt, va_list ap)
{
    c->errors++;
    if (c->diags->n - c->first_diag >= CFG_MAX_DIAGS)
        return;
    if (diags_vadd(c->diags, c->file, line, col, fmt, ap))
        c->oom = true;
}

void cfg_error_at(struct cfg_ctx *c, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cfg_verror_at(c, line, col, fmt, ap);
    va_end(ap);
}

void cfg_error(struct cfg_ctx *c, const struct cfg_node *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cfg_verror_at(c, at ? at->line : 0, at ? at->col : 0, fmt, ap);
    va_end(ap);
}

const char *cfg_show(const char *s, int slot)
{
    static _Thread_local char bufs[4][CFG_MAX_SHOWN * 4 + 8];
    char *out = bufs[slot & 3];
    size_t o = 0, shown = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        /* Each input byte writes at most 4 bytes; keep room for "...". */
        if (shown == CFG_MAX_SHOWN || o + 4 > sizeof bufs[0] - 4) {
            memcpy(out + o, "...", 4);
            return out;
        }
        if (*p < 0x20 || *p == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            out[o++] = '\\';
            if (*p == '\n' || *p == '\t' || *p == '\r') {
                out[o++] = *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r';
            } else {
                out[o++] = 'x';
                out[o++] = hex[*p >> 4];
                out[o++] = hex[*p & 15];
            }
        } else {
            out[o++] = (char)*p;
        }
        /* Count characters, not UTF-8 continuation bytes. */
        if ((*p & 0xc0) != 0x80)
            shown++;
    }
    out[o] = '\0';
    return out;
}

static int diag_cmp(const struct mcl_diag *a, const struct mcl_diag *b)
{
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return 0;
}

void cfg_diags_finish(struct cfg_ctx *c)
{
    struct mcl_diags *d = c->diags;
    /* Insertion sort: stable, and the list is short and nearly sorted. */
    for (size_t i = c->first_diag + 1; i < d->n; i++) {
        struct mcl_diag t = d->v[i];
        size_t j = i;
        while (j > c->first_diag && diag_cmp(&d->v[j - 1], &t) > 0) {
            d->v[j] = d->v[j - 1];
            j--;
        }
        d->v[j] = t;
    }
    size_t stored = d->n - c->first_diag;
    if (c->errors > stored) {
        if (mcl_diags_add(d, c->file, 0, 0, "%u more problems not shown (fix the ones above first)",
                          c->errors - (unsigned)stored))
            c->oom = true;
    }
}
