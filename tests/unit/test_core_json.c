/* core/json: strictness (JSONTestSuite-style cases), error positions, limits,
 * the Mimecast samples against jansson as the oracle, canonical form
 * invariance, raw spans, writers and doc reuse.
 *
 * Every input is parsed from an exact-size heap copy (no terminator, no
 * slack), so ASan catches any read past the end. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/json.h"

#define SAMPLES MCL_SHARED_DIR "/mimecast/samples"

/* --- Helpers ----------------------------------------------------------------- */

/* An exact-size copy of the input that lives as long as the doc's tokens. */
struct input {
    char *p;
    size_t n;
};

static void input_set(struct input *in, const char *s, size_t n)
{
    free(in->p);
    in->p = malloc(n ? n : 1);
    assert_non_null(in->p);
    memcpy(in->p, s, n);
    in->n = n;
}

static int parse_n(struct mcl_json *doc, struct input *in, const char *s, size_t n,
                   const struct mcl_json_limits *lim, struct mcl_json_error *err)
{
    input_set(in, s, n);
    return mcl_json_parse(doc, in->p, in->n, lim, err);
}

static int parse_s(struct mcl_json *doc, struct input *in, const char *s,
                   struct mcl_json_error *err)
{
    return parse_n(doc, in, s, strlen(s), NULL, err);
}

static char *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long sz = ftell(f);
    assert_true(sz >= 0);
    rewind(f);
    char *p = malloc((size_t)sz + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    p[sz] = '\0';
    *n = (size_t)sz;
    return p;
}

/* xorshift64*: deterministic test data without rand(). */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static size_t rng_below(uint64_t *s, size_t n)
{
    return (size_t)(rng_next(s) % n);
}

/* Compares our value t with jansson's j, recursively; duplicates keys are
 * not expected here. */
static void assert_same(struct mcl_json *doc, const struct mcl_json_tok *t, json_t *j)
{
    struct mcl_buf b;
    mcl_buf_init(&b, 1 << 20);
    switch (mcl_json_type(t)) {
    case MCL_JSON_OBJECT: {
        assert_true(json_is_object(j));
        assert_int_equal(mcl_json_count(t), json_object_size(j));
        struct mcl_json_iter it;
        const struct mcl_json_tok *k, *v;
        size_t seen = 0;
        mcl_json_iter_init(&it, doc, t);
        while (mcl_json_iter_member(&it, &k, &v)) {
            mcl_buf_reset(&b);
            assert_int_equal(mcl_json_str_decode(doc, k, &b), MCL_OK);
            json_t *jv = json_object_getn(j, b.data, b.len);
            assert_non_null(jv);
            assert_ptr_equal(mcl_json_obj_getn(doc, t, b.data, b.len), v);
            assert_same(doc, v, jv);
            seen++;
        }
        assert_int_equal(seen, json_object_size(j));
        /* And the other way round: every jansson key is found by obj_get. */
        const char *key;
        json_t *jv;
        json_object_foreach(j, key, jv) {
            assert_non_null(mcl_json_obj_get(doc, t, key));
        }
        break;
    }
    case MCL_JSON_ARRAY: {
        assert_true(json_is_array(j));
        assert_int_equal(mcl_json_count(t), json_array_size(j));
        struct mcl_json_iter it;
        const struct mcl_json_tok *e;
        size_t i = 0;
        mcl_json_iter_init(&it, doc, t);
        while ((e = mcl_json_iter_next(&it))) {
            assert_true(i < json_array_size(j));
            assert_ptr_equal(mcl_json_arr_get(doc, t, i), e);
            assert_same(doc, e, json_array_get(j, i));
            i++;
        }
        assert_int_equal(i, json_array_size(j));
        assert_null(mcl_json_arr_get(doc, t, i));
        break;
    }
    case MCL_JSON_STRING: {
        assert_true(json_is_string(j));
        assert_int_equal(mcl_json_str_decode(doc, t, &b), MCL_OK);
        assert_int_equal(b.len, json_string_length(j));
        assert_memory_equal(b.data, json_string_value(j), b.len);
        assert_true(mcl_json_str_eq(doc, t, json_string_value(j), json_string_length(j)));
        const char *p;
        size_t n;
        if (mcl_json_str_view(doc, t, &p, &n)) {
            assert_int_equal(n, b.len);
            assert_memory_equal(p, b.data, n);
        }
        break;
    }
    case MCL_JSON_NUMBER: {
        int64_t iv;
        double dv;
        assert_true(json_is_number(j));
        if (json_is_integer(j)) {
            assert_int_equal(mcl_json_int(doc, t, &iv), MCL_OK);
            assert_int_equal(iv, json_integer_value(j));
        } else {
            assert_int_equal(mcl_json_int(doc, t, &iv), MCL_EINVAL);
            assert_int_equal(mcl_json_double(doc, t, &dv), MCL_OK);
            assert_true(dv == json_real_value(j));
        }
        break;
    }
    case MCL_JSON_TRUE:
        assert_true(json_is_true(j));
        break;
    case MCL_JSON_FALSE:
        assert_true(json_is_false(j));
        break;
    case MCL_JSON_NULL:
        assert_true(json_is_null(j));
        break;
    default:
        fail_msg("token of no type");
    }
    mcl_buf_fini(&b);
}

/* Every sample value (each line of an .ndjson file); calls fn(text, len). */
static void each_sample(void (*fn)(const char *, size_t, const char *name))
{
    DIR *d = opendir(SAMPLES);
    assert_non_null(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) {
        const char *dot = strrchr(e->d_name, '.');
        if (!dot || (strcmp(dot, ".json") && strcmp(dot, ".ndjson")))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", SAMPLES, e->d_name);
        size_t n;
        char *text = read_file(path, &n);
        if (!strcmp(dot, ".json")) {
            fn(text, n, e->d_name);
        } else {
            for (char *p = text, *nl; p < text + n; p = nl + 1) {
                nl = memchr(p, '\n', (size_t)(text + n - p));
                if (!nl)
                    nl = text + n;
                if (nl > p)
                    fn(p, (size_t)(nl - p), e->d_name);
            }
        }
        free(text);
        files++;
    }
    closedir(d);
    assert_true(files >= 20);
}

/* --- Strictness ----------------------------------------------------------------- */

static const char *const valid[] = {
    "0", "-0", "1", "-1", "1.5", "-1.5e10", "1e5", "1E+5", "1e-5", "0.0", "-0.0e-0",
    "123456789012345678901234567890", "1e400", "1e-400",
    "\"\"", "\"a\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\u0000\"", "\"\\u00e9\\u20AC\"",
    "\"\\ud83d\\ude00\"", "\"\\uDBFF\\uDFFF\"", "\"\x7f\"", "\"\xc2\x80\xdf\xbf\"",
    "\"\xe0\xa0\x80\xef\xbf\xbf\xed\x9f\xbf\xee\x80\x80\"", "\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"",
    "true", "false", "null", " \t\r\n true \t\r\n ", "[]", "{}", "[ ]", "{ }", "[[]]",
    "[1,\"a\",true,false,null,{},[]]", "{\"a\":{\"b\":{\"c\":[1,2,{\"d\":null}]}}}",
    "{\"\":0}", "{\"a\":1,\"a\":2}", "[0,-0,0e0,0E-0,-0.0]",
    "{ \"a\" : [ 1 , 2 ] , \"b\" : { } }",
};

