/* mcsim -- deterministic timelines and realistic records (see data.h).
 *
 * Record shapes, field order and quirks follow /work/shared/mimecast/samples
 * (API.md §3.1-3.6).  Every record embeds a value derived from a bijective mix
 * of its index (message id, audit/rejection id, MTOKEN of its message), so two
 * records of one stream are never identical as a whole; impersonation records
 * of one message share their `id` across recipients, as the real API does.
 */
#include "data.h"

#include <stdio.h>
#include <string.h>

#include "hash.h"
#include "timeutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(r, arr) ((arr)[sim_rng_below((r), (uint32_t)NELEM(arr))])

typedef unsigned __int128 u128;

/* ------------------------------------------------------------------------ */
/* Timeline                                                                 */

void sim_stream_init(struct sim_stream *s, const struct sim_account *a, int log, int64_t t0)
{
    s->key = a->stream_key[log];
    s->rate_micro = a->rate_micro[log];
    s->t0 = t0;
}

static inline uint64_t jitter(const struct sim_stream *s, uint64_t i)
{
    return sim_mix64(s->key ^ (i * 0xd1b54a32d192ed03ULL) ^ 0x8bb84b93962eacc9ULL) & 0xffff;
}

int64_t sim_stream_time(const struct sim_stream *s, uint64_t i)
{
    /* floor(P_i * 10^6 / (R * 65536)), P_i = i*65536 + k_i */
    u128 p = ((u128)i << 16) + jitter(s, i);
    u128 off = p * 1000000u / ((u128)s->rate_micro << 16);
    return s->t0 + (int64_t)off;
}

uint64_t sim_stream_count_before(const struct sim_stream *s, int64_t t)
{
    /* First i with offset_i >= d  <=>  P_i * 10^6 >= d * R * 65536
     * <=> P_i >= Y = ceil(d * R * 65536 / 10^6).  With c = Y >> 16 only
     * event c is undecided: it qualifies iff k_c >= (Y & 0xffff). */
    int64_t d = t - s->t0;
    u128 x, y;
    uint64_t c;

    if (d <= 0 || s->rate_micro == 0)
        return 0;
    x = (u128)(uint64_t)d * s->rate_micro << 16;
    y = (x + 999999u) / 1000000u;
    c = (uint64_t)(y >> 16);
    return jitter(s, c) >= (uint64_t)(y & 0xffff) ? c : c + 1;
}

void sim_late_init(struct sim_late *l, double fraction, int64_t max_delay)
{
    if (fraction <= 0 || max_delay <= 0) {
        l->threshold = 0;
        l->max_delay = 0;
        return;
    }
    l->threshold = fraction >= 1.0 ? UINT64_MAX : (uint64_t)(fraction * 18446744073709551616.0);
    l->max_delay = max_delay;
}

int64_t sim_event_delay(const struct sim_stream *s, const struct sim_late *l, uint64_t i)
{
    uint64_t h;

    if (l->threshold == 0)
        return 0;
    h = sim_mix64(s->key ^ (i * 0x9e3779b97f4a7c15ULL) ^ 0x3c6ef372fe94f82bULL);
    if (h >= l->threshold && l->threshold != UINT64_MAX)
        return 0;
    return 1 + (int64_t)(sim_mix64(h) % (uint64_t)l->max_delay);
}

/* ------------------------------------------------------------------------ */
/* Tables.  Strings rendered with sim_buf_jraw must pass sim_json_safe().    */

static const char *const first_names[] = {
    "james",   "mary",    "robert", "patricia", "john",    "jennifer",    "michael", "linda",
    "david",   "elizabeth", "william", "barbara", "richard", "susan",     "joseph",  "jessica",
    "thomas",  "sarah",   "charles", "karen",   "christopher", "lisa",    "daniel",  "nancy",
    "matthew", "betty",   "anthony", "sandra",  "mark",    "ashley",      "sofia",   "lukas",
    "chloe",   "mateo",   "amara",  "kenji",    "priya",   "olga",        "thabo",   "ines"};
static const char *const last_names[] = {
    "smith",  "johnson",  "williams", "brown",   "jones",    "garcia",   "miller",  "davis",
    "rodriguez", "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas",
    "taylor", "moore",    "jackson",  "martin",  "lee",      "perez",    "thompson", "white",
    "harris", "sanchez",  "clark",    "ramirez", "lewis",    "robinson", "walker",  "young",
    "allen",  "king",     "wright",   "scott",   "torres",   "nguyen",   "hill",    "flores"};
#define N_USERS ((uint32_t)(NELEM(first_names) * NELEM(last_names)))

static const char *const ext_domains[] = {
    "example.com",          "example.net",           "example.org",
    "mail.example-partners.com", "contoso-supplies.example", "fabrikam-logistics.example",
    "northwind-traders.example", "adventure-works.example",  "tailspin-toys.example",
    "wideworldimporters.example", "litware-inc.example",     "proseware.example",
    "lucerne-publishing.example", "margies-travel.example",  "fourthcoffee.example",
    "alpineskihouse.example",     "blueyonder-airlines.example", "cohowinery.example",
    "humongous-insurance.example", "empirepartners.example"};
static const char *const ext_locals[] = {"info",   "billing", "noreply", "accounts", "j.doe",
                                         "support", "newsletter", "hr",  "sales",    "invoices",
                                         "terrym",  "karlr4",  "no-reply", "alerts", "office"};
static const char *const bad_domains[] = {"examp1e.com", "rnicrosoft-support.example",
                                          "paypa1-billing.example", "secure-docs-share.example",
                                          "dhl-parcel-notice.example", "0ffice365-login.example"};
static const char *const mail_hosts[] = {"mail.example.com", "hapi.example.net",
                                         "mx01.example-partners.com", "smtp.fabrikam-logistics.example",
                                         "outbound.northwind-traders.example",
                                         "EUR05-AM6-obe.outbound.protection.example.com"};

/* Subjects go through the escaping writer: quotes, backslashes, a tab and
 * non-ASCII text are deliberate. */
