/* Bounded buffers, crypto (the API 1.0 HMAC test vector), logging redaction,
 * CIDR matching and the loopback rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backoff.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "core/err.h"
#include "core/log.h"
#include "core/logtype.h"
#include "core/netaddr.h"
#include "core/str.h"

static void t_buf_respects_max(void **state)
{
    struct mcl_buf b;
    mcl_buf_init(&b, 10);
    assert_int_equal(mcl_buf_append_str(&b, "0123456789"), MCL_OK);
    assert_int_equal(mcl_buf_append_char(&b, 'x'), MCL_ELIMIT);
    assert_int_equal(b.len, 10);
    assert_string_equal(b.data, "0123456789");
    mcl_buf_reset(&b);
    assert_int_equal(mcl_buf_appendf(&b, "%d-%s", 42, "abc"), MCL_OK);
    assert_string_equal(mcl_buf_cstr(&b), "42-abc");
    assert_int_equal(mcl_buf_appendf(&b, "%s", "too long!"), MCL_ELIMIT);
    char *s = mcl_buf_steal(&b);
    assert_string_equal(s, "42-abc");
    free(s);
    assert_null(b.data);
    mcl_buf_fini(&b);
}

/* API.md §1.2, cross-checked there with openssl dgst. */
static void t_hmac_sha1_mimecast_vector(void **state)
{
    const char *secret = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    const char *data = "Tue, 24 Nov 2015 12:50:11 UTC:8578FCFC-A305-4D9A-99CB-F4D5ECEFE297:"
                       "/api/audit/get-siem-logs:test-app-key";
    struct mcl_buf key, sig;
    mcl_buf_init(&key, 1024);
    mcl_buf_init(&sig, 1024);
    assert_int_equal(mcl_base64_decode(secret, strlen(secret), &key), MCL_OK);
    assert_int_equal(key.len, 32);
    unsigned char mac[MCL_SHA1_LEN];
    assert_int_equal(mcl_hmac_sha1(key.data, key.len, data, strlen(data), mac), MCL_OK);
    assert_int_equal(mcl_base64_encode(mac, sizeof mac, &sig), MCL_OK);
    assert_string_equal(sig.data, "eYZIEAiFDnlUIwpTeBODBKZQCbw=");
    mcl_buf_fini(&key);
    mcl_buf_fini(&sig);
}

static void t_base64_edges(void **state)
{
    struct mcl_buf b;
    mcl_buf_init(&b, 64);
    assert_int_equal(mcl_base64_decode("YQ==", 4, &b), MCL_OK);
    assert_int_equal(b.len, 1);
    assert_int_equal(b.data[0], 'a');
    mcl_buf_reset(&b);
    assert_int_equal(mcl_base64_decode("YWI=", 4, &b), MCL_OK);
    assert_int_equal(b.len, 2);
    mcl_buf_reset(&b);
    assert_int_equal(mcl_base64_decode("YW=I", 4, &b), MCL_EPARSE);
    assert_int_equal(mcl_base64_decode("Y!==", 4, &b), MCL_EPARSE);
    assert_int_equal(mcl_base64_decode("YQ=", 3, &b), MCL_EPARSE);
    mcl_buf_fini(&b);
}

