/* Strict JSON tokenizer, accessors and writers (see json.h).
 *
 * The parser is one loop of goto states over the bytes with an explicit
 * container stack threaded through the tape itself: while a container is
 * open its `next` field holds the index of its parent and its `len` field a
 * snapshot of the whitespace counter; both are overwritten when it closes.
 * String bodies are scanned 16 bytes at a time for the only bytes that need
 * attention ('"', '\\', < 0x20, >= 0x80); UTF-8 is validated only at bytes
 * >= 0x80. Inputs are not NUL-terminated: every read is bounded by `end`.
 */
#include "core/json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/crypto.h"
#include "core/err.h"

#define NIL UINT32_MAX
#define TYPE(t) ((t)->info & MCL_JSON_TYPE_MASK)
#define COUNT_ONE (1u << MCL_JSON_COUNT_SHIFT)
#define COUNT_FULL (MCL_JSON_MAX_COUNT << MCL_JSON_COUNT_SHIFT)

static const unsigned char ws_tab[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};

void mcl_json_init(struct mcl_json *doc)
{
    memset(doc, 0, sizeof *doc);
}

void mcl_json_fini(struct mcl_json *doc)
{
    free(doc->tok);
    free(doc->scratch);
    memset(doc, 0, sizeof *doc);
}

/* --- Parser ------------------------------------------------------------------ */

static int grow_tokens(struct mcl_json *doc, size_t want, size_t max_tok)
{
    if (want > max_tok)
        want = max_tok;
    if (want <= doc->cap)
        return MCL_ELIMIT;
    struct mcl_json_tok *t = realloc(doc->tok, want * sizeof *t);
    if (!t)
        return MCL_ENOMEM;
    doc->tok = t;
    doc->cap = (uint32_t)want;
    return MCL_OK;
}

/* First byte at or after p that a string scan must look at, or end. */
static inline const char *find_special(const char *p, const char *end)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* Signed compare: bytes < 0x20 and bytes >= 0x80 in one go. */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                 _mm_cmplt_epi8(v, space));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits)
            return p + __builtin_ctz(bits);
        p += 16;
    }
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* SWAR: each term's lowest flagged byte is a true hit, so is the OR's. */
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    while (end - p >= 8) {
        uint64_t w, q, b;
        memcpy(&w, p, 8);
        q = w ^ (ones * '"');
        b = w ^ (ones * '\\');
        uint64_t m = (((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w) | w) & high;
        if (m)
            return p + (__builtin_ctzll(m) >> 3);
        p += 8;
    }
#endif
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if ((unsigned char)(c - 0x20) >= 0x60 || c == '"' || c == '\\')
            break;
        p++;
    }
    return p;
}

static inline int hexval(unsigned char c)
{
    if ((unsigned)(c - '0') < 10)
        return c - '0';
    c |= 0x20;
    if ((unsigned)(c - 'a') < 6)
        return c - 'a' + 10;
    return -1;
}

/* The 4 hex digits at s, or -1. */
static inline long hex4(const char *s, const char *end)
{
    if (end - s < 4)
        return -1;
    int a = hexval((unsigned char)s[0]), b = hexval((unsigned char)s[1]);
    int c = hexval((unsigned char)s[2]), d = hexval((unsigned char)s[3]);
    if ((a | b | c | d) < 0)
        return -1;
    return (long)a << 12 | b << 8 | c << 4 | d;
}

/* p is at a backslash; returns the byte after the escape or NULL. */
static const char *check_escape(const char *p, const char *end, const char **at, const char **why)
{
    *at = p;
    if (end - p < 2) {
        *at = end;
        *why = "unterminated string";
        return NULL;
    }
    switch (p[1]) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        return p + 2;
    case 'u': {
        long cp = hex4(p + 2, end);
        if (cp < 0) {
            *why = "\\u must be followed by 4 hex digits";
            return NULL;
        }
        if (cp >= 0xdc00 && cp <= 0xdfff) {
            *why = "UTF-16 low surrogate escape without a high surrogate before it";
            return NULL;
        }
        if (cp < 0xd800 || cp > 0xdbff)
            return p + 6;
        if (end - p < 8 || p[6] != '\\' || p[7] != 'u') {
            *why = "UTF-16 high surrogate escape not followed by a low surrogate escape";
            return NULL;
        }
        long lo = hex4(p + 8, end);
        if (lo < 0xdc00 || lo > 0xdfff) {
            *at = p + 6;
            *why = lo < 0 ? "\\u must be followed by 4 hex digits"
                          : "UTF-16 high surrogate escape not followed by a low surrogate escape";
            return NULL;
        }
        return p + 12;
    }
    default:
        *at = p + 1;
        *why = "invalid escape (only \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)";
        return NULL;
    }
}

