/* mcsim -- API 2.0 bearer tokens and API 1.0 HMAC signatures.
 *
 * Ownership: struct sim_tokens is created by sim_tokens_create() and released
 * by sim_tokens_destroy(); it is internally locked and shared by all
 * connection threads.  All other functions write into caller buffers.
 */
#ifndef MCSIM_AUTH_H
#define MCSIM_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim.h"

/* Standard base64 with padding; strict (no whitespace).  0 or SIM_EPARSE. */
int sim_b64_decode(const char *in, unsigned char *out, size_t cap, size_t *outlen);
/* Returns the encoded length (NUL-terminated) or 0 if cap is too small. */
size_t sim_b64_encode(const unsigned char *in, size_t n, char *out, size_t cap);

/* base64(HMAC-SHA1(key, data)) into out (>= 29 bytes).  0 or SIM_EIO. */
int sim_v1_signature(const unsigned char *key, size_t keylen, const char *data, size_t datalen,
                     char *out, size_t cap);

enum sim_v1_status {
    SIM_V1_OK = 0,
    SIM_V1_MISSING_HEADERS, /* x-mc-date / x-mc-req-id / x-mc-app-id absent */
    SIM_V1_BAD_APP_ID,      /* x-mc-app-id is not the account's application */
    SIM_V1_BAD_DATE,        /* x-mc-date unparseable */
    SIM_V1_STALE_DATE,      /* x-mc-date outside +-skew */
    SIM_V1_BAD_SIGNATURE,
};

/* Split "MC <accessKey>:<signature>".  0 or SIM_EPARSE. */
int sim_v1_parse_authorization(const char *hdr, char *access_key, size_t akcap, char *sig,
                               size_t sigcap);

/* Verify a signed request for account a; returns enum sim_v1_status. */
int sim_v1_verify(const struct sim_account *a, const char *sig, const char *date,
                  const char *req_id, const char *app_id, const char *path, int64_t now_s,
                  int64_t skew_s);

struct sim_tokens;

struct sim_tokens *sim_tokens_create(size_t max_tokens);
void sim_tokens_destroy(struct sim_tokens *t);
/* Issue a random token for account index acct; writes it into out (>= 64). */
int sim_tokens_issue(struct sim_tokens *t, int acct, int64_t now_ms, int64_t lifetime_ms,
                     char *out, size_t cap);
/* Account index the token was issued to, or -1 if never issued (or evicted).
 * *valid is true only when it is neither expired nor revoked. */
int sim_tokens_lookup(struct sim_tokens *t, const char *token, int64_t now_ms, bool *valid);
/* Revoke every token (acct < 0) or those of one account; returns how many. */
size_t sim_tokens_revoke(struct sim_tokens *t, int acct);

#endif
