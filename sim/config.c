/* mcsim -- configuration defaults, names and small parsers (see sim.h). */
#include "sim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "hash.h"

const char *const sim_log_names[SIM_LOG_COUNT] = {
    "audit", "dlp", "rejection", "ttp_url", "ttp_impersonation", "ttp_attachment"};

const char *const sim_region_names[SIM_REGION_COUNT] = {"eu", "de", "us", "usb",
                                                        "ca", "za", "au", "jer"};

const char *const sim_fault_names[SIM_FAULT_COUNT] = {
    "http5xx",     "http429",         "slow",        "truncate",
    "invalid_json", "fail200",        "empty_last_page", "short_pages",
    "repeat_boundary", "token_expiry", "reset",       "stale_page_token"};

/* A realistic week for the demo: roughly 3,000 to 30,000 events per type. */
static const double default_rates[SIM_LOG_COUNT] = {
    0.01,  /* audit: ~6,000/week */
    0.005, /* dlp: ~3,000/week */
    0.05,  /* rejection: ~30,000/week */
    0.03,  /* ttp_url: ~18,000/week */
    0.008, /* ttp_impersonation: ~4,800/week */
    0.02,  /* ttp_attachment: ~12,000/week */
};

#define DEMO_SECRET_KEY "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

char *sim_strdup(const char *s)
{
    size_t n;
    char *d;

    if (!s)
        return NULL;
    n = strlen(s) + 1;
    d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static int lookup(const char *const *names, int n, const char *name)
{
    if (!name)
        return -1;
    for (int k = 0; k < n; k++)
        if (strcmp(names[k], name) == 0)
            return k;
    return -1;
}

int sim_log_from_name(const char *name)
{
    return lookup(sim_log_names, SIM_LOG_COUNT, name);
}

int sim_region_from_name(const char *name)
{
    return lookup(sim_region_names, SIM_REGION_COUNT, name);
}

int sim_fault_from_name(const char *name)
{
    return lookup(sim_fault_names, SIM_FAULT_COUNT, name);
}

int sim_parse_duration(const char *s, int64_t *out_s)
{
    char *end;
    double v;
    int64_t mult = 1;

    if (!s || !*s)
        return SIM_EPARSE;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || v < 0 || !isfinite(v))
        return SIM_EPARSE;
    if (strcmp(end, "ms") == 0) {
        *out_s = (int64_t)(v / 1000.0);
        return SIM_OK;
    }
    if (*end == 's' || *end == '\0')
        mult = 1;
    else if (*end == 'm')
        mult = 60;
    else if (*end == 'h')
        mult = 3600;
    else if (*end == 'd')
        mult = 86400;
    else if (*end == 'w')
        mult = 7 * 86400;
    else
        return SIM_EPARSE;
    if (*end && end[1] != '\0')
        return SIM_EPARSE;
    if (v * (double)mult > 1e11)
        return SIM_EPARSE;
    *out_s = (int64_t)(v * (double)mult);
    return SIM_OK;
}

int sim_parse_rate(double r, uint64_t *out_micro)
{
    if (!isfinite(r) || r < 0 || r > 1e7)
        return SIM_EPARSE;
    *out_micro = (uint64_t)llround(r * 1e6);
    return SIM_OK;
}

static void account_defaults(struct sim_account *a)
{
    memset(a, 0, sizeof(*a));
    a->region = SIM_REGION_EU;
    a->tz_offset_min = -240;
    for (int l = 0; l < SIM_LOG_COUNT; l++)
        sim_parse_rate(default_rates[l], &a->rate_micro[l]);
}

static void account_fini(struct sim_account *a)
{
    free(a->name);
    free(a->domain);
    free(a->client_id);
    free(a->client_secret);
    free(a->app_id);
    free(a->app_key);
    free(a->access_key);
    free(a->secret_key_b64);
}

struct sim_account *sim_config_add_account(struct sim_config *cfg, const char *name)
{
    struct sim_account *na, *a;

    if (cfg->n_accounts >= 1024)
        return NULL;
    na = realloc(cfg->accounts, (cfg->n_accounts + 1) * sizeof(*na));
    if (!na)
        return NULL;
    cfg->accounts = na;
    a = &na[cfg->n_accounts];
    account_defaults(a);
    a->name = sim_strdup(name);
    if (!a->name)
        return NULL;
    cfg->n_accounts++;
    return a;
}

void sim_config_clear_accounts(struct sim_config *cfg)
{
    for (size_t k = 0; k < cfg->n_accounts; k++)
        account_fini(&cfg->accounts[k]);
    free(cfg->accounts);
    cfg->accounts = NULL;
    cfg->n_accounts = 0;
}