/* p is at a byte >= 0x80; returns the byte after one well-formed UTF-8
 * sequence (RFC 3629 table: no overlong forms, no surrogates, <= U+10FFFF). */
static inline const char *check_utf8(const char *p, const char *end, const char **at,
                                     const char **why)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t avail = (size_t)(end - p);
    unsigned c = s[0];
    if (c >= 0xc2 && c <= 0xdf) {
        if (avail >= 2 && (s[1] & 0xc0) == 0x80)
            return p + 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        if (avail >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80)
            return p + 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
        unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        if (avail >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
            (s[3] & 0xc0) == 0x80)
            return p + 4;
    }
    *at = p;
    *why = "invalid UTF-8";
    return NULL;
}

/* p is the first byte after an opening quote. Returns the closing quote, or
 * NULL with *at and *why set. */
static inline const char *scan_string(const char *p, const char *end, uint32_t *flags,
                                      const char **at, const char **why)
{
    for (;;) {
        p = find_special(p, end);
        if (p == end) {
            *at = end;
            *why = "unterminated string";
            return NULL;
        }
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return p;
        if (c == '\\') {
            *flags |= MCL_JSON_F_ESCAPED;
            p = check_escape(p, end, at, why);
        } else if (c < 0x20) {
            *at = p;
            *why = "raw control character in string (must be escaped)";
            return NULL;
        } else {
            p = check_utf8(p, end, at, why);
        }
        if (!p)
            return NULL;
    }
}

static void locate(const char *text, size_t off, struct mcl_json_error *err)
{
    unsigned line = 1;
    size_t bol = 0;
    const char *p = text, *e = text + off;
    while (p < e && (p = memchr(p, '\n', (size_t)(e - p)))) {
        line++;
        p++;
        bol = (size_t)(p - text);
    }
    err->offset = off;
    err->line = line;
    err->column = (unsigned)(off - bol + 1);
}

#define SKIP_WS()                                                                                  \
    do {                                                                                           \
        if (p < end && ws_tab[(unsigned char)*p]) {                                                \
            nws++;                                                                                 \
            do                                                                                     \
                p++;                                                                               \
            while (p < end && ws_tab[(unsigned char)*p]);                                          \
        }                                                                                          \
    } while (0)

#define FAIL(code, where, text_)                                                                   \
    do {                                                                                           \
        rc = (code);                                                                               \
        errp = (where);                                                                            \
        why = (text_);                                                                             \
        goto fail;                                                                                 \
    } while (0)

/* Appends a token that starts at at_; containers are finished by CLOSE(). */
#define PUSH(at_, off_, len_, info_)                                                               \
    do {                                                                                           \
        if (n == room) {                                                                           \
            if (n >= max_tok)                                                                      \
                FAIL(MCL_ELIMIT, (at_), "more tokens than the limit");                             \
            rc = grow_tokens(doc, (size_t)doc->cap * 2 + 64, max_tok);                             \
            if (rc)                                                                                \
                FAIL(rc, (at_), "out of memory");                                                  \
            tok = doc->tok;                                                                        \
            room = doc->cap < max_tok ? doc->cap : (uint32_t)max_tok;                              \
        }                                                                                          \
        tok[n].off = (off_);                                                                       \
        tok[n].len = (len_);                                                                       \
        tok[n].next = n + 1;                                                                       \
        tok[n].info = (info_);                                                                     \
        n++;                                                                                       \
    } while (0)

#define COUNT()                                                                                    \
    do {                                                                                           \
        if (tok[cur].info >= COUNT_FULL)                                                           \
            FAIL(MCL_ELIMIT, p, "more than 16777215 members in one object or array");              \
        tok[cur].info += COUNT_ONE;                                                                \
    } while (0)

#define OPEN(type_)                                                                                \
    do {                                                                                           \
        if (++depth > max_depth)                                                                   \
            FAIL(MCL_ELIMIT, p, "nesting deeper than the limit");                                  \
        PUSH(p, (uint32_t)(p - text), nws, (type_));                                       \
        tok[n - 1].next = cur;                                                                     \
        cur = n - 1;                                                                               \
        in_obj = (type_) == MCL_JSON_OBJECT;                                                       \
    } while (0)

