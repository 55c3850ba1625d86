#include "core/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

struct mcl_sha256_ctx {
    EVP_MD_CTX *md;
};

void mcl_sha256(const void *data, size_t n, unsigned char out[MCL_SHA256_LEN])
{
    SHA256(data, n, out);
}

struct mcl_sha256_ctx *mcl_sha256_create(void)
{
    struct mcl_sha256_ctx *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    c->md = EVP_MD_CTX_new();
    if (!c->md || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(c->md);
        free(c);
        return NULL;
    }
    return c;
}

void mcl_sha256_update(struct mcl_sha256_ctx *c, const void *data, size_t n)
{
    EVP_DigestUpdate(c->md, data, n);
}

void mcl_sha256_final(struct mcl_sha256_ctx *c, unsigned char out[MCL_SHA256_LEN])
{
    EVP_DigestFinal_ex(c->md, out, NULL);
    EVP_DigestInit_ex(c->md, EVP_sha256(), NULL);
}

void mcl_sha256_destroy(struct mcl_sha256_ctx *c)
{
    if (c)
        EVP_MD_CTX_free(c->md);
    free(c);
}

int mcl_hmac_sha1(const void *key, size_t keylen, const void *data, size_t n,
                  unsigned char out[MCL_SHA1_LEN])
{
    unsigned int len = 0;
    if (keylen > 0x7fffffff)
        return MCL_EINVAL;
    if (!HMAC(EVP_sha1(), key, (int)keylen, data, n, out, &len) || len != MCL_SHA1_LEN)
        return MCL_EINVAL;
    return MCL_OK;
}

int mcl_base64_encode(const void *data, size_t n, struct mcl_buf *out)
{
    if (n > 0x3fffffff)
        return MCL_ELIMIT;
    size_t need = 4 * ((n + 2) / 3);
    int rc = mcl_buf_reserve(out, need);
    if (rc)
        return rc;
    int w = EVP_EncodeBlock((unsigned char *)out->data + out->len, data, (int)n);
    if (w < 0)
        return MCL_EINVAL;
    out->len += (size_t)w;
    out->data[out->len] = '\0';
    return MCL_OK;
}

int mcl_base64_decode(const char *text, size_t n, struct mcl_buf *out)
{
    if (n % 4 || n > 0x3fffffff)
        return MCL_EPARSE;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/' || (c == '=' && i >= n - 2);
        if (!ok || (c != '=' && i > 0 && text[i - 1] == '='))
            return MCL_EPARSE;
    }
    int rc = mcl_buf_reserve(out, n / 4 * 3);
    if (rc)
        return rc;
    int w = EVP_DecodeBlock((unsigned char *)out->data + out->len, (const unsigned char *)text,
                            (int)n);
    if (w < 0)
        return MCL_EPARSE;
    /* EVP_DecodeBlock counts padding as zero bytes. */
    if (n >= 1 && text[n - 1] == '=')
        w--;
    if (n >= 2 && text[n - 2] == '=')
        w--;
    out->len += (size_t)w;
    out->data[out->len] = '\0';
    return MCL_OK;
}

void mcl_hex(const unsigned char *data, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[data[i] >> 4];
        out[2 * i + 1] = hex[data[i] & 15];
    }
    out[2 * n] = '\0';
}

int mcl_random_bytes(void *out, size_t n)
{
    if (n > 0x7fffffff || RAND_bytes(out, (int)n) != 1)
        return MCL_EIO;
    return MCL_OK;
}

int mcl_uuid4(char out[37])
{
    unsigned char b[16];
    int rc = mcl_random_bytes(b, sizeof b);
    if (rc)
        return rc;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    return MCL_OK;
}