/* Invalid input and the offset of the error. */
static const struct {
    const char *in;
    size_t len; /* 0: strlen */
    size_t off;
} invalid[] = {
    {"", 0, 0}, {"   ", 0, 3}, {"[", 0, 1}, {"]", 0, 0}, {"{", 0, 1}, {"}", 0, 0},
    {"[1,]", 0, 3}, {"{\"a\":1,}", 0, 7}, {"[,1]", 0, 1}, {"{,}", 0, 1}, {"[1 2]", 0, 3},
    {"{\"a\" 1}", 0, 5}, {"{\"a\":}", 0, 5}, {"{1:2}", 0, 1}, {"{'a':1}", 0, 1},
    {"[1]]", 0, 3}, {"{}{}", 0, 2}, {"1 2", 0, 2}, {"{} x", 0, 3}, {"[}", 0, 1}, {"{]", 0, 1},
    {"[1}", 0, 2}, {"{\"a\":1]", 0, 6},
    /* comments, NaN, Infinity, other literals */
    {"[1]//c", 0, 3}, {"/*c*/[1]", 0, 0}, {"[NaN]", 0, 1}, {"[Infinity]", 0, 1},
    {"[-Infinity]", 0, 2}, {"True", 0, 0}, {"nul", 0, 0}, {"nulll", 0, 4}, {"tru", 0, 0},
    {"[truex]", 0, 5}, {"undefined", 0, 0},
    /* numbers */
    {"01", 0, 0}, {"-01", 0, 1}, {"00", 0, 0}, {"1.", 0, 2}, {".5", 0, 0}, {"+1", 0, 0},
    {"1e", 0, 2}, {"1e+", 0, 3}, {"-", 0, 1}, {"--1", 0, 1}, {"0x10", 0, 1}, {"1.e5", 0, 2},
    {"[1.]", 0, 3}, {"-.5", 0, 1}, {"1ee5", 0, 2}, {"1e5.5", 0, 3}, {"[01]", 0, 1},
    /* strings */
    {"\"abc", 0, 4}, {"\"", 0, 1}, {"\"\\", 0, 2}, {"\"a\tb\"", 0, 2}, {"\"a\nb\"", 0, 2},
    {"\"\\x41\"", 0, 2}, {"\"\\u12\"", 0, 1}, {"\"\\u12G4\"", 0, 1}, {"\"\\U0041\"", 0, 2},
    {"\"\\ud800\"", 0, 1}, {"\"\\udc00\"", 0, 1}, {"\"\\ud800\\u0041\"", 0, 7},
    {"\"\\udc00\\ud800\"", 0, 1}, {"\"\\ud800x\"", 0, 1}, {"\"\\ud800\\\"", 0, 1},
    {"\"\\ud800\\udbff\"", 0, 7}, {"'a'", 0, 0}, {"\"a\0b\"", 5, 2},
    /* UTF-8 */
    {"\"\x80\"", 0, 1}, {"\"\xbf\"", 0, 1}, {"\"\xc0\x80\"", 0, 1}, {"\"\xc1\xbf\"", 0, 1},
    {"\"\xc2\"", 0, 1}, {"\"\xc2\x41\"", 0, 1}, {"\"\xe0\x80\x80\"", 0, 1},
    {"\"\xe0\x9f\xbf\"", 0, 1}, {"\"\xed\xa0\x80\"", 0, 1}, {"\"\xed\xbf\xbf\"", 0, 1},
    {"\"\xe1\x80\"", 0, 1}, {"\"\xf0\x80\x80\x80\"", 0, 1}, {"\"\xf0\x8f\xbf\xbf\"", 0, 1},
    {"\"\xf4\x90\x80\x80\"", 0, 1}, {"\"\xf5\x80\x80\x80\"", 0, 1}, {"\"\xff\"", 0, 1},
    {"\"\xf0\x90\x80\"", 0, 1}, {"\"ok\xe2\x82\"", 0, 3}, {"\xef\xbb\xbf{}", 0, 0},
    {"[\xc3\xa9]", 0, 1}, {"\"\xe2\x82\xac", 0, 4},
    /* structure */
    {"[1,[2,[3]]", 0, 10}, {"{\"a\":{\"b\":1}", 0, 12}, {"[\"a\":1]", 0, 4},
    {"{\"a\":1 \"b\":2}", 0, 7}, {"\0", 1, 0}, {"[1]\0", 4, 3},
};

static void t_valid_inputs(void **state)
{
    struct mcl_json doc;
    struct input in = {0};
    struct mcl_json_error err;
    mcl_json_init(&doc);
    for (size_t i = 0; i < sizeof valid / sizeof *valid; i++) {
        int rc = parse_s(&doc, &in, valid[i], &err);
        if (rc)
            fail_msg("'%s' rejected at %zu: %s", valid[i], err.offset, err.reason);
        const struct mcl_json_tok *r = mcl_json_root(&doc);
        assert_non_null(r);
        assert_int_equal(r->next, doc.ntok);
        /* The root's raw span is the input without surrounding whitespace. */
        const char *p;
        size_t n;
        mcl_json_raw(&doc, r, &p, &n);
        const char *s = valid[i];
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
        assert_ptr_equal(p, in.p + (s - valid[i]));
        assert_true(n <= strlen(s));
    }
    free(in.p);
    mcl_json_fini(&doc);
}

static void t_invalid_inputs(void **state)
{
    struct mcl_json doc;
    struct input in = {0};
    struct mcl_json_error err;
    mcl_json_init(&doc);
    for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
        size_t len = invalid[i].len ? invalid[i].len : strlen(invalid[i].in);
        memset(&err, 0, sizeof err);
        int rc = parse_n(&doc, &in, invalid[i].in, len, NULL, &err);
        if (rc != MCL_EPARSE)
            fail_msg("case %zu '%s' accepted (rc %d)", i, invalid[i].in, rc);
        assert_null(mcl_json_root(&doc));
        assert_non_null(err.reason);
        if (err.offset != invalid[i].off)
            fail_msg("case %zu '%s': error at %zu (%s), expected %zu", i, invalid[i].in,
                     err.offset, err.reason, invalid[i].off);
        assert_int_equal(err.line, 1);
        assert_int_equal(err.column, err.offset + 1);
    }
    free(in.p);
    mcl_json_fini(&doc);
}

static void t_error_reasons_and_lines(void **state)
{
    struct mcl_json doc;
    struct input in = {0};
    struct mcl_json_error err;
    mcl_json_init(&doc);
    assert_int_equal(parse_s(&doc, &in, "{\n  \"a\": 1,\n  \"b\": 01\n}", &err), MCL_EPARSE);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 8);
    assert_int_equal(err.offset, 19);
    assert_string_equal(err.reason, "leading zero in number");
    assert_int_equal(parse_s(&doc, &in, "[1,\n2,\n]", &err), MCL_EPARSE);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 1);
    assert_string_equal(err.reason, "trailing comma");
    assert_int_equal(parse_s(&doc, &in, "{\"a\":1,}", &err), MCL_EPARSE);
    assert_string_equal(err.reason, "trailing comma");
    assert_int_equal(parse_s(&doc, &in, "", &err), MCL_EPARSE);
    assert_string_equal(err.reason, "empty input");
    assert_int_equal(parse_s(&doc, &in, "\"\\ud800\"", &err), MCL_EPARSE);
    assert_non_null(strstr(err.reason, "surrogate"));
    assert_int_equal(parse_s(&doc, &in, "\"\xed\xa0\x80\"", &err), MCL_EPARSE);
    assert_string_equal(err.reason, "invalid UTF-8");
    assert_int_equal(parse_s(&doc, &in, "[1] x", &err), MCL_EPARSE);
    assert_string_equal(err.reason, "unexpected data after the JSON value");
    /* NULL text with no length is the empty input, and err may be NULL. */
    assert_int_equal(mcl_json_parse(&doc, NULL, 0, NULL, &err), MCL_EPARSE);
    assert_int_equal(mcl_json_parse(&doc, NULL, 0, NULL, NULL), MCL_EPARSE);
    free(in.p);
    mcl_json_fini(&doc);
}

