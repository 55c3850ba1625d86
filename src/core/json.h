/* Strict, validating JSON reader: one pass over the input builds a flat token
 * tape (no tree, no per-value allocation), with accessors and a canonical and
 * a compact writer. RFC 8259 only: no comments, trailing commas, NaN,
 * Infinity, leading zeros, raw control characters, invalid UTF-8 (overlong,
 * encoded surrogates, > U+10FFFF), unpaired \u surrogates, BOM, or anything
 * but whitespace after the value. Any value may be the root.
 *
 * Ownership: the caller owns struct mcl_json (mcl_json_init/_fini) and the
 * input text. Tokens refer to the text by offset, so the text must outlive
 * every use of the doc; the next mcl_json_parse() invalidates all tokens.
 * Token pointers returned by accessors are borrowed from the doc. Output
 * buffers are appended to. A doc belongs to one thread at a time.
 *
 * Memory: the token array and the writer's scratch grow as needed, bounded by
 * the limits, and are kept across parses, so a doc reused for pages of
 * similar size allocates nothing in the steady state.
 *
 * NDJSON: a raw newline cannot occur inside a JSON string, so split lines with
 * memchr() and parse each line.
 */
#ifndef MCL_CORE_JSON_H
#define MCL_CORE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"

struct mcl_sha256_ctx;

enum mcl_json_type {
    MCL_JSON_NONE = 0,
    MCL_JSON_OBJECT,
    MCL_JSON_ARRAY,
    MCL_JSON_STRING,
    MCL_JSON_NUMBER,
    MCL_JSON_TRUE,
    MCL_JSON_FALSE,
    MCL_JSON_NULL,
};

/* Token flags (bits 3-7 of info). */
#define MCL_JSON_F_ESCAPED 0x08u /* string: contains backslash escapes */
#define MCL_JSON_F_SPACE 0x10u   /* container: whitespace between its tokens */
#define MCL_JSON_F_INT 0x20u     /* number: no fraction and no exponent */

#define MCL_JSON_TYPE_MASK 0x07u
#define MCL_JSON_COUNT_SHIFT 8
/* Members of one object or elements of one array; more is MCL_ELIMIT. */
#define MCL_JSON_MAX_COUNT 0xffffffu

#define MCL_JSON_DEFAULT_MAX_LEN ((size_t)64 << 20)
#define MCL_JSON_DEFAULT_MAX_DEPTH 64u
/* Hard ceilings: offsets are 32-bit; the writers recurse once per level. */
#define MCL_JSON_HARD_MAX_LEN ((size_t)UINT32_MAX)
#define MCL_JSON_HARD_MAX_DEPTH 2048u

/* One value. Read-only for callers; prefer the accessors below. Tokens are in
 * document order: a container is followed by its children, an object's
 * children alternate key (a string token) and value. */
struct mcl_json_tok {
    uint32_t off;  /* strings: first byte after the opening quote; else first byte */
    uint32_t len;  /* strings: bytes between the quotes; containers: '{'..'}' inclusive */
    uint32_t next; /* index of the first token after this value's subtree */
    uint32_t info; /* type | flags | child count << MCL_JSON_COUNT_SHIFT */
};

/* Zero means "default" in every field; pass NULL for all defaults. */
struct mcl_json_limits {
    size_t max_len;     /* input bytes; default 64 MiB, at most 4 GiB - 1 */
    size_t max_tokens;  /* default len / 2 + 2, which no valid input reaches;
                         * tokens are 16 bytes, so memory <= 8 x len */
    unsigned max_depth; /* nesting of arrays and objects; default 64, at most 2048 */
};

struct mcl_json_error {
    size_t offset;      /* byte offset of the offending byte (len: input ended early) */
    unsigned line;      /* 1-based */
    unsigned column;    /* 1-based, in bytes */
    const char *reason; /* static text, e.g. "leading zero in number" */
};

/* Private fields; only the inline accessors below read them. */
struct mcl_json {
    const char *text;
    size_t len;
    struct mcl_json_tok *tok;
    uint32_t ntok;
    uint32_t cap;
    void *scratch; /* canonical writer: member lists being sorted */
    size_t scratch_cap;
};

void mcl_json_init(struct mcl_json *doc);
void mcl_json_fini(struct mcl_json *doc);

