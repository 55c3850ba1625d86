#include "net/http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/netaddr.h"
#include "core/str.h"
#include "core/version.h"

/* How often the transfer loop wakes up to look at the cancel flag even when
 * nothing happens on the socket: shutdown should not wait for a timeout. */
#define CANCEL_POLL_MS 100

struct mcl_http {
    CURL *easy;
    CURLM *multi;   /* our own, so the loop can wake up for the cancel flag; it also
                       owns the connection cache that keep-alive reuses */
    char *ca_file;
    char *proxy;
    char *user_agent;
    long connect_timeout_ms;
    long timeout_ms;
    size_t max_body;
    const atomic_int *cancel;
    struct mcl_http_response *resp; /* during a transfer */
    int cb_rc;                      /* error raised inside a callback */
    char curl_err[CURL_ERROR_SIZE];
    char errtext[MCL_HTTP_ERRTEXT_MAX];
};

int mcl_http_global_init(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return MCL_ENOMEM;
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    if (!v || !(v->features & CURL_VERSION_SSL))
        return MCL_EINVAL; /* without TLS nothing useful can be fetched */
    return MCL_OK;
}

void mcl_http_global_cleanup(void)
{
    curl_global_cleanup();
}

bool mcl_http_url_allowed(const char *url)
{
    if (!url)
        return false;
    if (!strncasecmp(url, "https://", 8))
        return true;
    if (!strncasecmp(url, "http://", 7))
        return mcl_url_host_is_loopback(url);
    return false;
}

int mcl_http_create(const struct mcl_http_opts *opts, struct mcl_http **out)
{
    int rc = MCL_ENOMEM;
    struct mcl_http *h = calloc(1, sizeof *h);
    *out = NULL;
    if (!h)
        goto out;
    h->easy = curl_easy_init();
    h->multi = curl_multi_init();
    if (!h->easy || !h->multi)
        goto out;
    if (opts->ca_file && !(h->ca_file = strdup(opts->ca_file)))
        goto out;
    if (opts->proxy && opts->proxy[0] && !(h->proxy = strdup(opts->proxy)))
        goto out;
    if (opts->user_agent)
        h->user_agent = strdup(opts->user_agent);
    else
        h->user_agent = strdup("mclog/" MCL_VERSION);
    if (!h->user_agent)
        goto out;
    h->connect_timeout_ms =
        opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : MCL_HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
    h->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : MCL_HTTP_DEFAULT_TIMEOUT_MS;
    h->max_body = opts->max_body ? opts->max_body : MCL_HTTP_DEFAULT_MAX_BODY;
    h->cancel = opts->cancel;
    /* Keep the number of idle connections small: one thread, one peer. */
    curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, 4L);
    *out = h;
    h = NULL;
    rc = MCL_OK;
out:
    mcl_http_destroy(h);
    return rc;
}

void mcl_http_destroy(struct mcl_http *h)
{
    if (!h)
        return;
    if (h->easy)
        curl_easy_cleanup(h->easy);
    if (h->multi)
        curl_multi_cleanup(h->multi);
    free(h->ca_file);
    free(h->proxy);
    free(h->user_agent);
    free(h);
}

void mcl_http_response_init(struct mcl_http_response *r)
{
    r->status = 0;
    mcl_buf_init(&r->body, MCL_HTTP_DEFAULT_MAX_BODY);
    r->n_headers = 0;
    mcl_buf_init(&r->hdrtext, MCL_HTTP_MAX_HEADER_BYTES);
    r->url = NULL;
}

void mcl_http_response_fini(struct mcl_http_response *r)
{
    mcl_buf_fini(&r->body);
    mcl_buf_fini(&r->hdrtext);
    free(r->url);
    r->url = NULL;
    r->n_headers = 0;
    r->status = 0;
}

static void clear_response(struct mcl_http_response *r)
{
    r->status = 0;
    mcl_buf_reset(&r->body);
    mcl_buf_reset(&r->hdrtext);
    r->n_headers = 0;
}

const char *mcl_http_errtext(const struct mcl_http *h)
{
    return h->errtext;
}

bool mcl_http_canceled(const struct mcl_http *h)
{
    return h->cancel && atomic_load(h->cancel) != 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct mcl_http *h = ud;
    int rc = mcl_buf_append(&h->resp->body, p, size * n);
    if (rc) {
        h->cb_rc = rc;
        return 0; /* makes curl fail with CURLE_WRITE_ERROR */
    }
    return size * n;
}

