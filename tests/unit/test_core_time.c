/* Date parsing and formatting: every form Mimecast is known to send, and the
 * formats mclog sends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/err.h"
#include "core/time.h"

/* 2024-11-17T20:16:00Z */
#define T0 1731874560000LL

static void expect_parse(const char *s, int64_t want)
{
    int64_t got = 0;
    int rc = mcl_time_parse(s, &got);
    if (rc != MCL_OK || got != want)
        fail_msg("'%s': rc=%d got=%lld want=%lld", s, rc, (long long)got, (long long)want);
}

static void t_parse_mimecast_forms(void **state)
{
    expect_parse("2024-11-17T20:16:00+0000", T0);
    expect_parse("2024-11-17T20:16:00+00:00", T0);
    expect_parse("2024-11-17T20:16:00+00", T0);
    expect_parse("2024-11-17T20:16:00Z", T0);
    expect_parse("2024-11-17T20:16:00z", T0);
    expect_parse("2024-11-17 20:16:00", T0);
    expect_parse("2024-11-17T20:16:00", T0);
    expect_parse("2024-11-17T20:16:00.123Z", T0 + 123);
    expect_parse("2024-11-17T20:16:00.1+0000", T0 + 100);
    expect_parse("2024-11-17T20:16:00.123456789Z", T0 + 123);
    expect_parse("  2024-11-17T20:16:00Z \n", T0);
    expect_parse("2024-11-17T20:16Z", T0);
    expect_parse("2024-11-17", T0 - (20 * 3600 + 16 * 60) * 1000LL);
}

static void t_parse_offsets_are_applied_not_ignored(void **state)
{
    /* The same instant written in three zones (the Elastic +0700 bug). */
    expect_parse("2024-11-17T16:16:00-0400", T0);
    expect_parse("2024-11-18T03:16:00+07:00", T0);
    expect_parse("2024-11-17T22:16:00+0200", T0);
    expect_parse("2024-11-17T20:46:00+0030", T0);
}

static void t_parse_epoch(void **state)
{
    expect_parse("1731874560000", T0);
    expect_parse("1731874560", T0);
}

static void t_parse_rejects_garbage(void **state)
{
    const char *bad[] = {"", "   ", "2024", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z",
                         "2024-11-17T24:00:00Z", "2024-11-17T20:61:00Z",
                         "2024-11-17T20:16:00+2500", "2024-11-17T20:16:00 PST",
                         "2024-11-17T20:16:00Zjunk", "2024-11-17T20:16:00.Z", "17/11/2024",
                         "Internal IP", "2024-11-17X20:16:00Z", "123456789012345678901234"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v;
        if (mcl_time_parse(bad[i], &v) == MCL_OK)
            fail_msg("accepted '%s'", bad[i]);
    }
    int64_t v;
    assert_int_equal(mcl_time_parse(NULL, &v), MCL_EINVAL);
}

static void t_leap_years(void **state)
{
    expect_parse("2024-02-29T00:00:00Z", 1709164800000LL);
    int64_t v;
    assert_int_not_equal(mcl_time_parse("2023-02-29T00:00:00Z", &v), MCL_OK);
    expect_parse("2000-02-29T00:00:00Z", 951782400000LL);
    expect_parse("1970-01-01T00:00:00Z", 0);
    expect_parse("1969-12-31T23:59:59Z", -1000);
}

static void t_format(void **state)
{
    char out[MCL_TIME_TEXT_MAX];
    mcl_time_format_mimecast(T0 + 999, out);
    assert_string_equal(out, "2024-11-17T20:16:00+0000");
    mcl_time_format_rfc3339(T0 + 7, out);
    assert_string_equal(out, "2024-11-17T20:16:00.007Z");
    mcl_time_format_rfc1123(1448369411000LL, out);
    assert_string_equal(out, "Tue, 24 Nov 2015 12:50:11 UTC");
    mcl_time_format_rfc3339(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");
}

static void t_format_parse_roundtrip(void **state)
{
    /* Every day for 60 years, at an odd time of day. */
    for (int64_t ms = -86400000LL * 365; ms < 86400000LL * 365 * 60; ms += 86400000LL + 3723001) {
        char out[MCL_TIME_TEXT_MAX];
        int64_t back;
        mcl_time_format_rfc3339(ms, out);
        assert_int_equal(mcl_time_parse(out, &back), MCL_OK);
        assert_int_equal(back, ms);
        mcl_time_format_mimecast(ms, out);
        assert_int_equal(mcl_time_parse(out, &back), MCL_OK);
        assert_int_equal(back, ms - (((ms % 1000) + 1000) % 1000));
    }
}

static void t_durations(void **state)
{
    int64_t v;
    assert_int_equal(mcl_duration_parse("7d", &v), MCL_OK);
    assert_int_equal(v, 7 * 86400000LL);
    assert_int_equal(mcl_duration_parse("1h30m", &v), MCL_OK);
    assert_int_equal(v, 90 * 60000LL);
    assert_int_equal(mcl_duration_parse("250ms", &v), MCL_OK);
    assert_int_equal(v, 250);
    assert_int_equal(mcl_duration_parse("0", &v), MCL_OK);
    assert_int_equal(v, 0);
    assert_int_equal(mcl_duration_parse("2w", &v), MCL_OK);
    assert_int_equal(v, 14 * 86400000LL);
    const char *bad[] = {"", "5", "5 minutes", "m", "-5m", "5x", "1.5h", "99999999999999999999d", "00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (mcl_duration_parse(bad[i], &v) == MCL_OK)
            fail_msg("accepted '%s'", bad[i]);
    }
    char out[MCL_TIME_TEXT_MAX];
    mcl_duration_format(93784005, out);
    assert_string_equal(out, "1d2h3m4s5ms");
    mcl_duration_format(0, out);
    assert_string_equal(out, "0s");
}

static void t_sizes(void **state)
{
    uint64_t v;
    assert_int_equal(mcl_size_parse("64MiB", &v), MCL_OK);
    assert_true(v == 64ULL * 1024 * 1024);
    assert_int_equal(mcl_size_parse("10MB", &v), MCL_OK);
    assert_true(v == 10000000ULL);
    assert_int_equal(mcl_size_parse("4096", &v), MCL_OK);
    assert_true(v == 4096);
    assert_int_not_equal(mcl_size_parse("12 parsecs", &v), MCL_OK);
    assert_int_not_equal(mcl_size_parse("99999999999TiB", &v), MCL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_parse_mimecast_forms),
        cmocka_unit_test(t_parse_offsets_are_applied_not_ignored),
        cmocka_unit_test(t_parse_epoch),
        cmocka_unit_test(t_parse_rejects_garbage),
        cmocka_unit_test(t_leap_years),
        cmocka_unit_test(t_format),
        cmocka_unit_test(t_format_parse_roundtrip),
        cmocka_unit_test(t_durations),
        cmocka_unit_test(t_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
