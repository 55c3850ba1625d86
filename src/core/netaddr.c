#include "core/netaddr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"

int mcl_ip_parse(const char *s, int *family, uint8_t addr[16])
{
    memset(addr, 0, 16);
    if (!s)
        return MCL_EPARSE;
    if (inet_pton(AF_INET, s, addr) == 1) {
        *family = 4;
        return MCL_OK;
    }
    if (inet_pton(AF_INET6, s, addr) == 1) {
        *family = 6;
        return MCL_OK;
    }
    return MCL_EPARSE;
}

int mcl_cidr_parse(const char *s, struct mcl_cidr *out)
{
    char tmp[64];
    const char *slash = s ? strchr(s, '/') : NULL;
    size_t alen = slash ? (size_t)(slash - s) : (s ? strlen(s) : 0);
    if (!s || alen == 0 || alen >= sizeof tmp)
        return MCL_EPARSE;
    memcpy(tmp, s, alen);
    tmp[alen] = '\0';
    if (mcl_ip_parse(tmp, &out->family, out->addr))
        return MCL_EPARSE;
    int maxp = out->family == 4 ? 32 : 128;
    out->prefix = maxp;
    if (slash) {
        char *end;
        const char *p = slash + 1;
        if (*p < '0' || *p > '9')
            return MCL_EPARSE;
        long v = strtol(p, &end, 10);
        if (*end || v < 0 || v > maxp)
            return MCL_EPARSE;
        out->prefix = (int)v;
    }
    int bytes = maxp / 8;
    for (int i = 0; i < bytes; i++) {
        int keep = out->prefix - i * 8;
        if (keep <= 0)
            out->addr[i] = 0;
        else if (keep < 8)
            out->addr[i] &= (uint8_t)(0xff << (8 - keep));
    }
    return MCL_OK;
}

bool mcl_cidr_contains(const struct mcl_cidr *net, int family, const uint8_t addr[16])
{
    if (net->family != family)
        return false;
    int full = net->prefix / 8, rest = net->prefix % 8;
    if (memcmp(net->addr, addr, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (addr[full] & mask) == net->addr[full];
}

bool mcl_url_host_is_loopback(const char *url)
{
    const char *p;
    if (!url)
        return false;
    if (!strncasecmp(url, "http://", 7))
        p = url + 7;
    else if (!strncasecmp(url, "https://", 8))
        p = url + 8;
    else
        return false;
    char host[256];
    size_t n = 0;
    if (*p == '[') {
        p++;
        while (*p && *p != ']' && n < sizeof host - 1)
            host[n++] = *p++;
        if (*p != ']')
            return false;
    } else {
        while (*p && *p != ':' && *p != '/' && *p != '?' && *p != '#' && n < sizeof host - 1) {
            if (*p == '@')
                return false; /* userinfo: refuse rather than guess */
            host[n++] = *p++;
        }
    }
    host[n] = '\0';
    if (!strcasecmp(host, "localhost"))
        return true;
    int fam;
    uint8_t a[16];
    if (mcl_ip_parse(host, &fam, a))
        return false;
    if (fam == 4)
        return a[0] == 127;
    static const uint8_t v6lo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return memcmp(a, v6lo, 16) == 0;
}
