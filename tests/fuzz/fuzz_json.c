/* Differential fuzz target for core/json against jansson.
 *
 * Both parse the input (jansson with JSON_DECODE_ANY | JSON_ALLOW_NUL: any
 * root value, "\u0000" allowed, as RFC 8259 says) and must agree on
 * validity. Known, intentional differences, where jansson's answer is not
 * compared:
 *  - jansson refuses numbers that overflow int64 or double
 *    (json_error_numeric_overflow); RFC 8259 and we accept them;
 *  - jansson refuses NUL in object keys (json_error_null_byte_in_key);
 *  - nesting limits: jansson stops at 2048 levels, we at our limit (ELIMIT);
 *  - jansson 2.14 loses a NUL byte that directly follows a number or a
 *    literal ("2\0", "null\0" and "[1\0]" load); we refuse it like any
 *    other byte outside a string.
 * On valid input the trees must be equal (types, decoded strings, integer
 * and double values; for duplicate keys jansson keeps the last member), the
 * canonical form must equal jansson's JSON_SORT_KEYS | JSON_COMPACT dump when
 * there are no reals, no "-0" and no duplicate keys, and our writers must be
 * consistent with each other: canonical is idempotent, compact re-parses to
 * the same canonical form, the hash variant hashes the same bytes. */
#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);                  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

struct facts {
    bool real, minus_zero, dup;
};

static void decode(const struct mcl_json *doc, const struct mcl_json_tok *t, struct mcl_buf *b)
{
    mcl_buf_reset(b);
    CHECK(mcl_json_str_decode(doc, t, b) == MCL_OK);
}

/* Whether a later member of the object has the same key as k. */
static bool later_dup(const struct mcl_json *doc, const struct mcl_json_tok *obj,
                      const struct mcl_json_tok *k, const struct mcl_buf *key)
{
    struct mcl_json_iter it = {doc->tok, k[1].next, obj->next};
    const struct mcl_json_tok *k2, *v2;
    while (mcl_json_iter_member(&it, &k2, &v2)) {
        if (mcl_json_str_eq(doc, k2, key->data, key->len))
            return true;
    }
    return false;
}

static void same(const struct mcl_json *doc, const struct mcl_json_tok *t, json_t *j,
                 struct facts *f)
{
    struct mcl_buf b;
    mcl_buf_init(&b, 1 << 24);
    switch (mcl_json_type(t)) {
    case MCL_JSON_OBJECT: {
        CHECK(json_is_object(j));
        struct mcl_json_iter it;
        const struct mcl_json_tok *k, *v;
        size_t distinct = 0;
        mcl_json_iter_init(&it, doc, t);
        while (mcl_json_iter_member(&it, &k, &v)) {
            decode(doc, k, &b);
            json_t *jv = json_object_getn(j, b.data, b.len);
            CHECK(jv);
            /* obj_get finds the first member with this key. */
            const struct mcl_json_tok *first = mcl_json_obj_getn(doc, t, b.data, b.len);
            CHECK(first && first <= v && mcl_json_str_eq(doc, first - 1, b.data, b.len));
            if (later_dup(doc, t, k, &b)) {
                f->dup = true;
                continue;
            }
            distinct++;
            same(doc, v, jv, f);
        }
        CHECK(distinct == json_object_size(j));
        break;
    }
    case MCL_JSON_ARRAY: {
        CHECK(json_is_array(j));
        CHECK(mcl_json_count(t) == json_array_size(j));
        struct mcl_json_iter it;
        const struct mcl_json_tok *e;
        size_t i = 0;
        mcl_json_iter_init(&it, doc, t);
        while ((e = mcl_json_iter_next(&it)))
            same(doc, e, json_array_get(j, i++), f);
        CHECK(i == json_array_size(j));
        break;
    }
    case MCL_JSON_STRING:
        CHECK(json_is_string(j));
        decode(doc, t, &b);
        CHECK(b.len == json_string_length(j));
        CHECK(memcmp(b.data, json_string_value(j), b.len) == 0);
        break;
    case MCL_JSON_NUMBER: {
        int64_t iv;
        double dv;
        const char *p;
        size_t n;
        mcl_json_raw(doc, t, &p, &n);
        if (n == 2 && memcmp(p, "-0", 2) == 0)
            f->minus_zero = true;
        if (json_is_integer(j)) {
            CHECK(mcl_json_int(doc, t, &iv) == MCL_OK);
            CHECK(iv == json_integer_value(j));
        } else {
            CHECK(json_is_real(j));
            f->real = true;
            CHECK(mcl_json_int(doc, t, &iv) == MCL_EINVAL);
            int rc = mcl_json_double(doc, t, &dv);
            CHECK(rc == MCL_OK || (rc == MCL_ELIMIT && n >= 512));
            CHECK(rc != MCL_OK || dv == json_real_value(j));
        }
        break;
    }
    case MCL_JSON_TRUE:
        CHECK(json_is_true(j));
        break;
    case MCL_JSON_FALSE:
        CHECK(json_is_false(j));
        break;
    case MCL_JSON_NULL:
        CHECK(json_is_null(j));
        break;
    default:
        CHECK(!"token without a type");
    }
    mcl_buf_fini(&b);
}