static size_t trim_len(const char *s, size_t n)
{
    while (n && (s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n;
}

/* Keeps the headers of the last answer only: curl also reports the headers
 * of 1xx answers and of a proxy's CONNECT reply, each starting with a status
 * line. */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct mcl_http *h = ud;
    struct mcl_http_response *r = h->resp;
    size_t len = trim_len(p, size * n);
    if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
        mcl_buf_reset(&r->hdrtext);
        r->n_headers = 0;
        return size * n;
    }
    if (len == 0 || p[0] == ' ' || p[0] == '\t')
        return size * n; /* end of headers, or an obsolete folded line */
    const char *colon = memchr(p, ':', len);
    if (!colon)
        return size * n;
    size_t nlen = (size_t)(colon - p);
    const char *v = colon + 1;
    size_t vlen = len - nlen - 1;
    while (vlen && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }
    if (r->n_headers == MCL_HTTP_MAX_HEADERS) {
        h->cb_rc = MCL_ELIMIT;
        snprintf(h->errtext, sizeof h->errtext, "more than %d response headers",
                 MCL_HTTP_MAX_HEADERS);
        return 0;
    }
    struct mcl_http_header *e = &r->headers[r->n_headers];
    e->name = (uint32_t)r->hdrtext.len;
    int rc = mcl_buf_append(&r->hdrtext, p, nlen);
    if (!rc)
        rc = mcl_buf_append_char(&r->hdrtext, '\0');
    e->value = (uint32_t)r->hdrtext.len;
    if (!rc)
        rc = mcl_buf_append(&r->hdrtext, v, vlen);
    if (!rc)
        rc = mcl_buf_append_char(&r->hdrtext, '\0');
    if (rc) {
        h->cb_rc = rc;
        if (rc == MCL_ELIMIT)
            snprintf(h->errtext, sizeof h->errtext, "response headers larger than %d bytes",
                     MCL_HTTP_MAX_HEADER_BYTES);
        return 0;
    }
    r->n_headers++;
    /* Size the body buffer once instead of doubling up to it. */
    if (nlen == 14 && !strncasecmp(p, "Content-Length", 14)) {
        char *end;
        unsigned long long cl = strtoull(r->hdrtext.data + e->value, &end, 10);
        if (*end == '\0' && cl > 0 && cl <= r->body.max)
            mcl_buf_reserve(&r->body, (size_t)cl);
    }
    return size * n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    return mcl_http_canceled(ud) ? 1 : 0;
}

const char *mcl_http_header_get(const struct mcl_http_response *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        if (!strcasecmp(r->hdrtext.data + r->headers[i].name, name))
            return r->hdrtext.data + r->headers[i].value;
    }
    return NULL;
}

int64_t mcl_http_retry_after_ms(const struct mcl_http_response *r, int64_t now_wall_ms)
{
    const char *v = mcl_http_header_get(r, "Retry-After");
    if (!v || !*v)
        return -1;
    if (strspn(v, "0123456789") == strlen(v)) {
        if (strlen(v) > 9)
            return -1; /* more than 30 years: nonsense */
        return strtoll(v, NULL, 10) * 1000;
    }
    time_t t = curl_getdate(v, NULL);
    if (t == (time_t)-1)
        return -1;
    int64_t d = (int64_t)t * 1000 - now_wall_ms;
    return d < 0 ? 0 : d;
}

int mcl_http_urlencode(struct mcl_buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = MCL_OK;
    for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            rc = mcl_buf_append_char(out, (char)*p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = mcl_buf_append(out, e, 3);
        }
    }
    return rc;
}

/* Length of "scheme://authority" at the start of url. */
static size_t origin_len(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return 0;
    p += 3;
    p += strcspn(p, "/?#");
    return (size_t)(p - url);
}

static bool same_origin(const char *a, const char *b)
{
    size_t la = origin_len(a), lb = origin_len(b);
    return la && la == lb && !strncasecmp(a, b, la);
}

static bool is_auth_header(const char *line)
{
    return !strncasecmp(line, "Authorization:", 14);
}

