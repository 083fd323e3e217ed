/*
 * sign.h: keys and signatures in minisign's formats, so that stock minisign verifies what
 * airlock signs, and keys made by `minisign -G` work in airlock.
 *
 * Public key:  base64("Ed" || key id[8] || Ed25519 public key[32])
 * Secret key:  base64("Ed" || kdf "Sc"|"\0\0" || "B2" || salt[32] || opslimit[8] ||
 *              memlimit[8] || (key id[8] || Ed25519 secret key[64] || checksum[32]))
 *              where the last part is XORed with scrypt(passphrase) when kdf is "Sc".
 * Signature:   untrusted comment, base64("ED" || key id || Ed25519(BLAKE2b-512(file))),
 *              trusted comment, base64(Ed25519(signature || trusted comment)).
 * docs/formats/signature.md is the specification.
 */
#ifndef AIRLOCK_SIGN_H
#define AIRLOCK_SIGN_H

#include <stddef.h>

#include <airlock/buf.h>
#include <airlock/error.h>

#define AL_KEYID_LEN 8
#define AL_PK_LEN 32
#define AL_KEYFILE_MAX 4096
#define AL_SIGFILE_MAX 16384
#define AL_COMMENT_MAX 1024

struct al_pubkey {
    unsigned char keyid[AL_KEYID_LEN];
    unsigned char pk[AL_PK_LEN];
};

/* A secret key; lives in sodium_malloc memory (guard pages, wiped on free). */
struct al_seckey;

/* Generates a new key pair. */
int al_key_generate(struct al_seckey **sk, struct al_pubkey *pk) AL_WUR;

/* The public half of sk. */
void al_seckey_public(const struct al_seckey *sk, struct al_pubkey *pk);

void al_seckey_free(struct al_seckey *sk);

/* Parses a public key file (two lines) or a bare base64 key line. */
int al_pubkey_parse(const char *text, size_t len, struct al_pubkey *out) AL_WUR;
int al_pubkey_load(const char *path, struct al_pubkey *out) AL_WUR;
/* Appends the public key file text. */
int al_pubkey_format(const struct al_pubkey *pk, struct al_buf *out) AL_WUR;
/* The key id as minisign prints it: 16 uppercase hex digits. */
void al_keyid_hex(const unsigned char keyid[AL_KEYID_LEN], char out[17]);

/* Sets *encrypted to whether the secret key file text needs a passphrase. */
int al_seckey_encrypted(const char *text, size_t len, int *encrypted) AL_WUR;

/*
 * Parses a secret key file. passphrase is ignored for unencrypted keys and required for
 * encrypted ones; a wrong passphrase gives AL_EPASSPHRASE.
 */
int al_seckey_parse(const char *text, size_t len, const char *passphrase,
                    struct al_seckey **out) AL_WUR;

/* Appends the secret key file text; passphrase NULL writes the key unencrypted. */
int al_seckey_format(const struct al_seckey *sk, const char *passphrase, struct al_buf *out) AL_WUR;

/* Signs data (prehashed, BLAKE2b-512) with trusted_comment; appends the .minisig text. */
int al_sign(const struct al_seckey *sk, const char *data, size_t len, const char *trusted_comment,
            struct al_buf *out) AL_WUR;

/*
 * Verifies sig (the .minisig text) over data, in this order: format, algorithm, key id,
 * signature over the file's hash, global signature over the trusted comment. On success
 * copies the trusted comment (NUL-terminated) into comment[0..commentlen).
 */
int al_verify(const struct al_pubkey *pk, const char *data, size_t len, const char *sig,
              size_t siglen, char *comment, size_t commentlen) AL_WUR;

#endif