static const char *const subjects[] = {
    "Management Changes",
    "FIRE DRILL",
    "Re",
    "RE: Q3 forecast",
    "WP-02 Data Response",
    "Invoice overdue - action required",
    "Rechnung f\xc3\xbcr Oktober",
    "R\xc3\xa9union d'\xc3\xa9quipe \xe2\x80\x93 ordre du jour",
    "\xe4\xbc\x9a\xe8\xae\xae\xe7\xba\xaa\xe8\xa6\x81\xef\xbc\x88\xe5\x91\xa8\xe4\xb8\x80\xef\xbc\x89",
    "\xd0\xa1\xd1\x87\xd1\x91\xd1\x82 \xd0\xbd\xd0\xb0 \xd0\xbe\xd0\xbf\xd0\xbb\xd0\xb0\xd1\x82\xd1\x83",
    "\xf0\x9f\x93\x8e Scanned document",
    "Don't read, just fill out!",
    "Your mailbox is almost full",
    "Password expiry notice",
    "Shipment \"DHL Express\" tracking update",
    "Path C:\\Users\\Public\\report.xlsx",
    "Weekly report\t(draft)",
    "Fw: Payroll update",
    "Lunch on Friday?",
    "Contract renewal 2025",
    "\xd8\xaa\xd8\xad\xd8\xaf\xd9\x8a\xd8\xab \xd8\xa7\xd9\x84\xd8\xad\xd8\xb3\xd8\xa7\xd8\xa8",
    "Urgent wire transfer",
    "New voicemail from +1 (555) 0100",
    "DocuSign: please review and sign",
};

/* ------------------------------------------------------------------------ */
/* Small writers                                                            */

static inline void put_hex(struct sim_buf *b, uint64_t v, int digits)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[16];
    for (int k = digits - 1; k >= 0; k--) {
        tmp[k] = hex[v & 15];
        v >>= 4;
    }
    sim_buf_add(b, tmp, (size_t)digits);
}

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 11 characters carrying all 64 bits of v (unique for unique v). */
static inline void put_b64_u64(struct sim_buf *b, uint64_t v)
{
    char tmp[11];
    for (int k = 10; k >= 0; k--) {
        tmp[k] = b64url[v & 63];
        v >>= 6;
    }
    sim_buf_add(b, tmp, sizeof(tmp));
}

static void put_b64_random(struct sim_buf *b, struct sim_rng *r, size_t n)
{
    char tmp[10];
    while (n) {
        uint64_t v = sim_rng_next(r);
        size_t k = n < 10 ? n : 10;
        for (size_t j = 0; j < k; j++) {
            tmp[j] = b64url[v & 63];
            v >>= 6;
        }
        sim_buf_add(b, tmp, k);
        n -= k;
    }
}

/* Dotted IPv4 into out (>= 16 bytes); returns the length. */
static size_t fmt_ip(char *out, struct sim_rng *r)
{
    uint64_t v = sim_rng_next(r);
    unsigned o1 = 11 + (unsigned)(v % 212); /* 11..222: no 0/10 networks */
    int n;

    if (o1 == 127)
        o1 = 128;
    n = snprintf(out, 16, "%u.%u.%u.%u", o1, (unsigned)((v >> 8) & 255),
                 (unsigned)((v >> 16) & 255), (unsigned)(1 + ((v >> 24) % 254)));
    return n > 0 ? (size_t)n : 0;
}

static void put_ip(struct sim_buf *b, struct sim_rng *r)
{
    char ip[16];
    size_t n = fmt_ip(ip, r);
    sim_buf_add(b, ip, n);
}

static void put_user_raw(struct sim_buf *b, const struct sim_account *a, uint32_t u)
{
    sim_buf_adds(b, first_names[u % NELEM(first_names)]);
    sim_buf_addc(b, '.');
    sim_buf_adds(b, last_names[(u / NELEM(first_names)) % NELEM(last_names)]);
    sim_buf_addc(b, '@');
    sim_buf_adds(b, a->domain);
}

static void put_user(struct sim_buf *b, const struct sim_account *a, uint32_t u)
{
    sim_buf_addc(b, '"');
    put_user_raw(b, a, u);
    sim_buf_addc(b, '"');
}

static void put_cap(struct sim_buf *b, const char *s)
{
    char c = s[0];
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    sim_buf_addc(b, c);
    sim_buf_adds(b, s + 1);
}

static void put_full_name(struct sim_buf *b, uint32_t u)
{
    put_cap(b, first_names[u % NELEM(first_names)]);
    sim_buf_addc(b, ' ');
    put_cap(b, last_names[(u / NELEM(first_names)) % NELEM(last_names)]);
}

static void put_ext_raw(struct sim_buf *b, struct sim_rng *r)
{
    sim_buf_adds(b, PICK(r, ext_locals));
    sim_buf_addc(b, '@');
    sim_buf_adds(b, PICK(r, ext_domains));
}

static void put_ext(struct sim_buf *b, struct sim_rng *r)
{
    sim_buf_addc(b, '"');
    put_ext_raw(b, r);
    sim_buf_addc(b, '"');
}

/* "<2a5df47e8f85f62a-216237@hapi.example.net>" -- unique per uid. */
static void put_message_id(struct sim_buf *b, struct sim_rng *r, uint64_t uid)
{
    SIM_BUF_LIT(b, "\"<");
    put_hex(b, uid, 16);
    sim_buf_addc(b, '-');
    sim_buf_u64(b, 100000 + sim_rng_below(r, 900000));
    sim_buf_addc(b, '@');
    sim_buf_adds(b, PICK(r, mail_hosts));
    SIM_BUF_LIT(b, ">\"");
}

static void put_subject(struct sim_buf *b, struct sim_rng *r)
{
    sim_buf_jstrz(b, PICK(r, subjects));
}

static inline uint64_t record_uid(const struct sim_stream *s, uint64_t i)
{
    return sim_mix64(i ^ (s->key & 0x00ffffffffffffffULL)); /* bijective in i */
}

static inline void record_rng(struct sim_rng *r, const struct sim_stream *s, uint64_t i)
{
    r->s = sim_mix64(s->key ^ sim_mix64(i + 0x51ed2701a3b5c7e9ULL));
}

static void put_time(struct sim_buf *b, const struct sim_stream *s, uint64_t i, int64_t t,
                     int date_style)
{
    char tmp[40];
    size_t n;
    int fmt = SIM_TFMT_PLUS0000;

    if (date_style == SIM_DATES_MIXED) {
        switch (sim_mix64(s->key ^ i ^ 0xa54ff53a5f1d36f1ULL) % 10) {
        case 6: fmt = SIM_TFMT_Z; break;
        case 7: fmt = SIM_TFMT_COLON; break;
        case 8: fmt = SIM_TFMT_FRAC; break;
        case 9: fmt = SIM_TFMT_OFFSET; break;
        default: break;
        }
    }
    tmp[0] = '"';
    n = sim_time_format(tmp + 1, t, fmt, -240);
    tmp[n + 1] = '"';
    sim_buf_add(b, tmp, n + 2);
}

/* ------------------------------------------------------------------------ */
/* Classification (the draws filters look at come first in each record)     */