/* p is at the closing bracket. */
#define CLOSE()                                                                                    \
    do {                                                                                           \
        struct mcl_json_tok *c_ = &tok[cur];                                                       \
        uint32_t parent_ = c_->next;                                                               \
        if (c_->len != nws)                                                                        \
            c_->info |= MCL_JSON_F_SPACE;                                                          \
        c_->len = (uint32_t)(p - text) - c_->off + 1;                                              \
        c_->next = n;                                                                              \
        cur = parent_;                                                                             \
        depth--;                                                                                   \
        in_obj = cur != NIL && TYPE(&tok[cur]) == MCL_JSON_OBJECT;                                 \
    } while (0)

int mcl_json_parse(struct mcl_json *doc, const char *text, size_t len,
                   const struct mcl_json_limits *lim, struct mcl_json_error *err)
{
    size_t max_len = lim && lim->max_len ? lim->max_len : MCL_JSON_DEFAULT_MAX_LEN;
    unsigned max_depth = lim && lim->max_depth ? lim->max_depth : MCL_JSON_DEFAULT_MAX_DEPTH;
    size_t max_tok = lim && lim->max_tokens ? lim->max_tokens : len / 2 + 2;
    if (max_len > MCL_JSON_HARD_MAX_LEN)
        max_len = MCL_JSON_HARD_MAX_LEN;
    if (max_depth > MCL_JSON_HARD_MAX_DEPTH)
        max_depth = MCL_JSON_HARD_MAX_DEPTH;
    if (max_tok > UINT32_MAX - 1)
        max_tok = UINT32_MAX - 1;
    if (!text)
        text = "";

    const char *p = text, *end = text, *errp = text, *why = NULL;
    struct mcl_json_tok *tok = NULL;
    uint32_t n = 0, room = 0, cur = NIL, nws = 0, flags;
    unsigned depth = 0;
    bool in_obj = false;
    int rc = MCL_OK;

    doc->ntok = 0;
    doc->text = text;
    doc->len = len;
    if (len > max_len)
        FAIL(MCL_ELIMIT, text + max_len, "input longer than the limit");
    end = text + len;
    /* One allocation up front for typical records (about 10 bytes a token). */
    if (doc->cap < len / 8 + 16 && doc->cap < max_tok) {
        rc = grow_tokens(doc, len / 8 + 16, max_tok);
        if (rc == MCL_ENOMEM)
            FAIL(rc, p, "out of memory");
        rc = MCL_OK;
    }
    tok = doc->tok;
    room = doc->cap < max_tok ? doc->cap : (uint32_t)max_tok;

    SKIP_WS();
    if (p == end)
        FAIL(MCL_EPARSE, p, len ? "no value, only whitespace" : "empty input");

value:
    if (p == end)
        FAIL(MCL_EPARSE, p, "unexpected end of input");
    switch (*p) {
    case '"': {
        const char *q;
        flags = MCL_JSON_STRING;
        p++;
        if (!(q = scan_string(p, end, &flags, &errp, &why))) {
            rc = MCL_EPARSE;
            goto fail;
        }
        PUSH(p - 1, (uint32_t)(p - text), (uint32_t)(q - p), flags);
        p = q + 1;
        goto after_value;
    }
    case '{':
        OPEN(MCL_JSON_OBJECT);
        p++;
        SKIP_WS();
        if (p < end && *p == '}') {
            CLOSE();
            p++;
            goto after_value;
        }
        goto key;
    case '[':
        OPEN(MCL_JSON_ARRAY);
        p++;
        SKIP_WS();
        if (p < end && *p == ']') {
            CLOSE();
            p++;
            goto after_value;
        }
        COUNT();
        goto value;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': {
        const char *s = p;
        flags = MCL_JSON_NUMBER | MCL_JSON_F_INT;
        if (*p == '-')
            p++;
        if (p < end && *p == '0') {
            p++;
            if (p < end && (unsigned)(*p - '0') < 10)
                FAIL(MCL_EPARSE, p - 1, "leading zero in number");
        } else if (p < end && (unsigned)(*p - '1') < 9) {
            do
                p++;
            while (p < end && (unsigned)(*p - '0') < 10);
        } else {
            FAIL(MCL_EPARSE, p, "'-' must be followed by a digit");
        }
        if (p < end && *p == '.') {
            p++;
            if (p == end || (unsigned)(*p - '0') >= 10)
                FAIL(MCL_EPARSE, p, "digit expected after the decimal point");
            do
                p++;
            while (p < end && (unsigned)(*p - '0') < 10);
            flags = MCL_JSON_NUMBER;
        }
        if (p < end && (*p | 0x20) == 'e') {
            p++;
            if (p < end && (*p == '+' || *p == '-'))
                p++;
            if (p == end || (unsigned)(*p - '0') >= 10)
                FAIL(MCL_EPARSE, p, "digit expected in the exponent");
            do
                p++;
            while (p < end && (unsigned)(*p - '0') < 10);
            flags = MCL_JSON_NUMBER;
        }
        PUSH(s, (uint32_t)(s - text), (uint32_t)(p - s), flags);
        goto after_value;
    }
    case 't':
        if (end - p >= 4 && memcmp(p, "true", 4) == 0) {
            PUSH(p, (uint32_t)(p - text), 4, MCL_JSON_TRUE);
            p += 4;
            goto after_value;
        }
        FAIL(MCL_EPARSE, p, "invalid literal (true, false and null are lower case)");
    case 'f':
        if (end - p >= 5 && memcmp(p, "false", 5) == 0) {
            PUSH(p, (uint32_t)(p - text), 5, MCL_JSON_FALSE);
            p += 5;
            goto after_value;
        }
        FAIL(MCL_EPARSE, p, "invalid literal (true, false and null are lower case)");
    case 'n':
        if (end - p >= 4 && memcmp(p, "null", 4) == 0) {
            PUSH(p, (uint32_t)(p - text), 4, MCL_JSON_NULL);
            p += 4;
            goto after_value;
        }
        FAIL(MCL_EPARSE, p, "invalid literal (true, false and null are lower case)");
    default:
        if (p == text && end - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
            FAIL(MCL_EPARSE, p, "byte order mark not allowed");
        FAIL(MCL_EPARSE, p, "expected a value");
    }

key:
    if (p == end)
        FAIL(MCL_EPARSE, p, "unexpected end of input");
    if (*p != '"')
        FAIL(MCL_EPARSE, p, *p == '}' ? "trailing comma" : "expected a string as object key");
    COUNT();
    {
        const char *q;
        flags = MCL_JSON_STRING;
        p++;
        if (!(q = scan_string(p, end, &flags, &errp, &why))) {
            rc = MCL_EPARSE;
            goto fail;
        }
        PUSH(p - 1, (uint32_t)(p - text), (uint32_t)(q - p), flags);
        p = q + 1;
    }
    SKIP_WS();
    if (p == end || *p != ':')
        FAIL(MCL_EPARSE, p, "expected ':' after an object key");
    p++;
    SKIP_WS();
    goto value;

after_value:
    if (cur == NIL)
        goto done;
    SKIP_WS();
    if (p == end)
        FAIL(MCL_EPARSE, p, "unexpected end of input");
    if (*p == ',') {
        p++;
        SKIP_WS();
        if (in_obj)
            goto key;
        if (p < end && *p == ']')
            FAIL(MCL_EPARSE, p, "trailing comma");
        COUNT();
        goto value;
    }
    if (*p == (in_obj ? '}' : ']')) {
        CLOSE();
        p++;
        goto after_value;
    }
    FAIL(MCL_EPARSE, p, in_obj ? "expected ',' or '}' after an object member"
                               : "expected ',' or ']' after an array element");

done:
    SKIP_WS();
    if (p != end)
        FAIL(MCL_EPARSE, p, "unexpected data after the JSON value");
    doc->ntok = n;
    return MCL_OK;

fail:
    doc->ntok = 0;
    if (err) {
        locate(text, (size_t)(errp - text), err);
        err->reason = why;
    }
    return rc;
}

