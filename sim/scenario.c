/* mcsim -- scenario file loader (see scenario.h).  Unknown keys are errors
 * (typos must not silently change a test); keys starting with '_' are
 * comments and ignored. */
#include "scenario.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

struct sc {
    const char *file;
    char *err;
    size_t errlen;
};

static int bad(struct sc *sc, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(struct sc *sc, const char *where, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(sc->err, sc->errlen, "%s: %s: %s", sc->file, where, msg);
    return SIM_EINVAL;
}

static int check_keys(struct sc *sc, const char *where, json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;

    if (!json_is_object(obj))
        return bad(sc, where, "expected an object");
    json_object_foreach(obj, key, v) {
        bool ok = key[0] == '_';
        for (const char *const *a = allowed; !ok && *a; a++)
            ok = strcmp(key, *a) == 0;
        if (!ok)
            return bad(sc, where, "unknown key \"%s\"", key);
    }
    return SIM_OK;
}

static int get_u64(struct sc *sc, const char *where, json_t *v, uint64_t max, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) > max)
        return bad(sc, where, "expected an integer 0..%llu", (unsigned long long)max);
    *out = (uint64_t)json_integer_value(v);
    return SIM_OK;
}

static int get_double(struct sc *sc, const char *where, json_t *v, double *out)
{
    if (!json_is_number(v))
        return bad(sc, where, "expected a number");
    *out = json_number_value(v);
    return SIM_OK;
}

static int get_bool(struct sc *sc, const char *where, json_t *v, bool *out)
{
    if (!json_is_boolean(v))
        return bad(sc, where, "expected true or false");
    *out = json_is_true(v);
    return SIM_OK;
}

static int get_duration(struct sc *sc, const char *where, json_t *v, int64_t *out)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = json_integer_value(v);
        return SIM_OK;
    }
    if (json_is_string(v) && sim_parse_duration(json_string_value(v), out) == 0)
        return SIM_OK;
    return bad(sc, where, "expected seconds or a duration like \"7d\", \"12h\", \"30m\"");
}

static int get_str(struct sc *sc, const char *where, json_t *v, char **out)
{
    if (!json_is_string(v) || json_string_length(v) == 0)
        return bad(sc, where, "expected a non-empty string");
    free(*out);
    *out = sim_strdup(json_string_value(v));
    return *out ? SIM_OK : SIM_ENOMEM;
}

static int get_rates(struct sc *sc, const char *where, json_t *obj, uint64_t *rates)
{
    const char *key;
    json_t *v;
    char w[128];

    if (!json_is_object(obj))
        return bad(sc, where, "expected an object of log type -> events per second");
    json_object_foreach(obj, key, v) {
        int l;
        double r = 0;
        if (key[0] == '_')
            continue;
        snprintf(w, sizeof(w), "%s.%s", where, key);
        l = sim_log_from_name(key);
        if (l < 0)
            return bad(sc, w, "unknown log type (audit, dlp, rejection, ttp_url, "
                              "ttp_impersonation, ttp_attachment)");
        if (get_double(sc, w, v, &r) || sim_parse_rate(r, &rates[l]))
            return bad(sc, w, "expected events per second, 0..1e7");
    }
    return SIM_OK;
}

static int get_ratelimit(struct sc *sc, const char *where, json_t *obj,
                         struct sim_ratelimit_cfg *rl, struct sim_config *cfg)
{
    static const char *const keys[] = {"limit", "refill_ms", "reset_style", "header_style", NULL};
    static const char *const akeys[] = {"limit", "refill_ms", NULL};
    uint64_t v;
    json_t *x;
    char w[128];

    if (check_keys(sc, where, obj, cfg ? keys : akeys))
        return SIM_EINVAL;
    if ((x = json_object_get(obj, "limit"))) {
        snprintf(w, sizeof(w), "%s.limit", where);
        if (get_u64(sc, w, x, 100000000, &v) || v == 0)
            return bad(sc, w, "expected an integer 1..100000000");
        rl->limit = (uint32_t)v;
    }
    if ((x = json_object_get(obj, "refill_ms"))) {
        snprintf(w, sizeof(w), "%s.refill_ms", where);
        if (get_u64(sc, w, x, 86400000, &v) || v == 0)
            return bad(sc, w, "expected an integer 1..86400000");
        rl->refill_ms = (uint32_t)v;
    }
    if (cfg && (x = json_object_get(obj, "reset_style"))) {
        const char *s = json_string_value(x);
        if (s && strcmp(s, "ms") == 0)
            cfg->reset_style = SIM_RESET_MS;
        else if (s && strcmp(s, "epoch_s") == 0)
            cfg->reset_style = SIM_RESET_EPOCH_S;
        else if (s && strcmp(s, "epoch_ms") == 0)
            cfg->reset_style = SIM_RESET_EPOCH_MS;
        else
            return bad(sc, where, "reset_style must be \"ms\", \"epoch_s\" or \"epoch_ms\"");
    }
    if (cfg && (x = json_object_get(obj, "header_style"))) {
        const char *s = json_string_value(x);
        if (s && strcmp(s, "X-RateLimit") == 0)
            cfg->dashed_headers = false;
        else if (s && strcmp(s, "X-Rate-Limit") == 0)
            cfg->dashed_headers = true;
        else
            return bad(sc, where, "header_style must be \"X-RateLimit\" or \"X-Rate-Limit\"");
    }
    return SIM_OK;
}

