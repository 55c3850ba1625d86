#include "core/str.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"

char *mcl_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *mcl_strndup(const char *s, size_t n)
{
    return s ? strndup(s, n) : NULL;
}

bool mcl_str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

bool mcl_str_ieq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcasecmp(a, b) == 0;
}

bool mcl_str_starts_with(const char *s, const char *prefix)
{
    return s && prefix && strncmp(s, prefix, strlen(prefix)) == 0;
}

int mcl_json_escape(struct mcl_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    int rc = mcl_buf_append_char(b, '"');
    size_t run = 0; /* bytes copied verbatim in one go */
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            if (c < 0x20) {
                u[0] = '\\';
                u[1] = 'u';
                u[2] = '0';
                u[3] = '0';
                u[4] = hex[c >> 4];
                u[5] = hex[c & 15];
                u[6] = '\0';
                esc = u;
            }
        }
        if (!esc) {
            run++;
            continue;
        }
        rc = mcl_buf_append(b, s + i - run, run);
        run = 0;
        if (!rc)
            rc = mcl_buf_append_str(b, esc);
    }
    if (!rc)
        rc = mcl_buf_append(b, s + n - run, run);
    if (!rc)
        rc = mcl_buf_append_char(b, '"');
    return rc;
}

size_t mcl_strlcpy(char *dst, const char *src, size_t dstsize)
{
    size_t n = strlen(src);
    if (dstsize) {
        size_t c = n < dstsize - 1 ? n : dstsize - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}
