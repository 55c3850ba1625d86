/* mcsim -- response helpers and small request utilities (see server.h). */
#include <string.h>

#include "server.h"

void sim_resp_json(struct sim_response *rs, int status)
{
    rs->status = status;
    rs->content_type = "application/json";
}

void sim_resp_v2_fail(struct sim_response *rs, int status, const char *code,
                      const char *message)
{
    sim_resp_json(rs, status);
    sim_buf_reset(&rs->body);
    SIM_BUF_LIT(&rs->body, "{\"fail\":[{\"code\":");
    sim_buf_jstrz(&rs->body, code);
    if (message) {
        SIM_BUF_LIT(&rs->body, ",\"message\":");
        sim_buf_jstrz(&rs->body, message);
    }
    SIM_BUF_LIT(&rs->body, "}]}");
}

void sim_resp_v1_fail(struct sim_response *rs, int http_status, const char *code,
                      const char *message, bool retryable, const char *key_json)
{
    sim_resp_json(rs, http_status);
    sim_buf_reset(&rs->body);
    SIM_BUF_LIT(&rs->body, "{\"meta\":{\"status\":");
    sim_buf_i64(&rs->body, http_status);
    SIM_BUF_LIT(&rs->body, "},\"data\":[],\"fail\":[{");
    if (key_json) {
        SIM_BUF_LIT(&rs->body, "\"key\":");
        sim_buf_adds(&rs->body, key_json);
        sim_buf_addc(&rs->body, ',');
    }
    SIM_BUF_LIT(&rs->body, "\"errors\":[{\"code\":");
    sim_buf_jstrz(&rs->body, code);
    SIM_BUF_LIT(&rs->body, ",\"message\":");
    sim_buf_jstrz(&rs->body, message);
    if (retryable)
        SIM_BUF_LIT(&rs->body, ",\"retryable\":true}]}]}");
    else
        SIM_BUF_LIT(&rs->body, ",\"retryable\":false}]}]}");
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int sim_form_get(const char *body, size_t len, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name), i = 0;

    while (i < len) {
        size_t end = i, eq;
        while (end < len && body[end] != '&')
            end++;
        eq = i;
        while (eq < end && body[eq] != '=')
            eq++;
        /* names are plain ASCII in practice; compare undecoded */
        if (eq - i == nlen && memcmp(body + i, name, nlen) == 0) {
            size_t o = 0;
            for (size_t k = eq + 1; k < end; k++) {
                char c = body[k];
                if (c == '+') {
                    c = ' ';
                } else if (c == '%') {
                    int hi, lo;
                    if (k + 2 >= end)
                        return SIM_EPARSE;
                    hi = hexval(body[k + 1]);
                    lo = hexval(body[k + 2]);
                    if (hi < 0 || lo < 0)
                        return SIM_EPARSE;
                    c = (char)(hi * 16 + lo);
                    k += 2;
                }
                if (c == '\0' || o + 1 >= cap)
                    return SIM_EPARSE;
                out[o++] = c;
            }
            if (eq == end) /* "name" without '=' */
                o = 0;
            out[o] = '\0';
            return SIM_OK;
        }
        i = end + 1;
    }
    return SIM_EINVAL;
}