/* Every special byte at every position relative to a 16-byte block and to the
 * end of the input: the vector scan and the scalar tail must agree. */
static void t_string_scan_boundaries(void **state)
{
    static const struct {
        const char *ins;
        size_t n;
        bool ok;
        size_t err_at; /* relative to the inserted bytes */
    } cases[] = {
        {"\\n", 2, true, 0}, {"\\u00e9", 6, true, 0}, {"\xc3\xa9", 2, true, 0},
        {"\xf0\x9f\x98\x80", 4, true, 0}, {"\x1f", 1, false, 0}, {"\xc3", 1, false, 0},
        {"\xed\xa0\x80", 3, false, 0}, {"\\q", 2, false, 1}, {"\x7f", 1, true, 0},
    };
    struct mcl_json doc;
    struct input in = {0};
    struct mcl_json_error err;
    char buf[128];
    mcl_json_init(&doc);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        for (size_t pre = 0; pre < 40; pre++) {
            for (size_t post = 0; post < 20; post++) {
                size_t n = 0;
                buf[n++] = '"';
                memset(buf + n, 'a', pre);
                n += pre;
                memcpy(buf + n, cases[c].ins, cases[c].n);
                n += cases[c].n;
                memset(buf + n, 'b', post);
                n += post;
                buf[n++] = '"';
                int rc = parse_n(&doc, &in, buf, n, NULL, &err);
                if (cases[c].ok) {
                    assert_int_equal(rc, MCL_OK);
                    assert_int_equal(doc.tok[0].len, n - 2);
                } else {
                    assert_int_equal(rc, MCL_EPARSE);
                    assert_int_equal(err.offset, 1 + pre + cases[c].err_at);
                }
                /* Unterminated: the scan must stop at the end of the input. */
                assert_int_equal(parse_n(&doc, &in, buf, n - 1, NULL, &err), MCL_EPARSE);
            }
        }
    }
    free(in.p);
    mcl_json_fini(&doc);
}