static int get_tz(struct sc *sc, const char *where, json_t *v, int *out)
{
    const char *s = json_string_value(v);
    int h, m = 0, sign;

    /* "-04:00", "+0530", "Z" */
    if (!s)
        return bad(sc, where, "expected an offset like \"-04:00\"");
    if (strcmp(s, "Z") == 0 || strcmp(s, "+00:00") == 0) {
        *out = 0;
        return SIM_OK;
    }
    sign = s[0] == '-' ? -1 : s[0] == '+' ? 1 : 0;
    if (!sign || strlen(s) < 3 || s[1] < '0' || s[1] > '9' || s[2] < '0' || s[2] > '9')
        return bad(sc, where, "expected an offset like \"-04:00\"");
    h = (s[1] - '0') * 10 + (s[2] - '0');
    s += 3;
    if (*s == ':')
        s++;
    if (*s) {
        if (strlen(s) != 2 || s[0] < '0' || s[0] > '5' || s[1] < '0' || s[1] > '9')
            return bad(sc, where, "expected an offset like \"-04:00\"");
        m = (s[0] - '0') * 10 + (s[1] - '0');
    }
    if (h > 14)
        return bad(sc, where, "offset out of range");
    *out = sign * (h * 60 + m);
    return SIM_OK;
}

static int load_account(struct sc *sc, struct sim_config *cfg, json_t *o, size_t idx,
                        const uint64_t *rates)
{
    static const char *const keys[] = {
        "name",     "domain",    "region",          "eventinfo_tz", "client_id",
        "client_secret", "app_id", "app_key",       "access_key",   "secret_key",
        "rates",    "denied_logs", "deny_style",    "binding_expired", "rate_limit",
        NULL};
    char where[64], w[128];
    struct sim_account *a;
    json_t *x;
    int rc;

    snprintf(where, sizeof(where), "accounts[%zu]", idx);
    if ((rc = check_keys(sc, where, o, keys)))
        return rc;
    x = json_object_get(o, "name");
    if (!json_is_string(x) || json_string_length(x) == 0)
        return bad(sc, where, "\"name\" is required");
    a = sim_config_add_account(cfg, json_string_value(x));
    if (!a)
        return SIM_ENOMEM;
    memcpy(a->rate_micro, rates, sizeof(a->rate_micro));

#define STR_FIELD(key, field)                                                                      \
    if ((x = json_object_get(o, key))) {                                                           \
        snprintf(w, sizeof(w), "%s.%s", where, key);                                               \
        if ((rc = get_str(sc, w, x, &a->field)))                                                   \
            return rc;                                                                             \
    }
    STR_FIELD("domain", domain)
    STR_FIELD("client_id", client_id)
    STR_FIELD("client_secret", client_secret)
    STR_FIELD("app_id", app_id)
    STR_FIELD("app_key", app_key)
    STR_FIELD("access_key", access_key)
    STR_FIELD("secret_key", secret_key_b64)
#undef STR_FIELD
    if ((x = json_object_get(o, "region"))) {
        a->region = sim_region_from_name(json_string_value(x));
        if (a->region < 0)
            return bad(sc, where, "region must be one of eu, de, us, usb, ca, za, au, jer");
    }
    if ((x = json_object_get(o, "eventinfo_tz"))) {
        snprintf(w, sizeof(w), "%s.eventinfo_tz", where);
        if ((rc = get_tz(sc, w, x, &a->tz_offset_min)))
            return rc;
    }
    if ((x = json_object_get(o, "rates"))) {
        snprintf(w, sizeof(w), "%s.rates", where);
        if ((rc = get_rates(sc, w, x, a->rate_micro)))
            return rc;
    }
    if ((x = json_object_get(o, "denied_logs"))) {
        size_t k;
        json_t *e;
        if (!json_is_array(x))
            return bad(sc, where, "denied_logs must be an array of log types");
        json_array_foreach(x, k, e) {
            int l = sim_log_from_name(json_string_value(e));
            if (l < 0)
                return bad(sc, where, "denied_logs[%zu]: unknown log type", k);
            a->denied[l] = true;
        }
    }
    if ((x = json_object_get(o, "deny_style"))) {
        const char *s = json_string_value(x);
        if (s && strcmp(s, "http403") == 0)
            a->deny_style = SIM_DENY_HTTP;
        else if (s && strcmp(s, "fail200") == 0)
            a->deny_style = SIM_DENY_FAIL200;
        else
            return bad(sc, where, "deny_style must be \"http403\" or \"fail200\"");
    }
    if ((x = json_object_get(o, "binding_expired"))) {
        snprintf(w, sizeof(w), "%s.binding_expired", where);
        if ((rc = get_bool(sc, w, x, &a->binding_expired)))
            return rc;
    }
    if ((x = json_object_get(o, "rate_limit"))) {
        snprintf(w, sizeof(w), "%s.rate_limit", where);
        if ((rc = get_ratelimit(sc, w, x, &a->rl, NULL)))
            return rc;
    }
    return SIM_OK;
}

