/* IP addresses and CIDR networks (IPv4 and IPv6), and the loopback rule for
 * plain-http URLs. No third-party dependency. */
#ifndef MCL_CORE_NETADDR_H
#define MCL_CORE_NETADDR_H

#include <stdbool.h>
#include <stdint.h>

struct mcl_cidr {
    int family;        /* 4 or 6 */
    uint8_t addr[16];  /* network address, host bits cleared */
    int prefix;        /* 0..32 or 0..128 */
};

/* Parses "10.0.0.0/8", "2001:db8::/32" or a bare address (full-length prefix). */
int mcl_cidr_parse(const char *s, struct mcl_cidr *out);
/* Parses an IPv4 or IPv6 literal; returns MCL_EPARSE for anything else
 * (Mimecast writes "Internal IP" where an address should be). */
int mcl_ip_parse(const char *s, int *family, uint8_t addr[16]);
bool mcl_cidr_contains(const struct mcl_cidr *net, int family, const uint8_t addr[16]);
/* True when `url` is http(s)://<host>... and host is localhost, 127.0.0.0/8 or ::1. */
bool mcl_url_host_is_loopback(const char *url);

#endif