static int url_route(struct sim_rng *r)
{
    uint32_t d = sim_rng_below(r, 100);
    return d < 60 ? SIM_ROUTE_INBOUND : d < 75 ? SIM_ROUTE_OUTBOUND : SIM_ROUTE_INTERNAL;
}

static int att_route(struct sim_rng *r)
{
    uint32_t d = sim_rng_below(r, 100);
    return d < 70   ? SIM_ROUTE_INBOUND
           : d < 85 ? SIM_ROUTE_OUTBOUND
           : d < 97 ? SIM_ROUTE_INTERNAL
                    : SIM_ROUTE_EXTERNAL;
}

static uint64_t imp_base(const struct sim_stream *s, uint64_t i)
{
    /* A message to up to 4 recipients yields consecutive records sharing the
     * MTOKEN id: record b "continues" b-1 with probability 0.3. */
    uint64_t b = i;
    for (int k = 0; k < 3 && b > 0; k++) {
        if (sim_mix64(s->key ^ (b * 0xc2b2ae3d27d4eb4fULL) ^ 0x1f83d9abfb41bd6bULL) % 100 >= 30)
            break;
        b--;
    }
    return b;
}

bool sim_filter_is_all(const struct sim_filter *f)
{
    return f->route == SIM_ROUTE_ALL && f->verdict == SIM_VERDICT_ALL;
}