/* --- Decoding ----------------------------------------------------------------- */

/* p is at a backslash of a validated string: stores the code point and
 * returns the byte after the escape (a surrogate pair is one escape). */
static inline const char *decode_escape(const char *p, uint32_t *cp)
{
    switch (p[1]) {
    case 'b': *cp = '\b'; return p + 2;
    case 'f': *cp = '\f'; return p + 2;
    case 'n': *cp = '\n'; return p + 2;
    case 'r': *cp = '\r'; return p + 2;
    case 't': *cp = '\t'; return p + 2;
    case 'u': {
        uint32_t c = (uint32_t)hex4(p + 2, p + 6);
        if (c >= 0xd800 && c <= 0xdbff) {
            uint32_t lo = (uint32_t)hex4(p + 8, p + 12);
            *cp = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
            return p + 12;
        }
        *cp = c;
        return p + 6;
    }
    default: /* '"', '\\', '/' */
        *cp = (unsigned char)p[1];
        return p + 2;
    }
}

static inline size_t utf8_put(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

int mcl_json_str_decode(const struct mcl_json *doc, const struct mcl_json_tok *t,
                        struct mcl_buf *out)
{
    if (!t || TYPE(t) != MCL_JSON_STRING)
        return MCL_EINVAL;
    const char *p = doc->text + t->off, *e = p + t->len;
    if (!(t->info & MCL_JSON_F_ESCAPED))
        return mcl_buf_append(out, p, t->len);
    /* Decoding never lengthens a string. */
    int rc = mcl_buf_reserve(out, t->len);
    if (rc)
        return rc;
    char *o = out->data + out->len;
    while (p < e) {
        const char *bs = memchr(p, '\\', (size_t)(e - p));
        size_t run = (size_t)((bs ? bs : e) - p);
        memcpy(o, p, run);
        o += run;
        if (!bs)
            break;
        uint32_t cp;
        p = decode_escape(bs, &cp);
        o += utf8_put(o, cp);
    }
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return MCL_OK;
}

/* Reads the decoded bytes of a raw string body one at a time. */
struct dcur {
    const char *p, *e;
    char pend[4];
    unsigned npend, ipend;
};

static inline void dcur_init(struct dcur *d, const char *p, size_t n)
{
    d->p = p;
    d->e = p + n;
    d->npend = d->ipend = 0;
}

/* Next decoded byte, or -1 at the end. */
static inline int dcur_next(struct dcur *d)
{
    if (d->ipend < d->npend)
        return (unsigned char)d->pend[d->ipend++];
    if (d->p == d->e)
        return -1;
    if (*d->p != '\\')
        return (unsigned char)*d->p++;
    uint32_t cp;
    d->p = decode_escape(d->p, &cp);
    d->npend = (unsigned)utf8_put(d->pend, cp);
    d->ipend = 1;
    return (unsigned char)d->pend[0];
}

/* memcmp-style order of two raw string bodies by their decoded bytes. */
static int decoded_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    struct dcur x, y;
    dcur_init(&x, a, an);
    dcur_init(&y, b, bn);
    for (;;) {
        int ca = dcur_next(&x), cb = dcur_next(&y);
        if (ca != cb)
            return ca < cb ? -1 : 1;
        if (ca < 0)
            return 0;
    }
}

