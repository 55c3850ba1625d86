/* src/sources/logdef: request bodies per log type, page parsing of every
 * log-type sample in shared/mimecast/samples, event times (odd forms and
 * fallbacks), dedupe keys and the stored record text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "core/time.h"
#include "sources/logdef.h"

static json_t *load_sample(const char *name)
{
    char path[1024];
    json_error_t je;
    snprintf(path, sizeof path, "%s/mimecast/samples/%s", MCL_SHARED_DIR, name);
    json_t *j = json_load_file(path, 0, &je);
    if (!j)
        fail_msg("%s: %s", path, je.text);
    return j;
}

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fail_msg("test JSON: %s at %d:%d", je.text, je.line, je.column);
    return j;
}

static const struct mcl_logdef *def(enum mcl_logtype t)
{
    const struct mcl_logdef *d = mcl_logdef_get(t);
    assert_non_null(d);
    return d;
}

/* ---- request bodies ---- */

static void check_request(enum mcl_logtype t, const char *from_name, const char *to_name,
                          const char *extra[][2], size_t n_extra)
{
    struct mcl_buf b;
    mcl_buf_init(&b, 4096);
    const int64_t from = 1700000000000LL, to = 1700003600123LL;
    for (int with_token = 0; with_token < 2; with_token++) {
        mcl_buf_reset(&b);
        assert_int_equal(mcl_logdef_request(def(t), from, to, 100,
                                            with_token ? "tok\"en/+=" : NULL, &b),
                         MCL_OK);
        json_t *j = parse(b.data);
        json_t *pg = json_object_get(json_object_get(j, "meta"), "pagination");
        assert_int_equal(json_integer_value(json_object_get(pg, "pageSize")), 100);
        if (with_token)
            assert_string_equal(json_string_value(json_object_get(pg, "pageToken")), "tok\"en/+=");
        else
            assert_null(json_object_get(pg, "pageToken"));
        json_t *data = json_object_get(j, "data");
        assert_int_equal(json_array_size(data), 1);
        json_t *q = json_array_get(data, 0);
        /* explicit UTC offset, whole seconds */
        assert_string_equal(json_string_value(json_object_get(q, from_name)),
                            "2023-11-14T22:13:20+0000");
        assert_string_equal(json_string_value(json_object_get(q, to_name)),
                            "2023-11-14T23:13:20+0000");
        assert_int_equal(json_object_size(q), 2 + n_extra);
        for (size_t i = 0; i < n_extra; i++) {
            json_t *v = json_object_get(q, extra[i][0]);
            assert_non_null(v);
            char *dumped = json_dumps(v, JSON_ENCODE_ANY);
            assert_string_equal(dumped, extra[i][1]);
            free(dumped);
        }
        json_decref(j);
    }
    mcl_buf_fini(&b);
}

static void t_request_bodies(void **state)
{
    check_request(MCL_LOGTYPE_AUDIT, "startDateTime", "endDateTime", NULL, 0);
    const char *dlp[][2] = {{"oldestFirst", "true"}};
    check_request(MCL_LOGTYPE_DLP, "from", "to", dlp, 1);
    const char *rej[][2] = {{"admin", "true"}};
    check_request(MCL_LOGTYPE_REJECTION, "start", "end", rej, 1);
    const char *url[][2] = {{"oldestFirst", "true"}, {"route", "\"all\""}, {"scanResult", "\"all\""}};
    check_request(MCL_LOGTYPE_TTP_URL, "from", "to", url, 3);
    const char *imp[][2] = {{"oldestFirst", "true"}};
    check_request(MCL_LOGTYPE_TTP_IMPERSONATION, "from", "to", imp, 1);
    const char *att[][2] = {{"oldestFirst", "true"}, {"route", "\"all\""}, {"result", "\"all\""}};
    check_request(MCL_LOGTYPE_TTP_ATTACHMENT, "from", "to", att, 3);

    struct mcl_buf b;
    mcl_buf_init(&b, 4096);
    assert_int_equal(mcl_logdef_request(def(MCL_LOGTYPE_DLP), 0, 1, 0, NULL, &b), MCL_EINVAL);
    assert_int_equal(mcl_logdef_request(def(MCL_LOGTYPE_DLP), 2, 1, 10, NULL, &b), MCL_EINVAL);
    /* "" means first page */
    assert_int_equal(mcl_logdef_request(def(MCL_LOGTYPE_DLP), 0, 1, 10, "", &b), MCL_OK);
    assert_null(strstr(b.data, "pageToken"));
    assert_non_null(strstr(b.data, "\"from\":\"1970-01-01T00:00:00+0000\""));
    mcl_buf_fini(&b);
}