static int str_list(struct sc *sc, const char *where, json_t *arr, char **out, size_t *n,
                    size_t cap)
{
    size_t k;
    json_t *e;

    if (!json_is_array(arr) || json_array_size(arr) > cap)
        return bad(sc, where, "expected an array of at most %zu strings", cap);
    json_array_foreach(arr, k, e) {
        if (!json_is_string(e) || json_string_length(e) == 0)
            return bad(sc, where, "expected strings");
        out[*n] = sim_strdup(json_string_value(e));
        if (!out[*n])
            return SIM_ENOMEM;
        (*n)++;
    }
    return SIM_OK;
}

static int load_fault(struct sc *sc, struct sim_config *cfg, json_t *o, size_t idx)
{
    static const char *const keys[] = {"type", "probability", "after", "every", "count",
                                       "paths", "accounts", "status", "delay_ms", NULL};
    struct sim_fault_rule r;
    char where[64], err[256];
    uint64_t v;
    json_t *x;
    int rc;

    snprintf(where, sizeof(where), "faults[%zu]", idx);
    if ((rc = check_keys(sc, where, o, keys)))
        return rc;
    x = json_object_get(o, "type");
    if (!json_is_string(x))
        return bad(sc, where, "\"type\" is required");
    if (sim_fault_parse(json_string_value(x), &r, err, sizeof(err)) != 0)
        return bad(sc, where, "%s", err);
    rc = SIM_EINVAL;
    if ((x = json_object_get(o, "probability")) &&
        (get_double(sc, where, x, &r.prob) || !(r.prob >= 0 && r.prob <= 1))) {
        bad(sc, where, "probability must be 0..1");
        goto out;
    }
    if ((x = json_object_get(o, "after"))) {
        if (get_u64(sc, where, x, UINT32_MAX, &r.after))
            goto out;
    }
    if ((x = json_object_get(o, "every"))) {
        if (get_u64(sc, where, x, UINT32_MAX, &r.every))
            goto out;
        if (r.every == 0)
            r.every = 1;
    }
    if ((x = json_object_get(o, "count"))) {
        if (get_u64(sc, where, x, UINT32_MAX, &r.count))
            goto out;
    }
    if ((x = json_object_get(o, "status"))) {
        if (get_u64(sc, where, x, 599, &v) || v < 500) {
            bad(sc, where, "status must be 500..599");
            goto out;
        }
        r.status = (int)v;
    }
    if ((x = json_object_get(o, "delay_ms"))) {
        if (get_u64(sc, where, x, 600000, &v))
            goto out;
        r.delay_ms = (uint32_t)v;
    }
    if ((x = json_object_get(o, "paths")) &&
        (rc = str_list(sc, where, x, r.paths, &r.n_paths, SIM_FAULT_MAX_PATHS)) != 0)
        goto out;
    if ((x = json_object_get(o, "accounts")) &&
        (rc = str_list(sc, where, x, r.accounts, &r.n_accounts, SIM_FAULT_MAX_ACCOUNTS)) != 0)
        goto out;
    rc = sim_config_add_fault(cfg, &r);
out:
    if (rc)
        sim_fault_rule_fini(&r);
    return rc;
}