static bool decoded_eq(const char *raw, size_t rn, const char *s, size_t sn)
{
    struct dcur d;
    dcur_init(&d, raw, rn);
    for (size_t i = 0; i < sn; i++) {
        if (dcur_next(&d) != (unsigned char)s[i])
            return false;
    }
    return dcur_next(&d) < 0;
}

bool mcl_json_str_eq(const struct mcl_json *doc, const struct mcl_json_tok *t, const char *s,
                     size_t n)
{
    if (!t || TYPE(t) != MCL_JSON_STRING)
        return false;
    const char *raw = doc->text + t->off;
    if (!(t->info & MCL_JSON_F_ESCAPED))
        return t->len == n && memcmp(raw, s, n) == 0;
    /* Decoding never lengthens: a shorter raw body cannot match. */
    return t->len >= n && decoded_eq(raw, t->len, s, n);
}

/* --- Accessors ------------------------------------------------------------- */

const struct mcl_json_tok *mcl_json_obj_getn(const struct mcl_json *doc,
                                             const struct mcl_json_tok *obj,
                                             const char *key, size_t keylen)
{
    if (!obj || TYPE(obj) != MCL_JSON_OBJECT)
        return NULL;
    const struct mcl_json_tok *tok = doc->tok;
    const char *text = doc->text;
    for (uint32_t j = mcl_json_index(doc, obj) + 1; j < obj->next; j = tok[j + 1].next) {
        const struct mcl_json_tok *k = &tok[j];
        if (!(k->info & MCL_JSON_F_ESCAPED)) {
            if (k->len == keylen && memcmp(text + k->off, key, keylen) == 0)
                return k + 1;
        } else if (k->len >= keylen && decoded_eq(text + k->off, k->len, key, keylen)) {
            return k + 1;
        }
    }
    return NULL;
}