static int build_headers(const struct mcl_http_request *req, bool drop_auth, struct curl_slist **out)
{
    struct curl_slist *l = NULL, *t;
    bool has_expect = false;
    for (size_t i = 0; i < req->n_headers; i++) {
        if (drop_auth && is_auth_header(req->headers[i]))
            continue;
        if (!strncasecmp(req->headers[i], "Expect:", 7))
            has_expect = true;
        if (!(t = curl_slist_append(l, req->headers[i])))
            goto fail;
        l = t;
    }
    /* No "100-continue" round trip before bodies. */
    if (!has_expect) {
        if (!(t = curl_slist_append(l, "Expect:")))
            goto fail;
        l = t;
    }
    *out = l;
    return MCL_OK;
fail:
    curl_slist_free_all(l);
    return MCL_ENOMEM;
}

static int setup(struct mcl_http *h, const char *method, const char *url, struct curl_slist *hdrs,
                 const void *body, size_t body_len)
{
    CURL *e = h->easy;
    CURLcode c = CURLE_OK;
    bool plain_http = !strncasecmp(url, "http://", 7);
    curl_easy_reset(e); /* keeps connections, DNS and TLS session caches */
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (c == CURLE_OK)                                                                         \
            c = curl_easy_setopt(e, opt, val);                                                     \
    } while (0)
    SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, plain_http ? "http" : "https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
#else
    SET(CURLOPT_PROTOCOLS, plain_http ? CURLPROTO_HTTP : CURLPROTO_HTTPS);
    SET(CURLOPT_REDIR_PROTOCOLS, CURLPROTO_HTTPS);
#endif
    SET(CURLOPT_FOLLOWLOCATION, 0L); /* redirects are followed by mcl_http_request itself */
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_ERRORBUFFER, h->curl_err);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_PROXY_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_PROXY_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (h->ca_file) {
        SET(CURLOPT_CAINFO, h->ca_file);
        SET(CURLOPT_PROXY_CAINFO, h->ca_file);
    }
    /* "" disables proxies from the environment; loopback never goes through one. */
    SET(CURLOPT_PROXY, h->proxy ? h->proxy : "");
    SET(CURLOPT_NOPROXY, "localhost,127.0.0.0/8,::1");
    SET(CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, h->timeout_ms);
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_body);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, h);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, h);
    SET(CURLOPT_XFERINFOFUNCTION, on_progress);
    SET(CURLOPT_XFERINFODATA, h);
    SET(CURLOPT_NOPROGRESS, 0L);
    SET(CURLOPT_USERAGENT, h->user_agent);
    SET(CURLOPT_ACCEPT_ENCODING, ""); /* every encoding curl decodes; the limit applies decoded */
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_HTTPHEADER, hdrs);
    if (!strcmp(method, "GET")) {
        SET(CURLOPT_HTTPGET, 1L);
    } else if (!strcmp(method, "HEAD")) {
        SET(CURLOPT_NOBODY, 1L);
    } else {
        if (strcmp(method, "POST") != 0)
            SET(CURLOPT_CUSTOMREQUEST, method);
        if (body || !strcmp(method, "POST")) {
            SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
            SET(CURLOPT_POSTFIELDS, body ? (const char *)body : "");
        }
    }
#undef SET
    if (c != CURLE_OK) {
        snprintf(h->errtext, sizeof h->errtext, "curl option refused: %s", curl_easy_strerror(c));
        return c == CURLE_OUT_OF_MEMORY ? MCL_ENOMEM : MCL_EINVAL;
    }
    return MCL_OK;
}

/* Drives one transfer with our own multi handle so the cancel flag is seen
 * within CANCEL_POLL_MS in every phase (DNS, connect, TLS, idle reads). */
static int perform(struct mcl_http *h, CURLcode *result)
{
    int running = 1;
    bool canceled = false;
    *result = CURLE_OK;
    if (curl_multi_add_handle(h->multi, h->easy) != CURLM_OK)
        return MCL_ENOMEM;
    while (running) {
        CURLMcode mc = curl_multi_perform(h->multi, &running);
        if (mc != CURLM_OK) {
            *result = CURLE_OUT_OF_MEMORY;
            break;
        }
        if (!running)
            break;
        if (mcl_http_canceled(h)) {
            canceled = true;
            break;
        }
        curl_multi_poll(h->multi, NULL, 0, CANCEL_POLL_MS, NULL);
    }
    int q;
    CURLMsg *m;
    while ((m = curl_multi_info_read(h->multi, &q))) {
        if (m->msg == CURLMSG_DONE && m->easy_handle == h->easy)
            *result = m->data.result;
    }
    curl_multi_remove_handle(h->multi, h->easy);
    if (canceled)
        *result = CURLE_ABORTED_BY_CALLBACK;
    return MCL_OK;
}