int sim_config_init_defaults(struct sim_config *cfg)
{
    struct sim_account *a;

    memset(cfg, 0, sizeof(*cfg));
    cfg->seed = 1;
    cfg->period_s = 7 * 86400;
    cfg->max_page_size = 500;
    cfg->token_lifetime_s = 1799;
    cfg->region = SIM_REGION_ANY;
    cfg->v1_skew_s = 900;
    /* "Off" for the demo, yet the headers are always sent. */
    cfg->rl_default.limit = 1000000;
    cfg->rl_default.refill_ms = 1;
    cfg->reset_style = SIM_RESET_MS;
    cfg->date_style = SIM_DATES_STANDARD;
    snprintf(cfg->bind, sizeof(cfg->bind), "127.0.0.1");
    cfg->port = 8089;

    a = sim_config_add_account(cfg, "demo");
    if (!a)
        return SIM_ENOMEM;
    a->domain = sim_strdup("demo.example.com");
    a->client_id = sim_strdup("demo-client-id");
    a->client_secret = sim_strdup("demo-client-secret");
    a->app_id = sim_strdup("demo-app-id");
    a->app_key = sim_strdup("demo-app-key");
    a->access_key = sim_strdup("demo-access-key");
    a->secret_key_b64 = sim_strdup(DEMO_SECRET_KEY);
    if (!a->domain || !a->client_id || !a->client_secret || !a->app_id || !a->app_key ||
        !a->access_key || !a->secret_key_b64)
        return SIM_ENOMEM;
    return SIM_OK;
}

int sim_config_add_fault(struct sim_config *cfg, const struct sim_fault_rule *rule_take)
{
    struct sim_fault_rule *nf;

    if (cfg->n_faults >= 256)
        return SIM_ELIMIT;
    nf = realloc(cfg->faults, (cfg->n_faults + 1) * sizeof(*nf));
    if (!nf)
        return SIM_ENOMEM;
    cfg->faults = nf;
    nf[cfg->n_faults++] = *rule_take;
    return SIM_OK;
}

void sim_fault_rule_fini(struct sim_fault_rule *r)
{
    for (size_t k = 0; k < r->n_paths; k++)
        free(r->paths[k]);
    for (size_t k = 0; k < r->n_accounts; k++)
        free(r->accounts[k]);
    r->n_paths = 0;
    r->n_accounts = 0;
}

void sim_config_fini(struct sim_config *cfg)
{
    sim_config_clear_accounts(cfg);
    for (size_t k = 0; k < cfg->n_faults; k++)
        sim_fault_rule_fini(&cfg->faults[k]);
    free(cfg->faults);
    cfg->faults = NULL;
    cfg->n_faults = 0;
}

/* Names, domains and credentials end up in JSON, URLs and headers: keep them
 * to a plain character set so no escaping is ever needed. */
static bool plain_token(const char *s, bool allow_b64)
{
    if (!s || !*s || strlen(s) > 200)
        return false;
    for (; *s; s++) {
        char c = *s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '-' || c == '_')
            continue;
        if (allow_b64 && (c == '+' || c == '/' || c == '=' || c == '&' || c == '%' || c == '~' ||
                          c == '!' || c == '*'))
            continue;
        return false;
    }
    return true;
}

#define DERIVE(field, suffix)                                                                      \
    do {                                                                                           \
        if (!a->field) {                                                                           \
            char tmp_[256];                                                                        \
            snprintf(tmp_, sizeof(tmp_), "%s" suffix, a->name);                                    \
            a->field = sim_strdup(tmp_);                                                           \
            if (!a->field)                                                                         \
                return SIM_ENOMEM;                                                                 \
        }                                                                                          \
    } while (0)

