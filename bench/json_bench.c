/* json_bench: core/json against jansson on Mimecast pages, both measured in
 * the same run on the same bytes.
 *
 *   json_bench [PAGE.json ...]
 *
 * Without arguments it builds 500-record pages from the samples in
 * ../shared/mimecast/samples: a TTP URL page (the two sample click logs,
 * compacted, alternating), an audit page (the sample event repeated) and
 * the TTP URL page pretty-printed with an indent of 4, as the samples are.
 * Each PAGE.json argument is a page as the API returns it (for example
 * mcsim's, see bench/README.md); its records are data[] or, for the TTP
 * logs, the one array inside data[0].
 *
 * Per page:
 *  - parse: ours mcl_json_parse (doc reused) vs json_loadb + json_decref;
 *  - parse + lookups: the same plus, per record, 8 top-level fields looked
 *    up and their string bytes touched (obj_get + str_view vs
 *    json_object_get + json_string_value);
 *  - canonical: per record, ours mcl_json_write_canonical into a reused
 *    buffer vs json_dumps(JSON_SORT_KEYS | JSON_COMPACT) + free;
 *  - canonical + SHA-256: ours mcl_json_hash_canonical (4 KiB chunks into
 *    one reused context) and ours canonical + one-shot mcl_sha256, vs
 *    jansson's dump + mcl_sha256.
 * Each figure is the best of 5 runs of at least 0.2 s. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/json.h"

#define RUNS 5
#define MIN_RUN_SEC 0.2
#define NFIELDS 8

struct page {
    char name[256];
    char *text;
    size_t len;
    size_t nrec;
    char fields[NFIELDS][64];
    int nfields;
};

static double now_sec(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "json_bench: %s\n", what);
    exit(1);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct mcl_buf b;
    mcl_buf_init(&b, (size_t)1 << 30);
    char chunk[65536];
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (mcl_buf_append(&b, chunk, r))
            die("file too large");
    }
    fclose(f);
    *n = b.len;
    return mcl_buf_steal(&b);
}

/* The records array of a page, by our own accessors. */
static const struct mcl_json_tok *records_of(const struct mcl_json *doc)
{
    const struct mcl_json_tok *data = mcl_json_obj_get(doc, mcl_json_root(doc), "data");
    const struct mcl_json_tok *first = mcl_json_arr_get(doc, data, 0);
    if (mcl_json_is_object(first)) {
        struct mcl_json_iter it;
        const struct mcl_json_tok *k, *v, *arr = NULL;
        int arrays = 0;
        mcl_json_iter_init(&it, doc, first);
        while (mcl_json_iter_member(&it, &k, &v)) {
            if (mcl_json_is_array(v)) {
                arr = v;
                arrays++;
            }
        }
        if (arrays == 1 && mcl_json_count(first) == 1)
            return arr;
    }
    return data;
}

static json_t *jrecords_of(json_t *root)
{
    json_t *data = json_object_get(root, "data");
    json_t *first = json_array_get(data, 0);
    if (json_is_object(first) && json_object_size(first) == 1) {
        json_t *v = json_object_iter_value(json_object_iter(first));
        if (json_is_array(v))
            return v;
    }
    return data;
}

static void page_init(struct page *pg)
{
    struct mcl_json doc;
    mcl_json_init(&doc);
    if (mcl_json_parse(&doc, pg->text, pg->len, NULL, NULL))
        die("a page does not parse");
    const struct mcl_json_tok *recs = records_of(&doc);
    if (!mcl_json_is_array(recs) || !mcl_json_count(recs))
        die("a page has no records");
    pg->nrec = mcl_json_count(recs);
    /* Every other key of the first record, up to NFIELDS. */
    struct mcl_json_iter it;
    const struct mcl_json_tok *k, *v;
    int i = 0;
    pg->nfields = 0;
    mcl_json_iter_init(&it, &doc, mcl_json_arr_get(&doc, recs, 0));
    while (mcl_json_iter_member(&it, &k, &v) && pg->nfields < NFIELDS) {
        const char *p;
        size_t n;
        if (i++ % 2 == 0 && mcl_json_str_view(&doc, k, &p, &n) && n < 64) {
            memcpy(pg->fields[pg->nfields], p, n);
            pg->fields[pg->nfields++][n] = '\0';
        }
    }
    mcl_json_fini(&doc);
}