/* Every 1-3 byte sequence checked against a reference decoder. */
static bool ref_utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i], need, cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) {
            need = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            need = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            need = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        for (unsigned k = 1; k <= need; k++) {
            if (i + k >= n || (s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        static const unsigned min[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min[need] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += need + 1;
    }
    return true;
}

static void t_utf8_exhaustive(void **state)
{
    /* Every lead byte, every second byte, and a third/fourth byte on each
     * side of the continuation range. */
    static const int thirds[] = {-1, 0x7f, 0x80, 0xbf, 0xc0};
    struct mcl_json doc;
    struct input in = {0};
    unsigned char buf[8];
    mcl_json_init(&doc);
    for (unsigned a = 0x80; a < 0x100; a++) {
        for (unsigned b = 0; b < 0x100; b++) {
            if (b < 0x20 || b == '"' || b == '\\')
                continue;
            for (size_t k = 0; k < sizeof thirds / sizeof *thirds; k++) {
                for (int four = 0; four < 2; four++) {
                    size_t n = 0;
                    buf[n++] = '"';
                    buf[n++] = (unsigned char)a;
                    buf[n++] = (unsigned char)b;
                    if (thirds[k] >= 0)
                        buf[n++] = (unsigned char)thirds[k];
                    if (four)
                        buf[n++] = 0xbf;
                    buf[n++] = '"';
                    bool want = ref_utf8_ok(buf + 1, n - 2);
                    int rc = parse_n(&doc, &in, (char *)buf, n, NULL, NULL);
                    if ((rc == MCL_OK) != want)
                        fail_msg("%02x %02x %d %d: rc %d, expected %s", a, b, thirds[k], four, rc,
                                 want ? "ok" : "error");
                }
            }
        }
    }
    free(in.p);
    mcl_json_fini(&doc);
}

static void t_escapes_decode(void **state)
{
    static const struct {
        const char *in;
        const char *out;
        size_t out_len;
    } cases[] = {
        {"\"plain\"", "plain", 5},
        {"\"a\\\"b\\\\c\\/d\"", "a\"b\\c/d", 7},
        {"\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t", 5},
        {"\"\\u0041\\u00e9\\u20ac\"", "A\xc3\xa9\xe2\x82\xac", 6},
        {"\"\\ud83d\\ude00!\"", "\xf0\x9f\x98\x80!", 5},
        {"\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4},
        {"\"x\\u0000y\"", "x\0y", 3},
        {"\"\\u007f\\u0080\\u07ff\\u0800\\uffff\"",
         "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf", 11},
    };
    struct mcl_json doc;
    struct input in = {0};
    struct mcl_buf b;
    mcl_json_init(&doc);
    mcl_buf_init(&b, 1024);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(parse_s(&doc, &in, cases[i].in, NULL), MCL_OK);
        const struct mcl_json_tok *t = mcl_json_root(&doc);
        mcl_buf_reset(&b);
        assert_int_equal(mcl_json_str_decode(&doc, t, &b), MCL_OK);
        assert_int_equal(b.len, cases[i].out_len);
        assert_memory_equal(b.data, cases[i].out, b.len);
        assert_int_equal(b.data[b.len], '\0');
        assert_true(mcl_json_str_eq(&doc, t, cases[i].out, cases[i].out_len));
        assert_false(mcl_json_str_eq(&doc, t, cases[i].out, cases[i].out_len - 1));
        const char *p;
        size_t n;
        bool esc = strchr(cases[i].in, '\\') != NULL;
        assert_int_equal(mcl_json_str_view(&doc, t, &p, &n), !esc);
        assert_int_equal(!!(t->info & MCL_JSON_F_ESCAPED), esc);
    }
    /* Not a string. */
    assert_int_equal(parse_s(&doc, &in, "12", NULL), MCL_OK);
    assert_int_equal(mcl_json_str_decode(&doc, mcl_json_root(&doc), &b), MCL_EINVAL);
    const char *p;
    size_t n;
    assert_false(mcl_json_str_view(&doc, mcl_json_root(&doc), &p, &n));
    assert_false(mcl_json_str_eq(&doc, mcl_json_root(&doc), "12", 2));
    /* The buffer's limit holds. */
    struct mcl_buf small;
    mcl_buf_init(&small, 3);
    assert_int_equal(parse_s(&doc, &in, "\"abcd\"", NULL), MCL_OK);
    assert_int_equal(mcl_json_str_decode(&doc, mcl_json_root(&doc), &small), MCL_ELIMIT);
    mcl_buf_fini(&small);
    mcl_buf_fini(&b);
    free(in.p);
    mcl_json_fini(&doc);
}

static void t_numbers(void **state)
{
    static const struct {
        const char *in;
        int int_rc;
        int64_t iv;
    } ints[] = {
        {"0", MCL_OK, 0},
        {"-0", MCL_OK, 0},
        {"42", MCL_OK, 42},
        {"-42", MCL_OK, -42},
        {"1731499059314", MCL_OK, 1731499059314},
        {"9223372036854775807", MCL_OK, INT64_MAX},
        {"-9223372036854775808", MCL_OK, INT64_MIN},
        {"9223372036854775808", MCL_ELIMIT, 0},
        {"-9223372036854775809", MCL_ELIMIT, 0},
        {"99999999999999999999", MCL_ELIMIT, 0},
        {"123456789012345678901234567890", MCL_ELIMIT, 0},
        {"1.0", MCL_EINVAL, 0},
        {"1e3", MCL_EINVAL, 0},
        {"-0.0", MCL_EINVAL, 0},
    };
    struct mcl_json doc;
    struct input in = {0};
    int64_t iv;
    double dv;
    mcl_json_init(&doc);
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        assert_int_equal(parse_s(&doc, &in, ints[i].in, NULL), MCL_OK);
        iv = 7;
        assert_int_equal(mcl_json_int(&doc, mcl_json_root(&doc), &iv), ints[i].int_rc);
        if (ints[i].int_rc == MCL_OK)
            assert_int_equal(iv, ints[i].iv);
        /* The same number inside an array (terminator in the input). */
        char arr[64];
        snprintf(arr, sizeof arr, "[%s]", ints[i].in);
        assert_int_equal(parse_s(&doc, &in, arr, NULL), MCL_OK);
        assert_int_equal(mcl_json_int(&doc, mcl_json_arr_get(&doc, mcl_json_root(&doc), 0), &iv),
                         ints[i].int_rc);
    }
    static const struct {
        const char *in;
        int rc;
        double v;
    } dbl[] = {
        {"1.5", MCL_OK, 1.5},   {"-2.5e-3", MCL_OK, -2.5e-3}, {"1E+2", MCL_OK, 100.0},
        {"0", MCL_OK, 0.0},     {"1e-400", MCL_OK, 0.0},      {"1e400", MCL_ELIMIT, HUGE_VAL},
        {"-1e400", MCL_ELIMIT, -HUGE_VAL},
        {"123456789012345678901234567890", MCL_OK, 1.2345678901234568e29},
    };
    for (size_t i = 0; i < sizeof dbl / sizeof *dbl; i++) {
        assert_int_equal(parse_s(&doc, &in, dbl[i].in, NULL), MCL_OK);
        assert_int_equal(mcl_json_double(&doc, mcl_json_root(&doc), &dv), dbl[i].rc);
        assert_true(dv == dbl[i].v);
        char arr[64];
        snprintf(arr, sizeof arr, "[%s,1]", dbl[i].in);
        assert_int_equal(parse_s(&doc, &in, arr, NULL), MCL_OK);
        assert_int_equal(mcl_json_double(&doc, mcl_json_arr_get(&doc, mcl_json_root(&doc), 0), &dv),
                         dbl[i].rc);
        assert_true(dv == dbl[i].v);
    }
    /* A number of 600 digits that ends the input cannot be copied out. */
    char big[601];
    memset(big, '1', 600);
    big[600] = '\0';
    assert_int_equal(parse_s(&doc, &in, big, NULL), MCL_OK);
    assert_int_equal(mcl_json_double(&doc, mcl_json_root(&doc), &dv), MCL_ELIMIT);
    assert_int_equal(mcl_json_int(&doc, mcl_json_root(&doc), &iv), MCL_ELIMIT);
    /* Wrong types. */
    assert_int_equal(parse_s(&doc, &in, "\"1\"", NULL), MCL_OK);
    assert_int_equal(mcl_json_int(&doc, mcl_json_root(&doc), &iv), MCL_EINVAL);
    assert_int_equal(mcl_json_double(&doc, mcl_json_root(&doc), &dv), MCL_EINVAL);
    free(in.p);
    mcl_json_fini(&doc);
}

/* --- Tape structure and accessors --------------------------------------------- */

static void t_tape_and_accessors(void **state)
{
    const char *s = "{\"a\":[1,{\"x\":true},\"s\"],\"b\":{},\"c\\u0064\":null,\"e\":{\"f\":[]}}";
    struct mcl_json doc;
    struct input in = {0};
    mcl_json_init(&doc);
    assert_int_equal(parse_s(&doc, &in, s, NULL), MCL_OK);
    const struct mcl_json_tok *r = mcl_json_root(&doc);
    assert_true(mcl_json_is_object(r));
    assert_int_equal(mcl_json_count(r), 4);
    assert_int_equal(r->next, doc.ntok);
    assert_int_equal(doc.ntok, 16);
    assert_false(r->info & MCL_JSON_F_SPACE);

    const struct mcl_json_tok *a = mcl_json_obj_get(&doc, r, "a");
    assert_true(mcl_json_is_array(a));
    assert_int_equal(mcl_json_count(a), 3);
    const char *p;
    size_t n;
    mcl_json_raw(&doc, a, &p, &n);
    assert_int_equal(n, strlen("[1,{\"x\":true},\"s\"]"));
    assert_memory_equal(p, "[1,{\"x\":true},\"s\"]", n);
    /* O(1) skip: "b" is the key right after a's subtree. */
    assert_true(mcl_json_str_eq(&doc, &doc.tok[a->next], "b", 1));

    const struct mcl_json_tok *e1 = mcl_json_arr_get(&doc, a, 1);
    assert_true(mcl_json_is_bool(mcl_json_obj_get(&doc, e1, "x")));
    assert_true(mcl_json_type(mcl_json_obj_get(&doc, e1, "x")) == MCL_JSON_TRUE);
    mcl_json_raw(&doc, mcl_json_arr_get(&doc, a, 2), &p, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(p, "\"s\"", 3);

    assert_true(mcl_json_is_object(mcl_json_obj_get(&doc, r, "b")));
    assert_int_equal(mcl_json_count(mcl_json_obj_get(&doc, r, "b")), 0);
    /* Escaped key "c\u0064" is "cd". */
    assert_true(mcl_json_is_null(mcl_json_obj_get(&doc, r, "cd")));
    assert_null(mcl_json_obj_get(&doc, r, "c\\u0064"));
    assert_null(mcl_json_obj_get(&doc, r, "c"));
    assert_null(mcl_json_obj_get(&doc, r, "cdx"));
    assert_null(mcl_json_obj_get(&doc, r, "zz"));
    assert_null(mcl_json_obj_get(&doc, a, "a"));  /* not an object */
    assert_null(mcl_json_obj_get(&doc, NULL, "a"));
    assert_null(mcl_json_arr_get(&doc, r, 0));    /* not an array */
    assert_true(mcl_json_is_array(mcl_json_obj_get(&doc, mcl_json_obj_get(&doc, r, "e"), "f")));

    /* Iterating members visits keys in input order. */
    static const char *const keys[] = {"a", "b", "cd", "e"};
    struct mcl_json_iter it;
    const struct mcl_json_tok *k, *v;
    size_t i = 0;
    mcl_json_iter_init(&it, &doc, r);
    while (mcl_json_iter_member(&it, &k, &v)) {
        assert_true(i < 4);
        assert_true(mcl_json_str_eq(&doc, k, keys[i], strlen(keys[i])));
        assert_ptr_equal(mcl_json_obj_get(&doc, r, keys[i]), v);
        i++;
    }
    assert_int_equal(i, 4);
    /* A scalar has no children. */
    mcl_json_iter_init(&it, &doc, mcl_json_obj_get(&doc, r, "cd"));
    assert_null(mcl_json_iter_next(&it));
    assert_int_equal(mcl_json_index(&doc, r), 0);

    /* Duplicate keys: the first wins. */
    assert_int_equal(parse_s(&doc, &in, "{\"k\":1,\"k\":2}", NULL), MCL_OK);
    int64_t iv;
    assert_int_equal(mcl_json_int(&doc, mcl_json_obj_get(&doc, mcl_json_root(&doc), "k"), &iv),
                     MCL_OK);
    assert_int_equal(iv, 1);
    /* Whitespace flags and spans. */
    assert_int_equal(parse_s(&doc, &in, " [ 1 , [2] ] ", NULL), MCL_OK);
    assert_true(doc.tok[0].info & MCL_JSON_F_SPACE);
    assert_false(doc.tok[2].info & MCL_JSON_F_SPACE);
    assert_int_equal(doc.tok[0].off, 1);
    assert_int_equal(doc.tok[0].len, 11);
    free(in.p);
    mcl_json_fini(&doc);
}

/* --- Limits and reuse --------------------------------------------------------- */

static void t_limits(void **state)
{
    struct mcl_json doc;
    struct input in = {0};
    struct mcl_json_error err;
    char deep[5000];
    mcl_json_init(&doc);
    /* Default depth 64. */
    memset(deep, '[', 64);
    memset(deep + 64, ']', 64);
    assert_int_equal(parse_n(&doc, &in, deep, 128, NULL, &err), MCL_OK);
    memset(deep, '[', 65);
    memset(deep + 65, ']', 65);
    assert_int_equal(parse_n(&doc, &in, deep, 130, NULL, &err), MCL_ELIMIT);
    assert_int_equal(err.offset, 64);
    assert_string_equal(err.reason, "nesting deeper than the limit");
    /* Explicit depth; objects count too. */
    struct mcl_json_limits lim = {.max_depth = 2};
    assert_int_equal(parse_s(&doc, &in, "{\"a\":[1]}", NULL), MCL_OK);
    assert_int_equal(parse_n(&doc, &in, "{\"a\":[1]}", 9, &lim, &err), MCL_OK);
    assert_int_equal(parse_n(&doc, &in, "{\"a\":[{}]}", 10, &lim, &err), MCL_ELIMIT);
    assert_int_equal(err.offset, 6);
    /* The hard ceiling applies whatever the caller asks. */
    lim.max_depth = 100000;
    memset(deep, '[', 2049);
    memset(deep + 2049, ']', 2049);
    assert_int_equal(parse_n(&doc, &in, deep, 4098, &lim, &err), MCL_ELIMIT);
    assert_int_equal(parse_n(&doc, &in, deep + 1, 4096, &lim, &err), MCL_OK);
    /* Tokens. */
    lim = (struct mcl_json_limits){.max_tokens = 4};
    assert_int_equal(parse_n(&doc, &in, "[1,2,3]", 7, &lim, &err), MCL_OK);
    assert_int_equal(doc.ntok, 4);
    assert_int_equal(parse_n(&doc, &in, "[1,2,3,4]", 9, &lim, &err), MCL_ELIMIT);
    assert_int_equal(err.offset, 7);
    assert_string_equal(err.reason, "more tokens than the limit");
    /* Still enforced when a previous parse grew the array past the limit. */
    assert_int_equal(parse_s(&doc, &in, "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19]", NULL),
                     MCL_OK);
    assert_int_equal(parse_n(&doc, &in, "[1,2,3,4]", 9, &lim, &err), MCL_ELIMIT);
    /* Input length. */
    lim = (struct mcl_json_limits){.max_len = 8};
    assert_int_equal(parse_n(&doc, &in, "[1,2,3]", 7, &lim, &err), MCL_OK);
    assert_int_equal(parse_n(&doc, &in, "[1,2,3,4]", 9, &lim, &err), MCL_ELIMIT);
    assert_int_equal(err.offset, 8);
    assert_null(mcl_json_root(&doc));
    free(in.p);
    mcl_json_fini(&doc);
}

static void t_doc_reuse(void **state)
{
    struct mcl_json doc;
    struct input in = {0};
    struct mcl_buf b;
    mcl_json_init(&doc);
    mcl_buf_init(&b, 1 << 20);
    size_t n;
    char *page = read_file(SAMPLES "/ttp-url-get-logs.json", &n);
    /* Warm up once, then the token array must not move or grow. */
    assert_int_equal(parse_n(&doc, &in, page, n, NULL, NULL), MCL_OK);
    uint32_t ntok = doc.ntok;
    assert_int_equal(mcl_json_write_canonical(&doc, mcl_json_root(&doc), &b), MCL_OK);
    const void *tok = doc.tok, *scratch = doc.scratch;
    uint32_t cap = doc.cap;
    for (int i = 0; i < 200; i++) {
        if (i % 3 == 1) {
            assert_int_equal(parse_s(&doc, &in, "{\"a\":[1,2,", NULL), MCL_EPARSE);
            assert_null(mcl_json_root(&doc));
        } else if (i % 3 == 2) {
            assert_int_equal(parse_s(&doc, &in, "{\"a\":[1,2]}", NULL), MCL_OK);
            assert_int_equal(doc.ntok, 5);
        } else {
            assert_int_equal(parse_n(&doc, &in, page, n, NULL, NULL), MCL_OK);
            assert_int_equal(doc.ntok, ntok);
            const struct mcl_json_tok *d = mcl_json_obj_get(&doc, mcl_json_root(&doc), "data");
            assert_true(mcl_json_is_array(d));
            mcl_buf_reset(&b);
            assert_int_equal(mcl_json_write_canonical(&doc, mcl_json_root(&doc), &b), MCL_OK);
        }
        assert_ptr_equal(doc.tok, tok);
        assert_ptr_equal(doc.scratch, scratch);
        assert_int_equal(doc.cap, cap);
    }
    free(page);
    mcl_buf_fini(&b);
    free(in.p);
    mcl_json_fini(&doc);
}

/* --- Samples against jansson ------------------------------------------------- */

static int samples_seen;

static void check_sample(const char *text, size_t len, const char *name)
{
    struct mcl_json doc;
    struct input in = {0};
    struct mcl_json_error err;
    json_error_t jerr;
    mcl_json_init(&doc);
    int rc = parse_n(&doc, &in, text, len, NULL, &err);
    if (rc)
        fail_msg("%s: %s at %u:%u", name, err.reason, err.line, err.column);
    json_t *j = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    assert_non_null(j);
    assert_same(&doc, mcl_json_root(&doc), j);

    /* Canonical form equals jansson's sorted compact dump (the samples have
     * no reals), and so does the compact form of the key-sorted dump. */
    struct mcl_buf b;
    mcl_buf_init(&b, 1 << 20);
    assert_int_equal(mcl_json_write_canonical(&doc, mcl_json_root(&doc), &b), MCL_OK);
    char *jd = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
    assert_string_equal(b.data, jd);
    free(jd);
    /* Compact form equals jansson's compact dump in input order (no escapes
     * in the samples, so source strings are jansson's strings). */
    mcl_buf_reset(&b);
    assert_int_equal(mcl_json_write_compact(&doc, mcl_json_root(&doc), &b), MCL_OK);
    jd = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    assert_string_equal(b.data, jd);
    free(jd);
    json_decref(j);
    mcl_buf_fini(&b);
    free(in.p);
    mcl_json_fini(&doc);
    samples_seen++;
}

static void t_samples_match_jansson(void **state)
{
    samples_seen = 0;
    each_sample(check_sample);
    assert_true(samples_seen >= 30);
}

/* --- Raw spans --------------------------------------------------------------- */

static void t_raw_spans_of_records(void **state)
{
    /* A page assembled from known records with varied whitespace: each
     * element's raw span must be exactly the record's bytes. */
    static const char *const recs[] = {
        "{\"id\":\"a\",\"n\":1}",
        "{\n  \"id\" : \"b\\\"q\\u00e9\",\n  \"tags\" : [ \"x\" , { } ]\n}",
        "{\"id\":\"c\xc3\xa9\",\"deep\":{\"l\":[[[]]],\"m\":{\"n\":null}}}",
        "[1,2]",
        "\"str\"",
        "-12.5e3",
        "true",
    };
    size_t nrec = sizeof recs / sizeof *recs;
    struct mcl_buf page;
    size_t starts[16];
    mcl_buf_init(&page, 1 << 16);
    assert_int_equal(mcl_buf_append_str(&page, "{\"meta\":{\"status\":200},\"data\":[ \n"), MCL_OK);
    for (size_t i = 0; i < nrec; i++) {
        if (i)
            assert_int_equal(mcl_buf_append_str(&page, i % 2 ? " ,\n\t" : ","), MCL_OK);
        starts[i] = page.len;
        assert_int_equal(mcl_buf_append_str(&page, recs[i]), MCL_OK);
    }
    assert_int_equal(mcl_buf_append_str(&page, "\r\n],\"fail\":[]}"), MCL_OK);

    struct mcl_json doc;
    struct input in = {0};
    mcl_json_init(&doc);
    assert_int_equal(parse_n(&doc, &in, page.data, page.len, NULL, NULL), MCL_OK);
    const struct mcl_json_tok *data = mcl_json_obj_get(&doc, mcl_json_root(&doc), "data");
    assert_int_equal(mcl_json_count(data), nrec);
    struct mcl_json_iter it;
    const struct mcl_json_tok *e;
    size_t i = 0;
    mcl_json_iter_init(&it, &doc, data);
    while ((e = mcl_json_iter_next(&it))) {
        const char *p;
        size_t n;
        mcl_json_raw(&doc, e, &p, &n);
        assert_int_equal(p - in.p, starts[i]);
        assert_int_equal(n, strlen(recs[i]));
        assert_memory_equal(p, recs[i], n);
        i++;
    }
    assert_int_equal(i, nrec);
    /* Every sample record too: a record's span re-parses to the same
     * canonical form as the record inside its page. */
    size_t n;
    char *text = read_file(SAMPLES "/ttp-url-get-logs.json", &n);
    struct mcl_json one;
    struct mcl_buf c1, c2;
    mcl_json_init(&one);
    mcl_buf_init(&c1, 1 << 20);
    mcl_buf_init(&c2, 1 << 20);
    assert_int_equal(parse_n(&doc, &in, text, n, NULL, NULL), MCL_OK);
    const struct mcl_json_tok *logs = mcl_json_obj_get(
        &doc, mcl_json_arr_get(&doc, mcl_json_obj_get(&doc, mcl_json_root(&doc), "data"), 0),
        "clickLogs");
    assert_int_equal(mcl_json_count(logs), 2);
    mcl_json_iter_init(&it, &doc, logs);
    while ((e = mcl_json_iter_next(&it))) {
        const char *p;
        size_t rn;
        mcl_json_raw(&doc, e, &p, &rn);
        assert_int_equal(p[0], '{');
        assert_int_equal(p[rn - 1], '}');
        assert_int_equal(mcl_json_parse(&one, p, rn, NULL, NULL), MCL_OK);
        mcl_buf_reset(&c1);
        mcl_buf_reset(&c2);
        assert_int_equal(mcl_json_write_canonical(&doc, e, &c1), MCL_OK);
        assert_int_equal(mcl_json_write_canonical(&one, mcl_json_root(&one), &c2), MCL_OK);
        assert_string_equal(c1.data, c2.data);
    }
    free(text);
    mcl_buf_fini(&c1);
    mcl_buf_fini(&c2);
    mcl_json_fini(&one);
    mcl_buf_fini(&page);
    free(in.p);
    mcl_json_fini(&doc);
}

/* --- Canonical form ------------------------------------------------------------ */

static void t_canonical_strings(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"\"a\\/b\"", "\"a/b\""},
        {"\"\\u0041\\u00e9\\u20ac\\ud83d\\ude00\"", "\"A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""},
        {"\"\\u0022\\u005c\\\"\\\\\"", "\"\\\"\\\\\\\"\\\\\""},
        {"\"\\u0008\\u000c\\u000a\\u000d\\u0009\"", "\"\\b\\f\\n\\r\\t\""},
        {"\"\\u0000\\u001f\\u0001\\u007f\"", "\"\\u0000\\u001F\\u0001\x7f\""},
        {"\"\\u2028\"", "\"\xe2\x80\xa8\""},
        {"\"plain \xc3\xa9\"", "\"plain \xc3\xa9\""},
        {" [ 1 , 2.50 , -0 , 1E5 ] ", "[1,2.50,-0,1E5]"},
        {"{ \"b\" : true , \"a\" : null , \"\" : false }", "{\"\":false,\"a\":null,\"b\":true}"},
        /* Keys ordered by decoded bytes: "\u0061" is "a"; "ab" < "abc" < "b";
         * U+00E9 (c3 a9) sorts after every ASCII key. */
        {"{\"b\":1,\"\\u00e9\":2,\"abc\":3,\"ab\":4,\"\\u0061\":5,\"~\":6}",
         "{\"a\":5,\"ab\":4,\"abc\":3,\"b\":1,\"~\":6,\"\xc3\xa9\":2}"},
        /* Long keys that share their first 8 bytes. */
        {"{\"prefix12_b\":1,\"prefix12\":2,\"prefix12_a\":3,\"prefix1\":4}",
         "{\"prefix1\":4,\"prefix12\":2,\"prefix12_a\":3,\"prefix12_b\":1}"},
        /* A key with a NUL sorts after its prefix, before longer keys. */
        {"{\"a\\u0000b\":1,\"a\":2,\"a\\u0001\":3}", "{\"a\":2,\"a\\u0000b\":1,\"a\\u0001\":3}"},
        /* Duplicates kept, input order among them. */
        {"{\"k\":2,\"a\":0,\"k\":1}", "{\"a\":0,\"k\":2,\"k\":1}"},
        /* Escaped and unescaped spellings of one key are equal keys. */
        {"{\"k\\u0065y\":2,\"key\":1}", "{\"key\":2,\"key\":1}"},
    };
    struct mcl_json doc;
    struct input in = {0};
    struct mcl_buf b;
    mcl_json_init(&doc);
    mcl_buf_init(&b, 4096);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(parse_s(&doc, &in, cases[i].in, NULL), MCL_OK);
        mcl_buf_reset(&b);
        assert_int_equal(mcl_json_write_canonical(&doc, mcl_json_root(&doc), &b), MCL_OK);
        assert_int_equal(b.len, strlen(cases[i].out));
        assert_string_equal(b.data, cases[i].out);
    }
    /* A full buffer fails cleanly and leaves the buffer as it was. */
    struct mcl_buf small;
    mcl_buf_init(&small, 4);
    assert_int_equal(mcl_buf_append_str(&small, "xy"), MCL_OK);
    assert_int_equal(parse_s(&doc, &in, "[1,2,3]", NULL), MCL_OK);
    assert_int_equal(mcl_json_write_canonical(&doc, mcl_json_root(&doc), &small), MCL_ELIMIT);
    assert_string_equal(small.data, "xy");
    mcl_buf_fini(&small);
    mcl_buf_fini(&b);
    free(in.p);
    mcl_json_fini(&doc);
}

/* Writes jansson value j with shuffled members, random whitespace and
 * random (but equivalent) string escapes. */
static void ws(struct mcl_buf *b, uint64_t *rs)
{
    static const char *const w[] = {"", "", "", " ", "\n", "\t", "\r\n  ", "  "};
    assert_int_equal(mcl_buf_append_str(b, w[rng_below(rs, 8)]), MCL_OK);
}

static void emit_string(struct mcl_buf *b, const char *s, size_t n, uint64_t *rs)
{
    mcl_buf_append_char(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        unsigned cp = c, len = 1;
        if (c >= 0xf0) {
            cp = (c & 7u) << 18 | (s[i + 1] & 0x3fu) << 12 | (s[i + 2] & 0x3fu) << 6 |
                 (s[i + 3] & 0x3fu);
            len = 4;
        } else if (c >= 0xe0) {
            cp = (c & 15u) << 12 | (s[i + 1] & 0x3fu) << 6 | (s[i + 2] & 0x3fu);
            len = 3;
        } else if (c >= 0xc0) {
            cp = (c & 31u) << 6 | (s[i + 1] & 0x3fu);
            len = 2;
        }
        bool must = cp < 0x20 || cp == '"' || cp == '\\';
        if (must || rng_below(rs, 6) == 0) {
            const char *shortesc = NULL;
            switch (cp) {
            case '"': shortesc = "\\\""; break;
            case '\\': shortesc = "\\\\"; break;
            case '/': shortesc = "\\/"; break;
            case '\n': shortesc = "\\n"; break;
            case '\t': shortesc = "\\t"; break;
            default: break;
            }
            if (shortesc && rng_below(rs, 2))
                mcl_buf_append_str(b, shortesc);
            else if (cp >= 0x10000)
                mcl_buf_appendf(b, "\\u%04x\\u%04X", 0xd800 + ((cp - 0x10000) >> 10),
                                0xdc00 + ((cp - 0x10000) & 0x3ff));
            else
                mcl_buf_appendf(b, rng_below(rs, 2) ? "\\u%04x" : "\\u%04X", cp);
        } else {
            mcl_buf_append(b, s + i, len);
        }
        i += len;
    }
    mcl_buf_append_char(b, '"');
}

static void emit_random(struct mcl_buf *b, json_t *j, uint64_t *rs)
{
    ws(b, rs);
    if (json_is_object(j)) {
        size_t n = json_object_size(j), k = 0;
        const char **keys = calloc(n + 1, sizeof *keys);
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v) keys[k++] = key;
        for (size_t i = n; i > 1; i--) {
            size_t r = rng_below(rs, i);
            const char *t = keys[i - 1];
            keys[i - 1] = keys[r];
            keys[r] = t;
        }
        mcl_buf_append_char(b, '{');
        for (size_t i = 0; i < n; i++) {
            if (i)
                mcl_buf_append_char(b, ',');
            ws(b, rs);
            emit_string(b, keys[i], strlen(keys[i]), rs);
            ws(b, rs);
            mcl_buf_append_char(b, ':');
            emit_random(b, json_object_get(j, keys[i]), rs);
        }
        ws(b, rs);
        mcl_buf_append_char(b, '}');
        free(keys);
    } else if (json_is_array(j)) {
        mcl_buf_append_char(b, '[');
        for (size_t i = 0; i < json_array_size(j); i++) {
            if (i)
                mcl_buf_append_char(b, ',');
            emit_random(b, json_array_get(j, i), rs);
        }
        ws(b, rs);
        mcl_buf_append_char(b, ']');
    } else if (json_is_string(j)) {
        emit_string(b, json_string_value(j), json_string_length(j), rs);
    } else {
        char *d = json_dumps(j, JSON_ENCODE_ANY);
        mcl_buf_append_str(b, d);
        free(d);
    }
    ws(b, rs);
}