static void t_table(void **state)
{
    assert_null(mcl_logdef_get(MCL_LOGTYPE_COUNT));
    for (int t = 0; t < MCL_LOGTYPE_COUNT; t++) {
        const struct mcl_logdef *d = def((enum mcl_logtype)t);
        assert_int_equal(d->type, t);
        assert_string_equal(d->name, mcl_logtype_name((enum mcl_logtype)t));
        assert_true(d->max_lookback_ms >= 30 * MCL_LOGDEF_DAY_MS);
        assert_non_null(strstr(d->permission, "| Read"));
    }
    assert_true(def(MCL_LOGTYPE_AUDIT)->lookback_documented);
    assert_int_equal(def(MCL_LOGTYPE_AUDIT)->max_lookback_ms, 60 * MCL_LOGDEF_DAY_MS);
    assert_string_equal(def(MCL_LOGTYPE_AUDIT)->permission, "Account | Logs | Read");
    assert_string_equal(def(MCL_LOGTYPE_DLP)->permission, "Monitoring | Data Leak Prevention | Read");
    assert_string_equal(def(MCL_LOGTYPE_REJECTION)->permission, "Monitoring | Rejections | Read");
    assert_string_equal(def(MCL_LOGTYPE_TTP_URL)->permission, "Monitoring | URL Protection | Read");
    assert_string_equal(def(MCL_LOGTYPE_TTP_ATTACHMENT)->permission,
                        "Monitoring | Attachment Protection | Read");
    assert_string_equal(def(MCL_LOGTYPE_TTP_IMPERSONATION)->permission,
                        "Monitoring | Impersonation Protection | Read");
}

/* ---- pages ---- */

struct page_case {
    const char *file;
    enum mcl_logtype type;
    size_t n;
    const char *next;
    bool done;
    const char *first_time; /* event time of record 0 */
};

