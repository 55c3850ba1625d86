/* tests/sim -- helpers for the mcsim tests (see simtest.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "simtest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MCSIM_PATH
#error "MCSIM_PATH must be defined by the build"
#endif

const char *const st_log_names[ST_LOGS] = {"audit",   "dlp",               "rejection",
                                           "ttp_url", "ttp_impersonation", "ttp_attachment"};
const char *const st_log_paths[ST_LOGS] = {
    "/api/audit/get-audit-events", "/api/dlp/get-logs",
    "/api/gateway/get-rejections", "/api/ttp/url/get-logs",
    "/api/ttp/impersonation/get-logs", "/api/ttp/attachment/get-logs"};
const char *const st_log_lists[ST_LOGS] = {NULL,        "dlpLogs",           "rejections",
                                           "clickLogs", "impersonationLogs", "attachmentLogs"};
const char *const st_log_from_keys[ST_LOGS] = {"startDateTime", "from", "start",
                                               "from",          "from", "from"};
const char *const st_log_to_keys[ST_LOGS] = {"endDateTime", "to", "end", "to", "to", "to"};
const char *const st_log_time_fields[ST_LOGS] = {"eventTime", "eventTime", "created",
                                                 "date",      "eventTime", "date"};
const bool st_log_oldest_first[ST_LOGS] = {false, true, false, true, true, true};

const struct st_v1_creds st_demo_v1 = {"demo-app-id", "demo-app-key", "demo-access-key",
                                       "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="};

void st_sim_start(struct st_sim *s, const char *const args[])
{
    const char *argv[64];
    char line[256];
    size_t n = 0;
    int rc;

    argv[n++] = MCSIM_PATH;
    argv[n++] = "--port";
    argv[n++] = "0";
    for (const char *const *a = args; a && *a && n < 62; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    rc = tp_spawn(&s->proc, argv, NULL, 0);
    assert_int_equal(rc, 0);
    rc = tp_read_line(&s->proc, line, sizeof(line), 10000);
    if (rc != 0)
        fail_msg("mcsim did not print its listening line (rc %d)", rc);
    if (sscanf(line, "mcsim listening on 127.0.0.1:%u", &s->port) != 1)
        fail_msg("unexpected first line from mcsim: '%s'", line);
    snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%u", s->port);
}

void st_sim_stop(struct st_sim *s)
{
    int st = 0, rc = tp_stop(&s->proc, 30000, &st);

    tp_close(&s->proc);
    assert_int_equal(rc, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail_msg("mcsim did not exit cleanly (wait status 0x%x)", st);
}

void st_url(char *out, size_t cap, const struct st_sim *s, const char *path_and_query)
{
    snprintf(out, cap, "%s%s", s->base, path_and_query);
}

void st_v1_signature(const char *secret_b64, const char *data, char *out, size_t cap)
{
    unsigned char key[256], md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t sl = strlen(secret_b64);
    int kl = EVP_DecodeBlock(key, (const unsigned char *)secret_b64, (int)sl);

    assert_true(kl > 0 && cap >= 29);
    if (sl >= 1 && secret_b64[sl - 1] == '=')
        kl--;
    if (sl >= 2 && secret_b64[sl - 2] == '=')
        kl--;
    assert_non_null(HMAC(EVP_sha1(), key, kl, (const unsigned char *)data, strlen(data), md,
                         &mdlen));
    EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
}

void st_rfc1123(char *out, size_t cap, time_t t, const char *zone)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, cap, "%a, %d %b %Y %H:%M:%S ", &tm);
    strncat(out, zone, cap - strlen(out) - 1);
}

void st_iso(char *out, size_t cap, time_t t)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%S+0000", &tm);
}

/* application/x-www-form-urlencoded value: keep unreserved bytes, encode the
 * rest (space as '+', as browsers and curl do). */
static void form_encode(char *out, size_t cap, const char *in)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *in && o + 4 < cap; in++) {
        unsigned char ch = (unsigned char)*in;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            out[o++] = (char)ch;
        } else if (ch == ' ') {
            out[o++] = '+';
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
}