static int map_result(struct mcl_http *h, CURLcode c)
{
    if (c == CURLE_OK)
        return MCL_OK;
    if (h->cb_rc) {
        if (h->cb_rc == MCL_ELIMIT && !h->errtext[0])
            snprintf(h->errtext, sizeof h->errtext,
                     "response body larger than the limit of %zu bytes", h->max_body);
        else if (!h->errtext[0])
            snprintf(h->errtext, sizeof h->errtext, "%s", mcl_strerror(h->cb_rc));
        return h->cb_rc;
    }
    const char *detail = h->curl_err[0] ? h->curl_err : curl_easy_strerror(c);
    snprintf(h->errtext, sizeof h->errtext, "%.200s (curl %d)", detail, (int)c);
    switch (c) {
    case CURLE_ABORTED_BY_CALLBACK:
        snprintf(h->errtext, sizeof h->errtext, "transfer canceled by shutdown");
        return MCL_ECANCELED;
    case CURLE_OPERATION_TIMEDOUT:
        return MCL_ETIMEDOUT;
    case CURLE_FILESIZE_EXCEEDED:
        snprintf(h->errtext, sizeof h->errtext,
                 "response body larger than the limit of %zu bytes (curl %d)", h->max_body, (int)c);
        return MCL_ELIMIT;
    case CURLE_OUT_OF_MEMORY:
        return MCL_ENOMEM;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return MCL_EINVAL;
    default:
        /* includes 18 (partial body), 52 (empty reply), 55/56 (reset), TLS and DNS */
        return MCL_ENET;
    }
}

static bool is_redirect(long status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

int mcl_http_request(struct mcl_http *h, const struct mcl_http_request *req,
                     struct mcl_http_response *resp)
{
    int rc;
    struct curl_slist *hdrs = NULL;
    char *url = NULL;
    const char *method = req->method ? req->method : (req->body ? "POST" : "GET");
    const void *body = req->body;
    size_t body_len = req->body_len;
    bool drop_auth = false;

    h->errtext[0] = '\0';
    clear_response(resp);
    resp->body.max = h->max_body;
    if (!req->url || !(url = strdup(req->url))) {
        rc = req->url ? MCL_ENOMEM : MCL_EINVAL;
        goto out;
    }
    for (int hop = 0;; hop++) {
        if (!mcl_http_url_allowed(url)) {
            snprintf(h->errtext, sizeof h->errtext,
                     "refused URL %.120s: only https, or plain http to a loopback address", url);
            rc = MCL_EINVAL;
            goto out;
        }
        if (mcl_http_canceled(h)) {
            snprintf(h->errtext, sizeof h->errtext, "transfer canceled by shutdown");
            rc = MCL_ECANCELED;
            goto out;
        }
        curl_slist_free_all(hdrs);
        hdrs = NULL;
        if ((rc = build_headers(req, drop_auth, &hdrs)))
            goto out;
        if ((rc = setup(h, method, url, hdrs, body, body_len)))
            goto out;
        clear_response(resp);
        h->resp = resp;
        h->cb_rc = MCL_OK;
        h->curl_err[0] = '\0';
        CURLcode c;
        if ((rc = perform(h, &c)))
            goto out;
        curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &resp->status);
        if ((rc = map_result(h, c)))
            goto out;
        if (!req->follow_redirects || !is_redirect(resp->status))
            break;
        char *next = NULL;
        curl_easy_getinfo(h->easy, CURLINFO_REDIRECT_URL, &next);
        if (!next)
            break; /* a redirect status without Location: the caller sees it */
        if (hop == MCL_HTTP_MAX_REDIRECTS) {
            snprintf(h->errtext, sizeof h->errtext, "more than %d redirects",
                     MCL_HTTP_MAX_REDIRECTS);
            rc = MCL_ELIMIT;
            goto out;
        }
        if (!same_origin(url, next))
            drop_auth = true;
        if (resp->status == 303 && strcmp(method, "HEAD") != 0) {
            method = "GET";
            body = NULL;
            body_len = 0;
        }
        char *copy = strdup(next);
        if (!copy) {
            rc = MCL_ENOMEM;
            goto out;
        }
        free(url);
        url = copy;
    }
    free(resp->url);
    resp->url = url;
    url = NULL;
    rc = MCL_OK;
out:
    h->resp = NULL;
    curl_slist_free_all(hdrs);
    free(url);
    return rc;
}
