/* Unit tests: minisign-format keys and signatures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "support.h"

#include <sodium.h>

#include <airlock/airlock.h>
#include <airlock/sign.h>

static const char data[] = "the plan's bytes";

static void
sign_data(struct al_seckey *sk, const char *comment, struct al_buf *sig)
{
    al_buf_init(sig, AL_SIGFILE_MAX);
    assert_int_equal(al_sign(sk, data, sizeof(data), comment, sig), 0);
}

static void
test_sign_verify(void **state)
{
    char comment[AL_COMMENT_MAX + 1];
    struct al_seckey *sk = NULL;
    struct al_pubkey pk;
    struct al_buf sig;

    (void)state;
    assert_int_equal(al_key_generate(&sk, &pk), 0);
    sign_data(sk, "hello comment", &sig);
    assert_int_equal(
        al_verify(&pk, data, sizeof(data), sig.data, sig.len, comment, sizeof(comment)), 0);
    assert_string_equal(comment, "hello comment");
    /* The data changed. */
    assert_int_equal(
        al_verify(&pk, data, sizeof(data) - 1, sig.data, sig.len, comment, sizeof(comment)),
        AL_ESIGNATURE);
    al_buf_close(&sig);
    al_seckey_free(sk);
}

static void
test_wrong_key_and_tampering(void **state)
{
    char comment[AL_COMMENT_MAX + 1], *tc;
    struct al_seckey *sk = NULL, *other = NULL;
    struct al_pubkey pk, opk;
    struct al_buf sig;

    (void)state;
    assert_int_equal(al_key_generate(&sk, &pk), 0);
    assert_int_equal(al_key_generate(&other, &opk), 0);
    sign_data(sk, "approved", &sig);
    assert_int_equal(
        al_verify(&opk, data, sizeof(data), sig.data, sig.len, comment, sizeof(comment)),
        AL_EKEYID);
    /* Same key id, different key: the signature itself fails. */
    memcpy(opk.keyid, pk.keyid, AL_KEYID_LEN);
    assert_int_equal(
        al_verify(&opk, data, sizeof(data), sig.data, sig.len, comment, sizeof(comment)),
        AL_ESIGNATURE);
    /* Edit the trusted comment: the global signature fails. */
    tc = strstr(sig.data, "approved");
    assert_non_null(tc);
    tc[0] = 'A';
    assert_int_equal(
        al_verify(&pk, data, sizeof(data), sig.data, sig.len, comment, sizeof(comment)),
        AL_EGLOBALSIG);
    al_buf_close(&sig);
    al_seckey_free(sk);
    al_seckey_free(other);
}

static void
test_malformed_signature_files(void **state)
{
    char comment[AL_COMMENT_MAX + 1];
    struct al_seckey *sk = NULL;
    struct al_pubkey pk;
    struct al_buf sig;
    char *p;

    (void)state;
    assert_int_equal(al_key_generate(&sk, &pk), 0);
    assert_int_equal(al_verify(&pk, data, sizeof(data), "", 0, comment, sizeof(comment)),
                     AL_ESIGFORMAT);
    sign_data(sk, "c", &sig);
    /* A fifth line is refused. */
    assert_int_equal(al_buf_append(&sig, "extra\n", 6), 0);
    assert_int_equal(
        al_verify(&pk, data, sizeof(data), sig.data, sig.len, comment, sizeof(comment)),
        AL_ESIGFORMAT);
    sig.len -= 6;
    /* A corrupt base64 character. */
    p = strchr(sig.data, '\n') + 5;
    *p = '!';
    assert_int_equal(
        al_verify(&pk, data, sizeof(data), sig.data, sig.len, comment, sizeof(comment)),
        AL_ESIGFORMAT);
    al_buf_close(&sig);
    /* Comments must be one line. */
    al_buf_init(&sig, AL_SIGFILE_MAX);
    assert_int_equal(al_sign(sk, data, 1, "two\nlines", &sig), AL_EINVAL);
    al_buf_close(&sig);
    al_seckey_free(sk);
}