static void check_invariance(json_t *rec, bool oracle, uint64_t *rs)
{
    struct mcl_json doc;
    struct mcl_buf first, b, text;
    unsigned char h1[MCL_SHA256_LEN], h2[MCL_SHA256_LEN];
    struct mcl_sha256_ctx *ctx = mcl_sha256_create();
    assert_non_null(ctx);
    mcl_json_init(&doc);
    mcl_buf_init(&first, 1 << 20);
    mcl_buf_init(&b, 1 << 20);
    mcl_buf_init(&text, 1 << 20);
    for (int v = 0; v < 20; v++) {
        mcl_buf_reset(&text);
        emit_random(&text, rec, rs);
        struct mcl_json_error err;
        if (mcl_json_parse(&doc, text.data, text.len, NULL, &err))
            fail_msg("variant rejected: %s at %zu in %s", err.reason, err.offset, text.data);
        mcl_buf_reset(&b);
        assert_int_equal(mcl_json_write_canonical(&doc, mcl_json_root(&doc), &b), MCL_OK);
        assert_true(b.len <= text.len);
        assert_int_equal(mcl_json_hash_canonical(&doc, mcl_json_root(&doc), ctx), MCL_OK);
        mcl_sha256_final(ctx, h1);
        mcl_sha256(b.data, b.len, h2);
        assert_memory_equal(h1, h2, sizeof h1);
        if (v == 0 && oracle) {
            char *jd = json_dumps(rec, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
            assert_string_equal(b.data, jd);
            free(jd);
        }
        if (v == 0) {
            mcl_buf_append(&first, b.data, b.len);
        } else {
            assert_string_equal(b.data, first.data);
        }
        /* Compact keeps order and escapes but drops every space. */
        mcl_buf_reset(&b);
        assert_int_equal(mcl_json_write_compact(&doc, mcl_json_root(&doc), &b), MCL_OK);
        json_error_t jerr;
        json_t *back = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        assert_non_null(back);
        assert_true(json_equal(back, rec));
        json_decref(back);
        assert_int_equal(mcl_json_parse(&doc, b.data, b.len, NULL, NULL), MCL_OK);
        assert_false(doc.tok[0].info & MCL_JSON_F_SPACE);
    }
    mcl_sha256_destroy(ctx);
    mcl_buf_fini(&first);
    mcl_buf_fini(&b);
    mcl_buf_fini(&text);
    mcl_json_fini(&doc);
}

static uint64_t inv_seed = 0x9e3779b97f4a7c15ull;

static void invariance_sample(const char *text, size_t len, const char *name)
{
    json_error_t jerr;
    json_t *j = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
    assert_non_null(j);
    check_invariance(j, true, &inv_seed);
    json_decref(j);
}

static void t_canonical_invariance(void **state)
{
    each_sample(invariance_sample);
    /* Records with non-ASCII text, control characters and nested arrays of
     * objects, like mcsim's and the real API's. */
    static const char *const extra[] = {
        "{\"subject\":\"Rechnung f\xc3\xbcr M\xc3\xa4rz \xe2\x82\xac \xf0\x9f\x93\x8e\","
        "\"note\":\"tab\\there \\\"q\\\" back\\\\slash\\u0001\",\"url\":\"http://x/y?a=1&b=2\","
        "\"list\":[{\"z\":1,\"y\":[true,false,null]},"
        "{\"\xe6\x97\xa5\xe6\x9c\xac\":\"\xe8\xaa\x9e\"}],"
        "\"n\":-17,\"big\":9223372036854775807,\"e\":{}}",
        "[{\"b\":1,\"a\":2},{\"d\":[],\"c\":[{}]},\"\\u00ff\\u0100\",-0e1]",
    };
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++) {
        json_error_t jerr;
        json_t *j = json_loads(extra[i], JSON_DECODE_ANY, &jerr);
        assert_non_null(j);
        /* extra[1] has a real: canonical keeps its source text, so only
         * invariance is checked, not jansson's rendering. */
        check_invariance(j, i != 1, &inv_seed);
        json_decref(j);
    }
}

