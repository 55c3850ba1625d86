/* mcsim -- Mimecast API simulator: shared configuration types.
 *
 * Ownership: pointers passed in are borrowed unless the function name ends in
 * `_take`; pointers returned are borrowed unless the name contains `create` or
 * `dup`.  A struct sim_config owns every string it points to and is released
 * with sim_config_fini().  After the server starts the configuration is
 * read-only and shared by all connection threads without locking.
 */
#ifndef MCSIM_SIM_H
#define MCSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_VERSION "0.1.0"

/* Error codes: 0 is success, negatives are errors (house rule). */
#define SIM_OK 0
#define SIM_ENOMEM (-1)
#define SIM_EINVAL (-2)
#define SIM_EPARSE (-3)
#define SIM_ELIMIT (-4)
#define SIM_EIO (-5)

enum sim_log {
    SIM_LOG_AUDIT = 0,
    SIM_LOG_DLP,
    SIM_LOG_REJECTION,
    SIM_LOG_TTP_URL,
    SIM_LOG_TTP_IMPERSONATION,
    SIM_LOG_TTP_ATTACHMENT,
    SIM_LOG_COUNT
};

/* API 1.0 grids; SIM_REGION_ANY only for --region (accept every account). */
enum sim_region {
    SIM_REGION_ANY = -1,
    SIM_REGION_EU = 0,
    SIM_REGION_DE,
    SIM_REGION_US,
    SIM_REGION_USB,
    SIM_REGION_CA,
    SIM_REGION_ZA,
    SIM_REGION_AU,
    SIM_REGION_JER,
    SIM_REGION_COUNT
};

enum sim_date_style {
    SIM_DATES_STANDARD = 0, /* 2024-11-17T20:16:00+0000 everywhere */
    SIM_DATES_MIXED,        /* some records Z, +00:00, .000, or -0400 */
};

enum sim_reset_style {
    SIM_RESET_MS = 0,   /* documented: ms until a request is added back */
    SIM_RESET_EPOCH_S,  /* absolute epoch seconds (what Sekoia assumes) */
    SIM_RESET_EPOCH_MS, /* absolute epoch milliseconds */
};

enum sim_deny_style {
    SIM_DENY_HTTP = 0, /* 403 */
    SIM_DENY_FAIL200,  /* HTTP 200 with a fail[] entry */
};

struct sim_ratelimit_cfg {
    uint32_t limit;     /* bucket capacity (requests) */
    uint32_t refill_ms; /* one request is added back every refill_ms */
};

struct sim_account {
    char *name;
    char *domain;
    int region; /* enum sim_region */
    char *client_id;
    char *client_secret;
    char *app_id;
    char *app_key;
    char *access_key;
    char *secret_key_b64;
    unsigned char secret_key[256]; /* base64-decoded secret_key_b64 */
    size_t secret_key_len;
    uint64_t rate_micro[SIM_LOG_COUNT]; /* events per 10^6 seconds */
    bool denied[SIM_LOG_COUNT];
    int deny_style; /* enum sim_deny_style */
    bool binding_expired;
    struct sim_ratelimit_cfg rl;
    /* derived by sim_config_finish() */
    uint64_t name_hash;
    uint64_t stream_key[SIM_LOG_COUNT];
    int tz_offset_min; /* local offset shown in audit eventInfo text */
};

enum sim_fault_type {
    SIM_FAULT_HTTP5XX = 0,
    SIM_FAULT_HTTP429,
    SIM_FAULT_SLOW,
    SIM_FAULT_TRUNCATE,
    SIM_FAULT_INVALID_JSON,
    SIM_FAULT_FAIL200,
    SIM_FAULT_EMPTY_LAST_PAGE,
    SIM_FAULT_SHORT_PAGES,
    SIM_FAULT_REPEAT_BOUNDARY,
    SIM_FAULT_TOKEN_EXPIRY,
    SIM_FAULT_RESET,
    SIM_FAULT_STALE_PAGE_TOKEN,
    SIM_FAULT_COUNT
};