/* Parses text[0..len). Returns MCL_OK, MCL_EPARSE (malformed), MCL_ELIMIT (a
 * limit was reached) or MCL_ENOMEM; on failure the doc is empty and *err (if
 * not NULL) says where and why. */
int mcl_json_parse(struct mcl_json *doc, const char *text, size_t len,
                   const struct mcl_json_limits *lim, struct mcl_json_error *err);

/* --- Tokens ------------------------------------------------------------- */

static inline const struct mcl_json_tok *mcl_json_root(const struct mcl_json *doc)
{
    return doc->ntok ? doc->tok : NULL;
}

static inline enum mcl_json_type mcl_json_type(const struct mcl_json_tok *t)
{
    return (enum mcl_json_type)(t->info & MCL_JSON_TYPE_MASK);
}

/* Object members (pairs) or array elements; 0 for scalars. */
static inline uint32_t mcl_json_count(const struct mcl_json_tok *t)
{
    return t->info >> MCL_JSON_COUNT_SHIFT;
}

static inline bool mcl_json_is_object(const struct mcl_json_tok *t)
{
    return t && mcl_json_type(t) == MCL_JSON_OBJECT;
}
static inline bool mcl_json_is_array(const struct mcl_json_tok *t)
{
    return t && mcl_json_type(t) == MCL_JSON_ARRAY;
}
static inline bool mcl_json_is_string(const struct mcl_json_tok *t)
{
    return t && mcl_json_type(t) == MCL_JSON_STRING;
}
static inline bool mcl_json_is_number(const struct mcl_json_tok *t)
{
    return t && mcl_json_type(t) == MCL_JSON_NUMBER;
}
static inline bool mcl_json_is_bool(const struct mcl_json_tok *t)
{
    return t && (mcl_json_type(t) == MCL_JSON_TRUE || mcl_json_type(t) == MCL_JSON_FALSE);
}
static inline bool mcl_json_is_null(const struct mcl_json_tok *t)
{
    return t && mcl_json_type(t) == MCL_JSON_NULL;
}

/* Index of t in the tape (stable for the life of the parse). */
static inline uint32_t mcl_json_index(const struct mcl_json *doc, const struct mcl_json_tok *t)
{
    return (uint32_t)(t - doc->tok);
}

/* The exact source bytes of any value (strings with their quotes). */
static inline void mcl_json_raw(const struct mcl_json *doc, const struct mcl_json_tok *t,
                                const char **p, size_t *n)
{
    bool str = mcl_json_type(t) == MCL_JSON_STRING;
    *p = doc->text + t->off - str;
    *n = (size_t)t->len + 2 * str;
}

/* --- Objects and arrays ---------------------------------------------------- */

/* The value of the first member named `key` (compared as decoded UTF-8, so
 * "\u0061" matches "a"), or NULL if obj is not an object or has no such key.
 * Duplicate keys: the first wins (jansson keeps the last). Linear in the
 * number of members; unescaped keys cost a length check and a memcmp. */
const struct mcl_json_tok *mcl_json_obj_getn(const struct mcl_json *doc,
                                             const struct mcl_json_tok *obj,
                                             const char *key, size_t keylen);
static inline const struct mcl_json_tok *mcl_json_obj_get(const struct mcl_json *doc,
                                                          const struct mcl_json_tok *obj,
                                                          const char *key)
{
    return mcl_json_obj_getn(doc, obj, key, strlen(key));
}

/* Element i of an array, or NULL (linear: prefer the iterator). */
const struct mcl_json_tok *mcl_json_arr_get(const struct mcl_json *doc,
                                            const struct mcl_json_tok *arr, size_t i);

/* Walks the children of one container in order, skipping each subtree in
 * O(1):
 *   struct mcl_json_iter it;
 *   mcl_json_iter_init(&it, doc, arr);
 *   for (const struct mcl_json_tok *e; (e = mcl_json_iter_next(&it));) ...
 *   for (const struct mcl_json_tok *k, *v; mcl_json_iter_member(&it, &k, &v);) ...
 * A scalar or NULL has no children. */
struct mcl_json_iter {
    const struct mcl_json_tok *base;
    uint32_t pos, end;
};