long st_token(struct th_client *c, const struct st_sim *s, const char *cid, const char *secret,
              char *tok, size_t cap)
{
    char url[128], body[1024], ecid[320], esec[320];
    struct th_response rs;
    long status;

    form_encode(ecid, sizeof(ecid), cid);
    form_encode(esec, sizeof(esec), secret);
    snprintf(body, sizeof(body), "client_id=%s&client_secret=%s&grant_type=client_credentials",
             ecid, esec);
    st_url(url, sizeof(url), s, "/oauth/token");
    /* transport failures (fault injection) are reported as status 0 */
    status = th_post(c, url, "application/x-www-form-urlencoded", body, NULL, &rs) == 0 ? rs.status
                                                                                      : 0;
    if (status == 200 && tok) {
        json_t *j = st_json(&rs), *t = json_object_get(j, "access_token");
        if (json_is_string(t))
            snprintf(tok, cap, "%s", json_string_value(t));
        else
            status = 0; /* a cut or garbled body */
        json_decref(j);
    }
    th_response_free(&rs);
    return status;
}

void st_auth_v2(struct th_client *c, const struct st_sim *s, struct st_auth *a)
{
    memset(a, 0, sizeof(*a));
    a->scheme = 2;
    a->client_id = "demo-client-id";
    a->client_secret = "demo-client-secret";
    assert_int_equal(st_token(c, s, a->client_id, a->client_secret, a->bearer,
                              sizeof(a->bearer)),
                     200);
}

void st_auth_v1(struct st_auth *a, const struct st_v1_creds *cr)
{
    memset(a, 0, sizeof(*a));
    a->scheme = 1;
    a->v1 = cr;
}

int st_post(struct th_client *c, const struct st_sim *s, const struct st_auth *a,
            const char *path, const char *body, struct th_response *rs)
{
    static unsigned long req_counter;
    char url[256], auth[512], date[96], reqid[96], appid[160], data[1024], sig[64];
    const char *hdrs[8];
    size_t n = 0;
    struct th_request rq = {.method = "POST", .body = body, .headers = hdrs};

    st_url(url, sizeof(url), s, path);
    rq.url = url;
    hdrs[n++] = "Content-Type: application/json";
    hdrs[n++] = "Accept: application/json";
    if (a && a->scheme == 2) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", a->bearer);
        hdrs[n++] = auth;
    } else if (a && a->scheme == 1) {
        char dv[64];
        st_rfc1123(dv, sizeof(dv), a->v1_time ? a->v1_time : time(NULL),
                   a->v1_zone ? a->v1_zone : "UTC");
        snprintf(reqid, sizeof(reqid), "x-mc-req-id: 8578fcfc-a305-4d9a-99cb-%012lu",
                 ++req_counter);
        snprintf(data, sizeof(data), "%s:%s:%s:%s", dv, reqid + strlen("x-mc-req-id: "), path,
                 a->v1->app_key);
        st_v1_signature(a->v1->secret_b64, data, sig, sizeof(sig));
        snprintf(auth, sizeof(auth), "Authorization: MC %s:%s", a->v1->access_key, sig);
        snprintf(date, sizeof(date), "x-mc-date: %s", dv);
        snprintf(appid, sizeof(appid), "x-mc-app-id: %s", a->v1->app_id);
        hdrs[n++] = auth;
        hdrs[n++] = date;
        hdrs[n++] = reqid;
        hdrs[n++] = appid;
    }
    hdrs[n] = NULL;
    return th_request(c, &rq, rs);
}

json_t *st_json(const struct th_response *rs)
{
    json_error_t err;

    if (!rs->body)
        return NULL;
    return json_loadb(rs->body, rs->body_len, 0, &err);
}

json_t *st_records(json_t *root, int log)
{
    json_t *data = json_object_get(root, "data");

    if (!json_is_array(data))
        return NULL;
    if (!st_log_lists[log])
        return data;
    if (json_array_size(data) == 0)
        return data; /* empty terminal page: data: [] */
    return json_object_get(json_array_get(data, 0), st_log_lists[log]);
}

static bool transient(const struct th_response *rs, int rc, json_t *j)
{
    json_t *fail = json_object_get(j, "fail");

    if (rc != 0 || rs->status >= 500 || rs->status == 429 || !j)
        return true;
    if (rs->status == 200 && json_array_size(fail) > 0) {
        json_t *e = json_array_get(json_object_get(json_array_get(fail, 0), "errors"), 0);
        const char *code = json_string_value(json_object_get(e, "code"));
        if (json_is_true(json_object_get(e, "retryable")))
            return true;
        /* a refused page token can be replayed: tokens are durable cursors */
        if (code && strcmp(code, "err_invalid_page_token") == 0)
            return true;
    }
    return false;
}

