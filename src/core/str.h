/* Small string helpers with no third-party dependency.
 * Ownership: returned strings are allocated (free() them); inputs borrowed. */
#ifndef MCL_CORE_STR_H
#define MCL_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/* strdup that returns NULL for NULL. */
char *mcl_strdup(const char *s);
char *mcl_strndup(const char *s, size_t n);
bool mcl_str_eq(const char *a, const char *b);       /* NULL-safe */
bool mcl_str_ieq(const char *a, const char *b);      /* ASCII case-insensitive, NULL-safe */
bool mcl_str_starts_with(const char *s, const char *prefix);
/* Appends `s` as a JSON string literal (quotes included), escaping control
 * characters, quotes and backslashes; bytes >= 0x80 pass through. */
int mcl_json_escape(struct mcl_buf *b, const char *s, size_t n);
/* Copies at most dstsize-1 bytes and always terminates; returns strlen(src). */
size_t mcl_strlcpy(char *dst, const char *src, size_t dstsize);

#endif