#define SIM_FAULT_MAX_PATHS 8
#define SIM_FAULT_MAX_ACCOUNTS 8

/* One fault rule.  The configuration part is immutable; the schedule state
 * (matched/fired/rng) lives in struct sim_faults (faults.c). */
struct sim_fault_rule {
    int type;       /* enum sim_fault_type */
    double prob;    /* 0..1, drawn from a PRNG seeded by (seed, rule index) */
    uint64_t after; /* skip the first `after` matching requests */
    uint64_t every; /* then fire on every k-th matching request (1 = each) */
    uint64_t count; /* fire at most `count` times; 0 = unlimited */
    int status;     /* http5xx: the status code */
    uint32_t delay_ms;
    size_t n_paths;
    char *paths[SIM_FAULT_MAX_PATHS]; /* exact, or prefix when ending in '*' */
    size_t n_accounts;
    char *accounts[SIM_FAULT_MAX_ACCOUNTS];
};

struct sim_config {
    uint64_t seed;
    int64_t period_s;
    bool has_end;
    int64_t end;   /* no event after this time (epoch seconds): a closed timeline */
    bool has_start;
    int64_t start; /* fixed timeline origin (epoch seconds) */
    struct sim_account *accounts;
    size_t n_accounts;
    double late_fraction;
    int64_t late_max_delay_s;
    struct sim_fault_rule *faults;
    size_t n_faults;
    uint32_t max_page_size;
    int64_t token_lifetime_s;
    int region; /* enum sim_region; SIM_REGION_ANY accepts all */
    int64_t v1_skew_s;
    struct sim_ratelimit_cfg rl_default;
    int reset_style;     /* enum sim_reset_style */
    bool dashed_headers; /* X-Rate-Limit-* instead of X-RateLimit-* */
    int date_style;      /* enum sim_date_style */
    bool binding_expired_all;
    char bind[64];
    unsigned port;
    bool verbose;
};

extern const char *const sim_log_names[SIM_LOG_COUNT];
extern const char *const sim_region_names[SIM_REGION_COUNT];
extern const char *const sim_fault_names[SIM_FAULT_COUNT];

/* Name <-> enum; return -1 when unknown. */
int sim_log_from_name(const char *name);
int sim_region_from_name(const char *name);
int sim_fault_from_name(const char *name);

/* Defaults: the demo account, default rates, rate limit "off". */
int sim_config_init_defaults(struct sim_config *cfg);
/* Replace the account list with an empty one (scenario files bring theirs). */
void sim_config_clear_accounts(struct sim_config *cfg);
/* Append a zero-initialised account with default rates; returns it or NULL. */
struct sim_account *sim_config_add_account(struct sim_config *cfg, const char *name);
int sim_config_add_fault(struct sim_config *cfg, const struct sim_fault_rule *rule_take);
/* Fill derived fields, decode secrets, check uniqueness; err gets a message. */
int sim_config_finish(struct sim_config *cfg, char *err, size_t errlen);
void sim_config_fini(struct sim_config *cfg);
/* Index of the account with that client id / access key / name, or -1. */
int sim_config_account_by_client_id(const struct sim_config *cfg, const char *client_id);
int sim_config_account_by_access_key(const struct sim_config *cfg, const char *access_key);
int sim_config_account_by_name(const struct sim_config *cfg, const char *name);
void sim_fault_rule_fini(struct sim_fault_rule *r);

/* "7d", "12h", "30m", "45s", "90" (seconds).  Returns 0 or SIM_EPARSE. */
int sim_parse_duration(const char *s, int64_t *out_s);
/* Events per second (fractional allowed) -> events per 10^6 s. */
int sim_parse_rate(double r, uint64_t *out_micro);
/* Parse "TYPE[:PROB][@k=v,k=v...]" (see --help). */
int sim_fault_parse(const char *spec, struct sim_fault_rule *out, char *err, size_t errlen);

/* Duplicate a string or return NULL (never aborts). */
char *sim_strdup(const char *s);

#endif