static int account_finish(struct sim_config *cfg, struct sim_account *a, char *err, size_t errlen)
{
    if (!plain_token(a->name, false)) {
        snprintf(err, errlen, "account name '%s': use letters, digits, '.', '-', '_'",
                 a->name ? a->name : "");
        return SIM_EINVAL;
    }
    if (!a->domain) {
        char tmp[256];
        snprintf(tmp, sizeof(tmp), "%s.example.com", a->name);
        a->domain = sim_strdup(tmp);
        if (!a->domain)
            return SIM_ENOMEM;
    }
    DERIVE(client_id, "-client-id");
    DERIVE(client_secret, "-client-secret");
    DERIVE(app_id, "-app-id");
    DERIVE(app_key, "-app-key");
    DERIVE(access_key, "-access-key");
    if (!a->secret_key_b64) {
        a->secret_key_b64 = sim_strdup(DEMO_SECRET_KEY);
        if (!a->secret_key_b64)
            return SIM_ENOMEM;
    }
    if (!plain_token(a->domain, false)) {
        snprintf(err, errlen, "account '%s': bad domain", a->name);
        return SIM_EINVAL;
    }
    if (!plain_token(a->client_id, true) || !plain_token(a->client_secret, true) ||
        !plain_token(a->app_id, false) || !plain_token(a->app_key, true) ||
        !plain_token(a->access_key, true)) {
        snprintf(err, errlen,
                 "account '%s': credentials must be 1-200 characters of [A-Za-z0-9._-+/=&%%~!*] "
                 "(app_id: [A-Za-z0-9._-])",
                 a->name);
        return SIM_EINVAL;
    }
    if (sim_b64_decode(a->secret_key_b64, a->secret_key, sizeof(a->secret_key),
                       &a->secret_key_len) != 0 ||
        a->secret_key_len == 0) {
        snprintf(err, errlen, "account '%s': secret_key is not valid base64", a->name);
        return SIM_EINVAL;
    }
    if (a->rl.limit == 0)
        a->rl.limit = cfg->rl_default.limit;
    if (a->rl.refill_ms == 0)
        a->rl.refill_ms = cfg->rl_default.refill_ms;
    a->name_hash = sim_hash_str(a->name, 0);
    for (int l = 0; l < SIM_LOG_COUNT; l++)
        a->stream_key[l] =
            sim_mix64(sim_mix64(cfg->seed ^ 0x243f6a8885a308d3ULL) ^ a->name_hash ^
                      sim_mix64((uint64_t)l + 0x13198a2e03707344ULL));
    return SIM_OK;
}

int sim_config_finish(struct sim_config *cfg, char *err, size_t errlen)
{
    int rc = SIM_OK;

    if (cfg->n_accounts == 0) {
        snprintf(err, errlen, "no accounts configured");
        return SIM_EINVAL;
    }
    if (cfg->max_page_size < 1 || cfg->max_page_size > 100000) {
        snprintf(err, errlen, "max page size must be 1..100000");
        return SIM_EINVAL;
    }
    if (cfg->late_fraction < 0 || cfg->late_fraction > 1 ||
        (cfg->late_fraction > 0 && cfg->late_max_delay_s <= 0)) {
        snprintf(err, errlen, "late events: fraction must be 0..1 and max delay > 0");
        return SIM_EINVAL;
    }
    if (cfg->rl_default.limit == 0 || cfg->rl_default.refill_ms == 0) {
        snprintf(err, errlen, "rate limit: limit and refill must be > 0");
        return SIM_EINVAL;
    }
    if (cfg->token_lifetime_s < 1) {
        snprintf(err, errlen, "token lifetime must be >= 1 s");
        return SIM_EINVAL;
    }
    for (size_t k = 0; k < cfg->n_accounts; k++) {
        rc = account_finish(cfg, &cfg->accounts[k], err, errlen);
        if (rc)
            return rc;
    }
    for (size_t k = 0; k < cfg->n_accounts; k++) {
        for (size_t j = 0; j < k; j++) {
            const struct sim_account *x = &cfg->accounts[k], *y = &cfg->accounts[j];
            const char *what = NULL;
            if (strcmp(x->name, y->name) == 0)
                what = "name";
            else if (strcmp(x->client_id, y->client_id) == 0)
                what = "client_id";
            else if (strcmp(x->access_key, y->access_key) == 0)
                what = "access_key";
            else if (strcmp(x->domain, y->domain) == 0)
                what = "domain";
            if (what) {
                snprintf(err, errlen, "accounts '%s' and '%s' share the same %s", y->name,
                         x->name, what);
                return SIM_EINVAL;
            }
        }
    }
    return SIM_OK;
}

int sim_config_account_by_client_id(const struct sim_config *cfg, const char *client_id)
{
    if (!client_id)
        return -1;
    for (size_t k = 0; k < cfg->n_accounts; k++)
        if (strcmp(cfg->accounts[k].client_id, client_id) == 0)
            return (int)k;
    return -1;
}

int sim_config_account_by_access_key(const struct sim_config *cfg, const char *access_key)
{
    if (!access_key)
        return -1;
    for (size_t k = 0; k < cfg->n_accounts; k++)
        if (strcmp(cfg->accounts[k].access_key, access_key) == 0)
            return (int)k;
    return -1;
}

