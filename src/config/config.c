/* The mclog configuration schema: option tables, defaults and the rules that
 * span several keys. The generic machinery is in cfg_opt.c; adding a key is
 * adding a row here (and to docs/CONFIG.md, which a unit test checks).
 */
#include "config/config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/cfg_internal.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/netaddr.h"
#include "core/str.h"

_Static_assert(sizeof(enum mcl_api_version) == sizeof(int), "ENUM rows store an int");
_Static_assert(sizeof(enum mcl_log_level) == sizeof(int), "ENUM rows store an int");
_Static_assert(sizeof(enum mcl_log_format) == sizeof(int), "ENUM rows store an int");
_Static_assert(MCL_LOGTYPE_COUNT <= 32, "FLAGS rows hold 32 bits");

/* Groups of account keys, activated by `api`. */
enum { G_V1 = 1u << 0, G_V2 = 1u << 1 };

#define DAY_MS (86400LL * 1000)

/* ---- value checks ----------------------------------------------------- */

static int check_account_name(struct cfg_ctx *c, const struct mcl_opt *o,
                              const struct cfg_node *at, const char *what, char *v)
{
    size_t n = strlen(v);
    bool ok = n >= 1 && n <= 64;
    for (const char *p = v; ok && *p; p++) {
        ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
             *p == '_' || *p == '.' || *p == '-';
    }
    if (ok)
        return 0;
    cfg_error(c, at,
              "account name '%s' may only use letters, digits, '_', '.' and '-' "
              "(1 to 64 characters)",
              cfg_show(v, 0));
    return -1;
}

/* Length of "scheme://" when `v` starts with one of `schemes`, else 0. */
static size_t scheme_len(const char *v, const char *const *schemes)
{
    for (const char *const *s = schemes; *s; s++) {
        size_t n = strlen(*s);
        if (!strncasecmp(v, *s, n) && !strncmp(v + n, "://", 3))
            return n + 3;
    }
    return 0;
}

static bool has_space(const char *v)
{
    for (const char *p = v; *p; p++) {
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return true;
    }
    return false;
}

static int check_base_url(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *at,
                          const char *what, char *v)
{
    static const char *const schemes[] = {"https", "http", NULL};
    size_t sl = scheme_len(v, schemes);
    if (!sl || has_space(v) || strpbrk(v, "?#")) {
        cfg_error(c, at,
                  "'%s' must be a URL like https://api.services.mimecast.com (no spaces, query "
                  "or fragment), got '%s'",
                  what, cfg_show(v, 0));
        return -1;
    }
    size_t n = strlen(v);
    while (n > sl && v[n - 1] == '/')
        v[--n] = '\0';
    if (!v[sl] || v[sl] == '/' || v[sl] == ':') {
        cfg_error(c, at, "'%s' has no host name, got '%s'", what, cfg_show(v, 0));
        return -1;
    }
    if (sl == strlen("http://") && !mcl_url_host_is_loopback(v)) {
        cfg_error(c, at, "'%s': plain http is only allowed to loopback addresses; use https", what);
        return -1;
    }
    return 0;
}

static int check_proxy(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *at,
                       const char *what, char *v)
{
    static const char *const schemes[] = {"http",   "https",  "socks4", "socks4a",
                                          "socks5", "socks5h", NULL};
    size_t sl = scheme_len(v, schemes);
    if (sl && !has_space(v) && v[sl] && v[sl] != '/' && v[sl] != ':')
        return 0;
    /* NOECHO: a proxy URL may carry user:password. */
    cfg_error(c, at,
              "'%s' must be a URL like http://proxy.example:3128 (schemes: http, https, socks4, "
              "socks4a, socks5, socks5h); the value is not shown",
              what);
    return -1;
}

