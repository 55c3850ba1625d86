#include "core/logtype.h"

#include <string.h>

#include "core/err.h"

static const char *names[MCL_LOGTYPE_COUNT] = {
    "audit", "dlp", "rejection", "ttp_url", "ttp_impersonation", "ttp_attachment",
};

const char *mcl_logtype_name(enum mcl_logtype t)
{
    return (unsigned)t < MCL_LOGTYPE_COUNT ? names[t] : "unknown";
}

int mcl_logtype_parse(const char *name, enum mcl_logtype *t)
{
    for (int i = 0; name && i < MCL_LOGTYPE_COUNT; i++) {
        if (!strcmp(name, names[i])) {
            *t = (enum mcl_logtype)i;
            return MCL_OK;
        }
    }
    return MCL_ENOTFOUND;
}