const struct mcl_json_tok *mcl_json_arr_get(const struct mcl_json *doc,
                                            const struct mcl_json_tok *arr, size_t i)
{
    if (!arr || TYPE(arr) != MCL_JSON_ARRAY || i >= mcl_json_count(arr))
        return NULL;
    uint32_t j = mcl_json_index(doc, arr) + 1;
    while (i--)
        j = doc->tok[j].next;
    return &doc->tok[j];
}

int mcl_json_int(const struct mcl_json *doc, const struct mcl_json_tok *t, int64_t *out)
{
    const uint32_t want = MCL_JSON_NUMBER | MCL_JSON_F_INT;
    if (!t || (t->info & (MCL_JSON_TYPE_MASK | MCL_JSON_F_INT)) != want)
        return MCL_EINVAL;
    const char *s = doc->text + t->off, *e = s + t->len;
    bool neg = *s == '-';
    uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    for (s += neg; s < e; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (lim - d) / 10)
            return MCL_ELIMIT;
        v = v * 10 + d;
    }
    if (!neg)
        *out = (int64_t)v;
    else
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    return MCL_OK;
}

int mcl_json_double(const struct mcl_json *doc, const struct mcl_json_tok *t, double *out)
{
    if (!t || TYPE(t) != MCL_JSON_NUMBER)
        return MCL_EINVAL;
    const char *s = doc->text + t->off;
    char tmp[512];
    /* strtod needs a terminator: any byte after a number in the input is
     * one (',', ']', '}' or whitespace); a number that ends the input is
     * copied. */
    if ((size_t)t->off + t->len == doc->len) {
        if (t->len >= sizeof tmp)
            return MCL_ELIMIT;
        memcpy(tmp, s, t->len);
        tmp[t->len] = '\0';
        s = tmp;
    }
    errno = 0;
    double v = strtod(s, NULL);
    *out = v;
    if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL))
        return MCL_ELIMIT;
    return MCL_OK;
}

/* --- Writers --------------------------------------------------------------- */

int mcl_json_write_compact(const struct mcl_json *doc, const struct mcl_json_tok *t,
                           struct mcl_buf *out)
{
    const char *src, *pos, *span_end;
    size_t n;
    mcl_json_raw(doc, t, &src, &n);
    if (!(t->info & MCL_JSON_F_SPACE))
        return mcl_buf_append(out, src, n);
    int rc = mcl_buf_reserve(out, n);
    if (rc)
        return rc;
    /* Between two scalar tokens there are only brackets, ',', ':' and
     * whitespace: copy the scalars, filter the gaps. */
    char *o = out->data + out->len;
    pos = src;
    span_end = src + n;
    for (uint32_t j = mcl_json_index(doc, t) + 1; j < t->next; j++) {
        const struct mcl_json_tok *c = &doc->tok[j];
        if (TYPE(c) == MCL_JSON_OBJECT || TYPE(c) == MCL_JSON_ARRAY)
            continue;
        const char *rs;
        size_t rn;
        mcl_json_raw(doc, c, &rs, &rn);
        for (; pos < rs; pos++) {
            if (!ws_tab[(unsigned char)*pos])
                *o++ = *pos;
        }
        memcpy(o, rs, rn);
        o += rn;
        pos = rs + rn;
    }
    for (; pos < span_end; pos++) {
        if (!ws_tab[(unsigned char)*pos])
            *o++ = *pos;
    }
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return MCL_OK;
}

/* Output of the canonical writer: either an mcl_buf (space reserved up
 * front, since canonical output is never longer than the source span) or a
 * chunk flushed to a SHA-256 context. Errors are sticky so the recursion
 * needs no checks; the result is read once at the end. */
struct sink {
    char *p, *end;
    struct mcl_buf *buf;
    struct mcl_sha256_ctx *sha;
    char *chunk;
    int rc;
};

static void sink_slow(struct sink *s, const void *d, size_t n)
{
    if (s->rc)
        return;
    if (s->sha) {
        mcl_sha256_update(s->sha, s->chunk, (size_t)(s->p - s->chunk));
        s->p = s->chunk;
        if ((size_t)(s->end - s->p) < n) {
            mcl_sha256_update(s->sha, d, n);
            return;
        }
    } else {
        struct mcl_buf *b = s->buf;
        b->len = (size_t)(s->p - b->data);
        s->rc = mcl_buf_reserve(b, n < 4096 ? 4096 : n);
        if (s->rc) {
            s->p = s->end = b->data + b->len;
            return;
        }
        s->p = b->data + b->len;
        s->end = b->data + b->cap - 1;
    }
    memcpy(s->p, d, n);
    s->p += n;
}

