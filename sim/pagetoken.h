/* mcsim -- opaque page tokens.
 *
 * A token carries the whole query (account, log type, window, order,
 * filters, position), so a follow-up request needs nothing else, and it is
 * replayable: the same token always yields the same page (events never
 * change).  A keyed checksum (from the seed) rejects corrupted or foreign
 * tokens; tokens stay valid across restarts with the same seed.
 *
 * Ownership: caller buffers only.
 */
#ifndef MCSIM_PAGETOKEN_H
#define MCSIM_PAGETOKEN_H

#include <stddef.h>
#include <stdint.h>

#define SIM_PTOKEN_END 0x01   /* empty_last_page: position is past the end */
#define SIM_PTOKEN_ADMIN 0x02 /* rejections: admin:true */

struct sim_ptoken {
    uint8_t log;
    uint8_t oldest_first;
    uint8_t route;
    uint8_t verdict;
    uint8_t flags;
    uint32_t account; /* low 32 bits of the account name hash */
    int64_t from;     /* inclusive, epoch s */
    int64_t to;       /* inclusive, epoch s */
    uint64_t pos;     /* next index (oldest first) or exclusive bound (newest first) */
};

#define SIM_PTOKEN_MAX 80

/* Returns the length written (NUL-terminated) or 0. */
size_t sim_ptoken_encode(const struct sim_ptoken *t, uint64_t key, char *out, size_t cap);
/* 0 or SIM_EPARSE (malformed, corrupted, or made with another seed). */
int sim_ptoken_decode(const char *s, uint64_t key, struct sim_ptoken *t);

#endif