static int load_root(struct sc *sc, struct sim_config *cfg, json_t *root)
{
    static const char *const keys[] = {
        "seed",        "period",     "start",          "end",          "region",  "max_page_size",
        "token_lifetime", "v1_clock_skew", "date_style", "binding_expired", "rate_limit",
        "late_events", "rates",      "accounts",       "faults",  NULL};
    uint64_t rates[SIM_LOG_COUNT], v;
    json_t *x;
    size_t k;
    json_t *e;
    int rc;

    if ((rc = check_keys(sc, "top level", root, keys)))
        return rc;
    if ((x = json_object_get(root, "seed")) && (rc = get_u64(sc, "seed", x, INT64_MAX, &cfg->seed)))
        return rc;
    if ((x = json_object_get(root, "period")) &&
        (rc = get_duration(sc, "period", x, &cfg->period_s)))
        return rc;
    if ((x = json_object_get(root, "start"))) {
        long frac;
        if (json_is_integer(x)) {
            cfg->start = json_integer_value(x);
        } else if (!json_is_string(x) ||
                   sim_time_parse_iso(json_string_value(x), &cfg->start, &frac) != 0) {
            return bad(sc, "start", "expected epoch seconds or an ISO 8601 date-time");
        }
        cfg->has_start = true;
    }
    if ((x = json_object_get(root, "end"))) {
        long frac;
        if (json_is_integer(x)) {
            cfg->end = json_integer_value(x);
        } else if (!json_is_string(x) ||
                   sim_time_parse_iso(json_string_value(x), &cfg->end, &frac) != 0) {
            return bad(sc, "end", "expected epoch seconds or an ISO 8601 date-time");
        }
        cfg->has_end = true;
    }
    if ((x = json_object_get(root, "region"))) {
        const char *s = json_string_value(x);
        if (s && strcmp(s, "any") == 0)
            cfg->region = SIM_REGION_ANY;
        else if ((cfg->region = sim_region_from_name(s)) < 0)
            return bad(sc, "region", "expected any, eu, de, us, usb, ca, za, au or jer");
    }
    if ((x = json_object_get(root, "max_page_size"))) {
        if ((rc = get_u64(sc, "max_page_size", x, 100000, &v)) || v == 0)
            return bad(sc, "max_page_size", "expected 1..100000");
        cfg->max_page_size = (uint32_t)v;
    }
    if ((x = json_object_get(root, "token_lifetime")) &&
        (rc = get_duration(sc, "token_lifetime", x, &cfg->token_lifetime_s)))
        return rc;
    if ((x = json_object_get(root, "v1_clock_skew")) &&
        (rc = get_duration(sc, "v1_clock_skew", x, &cfg->v1_skew_s)))
        return rc;
    if ((x = json_object_get(root, "date_style"))) {
        const char *s = json_string_value(x);
        if (s && strcmp(s, "standard") == 0)
            cfg->date_style = SIM_DATES_STANDARD;
        else if (s && strcmp(s, "mixed") == 0)
            cfg->date_style = SIM_DATES_MIXED;
        else
            return bad(sc, "date_style", "expected \"standard\" or \"mixed\"");
    }
    if ((x = json_object_get(root, "binding_expired")) &&
        (rc = get_bool(sc, "binding_expired", x, &cfg->binding_expired_all)))
        return rc;
    if ((x = json_object_get(root, "rate_limit")) &&
        (rc = get_ratelimit(sc, "rate_limit", x, &cfg->rl_default, cfg)))
        return rc;
    if ((x = json_object_get(root, "late_events"))) {
        static const char *const lk[] = {"fraction", "max_delay", NULL};
        json_t *y;
        if ((rc = check_keys(sc, "late_events", x, lk)))
            return rc;
        if ((y = json_object_get(x, "fraction")) &&
            (rc = get_double(sc, "late_events.fraction", y, &cfg->late_fraction)))
            return rc;
        if ((y = json_object_get(x, "max_delay")) &&
            (rc = get_duration(sc, "late_events.max_delay", y, &cfg->late_max_delay_s)))
            return rc;
    }
    /* scenario-wide rates apply to accounts that do not set their own */
    memcpy(rates, cfg->accounts[0].rate_micro, sizeof(rates));
    if ((x = json_object_get(root, "rates")) && (rc = get_rates(sc, "rates", x, rates)))
        return rc;
    if ((x = json_object_get(root, "accounts"))) {
        if (!json_is_array(x) || json_array_size(x) == 0)
            return bad(sc, "accounts", "expected a non-empty array");
        sim_config_clear_accounts(cfg);
        json_array_foreach(x, k, e) {
            if ((rc = load_account(sc, cfg, e, k, rates)))
                return rc;
        }
    } else {
        memcpy(cfg->accounts[0].rate_micro, rates, sizeof(rates));
    }
    if ((x = json_object_get(root, "faults"))) {
        if (!json_is_array(x))
            return bad(sc, "faults", "expected an array");
        json_array_foreach(x, k, e) {
            if ((rc = load_fault(sc, cfg, e, k)))
                return rc;
        }
    }
    return SIM_OK;
}

int sim_scenario_load(struct sim_config *cfg, const char *path, char *err, size_t errlen)
{
    struct sc sc = {path, err, errlen};
    json_error_t jerr;
    json_t *root;
    int rc;

    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (jerr.line > 0)
            snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        else
            snprintf(err, errlen, "%s: %s", path, jerr.text);
        return SIM_EPARSE;
    }
    rc = load_root(&sc, cfg, root);
    json_decref(root);
    return rc;
}
