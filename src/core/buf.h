/* Bounded growable byte buffer (after curl's dynbuf).
 *
 * Every buffer has a maximum size fixed at init; growing past it fails with
 * MCL_ELIMIT, which is the defence against hostile or broken peers. The data
 * is always NUL-terminated so text can be used as a C string.
 *
 * Ownership: the caller owns the struct; the buffer owns `data` until
 * mcl_buf_steal() hands it over (free() it) or mcl_buf_fini() releases it.
 */
#ifndef MCL_CORE_BUF_H
#define MCL_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct mcl_buf {
    char *data;   /* NULL until the first append */
    size_t len;   /* bytes used, not counting the terminating NUL */
    size_t cap;   /* bytes allocated */
    size_t max;   /* largest len allowed */
};

void mcl_buf_init(struct mcl_buf *b, size_t max);
void mcl_buf_fini(struct mcl_buf *b);
/* Keeps the allocation, forgets the content. */
void mcl_buf_reset(struct mcl_buf *b);
int mcl_buf_reserve(struct mcl_buf *b, size_t extra);
int mcl_buf_append(struct mcl_buf *b, const void *p, size_t n);
int mcl_buf_append_str(struct mcl_buf *b, const char *s);
int mcl_buf_append_char(struct mcl_buf *b, char c);
int mcl_buf_appendf(struct mcl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mcl_buf_vappendf(struct mcl_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Returns the data ("" if empty, caller frees) and leaves the buffer empty. */
char *mcl_buf_steal(struct mcl_buf *b);
/* Returns data or "" when nothing was appended; borrowed. */
const char *mcl_buf_cstr(const struct mcl_buf *b);

#endif