/* A record larger than the 4 KiB hash chunk, with a string larger than it. */
static void t_hash_large_values(void **state)
{
    struct mcl_buf text, b;
    struct mcl_json doc;
    unsigned char h1[MCL_SHA256_LEN], h2[MCL_SHA256_LEN];
    struct mcl_sha256_ctx *ctx = mcl_sha256_create();
    mcl_buf_init(&text, 1 << 20);
    mcl_buf_init(&b, 1 << 20);
    mcl_json_init(&doc);
    mcl_buf_append_str(&text, "{\"z\":\"");
    for (int i = 0; i < 10000; i++)
        mcl_buf_append_char(&text, (char)('a' + i % 26));
    mcl_buf_append_str(&text, "\",\"a\":[");
    for (int i = 0; i < 2000; i++)
        mcl_buf_appendf(&text, "%s{\"k%d\":\"v\\n%d\"}", i ? "," : "", i % 7, i);
    mcl_buf_append_str(&text, "]}");
    assert_int_equal(mcl_json_parse(&doc, text.data, text.len, NULL, NULL), MCL_OK);
    assert_int_equal(mcl_json_write_canonical(&doc, mcl_json_root(&doc), &b), MCL_OK);
    assert_int_equal(mcl_json_hash_canonical(&doc, mcl_json_root(&doc), ctx), MCL_OK);
    mcl_sha256_final(ctx, h1);
    mcl_sha256(b.data, b.len, h2);
    assert_memory_equal(h1, h2, sizeof h1);
    assert_memory_equal(b.data, "{\"a\":[{\"k0\":\"v\\n0\"},", 20);
    /* An object with more members than the insertion sort handles. */
    mcl_buf_reset(&text);
    mcl_buf_append_char(&text, '{');
    for (int i = 0; i < 300; i++)
        mcl_buf_appendf(&text, "%s\"k%03d\":%d", i ? "," : "", (i * 37) % 300, i);
    mcl_buf_append_char(&text, '}');
    assert_int_equal(mcl_json_parse(&doc, text.data, text.len, NULL, NULL), MCL_OK);
    mcl_buf_reset(&b);
    assert_int_equal(mcl_json_write_canonical(&doc, mcl_json_root(&doc), &b), MCL_OK);
    json_error_t jerr;
    json_t *j = json_loadb(text.data, text.len, 0, &jerr);
    char *jd = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(b.data, jd);
    free(jd);
    json_decref(j);
    mcl_sha256_destroy(ctx);
    mcl_buf_fini(&text);
    mcl_buf_fini(&b);
    mcl_json_fini(&doc);
}

