/* mcsim -- POST /oauth/token (API 2.0) and POST /api/login/discover-authentication
 * (API 1.0).  Shapes from API.md §1.4 and §2.2-2.3. */
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "counters.h"
#include "server.h"

static bool secret_equal(const char *a, const char *b)
{
    size_t n = strlen(b);
    return strlen(a) == n && CRYPTO_memcmp(a, b, n) == 0;
}

int sim_api_token(struct sim_request *rq, struct sim_response *rs)
{
    const struct sim_config *cfg = rq->ctx->cfg;
    char grant[64], cid[256], secret[256], tok[64];
    int rc, acct;

    rc = sim_form_get(rq->body, rq->body_len, "grant_type", grant, sizeof(grant));
    if (rc == SIM_EINVAL) {
        sim_resp_v2_fail(rs, 400, "invalid_request", "grant_type is required");
        return 0;
    }
    if (rc != 0 || strcmp(grant, "client_credentials") != 0) {
        sim_resp_v2_fail(rs, 400, "unsupported_grant_type",
                         "grant_type must be client_credentials");
        return 0;
    }
    if (sim_form_get(rq->body, rq->body_len, "client_id", cid, sizeof(cid)) != 0 ||
        sim_form_get(rq->body, rq->body_len, "client_secret", secret, sizeof(secret)) != 0) {
        sim_resp_v2_fail(rs, 401, "InvalidClientIdentifier", "Client credentials are invalid");
        return 0;
    }
    acct = sim_config_account_by_client_id(cfg, cid);
    if (acct < 0 || !secret_equal(secret, cfg->accounts[acct].client_secret)) {
        sim_resp_v2_fail(rs, 401, "InvalidClientIdentifier", "Client credentials are invalid");
        return 0;
    }
    if (sim_tokens_issue(rq->ctx->tokens, acct, rq->now_ms, cfg->token_lifetime_s * 1000, tok,
                         sizeof(tok)) != 0) {
        sim_resp_v2_fail(rs, 500, "internal-error", "could not issue a token");
        return SIM_EIO;
    }
    sim_counters_token(rq->ctx->counters, SIM_CRED_V2(acct));
    sim_resp_json(rs, 200);
    SIM_BUF_LIT(&rs->body, "{\"access_token\":");
    sim_buf_jrawz(&rs->body, tok);
    SIM_BUF_LIT(&rs->body, ",\"token_type\":\"Bearer\",\"expires_in\":");
    sim_buf_i64(&rs->body, cfg->token_lifetime_s);
    SIM_BUF_LIT(&rs->body, ",\"scope\":\"\"}");
    return 0;
}

int sim_api_discover(struct sim_request *rq, struct sim_response *rs)
{
    const struct sim_config *cfg = rq->ctx->cfg;
    json_error_t jerr;
    json_t *root = NULL, *item, *email;
    const char *addr, *at;
    char *key = NULL;
    bool app_ok = false;
    int rc = 0;

    if (rq->mc_app_id)
        for (size_t k = 0; k < cfg->n_accounts; k++)
            if (strcmp(cfg->accounts[k].app_id, rq->mc_app_id) == 0)
                app_ok = true;
    if (!app_ok || !rq->mc_date || !rq->mc_req_id) {
        sim_resp_v1_fail(rs, 401, "err_developer_key",
                         "x-mc-app-id, x-mc-date and x-mc-req-id headers are required and the "
                         "application id must be known",
                         false, NULL);
        goto out;
    }
    root = json_loadb(rq->body ? rq->body : "", rq->body_len, 0, &jerr);
    if (!root || !json_is_object(root)) {
        sim_resp_v1_fail(rs, 400, "err_request_json_invalid", "Request body is not valid JSON",
                         false, NULL);
        goto out;
    }
    item = json_array_get(json_object_get(root, "data"), 0);
    email = json_object_get(item, "emailAddress");
    key = item ? json_dumps(item, JSON_COMPACT) : NULL;
    if (!json_is_string(email) || json_string_length(email) == 0) {
        sim_resp_v1_fail(rs, 200, "err_validation_null", "emailAddress is required", false,
                         key);
        goto out;
    }
    addr = json_string_value(email);
    at = strrchr(addr, '@');
    if (!at || at == addr || !at[1] || strchr(addr, ' ')) {
        sim_resp_v1_fail(rs, 200, "err_validation_invalid_email_address",
                         "emailAddress is not a valid email address", false, key);
        goto out;
    }
    for (size_t k = 0; k < cfg->n_accounts; k++) {
        if (strcasecmp(cfg->accounts[k].domain, at + 1) != 0)
            continue;
        sim_resp_json(rs, 200);
        SIM_BUF_LIT(&rs->body, "{\"meta\":{\"status\":200},\"data\":[{\"emailAddress\":");
        sim_buf_jstrz(&rs->body, addr);
        SIM_BUF_LIT(&rs->body, ",\"emailToken\":\"");
        sim_buf_printf(&rs->body, "%016llx",
                       (unsigned long long)(cfg->accounts[k].name_hash ^ cfg->seed));
        SIM_BUF_LIT(&rs->body, "\",\"authenticate\":[\"cloud\"],\"region\":{\"api\":");
        sim_buf_jrawz(&rs->body, rq->ctx->base_url);
        SIM_BUF_LIT(&rs->body, "}}],\"fail\":[]}");
        goto out;
    }
    sim_resp_v1_fail(rs, 200, "err_unknown_user", "No account is known for this email address",
                     false, key);
out:
    free(key);
    json_decref(root);
    return rc;
}

/* POST /api/account/get-account: the cheapest authenticated call, which
 * mclog's `check` uses to prove API 1.0 keys. The real answer has more
 * members; these are the ones that identify the account. */
int sim_api_account(struct sim_request *rq, struct sim_response *rs)
{
    const struct sim_config *cfg = rq->ctx->cfg;
    const struct sim_account *a = &cfg->accounts[rq->acct];

    if (rq->scheme == SIM_SCHEME_V1 && cfg->region != SIM_REGION_ANY && a->region != cfg->region) {
        sim_resp_v1_fail(rs, 200, "err_audit_log_incorrect_region",
                         "The account belongs to another region; use the regional host from "
                         "discover-authentication",
                         false, NULL);
        return 0;
    }
    sim_resp_json(rs, 200);
    SIM_BUF_LIT(&rs->body, "{\"meta\":{\"status\":200},\"data\":[{\"accountName\":");
    sim_buf_jstrz(&rs->body, a->name);
    SIM_BUF_LIT(&rs->body, ",\"accountCode\":\"C");
    sim_buf_printf(&rs->body, "%.2s%06llx", sim_region_names[a->region],
                   (unsigned long long)(a->name_hash & 0xffffff));
    SIM_BUF_LIT(&rs->body, "\",\"region\":");
    sim_buf_jstrz(&rs->body, sim_region_names[a->region]);
    SIM_BUF_LIT(&rs->body, ",\"domain\":");
    sim_buf_jstrz(&rs->body, a->domain);
    SIM_BUF_LIT(&rs->body, "}],\"fail\":[]}");
    return 0;
}