static void
test_pubkey_round_trip(void **state)
{
    struct al_seckey *sk = NULL;
    struct al_pubkey pk, back, derived;
    struct al_buf text;
    char hex[17];

    (void)state;
    assert_int_equal(al_key_generate(&sk, &pk), 0);
    al_buf_init(&text, AL_KEYFILE_MAX);
    assert_int_equal(al_pubkey_format(&pk, &text), 0);
    assert_non_null(strstr(text.data, "\nRW")); /* base64 of "Ed" */
    assert_int_equal(al_pubkey_parse(text.data, text.len, &back), 0);
    assert_memory_equal(&pk, &back, sizeof(pk));
    /* The bare key line alone parses too. */
    assert_int_equal(al_pubkey_parse(strchr(text.data, '\n') + 1,
                                     text.len - (size_t)(strchr(text.data, '\n') + 1 - text.data),
                                     &back),
                     0);
    al_seckey_public(sk, &derived);
    assert_memory_equal(&pk, &derived, sizeof(pk));
    al_keyid_hex(pk.keyid, hex);
    assert_non_null(strstr(text.data, hex));
    assert_int_equal(al_pubkey_parse("RWQ\n", 4, &back), AL_EKEY);
    assert_int_equal(al_pubkey_parse("", 0, &back), AL_EKEY);
    al_buf_close(&text);
    al_seckey_free(sk);
}

static void
test_seckey_unencrypted_round_trip(void **state)
{
    struct al_seckey *sk = NULL, *back = NULL;
    struct al_pubkey pk, pk2;
    struct al_buf text;
    int enc = -1;
    char *line;

    (void)state;
    assert_int_equal(al_key_generate(&sk, &pk), 0);
    al_buf_init(&text, AL_KEYFILE_MAX);
    assert_int_equal(al_seckey_format(sk, NULL, &text), 0);
    assert_int_equal(al_seckey_encrypted(text.data, text.len, &enc), 0);
    assert_int_equal(enc, 0);
    assert_int_equal(al_seckey_parse(text.data, text.len, NULL, &back), 0);
    al_seckey_public(back, &pk2);
    assert_memory_equal(&pk, &pk2, sizeof(pk));
    al_seckey_free(back);
    /* Corrupt one base64 character of the secret: the checksum catches it. */
    line = strchr(text.data, '\n') + 1;
    line[80] = line[80] == 'A' ? 'B' : 'A';
    back = NULL;
    assert_true(al_seckey_parse(text.data, text.len, NULL, &back) < 0);
    assert_null(back);
    al_buf_close(&text);
    al_seckey_free(sk);
}

/* One encryption round trip: scrypt at minisign's cost takes a few seconds. */
static void
test_seckey_encrypted_round_trip(void **state)
{
    struct al_seckey *sk = NULL, *back = NULL;
    struct al_pubkey pk, pk2;
    struct al_buf text;
    int enc = -1;

    (void)state;
    assert_int_equal(al_key_generate(&sk, &pk), 0);
    al_buf_init(&text, AL_KEYFILE_MAX);
    assert_int_equal(al_seckey_format(sk, "correct horse", &text), 0);
    assert_int_equal(al_seckey_encrypted(text.data, text.len, &enc), 0);
    assert_int_equal(enc, 1);
    assert_int_equal(al_seckey_parse(text.data, text.len, NULL, &back), AL_EPASSPHRASE);
    assert_int_equal(al_seckey_parse(text.data, text.len, "wrong horse", &back), AL_EPASSPHRASE);
    assert_null(back);
    assert_int_equal(al_seckey_parse(text.data, text.len, "correct horse", &back), 0);
    al_seckey_public(back, &pk2);
    assert_memory_equal(&pk, &pk2, sizeof(pk));
    al_seckey_free(back);
    al_buf_close(&text);
    al_seckey_free(sk);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_wrong_key_and_tampering),
        cmocka_unit_test(test_malformed_signature_files),
        cmocka_unit_test(test_pubkey_round_trip),
        cmocka_unit_test(test_seckey_unencrypted_round_trip),
        cmocka_unit_test(test_seckey_encrypted_round_trip),
    };
    return cmocka_run_group_tests(tests, ts_group_init, NULL);
}
