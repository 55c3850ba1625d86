/* Turning Mimecast answers into MCL_E* codes and operator advice
 * (API.md §1.5, §2.3, §3.0; error table in docs/MIMECAST-CLIENT.md). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "mimecast/internal.h"

#define BODY_HEAD 64 /* bytes of a non-JSON body quoted in the error message */

static const char *EXPIRED_ADVICE =
    "the API 1.0 access key and secret key (binding) have expired: set the service user's "
    "Authentication Cache TTL to Never Expire in its Authentication Profile, then create new keys";

static bool ci_contains(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

/* A JSON string or integer as text; "" otherwise. */
static void json_text(const json_t *v, char *out, size_t n)
{
    if (json_is_string(v))
        mcl_strlcpy(out, json_string_value(v), n);
    else if (json_is_integer(v))
        snprintf(out, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else
        out[0] = '\0';
}

struct api_error {
    bool present;          /* fail[] non-empty, error{}, or meta.status non-2xx */
    char code[64];
    char message[256];
    int retryable;         /* -1 unknown, 0, 1 */
    long meta_status;      /* 0 when absent */
};

/* Understands the 2.0 gateway shape fail[{code,message}], the 1.0 shape
 * fail[{key,errors[{code,message,retryable}]}], {"error":{code,message}},
 * OAuth's {"error":"...","error_description":"..."} and {"detail":"..."}. */
static void find_api_error(const json_t *root, struct api_error *e)
{
    memset(e, 0, sizeof *e);
    e->retryable = -1;
    if (!json_is_object(root))
        return;
    const json_t *meta = json_object_get(root, "meta");
    const json_t *ms = json_object_get(meta, "status");
    if (json_is_integer(ms))
        e->meta_status = (long)json_integer_value(ms);
    const json_t *fail = json_object_get(root, "fail");
    const json_t *item = NULL;
    if (json_is_array(fail) && json_array_size(fail) > 0) {
        e->present = true;
        item = json_array_get(fail, 0);
        const json_t *errs = json_object_get(item, "errors");
        if (json_is_array(errs) && json_array_size(errs) > 0)
            item = json_array_get(errs, 0);
        if (json_is_string(item)) {
            mcl_strlcpy(e->message, json_string_value(item), sizeof e->message);
            item = NULL;
        }
    } else if (json_is_object(fail) && json_object_size(fail) > 0) {
        e->present = true;
        item = fail;
    }
    const json_t *error = json_object_get(root, "error");
    if (!item && json_is_object(error)) {
        e->present = true;
        item = error;
    } else if (!e->present && json_is_string(error)) {
        e->present = true;
        json_text(error, e->code, sizeof e->code);
        json_text(json_object_get(root, "error_description"), e->message, sizeof e->message);
    }
    if (item) {
        json_text(json_object_get(item, "code"), e->code, sizeof e->code);
        json_text(json_object_get(item, "message"), e->message, sizeof e->message);
        const json_t *r = json_object_get(item, "retryable");
        if (json_is_boolean(r))
            e->retryable = json_is_true(r);
    }
    if (!e->message[0])
        json_text(json_object_get(root, "detail"), e->message, sizeof e->message);
    if (e->meta_status && (e->meta_status < 200 || e->meta_status > 299))
        e->present = true;
}

/* err_invalid_page_token, err_pagination_token_expired, InvalidPageToken...
 * SIEM cursors count too: the remedy is the same (restart the cursor). */
static bool is_stale_token(const struct api_error *e)
{
    if (ci_contains(e->code, "token") &&
        (ci_contains(e->code, "page") || ci_contains(e->code, "pagination") ||
         ci_contains(e->code, "siem") || ci_contains(e->code, "cursor")))
        return true;
    return (ci_contains(e->message, "page token") || ci_contains(e->message, "pagetoken") ||
            ci_contains(e->message, "pagination token")) &&
           (ci_contains(e->message, "invalid") || ci_contains(e->message, "expired") ||
            ci_contains(e->message, "stale"));
}

static bool is_auth_code(const char *c)
{
    static const char *codes[] = {"token_expired", "token_verification_failed", "unauthorized",
                                  "InvalidClientIdentifier", "invalid_client", "invalid_token",
                                  "err_developer_key", "unauthorized_client", NULL};
    for (int i = 0; codes[i]; i++) {
        if (!strcasecmp(c, codes[i]))
            return true;
    }
    return false;
}

/* Precedence: the specific conditions first, then the status. */
static int classify_error(long status, const struct api_error *e, struct mcl_mc_error *err)
{
    if (status == 418 || !strcasecmp(e->code, "err_xdk_binding_expired"))
        return MCL_EEXPIRED;
    if (ci_contains(e->code, "incorrect_region"))
        return MCL_EREGION;
    if (is_stale_token(e))
        return MCL_ESTALE;
    if (status == 429 || ci_contains(e->code, "rate_limit") || ci_contains(e->code, "throttl")) {
        err->retryable = true;
        return MCL_ERATELIMIT;
    }
    if (status == 401 || is_auth_code(e->code))
        return MCL_EAUTH;
    if (status == 403 || ci_contains(e->code, "forbidden") || ci_contains(e->code, "permission"))
        return MCL_EPERM;
    if (status == 408 || status >= 500) {
        err->retryable = true;
        return MCL_EHTTP;
    }
    if (status >= 200 && status <= 299) {
        err->retryable = e->retryable == 1;
        return MCL_EAPI;
    }
    return MCL_EHTTP;
}

/* Copies `in` replacing every byte that does not start a valid UTF-8
 * sequence (RFC 3629: no overlongs, surrogates or code points > U+10FFFF)
 * by U+FFFD. */
static int utf8_sanitize(const char *in, size_t len, struct mcl_buf *out)
{
    const unsigned char *p = (const unsigned char *)in;
    int rc = MCL_OK;
    for (size_t i = 0; i < len && !rc;) {
        unsigned c = p[i];
        size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        bool ok = n > 0 && i + n <= len;
        for (size_t k = 1; ok && k < n; k++)
            ok = (p[i + k] & 0xc0) == 0x80;
        if (ok && n > 1) {
            unsigned cp = c & (0x7f >> n);
            for (size_t k = 1; k < n; k++)
                cp = (cp << 6) | (p[i + k] & 0x3f);
            static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
            ok = cp >= min[n] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
        }
        if (ok) {
            rc = mcl_buf_append(out, in + i, n);
            i += n;
        } else {
            rc = mcl_buf_append(out, "\xef\xbf\xbd", 3);
            i++;
        }
    }
    return rc;
}

/* json_loadb, then the repairs of C-ANCHORS §3.1: invalid UTF-8 replaced by
 * U+FFFD, integers beyond 64 bits read as reals, and "\u0000" allowed. One
 * bad byte must not wedge a stream. *repaired says what was done. */
static json_t *load_lenient(const char *body, size_t len, json_error_t *je, const char **repaired)
{
    json_t *root = json_loadb(body, len, 0, je);
    struct mcl_buf fixed;
    size_t flags = 0;
    *repaired = NULL;
    if (root)
        return root;
    mcl_buf_init(&fixed, 3 * len + 16);
    const char *text = body;
    size_t tlen = len;
    json_error_t cur = *je;
    for (int attempt = 0; attempt < 3 && !root; attempt++) {
        enum json_error_code code = json_error_code(&cur);
        if (code == json_error_invalid_utf8 && text == body) {
            if (utf8_sanitize(body, len, &fixed))
                break;
            text = fixed.data;
            tlen = fixed.len;
            *repaired = "invalid UTF-8 replaced by U+FFFD";
        } else if (code == json_error_numeric_overflow && !(flags & JSON_DECODE_INT_AS_REAL)) {
            flags |= JSON_DECODE_INT_AS_REAL;
            *repaired = "integers too large for 64 bits read as reals";
        } else if (code == json_error_null_character && !(flags & JSON_ALLOW_NUL)) {
            flags |= JSON_ALLOW_NUL;
            *repaired = "\\u0000 inside strings kept";
        } else {
            break;
        }
        root = json_loadb(text, tlen, flags, &cur);
    }
    if (!root)
        *repaired = NULL;
    mcl_buf_fini(&fixed);
    return root;
}

static void body_head(const char *body, size_t len, char *out, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < len && i < BODY_HEAD && k + 1 < n; i++) {
        unsigned char ch = (unsigned char)body[i];
        out[k++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '.';
    }
    out[k] = '\0';
}

int mcl_mc_classify(const struct mcl_mc_classify_ctx *c, long status, const char *body,
                    size_t len, json_t **out, struct mcl_mc_error *err)
{
    json_error_t je;
    json_t *root = NULL;
    struct api_error e;
    int rc;

    *out = NULL;
    mc_err_reset(err);
    err->http_status = status;
    if (len > MCL_MC_MAX_BODY) {
        mc_err_message(err, "answer of %zu bytes, more than the %u accepted", len, MCL_MC_MAX_BODY);
        rc = MCL_ELIMIT;
        goto out;
    }
    if (len > 0) {
        const char *repaired;
        root = load_lenient(body, len, &je, &repaired);
        if (repaired)
            MCL_WARN(c->account ? c->account : "-", c->call && c->call->log ? c->call->log : "-",
                     "answer of %s repaired: %s", c->call ? c->call->path : "?", repaired);
    }
    bool ok_status = status >= 200 && status <= 299;
    if (ok_status && (!root || !json_is_object(root))) {
        char head[BODY_HEAD + 1];
        body_head(body, len, head, sizeof head);
        if (len == 0)
            mc_err_message(err, "empty body with HTTP %ld", status);
        else if (!root)
            mc_err_message(err, "invalid JSON at line %d column %d: %s; body starts with: %s",
                           je.line, je.column, je.text, head);
        else
            mc_err_message(err, "JSON answer is not an object; body starts with: %s", head);
        rc = MCL_EPARSE;
        err->retryable = true;
        goto out;
    }
    find_api_error(root, &e);
    if (ok_status && !e.present) {
        *out = root;
        root = NULL;
        rc = MCL_OK;
        goto out;
    }
    /* meta.status stands in for the HTTP status of a 200 that failed. */
    long eff = ok_status && e.meta_status && (e.meta_status < 200 || e.meta_status > 299)
                   ? e.meta_status
                   : status;
    rc = classify_error(eff, &e, err);
    mcl_strlcpy(err->code, e.code, sizeof err->code);
    if (e.message[0]) {
        mc_err_message(err, "%s", e.message);
    } else if (!root && len > 0) {
        char head[BODY_HEAD + 1];
        body_head(body, len, head, sizeof head);
        mc_err_message(err, "HTTP %ld, body starts with: %s", status, head);
    } else {
        mc_err_message(err, "HTTP %ld%s%s", eff, e.code[0] ? " " : "", e.code);
    }
out:
    err->rc = rc;
    if (rc)
        mc_advice(c, err);
    json_decref(root);
    return rc;
}

static const char *region_names(enum mcl_api_version api)
{
    return mcl_mc_region_names(api);
}

void mc_advice(const struct mcl_mc_classify_ctx *c, struct mcl_mc_error *err)
{
    char *a = err->advice;
    size_t n = sizeof err->advice;
    const char *base = c->base_url ? c->base_url : "?";
    const char *log = c->call && c->call->log ? c->call->log : NULL;
    const char *perm = c->call ? c->call->permission : NULL;
    switch (err->rc) {
    case MCL_EAUTH:
        if (c->api == MCL_API_V2)
            snprintf(a, n,
                     "client_id/client_secret refused by %s: check them, and the region "
                     "(global/uk/us)",
                     base);
        else
            snprintf(a, n,
                     "API 1.0 request refused by %s: check app_id, app_key, access_key and "
                     "secret_key, that the keys were issued for this region (%s), and that this "
                     "host's clock is right (x-mc-date is signed; run NTP)",
                     base, region_names(c->api));
        break;
    case MCL_EEXPIRED:
        snprintf(a, n, "%s", EXPIRED_ADVICE);
        break;
    case MCL_EPERM:
        if (perm)
            snprintf(a, n,
                     "the credential may not read %s logs: give the %s's role the permission "
                     "%s in the Mimecast console, then restart collection",
                     log ? log : "these", c->api == MCL_API_V2 ? "API application" : "service user",
                     perm);
        else
            snprintf(a, n,
                     "the credential may not call %s: give the %s's role the permission this log "
                     "type needs (docs/MIMECAST-CLIENT.md lists them)",
                     c->call && c->call->path ? c->call->path : "this endpoint",
                     c->api == MCL_API_V2 ? "API application" : "service user");
        break;
    case MCL_EREGION:
        snprintf(a, n,
                 "the Mimecast account is not served by %s (configured region: %s): set region to "
                 "the account's region (%s) or base_url%s",
                 base, c->region ? c->region : "none, base_url given", region_names(c->api),
                 c->api == MCL_API_V1 ? ", or set discover_email to find it" : "");
        break;
    case MCL_ERATELIMIT:
        snprintf(a, n,
                 "the rate limit of this credential is used up: every log type of the account "
                 "pauses until it resets. If this happens often, poll less often or use a separate "
                 "API application per log type");
        break;
    case MCL_ESTALE:
        snprintf(a, n,
                 "Mimecast no longer accepts the saved page token: the collection window restarts "
                 "from its beginning (records already stored are skipped)");
        break;
    case MCL_EPARSE:
        snprintf(a, n,
                 "the answer from %s was not a JSON object (truncated transfer, or a proxy's error "
                 "page?): the request will be retried; if it persists check the proxy setting",
                 base);
        break;
    case MCL_EAPI:
        snprintf(a, n, "Mimecast reported a failure%s%s%s%s",
                 err->code[0] ? " (" : "", err->code, err->code[0] ? ")" : "",
                 err->retryable ? ": the request will be retried"
                                : ": if it persists, report it with this message");
        break;
    case MCL_EHTTP:
        if (err->retryable)
            snprintf(a, n, "Mimecast answered HTTP %ld: the request will be retried",
                     err->http_status);
        else if (err->http_status >= 300 && err->http_status <= 399)
            snprintf(a, n, "%s answered with a redirect (HTTP %ld): set base_url to the final address",
                     base, err->http_status);
        else
            snprintf(a, n,
                     "Mimecast rejected the request (HTTP %ld): if it persists, report it with this "
                     "message",
                     err->http_status);
        break;
    case MCL_ENET:
        snprintf(a, n,
                 "could not talk to %s: check DNS, firewall and the proxy setting; the request "
                 "will be retried",
                 base);
        break;
    case MCL_ETIMEDOUT:
        snprintf(a, n, "no answer from %s in time: the request will be retried", base);
        break;
    case MCL_ELIMIT:
        snprintf(a, n, "the answer from %s is larger than mclog accepts: lower page_size", base);
        break;
    case MCL_ECONFIG:
        snprintf(a, n,
                 "URL refused: use https (plain http is only allowed to loopback addresses, for "
                 "tests); check base_url and the discovered region");
        break;
    case MCL_ECANCELED:
        snprintf(a, n, "shutting down");
        break;
    default:
        snprintf(a, n, "%s", mcl_strerror(err->rc));
        break;
    }
}
