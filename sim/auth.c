/* mcsim -- bearer token store and API 1.0 signature checks (see auth.h). */
#include "auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timeutil.h"

static bool b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

int sim_b64_decode(const char *in, unsigned char *out, size_t cap, size_t *outlen)
{
    size_t n = strlen(in), pad = 0;
    int got;

    if (n == 0 || n % 4 != 0 || n / 4 * 3 > cap)
        return SIM_EPARSE;
    if (in[n - 1] == '=')
        pad++;
    if (in[n - 2] == '=')
        pad++;
    for (size_t k = 0; k < n - pad; k++)
        if (!b64_char(in[k]))
            return SIM_EPARSE;
    /* EVP_DecodeBlock counts padding as zero bytes: subtract it. */
    got = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
    if (got < 0 || (size_t)got < pad)
        return SIM_EPARSE;
    *outlen = (size_t)got - pad;
    return SIM_OK;
}

size_t sim_b64_encode(const unsigned char *in, size_t n, char *out, size_t cap)
{
    if ((n + 2) / 3 * 4 + 1 > cap)
        return 0;
    return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

int sim_v1_signature(const unsigned char *key, size_t keylen, const char *data, size_t datalen,
                     char *out, size_t cap)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (!HMAC(EVP_sha1(), key, (int)keylen, (const unsigned char *)data, datalen, md, &mdlen))
        return SIM_EIO;
    return sim_b64_encode(md, mdlen, out, cap) ? SIM_OK : SIM_EIO;
}

int sim_v1_parse_authorization(const char *hdr, char *access_key, size_t akcap, char *sig,
                               size_t sigcap)
{
    const char *colon;
    size_t aklen;

    if (!hdr || strncmp(hdr, "MC ", 3) != 0)
        return SIM_EPARSE;
    hdr += 3;
    colon = strrchr(hdr, ':'); /* signatures are base64: never contain ':' */
    if (!colon || colon == hdr)
        return SIM_EPARSE;
    aklen = (size_t)(colon - hdr);
    if (aklen >= akcap || strlen(colon + 1) >= sigcap || !colon[1])
        return SIM_EPARSE;
    memcpy(access_key, hdr, aklen);
    access_key[aklen] = '\0';
    memcpy(sig, colon + 1, strlen(colon + 1) + 1);
    return SIM_OK;
}

int sim_v1_verify(const struct sim_account *a, const char *sig, const char *date,
                  const char *req_id, const char *app_id, const char *path, int64_t now_s,
                  int64_t skew_s)
{
    char data[2048], expect[64];
    int64_t t;
    int n;

    if (!date || !req_id || !app_id || !*req_id)
        return SIM_V1_MISSING_HEADERS;
    if (strcmp(app_id, a->app_id) != 0)
        return SIM_V1_BAD_APP_ID;
    if (sim_time_parse_rfc1123(date, &t) != 0)
        return SIM_V1_BAD_DATE;
    if (t < now_s - skew_s || t > now_s + skew_s)
        return SIM_V1_STALE_DATE;
    n = snprintf(data, sizeof(data), "%s:%s:%s:%s", date, req_id, path, a->app_key);
    if (n < 0 || (size_t)n >= sizeof(data))
        return SIM_V1_BAD_SIGNATURE;
    if (sim_v1_signature(a->secret_key, a->secret_key_len, data, (size_t)n, expect,
                         sizeof(expect)) != 0)
        return SIM_V1_BAD_SIGNATURE;
    /* constant time: no early exit revealing the matching prefix */
    if (strlen(sig) != strlen(expect) || CRYPTO_memcmp(sig, expect, strlen(expect)) != 0)
        return SIM_V1_BAD_SIGNATURE;
    return SIM_V1_OK;
}

/* ------------------------------------------------------------------------ */
/* Token store: a bounded array.  Few clients hold few tokens at a time, so a
 * linear scan is cheaper than a hash table's bookkeeping. */

#define TOKEN_LEN 43 /* base64url of 32 random bytes, unpadded */

struct sim_token {
    char tok[TOKEN_LEN + 1];
    int acct;
    bool revoked;
    int64_t expiry_ms;
};

struct sim_tokens {
    pthread_mutex_t mu;
    struct sim_token *v;
    size_t n;
    size_t max;
};

struct sim_tokens *sim_tokens_create(size_t max_tokens)
{
    struct sim_tokens *t = calloc(1, sizeof(*t));

    if (!t)
        return NULL;
    t->v = calloc(max_tokens, sizeof(*t->v));
    if (!t->v) {
        free(t);
        return NULL;
    }
    t->max = max_tokens;
    pthread_mutex_init(&t->mu, NULL);
    return t;
}

void sim_tokens_destroy(struct sim_tokens *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->mu);
    free(t->v);
    free(t);
}

static void remove_at(struct sim_tokens *t, size_t k)
{
    memmove(&t->v[k], &t->v[k + 1], (t->n - k - 1) * sizeof(*t->v));
    t->n--;
}

int sim_tokens_issue(struct sim_tokens *t, int acct, int64_t now_ms, int64_t lifetime_ms,
                     char *out, size_t cap)
{
    static const char b64url[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char rnd[32];
    struct sim_token nt;
    size_t k;
    int rc = SIM_OK;

    if (cap < TOKEN_LEN + 1)
        return SIM_EINVAL;
    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
        return SIM_EIO;
    /* 32 bytes -> 43 characters of 6 bits (the last one carries 4) */
    for (k = 0; k < TOKEN_LEN; k++) {
        size_t bit = k * 6, byte = bit / 8, sh = bit % 8;
        unsigned v = (unsigned)rnd[byte] << 8 | (byte + 1 < sizeof(rnd) ? rnd[byte + 1] : 0);
        nt.tok[k] = b64url[(v >> (10 - sh)) & 63];
    }
    nt.tok[TOKEN_LEN] = '\0';
    nt.acct = acct;
    nt.revoked = false;
    nt.expiry_ms = now_ms + lifetime_ms;

    pthread_mutex_lock(&t->mu);
    if (t->n == t->max) {
        /* drop tokens dead for an hour, then the oldest if still full */
        for (k = t->n; k-- > 0;)
            if (t->v[k].expiry_ms + 3600000 < now_ms)
                remove_at(t, k);
        if (t->n == t->max)
            remove_at(t, 0);
    }
    t->v[t->n++] = nt;
    pthread_mutex_unlock(&t->mu);
    memcpy(out, nt.tok, TOKEN_LEN + 1);
    return rc;
}

int sim_tokens_lookup(struct sim_tokens *t, const char *token, int64_t now_ms, bool *valid)
{
    int acct = -1;

    *valid = false;
    if (!token || strlen(token) != TOKEN_LEN)
        return -1;
    pthread_mutex_lock(&t->mu);
    for (size_t k = t->n; k-- > 0;) {
        if (memcmp(t->v[k].tok, token, TOKEN_LEN) == 0) {
            acct = t->v[k].acct;
            *valid = !t->v[k].revoked && now_ms < t->v[k].expiry_ms;
            break;
        }
    }
    pthread_mutex_unlock(&t->mu);
    return acct;
}

size_t sim_tokens_revoke(struct sim_tokens *t, int acct)
{
    size_t n = 0;

    pthread_mutex_lock(&t->mu);
    for (size_t k = 0; k < t->n; k++) {
        if ((acct < 0 || t->v[k].acct == acct) && !t->v[k].revoked) {
            t->v[k].revoked = true;
            n++;
        }
    }
    pthread_mutex_unlock(&t->mu);
    return n;
}
