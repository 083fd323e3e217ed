/*
 * libFuzzer target: signature files, public and secret key files, trusted comments.
 * The input is split at the first NUL: before it a signature file checked against a
 * fixed key, after it a key file. Unencrypted secret keys only: scrypt is too slow to
 * fuzz and its input is only a passphrase.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <airlock/airlock.h>
#include <airlock/plan.h>
#include <airlock/sign.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fixed public key; the fuzzer mostly finds its way through format checks. */
static const char pubkey[] = "untrusted comment: fuzz\n"
                             "RWQ0skFdumwO14/57QVNDrAUpwpcKeHOgZkHpVjsF1vtKQ9xU6Gs7Rqe\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data, *nul = memchr(s, '\0', size);
    size_t siglen = nul != NULL ? (size_t)(nul - s) : size;
    char comment[AL_COMMENT_MAX + 1];
    struct al_seckey *sk = NULL;
    struct al_approval ap;
    struct al_pubkey pk;
    int enc;

    if (al_init() != 0 || al_pubkey_parse(pubkey, sizeof(pubkey) - 1, &pk) != 0)
        __builtin_trap();
    int r;

    if (al_verify(&pk, "x", 1, s, siglen, comment, sizeof(comment)) == 0)
        r = al_plan_comment_parse(comment, &ap);
    /* The comment grammar on its own, from a NUL-terminated copy of the first part. */
    if (siglen < sizeof(comment)) {
        memcpy(comment, s, siglen);
        comment[siglen] = '\0';
        r = al_plan_comment_parse(comment, &ap);
    }
    if (nul == NULL)
        return 0;
    s = nul + 1;
    size -= siglen + 1;
    r = al_pubkey_parse(s, size, &pk);
    (void)r;
    if (al_seckey_encrypted(s, size, &enc) == 0 && !enc && al_seckey_parse(s, size, NULL, &sk) == 0)
        al_seckey_free(sk);
    return 0;
}