static int check_email(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *at,
                       const char *what, char *v)
{
    const char *atp = strchr(v, '@');
    if (atp && atp != v && atp[1] && !strchr(atp + 1, '@') && strchr(atp + 1, '.') &&
        !has_space(v))
        return 0;
    cfg_error(c, at, "'%s' must be an email address like svc@example.com, got '%s'", what,
              cfg_show(v, 0));
    return -1;
}

static int check_domain(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *at,
                        const char *what, char *v)
{
    size_t n = strlen(v);
    bool ok = n <= 253 && v[0] != '.' && v[0] != '-' && v[n - 1] != '.' && !strstr(v, "..");
    for (const char *p = v; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.';
    if (ok)
        return 0;
    cfg_error(c, at, "'%s': '%s' is not a domain name like example.com", what, cfg_show(v, 0));
    return -1;
}

static int check_base64(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *at,
                        const char *what, char *v)
{
    struct mcl_buf b;
    mcl_buf_init(&b, CFG_MAX_SECRET_FILE);
    int rc = mcl_base64_decode(v, strlen(v), &b);
    mcl_buf_fini(&b);
    if (rc == MCL_ENOMEM) {
        c->oom = true;
        return -1;
    }
    if (!rc)
        return 0;
    cfg_error(c, at,
              "'%s' must be valid base64, as the Mimecast console shows the Secret Key (the "
              "value is not shown)",
              what);
    return -1;
}

/* host:port with an IPv4 address, a name, or [IPv6]. */
static int check_listen(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *at,
                        const char *what, char *v)
{
    const char *port = NULL;
    bool ok = !has_space(v);
    if (ok && v[0] == '[') {
        const char *end = strchr(v, ']');
        ok = end && end > v + 1 && end[1] == ':';
        port = ok ? end + 2 : NULL;
    } else if (ok) {
        const char *colon = strrchr(v, ':');
        ok = colon && colon > v && memchr(v, ':', (size_t)(colon - v)) == NULL;
        port = ok ? colon + 1 : NULL;
    }
    long p = 0;
    if (ok) {
        char *end;
        errno = 0;
        ok = *port >= '0' && *port <= '9';
        p = ok ? strtol(port, &end, 10) : 0;
        ok = ok && !errno && !*end && p >= 1 && p <= 65535;
    }
    if (ok)
        return 0;
    cfg_error(c, at,
              "'%s' must be host:port like 127.0.0.1:8478, 0.0.0.0:8478 or [::1]:8478 (port 1 "
              "to 65535), got '%s'",
              what, cfg_show(v, 0));
    return -1;
}

/* ---- tables ----------------------------------------------------------- */

static const struct mcl_opt_name api_names[] = {
    {"v2", MCL_API_V2},
    {"v1", MCL_API_V1},
    {NULL, 0},
};

/* Same names as core/logtype.c (a unit test checks they agree). */
static const struct mcl_opt_name logtype_names[] = {
    {"audit", MCL_LOGTYPE_AUDIT},
    {"dlp", MCL_LOGTYPE_DLP},
    {"rejection", MCL_LOGTYPE_REJECTION},
    {"ttp_url", MCL_LOGTYPE_TTP_URL},
    {"ttp_impersonation", MCL_LOGTYPE_TTP_IMPERSONATION},
    {"ttp_attachment", MCL_LOGTYPE_TTP_ATTACHMENT},
    {NULL, 0},
};

static const struct mcl_opt_name level_names[] = {
    {"error", MCL_LOG_ERROR}, {"warn", MCL_LOG_WARN}, {"info", MCL_LOG_INFO},
    {"debug", MCL_LOG_DEBUG}, {NULL, 0},
};

static const struct mcl_opt_name format_names[] = {
    {"text", MCL_LOG_TEXT},
    {"json", MCL_LOG_JSON},
    {NULL, 0},
};

#define A(f) offsetof(struct mcl_account_cfg, f)

static const struct mcl_opt account_opts[] = {
    {.name = "name", .type = MCL_OPT_STR, .offset = A(name), .flags = MCL_OPT_REQUIRED,
     .check = check_account_name,
     .desc = "Label of the account in logs and the store; unique; [A-Za-z0-9_.-]{1,64}."},
    {.name = "api", .type = MCL_OPT_ENUM, .offset = A(api), .def = "v2", .names = api_names,
     .desc = "Mimecast API generation: v2 (OAuth2) or v1 (legacy HMAC keys)."},
    {.name = "region", .type = MCL_OPT_STR, .offset = A(region),
     .desc = "Region whose base URL is used (v2: global, uk, us; v1: eu, de, us, usb, ca, za, "
             "au, jer)."},
    {.name = "base_url", .type = MCL_OPT_STR, .offset = A(base_url), .check = check_base_url,
     .desc = "Explicit API base URL; overrides region. https, or http to loopback only."},
    {.name = "discover_email", .type = MCL_OPT_STR, .offset = A(discover_email),
     .group = G_V1, .check = check_email,
     .desc = "v1: an address of the account, used to find its region."},
    {.name = "client_id", .type = MCL_OPT_STR, .offset = A(client_id), .group = G_V2,
     .flags = MCL_OPT_REQUIRED, .desc = "v2: OAuth2 client ID."},
    {.name = "client_secret", .type = MCL_OPT_STR, .offset = A(client_secret), .group = G_V2,
     .flags = MCL_OPT_REQUIRED | MCL_OPT_SECRET, .desc = "v2: OAuth2 client secret."},
    {.name = "app_id", .type = MCL_OPT_STR, .offset = A(app_id), .group = G_V1,
     .flags = MCL_OPT_REQUIRED, .desc = "v1: application ID."},
    {.name = "app_key", .type = MCL_OPT_STR, .offset = A(app_key), .group = G_V1,
     .flags = MCL_OPT_REQUIRED | MCL_OPT_SECRET, .desc = "v1: application key."},
    {.name = "access_key", .type = MCL_OPT_STR, .offset = A(access_key), .group = G_V1,
     .flags = MCL_OPT_REQUIRED | MCL_OPT_SECRET, .desc = "v1: access key of the binding."},
    {.name = "secret_key", .type = MCL_OPT_STR, .offset = A(secret_key), .group = G_V1,
     .flags = MCL_OPT_REQUIRED | MCL_OPT_SECRET, .check = check_base64,
     .desc = "v1: secret key of the binding (base64)."},
    {.name = "logs", .type = MCL_OPT_FLAGS, .offset = A(logs),
     .def = "audit, dlp, rejection, ttp_url, ttp_impersonation, ttp_attachment",
     .flags = MCL_OPT_NONEMPTY, .names = logtype_names, .item = "log type",
     .example = "[audit, dlp]", .desc = "Log types to collect; at least one, no repeats."},
    {.name = "lookback", .type = MCL_OPT_DURATION, .offset = A(lookback_ms), .def = "7d",
     .min = 0, .max = 3650 * DAY_MS, .desc = "How far back the first run starts."},
    {.name = "interval", .type = MCL_OPT_DURATION, .offset = A(interval_ms), .def = "5m",
     .min = 10 * 1000, .max = 3650 * DAY_MS, .desc = "How often each log type is polled."},
    {.name = "overlap", .type = MCL_OPT_DURATION, .offset = A(overlap_ms), .def = "1m",
     .min = 0, .max = 3650 * DAY_MS,
     .desc = "Window re-read before the newest event seen, for late events."},
    {.name = "page_size", .type = MCL_OPT_INT, .offset = A(page_size), .def = "100", .min = 1,
     .max = 500, .desc = "Records requested per page."},
    {.name = "internal_domains", .type = MCL_OPT_STRS, .offset = A(internal_domains),
     .offset_n = A(n_internal_domains), .flags = MCL_OPT_LOWER, .check = check_domain,
     .item = "domain", .example = "[example.com]",
     .desc = "Your own email domains (stored in lower case)."},
    {.name = "internal_networks", .type = MCL_OPT_CIDRS, .offset = A(internal_networks),
     .offset_n = A(n_internal_networks), .item = "network",
     .example = "[10.0.0.0/8, \"2001:db8::/32\"]", .desc = "Your own networks (IPv4/IPv6 CIDR)."},
    {.name = "ca_file", .type = MCL_OPT_STR, .offset = A(ca_file),
     .desc = "CA bundle for TLS verification; default: the system store."},
    {.name = "proxy", .type = MCL_OPT_STR, .offset = A(proxy), .flags = MCL_OPT_NOECHO,
     .check = check_proxy, .desc = "Proxy URL (http, https, socks4[a], socks5[h]); none by default."},
    {.name = NULL},
};

/* Index of a row by name, so the tables can be reordered freely. */
static size_t row(const struct mcl_opt *opts, const char *name)
{
    size_t i = 0;
    while (opts[i].name && strcmp(opts[i].name, name))
        i++;
    return i; /* the terminator when absent: its seen[] slot stays empty */
}

#define S(sec, f) (offsetof(struct mcl_config, sec.f) - offsetof(struct mcl_config, sec))

static const struct mcl_opt store_opts[] = {
    {.name = "path", .type = MCL_OPT_STR, .offset = S(store, path), .def = "./mclog.db",
     .desc = "SQLite database holding cursors and collected events."},
    {.name = "retention", .type = MCL_OPT_DURATION, .offset = S(store, retention_ms), .def = "0",
     .min = 0, .desc = "How long events are kept; 0 keeps them forever."},
    {.name = NULL},
};

static const struct mcl_opt server_opts[] = {
    {.name = "listen", .type = MCL_OPT_STR, .offset = S(server, listen),
     .def = "127.0.0.1:8478", .check = check_listen, .desc = "host:port of the HTTP API."},
    {.name = "token", .type = MCL_OPT_STR, .offset = S(server, token), .flags = MCL_OPT_SECRET,
     .min = 16,
     .desc = "Bearer token for the HTTP API (16+ characters); required when listen is not "
             "loopback."},
    {.name = NULL},
};

static const struct mcl_opt log_opts[] = {
    {.name = "level", .type = MCL_OPT_ENUM, .offset = S(log, level), .def = "info",
     .names = level_names, .desc = "error, warn, info or debug."},
    {.name = "format", .type = MCL_OPT_ENUM, .offset = S(log, format), .def = "text",
     .names = format_names, .desc = "text or json (one JSON object per line)."},
    {.name = NULL},
};

static const struct mcl_opt collector_opts[] = {
    {.name = "max_threads", .type = MCL_OPT_INT, .offset = S(collector, max_threads), .def = "8",
     .min = 1, .max = 256, .desc = "Collector threads at most."},
    {.name = "retry_initial", .type = MCL_OPT_DURATION, .offset = S(collector, retry_initial_ms),
     .def = "1s", .min = 1,
     .desc = "First wait after a transient failure (5xx, network); doubles up to retry_max, "
             "with full jitter."},
    {.name = "retry_max", .type = MCL_OPT_DURATION, .offset = S(collector, retry_max_ms),
     .def = "5m", .min = 1, .desc = "Longest wait between retries."},
    {.name = NULL},
};

static void parse_accounts(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *key,
                           const struct cfg_node *val, void *obj);
static void free_accounts(const struct mcl_opt *o, void *obj);
static int each_account_secret(const struct mcl_opt *o, const void *obj,
                               int (*fn)(const char *secret, void *arg), void *arg);
static void parse_outputs(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *key,
                          const struct cfg_node *val, void *obj);

static const struct mcl_opt_custom accounts_custom = {
    .parse = parse_accounts, .free = free_accounts, .each_secret = each_account_secret};
static const struct mcl_opt_custom outputs_custom = {.parse = parse_outputs};

#define C(f) offsetof(struct mcl_config, f)

static const struct mcl_opt root_opts[] = {
    {.name = "store", .type = MCL_OPT_SECTION, .offset = C(store), .sub = store_opts,
     .desc = "Where state and events are kept."},
    {.name = "accounts", .type = MCL_OPT_CUSTOM, .custom = &accounts_custom,
     .desc = "Mimecast accounts to collect from (at least one)."},
    {.name = "outputs", .type = MCL_OPT_CUSTOM, .custom = &outputs_custom,
     .desc = "Where events are sent (none available yet: [] only)."},
    {.name = "server", .type = MCL_OPT_SECTION, .offset = C(server), .sub = server_opts,
     .desc = "The HTTP API and dashboard."},
    {.name = "log", .type = MCL_OPT_SECTION, .offset = C(log), .sub = log_opts,
     .desc = "mclog's own log."},
    {.name = "collector", .type = MCL_OPT_SECTION, .offset = C(collector), .sub = collector_opts,
     .desc = "Collection limits."},
    {.name = NULL},
};

const struct mcl_opt *cfg_schema_root(void)
{
    return root_opts;
}

const struct mcl_opt *cfg_schema_account(void)
{
    return account_opts;
}

/* ---- accounts --------------------------------------------------------- */

static const char *api_name(enum mcl_api_version api)
{
    return api == MCL_API_V1 ? "v1" : "v2";
}

/* True when `api` was absent or names a known API (so group checks make sense). */
static bool api_known(const struct cfg_seen *seen)
{
    const struct cfg_node *v = seen[row(account_opts, "api")].val;
    if (!v)
        return true;
    if (v->kind != CFG_SCALAR)
        return false;
    char *s = cfg_expand_quiet_dup(v);
    bool ok = false;
    for (const struct mcl_opt_name *n = api_names; s && n->name; n++)
        ok = ok || !strcmp(s, n->name);
    free(s);
    return ok;
}

static void account_region(struct cfg_ctx *c, const struct cfg_node *item,
                           struct mcl_account_cfg *a, const struct cfg_seen *seen,
                           const char *owner)
{
    const struct cfg_node *rv = seen[row(account_opts, "region")].val;
    if (a->region && !mcl_mc_region_url(a->api, a->region)) {
        enum mcl_api_version other = a->api == MCL_API_V1 ? MCL_API_V2 : MCL_API_V1;
        if (mcl_mc_region_url(other, a->region))
            cfg_error(c, rv,
                      "'region': unknown region '%s' for api %s (valid: %s); '%s' is an api %s "
                      "region",
                      cfg_show(a->region, 0), api_name(a->api), mcl_mc_region_names(a->api),
                      cfg_show(a->region, 1), api_name(other));
        else
            cfg_error(c, rv, "'region': unknown region '%s' for api %s (valid: %s)",
                      cfg_show(a->region, 0), api_name(a->api), mcl_mc_region_names(a->api));
        return;
    }
    if (seen[row(account_opts, "base_url")].key) {
        /* An explicit base_url wins; region is then only checked above. */
        free(a->region);
        a->region = NULL;
        return;
    }
    if (!a->region && a->api == MCL_API_V2) {
        a->region = mcl_strdup("global");
        if (!a->region) {
            c->oom = true;
            return;
        }
    }
    if (!a->region) {
        if (!seen[row(account_opts, "discover_email")].key)
            cfg_error(c, item,
                      "%s (api v1) needs 'region' (%s), 'base_url' or 'discover_email'", owner,
                      mcl_mc_region_names(MCL_API_V1));
        return; /* discover_email only: base_url is found at run time */
    }
    a->base_url = mcl_strdup(mcl_mc_region_url(a->api, a->region));
    if (!a->base_url)
        c->oom = true;
}

static void account_finish(struct cfg_ctx *c, const struct cfg_node *item,
                           struct mcl_account_cfg *a, const struct cfg_seen *seen,
                           const char *owner)
{
    if (!api_known(seen))
        return; /* the api error is enough */
    unsigned groups = a->api == MCL_API_V1 ? G_V1 : G_V2;
    for (size_t i = 0; account_opts[i].name; i++) {
        const struct mcl_opt *o = &account_opts[i];
        if (!seen[i].key || !o->group || (o->group & groups))
            continue;
        cfg_error(c, seen[i].key, "%s uses api %s but sets %s key '%s'; remove it, or set 'api: %s'",
                  owner, api_name(a->api), o->group == G_V1 ? "v1" : "v2", seen[i].key->str,
                  o->group == G_V1 ? "v1" : "v2");
    }
    cfg_opt_check_required(c, item, account_opts, seen, groups, owner);
    account_region(c, item, a, seen, owner);
}

static void parse_accounts(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *key,
                           const struct cfg_node *val, void *obj)
{
    struct mcl_config *cfg = obj;
    if (val->kind == CFG_SCALAR || val->kind == CFG_MAP) {
        cfg_error(c, val, "'accounts' must be a list of accounts (each starting with '- name:'), "
                          "got %s",
                  cfg_kind_name(val->kind));
        return;
    }
    size_t n = val->kind == CFG_SEQ ? val->n : 0;
    if (!n) {
        cfg_error(c, val, "'accounts' is empty: add at least one account");
        return;
    }
    size_t nrows = cfg_opt_count(account_opts);
    const struct cfg_node **names = calloc(n, sizeof *names);
    struct cfg_seen *seen = calloc(nrows + 1, sizeof *seen); /* + the terminator's slot */
    cfg->accounts = calloc(n, sizeof *cfg->accounts);
    if (!names || !seen || !cfg->accounts) {
        c->oom = true;
        goto out;
    }
    cfg->n_accounts = n;
    for (size_t i = 0; i < n && !c->oom; i++) {
        const struct cfg_node *item = &val->kids[i];
        struct mcl_account_cfg *a = &cfg->accounts[i];
        a->line = item->line;
        a->col = item->col;
        cfg_opt_defaults(c, account_opts, a);
        if (item->kind != CFG_MAP) {
            cfg_error(c, item,
                      "each account must be a mapping (name: ..., client_id: ...), got %s",
                      cfg_kind_name(item->kind));
            continue;
        }
        /* Label for messages, before the keys are parsed. */
        char owner[96], where[112];
        snprintf(owner, sizeof owner, "account #%zu", i + 1);
        const struct cfg_node *nv = cfg_map_get(item, "name", NULL);
        char *label = nv && nv->kind == CFG_SCALAR ? cfg_expand_quiet_dup(nv) : NULL;
        if (label && *label && strlen(label) <= 64 && strspn(label,
                                                             "abcdefghijklmnopqrstuvwxyz"
                                                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                             "0123456789_.-") == strlen(label))
            snprintf(owner, sizeof owner, "account '%s'", label);
        free(label);
        snprintf(where, sizeof where, " in %s", owner);

        memset(seen, 0, (nrows + 1) * sizeof *seen);
        cfg_opt_parse_map(c, item, account_opts, a, where, seen);
        account_finish(c, item, a, seen, owner);
        names[i] = seen[row(account_opts, "name")].val;
        for (size_t j = 0; j < i && a->name; j++) {
            if (cfg->accounts[j].name && !strcmp(cfg->accounts[j].name, a->name)) {
                cfg_error(c, names[i], "duplicate account name '%s' (first defined at %d:%d); "
                                       "names must be unique",
                          cfg_show(a->name, 0), names[j]->line, names[j]->col);
                break;
            }
        }
    }
out:
    free(names);
    free(seen);
}

static void free_accounts(const struct mcl_opt *o, void *obj)
{
    struct mcl_config *cfg = obj;
    for (size_t i = 0; i < cfg->n_accounts; i++)
        cfg_opt_free(account_opts, &cfg->accounts[i]);
    free(cfg->accounts);
    cfg->accounts = NULL;
    cfg->n_accounts = 0;
}

static int each_account_secret(const struct mcl_opt *o, const void *obj,
                               int (*fn)(const char *secret, void *arg), void *arg)
{
    const struct mcl_config *cfg = obj;
    int rc = MCL_OK;
    for (size_t i = 0; i < cfg->n_accounts && !rc; i++)
        rc = cfg_opt_each_secret(account_opts, &cfg->accounts[i], fn, arg);
    return rc;
}

/* ---- outputs ---------------------------------------------------------- */

/* Output types by name. Adding one: a struct for its settings in config.h, a
 * table of rows here, and an entry below; parse_outputs() then parses each
 * `- type: <name>` mapping with that table (the "type" key itself skipped). */
struct output_type {
    const char *name;
    const struct mcl_opt *opts;
};

static const struct output_type output_types[] = {
    {.name = NULL},
};

static void parse_outputs(struct cfg_ctx *c, const struct mcl_opt *o, const struct cfg_node *key,
                          const struct cfg_node *val, void *obj)
{
    if (val->kind == CFG_SCALAR || val->kind == CFG_MAP) {
        cfg_error(c, val, "'outputs' must be a list (each item a mapping with a 'type'), got %s",
                  cfg_kind_name(val->kind));
        return;
    }
    for (size_t i = 0; val->kind == CFG_SEQ && i < val->n; i++) {
        const struct cfg_node *item = &val->kids[i];
        if (item->kind != CFG_MAP) {
            cfg_error(c, item, "each output must be a mapping with a 'type' key, got %s",
                      cfg_kind_name(item->kind));
            continue;
        }
        const struct cfg_node *tv = cfg_map_get(item, "type", NULL);
        if (!tv) {
            cfg_error(c, item, "output #%zu has no 'type'", i + 1);
            continue;
        }
        char *t = cfg_opt_scalar_dup(c, NULL, tv, "type");
        if (!t)
            continue;
        const struct output_type *ot = output_types;
        while (ot->name && strcmp(ot->name, t))
            ot++;
        if (!ot->name) {
            if (output_types[0].name) {
                char list[256] = "";
                size_t w = 0;
                for (const struct output_type *p = output_types; p->name && w < sizeof list; p++)
                    w += (size_t)snprintf(list + w, sizeof list - w, "%s%s", w ? ", " : "",
                                          p->name);
                cfg_error(c, tv, "unknown output type '%s' (known: %s)", cfg_show(t, 0), list);
            } else {
                cfg_error(c, tv,
                          "output type '%s' is not available yet; leave 'outputs' empty ([])",
                          cfg_show(t, 0));
            }
        }
        free(t);
    }
}

/* ---- load ------------------------------------------------------------- */

static void check_server(struct cfg_ctx *c, const struct cfg_node *root, struct mcl_config *cfg)
{
    if (!cfg->server.listen || cfg->server.token)
        return;
    struct mcl_buf b;
    mcl_buf_init(&b, 4096);
    if (mcl_buf_appendf(&b, "http://%s", cfg->server.listen)) {
        mcl_buf_fini(&b);
        return;
    }
    bool lo = mcl_url_host_is_loopback(b.data);
    mcl_buf_fini(&b);
    if (lo)
        return;
    const struct cfg_node *srv = cfg_map_get(root, "server", NULL);
    const struct cfg_node *at = cfg_map_get(srv, "listen", NULL);
    cfg_error(c, at ? at : srv,
              "'listen' is not a loopback address, so 'token' (or 'token_file') is required to "
              "protect the HTTP API");
}

int mcl_config_load_text(const char *text, size_t len, const char *name, struct mcl_config **out,
                         struct mcl_diags *diags)
{
    struct mcl_diags local;
    struct cfg_node *root = NULL;
    struct mcl_config *cfg = NULL;
    int rc;

    *out = NULL;
    if (!diags) {
        mcl_diags_init(&local);
        diags = &local;
    }
    struct cfg_ctx c = {.file = name ? name : "<config>", .diags = diags, .first_diag = diags->n};
    if (len > CFG_MAX_FILE_BYTES) {
        cfg_error_at(&c, 0, 0, "the configuration is larger than %d KiB; this is not a "
                               "configuration file",
                     CFG_MAX_FILE_BYTES / 1024);
        goto done;
    }
    if (cfg_yaml_parse(&c, text ? text : "", text ? len : 0, &root) || !root)
        goto done;
    if (root->kind != CFG_MAP) {
        cfg_error(&c, root,
                  "the configuration must be a mapping of sections (store, accounts, outputs, "
                  "server, log, collector), got %s",
                  cfg_kind_name(root->kind));
        goto done;
    }
    cfg = calloc(1, sizeof *cfg);
    if (!cfg || !(cfg->path = mcl_strdup(c.file))) {
        c.oom = true;
        goto done;
    }
    cfg_opt_defaults(&c, root_opts, cfg);
    struct cfg_seen seen[sizeof root_opts / sizeof root_opts[0]] = {{0}};
    cfg_opt_parse_map(&c, root, root_opts, cfg, "", seen);
    const struct cfg_seen *acc = &seen[row(root_opts, "accounts")];
    if (!acc->key && !acc->suggested)
        cfg_error(&c, root, "no 'accounts' section: add at least one account (see "
                            "docs/CONFIG.md)");
    check_server(&c, root, cfg);

done:
    cfg_node_free_tree(root);
    cfg_diags_finish(&c);
    if (c.oom)
        rc = MCL_ENOMEM;
    else if (c.errors)
        rc = MCL_ECONFIG;
    else
        rc = MCL_OK;
    if (rc) {
        mcl_config_free(cfg);
        cfg = NULL;
    }
    *out = cfg;
    if (diags == &local)
        mcl_diags_fini(&local);
    return rc;
}

int mcl_config_load(const char *path, struct mcl_config **out, struct mcl_diags *diags)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        if (diags && mcl_diags_add(diags, path, 0, 0, "cannot read the configuration: %s",
                                   strerror(e)))
            return MCL_ENOMEM;
        return MCL_EIO;
    }
    char *text = malloc(CFG_MAX_FILE_BYTES + 1);
    if (!text) {
        fclose(f);
        return MCL_ENOMEM;
    }
    size_t len = fread(text, 1, CFG_MAX_FILE_BYTES + 1, f);
    int err = ferror(f) ? errno : 0;
    fclose(f);
    int rc;
    if (err) {
        rc = MCL_EIO;
        if (diags && mcl_diags_add(diags, path, 0, 0, "cannot read the configuration: %s",
                                   strerror(err)))
            rc = MCL_ENOMEM;
    } else {
        /* More than the cap is reported by load_text. */
        rc = mcl_config_load_text(text, len, path, out, diags);
    }
    free(text);
    return rc;
}

void mcl_config_free(struct mcl_config *cfg)
{
    if (!cfg)
        return;
    cfg_opt_free(root_opts, cfg);
    free(cfg->path);
    free(cfg);
}

static int add_secret(const char *s, void *arg)
{
    (void)arg;
    return mcl_log_add_secret(s);
}

int mcl_config_register_secrets(const struct mcl_config *cfg)
{
    if (!cfg)
        return MCL_EINVAL;
    return cfg_opt_each_secret(root_opts, cfg, add_secret, NULL);
}

const struct mcl_account_cfg *mcl_config_account(const struct mcl_config *cfg, const char *name)
{
    for (size_t i = 0; cfg && name && i < cfg->n_accounts; i++) {
        if (mcl_str_eq(cfg->accounts[i].name, name))
            return &cfg->accounts[i];
    }
    return NULL;
}
