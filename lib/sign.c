/* sign.c: minisign-format keys and signatures with libsodium (see sign.h). */
#include <airlock/sign.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include <airlock/utf8.h>

#define SIG_ALG "Ed" /* key algorithm, and the legacy (non-prehashed) signature one */
#define SIG_ALG_HASHED "ED"
#define KDF_SCRYPT "Sc"
#define CHK_ALG "B2"
#define UNTRUSTED "untrusted comment: "
#define TRUSTED "trusted comment: "
#define SK_LEN crypto_sign_SECRETKEYBYTES
#define CHK_LEN crypto_generichash_BYTES
#define SALT_LEN crypto_pwhash_scryptsalsa208sha256_SALTBYTES
/* A key file names its own scrypt cost; refuse costs that would take the machine hostage. */
#define MAX_OPSLIMIT (1ULL << 32)
#define MAX_MEMLIMIT (2ULL << 30)

struct al_seckey {
    unsigned char keyid[AL_KEYID_LEN];
    unsigned char sk[SK_LEN];
};

/* The secret key file's fields after base64, in order; packed so it maps the bytes. */
struct keyfile {
    unsigned char sig_alg[2];
    unsigned char kdf_alg[2];
    unsigned char chk_alg[2];
    unsigned char salt[SALT_LEN];
    unsigned char opslimit[8];
    unsigned char memlimit[8];
    unsigned char keyid[AL_KEYID_LEN]; /* from here to the end is encrypted under "Sc" */
    unsigned char sk[SK_LEN];
    unsigned char chk[CHK_LEN];
} __attribute__((packed));

#define ENCRYPTED_LEN (AL_KEYID_LEN + SK_LEN + CHK_LEN)

struct sigblob {
    unsigned char alg[2];
    unsigned char keyid[AL_KEYID_LEN];
    unsigned char sig[crypto_sign_BYTES];
} __attribute__((packed));

struct pkblob {
    unsigned char alg[2];
    unsigned char keyid[AL_KEYID_LEN];
    unsigned char pk[AL_PK_LEN];
} __attribute__((packed));