static void t_compact_writer(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {" { \"a\" : [ 1 , \"x y\" , { } ] ,\n\t\"b\\n\" : \"\\u00e9 \" } ",
         "{\"a\":[1,\"x y\",{}],\"b\\n\":\"\\u00e9 \"}"},
        {"{\"b\":1,\"a\":2}", "{\"b\":1,\"a\":2}"},
        {"  \"s p\"  ", "\"s p\""},
        {"[ ]", "[]"},
        {" 12 ", "12"},
    };
    struct mcl_json doc;
    struct input in = {0};
    struct mcl_buf b;
    mcl_json_init(&doc);
    mcl_buf_init(&b, 4096);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(parse_s(&doc, &in, cases[i].in, NULL), MCL_OK);
        mcl_buf_reset(&b);
        assert_int_equal(mcl_json_write_compact(&doc, mcl_json_root(&doc), &b), MCL_OK);
        assert_string_equal(b.data, cases[i].out);
    }
    /* Sub-values: only the value's own span. */
    assert_int_equal(parse_s(&doc, &in, "{\"a\": [ 1, 2 ], \"b\": {\"c\": [3]}}", NULL), MCL_OK);
    mcl_buf_reset(&b);
    const struct mcl_json_tok *r = mcl_json_root(&doc);
    assert_int_equal(mcl_json_write_compact(&doc, mcl_json_obj_get(&doc, r, "a"), &b), MCL_OK);
    assert_int_equal(mcl_json_write_compact(&doc, mcl_json_obj_get(&doc, r, "b"), &b), MCL_OK);
    assert_string_equal(b.data, "[1,2]{\"c\":[3]}");
    mcl_buf_fini(&b);
    free(in.p);
    mcl_json_fini(&doc);
}

