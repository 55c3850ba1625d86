/* mclog error codes.
 *
 * Every fallible function returns int: MCL_OK (0) or a negative MCL_E* code.
 * Results travel through out-parameters. Functions returning pointers return
 * NULL on failure and set nothing global.
 */
#ifndef MCL_CORE_ERR_H
#define MCL_CORE_ERR_H

enum mcl_err {
    MCL_OK = 0,
    MCL_ENOMEM = -1,     /* allocation failed */
    MCL_EINVAL = -2,     /* bad argument or value */
    MCL_EIO = -3,        /* file or system I/O failed */
    MCL_EPARSE = -4,     /* malformed input (JSON, YAML, dates...) */
    MCL_ELIMIT = -5,     /* a size or count limit was reached */
    MCL_ENOTFOUND = -6,  /* no such thing */
    MCL_ETIMEDOUT = -7,  /* deadline passed */
    MCL_ENET = -8,       /* connection-level failure (DNS, TCP, TLS, reset) */
    MCL_EHTTP = -9,      /* unexpected HTTP status */
    MCL_EAUTH = -10,     /* credentials refused */
    MCL_EPERM = -11,     /* authenticated but not allowed */
    MCL_ERATELIMIT = -12,/* quota exhausted (429) */
    MCL_EEXPIRED = -13,  /* API 1.0 binding expired (418 / err_xdk_binding_expired) */
    MCL_EREGION = -14,   /* account lives in another region */
    MCL_ESTORE = -15,    /* the embedded store failed */
    MCL_ECANCELED = -16, /* shutdown requested */
    MCL_EAPI = -17,      /* the API answered with fail[] */
    MCL_ECONFIG = -18,   /* configuration is invalid */
    MCL_EEXIST = -19,    /* already exists */
    MCL_ESTALE = -20,    /* a cursor or page token is no longer valid */
};

/* Static text for a code; never NULL. */
const char *mcl_strerror(int rc);

#endif
