#include "core/err.h"

const char *mcl_strerror(int rc)
{
    switch (rc) {
    case MCL_OK: return "success";
    case MCL_ENOMEM: return "out of memory";
    case MCL_EINVAL: return "invalid argument";
    case MCL_EIO: return "input/output error";
    case MCL_EPARSE: return "malformed input";
    case MCL_ELIMIT: return "size limit exceeded";
    case MCL_ENOTFOUND: return "not found";
    case MCL_ETIMEDOUT: return "timed out";
    case MCL_ENET: return "network error";
    case MCL_EHTTP: return "unexpected HTTP status";
    case MCL_EAUTH: return "authentication failed";
    case MCL_EPERM: return "permission denied";
    case MCL_ERATELIMIT: return "rate limited";
    case MCL_EEXPIRED: return "API binding expired";
    case MCL_EREGION: return "wrong region";
    case MCL_ESTORE: return "store error";
    case MCL_ECANCELED: return "canceled";
    case MCL_EAPI: return "API reported a failure";
    case MCL_ECONFIG: return "invalid configuration";
    case MCL_EEXIST: return "already exists";
    case MCL_ESTALE: return "stale cursor";
    }
    return "unknown error";
}