bool sim_event_matches(const struct sim_stream *s, int log, uint64_t i, const struct sim_filter *f)
{
    struct sim_rng r;
    int route, verdict;

    if (sim_filter_is_all(f))
        return true;
    switch (log) {
    case SIM_LOG_TTP_URL:
        record_rng(&r, s, i);
        route = url_route(&r);
        verdict = sim_rng_below(&r, 100) < 25 ? SIM_VERDICT_MALICIOUS : SIM_VERDICT_CLEAN;
        break;
    case SIM_LOG_TTP_ATTACHMENT:
        record_rng(&r, s, i);
        route = att_route(&r);
        verdict = sim_rng_below(&r, 100) < 12 ? SIM_VERDICT_MALICIOUS : SIM_VERDICT_CLEAN;
        break;
    case SIM_LOG_TTP_IMPERSONATION:
        record_rng(&r, s, imp_base(s, i));
        route = SIM_ROUTE_ALL;
        verdict = sim_rng_below(&r, 100) < 70 ? SIM_VERDICT_MALICIOUS : SIM_VERDICT_CLEAN;
        break;
    default:
        return true;
    }
    if (f->route != SIM_ROUTE_ALL && f->route != route)
        return false;
    if (f->verdict != SIM_VERDICT_ALL && f->verdict != verdict)
        return false;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Audit                                                                     */

static const char *const audit_apps[] = {"Web", "Mimecast Administration Console",
                                         "Mimecast Personal Portal", "Mimecast for Outlook",
                                         "Mimecast Mobile", "API 2.0"};
static const char *const audit_methods[] = {"Cloud", "SAML", "Domain", "Cloud"};
static const char *const audit_fail_reasons[] = {"Invalid password", "Account locked",
                                                 "Unknown user", "MFA challenge failed"};
static const char *const search_texts[] = {"invoice", "from:ceo wire transfer",
                                           "subject:\"Q3 forecast\"", "attachment:*.zip",
                                           "H\xc3\xa4ndler Rechnung", "payroll"};
static const char *const search_reasons[] = {"Legal request", "Incident investigation",
                                             "User request", "Compliance review"};
static const char *const policies[] = {"Anti-Spoofing", "Attachment Protection",
                                       "URL Protection", "Impersonation Protection",
                                       "Content Examination", "Greylisting",
                                       "DNS Authentication - Inbound"};
static const char *const feeds[] = {"Malware Customer", "Malware Grid", "URL Threat"};

static void put_local_datetime(struct sim_buf *b, int64_t t, int tz)
{
    char tmp[40];
    int64_t lt = t + (int64_t)tz * 60;

    sim_time_format(tmp, lt, SIM_TFMT_Z, 0); /* YYYY-MM-DDTHH:MM:SSZ */
    SIM_BUF_LIT(b, "Date: ");
    sim_buf_add(b, tmp, 10);
    SIM_BUF_LIT(b, ", Time: ");
    sim_buf_add(b, tmp + 11, 8);
    if (tz == 0) {
        SIM_BUF_LIT(b, " GMT");
    } else {
        unsigned abs_tz = (unsigned)(tz < 0 ? -tz : tz);
        sim_buf_printf(b, " GMT%c%02u:%02u", tz < 0 ? '-' : '+', abs_tz / 60, abs_tz % 60);
    }
}

static void render_audit(struct sim_buf *b, const struct sim_account *a,
                         const struct sim_stream *s, uint64_t i, int64_t t, int ds)
{
    struct sim_rng r;
    uint32_t kind, user;
    const char *type, *cat;
    char ip[16];

    record_rng(&r, s, i);
    kind = sim_rng_below(&r, 100);
    user = sim_rng_below(&r, 60); /* admins and a few users */
    fmt_ip(ip, &r);

    SIM_BUF_LIT(b, "{\"id\":\"eNo1");
    put_b64_u64(b, record_uid(s, i));
    put_b64_random(b, &r, 29);
    SIM_BUF_LIT(b, "\",\"auditType\":");
    if (kind < 40) {
        type = "User Logged On";
        cat = "authentication_logs";
    } else if (kind < 52) {
        type = "Logon Authentication Failed";
        cat = "authentication_logs";
    } else if (kind < 60) {
        type = "User Logged Off";
        cat = "authentication_logs";
    } else if (kind < 72) {
        type = "Search Action";
        cat = "case_review_logs";
    } else if (kind < 80) {
        type = "Message Export";
        cat = "case_review_logs";
    } else if (kind < 88) {
        type = "Policy Updated";
        cat = "policy_logs";
    } else if (kind < 94) {
        type = "Threat Intel Feed Download";
        cat = "reporting_logs";
    } else {
        type = "Held Message Released";
        cat = "account_logs";
    }
    sim_buf_jrawz(b, type);
    SIM_BUF_LIT(b, ",\"user\":");
    put_user(b, a, user);
    SIM_BUF_LIT(b, ",\"eventTime\":");
    put_time(b, s, i, t, ds);
    SIM_BUF_LIT(b, ",\"eventInfo\":\"");
    /* Only search texts need escaping; every other piece is table text. */
    if (kind < 40) {
        SIM_BUF_LIT(b, "Successful authentication for ");
        put_user_raw(b, a, user);
        SIM_BUF_LIT(b, ", ");
        put_local_datetime(b, t, a->tz_offset_min);
        sim_buf_printf(b, ", IP: %s, Application: %s, Method: %s", ip, PICK(&r, audit_apps),
                       PICK(&r, audit_methods));
    } else if (kind < 52) {
        SIM_BUF_LIT(b, "Failed authentication for ");
        put_user_raw(b, a, user);
        SIM_BUF_LIT(b, ", ");
        put_local_datetime(b, t, a->tz_offset_min);
        sim_buf_printf(b, ", IP: %s, Application: %s, Method: %s, Reason: %s", ip,
                       PICK(&r, audit_apps), PICK(&r, audit_methods), PICK(&r, audit_fail_reasons));
    } else if (kind < 60) {
        put_user_raw(b, a, user);
        SIM_BUF_LIT(b, " logged off, ");
        put_local_datetime(b, t, a->tz_offset_min);
        sim_buf_printf(b, ", IP: %s, Application: %s", ip, PICK(&r, audit_apps));
    } else if (kind < 72) {
        const char *txt = PICK(&r, search_texts);
        SIM_BUF_LIT(b, "Search performed by ");
        put_user_raw(b, a, user);
        SIM_BUF_LIT(b, ", ");
        put_local_datetime(b, t, a->tz_offset_min);
        sim_buf_printf(b, ", Search Reason: %s, Search Text: ", PICK(&r, search_reasons));
        sim_buf_jesc(b, txt, strlen(txt)); /* may hold quotes */
        sim_buf_printf(b, ", Source: Archive, IP: %s, Application: %s", ip, PICK(&r, audit_apps));
    } else if (kind < 80) {
        put_user_raw(b, a, user);
        sim_buf_printf(b, " exported %u messages, ", 1 + sim_rng_below(&r, 250));
        put_local_datetime(b, t, a->tz_offset_min);
        sim_buf_printf(b, ", Export Reason: %s, IP: %s, Application: %s",
                       PICK(&r, search_reasons), ip, PICK(&r, audit_apps));
    } else if (kind < 88) {
        sim_buf_printf(b, "Policy Updated: %s, Changed By: ", PICK(&r, policies));
        put_user_raw(b, a, user);
        SIM_BUF_LIT(b, ", ");
        put_local_datetime(b, t, a->tz_offset_min);
        sim_buf_printf(b, ", IP: %s, Application: Mimecast Administration Console", ip);
    } else if (kind < 94) {
        sim_buf_printf(b, "Threat intel feed '%s' downloaded by ", PICK(&r, feeds));
        put_user_raw(b, a, user);
        SIM_BUF_LIT(b, ", ");
        put_local_datetime(b, t, a->tz_offset_min);
        sim_buf_printf(b, ", IP: %s, Application: %s", ip, PICK(&r, audit_apps));
    } else {
        SIM_BUF_LIT(b, "Held message <");
        put_hex(b, sim_rng_next(&r), 16);
        SIM_BUF_LIT(b, "@mail.example.com> released by ");
        put_user_raw(b, a, user);
        SIM_BUF_LIT(b, ", ");
        put_local_datetime(b, t, a->tz_offset_min);
        sim_buf_printf(b, ", Hold Reason: Spam, IP: %s, Application: %s", ip,
                       PICK(&r, audit_apps));
    }
    SIM_BUF_LIT(b, "\",\"category\":");
    sim_buf_jrawz(b, cat);
    sim_buf_addc(b, '}');
}

/* ------------------------------------------------------------------------ */
/* DLP                                                                       */

static const char *const dlp_policies[] = {"Confidential", "PCI - Credit Card Numbers",
                                           "GDPR Personal Data", "Source Code",
                                           "Financial Reports", "Confidential"};
static const char *const dlp_actions[] = {"hold", "notification", "hold", "bounce",
                                          "smart_tag", "notification"};

static void render_dlp(struct sim_buf *b, const struct sim_account *a, const struct sim_stream *s,
                       uint64_t i, int64_t t, int ds)
{
    struct sim_rng r;
    uint32_t route, d;

    record_rng(&r, s, i);
    d = sim_rng_below(&r, 100);
    route = d < 70 ? SIM_ROUTE_OUTBOUND : d < 90 ? SIM_ROUTE_INTERNAL : SIM_ROUTE_INBOUND;
    SIM_BUF_LIT(b, "{\"senderAddress\":");
    if (sim_rng_below(&r, 100) < 5)
        SIM_BUF_LIT(b, "\"<>\"");
    else if (route == SIM_ROUTE_INBOUND)
        put_ext(b, &r);
    else
        put_user(b, a, sim_rng_below(&r, N_USERS));
    SIM_BUF_LIT(b, ",\"recipientAddress\":");
    if (route == SIM_ROUTE_OUTBOUND)
        put_ext(b, &r);
    else
        put_user(b, a, sim_rng_below(&r, N_USERS));
    SIM_BUF_LIT(b, ",\"subject\":");
    put_subject(b, &r);
    SIM_BUF_LIT(b, ",\"eventTime\":");
    put_time(b, s, i, t, ds);
    SIM_BUF_LIT(b, ",\"route\":");
    if (route == SIM_ROUTE_OUTBOUND)
        SIM_BUF_LIT(b, "\"outbound\"");
    else if (route == SIM_ROUTE_INTERNAL)
        SIM_BUF_LIT(b, "\"internal\"");
    else
        SIM_BUF_LIT(b, "\"inbound\"");
    SIM_BUF_LIT(b, ",\"policy\":");
    sim_buf_jrawz(b, PICK(&r, dlp_policies));
    SIM_BUF_LIT(b, ",\"action\":");
    sim_buf_jrawz(b, PICK(&r, dlp_actions));
    SIM_BUF_LIT(b, ",\"messageId\":");
    put_message_id(b, &r, record_uid(s, i));
    sim_buf_addc(b, '}');
}

/* ------------------------------------------------------------------------ */
/* Rejections                                                                */

struct rej_kind {
    const char *description;
    unsigned type;
    const char *info;
};

static const struct rej_kind rej_kinds[] = {
    {"Virus Signature Detection", 14030,
     "[clam.Eicar-Test-Signature, bitd.EICAR-Test-File (not a virus), soph.EICAR-AV-Test]"},
    {"Virus Signature Detection", 14030, "[clam.Win.Trojan.Agent-1234, soph.Troj/Agent-BCDE]"},
    {"Spam Signature Detection", 14070, "Message has been identified as spam"},
    {"Envelope Rejected", 10020, "Sender address rejected: Domain not found"},
    {"Invalid Recipient Address", 10011, "Recipient address rejected: User unknown"},
    {"IP Found in RBL", 10030, "Sending IP address listed on bl.mimecast.org"},
    {"Message Bounced due to SPF Failure", 14150, "SPF check failed (hard fail)"},
    {"DMARC Policy Reject", 14160, "DMARC policy of sender domain is reject"},
    {"Anti-Spoofing Policy", 14120, "Inbound message from internal domain on external route"},
};
static const char *const detection_levels[] = {"aggressive", "moderate", "relaxed", "cautious"};

static void render_rejection(struct sim_buf *b, const struct sim_account *a,
                             const struct sim_stream *s, uint64_t i, int64_t t, int ds)
{
    struct sim_rng r;
    const struct rej_kind *k;
    uint32_t to_user;
    const char *dom;

    record_rng(&r, s, i);
    k = &rej_kinds[sim_rng_below(&r, (uint32_t)NELEM(rej_kinds))];
    to_user = sim_rng_below(&r, N_USERS);
    dom = PICK(&r, ext_domains);
    SIM_BUF_LIT(b, "{\"fromAddress\":");
    if (sim_rng_below(&r, 100) < 4) {
        SIM_BUF_LIT(b, "\"<>\"");
    } else {
        sim_buf_addc(b, '"');
        sim_buf_adds(b, PICK(&r, ext_locals));
        sim_buf_addc(b, '@');
        sim_buf_adds(b, dom);
        sim_buf_addc(b, '"');
    }
    SIM_BUF_LIT(b, ",\"toAddress\":");
    put_user(b, a, to_user);
    SIM_BUF_LIT(b, ",\"description\":");
    sim_buf_jrawz(b, k->description);
    SIM_BUF_LIT(b, ",\"type\":");
    sim_buf_u64(b, k->type);
    SIM_BUF_LIT(b, ",\"info\":");
    sim_buf_jrawz(b, k->info);
    SIM_BUF_LIT(b, ",\"created\":");
    put_time(b, s, i, t, ds);
    SIM_BUF_LIT(b, ",\"toAddressPreCheck\":");
    put_user(b, a, to_user);
    SIM_BUF_LIT(b, ",\"toAddressPostCheck\":");
    if (sim_rng_below(&r, 100) < 60)
        SIM_BUF_LIT(b, "\"\"");
    else
        put_user(b, a, to_user);
    SIM_BUF_LIT(b, ",\"ipAddress\":\"");
    put_ip(b, &r);
    SIM_BUF_LIT(b, "\",\"remoteName\":");
    sim_buf_jrawz(b, sim_rng_below(&r, 10) == 0 ? "unknown" : dom);
    SIM_BUF_LIT(b, ",\"remoteEhlo\":");
    sim_buf_jrawz(b, dom);
    SIM_BUF_LIT(b, ",\"manageRecipient\":\"false\",\"id\":\"eNpVT1");
    put_b64_u64(b, record_uid(s, i));
    put_b64_random(b, &r, 280);
    SIM_BUF_LIT(b, "\",\"spamScore\":");
    sim_buf_u64(b, sim_rng_below(&r, 100));
    SIM_BUF_LIT(b, ",\"detectionLevel\":");
    sim_buf_jrawz(b, PICK(&r, detection_levels));
    sim_buf_addc(b, '}');
}

/* ------------------------------------------------------------------------ */
/* TTP URL                                                                   */

static const char *const clean_hosts[] = {
    "https://www.google.com/alerts/feeds/00259755281018227146/",
    "https://docs.example.com/share/", "https://sharepoint.example-partners.com/sites/finance/",
    "https://www.linkedin.com/comm/jobs/view/", "https://zoom.us/j/",
    "http://www.enron.com/corp/pressroom/releases/2002/ene/",
    "https://github.com/example-org/project/pull/"};
static const char *const bad_hosts[] = {
    "https://oneclient.sfx.ms/Win/Preview/", "http://login-micros0ft.example/auth/",
    "https://paypa1-billing.example/verify/", "http://secure-docs-share.example/d/",
    "https://bit.ly/", "http://198.51.100.23/wp-content/uploads/"};
static const char *const clean_categories[] = {"Search Engines & Portals", "Business",
                                               "Information Technology", "News",
                                               "Social Networking", "Uncategorized",
                                               "Web-based Email"};
static const char *const bad_categories[] = {"Compromised", "Phishing & Fraud", "Malware",
                                             "Dangerous file extension", "Suspicious"};
static const char *const bad_categories_upper[] = {"COMPROMISED", "PHISHING & FRAUD", "MALWARE",
                                                   "DANGEROUS FILE EXTENSION", "SUSPICIOUS"};
static const char *const dangerous_exts[] = {"exe", "js", "iso", "scr", "hta"};
static const char *const dangerous_mimes[] = {"application/x-msdownload", "application/javascript",
                                              "application/x-iso9660-image",
                                              "application/x-msdownload", "application/hta"};

static void render_ttp_url(struct sim_buf *b, const struct sim_account *a,
                           const struct sim_stream *s, uint64_t i, int64_t t, int ds)
{
    struct sim_rng r;
    int route, n;
    bool mal;
    uint32_t cat = 0, parts, extk = 0;
    const char *hostp;
    char url[160];
    size_t url_len;

    record_rng(&r, s, i);
    route = url_route(&r);
    mal = sim_rng_below(&r, 100) < 25;
    hostp = mal ? PICK(&r, bad_hosts) : PICK(&r, clean_hosts);
    if (mal) {
        cat = sim_rng_below(&r, (uint32_t)NELEM(bad_categories));
        extk = sim_rng_below(&r, (uint32_t)NELEM(dangerous_exts));
    }
    n = snprintf(url, sizeof(url), "%s%012llx%s%s", hostp,
                 (unsigned long long)(sim_rng_next(&r) & 0xffffffffffffULL),
                 mal && cat == 3 ? "." : "", mal && cat == 3 ? dangerous_exts[extk] : "");
    url_len = n > 0 && (size_t)n < sizeof(url) ? (size_t)n : 0;

    SIM_BUF_LIT(b, "{\"userEmailAddress\":");
    if (route == SIM_ROUTE_OUTBOUND)
        put_ext(b, &r);
    else
        put_user(b, a, sim_rng_below(&r, N_USERS));
    SIM_BUF_LIT(b, ",\"fromUserEmailAddress\":");
    if (route == SIM_ROUTE_INBOUND)
        put_ext(b, &r);
    else
        put_user(b, a, sim_rng_below(&r, N_USERS));
    SIM_BUF_LIT(b, ",\"url\":");
    sim_buf_jraw(b, url, url_len);
    SIM_BUF_LIT(b, ",\"ttpDefinition\":");
    if (route == SIM_ROUTE_INTERNAL)
        SIM_BUF_LIT(b, "\"Default Internal URL Protect Definition\"");
    else if (route == SIM_ROUTE_OUTBOUND)
        SIM_BUF_LIT(b, "\"Default Outbound URL Protect Definition\"");
    else if (sim_rng_below(&r, 4) == 0)
        SIM_BUF_LIT(b, "\"Inbound URL 'Aggressive'\"");
    else
        SIM_BUF_LIT(b, "\"Default Inbound URL Protect Definition\"");
    SIM_BUF_LIT(b, ",\"subject\":");
    put_subject(b, &r);
    if (mal) {
        if (sim_rng_below(&r, 2))
            SIM_BUF_LIT(b, ",\"action\":\"block\"");
        else
            SIM_BUF_LIT(b, ",\"action\":\"warn\"");
    } else {
        SIM_BUF_LIT(b, ",\"action\":\"allow\"");
    }
    SIM_BUF_LIT(b, ",\"adminOverride\":\"N/A\",\"userOverride\":");
    if (sim_rng_below(&r, 20) == 0)
        SIM_BUF_LIT(b, "\"Continue\"");
    else
        SIM_BUF_LIT(b, "\"None\"");
    if (mal)
        SIM_BUF_LIT(b, ",\"scanResult\":\"malicious\",\"category\":");
    else
        SIM_BUF_LIT(b, ",\"scanResult\":\"clean\",\"category\":");
    sim_buf_jrawz(b, mal ? bad_categories[cat] : PICK(&r, clean_categories));
    SIM_BUF_LIT(b, ",\"sendingIp\":");
    if (route == SIM_ROUTE_INTERNAL || (route == SIM_ROUTE_OUTBOUND && sim_rng_below(&r, 2))) {
        SIM_BUF_LIT(b, "\"Internal IP\"");
    } else {
        sim_buf_addc(b, '"');
        put_ip(b, &r);
        sim_buf_addc(b, '"');
    }
    SIM_BUF_LIT(b, ",\"userAwarenessAction\":\"N/A\",\"date\":");
    put_time(b, s, i, t, ds);
    SIM_BUF_LIT(b, ",\"actions\":");
    if (!mal)
        SIM_BUF_LIT(b, "\"Allow\"");
    else
        switch (sim_rng_below(&r, 3)) {
        case 0: SIM_BUF_LIT(b, "\"Block\""); break;
        case 1: SIM_BUF_LIT(b, "\"Browser Isolation\""); break;
        default: SIM_BUF_LIT(b, "\"None\""); break;
        }
    SIM_BUF_LIT(b, ",\"route\":");
    if (route == SIM_ROUTE_INBOUND)
        SIM_BUF_LIT(b, "\"inbound\"");
    else if (route == SIM_ROUTE_OUTBOUND)
        SIM_BUF_LIT(b, "\"outbound\"");
    else
        SIM_BUF_LIT(b, "\"internal\"");
    if (sim_rng_below(&r, 10) < 7)
        SIM_BUF_LIT(b, ",\"creationMethod\":\"User Click\"");
    else
        SIM_BUF_LIT(b, ",\"creationMethod\":\"Entry Scan\"");
    parts = sim_rng_below(&r, 20);
    if (parts < 16)
        SIM_BUF_LIT(b, ",\"emailPartsDescription\":[\"Body\"]");
    else if (parts < 19)
        SIM_BUF_LIT(b, ",\"emailPartsDescription\":[\"Attachment\"]");
    else
        SIM_BUF_LIT(b, ",\"emailPartsDescription\":[\"Body\",\"Attachment\"]");
    SIM_BUF_LIT(b, ",\"messageId\":");
    put_message_id(b, &r, record_uid(s, i));
    /* tagMap only on newer, mostly malicious records (API.md §3.4). */
    if (mal && sim_rng_below(&r, 10) < 8) {
        if (cat == 3) {
            SIM_BUF_LIT(b, ",\"tagMap\":{\"DangerousFileExt\":{\"Status\":[\"CustomerSpecific\","
                           "\"VerdictBlock\"],\"Inspect:FileExts\":[\"[");
            sim_buf_adds(b, dangerous_exts[extk]);
            SIM_BUF_LIT(b, "]\"],\"Inspect:MimeTypes\":[\"[]\"],"
                           "\"ContentCheck:DangerousMimetypesUrlFileDownload\":[");
            sim_buf_jrawz(b, dangerous_mimes[extk]);
            SIM_BUF_LIT(b, "],\"ContentCheck:ContentScannersBlocked\":[\".");
            sim_buf_adds(b, dangerous_exts[extk]);
            SIM_BUF_LIT(b, "\"],\"ContentCheck:DangerousExtsUrlFileDownload\":[\"dll\"]}}");
        } else {
            SIM_BUF_LIT(b, ",\"tagMap\":{\"UrlReputationScan\":{\"Status\":[\"CustomerAll\","
                           "\"VerdictBlock\"],\"Type\":[");
            sim_buf_jrawz(b, bad_categories[cat]);
            SIM_BUF_LIT(b, "],\"UrlBlock\":[\"ORIGINAL:");
            sim_buf_add(b, url, url_len);
            SIM_BUF_LIT(b, " (Blocked as ");
            sim_buf_adds(b, bad_categories_upper[cat]);
            SIM_BUF_LIT(b, ")\"],\"Url\":[");
            sim_buf_jraw(b, url, url_len);
            SIM_BUF_LIT(b, "]}}");
        }
    } else if (!mal && sim_rng_below(&r, 10) == 0) {
        SIM_BUF_LIT(b, ",\"tagMap\":{\"UrlReputationScan\":{\"Status\":[\"CustomerAll\","
                       "\"VerdictAllow\"]}}");
    }
    sim_buf_addc(b, '}');
}

/* ------------------------------------------------------------------------ */
/* TTP impersonation                                                         */

static const char *const identifiers[] = {
    "similar_internal_domain",  "newly_observed_domain",        "internal_user_name",
    "reply_address_mismatch",   "targeted_threat_dictionary",   "custom_external_domain",
    "mimecast_external_domain", "advanced_similar_internal_domain",
    "advanced_custom_external_domain", "advanced_mimecast_external_domain", "custom_name_list"};
static const char *const threat_words[] = {"wire transfer", "urgent payment", "gift cards",
                                           "bank details", "invoice attached"};
static const char *const brand_domains[] = {"paypal.com", "microsoft.com", "docusign.net",
                                            "dhl.com", "apple.com"};

static void render_ttp_impersonation(struct sim_buf *b, const struct sim_account *a,
                                     const struct sim_stream *s, uint64_t i, int64_t t, int ds)
{
    struct sim_rng m; /* message-level draws, shared by all recipients */
    uint64_t base = imp_base(s, i);
    bool mal;
    uint32_t hits, action, victim, rcpt_base, sender_local;
    uint32_t ids[3];
    const char *sender_dom;

    record_rng(&m, s, base);
    mal = sim_rng_below(&m, 100) < 70;
    hits = 1 + sim_rng_below(&m, 3);
    for (uint32_t k = 0; k < hits; k++) {
        ids[k] = sim_rng_below(&m, (uint32_t)NELEM(identifiers));
        for (uint32_t j = 0; j < k; j++)
            if (ids[j] == ids[k]) {
                ids[k] = (ids[k] + 1) % (uint32_t)NELEM(identifiers);
                j = (uint32_t)-1; /* restart the duplicate check */
            }
    }
    action = sim_rng_below(&m, 10);
    victim = sim_rng_below(&m, N_USERS);
    rcpt_base = sim_rng_below(&m, N_USERS);
    sender_local = sim_rng_below(&m, (uint32_t)NELEM(first_names));
    sender_dom = PICK(&m, bad_domains);

    SIM_BUF_LIT(b, "{\"id\":\"MTOKEN:eNqrVkouLS7Jz00tSs5PSVWy");
    put_b64_u64(b, record_uid(s, base));
    {
        struct sim_rng idr = m; /* same id text for every recipient */
        put_b64_random(b, &idr, 52);
    }
    SIM_BUF_LIT(b, "\",\"senderAddress\":\"");
    sim_buf_adds(b, first_names[sender_local]);
    sim_buf_addc(b, '@');
    sim_buf_adds(b, sender_dom);
    /* distinct recipients within a message: base user + offset (< 4) */
    SIM_BUF_LIT(b, "\",\"recipientAddress\":");
    put_user(b, a, (rcpt_base + (uint32_t)(i - base)) % N_USERS);
    SIM_BUF_LIT(b, ",\"subject\":");
    put_subject(b, &m);
    SIM_BUF_LIT(b, ",\"definition\":\"IP - ");
    sim_buf_u64(b, hits);
    sim_buf_adds(b, hits == 1 ? " hit (" : " hits (");
    sim_buf_adds(b, action < 6 ? "Tag email)" : action < 9 ? "Hold for review)" : "Bounce)");
    SIM_BUF_LIT(b, "\",\"hits\":");
    sim_buf_u64(b, hits);
    SIM_BUF_LIT(b, ",\"identifiers\":[");
    for (uint32_t k = 0; k < hits; k++) {
        if (k)
            sim_buf_addc(b, ',');
        sim_buf_jrawz(b, identifiers[ids[k]]);
    }
    SIM_BUF_LIT(b, "],\"action\":");
    sim_buf_jrawz(b, action < 6 ? "none" : action < 9 ? "hold" : "bounce");
    SIM_BUF_LIT(b, ",\"taggedExternal\":");
    sim_buf_adds(b, sim_rng_below(&m, 2) ? "true" : "false");
    SIM_BUF_LIT(b, ",\"taggedMalicious\":");
    sim_buf_adds(b, mal ? "true" : "false");
    SIM_BUF_LIT(b, ",\"senderIpAddress\":\"");
    put_ip(b, &m);
    SIM_BUF_LIT(b, "\",\"eventTime\":");
    put_time(b, s, i, t, ds);
    SIM_BUF_LIT(b, ",\"impersonationResults\":[");
    for (uint32_t k = 0; k < hits; k++) {
        const char *id = identifiers[ids[k]];
        if (k)
            sim_buf_addc(b, ',');
        SIM_BUF_LIT(b, "{\"impersonationDomainSource\":");
        sim_buf_jrawz(b, id);
        if (strcmp(id, "internal_user_name") == 0 || strcmp(id, "custom_name_list") == 0) {
            SIM_BUF_LIT(b, ",\"similarDomain\":\"");
            put_full_name(b, victim);
            SIM_BUF_LIT(b, " <");
            sim_buf_adds(b, first_names[victim % NELEM(first_names)]);
            SIM_BUF_LIT(b, "_nu@");
            sim_buf_adds(b, sender_dom);
            SIM_BUF_LIT(b, ">\",\"stringSimilarToDomain\":\"");
            put_full_name(b, victim);
            sim_buf_addc(b, '"');
        } else if (strstr(id, "similar_internal_domain")) {
            SIM_BUF_LIT(b, ",\"similarDomain\":\"");
            sim_buf_adds(b, sender_dom);
            SIM_BUF_LIT(b, "\",\"stringSimilarToDomain\":");
            sim_buf_jrawz(b, a->domain);
        } else if (strstr(id, "external_domain")) {
            SIM_BUF_LIT(b, ",\"similarDomain\":");
            sim_buf_jrawz(b, PICK(&m, brand_domains));
            SIM_BUF_LIT(b, ",\"stringSimilarToDomain\":");
            sim_buf_jrawz(b, sender_dom);
        } else if (strcmp(id, "targeted_threat_dictionary") == 0) {
            SIM_BUF_LIT(b, ",\"stringSimilarToDomain\":");
            sim_buf_jrawz(b, PICK(&m, threat_words));
        } else {
            SIM_BUF_LIT(b, ",\"stringSimilarToDomain\":");
            sim_buf_jrawz(b, sender_dom);
        }
        SIM_BUF_LIT(b, ",\"checkerResult\":\"hit\"}");
    }
    SIM_BUF_LIT(b, "],\"messageId\":");
    put_message_id(b, &m, record_uid(s, base));
    sim_buf_addc(b, '}');
}

/* ------------------------------------------------------------------------ */
/* TTP attachment                                                            */

struct file_kind {
    const char *ext;
    const char *mime;
};
static const struct file_kind file_kinds[] = {
    {"pdf", "application/pdf"},
    {"pdf", "application/pdf"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"zip", "application/zip"},
    {"html", "text/html"},
    {"doc", "application/msword"},
    {"iso", "application/x-iso9660-image"},
    {"exe", "application/x-dosexec"},
};
static const char *const file_stems[] = {"Invoice_", "scan_", "Remittance-", "report-",
                                         "Statement_", "Mimecast", "Order_Confirmation_"};

static void render_ttp_attachment(struct sim_buf *b, const struct sim_account *a,
                                  const struct sim_stream *s, uint64_t i, int64_t t, int ds)
{
    struct sim_rng r;
    int route;
    bool mal;
    const struct file_kind *fk;
    uint32_t stem, secs, mins;

    record_rng(&r, s, i);
    route = att_route(&r);
    mal = sim_rng_below(&r, 100) < 12;
    fk = &file_kinds[sim_rng_below(&r, (uint32_t)NELEM(file_kinds))];
    stem = sim_rng_below(&r, (uint32_t)NELEM(file_stems) + 1);

    SIM_BUF_LIT(b, "{\"senderAddress\":");
    if (route == SIM_ROUTE_INBOUND || route == SIM_ROUTE_EXTERNAL)
        put_ext(b, &r);
    else
        put_user(b, a, sim_rng_below(&r, N_USERS));
    SIM_BUF_LIT(b, ",\"recipientAddress\":");
    if (route == SIM_ROUTE_OUTBOUND || route == SIM_ROUTE_EXTERNAL)
        put_ext(b, &r);
    else
        put_user(b, a, sim_rng_below(&r, N_USERS));
    SIM_BUF_LIT(b, ",\"fileName\":\"");
    if (stem == NELEM(file_stems)) {
        uint64_t u1 = sim_rng_next(&r), u2 = sim_rng_next(&r);
        SIM_BUF_LIT(b, "attach-");
        put_hex(b, u1 >> 32, 8);
        sim_buf_addc(b, '-');
        put_hex(b, (u1 >> 16) & 0xffff, 4);
        SIM_BUF_LIT(b, "-4");
        put_hex(b, u1 & 0xfff, 3);
        sim_buf_addc(b, '-');
        put_hex(b, 0x8000 | (u2 >> 50), 4);
        sim_buf_addc(b, '-');
        put_hex(b, u2 & 0xffffffffffffULL, 12);
    } else {
        sim_buf_adds(b, file_stems[stem]);
        if (stem != 5)
            sim_buf_u64(b, 1000 + sim_rng_below(&r, 90000));
    }
    sim_buf_addc(b, '.');
    sim_buf_adds(b, fk->ext);
    SIM_BUF_LIT(b, "\",\"fileType\":");
    sim_buf_jrawz(b, fk->mime);
    SIM_BUF_LIT(b, ",\"result\":");
    sim_buf_adds(b, mal ? "\"malicious\"" : "\"safe\"");
    SIM_BUF_LIT(b, ",\"actionTriggered\":\"none, none\",\"date\":");
    put_time(b, s, i, t, ds);
    secs = sim_rng_below(&r, 60);
    mins = mal ? sim_rng_below(&r, 3) : 0;
    if (mal)
        sim_buf_printf(b, ",\"details\":\"Malicious%41s\\r\\nTime taken: 0 hrs, %u min, %u sec\"",
                       "", mins, secs);
    else
        sim_buf_printf(b, ",\"details\":\"Safe%46s\\r\\nTime taken: 0 hrs, 0 min, %u sec\"", "",
                       secs);
    SIM_BUF_LIT(b, ",\"route\":");
    switch (route) {
    case SIM_ROUTE_INBOUND: SIM_BUF_LIT(b, "\"inbound\""); break;
    case SIM_ROUTE_OUTBOUND: SIM_BUF_LIT(b, "\"outbound\""); break;
    case SIM_ROUTE_INTERNAL: SIM_BUF_LIT(b, "\"internal\""); break;
    default: SIM_BUF_LIT(b, "\"external\""); break;
    }
    SIM_BUF_LIT(b, ",\"messageId\":");
    put_message_id(b, &r, record_uid(s, i));
    SIM_BUF_LIT(b, ",\"subject\":");
    put_subject(b, &r);
    SIM_BUF_LIT(b, ",\"fileHash\":\"");
    for (int k = 0; k < 4; k++)
        put_hex(b, sim_rng_next(&r), 16);
    SIM_BUF_LIT(b, "\",\"definition\":");
    switch (route) {
    case SIM_ROUTE_OUTBOUND:
        SIM_BUF_LIT(b, "\"Default Outbound Attachment Protect Definition\"");
        break;
    case SIM_ROUTE_INTERNAL:
        SIM_BUF_LIT(b, "\"Default Internal Attachment Protect Definition\"");
        break;
    default: SIM_BUF_LIT(b, "\"Default Inbound Attachment Protect Definition\""); break;
    }
    sim_buf_addc(b, '}');
}

void sim_event_render(struct sim_buf *b, const struct sim_account *a, const struct sim_stream *s,
                      int log, uint64_t i, int64_t t, int date_style)
{
    switch (log) {
    case SIM_LOG_AUDIT: render_audit(b, a, s, i, t, date_style); break;
    case SIM_LOG_DLP: render_dlp(b, a, s, i, t, date_style); break;
    case SIM_LOG_REJECTION: render_rejection(b, a, s, i, t, date_style); break;
    case SIM_LOG_TTP_URL: render_ttp_url(b, a, s, i, t, date_style); break;
    case SIM_LOG_TTP_IMPERSONATION: render_ttp_impersonation(b, a, s, i, t, date_style); break;
    case SIM_LOG_TTP_ATTACHMENT: render_ttp_attachment(b, a, s, i, t, date_style); break;
    default: SIM_BUF_LIT(b, "{}"); break;
    }
}

static int check_table(const char *const *t, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!sim_json_safe(t[k], strlen(t[k])))
            return SIM_EINVAL;
    return SIM_OK;
}