static inline void put(struct sink *s, const void *d, size_t n)
{
    if ((size_t)(s->end - s->p) >= n) {
        memcpy(s->p, d, n);
        s->p += n;
    } else {
        sink_slow(s, d, n);
    }
}

static inline void put1(struct sink *s, char c)
{
    if (s->p < s->end)
        *s->p++ = c;
    else
        sink_slow(s, &c, 1);
}

/* One member of an object being sorted: the first 8 decoded key bytes,
 * big-endian and zero-padded, decide most comparisons. */
struct member {
    uint64_t pre;
    const char *key;
    uint32_t klen;
    uint32_t idx; /* key token */
};

struct wctx {
    struct mcl_json *doc;
    const struct mcl_json_tok *tok;
    size_t top; /* members in use in doc->scratch */
    struct sink s;
};

static int member_cmp(const struct mcl_json_tok *tok, const struct member *a,
                      const struct member *b)
{
    if (a->pre != b->pre)
        return a->pre < b->pre ? -1 : 1;
    if ((tok[a->idx].info | tok[b->idx].info) & MCL_JSON_F_ESCAPED)
        return decoded_cmp(a->key, a->klen, b->key, b->klen);
    size_t m = a->klen < b->klen ? a->klen : b->klen;
    int c = m > 8 ? memcmp(a->key + 8, b->key + 8, m - 8) : 0;
    if (c)
        return c;
    return a->klen < b->klen ? -1 : a->klen > b->klen;
}

/* Stable: insertion sort for record-sized objects, merge sort beyond. */
static void sort_members(const struct mcl_json_tok *tok, struct member *m, size_t n,
                         struct member *tmp)
{
    if (n <= 24) {
        for (size_t i = 1; i < n; i++) {
            struct member x = m[i];
            size_t j = i;
            while (j > 0 && member_cmp(tok, &m[j - 1], &x) > 0) {
                m[j] = m[j - 1];
                j--;
            }
            m[j] = x;
        }
        return;
    }
    size_t h = n / 2;
    sort_members(tok, m, h, tmp);
    sort_members(tok, m + h, n - h, tmp);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = member_cmp(tok, &m[j], &m[i]) < 0 ? m[j++] : m[i++];
    while (i < h)
        tmp[k++] = m[i++];
    while (j < n)
        tmp[k++] = m[j++];
    memcpy(m, tmp, n * sizeof *m);
}

static uint64_t key_prefix(const struct mcl_json *doc, const struct mcl_json_tok *k)
{
    const char *p = doc->text + k->off;
    uint64_t v = 0;
    unsigned i = 0;
    if (!(k->info & MCL_JSON_F_ESCAPED)) {
        unsigned m = k->len < 8 ? k->len : 8;
        for (; i < m; i++)
            v = v << 8 | (unsigned char)p[i];
    } else {
        struct dcur d;
        dcur_init(&d, p, k->len);
        for (int c; i < 8 && (c = dcur_next(&d)) >= 0; i++)
            v = v << 8 | (unsigned)c;
    }
    return i ? v << (8 * (8 - i)) : 0;
}

static int scratch_reserve(struct mcl_json *doc, size_t need)
{
    if (need <= doc->scratch_cap)
        return MCL_OK;
    size_t cap = doc->scratch_cap ? doc->scratch_cap : 64;
    while (cap < need)
        cap *= 2;
    void *p = realloc(doc->scratch, cap * sizeof(struct member));
    if (!p)
        return MCL_ENOMEM;
    doc->scratch = p;
    doc->scratch_cap = cap;
    return MCL_OK;
}

