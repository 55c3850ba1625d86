/* Micro-benchmark of the per-record cost in src/sources/logdef: parse a page
 * (json_loadb), read it (mcl_logdef_page_take), then per record the event
 * time + dedupe key + stored text (mcl_logdef_extract). Pages are built from
 * the shared samples, each record made unique. Not a CTest test:
 *   bench_logdef [records-per-page] [rounds] [compact|pretty]
 * Prints ns/record per log type (best of the rounds). */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/log.h"
#include "sources/logdef.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: robust to a busy machine */
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

struct kind {
    enum mcl_logtype type;
    const char *file;
    const char *vary; /* field made unique per record */
};

static json_t *first_record(const struct mcl_logdef *d, const char *file)
{
    char path[1024];
    json_error_t je;
    snprintf(path, sizeof path, "%s/mimecast/samples/%s", MCL_SHARED_DIR, file);
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        fprintf(stderr, "%s: %s\n", path, je.text);
        exit(1);
    }
    if (!strcmp(file, "gateway-get-rejections.record.json"))
        return root;
    struct mcl_logdef_page p;
    if (mcl_logdef_page_take(d, root, &p) || p.n_records == 0) {
        fprintf(stderr, "%s: no records\n", file);
        exit(1);
    }
    json_t *r = json_deep_copy(mcl_logdef_page_record(&p, 0));
    mcl_logdef_page_fini(&p);
    return r;
}

/* The page as text, compact or pretty-printed like the samples. */
static char *make_page(const struct mcl_logdef *d, const struct kind *k, size_t n, bool pretty,
                       size_t *len)
{
    json_t *rec = first_record(d, k->file);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_deep_copy(rec);
        const char *v = json_string_value(json_object_get(r, k->vary));
        char buf[512];
        snprintf(buf, sizeof buf, "%s-%zu", v ? v : "x", i);
        json_object_set_new(r, k->vary, json_string(buf));
        json_array_append_new(list, r);
    }
    json_t *data = d->list_field ? json_pack("[{s:o}]", d->list_field, list) : list;
    json_t *root = json_pack("{s:{s:i,s:{s:i,s:s}},s:o,s:[]}", "meta", "status", 200,
                             "pagination", "pageSize", (int)n, "next", "tok", "data", data,
                             "fail");
    char *text = json_dumps(root, pretty ? JSON_INDENT(4) : JSON_COMPACT);
    *len = strlen(text);
    json_decref(root);
    json_decref(rec);
    return text;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 5000;
    int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 7;
    bool pretty = argc > 3 && !strcmp(argv[3], "pretty");
    const struct kind kinds[] = {
        {MCL_LOGTYPE_AUDIT, "audit-get-audit-events.json", "id"},
        {MCL_LOGTYPE_DLP, "dlp-get-logs.json", "messageId"},
        {MCL_LOGTYPE_REJECTION, "gateway-get-rejections.record.json", "id"},
        {MCL_LOGTYPE_TTP_URL, "ttp-url-get-logs.json", "messageId"},
        {MCL_LOGTYPE_TTP_IMPERSONATION, "ttp-impersonation-get-logs.json", "id"},
        {MCL_LOGTYPE_TTP_ATTACHMENT, "ttp-attachment-get-logs.json", "messageId"},
    };
    mcl_log_setup(MCL_LOG_ERROR, MCL_LOG_TEXT, stderr);
    printf("%zu records per page (%s JSON), best of %d rounds, ns per record\n", n,
           pretty ? "pretty-printed" : "compact", rounds);
    printf("%-18s %6s %7s %6s %6s %9s %8s %8s %7s\n", "log type", "bytes", "parse", "page",
           "free", "extract", "total", "time+key", "dumps");
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        const struct mcl_logdef *d = mcl_logdef_get(kinds[k].type);
        size_t len;
        char *text = make_page(d, &kinds[k], n, pretty, &len);
        double best_parse = 1e30, best_page = 1e30, best_ex = 1e30, best_key = 1e30,
               best_raw = 1e30, best_free = 1e30;
        size_t raw_bytes = 0;
        for (int r = 0; r < rounds; r++) {
            struct mcl_logdef_ctx c;
            struct mcl_logdef_rec out;
            struct mcl_logdef_page p;
            json_error_t je;
            mcl_logdef_ctx_init(&c, d, "bench");
            double t0 = now_ns();
            json_t *root = json_loadb(text, len, 0, &je);
            double t1 = now_ns();
            if (!root || mcl_logdef_page_take(d, root, &p) || p.n_records != n) {
                fprintf(stderr, "bad page\n");
                return 1;
            }
            double t2 = now_ns();
            raw_bytes = 0;
            for (size_t i = 0; i < n; i++) {
                if (mcl_logdef_extract(&c, mcl_logdef_page_record(&p, i), 0, &out))
                    return 1;
                raw_bytes += out.raw_len;
            }
            double t3 = now_ns();
            mcl_logdef_page_fini(&p); /* frees the DOM: part of the real cost */
            double t4 = now_ns();
            /* for reference, on a fresh parse: time + key alone, and jansson's json_dumps */
            if (mcl_logdef_page_take(d, json_loadb(text, len, 0, &je), &p))
                return 1;
            double t5 = now_ns();
            for (size_t i = 0; i < n; i++) {
                unsigned char key[MCL_SHA256_LEN];
                int64_t ms;
                mcl_logdef_event_time(d, mcl_logdef_page_record(&p, i), &ms);
                mcl_logdef_dedupe_key(d, mcl_logdef_page_record(&p, i), &c.scratch, key);
            }
            double t6 = now_ns();
            for (size_t i = 0; i < n; i++)
                free(json_dumps(mcl_logdef_page_record(&p, i), JSON_COMPACT));
            double t7 = now_ns();
            mcl_logdef_page_fini(&p);
            mcl_logdef_ctx_fini(&c);
            if (t4 - t3 < best_free)
                best_free = t4 - t3;
            if (t1 - t0 < best_parse)
                best_parse = t1 - t0;
            if (t2 - t1 < best_page)
                best_page = t2 - t1;
            if (t3 - t2 < best_ex)
                best_ex = t3 - t2;
            if (t6 - t5 < best_key)
                best_key = t6 - t5;
            if (t7 - t6 < best_raw)
                best_raw = t7 - t6;
        }
        double total = best_parse + best_page + best_ex + best_free;
        printf("%-18s %6zu %7.0f %6.0f %6.0f %9.0f %8.0f %8.0f %7.0f  %6.0f rec/s/core\n",
               d->name, raw_bytes / n, best_parse / n, best_page / n, best_free / n, best_ex / n,
               total / n, best_key / n, best_raw / n, 1e9 * n / total);
        free(text);
    }
    printf("bytes: stored text per record. parse: json_loadb of the page. page: "
           "mcl_logdef_page_take.\nfree: mcl_logdef_page_fini (the DOM). extract: "
           "mcl_logdef_extract = event time + dedupe key + stored text.\ntotal = parse + page + "
           "extract + free. For reference, measured apart: time+key alone, and json_dumps\n"
           "(jansson's serialiser, with malloc) of each record.\n");
    return 0;
}