#define CHECK(tab)                                                                                 \
    do {                                                                                           \
        if (check_table((tab), NELEM(tab)) != 0)                                                   \
            return SIM_EINVAL;                                                                     \
    } while (0)

int sim_data_selfcheck(void)
{
    CHECK(first_names);
    CHECK(last_names);
    CHECK(ext_domains);
    CHECK(ext_locals);
    CHECK(bad_domains);
    CHECK(mail_hosts);
    CHECK(audit_apps);
    CHECK(audit_methods);
    CHECK(audit_fail_reasons);
    CHECK(search_reasons);
    CHECK(policies);
    CHECK(feeds);
    CHECK(dlp_policies);
    CHECK(dlp_actions);
    CHECK(detection_levels);
    CHECK(clean_hosts);
    CHECK(bad_hosts);
    CHECK(clean_categories);
    CHECK(bad_categories);
    CHECK(bad_categories_upper);
    CHECK(dangerous_exts);
    CHECK(dangerous_mimes);
    CHECK(identifiers);
    CHECK(threat_words);
    CHECK(brand_domains);
    CHECK(file_stems);
    for (size_t k = 0; k < NELEM(rej_kinds); k++)
        if (!sim_json_safe(rej_kinds[k].description, strlen(rej_kinds[k].description)) ||
            !sim_json_safe(rej_kinds[k].info, strlen(rej_kinds[k].info)))
            return SIM_EINVAL;
    for (size_t k = 0; k < NELEM(file_kinds); k++)
        if (!sim_json_safe(file_kinds[k].mime, strlen(file_kinds[k].mime)))
            return SIM_EINVAL;
    return SIM_OK;
}