/* Builds a 500-record page from sample records (compacted by jansson). */
static void page_from_samples(struct page *pg, const char *name, const char *path,
                              const char *wrap_open, const char *wrap_close, int indent)
{
    size_t n;
    char *text = slurp(path, &n);
    if (!text)
        die("cannot read the samples (pass pages as arguments instead)");
    json_error_t e;
    json_t *root = json_loadb(text, n, 0, &e);
    if (!root)
        die("a sample does not parse");
    json_t *recs = jrecords_of(root);
    size_t nr = json_array_size(recs);
    struct mcl_buf b;
    mcl_buf_init(&b, (size_t)1 << 30);
    mcl_buf_append_str(&b, "{\"meta\":{\"status\":200,\"pagination\":{\"pageSize\":500,"
                           "\"next\":\"AQMAAAAAqgBNKADhC14AAAAAxZ4EawAAAADsRAAAAAAAAPTnblM\"}},"
                           "\"data\":[");
    mcl_buf_append_str(&b, wrap_open);
    for (size_t i = 0; i < 500; i++) {
        char *d = json_dumps(json_array_get(recs, i % nr), JSON_COMPACT);
        if (i)
            mcl_buf_append_char(&b, ',');
        mcl_buf_append_str(&b, d);
        free(d);
    }
    mcl_buf_append_str(&b, wrap_close);
    mcl_buf_append_str(&b, "],\"fail\":[]}");
    json_decref(root);
    free(text);
    snprintf(pg->name, sizeof pg->name, "%s", name);
    pg->len = b.len;
    pg->text = mcl_buf_steal(&b);
    if (indent) {
        /* The same page pretty-printed, as the samples are. */
        json_t *j = json_loadb(pg->text, pg->len, 0, &e);
        free(pg->text);
        if (!j || !(pg->text = json_dumps(j, JSON_INDENT(indent))))
            die("cannot pretty-print a page");
        pg->len = strlen(pg->text);
        json_decref(j);
    }
    page_init(pg);
}

/* --- Measured work; each returns a checksum so nothing is optimised away. */

enum what { PARSE, PARSE_GET, CANON, CANON_SHA_CTX, CANON_SHA_ONESHOT };

struct ours {
    struct mcl_json doc;
    struct mcl_buf buf;
    struct mcl_sha256_ctx *sha;
};

static size_t run_ours(struct ours *o, const struct page *pg, enum what w)
{
    size_t sum = 0;
    if (w == PARSE || w == PARSE_GET) {
        if (mcl_json_parse(&o->doc, pg->text, pg->len, NULL, NULL))
            die("parse failed");
        sum += o->doc.ntok;
        if (w == PARSE)
            return sum;
    }
    const struct mcl_json_tok *recs = records_of(&o->doc), *r;
    struct mcl_json_iter it;
    unsigned char h[MCL_SHA256_LEN];
    mcl_json_iter_init(&it, &o->doc, recs);
    while ((r = mcl_json_iter_next(&it))) {
        switch (w) {
        case PARSE_GET:
            for (int f = 0; f < pg->nfields; f++) {
                const struct mcl_json_tok *v = mcl_json_obj_get(&o->doc, r, pg->fields[f]);
                const char *p;
                size_t n;
                if (v && mcl_json_str_view(&o->doc, v, &p, &n) && n)
                    sum += (unsigned char)p[n - 1];
            }
            break;
        case CANON:
            mcl_buf_reset(&o->buf);
            if (mcl_json_write_canonical(&o->doc, r, &o->buf))
                die("canonical failed");
            sum += o->buf.len;
            break;
        case CANON_SHA_CTX:
            if (mcl_json_hash_canonical(&o->doc, r, o->sha))
                die("hash failed");
            mcl_sha256_final(o->sha, h);
            sum += h[0];
            break;
        case CANON_SHA_ONESHOT:
            mcl_buf_reset(&o->buf);
            if (mcl_json_write_canonical(&o->doc, r, &o->buf))
                die("canonical failed");
            mcl_sha256(o->buf.data, o->buf.len, h);
            sum += h[0];
            break;
        default:
            break;
        }
    }
    return sum;
}

static size_t run_jansson(json_t **root, const struct page *pg, enum what w)
{
    size_t sum = 0;
    json_error_t e;
    if (w == PARSE || w == PARSE_GET) {
        json_t *j = json_loadb(pg->text, pg->len, 0, &e);
        if (!j)
            die("jansson parse failed");
        if (w == PARSE_GET) {
            json_t *recs = jrecords_of(j), *r;
            size_t i;
            json_array_foreach(recs, i, r) {
                for (int f = 0; f < pg->nfields; f++) {
                    json_t *v = json_object_get(r, pg->fields[f]);
                    size_t n = json_string_length(v);
                    if (v && n)
                        sum += (unsigned char)json_string_value(v)[n - 1];
                }
            }
        }
        sum += json_array_size(json_object_get(j, "data"));
        json_decref(j);
        return sum;
    }
    json_t *recs = jrecords_of(*root), *r;
    size_t i;
    unsigned char h[MCL_SHA256_LEN];
    json_array_foreach(recs, i, r) {
        char *d = json_dumps(r, JSON_SORT_KEYS | JSON_COMPACT);
        size_t n = strlen(d);
        if (w != CANON) {
            mcl_sha256(d, n, h);
            sum += h[0];
        }
        sum += n;
        free(d);
    }
    return sum;
}

