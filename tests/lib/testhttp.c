/* tests/lib -- libcurl request helper (see testhttp.h). */
#include "testhttp.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_MAX_BODY (64u * 1024 * 1024)
#define MAX_HEADERS 128

struct th_client {
    CURL *h;
    long connects;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct th_client *th_client_create(void)
{
    struct th_client *c;

    pthread_once(&init_once, global_init);
    c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->h = curl_easy_init();
    if (!c->h) {
        free(c);
        return NULL;
    }
    return c;
}

void th_client_destroy(struct th_client *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->h);
    free(c);
}

struct xfer {
    struct th_response *rs;
    size_t cap;
    size_t max;
    int discard;
    size_t keep_head;
    int oom;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;

    x->rs->bytes += n;
    if (x->discard) {
        size_t keep = x->rs->body_len < x->keep_head ? x->keep_head - x->rs->body_len : 0;
        if (keep == 0)
            return n;
        if (keep > n)
            keep = n;
        /* store only the head: fall through with a shortened chunk */
        if (x->rs->body_len + keep + 1 > x->cap) {
            char *nb = realloc(x->rs->body, x->keep_head + 1);
            if (!nb) {
                x->oom = 1;
                return 0;
            }
            x->rs->body = nb;
            x->cap = x->keep_head + 1;
        }
        memcpy(x->rs->body + x->rs->body_len, ptr, keep);
        x->rs->body_len += keep;
        x->rs->body[x->rs->body_len] = '\0';
        return n;
    }
    if (x->rs->body_len + n > x->max)
        return 0; /* CURLE_WRITE_ERROR */
    if (x->rs->body_len + n + 1 > x->cap) {
        size_t ncap = x->cap ? x->cap : 4096;
        char *nb;
        while (ncap < x->rs->body_len + n + 1)
            ncap *= 2;
        nb = realloc(x->rs->body, ncap);
        if (!nb) {
            x->oom = 1;
            return 0;
        }
        x->rs->body = nb;
        x->cap = ncap;
    }
    memcpy(x->rs->body + x->rs->body_len, ptr, n);
    x->rs->body_len += n;
    x->rs->body[x->rs->body_len] = '\0';
    return n;
}

static void free_headers(struct th_response *rs)
{
    for (size_t k = 0; k < rs->n_headers; k++) {
        free(rs->headers[k].name);
        free(rs->headers[k].value);
    }
    free(rs->headers);
    rs->headers = NULL;
    rs->n_headers = 0;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    struct th_response *rs = x->rs;
    size_t n = size * nmemb, nl, vs, ve;
    const char *colon;
    struct th_header *nh;

    if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
        free_headers(rs); /* a new response (after 100-continue or a redirect) */
        return n;
    }
    colon = memchr(ptr, ':', n);
    if (!colon || rs->n_headers >= MAX_HEADERS)
        return n;
    nl = (size_t)(colon - ptr);
    vs = nl + 1;
    while (vs < n && (ptr[vs] == ' ' || ptr[vs] == '\t'))
        vs++;
    ve = n;
    while (ve > vs && (ptr[ve - 1] == '\r' || ptr[ve - 1] == '\n' || ptr[ve - 1] == ' '))
        ve--;
    nh = realloc(rs->headers, (rs->n_headers + 1) * sizeof(*nh));
    if (!nh)
        return 0;
    rs->headers = nh;
    nh[rs->n_headers].name = strndup(ptr, nl);
    nh[rs->n_headers].value = strndup(ptr + vs, ve - vs);
    if (!nh[rs->n_headers].name || !nh[rs->n_headers].value) {
        free(nh[rs->n_headers].name);
        free(nh[rs->n_headers].value);
        return 0;
    }
    rs->n_headers++;
    return n;
}

int th_request(struct th_client *c, const struct th_request *rq, struct th_response *rs)
{
    struct curl_slist *hl = NULL, *tmp;
    struct xfer x;
    const char *method = rq->method ? rq->method : "GET";
    long connects = 0;
    CURLcode cc;
    int rc = 0;

    memset(rs, 0, sizeof(*rs));
    memset(&x, 0, sizeof(x));
    x.rs = rs;
    x.max = rq->max_body ? rq->max_body : DEFAULT_MAX_BODY;
    x.discard = rq->flags & TH_DISCARD_BODY;
    x.keep_head = rq->keep_head;

    /* reset options but keep the connection cache: keep-alive survives */
    curl_easy_reset(c->h);
    for (const char *const *h = rq->headers; h && *h; h++) {
        tmp = curl_slist_append(hl, *h);
        if (!tmp) {
            rc = -ENOMEM;
            goto out;
        }
        hl = tmp;
    }
    tmp = curl_slist_append(hl, "Expect:"); /* no 100-continue round trip */
    if (!tmp) {
        rc = -ENOMEM;
        goto out;
    }
    hl = tmp;
    curl_easy_setopt(c->h, CURLOPT_URL, rq->url);
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, rq->timeout_ms ? rq->timeout_ms : 30000L);
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(c->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c->h, CURLOPT_HEADERDATA, &x);
    if (strcmp(method, "GET") == 0 && !rq->body) {
        curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
    } else {
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
        if (rq->body || strcmp(method, "POST") == 0) {
            const char *b = rq->body ? rq->body : "";
            size_t bl = rq->body_len ? rq->body_len : strlen(b);
            curl_easy_setopt(c->h, CURLOPT_POST, 1L);
            curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)bl);
            curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, b);
        }
    }
    cc = curl_easy_perform(c->h);
    rs->curl_code = (int)cc;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &rs->status);
    if (curl_easy_getinfo(c->h, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK)
        c->connects += connects;
    if (x.oom)
        rc = -ENOMEM;
    else if (cc != CURLE_OK)
        rc = -EIO;
out:
    curl_slist_free_all(hl);
    return rc;
}

const char *th_header(const struct th_response *rs, const char *name)
{
    const char *v = NULL;

    for (size_t k = 0; k < rs->n_headers; k++)
        if (strcasecmp(rs->headers[k].name, name) == 0)
            v = rs->headers[k].value;
    return v;
}

void th_response_free(struct th_response *rs)
{
    free(rs->body);
    rs->body = NULL;
    rs->body_len = 0;
    free_headers(rs);
}

int th_get(struct th_client *c, const char *url, struct th_response *rs)
{
    struct th_request rq = {.method = "GET", .url = url};
    return th_request(c, &rq, rs);
}

int th_post(struct th_client *c, const char *url, const char *content_type, const char *body,
            const char *const *extra_headers, struct th_response *rs)
{
    const char *hdrs[40];
    char ct[256];
    size_t n = 0;
    struct th_request rq = {.method = "POST", .url = url, .body = body ? body : "", .headers = hdrs};

    if (content_type) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
        hdrs[n++] = ct;
    }
    for (const char *const *h = extra_headers; h && *h && n < 38; h++)
        hdrs[n++] = *h;
    hdrs[n] = NULL;
    return th_request(c, &rq, rs);
}

long th_connects(struct th_client *c)
{
    return c->connects;
}