static uint64_t
le64_load(const unsigned char p[8])
{
    uint64_t v = 0;
    int i;

    for (i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void
le64_store(unsigned char p[8], uint64_t v)
{
    int i;

    for (i = 0; i < 8; i++, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

void
al_keyid_hex(const unsigned char keyid[AL_KEYID_LEN], char out[17])
{
    snprintf(out, 17, "%016llX", (unsigned long long)le64_load(keyid));
}

/* Splits text into at most max lines (without their \n or \r\n). Lines point into text. */
struct line {
    const char *p;
    size_t n;
};

static size_t
split_lines(const char *text, size_t len, struct line *lines, size_t max)
{
    size_t i = 0, start = 0, k = 0;

    /* Blank lines at the end are ignored, as minisign ignores them. */
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    while (i <= len && k < max + 1) {
        if (i == len || text[i] == '\n') {
            size_t n = i - start;

            if (i == len && n == 0)
                break;
            if (n > 0 && text[start + n - 1] == '\r')
                n--;
            if (k < max) {
                lines[k].p = text + start;
                lines[k].n = n;
            }
            k++;
            start = i + 1;
        }
        i++;
    }
    return k; /* may be max + 1: more lines than allowed */
}

/* Decodes exactly want bytes of standard base64 from one line. */
static int
b64_exact(const struct line *l, void *out, size_t want)
{
    const char *end = NULL;
    size_t got = 0;

    if (sodium_base642bin(out, want, l->p, l->n, NULL, &got, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != want || end != l->p + l->n)
        return -1;
    return 0;
}

static int
b64_append(struct al_buf *out, const void *bin, size_t n)
{
    char b64[256];

    if (sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL) > sizeof(b64))
        return AL_EINVAL;
    int r;

    sodium_bin2base64(b64, sizeof(b64), bin, n, sodium_base64_VARIANT_ORIGINAL);
    r = al_buf_printf(out, "%s\n", b64);
    sodium_memzero(b64, sizeof(b64)); /* it may have held a secret key */
    return r;
}

static int
prefixed(const struct line *l, const char *prefix)
{
    size_t n = strlen(prefix);

    return l->n >= n && memcmp(l->p, prefix, n) == 0;
}

int
al_key_generate(struct al_seckey **skp, struct al_pubkey *pk)
{
    struct al_seckey *sk;

    if ((sk = sodium_malloc(sizeof(*sk))) == NULL)
        return AL_ENOMEM;
    randombytes_buf(sk->keyid, sizeof(sk->keyid));
    crypto_sign_keypair(pk->pk, sk->sk);
    memcpy(pk->keyid, sk->keyid, sizeof(pk->keyid));
    *skp = sk;
    return 0;
}

void
al_seckey_public(const struct al_seckey *sk, struct al_pubkey *pk)
{
    memcpy(pk->keyid, sk->keyid, AL_KEYID_LEN);
    crypto_sign_ed25519_sk_to_pk(pk->pk, sk->sk);
}

void
al_seckey_free(struct al_seckey *sk)
{
    if (sk != NULL)
        sodium_free(sk); /* wipes before unmapping */
}

int
al_pubkey_parse(const char *text, size_t len, struct al_pubkey *out)
{
    struct line lines[3];
    struct pkblob blob;
    size_t n = split_lines(text, len, lines, 2), k = 0;

    al_errclear();
    if (n > 2 || n == 0)
        return al__fail(AL_EKEY, "a public key is one base64 line, after an optional comment");
    if (prefixed(&lines[0], UNTRUSTED))
        k = 1;
    if (k >= n || b64_exact(&lines[k], &blob, sizeof(blob)) != 0 || k + 1 != n)
        return al__fail(AL_EKEY, "public key line is not %zu bytes of base64", sizeof(blob));
    if (memcmp(blob.alg, SIG_ALG, 2) != 0)
        return al__fail(AL_EKEYALG, "public key algorithm is not Ed25519");
    memcpy(out->keyid, blob.keyid, AL_KEYID_LEN);
    memcpy(out->pk, blob.pk, AL_PK_LEN);
    return 0;
}

int
al_pubkey_load(const char *path, struct al_pubkey *out)
{
    struct al_buf b;
    int r;

    al_buf_init(&b, AL_KEYFILE_MAX);
    if ((r = al_buf_read_path(&b, path, 0)) == 0 &&
        (r = al_pubkey_parse(b.data ? b.data : "", b.len, out)) != 0)
        r = al__prefix(r, "%s", path);
    al_buf_close(&b);
    return r;
}

int
al_pubkey_format(const struct al_pubkey *pk, struct al_buf *out)
{
    struct pkblob blob;
    char hex[17];
    int r;

    memcpy(blob.alg, SIG_ALG, 2);
    memcpy(blob.keyid, pk->keyid, AL_KEYID_LEN);
    memcpy(blob.pk, pk->pk, AL_PK_LEN);
    al_keyid_hex(pk->keyid, hex);
    if ((r = al_buf_printf(out, UNTRUSTED "minisign public key %s\n", hex)) != 0)
        return r;
    return b64_append(out, &blob, sizeof(blob));
}

/* The checksum minisign keeps inside the (encrypted) key: BLAKE2b-256(alg || id || sk). */
static void
key_checksum(const struct keyfile *kf, unsigned char chk[CHK_LEN])
{
    crypto_generichash_state st;

    crypto_generichash_init(&st, NULL, 0, CHK_LEN);
    crypto_generichash_update(&st, kf->sig_alg, sizeof(kf->sig_alg));
    crypto_generichash_update(&st, kf->keyid, sizeof(kf->keyid));
    crypto_generichash_update(&st, kf->sk, sizeof(kf->sk));
    crypto_generichash_final(&st, chk, CHK_LEN);
}

/* XORs the key id, secret key and checksum with scrypt(passphrase, salt) in place. */
static int
key_crypt(struct keyfile *kf, const char *passphrase)
{
    unsigned char *stream, *p = kf->keyid;
    uint64_t ops = le64_load(kf->opslimit), mem = le64_load(kf->memlimit);
    size_t i;
    int r = 0;

    if (ops > MAX_OPSLIMIT || mem > MAX_MEMLIMIT)
        return al__fail(AL_EKEY, "key asks for scrypt cost beyond %llu ops, %llu bytes",
                        (unsigned long long)MAX_OPSLIMIT, (unsigned long long)MAX_MEMLIMIT);
    if ((stream = sodium_malloc(ENCRYPTED_LEN)) == NULL)
        return AL_ENOMEM;
    if (crypto_pwhash_scryptsalsa208sha256(stream, ENCRYPTED_LEN, passphrase, strlen(passphrase),
                                           kf->salt, ops, (size_t)mem) != 0) {
        r = al__fail(AL_ENOMEM, "scrypt could not run with the key's parameters");
        goto out;
    }
    for (i = 0; i < ENCRYPTED_LEN; i++)
        p[i] ^= stream[i];
out:
    sodium_free(stream);
    return r;
}

static int
decode_keyfile(const char *text, size_t len, struct keyfile *kf)
{
    struct line lines[3];
    size_t n = split_lines(text, len, lines, 2);

    if (n != 2 || !prefixed(&lines[0], UNTRUSTED) || b64_exact(&lines[1], kf, sizeof(*kf)) != 0)
        return al__fail(AL_EKEY,
                        "not a minisign secret key (comment line, then %zu bytes "
                        "of base64)",
                        sizeof(*kf));
    if (memcmp(kf->sig_alg, SIG_ALG, 2) != 0 || memcmp(kf->chk_alg, CHK_ALG, 2) != 0)
        return al__fail(AL_EKEYALG, "secret key algorithm is not Ed25519 with BLAKE2b");
    if (memcmp(kf->kdf_alg, KDF_SCRYPT, 2) != 0 && memcmp(kf->kdf_alg, "\0\0", 2) != 0)
        return al__fail(AL_EKEYALG, "secret key uses an unknown key derivation");
    return 0;
}

int
al_seckey_encrypted(const char *text, size_t len, int *encrypted)
{
    struct keyfile *kf;
    int r;

    if ((kf = sodium_malloc(sizeof(*kf))) == NULL)
        return AL_ENOMEM;
    if ((r = decode_keyfile(text, len, kf)) == 0)
        *encrypted = memcmp(kf->kdf_alg, KDF_SCRYPT, 2) == 0;
    sodium_free(kf);
    return r;
}

int
al_seckey_parse(const char *text, size_t len, const char *passphrase, struct al_seckey **out)
{
    static const unsigned char zero[CHK_LEN];
    unsigned char chk[CHK_LEN], pk[AL_PK_LEN], sk[SK_LEN];
    struct al_seckey *key = NULL;
    struct keyfile *kf;
    int r, encrypted;

    al_errclear();
    if ((kf = sodium_malloc(sizeof(*kf))) == NULL)
        return AL_ENOMEM;
    if ((r = decode_keyfile(text, len, kf)) != 0)
        goto out;
    encrypted = memcmp(kf->kdf_alg, KDF_SCRYPT, 2) == 0;
    if (encrypted && passphrase == NULL) {
        r = al__fail(AL_EPASSPHRASE, "the secret key is encrypted and no passphrase was given");
        goto out;
    }
    if (encrypted && (r = key_crypt(kf, passphrase)) != 0)
        goto out;
    key_checksum(kf, chk);
    /* minisign -W writes an all-zero checksum for unencrypted keys; accept that there only. */
    if (sodium_memcmp(chk, kf->chk, CHK_LEN) != 0 &&
        (encrypted || sodium_memcmp(zero, kf->chk, CHK_LEN) != 0)) {
        r = al__fail(AL_EPASSPHRASE, encrypted ? "wrong passphrase" : "key checksum mismatch");
        goto out;
    }
    /* The secret key carries its public half; a key whose halves disagree is corrupt. */
    crypto_sign_seed_keypair(pk, sk, kf->sk);
    r = sodium_memcmp(pk, kf->sk + crypto_sign_SEEDBYTES, AL_PK_LEN);
    sodium_memzero(sk, sizeof(sk));
    if (r != 0) {
        r = al__fail(AL_EKEY, "secret key's public half does not match its seed");
        goto out;
    }
    if ((key = sodium_malloc(sizeof(*key))) == NULL) {
        r = AL_ENOMEM;
        goto out;
    }
    memcpy(key->keyid, kf->keyid, AL_KEYID_LEN);
    memcpy(key->sk, kf->sk, SK_LEN);
    *out = key;
    /* success */ r = 0;
out:
    sodium_memzero(chk, sizeof(chk));
    sodium_free(kf);
    return r;
}

int
al_seckey_format(const struct al_seckey *sk, const char *passphrase, struct al_buf *out)
{
    struct keyfile *kf;
    int r;

    if ((kf = sodium_malloc(sizeof(*kf))) == NULL)
        return AL_ENOMEM;
    memset(kf, 0, sizeof(*kf));
    memcpy(kf->sig_alg, SIG_ALG, 2);
    memcpy(kf->chk_alg, CHK_ALG, 2);
    memcpy(kf->keyid, sk->keyid, AL_KEYID_LEN);
    memcpy(kf->sk, sk->sk, SK_LEN);
    key_checksum(kf, kf->chk);
    if (passphrase != NULL) {
        /* The same cost minisign uses, so keys move freely between the two tools. */
        memcpy(kf->kdf_alg, KDF_SCRYPT, 2);
        randombytes_buf(kf->salt, sizeof(kf->salt));
        le64_store(kf->opslimit, crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE);
        le64_store(kf->memlimit, crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE);
        if ((r = key_crypt(kf, passphrase)) != 0)
            goto out;
    }
    if ((r = al_buf_printf(out, UNTRUSTED "minisign %ssecret key\n",
                           passphrase != NULL ? "encrypted " : "")) != 0)
        goto out;
    r = b64_append(out, kf, sizeof(*kf));
out:
    sodium_free(kf);
    return r;
}

static int
comment_ok(const char *c)
{
    size_t n = strlen(c);

    return n <= AL_COMMENT_MAX && strpbrk(c, "\r\n") == NULL && al_utf8_validate(c, n, NULL) == 0;
}

int
al_sign(const struct al_seckey *sk, const char *data, size_t len, const char *trusted_comment,
        struct al_buf *out)
{
    unsigned char hash[crypto_generichash_BYTES_MAX], global[crypto_sign_BYTES];
    unsigned char msg[crypto_sign_BYTES + AL_COMMENT_MAX];
    size_t clen = strlen(trusted_comment);
    struct sigblob blob;
    int r;

    if (!comment_ok(trusted_comment))
        return al__fail(AL_EINVAL, "trusted comment must be one line of at most %d bytes",
                        AL_COMMENT_MAX);
    crypto_generichash(hash, sizeof(hash), (const unsigned char *)data, len, NULL, 0);
    memcpy(blob.alg, SIG_ALG_HASHED, 2);
    memcpy(blob.keyid, sk->keyid, AL_KEYID_LEN);
    crypto_sign_detached(blob.sig, NULL, hash, sizeof(hash), sk->sk);
    memcpy(msg, blob.sig, sizeof(blob.sig));
    memcpy(msg + sizeof(blob.sig), trusted_comment, clen);
    crypto_sign_detached(global, NULL, msg, sizeof(blob.sig) + clen, sk->sk);
    if ((r = al_buf_printf(out, UNTRUSTED "signature from airlock secret key\n")) != 0 ||
        (r = b64_append(out, &blob, sizeof(blob))) != 0 ||
        (r = al_buf_printf(out, TRUSTED "%s\n", trusted_comment)) != 0 ||
        (r = b64_append(out, global, sizeof(global))) != 0)
        return r;
    return 0;
}

int
al_verify(const struct al_pubkey *pk, const char *data, size_t len, const char *sig, size_t siglen,
          char *comment, size_t commentlen)
{
    unsigned char hash[crypto_generichash_BYTES_MAX], global[crypto_sign_BYTES];
    unsigned char msg[crypto_sign_BYTES + AL_COMMENT_MAX];
    struct line lines[5];
    struct sigblob blob;
    const char *tc;
    size_t n, tclen;

    al_errclear();
    if (siglen > AL_SIGFILE_MAX)
        return al__fail(AL_ESIGFORMAT, "signature file over %d bytes", AL_SIGFILE_MAX);
    n = split_lines(sig, siglen, lines, 4);
    if (n != 4 || !prefixed(&lines[0], UNTRUSTED) || !prefixed(&lines[2], TRUSTED))
        return al__fail(AL_ESIGFORMAT, "expected 4 lines: untrusted comment, signature, "
                                       "trusted comment, global signature");
    if (b64_exact(&lines[1], &blob, sizeof(blob)) != 0)
        return al__fail(AL_ESIGFORMAT, "signature line is not %zu bytes of base64", sizeof(blob));
    if (b64_exact(&lines[3], global, sizeof(global)) != 0)
        return al__fail(AL_ESIGFORMAT, "global signature line is not %zu bytes of base64",
                        sizeof(global));
    tc = lines[2].p + strlen(TRUSTED);
    tclen = lines[2].n - strlen(TRUSTED);
    if (tclen > AL_COMMENT_MAX || tclen >= commentlen)
        return al__fail(AL_ESIGFORMAT, "trusted comment over %d bytes", AL_COMMENT_MAX);
    if (memchr(tc, '\0', tclen) != NULL || al_utf8_validate(tc, tclen, NULL) != 0)
        return al__fail(AL_ESIGFORMAT, "trusted comment is not valid text");
    if (memcmp(blob.alg, SIG_ALG_HASHED, 2) != 0)
        return al__fail(AL_EKEYALG, memcmp(blob.alg, SIG_ALG, 2) == 0
                                        ? "legacy non-prehashed signature (sign with minisign "
                                          "0.8 or later, without -l)"
                                        : "unknown signature algorithm");
    if (sodium_memcmp(blob.keyid, pk->keyid, AL_KEYID_LEN) != 0) {
        char want[17], got[17];

        al_keyid_hex(pk->keyid, want);
        al_keyid_hex(blob.keyid, got);
        return al__fail(AL_EKEYID, "signed by key %s, expected key %s", got, want);
    }
    crypto_generichash(hash, sizeof(hash), (const unsigned char *)data, len, NULL, 0);
    if (crypto_sign_verify_detached(blob.sig, hash, sizeof(hash), pk->pk) != 0)
        return al__fail(AL_ESIGNATURE, "the file was changed after signing, or the signature "
                                       "is corrupt");
    memcpy(msg, blob.sig, sizeof(blob.sig));
    memcpy(msg + sizeof(blob.sig), tc, tclen);
    if (crypto_sign_verify_detached(global, msg, sizeof(blob.sig) + tclen, pk->pk) != 0)
        return al__fail(AL_EGLOBALSIG, "the trusted comment was changed after signing");
    memcpy(comment, tc, tclen);
    comment[tclen] = '\0';
    return 0;
}