/* Best seconds per page of RUNS runs. */
static double measure(struct ours *o, json_t **jroot, const struct page *pg, enum what w,
                      bool jansson, size_t *sink)
{
    double best = 1e9;
    size_t reps = 1;
    /* Calibrate: enough repetitions for MIN_RUN_SEC. */
    for (;;) {
        double t0 = now_sec();
        for (size_t i = 0; i < reps; i++)
            *sink += jansson ? run_jansson(jroot, pg, w) : run_ours(o, pg, w);
        double dt = now_sec() - t0;
        if (dt >= MIN_RUN_SEC / 4)
            break;
        reps *= 2;
    }
    reps *= 4;
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_sec();
        for (size_t i = 0; i < reps; i++)
            *sink += jansson ? run_jansson(jroot, pg, w) : run_ours(o, pg, w);
        double dt = (now_sec() - t0) / (double)reps;
        if (dt < best)
            best = dt;
    }
    return best;
}

static void bench_page(const struct page *pg)
{
    struct ours o;
    json_error_t e;
    size_t sink = 0;
    mcl_json_init(&o.doc);
    mcl_buf_init(&o.buf, (size_t)1 << 26);
    o.sha = mcl_sha256_create();
    json_t *jroot = json_loadb(pg->text, pg->len, 0, &e);
    if (!o.sha || !jroot || mcl_json_parse(&o.doc, pg->text, pg->len, NULL, NULL))
        die("setup failed");

    /* Same answers before timing anything. */
    const struct mcl_json_tok *recs = records_of(&o.doc);
    json_t *jrecs = jrecords_of(jroot);
    if (mcl_json_count(recs) != json_array_size(jrecs))
        die("record counts differ");
    size_t canon_bytes = 0;
    for (size_t i = 0; i < pg->nrec; i++) {
        char *d = json_dumps(json_array_get(jrecs, i), JSON_SORT_KEYS | JSON_COMPACT);
        mcl_buf_reset(&o.buf);
        mcl_json_write_canonical(&o.doc, mcl_json_arr_get(&o.doc, recs, i), &o.buf);
        if (strcmp(d, o.buf.data))
            fprintf(stderr, "note: record %zu: canonical differs from jansson's dump\n", i);
        canon_bytes += o.buf.len;
        free(d);
    }

    printf("\n%s: %zu records, %zu bytes (%.0f B/record, canonical %.0f B/record), %d lookups "
           "per record\n",
           pg->name, pg->nrec, pg->len, (double)pg->len / (double)pg->nrec,
           (double)canon_bytes / (double)pg->nrec, pg->nfields);
    printf("%-34s %12s %12s %12s %12s %9s\n", "", "ours MB/s", "ours ns/rec", "jansson MB/s",
           "jansson ns/r", "speed-up");
    static const struct {
        enum what w;
        const char *label;
    } rows[] = {
        {PARSE, "parse page"},
        {PARSE_GET, "parse page + lookups"},
        {CANON, "canonical (per record)"},
        {CANON_SHA_CTX, "canonical + SHA-256 (ctx, chunked)"},
        {CANON_SHA_ONESHOT, "canonical + SHA-256 (buf, one-shot)"},
    };
    double jprev = 0;
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        enum what w = rows[i].w;
        double ours = measure(&o, &jroot, pg, w, false, &sink);
        /* jansson has one canonical + hash path: measured once, shown twice. */
        double jans = w == CANON_SHA_ONESHOT ? jprev : measure(&o, &jroot, pg, w, true, &sink);
        jprev = jans;
        double mb = (double)pg->len / 1e6;
        printf("%-34s %12.0f %12.0f %12.0f %12.0f %8.1fx\n", rows[i].label, mb / ours,
               ours * 1e9 / (double)pg->nrec, mb / jans, jans * 1e9 / (double)pg->nrec,
               jans / ours);
    }
    if (sink == 42)
        printf(" \n");
    json_decref(jroot);
    mcl_sha256_destroy(o.sha);
    mcl_buf_fini(&o.buf);
    mcl_json_fini(&o.doc);
}

int main(int argc, char **argv)
{
    printf("json_bench: core/json vs jansson %s; MB/s are page bytes per second (for the\n"
           "per-record rows too), ns/rec per record; best of %d runs\n",
           JANSSON_VERSION, RUNS);
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            struct page pg = {0};
            pg.text = slurp(argv[i], &pg.len);
            if (!pg.text)
                die("cannot read a page file");
            snprintf(pg.name, sizeof pg.name, "%s", argv[i]);
            page_init(&pg);
            bench_page(&pg);
            free(pg.text);
        }
        return 0;
    }
    struct page ttp = {0}, audit = {0}, pretty = {0};
    page_from_samples(&ttp, "TTP URL page (sample records x250)",
                      MCL_SAMPLES_DIR "/ttp-url-get-logs.json", "{\"clickLogs\":[", "]}", 0);
    page_from_samples(&audit, "audit page (sample record x500)",
                      MCL_SAMPLES_DIR "/audit-get-audit-events.json", "", "", 0);
    page_from_samples(&pretty, "TTP URL page, pretty-printed (indent 4)",
                      MCL_SAMPLES_DIR "/ttp-url-get-logs.json", "{\"clickLogs\":[", "]}", 4);
    bench_page(&ttp);
    bench_page(&audit);
    bench_page(&pretty);
    free(ttp.text);
    free(audit.text);
    free(pretty.text);
    return 0;
}