static inline void mcl_json_iter_init(struct mcl_json_iter *it, const struct mcl_json *doc,
                                      const struct mcl_json_tok *c)
{
    it->base = doc->tok;
    it->pos = c ? mcl_json_index(doc, c) + 1 : 0;
    it->end = c ? c->next : 0;
}

/* Next array element (or next object key), NULL at the end. */
static inline const struct mcl_json_tok *mcl_json_iter_next(struct mcl_json_iter *it)
{
    if (it->pos >= it->end)
        return NULL;
    const struct mcl_json_tok *t = it->base + it->pos;
    it->pos = t->next;
    return t;
}

/* Next object member; false at the end. */
static inline bool mcl_json_iter_member(struct mcl_json_iter *it, const struct mcl_json_tok **key,
                                        const struct mcl_json_tok **val)
{
    if (it->pos >= it->end)
        return false;
    *key = it->base + it->pos;
    *val = *key + 1;
    it->pos = (*val)->next;
    return true;
}

/* --- Scalars ----------------------------------------------------------------- */

/* Points into the input when t is a string without escapes (the common case);
 * false otherwise (use mcl_json_str_decode). */
static inline bool mcl_json_str_view(const struct mcl_json *doc, const struct mcl_json_tok *t,
                                     const char **p, size_t *n)
{
    if ((t->info & (MCL_JSON_TYPE_MASK | MCL_JSON_F_ESCAPED)) != MCL_JSON_STRING)
        return false;
    *p = doc->text + t->off;
    *n = t->len;
    return true;
}

/* Appends the decoded UTF-8 bytes of string t to out (\u0000 becomes a NUL
 * byte; out stays NUL-terminated). MCL_EINVAL if t is not a string. */
int mcl_json_str_decode(const struct mcl_json *doc, const struct mcl_json_tok *t,
                        struct mcl_buf *out);

/* Whether string t decodes to exactly s[0..n); false for non-strings. */
bool mcl_json_str_eq(const struct mcl_json *doc, const struct mcl_json_tok *t, const char *s,
                     size_t n);

/* Exact integer value. MCL_EINVAL unless t is a number written without
 * fraction or exponent ("1.0" and "1e3" are not integers, as in jansson);
 * MCL_ELIMIT outside int64_t. */
int mcl_json_int(const struct mcl_json *doc, const struct mcl_json_tok *t, int64_t *out);

/* Nearest double (strtod; assumes the C numeric locale, which mclog never
 * changes). MCL_EINVAL unless t is a number; MCL_ELIMIT if the magnitude
 * overflows (*out is then +-HUGE_VAL) or a number longer than 511 bytes ends
 * the input. */
int mcl_json_double(const struct mcl_json *doc, const struct mcl_json_tok *t, double *out);

/* --- Writers ------------------------------------------------------------------ */

/* Appends t without insignificant whitespace, keys in input order, strings
 * and numbers exactly as written. A container parsed without whitespace is
 * one memcpy of its source span. */
int mcl_json_write_compact(const struct mcl_json *doc, const struct mcl_json_tok *t,
                           struct mcl_buf *out);

/* Appends the canonical form of t, identical for the same data whatever its
 * whitespace or member order:
 *  - compact; object members sorted by the bytes of their decoded keys
 *    (shorter first on a common prefix), stable, duplicates kept;
 *  - strings decoded and re-escaped minimally: only '"', '\\' and U+0000-001F
 *    (\b \f \n \r \t, else \u00XX with upper-case hex, like jansson); all other
 *    UTF-8, U+007F and "/" included, as raw bytes;
 *  - numbers and true/false/null as their source text. Mimecast renders a
 *    given field's numbers the same way every time, so source text is stable;
 *    "1.0" and "1", or "-0" and "0", stay different.
 * Without reals, "-0" or duplicate keys this equals jansson's
 * json_dumps(JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY).
 * The output is never longer than the source span. */
int mcl_json_write_canonical(struct mcl_json *doc, const struct mcl_json_tok *t,
                             struct mcl_buf *out);

/* Feeds the canonical form of t to ctx (mcl_sha256_update in 4 KiB chunks,
 * no output buffer); the caller calls mcl_sha256_final(). */
int mcl_json_hash_canonical(struct mcl_json *doc, const struct mcl_json_tok *t,
                            struct mcl_sha256_ctx *ctx);

#endif
