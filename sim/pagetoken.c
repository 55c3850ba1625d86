/* mcsim -- page token encoding (see pagetoken.h).
 *
 * Layout (38 bytes, little endian) -> base64url without padding (51 chars):
 *   version(1) log(1) oldest(1) route(1) verdict(1) flags(1) account(4)
 *   from(8) to(8) pos(8) check(4)
 */
#include "pagetoken.h"

#include <string.h>

#include "hash.h"
#include "sim.h"

#define TOKEN_VERSION 1
#define RAW_LEN 38

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int k = 0; k < n; k++)
        p[k] = (unsigned char)(v >> (8 * k));
}

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int k = 0; k < n; k++)
        v |= (uint64_t)p[k] << (8 * k);
    return v;
}

static uint32_t checksum(const unsigned char *p, size_t n, uint64_t key)
{
    uint64_t h = key ^ 0x9ae16a3b2f90404fULL;
    for (size_t k = 0; k < n; k++)
        h = sim_mix64(h ^ p[k]);
    return (uint32_t)h;
}

static int b64val(char c)
{
    const char *p = c ? strchr(b64url, c) : NULL;
    return p ? (int)(p - b64url) : -1;
}

size_t sim_ptoken_encode(const struct sim_ptoken *t, uint64_t key, char *out, size_t cap)
{
    unsigned char raw[RAW_LEN + 2] = {0};
    size_t n = 0;

    raw[0] = TOKEN_VERSION;
    raw[1] = t->log;
    raw[2] = t->oldest_first;
    raw[3] = t->route;
    raw[4] = t->verdict;
    raw[5] = t->flags;
    put_le(raw + 6, t->account, 4);
    put_le(raw + 10, (uint64_t)t->from, 8);
    put_le(raw + 18, (uint64_t)t->to, 8);
    put_le(raw + 26, t->pos, 8);
    put_le(raw + 34, checksum(raw, 34, key), 4);
    if (cap < (RAW_LEN * 8 + 5) / 6 + 1)
        return 0;
    for (size_t bit = 0; bit < RAW_LEN * 8; bit += 6) {
        size_t byte = bit / 8, sh = bit % 8;
        unsigned v = (unsigned)raw[byte] << 8 | raw[byte + 1];
        out[n++] = b64url[(v >> (10 - sh)) & 63];
    }
    out[n] = '\0';
    return n;
}

int sim_ptoken_decode(const char *s, uint64_t key, struct sim_ptoken *t)
{
    unsigned char raw[RAW_LEN + 2] = {0};
    size_t len = s ? strlen(s) : 0, bit = 0;

    if (len != (RAW_LEN * 8 + 5) / 6)
        return SIM_EPARSE;
    for (size_t k = 0; k < len; k++, bit += 6) {
        int v = b64val(s[k]);
        size_t byte = bit / 8, sh = bit % 8;
        unsigned w;
        if (v < 0)
            return SIM_EPARSE;
        w = (unsigned)v << (10 - sh);
        raw[byte] |= (unsigned char)(w >> 8);
        raw[byte + 1] |= (unsigned char)w;
    }
    if (raw[0] != TOKEN_VERSION || get_le(raw + 34, 4) != checksum(raw, 34, key))
        return SIM_EPARSE;
    t->log = raw[1];
    t->oldest_first = raw[2];
    t->route = raw[3];
    t->verdict = raw[4];
    t->flags = raw[5];
    t->account = (uint32_t)get_le(raw + 6, 4);
    t->from = (int64_t)get_le(raw + 10, 8);
    t->to = (int64_t)get_le(raw + 18, 8);
    t->pos = get_le(raw + 26, 8);
    return SIM_OK;
}