static void check_writers(struct mcl_json *doc, json_t *j, const struct facts *f)
{
    static struct mcl_json again;
    static struct mcl_sha256_ctx *sha;
    struct mcl_buf canon, other, compact;
    unsigned char h1[MCL_SHA256_LEN], h2[MCL_SHA256_LEN];
    const struct mcl_json_tok *root = mcl_json_root(doc);
    const struct mcl_json_limits lim = {.max_depth = MCL_JSON_HARD_MAX_DEPTH};

    if (!sha)
        sha = mcl_sha256_create();
    CHECK(sha);
    mcl_buf_init(&canon, 1 << 24);
    mcl_buf_init(&other, 1 << 24);
    CHECK(mcl_json_write_canonical(doc, root, &canon) == MCL_OK);
    const char *raw;
    size_t rawn;
    mcl_json_raw(doc, root, &raw, &rawn);
    CHECK(canon.len <= rawn);

    if (!f->real && !f->minus_zero && !f->dup) {
        char *jd = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
        CHECK(jd);
        if (strlen(jd) != canon.len || memcmp(jd, canon.data, canon.len) != 0) {
            fprintf(stderr, "canonical:\n%s\njansson:\n%s\n", canon.data, jd);
            CHECK(!"canonical form differs from jansson's sorted dump");
        }
        free(jd);
    }

    CHECK(mcl_json_hash_canonical(doc, root, sha) == MCL_OK);
    mcl_sha256_final(sha, h1);
    mcl_sha256(canon.data, canon.len, h2);
    CHECK(memcmp(h1, h2, sizeof h1) == 0);

    /* Canonical is a fixed point. */
    CHECK(mcl_json_parse(&again, canon.data, canon.len, &lim, NULL) == MCL_OK);
    CHECK(!(mcl_json_root(&again)->info & MCL_JSON_F_SPACE));
    CHECK(mcl_json_write_canonical(&again, mcl_json_root(&again), &other) == MCL_OK);
    CHECK(other.len == canon.len && memcmp(other.data, canon.data, canon.len) == 0);

    /* Compact has no whitespace left, is a fixed point, and has the same
     * canonical form. */
    mcl_buf_init(&compact, 1 << 24);
    CHECK(mcl_json_write_compact(doc, root, &compact) == MCL_OK);
    CHECK(compact.len <= rawn);
    CHECK(mcl_json_parse(&again, compact.data, compact.len, &lim, NULL) == MCL_OK);
    CHECK(!(mcl_json_root(&again)->info & MCL_JSON_F_SPACE));
    mcl_buf_reset(&other);
    CHECK(mcl_json_write_compact(&again, mcl_json_root(&again), &other) == MCL_OK);
    CHECK(other.len == compact.len && memcmp(other.data, compact.data, compact.len) == 0);
    mcl_buf_reset(&other);
    CHECK(mcl_json_write_canonical(&again, mcl_json_root(&again), &other) == MCL_OK);
    CHECK(other.len == canon.len && memcmp(other.data, canon.data, canon.len) == 0);

    mcl_buf_fini(&compact);
    mcl_buf_fini(&canon);
    mcl_buf_fini(&other);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* One doc for every input: reuse across parses is part of the contract. */
    static struct mcl_json doc;
    const struct mcl_json_limits lim = {.max_depth = MCL_JSON_HARD_MAX_DEPTH};
    struct mcl_json_error err;
    json_error_t jerr;

    int rc = mcl_json_parse(&doc, (const char *)data, size, &lim, &err);
    CHECK(rc == MCL_OK || rc == MCL_EPARSE || rc == MCL_ELIMIT);
    CHECK(rc != MCL_OK || mcl_json_root(&doc)->next == doc.ntok);
    CHECK(rc == MCL_OK || (err.reason && err.offset <= size && err.line >= 1 && err.column >= 1));

    json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!j) {
        enum json_error_code c = json_error_code(&jerr);
        bool known = c == json_error_numeric_overflow || c == json_error_null_byte_in_key ||
                     c == json_error_stack_overflow;
        if (rc == MCL_OK && !known) {
            fprintf(stderr, "we accept, jansson refuses: %s (code %d)\n", jerr.text, (int)c);
            abort();
        }
        return 0;
    }
    if (rc == MCL_ELIMIT) {
        json_decref(j);
        return 0;
    }
    if (rc != MCL_OK) {
        bool nul_after_token = err.offset > 0 && err.offset < size && data[err.offset] == 0 &&
                               isalnum(data[err.offset - 1]);
        if (!nul_after_token) {
            fprintf(stderr, "jansson accepts, we refuse: %s at %zu\n", err.reason, err.offset);
            abort();
        }
        json_decref(j);
        return 0;
    }
    struct facts f = {false, false, false};
    same(&doc, mcl_json_root(&doc), j, &f);
    check_writers(&doc, j, &f);
    json_decref(j);
    return 0;
}