int sim_config_account_by_name(const struct sim_config *cfg, const char *name)
{
    if (!name)
        return -1;
    for (size_t k = 0; k < cfg->n_accounts; k++)
        if (strcmp(cfg->accounts[k].name, name) == 0)
            return (int)k;
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Fault specs: TYPE[:PROB][@key=value,key=value...]                        */

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!s || !*s || *s == '-')
        return SIM_EPARSE;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end)
        return SIM_EPARSE;
    *out = v;
    return SIM_OK;
}

static int fault_set_type(struct sim_fault_rule *r, const char *type)
{
    int t = sim_fault_from_name(type);

    if (t >= 0) {
        r->type = t;
        if (t == SIM_FAULT_HTTP5XX && r->status == 0)
            r->status = 500;
        return SIM_OK;
    }
    /* http500, http502, http503 ... */
    if (strncmp(type, "http5", 5) == 0 && strlen(type) == 7 && type[5] >= '0' && type[5] <= '9' &&
        type[6] >= '0' && type[6] <= '9') {
        r->type = SIM_FAULT_HTTP5XX;
        r->status = 500 + (type[5] - '0') * 10 + (type[6] - '0');
        return SIM_OK;
    }
    return SIM_EINVAL;
}

int sim_fault_parse(const char *spec, struct sim_fault_rule *out, char *err, size_t errlen)
{
    char buf[1024], *type, *prob, *opts, *kv, *next;
    int rc = SIM_EPARSE;

    memset(out, 0, sizeof(*out));
    out->prob = 1.0;
    out->every = 1;
    out->delay_ms = 2000;
    if (!spec || strlen(spec) >= sizeof(buf)) {
        snprintf(err, errlen, "fault spec too long");
        goto out;
    }
    memcpy(buf, spec, strlen(spec) + 1);
    type = buf;
    opts = strchr(buf, '@');
    if (opts)
        *opts++ = '\0';
    prob = strchr(buf, ':');
    if (prob)
        *prob++ = '\0';
    if (fault_set_type(out, type) != 0) {
        snprintf(err, errlen, "unknown fault type '%s'", type);
        goto out;
    }
    if (prob) {
        char *end;
        errno = 0;
        out->prob = strtod(prob, &end);
        if (errno || *end || end == prob || !(out->prob >= 0 && out->prob <= 1)) {
            snprintf(err, errlen, "fault '%s': probability must be 0..1", type);
            goto out;
        }
    }
    for (kv = opts; kv && *kv; kv = next) {
        char *val;
        uint64_t v = 0;
        next = strchr(kv, ',');
        if (next)
            *next++ = '\0';
        val = strchr(kv, '=');
        if (!val) {
            snprintf(err, errlen, "fault '%s': option '%s' needs key=value", type, kv);
            goto out;
        }
        *val++ = '\0';
        if (strcmp(kv, "path") == 0 || strcmp(kv, "account") == 0) {
            bool is_path = kv[0] == 'p';
            size_t *n = is_path ? &out->n_paths : &out->n_accounts;
            char **arr = is_path ? out->paths : out->accounts;
            size_t cap = is_path ? SIM_FAULT_MAX_PATHS : SIM_FAULT_MAX_ACCOUNTS;
            if (*n >= cap || !*val) {
                snprintf(err, errlen, "fault '%s': too many or empty %s values", type, kv);
                goto out;
            }
            arr[*n] = sim_strdup(val);
            if (!arr[*n]) {
                rc = SIM_ENOMEM;
                goto out;
            }
            (*n)++;
            continue;
        }
        if (parse_u64(val, &v) != 0) {
            snprintf(err, errlen, "fault '%s': option %s needs a non-negative integer", type, kv);
            goto out;
        }
        if (strcmp(kv, "after") == 0) {
            out->after = v;
        } else if (strcmp(kv, "every") == 0) {
            out->every = v ? v : 1;
        } else if (strcmp(kv, "count") == 0) {
            out->count = v;
        } else if (strcmp(kv, "status") == 0) {
            if (v < 500 || v > 599) {
                snprintf(err, errlen, "fault '%s': status must be 500..599", type);
                goto out;
            }
            out->status = (int)v;
        } else if (strcmp(kv, "ms") == 0 || strcmp(kv, "delay_ms") == 0) {
            if (v > 600000) {
                snprintf(err, errlen, "fault '%s': delay must be <= 600000 ms", type);
                goto out;
            }
            out->delay_ms = (uint32_t)v;
        } else {
            snprintf(err, errlen, "fault '%s': unknown option '%s'", type, kv);
            goto out;
        }
    }
    rc = SIM_OK;
out:
    if (rc)
        sim_fault_rule_fini(out);
    return rc;
}