static void t_page_samples(void **state)
{
    const struct page_case cases[] = {
        {"audit-get-audit-events.json", MCL_LOGTYPE_AUDIT, 1, "mock_pagination_token_abc123xyz",
         false, "2025-01-01T10:00:00+0000"},
        {"dlp-get-logs.json", MCL_LOGTYPE_DLP, 2, "nexttoken", false, "2024-11-18T05:11:02+0000"},
        {"ttp-url-get-logs.json", MCL_LOGTYPE_TTP_URL, 2, "nexttoken", false,
         "2024-11-17T17:02:30+0000"},
        {"ttp-url-get-logs.last-page-empty.json", MCL_LOGTYPE_TTP_URL, 0, "String", true, NULL},
        {"ttp-url-get-logs.v1-style.json", MCL_LOGTYPE_TTP_URL, 1, NULL, true,
         "2021-11-10T08:55:53+0000"},
        {"ttp-attachment-get-logs.json", MCL_LOGTYPE_TTP_ATTACHMENT, 2, "nexttoken", false,
         "2024-11-17T20:16:00+0000"},
        {"ttp-impersonation-get-logs.json", MCL_LOGTYPE_TTP_IMPERSONATION, 2, "nexttoken", false,
         "2021-11-12T15:30:15+0000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct page_case *c = &cases[i];
        struct mcl_logdef_page p;
        assert_int_equal(mcl_logdef_page_take(def(c->type), load_sample(c->file), &p), MCL_OK);
        assert_int_equal(p.n_records, c->n);
        if (c->next)
            assert_string_equal(p.next, c->next);
        else
            assert_null(p.next);
        assert_int_equal(p.done, c->done);
        assert_int_equal(p.n_skipped, 0);
        if (c->first_time) {
            int64_t got, want;
            assert_int_equal(mcl_time_parse(c->first_time, &want), MCL_OK);
            assert_int_equal(mcl_logdef_event_time(def(c->type), mcl_logdef_page_record(&p, 0), &got),
                             MCL_OK);
            assert_int_equal(got, want);
        }
        mcl_logdef_page_fini(&p);
    }
    /* the rejection sample is a bare record: wrap it in the envelope */
    json_t *rec = load_sample("gateway-get-rejections.record.json");
    json_t *root = json_pack("{s:{s:{s:s}},s:[{s:[o]}],s:[]}", "meta", "pagination", "next", "n2",
                             "data", "rejections", rec, "fail");
    struct mcl_logdef_page p;
    assert_int_equal(mcl_logdef_page_take(def(MCL_LOGTYPE_REJECTION), root, &p), MCL_OK);
    assert_int_equal(p.n_records, 1);
    assert_string_equal(p.next, "n2");
    assert_false(p.done);
    int64_t t, want;
    mcl_time_parse("2024-05-25T18:56:08+0000", &want);
    assert_int_equal(mcl_logdef_event_time(def(MCL_LOGTYPE_REJECTION), mcl_logdef_page_record(&p, 0), &t),
                     MCL_OK);
    assert_int_equal(t, want);
    mcl_logdef_page_fini(&p);
}

static void page(enum mcl_logtype t, const char *text, size_t n, const char *next, bool done,
                 size_t skipped)
{
    struct mcl_logdef_page p;
    assert_int_equal(mcl_logdef_page_take(def(t), parse(text), &p), MCL_OK);
    assert_int_equal(p.n_records, n);
    if (next)
        assert_string_equal(p.next, next);
    else
        assert_null(p.next);
    assert_int_equal(p.done, done);
    assert_int_equal(p.n_skipped, skipped);
    for (size_t i = 0; i < n; i++)
        assert_true(json_is_object(mcl_logdef_page_record(&p, i)));
    mcl_logdef_page_fini(&p);
}

static void t_page_shapes(void **state)
{
    const enum mcl_logtype U = MCL_LOGTYPE_TTP_URL, A = MCL_LOGTYPE_AUDIT;
    /* a short page (2 of 100) with a next token is not the end */
    page(U, "{\"meta\":{\"pagination\":{\"pageSize\":100,\"next\":\"t\"}},"
            "\"data\":[{\"clickLogs\":[{\"a\":1},{\"a\":2}]}],\"fail\":[]}",
         2, "t", false, 0);
    /* an empty page ends paging, even with a token */
    page(U, "{\"meta\":{\"pagination\":{\"next\":\"t\"}},\"data\":[{\"clickLogs\":[]}]}", 0, "t",
         true, 0);
    /* data missing / null / empty / items without the list field */
    page(U, "{\"meta\":{\"pagination\":{\"next\":\"t\"}}}", 0, "t", true, 0);
    page(U, "{\"data\":null}", 0, NULL, true, 0);
    page(U, "{\"data\":[]}", 0, NULL, true, 0);
    page(U, "{\"data\":[{}],\"meta\":{\"pagination\":{\"next\":\"t\"}}}", 0, "t", true, 0);
    page(U, "{\"data\":[{\"resultCount\":0}]}", 0, NULL, true, 0);
    /* several items: lists concatenated in order; non-objects skipped */
    page(U, "{\"meta\":{\"pagination\":{\"next\":\"x\"}},\"data\":[{\"clickLogs\":[{\"a\":1}]},"
            "{\"clickLogs\":[{\"a\":2},3,{\"a\":4}]},{\"other\":1}]}",
         3, "x", false, 1);
    /* data as a single object */
    page(U, "{\"data\":{\"clickLogs\":[{\"a\":1}]}}", 1, NULL, true, 0);
    /* next: "" and null are none; a number is tolerated */
    page(U, "{\"meta\":{\"pagination\":{\"next\":\"\"}},\"data\":[{\"clickLogs\":[{}]}]}", 1, NULL,
         true, 0);
    page(U, "{\"meta\":{\"pagination\":{\"next\":null}},\"data\":[{\"clickLogs\":[{}]}]}", 1,
         NULL, true, 0);
    page(U, "{\"meta\":{\"pagination\":{\"next\":42}},\"data\":[{\"clickLogs\":[{}]}]}", 1, "42",
         false, 0);
    /* audit: records directly in data[] */
    page(A, "{\"meta\":{\"pagination\":{\"next\":\"n\"}},\"data\":[{\"id\":\"1\"},\"junk\","
            "{\"id\":\"2\"}]}",
         2, "n", false, 1);
    page(A, "{\"data\":{\"id\":\"1\"}}", 1, NULL, true, 0);
    /* several ordered records keep their order */
    struct mcl_logdef_page p;
    assert_int_equal(mcl_logdef_page_take(def(U),
                                          parse("{\"data\":[{\"clickLogs\":[{\"a\":1}]},"
                                                "{\"clickLogs\":[{\"a\":2}]}]}"),
                                          &p),
                     MCL_OK);
    assert_int_equal(json_integer_value(json_object_get(mcl_logdef_page_record(&p, 1), "a")), 2);
    mcl_logdef_page_fini(&p);
    /* not an object */
    assert_int_equal(mcl_logdef_page_take(def(U), parse("[1]"), &p), MCL_EINVAL);
    assert_true(p.done);
    mcl_logdef_page_fini(&p);
}

/* ---- event times ---- */

static void t_event_times(void **state)
{
    const struct mcl_logdef *url = def(MCL_LOGTYPE_TTP_URL);
    struct {
        const char *rec;
        int rc;
        int64_t ms;
    } cases[] = {
        {"{\"date\":\"2024-11-17T20:16:00+0000\"}", MCL_OK, 1731874560000LL},
        {"{\"date\":\"2024-11-17T20:16:00Z\"}", MCL_OK, 1731874560000LL},
        {"{\"date\":\"2024-11-17T20:16:00+00:00\"}", MCL_OK, 1731874560000LL},
        {"{\"date\":\"2024-11-17T16:16:00-0400\"}", MCL_OK, 1731874560000LL},
        {"{\"date\":\"2024-11-17T20:16:00.250Z\"}", MCL_OK, 1731874560250LL},
        {"{\"date\":\"2024-11-17 20:16:00\"}", MCL_OK, 1731874560000LL},
        {"{\"date\":\"1731874560000\"}", MCL_OK, 1731874560000LL},
        {"{\"date\":1731874560000}", MCL_OK, 1731874560000LL},
        {"{\"date\":1731874560}", MCL_OK, 1731874560000LL},
        {"{\"date\":1731874560.5}", MCL_OK, 1731874560500LL},
        /* primary field missing: the next candidate */
        {"{\"eventTime\":\"2024-11-17T20:16:00+0000\"}", MCL_OK, 1731874560000LL},
        /* primary unreadable, another readable */
        {"{\"date\":\"soon\",\"eventTime\":\"2024-11-17T20:16:00+0000\"}", MCL_OK, 1731874560000LL},
        {"{\"date\":null,\"created\":\"2024-11-17T20:16:00+0000\"}", MCL_OK, 1731874560000LL},
        {"{}", MCL_ENOTFOUND, 0},
        {"{\"date\":null}", MCL_ENOTFOUND, 0},
        {"{\"date\":\"\"}", MCL_EPARSE, 0},
        {"{\"date\":\"yesterday\"}", MCL_EPARSE, 0},
        {"{\"date\":\"2024-13-40T99:00:00+0000\"}", MCL_EPARSE, 0},
        {"{\"date\":{\"t\":1}}", MCL_EPARSE, 0},
        {"{\"date\":-5}", MCL_EPARSE, 0},
        {"{\"date\":true}", MCL_EPARSE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *r = parse(cases[i].rec);
        int64_t ms = -1;
        int rc = mcl_logdef_event_time(url, r, &ms);
        if (rc != cases[i].rc)
            fail_msg("%s: rc %d, want %d", cases[i].rec, rc, cases[i].rc);
        if (rc == MCL_OK && ms != cases[i].ms)
            fail_msg("%s: %lld, want %lld", cases[i].rec, (long long)ms, (long long)cases[i].ms);
        json_decref(r);
    }
    /* each type reads its own field */
    json_t *r = parse("{\"created\":\"2024-05-25T18:56:08+0000\",\"date\":\"2000-01-01\"}");
    int64_t ms;
    assert_int_equal(mcl_logdef_event_time(def(MCL_LOGTYPE_REJECTION), r, &ms), MCL_OK);
    assert_int_equal(ms, 1716663368000LL);
    assert_int_equal(mcl_logdef_event_time(def(MCL_LOGTYPE_TTP_ATTACHMENT), r, &ms), MCL_OK);
    assert_int_equal(ms, 946684800000LL);
    json_decref(r);
}

static char *read_all(FILE *f)
{
    fflush(f);
    rewind(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    return buf;
}

static void t_extract_time_fallback(void **state)
{
    FILE *log = tmpfile();
    mcl_log_setup(MCL_LOG_INFO, MCL_LOG_TEXT, log);
    struct mcl_logdef_ctx c;
    struct mcl_logdef_rec out;
    mcl_logdef_ctx_init(&c, def(MCL_LOGTYPE_TTP_URL), "acme");
    const int64_t window_end = 1731880000000LL;
    json_t *r1 = parse("{\"url\":\"http://x\",\"date\":\"not a date\"}");
    json_t *r2 = parse("{\"url\":\"http://y\"}");
    assert_int_equal(mcl_logdef_extract(&c, r1, window_end, &out), MCL_OK);
    assert_true(out.time_fallback);
    assert_int_equal(out.event_ms, window_end);
    unsigned char k1[MCL_SHA256_LEN];
    memcpy(k1, out.key, sizeof k1);
    /* kept, and the key does not depend on the fallback time */
    assert_int_equal(mcl_logdef_extract(&c, r1, window_end + 60000, &out), MCL_OK);
    assert_memory_equal(k1, out.key, sizeof k1);
    assert_int_equal(mcl_logdef_extract(&c, r2, window_end, &out), MCL_OK);
    assert_true(out.time_fallback);
    assert_int_equal(c.n_time_fallback, 3);
    mcl_log_setup(MCL_LOG_INFO, MCL_LOG_TEXT, stderr);
    const char *text = read_all(log);
    assert_non_null(strstr(text, "account=acme"));
    assert_non_null(strstr(text, "log=ttp_url"));
    assert_non_null(strstr(text, "event time"));
    /* rate limited: one warning for the three records */
    assert_null(strstr(strstr(text, "event time") + 1, "event time"));
    fclose(log);
    /* impersonation without time: key from id + recipient + "" */
    mcl_logdef_ctx_fini(&c);
    mcl_logdef_ctx_init(&c, def(MCL_LOGTYPE_TTP_IMPERSONATION), "acme");
    json_t *i1 = parse("{\"id\":\"M\",\"recipientAddress\":\"a@x\"}");
    assert_int_equal(mcl_logdef_extract(&c, i1, 1, &out), MCL_OK);
    memcpy(k1, out.key, sizeof k1);
    assert_int_equal(mcl_logdef_extract(&c, i1, 2, &out), MCL_OK);
    assert_memory_equal(k1, out.key, sizeof k1);
    json_decref(i1);
    mcl_logdef_ctx_fini(&c);
    json_decref(r1);
    json_decref(r2);
}

/* ---- dedupe keys ---- */

static void key_of(enum mcl_logtype t, const char *text, unsigned char key[MCL_SHA256_LEN])
{
    struct mcl_buf s;
    mcl_buf_init(&s, 1 << 20);
    json_t *r = parse(text);
    assert_int_equal(mcl_logdef_dedupe_key(def(t), r, &s, key), MCL_OK);
    json_decref(r);
    mcl_buf_fini(&s);
}

static void same(enum mcl_logtype t, const char *a, const char *b)
{
    unsigned char ka[MCL_SHA256_LEN], kb[MCL_SHA256_LEN];
    key_of(t, a, ka);
    key_of(t, b, kb);
    if (memcmp(ka, kb, sizeof ka))
        fail_msg("keys differ:\n  %s\n  %s", a, b);
}

static void differ(enum mcl_logtype t, const char *a, const char *b)
{
    unsigned char ka[MCL_SHA256_LEN], kb[MCL_SHA256_LEN];
    key_of(t, a, ka);
    key_of(t, b, kb);
    if (!memcmp(ka, kb, sizeof ka))
        fail_msg("keys equal:\n  %s\n  %s", a, b);
}

static void t_dedupe_keys(void **state)
{
    const enum mcl_logtype H[] = {MCL_LOGTYPE_DLP, MCL_LOGTYPE_TTP_URL, MCL_LOGTYPE_TTP_ATTACHMENT};
    for (int i = 0; i < 3; i++) {
        /* key order (also nested) and whitespace do not matter */
        same(H[i], "{\"a\":1,\"b\":{\"x\":[1,2],\"y\":\"\\u00e9\"},\"date\":\"2024-01-01\"}",
             "{ \"date\" : \"2024-01-01\",\n \"b\": {\"y\":\"\xc3\xa9\", \"x\":[1, 2]}, \"a\":1}");
        /* content does */
        differ(H[i], "{\"a\":1,\"b\":2}", "{\"a\":1,\"b\":3}");
        differ(H[i], "{\"a\":1,\"b\":[1,2]}", "{\"a\":1,\"b\":[2,1]}");
        differ(H[i], "{\"a\":1}", "{\"a\":\"1\"}");
    }
    /* the two URL sample records differ */
    json_t *root = load_sample("ttp-url-get-logs.json");
    struct mcl_logdef_page p;
    assert_int_equal(mcl_logdef_page_take(def(MCL_LOGTYPE_TTP_URL), root, &p), MCL_OK);
    struct mcl_buf s;
    mcl_buf_init(&s, 1 << 20);
    unsigned char k0[MCL_SHA256_LEN], k1[MCL_SHA256_LEN];
    mcl_logdef_dedupe_key(def(MCL_LOGTYPE_TTP_URL), mcl_logdef_page_record(&p, 0), &s, k0);
    mcl_logdef_dedupe_key(def(MCL_LOGTYPE_TTP_URL), mcl_logdef_page_record(&p, 1), &s, k1);
    assert_memory_not_equal(k0, k1, sizeof k0);
    mcl_logdef_page_fini(&p);

    /* audit and rejection: the id alone */
    const enum mcl_logtype I[] = {MCL_LOGTYPE_AUDIT, MCL_LOGTYPE_REJECTION};
    for (int i = 0; i < 2; i++) {
        same(I[i], "{\"id\":\"abc\",\"user\":\"u1\"}", "{\"user\":\"u2\",\"id\":\"abc\"}");
        differ(I[i], "{\"id\":\"abc\"}", "{\"id\":\"abd\"}");
        same(I[i], "{\"id\":42}", "{\"id\":42,\"x\":1}");
        /* no usable id: canonical hash of the record */
        same(I[i], "{\"user\":\"u\",\"eventTime\":\"t\"}", "{\"eventTime\":\"t\",\"user\":\"u\"}");
        differ(I[i], "{\"user\":\"u\"}", "{\"user\":\"v\"}");
        same(I[i], "{\"id\":\"\",\"user\":\"u\"}", "{\"user\":\"u\",\"id\":\"\"}");
        differ(I[i], "{\"id\":\"\",\"user\":\"u\"}", "{\"id\":\"\",\"user\":\"v\"}");
        /* an id never collides with a record hash */
        differ(I[i], "{\"id\":\"x\"}", "{\"idx\":\"x\"}");
    }
    /* impersonation: id + recipient + event time */
    const enum mcl_logtype P = MCL_LOGTYPE_TTP_IMPERSONATION;
    differ(P, "{\"id\":\"M\",\"recipientAddress\":\"a@x\",\"eventTime\":\"2021-11-12T15:30:15+0000\"}",
           "{\"id\":\"M\",\"recipientAddress\":\"b@x\",\"eventTime\":\"2021-11-12T15:30:15+0000\"}");
    differ(P, "{\"id\":\"M\",\"recipientAddress\":\"a@x\",\"eventTime\":\"2021-11-12T15:30:15+0000\"}",
           "{\"id\":\"M\",\"recipientAddress\":\"a@x\",\"eventTime\":\"2021-11-12T15:27:15+0000\"}");
    same(P, "{\"id\":\"M\",\"recipientAddress\":\"a@x\",\"eventTime\":\"2021-11-12T15:30:15+0000\","
            "\"subject\":\"s1\"}",
         "{\"subject\":\"s2\",\"eventTime\":\"2021-11-12T15:30:15Z\",\"recipientAddress\":\"a@x\","
         "\"id\":\"M\"}");
    root = load_sample("ttp-impersonation-get-logs.json");
    assert_int_equal(mcl_logdef_page_take(def(P), root, &p), MCL_OK);
    mcl_logdef_dedupe_key(def(P), mcl_logdef_page_record(&p, 0), &s, k0);
    mcl_logdef_dedupe_key(def(P), mcl_logdef_page_record(&p, 1), &s, k1);
    assert_memory_not_equal(k0, k1, sizeof k0); /* same id, different time */
    mcl_logdef_page_fini(&p);
    mcl_buf_fini(&s);
}

static void t_extract_raw_text(void **state)
{
    struct mcl_logdef_ctx c;
    struct mcl_logdef_rec out;
    mcl_logdef_ctx_init(&c, def(MCL_LOGTYPE_TTP_URL), "acme");
    json_t *r = parse("{ \"z\" : 1,\n \"a\" : [1, 2, {\"y\":null, \"b\":\"\\u00e9/\\\"\"}],"
                      " \"date\": \"2024-11-17T20:16:00+0000\" }");
    assert_int_equal(mcl_logdef_extract(&c, r, 0, &out), MCL_OK);
    assert_string_equal(out.raw, "{\"z\":1,\"a\":[1,2,{\"y\":null,\"b\":\"\xc3\xa9/\\\"\"}],"
                                 "\"date\":\"2024-11-17T20:16:00+0000\"}");
    assert_int_equal(out.raw_len, strlen(out.raw));
    assert_false(out.time_fallback);
    assert_int_equal(out.event_ms, 1731874560000LL);
    json_decref(r);
    /* larger than the first scratch size */
    json_t *big = json_object();
    char *s = malloc(100001);
    memset(s, 'q', 100000);
    s[100000] = '\0';
    json_object_set_new(big, "blob", json_string(s));
    assert_int_equal(mcl_logdef_extract(&c, big, 0, &out), MCL_OK);
    assert_int_equal(out.raw_len, 100000 + strlen("{\"blob\":\"\"}"));
    json_decref(big);
    /* over the per-record limit */
    big = json_object();
    char *huge = malloc(MCL_LOGDEF_RECORD_MAX + 1);
    memset(huge, 'q', MCL_LOGDEF_RECORD_MAX);
    huge[MCL_LOGDEF_RECORD_MAX] = '\0';
    json_object_set_new(big, "blob", json_string(huge));
    free(huge);
    assert_int_equal(mcl_logdef_extract(&c, big, 0, &out), MCL_ELIMIT);
    json_decref(big);
    free(s);
    /* not an object */
    json_t *arr = parse("[1]");
    assert_int_equal(mcl_logdef_extract(&c, arr, 0, &out), MCL_EINVAL);
    json_decref(arr);
    mcl_logdef_ctx_fini(&c);
}

/* The stored text reads back as the same JSON: every sample record, and
 * strings with escapes at every offset across the writer's 8-byte steps. */
static void roundtrip(struct mcl_logdef_ctx *c, const json_t *rec)
{
    struct mcl_logdef_rec out;
    json_error_t je;
    assert_int_equal(mcl_logdef_extract(c, rec, 0, &out), MCL_OK);
    assert_int_equal(strlen(out.raw), out.raw_len);
    json_t *back = json_loadb(out.raw, out.raw_len, 0, &je);
    if (!back)
        fail_msg("stored text does not parse: %s: %s", je.text, out.raw);
    if (!json_equal(back, (json_t *)rec))
        fail_msg("stored text differs: %s", out.raw);
    json_decref(back);
}

static void t_stored_text_roundtrip(void **state)
{
    const struct {
        const char *file;
        enum mcl_logtype t;
    } pages[] = {
        {"audit-get-audit-events.json", MCL_LOGTYPE_AUDIT},
        {"dlp-get-logs.json", MCL_LOGTYPE_DLP},
        {"ttp-url-get-logs.json", MCL_LOGTYPE_TTP_URL},
        {"ttp-url-get-logs.v1-style.json", MCL_LOGTYPE_TTP_URL},
        {"ttp-attachment-get-logs.json", MCL_LOGTYPE_TTP_ATTACHMENT},
        {"ttp-impersonation-get-logs.json", MCL_LOGTYPE_TTP_IMPERSONATION},
    };
    struct mcl_logdef_ctx c;
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        struct mcl_logdef_page p;
        mcl_logdef_ctx_init(&c, def(pages[i].t), "acme");
        assert_int_equal(mcl_logdef_page_take(def(pages[i].t), load_sample(pages[i].file), &p),
                         MCL_OK);
        for (size_t k = 0; k < p.n_records; k++)
            roundtrip(&c, mcl_logdef_page_record(&p, k));
        mcl_logdef_page_fini(&p);
        mcl_logdef_ctx_fini(&c);
    }
    mcl_logdef_ctx_init(&c, def(MCL_LOGTYPE_DLP), "acme");
    json_t *rej = load_sample("gateway-get-rejections.record.json");
    roundtrip(&c, rej);
    json_decref(rej);
    const char *specials[] = {"\"", "\\", "\b", "\f", "\n", "\r", "\t", "\x01", "\x1f",
                              "\x7f", "/", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
    char s[64];
    for (size_t pre = 0; pre < 20; pre++) {
        for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++) {
            memset(s, 'a', pre);
            snprintf(s + pre, sizeof s - pre, "%stail-0123456789", specials[k]);
            json_t *r = json_pack("{s:s,s:s}", "date", "2024-01-01T00:00:00Z", s + (pre % 2), s);
            assert_non_null(r);
            roundtrip(&c, r);
            json_decref(r);
        }
    }
    json_t *nums = parse("{\"a\":0.1,\"b\":1e300,\"c\":-0.0,\"d\":5.0,\"e\":-9223372036854775808,"
                         "\"f\":9223372036854775807,\"g\":[],\"h\":{},\"i\":[null,true,false],"
                         "\"j\":2.5e-308,\"k\":\"\"}");
    roundtrip(&c, nums);
    json_decref(nums);
    mcl_logdef_ctx_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_request_bodies),     cmocka_unit_test(t_table),
        cmocka_unit_test(t_page_samples),       cmocka_unit_test(t_page_shapes),
        cmocka_unit_test(t_event_times),        cmocka_unit_test(t_extract_time_fallback),
        cmocka_unit_test(t_dedupe_keys),        cmocka_unit_test(t_extract_raw_text),
        cmocka_unit_test(t_stored_text_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