void st_walk_run(struct th_client *c, const struct st_sim *s, struct st_auth *a,
                 struct st_walk *w)
{
    char *token = NULL;

    w->records = json_array();
    w->pages = w->retries = w->empty_end_pages = 0;
    w->first_page = NULL;
    for (int guard = 0; guard < 100000; guard++) {
        struct th_response rs;
        json_t *j = NULL, *recs, *next;
        char *body;
        size_t k;
        json_t *r;
        int rc, attempt = 0;

        if (token && w->token_only)
            rc = asprintf(&body, "{\"meta\":{\"pagination\":{\"pageSize\":%d,\"pageToken\":\"%s\"}}}",
                          w->page_size ? w->page_size : 25, token);
        else if (token)
            rc = asprintf(&body,
                          "{\"meta\":{\"pagination\":{\"pageSize\":%d,\"pageToken\":\"%s\"}},"
                          "\"data\":[%s]}",
                          w->page_size ? w->page_size : 25, token, w->filter);
        else if (w->page_size)
            rc = asprintf(&body, "{\"meta\":{\"pagination\":{\"pageSize\":%d}},\"data\":[%s]}",
                          w->page_size, w->filter);
        else
            rc = asprintf(&body, "{\"data\":[%s]}", w->filter);
        assert_true(rc > 0);
        for (;;) {
            rc = st_post(c, s, a, st_log_paths[w->log], body, &rs);
            j = rc == 0 ? st_json(&rs) : NULL;
            if (w->retry && a->scheme == 2 && rc == 0 && rs.status == 401) {
                th_response_free(&rs);
                json_decref(j);
                for (int t = 0; t < 100; t++)
                    if (st_token(c, s, a->client_id, a->client_secret, a->bearer,
                                 sizeof(a->bearer)) == 200)
                        break;
            } else if (w->retry && transient(&rs, rc, j)) {
                th_response_free(&rs);
                json_decref(j);
            } else {
                break;
            }
            w->retries++;
            if (++attempt > 200)
                fail_msg("%s: still failing after 200 retries", st_log_names[w->log]);
        }
        free(body);
        if (rc != 0 || rs.status != 200 || !j)
            fail_msg("%s page %d: transport rc %d curl %d status %ld body %.300s",
                     st_log_names[w->log], w->pages, rc, rs.curl_code, rs.status,
                     rs.body ? rs.body : "");
        if (json_array_size(json_object_get(j, "fail")) != 0)
            fail_msg("%s page %d: fail[] %.300s", st_log_names[w->log], w->pages, rs.body);
        th_response_free(&rs);
        if (!w->first_page)
            w->first_page = json_incref(j);
        w->pages++;
        recs = st_records(j, w->log);
        if (!json_is_array(recs))
            fail_msg("%s: no record list in the answer", st_log_names[w->log]);
        json_array_foreach(recs, k, r) json_array_append(w->records, r);
        next = json_object_get(json_object_get(json_object_get(j, "meta"), "pagination"), "next");
        free(token);
        token = NULL;
        if (json_array_size(recs) == 0) {
            /* stop on an empty page even when `next` is present */
            if (json_is_string(next))
                w->empty_end_pages++;
            json_decref(j);
            break;
        }
        if (json_is_string(next))
            token = strdup(json_string_value(next));
        json_decref(j);
        if (!token)
            break;
    }
    free(token);
}

void st_walk_fini(struct st_walk *w)
{
    json_decref(w->records);
    json_decref(w->first_page);
    w->records = NULL;
    w->first_page = NULL;
}

json_t *st_get_json(struct th_client *c, const struct st_sim *s, const char *path_and_query)
{
    char url[512];
    struct th_response rs;
    json_t *j;

    st_url(url, sizeof(url), s, path_and_query);
    assert_int_equal(th_get(c, url, &rs), 0);
    if (rs.status != 200)
        fail_msg("GET %s -> %ld %.200s", path_and_query, rs.status, rs.body ? rs.body : "");
    j = st_json(&rs);
    th_response_free(&rs);
    assert_non_null(j);
    return j;
}

