/* The Mimecast log types mclog collects, by their configuration names. */
#ifndef MCL_CORE_LOGTYPE_H
#define MCL_CORE_LOGTYPE_H

enum mcl_logtype {
    MCL_LOGTYPE_AUDIT = 0,
    MCL_LOGTYPE_DLP,
    MCL_LOGTYPE_REJECTION,
    MCL_LOGTYPE_TTP_URL,
    MCL_LOGTYPE_TTP_IMPERSONATION,
    MCL_LOGTYPE_TTP_ATTACHMENT,
    MCL_LOGTYPE_COUNT
};

#define MCL_LOGTYPE_ALL ((1u << MCL_LOGTYPE_COUNT) - 1)

/* "audit", "dlp", "rejection", "ttp_url", "ttp_impersonation", "ttp_attachment". */
const char *mcl_logtype_name(enum mcl_logtype t);
/* Returns MCL_OK and sets *t, or MCL_ENOTFOUND. */
int mcl_logtype_parse(const char *name, enum mcl_logtype *t);

#endif