static void t_sha256_and_hex(void **state)
{
    unsigned char h[MCL_SHA256_LEN];
    char hex[2 * MCL_SHA256_LEN + 1];
    mcl_sha256("abc", 3, h);
    mcl_hex(h, sizeof h, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    struct mcl_sha256_ctx *c = mcl_sha256_create();
    assert_non_null(c);
    mcl_sha256_update(c, "a", 1);
    mcl_sha256_update(c, "bc", 2);
    unsigned char h2[MCL_SHA256_LEN];
    mcl_sha256_final(c, h2);
    assert_memory_equal(h, h2, sizeof h);
    mcl_sha256_destroy(c);
    char u[37];
    assert_int_equal(mcl_uuid4(u), MCL_OK);
    assert_int_equal(strlen(u), 36);
    assert_int_equal(u[14], '4');
}

static void t_log_redacts_secrets_and_names_stream(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    assert_non_null(mem);
    mcl_log_setup(MCL_LOG_DEBUG, MCL_LOG_TEXT, mem);
    assert_int_equal(mcl_log_add_secret("s3cr3t-value"), MCL_OK);
    assert_int_equal(mcl_log_add_secret("abc"), MCL_OK); /* too short: ignored */
    MCL_ERR("acme", "ttp_url", "token s3cr3t-value refused; again s3cr3t-value; abc");
    MCL_INFO(NULL, NULL, "plain");
    mcl_log_setup(MCL_LOG_INFO, MCL_LOG_JSON, mem);
    MCL_WARN("acme", "audit", "quote \" and s3cr3t-value");
    MCL_DEBUG("acme", "audit", "filtered out");
    fclose(mem);
    assert_null(strstr(text, "s3cr3t-value"));
    assert_non_null(strstr(text, "account=acme log=ttp_url token [REDACTED] refused; again [REDACTED]; abc"));
    assert_non_null(strstr(text, "account=- log=- plain"));
    assert_non_null(strstr(text, "\"account\":\"acme\",\"log\":\"audit\",\"message\":\"quote \\\" and [REDACTED]\"}"));
    assert_null(strstr(text, "filtered out"));
    free(text);
    /* A removed secret is no longer redacted; the others still are. */
    assert_int_equal(mcl_log_add_secret("other-secret"), MCL_OK);
    mcl_log_remove_secret("s3cr3t-value");
    char *r = mcl_log_redact("s3cr3t-value other-secret");
    assert_string_equal(r, "s3cr3t-value [REDACTED]");
    free(r);
    mcl_log_clear_secrets();
    mcl_log_setup(MCL_LOG_INFO, MCL_LOG_TEXT, NULL);
}

static void t_cidr(void **state)
{
    struct mcl_cidr n;
    int fam;
    uint8_t a[16];
    assert_int_equal(mcl_cidr_parse("10.0.0.0/8", &n), MCL_OK);
    assert_int_equal(mcl_ip_parse("10.200.3.4", &fam, a), MCL_OK);
    assert_true(mcl_cidr_contains(&n, fam, a));
    assert_int_equal(mcl_ip_parse("11.0.0.1", &fam, a), MCL_OK);
    assert_false(mcl_cidr_contains(&n, fam, a));
    assert_int_equal(mcl_cidr_parse("192.168.1.77/23", &n), MCL_OK);
    assert_int_equal(mcl_ip_parse("192.168.0.1", &fam, a), MCL_OK);
    assert_true(mcl_cidr_contains(&n, fam, a));
    assert_int_equal(mcl_cidr_parse("2001:db8::/32", &n), MCL_OK);
    assert_int_equal(mcl_ip_parse("2001:db8:ffff::1", &fam, a), MCL_OK);
    assert_true(mcl_cidr_contains(&n, fam, a));
    assert_int_equal(mcl_ip_parse("10.0.0.1", &fam, a), MCL_OK);
    assert_false(mcl_cidr_contains(&n, fam, a)); /* other family */
    assert_int_equal(mcl_ip_parse("Internal IP", &fam, a), MCL_EPARSE);
    assert_int_equal(mcl_cidr_parse("10.0.0.0/33", &n), MCL_EPARSE);
    assert_int_equal(mcl_cidr_parse("10.0.0.0/", &n), MCL_EPARSE);
    assert_int_equal(mcl_cidr_parse("/8", &n), MCL_EPARSE);
    assert_int_equal(mcl_cidr_parse("0.0.0.0/0", &n), MCL_OK);
}

static void t_loopback_rule(void **state)
{
    assert_true(mcl_url_host_is_loopback("http://127.0.0.1:8089"));
    assert_true(mcl_url_host_is_loopback("http://127.3.4.5/x"));
    assert_true(mcl_url_host_is_loopback("http://localhost:1/"));
    assert_true(mcl_url_host_is_loopback("http://[::1]:80"));
    assert_false(mcl_url_host_is_loopback("http://128.0.0.1"));
    assert_false(mcl_url_host_is_loopback("http://localhost.evil.com/"));
    assert_false(mcl_url_host_is_loopback("http://127.0.0.1@evil.com/"));
    assert_false(mcl_url_host_is_loopback("ftp://127.0.0.1/"));
    assert_false(mcl_url_host_is_loopback(NULL));
}

static void t_json_escape_and_logtypes(void **state)
{
    struct mcl_buf b;
    mcl_buf_init(&b, 256);
    const char in[] = "a\"b\\c\n\x01\xc3\xa9";
    assert_int_equal(mcl_json_escape(&b, in, sizeof in - 1), MCL_OK);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
    mcl_buf_fini(&b);
    enum mcl_logtype t;
    for (int i = 0; i < MCL_LOGTYPE_COUNT; i++) {
        assert_int_equal(mcl_logtype_parse(mcl_logtype_name((enum mcl_logtype)i), &t), MCL_OK);
        assert_int_equal(t, i);
    }
    assert_int_equal(mcl_logtype_parse("ttp_urls", &t), MCL_ENOTFOUND);
    assert_string_equal(mcl_strerror(MCL_EEXPIRED), "API binding expired");
}

static void t_backoff_bounds(void **state)
{
    int64_t max_seen = 0;
    for (int i = 0; i < 2000; i++) {
        int64_t d = mcl_backoff_full_jitter(100, 5000, 3); /* ceiling 400 */
        assert_true(d >= 1 && d <= 400);
        if (d > max_seen)
            max_seen = d;
        d = mcl_backoff_full_jitter(100, 5000, 60); /* capped, no overflow */
        assert_true(d >= 1 && d <= 5000);
        d = mcl_backoff_add_jitter(1000, 0.2);
        assert_true(d >= 1000 && d <= 1200);
    }
    /* Jitter really spreads: 2000 draws from [1, 400] reach the top quarter. */
    assert_true(max_seen > 300);
    assert_int_equal(mcl_backoff_add_jitter(-5, 0.5), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_buf_respects_max),
        cmocka_unit_test(t_hmac_sha1_mimecast_vector),
        cmocka_unit_test(t_base64_edges),
        cmocka_unit_test(t_sha256_and_hex),
        cmocka_unit_test(t_log_redacts_secrets_and_names_stream),
        cmocka_unit_test(t_cidr),
        cmocka_unit_test(t_loopback_rule),
        cmocka_unit_test(t_json_escape_and_logtypes),
        cmocka_unit_test(t_backoff_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