json_t *st_sim_events(struct th_client *c, const struct st_sim *s, const char *account, int log,
                      long long from, long long to)
{
    char url[512];
    struct th_response rs;
    json_t *arr = json_array();
    char *p, *nl;

    snprintf(url, sizeof(url), "%s/_sim/events?account=%s&log=%s&from=%lld&to=%lld", s->base,
             account, st_log_names[log], from, to);
    assert_int_equal(th_get(c, url, &rs), 0);
    assert_int_equal(rs.status, 200);
    for (p = rs.body; p && *p; p = nl + 1) {
        json_error_t err;
        json_t *r;
        nl = strchr(p, '\n');
        assert_non_null(nl); /* every record ends with a newline */
        r = json_loadb(p, (size_t)(nl - p), 0, &err);
        if (!r)
            fail_msg("/_sim/events line is not JSON: %s", err.text);
        json_array_append_new(arr, r);
    }
    th_response_free(&rs);
    return arr;
}

long long st_sim_count(struct th_client *c, const struct st_sim *s, const char *account, int log,
                       long long from, long long to)
{
    char q[256];
    json_t *j, *v;
    long long n;

    snprintf(q, sizeof(q), "/_sim/stats?from=%lld&to=%lld", from, to);
    j = st_get_json(c, s, q);
    v = json_object_get(json_object_get(json_object_get(j, "accounts"), account),
                        st_log_names[log]);
    assert_true(json_is_integer(v));
    n = json_integer_value(v);
    json_decref(j);
    return n;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **st_canon(json_t *records, size_t *n)
{
    size_t k;
    json_t *r;
    char **v = calloc(json_array_size(records) + 1, sizeof(*v));

    assert_non_null(v);
    json_array_foreach(records, k, r) {
        v[k] = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
        assert_non_null(v[k]);
    }
    *n = json_array_size(records);
    qsort(v, *n, sizeof(*v), cmp_str);
    return v;
}

void st_canon_free(char **v, size_t n)
{
    for (size_t k = 0; k < n; k++)
        free(v[k]);
    free(v);
}

size_t st_canon_dups(char **v, size_t n)
{
    size_t d = 0;

    for (size_t k = 1; k < n; k++)
        if (strcmp(v[k - 1], v[k]) == 0)
            d++;
    return d;
}

void st_assert_same_records(json_t *got, json_t *want, bool dups_ok)
{
    size_t ng, nw, u = 0;
    char **g = st_canon(got, &ng), **w = st_canon(want, &nw);

    if (!dups_ok && st_canon_dups(g, ng) != 0)
        fail_msg("%zu duplicate records served", st_canon_dups(g, ng));
    /* unique the received list, then compare element by element */
    for (size_t k = 0; k < ng; k++) {
        if (u > 0 && strcmp(g[u - 1], g[k]) == 0) {
            free(g[k]);
            continue;
        }
        g[u++] = g[k];
    }
    if (st_canon_dups(w, nw) != 0)
        fail_msg("/_sim/events lists %zu identical records", st_canon_dups(w, nw));
    if (u != nw)
        fail_msg("walk returned %zu distinct records, /_sim/events lists %zu", u, nw);
    for (size_t k = 0; k < nw; k++)
        if (strcmp(g[k], w[k]) != 0)
            fail_msg("record sets differ:\n got  %.300s\n want %.300s", g[k], w[k]);
    st_canon_free(g, u);
    st_canon_free(w, nw);
}

void st_write_temp(char *path, size_t cap, const char *suffix, const char *content)
{
    const char *dir = getenv("TMPDIR");
    int fd;
    size_t len = strlen(content);

    snprintf(path, cap, "%s/mcsim-test-XXXXXX%s", dir && *dir ? dir : "/tmp", suffix);
    fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    close(fd);
}

long long st_parse_time(const char *s)
{
    struct tm tm;
    const char *p;
    long long t;
    int oh = 0, om = 0, sign = 1;

    memset(&tm, 0, sizeof(tm));
    if (!s)
        return -1;
    p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p)
        return -1;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        if (sscanf(p + 1, "%2d", &oh) != 1)
            return -1;
        p += 3;
        if (*p == ':')
            p++;
        if (sscanf(p, "%2d", &om) != 1)
            return -1;
        p += 2;
    }
    if (*p)
        return -1;
    t = (long long)timegm(&tm);
    return t - sign * (oh * 3600 + om * 60);
}