/* --- Validity against jansson on mutated samples ----------------------------- */

static void t_mutations_agree_with_jansson(void **state)
{
    size_t n;
    char *base = read_file(SAMPLES "/ttp-url-get-logs.json", &n);
    static const char alphabet[] = "{}[],:\"\\ 0123456789-+.eEtrufalsn\x80\xc3\xa9\xed\xf4\x01\t/u";
    struct mcl_json doc;
    struct input in = {0};
    uint64_t rs = 12345;
    int accepted = 0, rejected = 0;
    mcl_json_init(&doc);
    char *m = malloc(n + 8);
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = n;
        memcpy(m, base, n);
        int edits = 1 + (int)rng_below(&rs, 3);
        for (int e = 0; e < edits; e++) {
            size_t at = rng_below(&rs, len);
            char c = alphabet[rng_below(&rs, sizeof alphabet - 1)];
            switch (rng_below(&rs, 3)) {
            case 0:
                m[at] = c;
                break;
            case 1:
                memmove(m + at, m + at + 1, len - at - 1);
                len--;
                break;
            default:
                if (len < n + 8) {
                    memmove(m + at + 1, m + at, len - at);
                    m[at] = c;
                    len++;
                }
            }
        }
        json_error_t jerr;
        json_t *j = json_loadb(m, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        int rc = parse_n(&doc, &in, m, len, NULL, NULL);
        /* Known differences: jansson refuses NUL in keys and numbers that
         * overflow int64 or double; RFC 8259 allows both. */
        if (!j && (json_error_code(&jerr) == json_error_null_byte_in_key ||
                   json_error_code(&jerr) == json_error_numeric_overflow))
            continue;
        if ((rc == MCL_OK) != (j != NULL))
            fail_msg("disagree (ours %d, jansson %s) on:\n%.*s", rc, j ? "ok" : jerr.text,
                     (int)len, m);
        if (j) {
            accepted++;
            json_decref(j);
        } else {
            rejected++;
        }
    }
    assert_true(accepted > 100);
    assert_true(rejected > 1000);
    free(m);
    free(base);
    free(in.p);
    mcl_json_fini(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_valid_inputs),
        cmocka_unit_test(t_invalid_inputs),
        cmocka_unit_test(t_error_reasons_and_lines),
        cmocka_unit_test(t_string_scan_boundaries),
        cmocka_unit_test(t_utf8_exhaustive),
        cmocka_unit_test(t_escapes_decode),
        cmocka_unit_test(t_numbers),
        cmocka_unit_test(t_tape_and_accessors),
        cmocka_unit_test(t_limits),
        cmocka_unit_test(t_doc_reuse),
        cmocka_unit_test(t_samples_match_jansson),
        cmocka_unit_test(t_raw_spans_of_records),
        cmocka_unit_test(t_canonical_strings),
        cmocka_unit_test(t_canonical_invariance),
        cmocka_unit_test(t_hash_large_values),
        cmocka_unit_test(t_compact_writer),
        cmocka_unit_test(t_mutations_agree_with_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