static void canon_string(struct wctx *w, const struct mcl_json_tok *t)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *p = w->doc->text + t->off, *e = p + t->len;
    put1(&w->s, '"');
    if (!(t->info & MCL_JSON_F_ESCAPED)) {
        /* No escapes: no raw '"', '\\' or control byte either. */
        put(&w->s, p, t->len);
        put1(&w->s, '"');
        return;
    }
    while (p < e) {
        const char *bs = memchr(p, '\\', (size_t)(e - p));
        put(&w->s, p, (size_t)((bs ? bs : e) - p));
        if (!bs)
            break;
        uint32_t cp;
        char u[6];
        p = decode_escape(bs, &cp);
        switch (cp) {
        case '"': put(&w->s, "\\\"", 2); break;
        case '\\': put(&w->s, "\\\\", 2); break;
        case '\b': put(&w->s, "\\b", 2); break;
        case '\f': put(&w->s, "\\f", 2); break;
        case '\n': put(&w->s, "\\n", 2); break;
        case '\r': put(&w->s, "\\r", 2); break;
        case '\t': put(&w->s, "\\t", 2); break;
        default:
            if (cp < 0x20) {
                memcpy(u, "\\u00", 4);
                u[4] = hex[cp >> 4];
                u[5] = hex[cp & 15];
                put(&w->s, u, 6);
            } else {
                put(&w->s, u, utf8_put(u, cp));
            }
        }
    }
    put1(&w->s, '"');
}

static void canon_value(struct wctx *w, uint32_t i)
{
    const struct mcl_json_tok *tok = w->tok, *t = &tok[i];
    switch (TYPE(t)) {
    case MCL_JSON_STRING:
        canon_string(w, t);
        return;
    case MCL_JSON_ARRAY:
        put1(&w->s, '[');
        for (uint32_t j = i + 1; j < t->next; j = tok[j].next) {
            if (j != i + 1)
                put1(&w->s, ',');
            canon_value(w, j);
        }
        put1(&w->s, ']');
        return;
    case MCL_JSON_OBJECT: {
        uint32_t cnt = mcl_json_count(t);
        size_t base = w->top;
        if (!cnt) {
            put(&w->s, "{}", 2);
            return;
        }
        /* Room for the list and the merge sort's temporary copy; nested
         * objects stack their lists above this one. */
        int rc = scratch_reserve(w->doc, base + 2 * (size_t)cnt);
        if (rc) {
            if (!w->s.rc)
                w->s.rc = rc;
            return;
        }
        struct member *m = (struct member *)w->doc->scratch + base;
        size_t k = 0;
        for (uint32_t j = i + 1; j < t->next; j = tok[j + 1].next, k++) {
            m[k].pre = key_prefix(w->doc, &tok[j]);
            m[k].key = w->doc->text + tok[j].off;
            m[k].klen = tok[j].len;
            m[k].idx = j;
        }
        sort_members(tok, m, cnt, m + cnt);
        w->top = base + cnt;
        put1(&w->s, '{');
        for (k = 0; k < cnt; k++) {
            /* Re-read: a nested object may have moved the scratch. */
            uint32_t j = ((struct member *)w->doc->scratch)[base + k].idx;
            if (k)
                put1(&w->s, ',');
            canon_string(w, &tok[j]);
            put1(&w->s, ':');
            canon_value(w, j + 1);
        }
        put1(&w->s, '}');
        w->top = base;
        return;
    }
    default: {
        const char *p;
        size_t n;
        mcl_json_raw(w->doc, t, &p, &n);
        put(&w->s, p, n);
        return;
    }
    }
}

int mcl_json_write_canonical(struct mcl_json *doc, const struct mcl_json_tok *t,
                             struct mcl_buf *out)
{
    struct wctx w = {.doc = doc, .tok = doc->tok};
    size_t len0 = out->len, n;
    const char *src;
    mcl_json_raw(doc, t, &src, &n);
    int rc = mcl_buf_reserve(out, n);
    if (rc)
        return rc;
    w.s.buf = out;
    w.s.p = out->data + out->len;
    w.s.end = out->data + out->cap - 1;
    canon_value(&w, mcl_json_index(doc, t));
    out->len = w.s.rc ? len0 : (size_t)(w.s.p - out->data);
    out->data[out->len] = '\0';
    return w.s.rc;
}

int mcl_json_hash_canonical(struct mcl_json *doc, const struct mcl_json_tok *t,
                            struct mcl_sha256_ctx *ctx)
{
    char chunk[4096];
    struct wctx w = {.doc = doc, .tok = doc->tok};
    w.s.sha = ctx;
    w.s.chunk = chunk;
    w.s.p = chunk;
    w.s.end = chunk + sizeof chunk;
    canon_value(&w, mcl_json_index(doc, t));
    if (!w.s.rc && w.s.p > chunk)
        mcl_sha256_update(ctx, chunk, (size_t)(w.s.p - chunk));
    return w.s.rc;
}
