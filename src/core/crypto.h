/* Hashes, HMAC, base64 and randomness: the only module that includes OpenSSL.
 * Ownership: output buffers are caller-provided; struct mcl_buf outputs are
 * appended to. */
#ifndef MCL_CORE_CRYPTO_H
#define MCL_CORE_CRYPTO_H

#include <stddef.h>

#include "core/buf.h"

#define MCL_SHA256_LEN 32
#define MCL_SHA1_LEN 20

void mcl_sha256(const void *data, size_t n, unsigned char out[MCL_SHA256_LEN]);
/* Incremental SHA-256 for hashing several pieces without concatenating. */
struct mcl_sha256_ctx;
struct mcl_sha256_ctx *mcl_sha256_create(void);
void mcl_sha256_update(struct mcl_sha256_ctx *c, const void *data, size_t n);
void mcl_sha256_final(struct mcl_sha256_ctx *c, unsigned char out[MCL_SHA256_LEN]);
void mcl_sha256_destroy(struct mcl_sha256_ctx *c);

int mcl_hmac_sha1(const void *key, size_t keylen, const void *data, size_t n,
                  unsigned char out[MCL_SHA1_LEN]);
/* Standard base64 with '=' padding. */
int mcl_base64_encode(const void *data, size_t n, struct mcl_buf *out);
/* Accepts padded standard base64; whitespace is not allowed. */
int mcl_base64_decode(const char *text, size_t n, struct mcl_buf *out);
/* Lower-case hex; `out` must hold 2*n+1 bytes. */
void mcl_hex(const unsigned char *data, size_t n, char *out);
int mcl_random_bytes(void *out, size_t n);
/* A random RFC 4122 version-4 UUID, lower case, 36 chars + NUL. */
int mcl_uuid4(char out[37]);

#endif
