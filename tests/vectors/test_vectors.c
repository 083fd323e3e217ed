/*
 * test_vectors.c: the golden and hostile plan vectors under tests/vectors/.
 *
 *   test_vectors golden        every golden plan reads, verifies and re-packs to its bytes
 *   test_vectors keys          the golden key files (one is scrypt-encrypted: slow)
 *   test_vectors index         expected.tsv and the files in hostile/ agree
 *   test_vectors hostile FILE  the row of hostile/expected.tsv for FILE fails as it says
 *   test_vectors control       the control protocol's codec on control/hostile/ (framing,
 *                              in several chunkings) and on every line airlockd wrote in
 *                              control/golden/ and the .out files of control/hostile/
 *
 * CTest runs each hostile row as its own test (vectors.hostile.<stem>). Every run also
 * checks a golden plan, so a reader that refused everything could not pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <airlock/airlock.h>
#include <airlock/artifact.h>
#include <airlock/ctl.h>
#include <airlock/plan.h>
#include <airlock/sign.h>
#include <airlock/timefmt.h>

#include "support.h"

/* Large enough for every vector, including the 6.5 MB count bomb, so that the library's
 * own limits (not the test's) decide. */
#define VECTOR_MAX (16 * 1024 * 1024)
#define TSV_MAX (1024 * 1024)
#define MAX_FIELDS 80

/* One tab-separated line split in place. */
struct row {
    char *f[MAX_FIELDS];
    size_t n;
};

/* A TSV file read whole; rows point into text. Comment and empty lines are skipped. */
struct tsv {
    struct al_buf text;
    struct row *rows;
    size_t n;
};

static void
tsv_load(const char *rel, struct tsv *t)
{
    char *p, *line, *nl;
    size_t cap = 0;

    memset(t, 0, sizeof(*t));
    ts_read_vector(rel, TSV_MAX, &t->text);
    assert_non_null(t->text.data);
    for (p = t->text.data; *p != '\0'; p = nl + 1) {
        struct row *r;
        char *tab;

        line = p;
        nl = strchr(p, '\n');
        assert_non_null(nl); /* every line ends with a newline */
        *nl = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (t->n == cap) {
            cap = cap ? cap * 2 : 64;
            t->rows = realloc(t->rows, cap * sizeof(*t->rows));
            assert_non_null(t->rows);
        }
        r = &t->rows[t->n++];
        r->n = 0;
        for (;;) {
            assert_true(r->n < MAX_FIELDS);
            r->f[r->n++] = line;
            if ((tab = strchr(line, '\t')) == NULL)
                break;
            *tab = '\0';
            line = tab + 1;
        }
    }
}

static void
tsv_free(struct tsv *t)
{
    al_buf_close(&t->text);
    free(t->rows);
}

/* Reads a file under the vectors directory; data is never NULL afterwards. */
static void
read_vector(const char *rel, size_t max, struct al_buf *b)
{
    ts_read_vector(rel, max, b);
    if (b->data == NULL) {
        assert_int_equal(al_buf_append(b, "", 1), 0);
        b->len = 0;
    }
}

static void
load_pubkey(const char *rel, struct al_pubkey *pk)
{
    char path[4096];
    int r;

    ts_vector_path(rel, path, sizeof(path));
    r = al_pubkey_load(path, pk);
    if (r != 0)
        fail_msg("%s: %s [%s] %s", rel, al_strerror(r), al_errname(r), al_errdetail());
}

static struct al_seckey *
load_seckey(const char *rel, const char *passphrase)
{
    struct al_seckey *sk = NULL;
    struct al_buf b;
    int r;

    read_vector(rel, AL_KEYFILE_MAX, &b);
    r = al_seckey_parse(b.data, b.len, passphrase, &sk);
    al_buf_close(&b);
    if (r != 0)
        fail_msg("%s: %s [%s] %s", rel, al_strerror(r), al_errname(r), al_errdetail());
    return sk;
}

/* Fails the test unless r is the error named want, reporting what came instead. */
static void
expect_error(const char *what, int r, const char *want)
{
    const char *d;
    size_t n;

    if (r == 0)
        fail_msg("%s: accepted, expected %s", what, want);
    if (strcmp(al_errname(r), want) != 0)
        fail_msg("%s: got %s (%s: %s), expected %s", what, al_errname(r), al_strerror(r),
                 al_errdetail(), want);
    /* A rejection names what was wrong, not only which rule, and the reason survives
     * any prefix added on the way up (a detail ending in ':' lost it). */
    d = al_errdetail();
    n = strlen(d);
    while (n > 0 && d[n - 1] == ' ')
        n--;
    if (n == 0 || d[n - 1] == ':')
        fail_msg("%s: %s with an empty or cut-off detail \"%s\"", what, want, d);
}

/* Reads and verifies golden/<plan>.airlock with its signature; returns the artifact. */
static struct al_artifact *
golden_plan(const char *plan, const char *sigsuffix, const char *pubkey, struct al_buf *bytes)
{
    struct al_plan_limits lim;
    struct al_artifact *art = NULL, *art2 = NULL;
    struct al_approval ap;
    struct al_pubkey pk;
    struct al_buf sig;
    char rel[512];
    int r;

    al_plan_limits_default(&lim);
    snprintf(rel, sizeof(rel), "golden/%s.airlock", plan);
    read_vector(rel, al_artifact_max_bytes(&lim), bytes);
    if ((r = al_artifact_read(bytes->data, bytes->len, &lim, &art)) != 0)
        fail_msg("%s: %s [%s] %s", rel, al_strerror(r), al_errname(r), al_errdetail());
    snprintf(rel, sizeof(rel), "golden/%s.airlock%s", plan, sigsuffix);
    read_vector(rel, AL_SIGFILE_MAX, &sig);
    load_pubkey(pubkey, &pk);
    memset(&ap, 0, sizeof(ap));
    if ((r = al_plan_verify(&pk, bytes->data, bytes->len, sig.data, sig.len, &lim, &art2, &ap)) !=
        0)
        fail_msg("%s: %s [%s] %s", rel, al_strerror(r), al_errname(r), al_errdetail());
    assert_string_equal(ap.id, al_artifact_manifest(art)->id);
    assert_int_equal(ap.from, al_artifact_manifest(art)->from);
    assert_int_equal(ap.to, al_artifact_manifest(art)->to);
    assert_string_equal(al_artifact_manifest(art2)->id, al_artifact_manifest(art)->id);
    al_artifact_free(art2);
    al_buf_close(&sig);
    return art;
}

/* The positive control in every run: the reference plan reads and verifies. */
static void
test_control(void **state)
{
    struct al_artifact *art;
    struct al_buf bytes;

    (void)state;
    art = golden_plan("offline-online", ".minisig", "golden/test.pub", &bytes);
    assert_int_equal(al_artifact_manifest(art)->n_entries, 2);
    al_artifact_free(art);
    al_buf_close(&bytes);
}

/* Checks one row of golden/plans.tsv: contents, signature, and re-packing. */
static void
check_golden(const struct row *row)
{
    const char *plan = row->f[0];
    const struct al_manifest *m;
    struct al_plan_file *files = NULL;
    struct al_buf bytes, task, *src = NULL, packed;
    struct al_plan_limits lim;
    struct al_plan_meta meta;
    struct al_artifact *art;
    struct al_pubkey other;
    struct al_buf sig;
    size_t nfiles = row->n - 6, i, k;
    char rel[1024];
    int r;

    assert_true(row->n >= 6);
    al_plan_limits_default(&lim);
    art = golden_plan(plan, ".minisig", "golden/test.pub", &bytes);
    m = al_artifact_manifest(art);

    /* The manifest holds exactly the values the plan was packed with. */
    memset(&meta, 0, sizeof(meta));
    meta.id = row->f[3];
    meta.session = row->f[5];
    assert_int_equal(al_side_parse(row->f[1], &meta.from), 0);
    assert_int_equal(al_side_parse(row->f[2], &meta.to), 0);
    assert_int_equal(al_time_parse(row->f[4], &meta.created), 0);
    snprintf(rel, sizeof(rel), "golden/src/%s.task", plan);
    read_vector(rel, AL_TASK_MAX + 1, &task);
    meta.task = task.data;
    assert_string_equal(m->id, meta.id);
    assert_int_equal(m->from, meta.from);
    assert_int_equal(m->to, meta.to);
    assert_string_equal(m->session, meta.session);
    assert_int_equal((long long)m->created, (long long)meta.created);
    assert_string_equal(m->task, meta.task);
    assert_int_equal(m->n_entries, nfiles);

    /* Every source file is in the plan, byte for byte, under its path. */
    if (nfiles > 0) {
        files = calloc(nfiles, sizeof(*files));
        src = calloc(nfiles, sizeof(*src));
        assert_non_null(files);
        assert_non_null(src);
    }
    for (i = 0; i < nfiles; i++) {
        const char *data;
        size_t len;

        snprintf(rel, sizeof(rel), "golden/src/%s/%s", plan, row->f[6 + i]);
        read_vector(rel, lim.max_member, &src[i]);
        files[i].path = row->f[6 + i];
        files[i].data = src[i].data;
        files[i].len = src[i].len;
        for (k = 0; k < m->n_entries; k++)
            if (strcmp(m->entries[k].path, files[i].path) == 0)
                break;
        if (k == m->n_entries)
            fail_msg("%s: %s is not in the plan", plan, files[i].path);
        assert_string_equal(m->entries[k].media_type, al_media_type_for(files[i].path));
        al_artifact_member(art, k, &data, &len);
        if (m->entries[k].size != src[i].len || len != src[i].len ||
            memcmp(data, src[i].data, len) != 0)
            fail_msg("%s: %s in the plan differs from golden/src (%zu bytes, source %zu)", plan,
                     files[i].path, len, src[i].len);
    }
    for (k = 1; k < m->n_entries; k++)
        assert_true(strcmp(m->entries[k - 1].path, m->entries[k].path) < 0);

    /* Packing the same inputs again gives the committed bytes: the format is stable. */
    al_buf_init(&packed, al_artifact_max_bytes(&lim));
    if ((r = al_artifact_pack(&meta, files, nfiles, &lim, &packed)) != 0)
        fail_msg("%s: pack: %s [%s] %s", plan, al_strerror(r), al_errname(r), al_errdetail());
    if (packed.len != bytes.len || memcmp(packed.data, bytes.data, bytes.len) != 0)
        fail_msg("%s: re-packing gives different bytes (%zu, committed %zu)", plan, packed.len,
                 bytes.len);

    /* The same approval does not verify under another key. */
    snprintf(rel, sizeof(rel), "golden/%s.airlock.minisig", plan);
    read_vector(rel, AL_SIGFILE_MAX, &sig);
    load_pubkey("golden/other.pub", &other);
    expect_error(plan,
                 al_plan_verify(&other, bytes.data, bytes.len, sig.data, sig.len, &lim, NULL, NULL),
                 "EKEYID");

    al_buf_close(&sig);
    al_buf_close(&packed);
    for (i = 0; i < nfiles; i++)
        al_buf_close(&src[i]);
    free(src);
    free(files);
    al_buf_close(&task);
    al_buf_close(&bytes);
    al_artifact_free(art);
}

static void
test_golden_plans(void **state)
{
    char dir[4096];
    struct dirent *d;
    struct tsv t;
    size_t i;
    DIR *dp;

    (void)state;
    tsv_load("golden/plans.tsv", &t);
    assert_true(t.n >= 5);
    for (i = 0; i < t.n; i++)
        check_golden(&t.rows[i]);

    /* No plan in golden/ escapes these checks by missing from plans.tsv. */
    ts_vector_path("golden", dir, sizeof(dir));
    assert_non_null(dp = opendir(dir));
    while ((d = readdir(dp)) != NULL) {
        size_t n = strlen(d->d_name);
        int found = 0;

        if (n <= 8 || strcmp(d->d_name + n - 8, ".airlock") != 0)
            continue;
        for (i = 0; i < t.n && !found; i++)
            found =
                strlen(t.rows[i].f[0]) == n - 8 && strncmp(t.rows[i].f[0], d->d_name, n - 8) == 0;
        if (!found)
            fail_msg("golden/%s is not listed in golden/plans.tsv", d->d_name);
    }
    closedir(dp);
    tsv_free(&t);
}

/* Stock minisign, with its own encrypted key, approved offline-online.airlock. */
static void
test_golden_by_minisign(void **state)
{
    struct al_artifact *art;
    struct al_buf bytes;

    (void)state;
    art = golden_plan("offline-online", ".by-minisign.minisig", "golden/minisign.pub", &bytes);
    al_artifact_free(art);
    al_buf_close(&bytes);
}

/* Signing a golden plan again with test.key verifies (the signing path, not only files). */
static void
test_golden_resign(void **state)
{
    struct al_plan_limits lim;
    struct al_seckey *sk;
    struct al_pubkey pk;
    struct al_buf bytes, sig;
    struct al_approval ap;

    (void)state;
    al_plan_limits_default(&lim);
    read_vector("golden/unicode.airlock", al_artifact_max_bytes(&lim), &bytes);
    sk = load_seckey("golden/test.key", NULL);
    load_pubkey("golden/test.pub", &pk);
    al_buf_init(&sig, AL_SIGFILE_MAX);
    assert_int_equal(al_plan_sign(sk, bytes.data, bytes.len, &lim, 1769936400, &sig), 0);
    assert_int_equal(al_plan_verify(&pk, bytes.data, bytes.len, sig.data, sig.len, &lim, NULL, &ap),
                     0);
    assert_int_equal((long long)ap.approved, 1769936400LL);
    al_buf_close(&sig);
    al_buf_close(&bytes);
    al_seckey_free(sk);
}

static void
check_keypair(const char *seckey, const char *passphrase, const char *pubkey)
{
    struct al_pubkey want, got;
    struct al_seckey *sk;

    sk = load_seckey(seckey, passphrase);
    load_pubkey(pubkey, &want);
    al_seckey_public(sk, &got);
    assert_memory_equal(got.keyid, want.keyid, AL_KEYID_LEN);
    assert_memory_equal(got.pk, want.pk, AL_PK_LEN);
    al_seckey_free(sk);
}

static int
key_encrypted(const char *rel)
{
    struct al_buf b;
    int enc = -1;

    read_vector(rel, AL_KEYFILE_MAX, &b);
    assert_int_equal(al_seckey_encrypted(b.data, b.len, &enc), 0);
    al_buf_close(&b);
    return enc;
}

static void
test_keys(void **state)
{
    struct al_pubkey a, b;
    struct al_seckey *sk = NULL;
    struct al_buf text;

    (void)state;
    assert_int_equal(key_encrypted("golden/test.key"), 0);
    assert_int_equal(key_encrypted("golden/other.key"), 0);
    assert_int_equal(key_encrypted("golden/minisign.key"), 1);
    check_keypair("golden/test.key", NULL, "golden/test.pub");
    check_keypair("golden/other.key", NULL, "golden/other.pub");
    load_pubkey("golden/test.pub", &a);
    load_pubkey("golden/other.pub", &b);
    assert_memory_not_equal(a.keyid, b.keyid, AL_KEYID_LEN);

    /* minisign -G's key: scrypt with minisign's (large) cost, so this takes seconds. */
    check_keypair("golden/minisign.key", "airlock-test", "golden/minisign.pub");
    read_vector("golden/minisign.key", AL_KEYFILE_MAX, &text);
    expect_error("minisign.key, wrong passphrase",
                 al_seckey_parse(text.data, text.len, "airlock-tesT", &sk), "EPASSPHRASE");
    expect_error("minisign.key, no passphrase", al_seckey_parse(text.data, text.len, NULL, &sk),
                 "EPASSPHRASE");
    assert_null(sk);
    al_buf_close(&text);
}

/* The one hostile row under test (argv), found in expected.tsv, and what the test holds
 * (freed by the teardown, so a failing assertion leaks nothing). */
static struct {
    struct tsv tsv;
    const struct row *row;
    struct al_buf data, sig;
    struct al_seckey *sk;
} hostile;

static int
hostile_teardown(void **state)
{
    (void)state;
    al_buf_close(&hostile.data);
    al_buf_close(&hostile.sig);
    al_seckey_free(hostile.sk);
    hostile.sk = NULL;
    return 0;
}

static void
test_hostile(void **state)
{
    const struct row *row = hostile.row;
    const char *file = row->f[0], *want = row->f[1], *check = row->f[2], *sigfile = row->f[3];
    struct al_artifact *art = (struct al_artifact *)(uintptr_t)0x1;
    struct al_buf *data = &hostile.data, *sig = &hostile.sig;
    struct al_plan_limits lim;
    struct al_approval ap, before;
    struct al_pubkey pk;
    char rel[1024];

    (void)state;
    al_plan_limits_default(&lim);
    snprintf(rel, sizeof(rel), "hostile/%s", file);
    read_vector(rel, VECTOR_MAX, data);
    if (strcmp(check, "read") == 0) {
        al_errclear();
        expect_error(file, al_artifact_read(data->data, data->len, &lim, &art), want);
        assert_ptr_equal(art, (struct al_artifact *)(uintptr_t)0x1); /* untouched on failure */

        /* Only a plan the reader accepts is ever signed. */
        hostile.sk = load_seckey("golden/test.key", NULL);
        al_buf_init(sig, AL_SIGFILE_MAX);
        al_errclear();
        expect_error("sign", al_plan_sign(hostile.sk, data->data, data->len, &lim, 1769936400, sig),
                     want);
        assert_int_equal(sig->len, 0);
    } else if (strcmp(check, "verify") == 0) {
        snprintf(rel, sizeof(rel), "hostile/%s", sigfile);
        read_vector(rel, VECTOR_MAX, sig);
        load_pubkey("golden/test.pub", &pk);
        memset(&ap, 0x5a, sizeof(ap));
        before = ap;
        al_errclear();
        expect_error(
            file, al_plan_verify(&pk, data->data, data->len, sig->data, sig->len, &lim, &art, &ap),
            want);
        assert_ptr_equal(art, (struct al_artifact *)(uintptr_t)0x1);
        assert_memory_equal(&ap, &before, sizeof(ap));
    } else {
        fail_msg("%s: unknown check \"%s\"", file, check);
    }
}

/* True if name is the al_errname of one of airlock's codes. */
static int
known_errname(const char *name)
{
    int code;

    for (code = AL__ERRFIRST + 1; code < AL__ERRLAST; code++)
        if (strcmp(al_errname(code), name) == 0)
            return 1;
    return 0;
}

/* expected.tsv and hostile/ agree: every row well-formed, every file a row's. */
static void
test_index(void **state)
{
    char dir[4096], rel[1024];
    struct dirent *d;
    struct tsv t;
    size_t i, nfiles = 0;
    DIR *dp;

    (void)state;
    tsv_load("hostile/expected.tsv", &t);
    assert_true(t.n >= 40);
    for (i = 0; i < t.n; i++) {
        const struct row *r = &t.rows[i];
        struct al_buf b;
        size_t k;

        if (r->n != 5)
            fail_msg("expected.tsv row %zu has %zu fields, not 5", i + 1, r->n);
        if (!known_errname(r->f[1]))
            fail_msg("%s: %s is not an airlock error name", r->f[0], r->f[1]);
        if (strcmp(r->f[2], "read") == 0)
            assert_string_equal(r->f[3], "-");
        else if (strcmp(r->f[2], "verify") != 0)
            fail_msg("%s: check must be read or verify", r->f[0]);
        assert_true(strlen(r->f[0]) > 8 && strcmp(r->f[0] + strlen(r->f[0]) - 8, ".airlock") == 0);
        assert_true(strlen(r->f[4]) > 0);
        for (k = 0; k < i; k++)
            if (strcmp(t.rows[k].f[0], r->f[0]) == 0)
                fail_msg("%s appears twice in expected.tsv", r->f[0]);
        snprintf(rel, sizeof(rel), "hostile/%s", r->f[0]);
        read_vector(rel, VECTOR_MAX, &b);
        al_buf_close(&b);
    }
    ts_vector_path("hostile", dir, sizeof(dir));
    dp = opendir(dir);
    assert_non_null(dp);
    while ((d = readdir(dp)) != NULL) {
        const char *n = d->d_name;
        int found = 0;

        if (n[0] == '.' || strcmp(n, "expected.tsv") == 0 || strcmp(n, "README.md") == 0)
            continue;
        nfiles++;
        for (i = 0; i < t.n && !found; i++)
            found = strcmp(t.rows[i].f[0], n) == 0 || strcmp(t.rows[i].f[3], n) == 0;
        if (!found)
            fail_msg("hostile/%s is not named in expected.tsv", n);
    }
    closedir(dp);
    assert_true(nfiles >= t.n);
    tsv_free(&t);
}

/* ---- the control protocol's codec (control/) ---- */

/* Chunk sizes the codec tests feed a vector in: whole, the daemon's read size, and small
 * odd ones that split lines, escapes and UTF-8 sequences. One byte at a time is used for
 * vectors up to CTL_BYTEWISE_MAX only, to keep the sanitizer build quick. */
static const size_t ctl_chunks[] = {SIZE_MAX, 65536, 4096, 7, 2, 1};
#define CTL_BYTEWISE_MAX (64 * 1024)

/* msg, emitted, reads back through a fresh reader and emits to the same bytes. */
static void
ctl_round_trip(const cJSON *msg, const char *what)
{
    struct al_ctl_reader rd;
    struct al_buf one, two;
    cJSON *again = NULL;
    int r;

    al_buf_init(&one, AL_CTL_REPLY_MAX);
    al_buf_init(&two, AL_CTL_REPLY_MAX);
    al_ctl_reader_init(&rd, AL_CTL_REPLY_MAX);
    assert_int_equal(al_ctl_emit(msg, &one), 0);
    assert_true(one.len > 0 && one.data[one.len - 1] == '\n');
    assert_null(memchr(one.data, '\n', one.len - 1));
    assert_int_equal(al_ctl_feed(&rd, one.data, one.len), 0);
    if ((r = al_ctl_next(&rd, &again)) != 1)
        fail_msg("%s: the emitted line does not read back (%d %s: %s): %.200s", what, r,
                 al_errname(r), al_errdetail(), one.data);
    assert_int_equal(al_ctl_emit(again, &two), 0);
    if (two.len != one.len || memcmp(two.data, one.data, one.len) != 0)
        fail_msg("%s: emit, read, emit is not stable: %.200s", what, one.data);
    assert_int_equal(al_ctl_pending(&rd), 0);
    cJSON_Delete(again);
    al_ctl_reader_close(&rd);
    al_buf_close(&one);
    al_buf_close(&two);
}

/* Feeds data in pieces of chunk bytes, taking every complete line after each piece; the
 * verdicts ("ok" or the error name, one per line taken) go to out, comma-separated. A
 * feed refused for length breaks the reader for good: what was framed before is still
 * taken, then every call says ETOOBIG. */
static void
ctl_verdicts(const char *what, const char *data, size_t len, size_t chunk, struct al_buf *out)
{
    struct al_ctl_reader rd;
    size_t at = 0, n;
    cJSON *msg;
    int r = 0, fed = 0;

    al_ctl_reader_init(&rd, AL_CTL_REQUEST_MAX);
    while (fed == 0 && at < len) {
        n = len - at < chunk ? len - at : chunk;
        fed = al_ctl_feed(&rd, data + at, n);
        at += n;
        if (fed != 0 && fed != AL_ETOOBIG)
            fail_msg("%s: feed failed with %s", what, al_errname(fed));
        for (;;) {
            msg = NULL;
            if ((r = al_ctl_next(&rd, &msg)) == 0)
                break;
            assert_int_equal(
                al_buf_printf(out, "%s%s", out->len > 0 ? "," : "", r == 1 ? "ok" : al_errname(r)),
                0);
            if (r == 1) {
                ctl_round_trip(msg, what);
                cJSON_Delete(msg);
                continue;
            }
            assert_null(msg);
            if (al_errdetail()[0] == '\0')
                fail_msg("%s: %s without a detail", what, al_errname(r));
            if (r == AL_ETOOBIG)
                break;
        }
        if (r == AL_ETOOBIG) {
            /* Broken for good: feeding and taking both keep failing. */
            assert_true(rd.broken);
            assert_int_equal(al_ctl_feed(&rd, "{}\n", 3), AL_ETOOBIG);
            assert_int_equal(al_ctl_next(&rd, &msg), AL_ETOOBIG);
            break;
        }
    }
    /* Every vector's last line is complete, or the reader broke on it. */
    if (!rd.broken)
        assert_int_equal(al_ctl_pending(&rd), 0);
    al_ctl_reader_close(&rd);
}

static void
test_control_codec(void **state)
{
    struct al_buf data, got;
    char rel[1024], what[1200];
    size_t i, k, failures = 0;
    struct tsv t;

    (void)state;
    tsv_load("control/hostile/expected.tsv", &t);
    assert_true(t.n >= 30);
    for (i = 0; i < t.n; i++) {
        const struct row *row = &t.rows[i];

        if (row->n != 5)
            fail_msg("control/hostile/expected.tsv row %zu has %zu fields, not 5", i + 1, row->n);
        snprintf(rel, sizeof(rel), "control/hostile/%s.in", row->f[0]);
        read_vector(rel, VECTOR_MAX, &data);
        for (k = 0; k < sizeof(ctl_chunks) / sizeof(ctl_chunks[0]); k++) {
            if (ctl_chunks[k] == 1 && data.len > CTL_BYTEWISE_MAX)
                continue;
            snprintf(what, sizeof(what), "%s (chunks of %zu)", row->f[0],
                     ctl_chunks[k] == SIZE_MAX ? data.len : ctl_chunks[k]);
            al_buf_init(&got, 4096);
            ctl_verdicts(what, data.data, data.len, ctl_chunks[k], &got);
            if (got.len == 0 || strcmp(got.data, row->f[1]) != 0) {
                print_message("%s: the codec says %s, expected.tsv %s\n", what,
                              got.len ? got.data : "(nothing)", row->f[1]);
                failures++;
            }
            al_buf_close(&got);
        }
        al_buf_close(&data);
    }
    tsv_free(&t);
    assert_int_equal(failures, 0);
}

/* Every line airlockd wrote into the vectors (normalised, so with placeholders) is one
 * message the codec reads and emits back byte for byte: the daemon's replies are exactly
 * al_ctl_emit's spelling. In a transcript they are the "X< " lines (X the connection);
 * in a .out file every line but EOF. */
static void
ctl_check_lines(const char *rel, int transcript)
{
    struct al_ctl_reader rd;
    struct al_buf text, out;
    size_t n = 0, len;
    char *p, *nl;
    cJSON *msg;

    read_vector(rel, VECTOR_MAX, &text);
    for (p = text.data; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        if (transcript) {
            if (nl - p < 3 || p[0] < 'A' || p[0] > 'Z' || p[1] != '<' || p[2] != ' ' ||
                strncmp(p + 3, "EOF\n", 4) == 0)
                continue;
            p += 3;
        } else if (strncmp(p, "EOF\n", 4) == 0) {
            continue;
        }
        len = (size_t)(nl - p) + 1;
        al_ctl_reader_init(&rd, AL_CTL_REPLY_MAX);
        al_buf_init(&out, AL_CTL_REPLY_MAX);
        msg = NULL;
        assert_int_equal(al_ctl_feed(&rd, p, len), 0);
        if (al_ctl_next(&rd, &msg) != 1)
            fail_msg("%s: a line the codec does not read: %.200s", rel, p);
        assert_int_equal(al_ctl_emit(msg, &out), 0);
        if (out.len != len || memcmp(out.data, p, len) != 0)
            fail_msg("%s: emitted differently:\n  %.300s\n  %.300s", rel, p, out.data);
        cJSON_Delete(msg);
        al_buf_close(&out);
        al_ctl_reader_close(&rd);
        n++;
    }
    if (n == 0)
        fail_msg("%s: no line from airlockd in it", rel);
    al_buf_close(&text);
}

/* Calls ctl_check_lines on every file in dir whose name ends in suffix. */
static void
ctl_check_dir(const char *dir, const char *suffix, int transcript)
{
    char path[4096], rel[1024];
    size_t n, sl = strlen(suffix), files = 0;
    struct dirent *d;
    DIR *dp;

    ts_vector_path(dir, path, sizeof(path));
    assert_non_null(dp = opendir(path));
    while ((d = readdir(dp)) != NULL) {
        n = strlen(d->d_name);
        if (n <= sl || strcmp(d->d_name + n - sl, suffix) != 0)
            continue;
        snprintf(rel, sizeof(rel), "%s/%s", dir, d->d_name);
        ctl_check_lines(rel, transcript);
        files++;
    }
    closedir(dp);
    assert_true(files > 0);
}

static void
test_control_lines(void **state)
{
    (void)state;
    ctl_check_dir("control/golden", ".txt", 1);
    ctl_check_dir("control/hostile", ".out", 0);
}

static int
usage(void)
{
    fprintf(stderr, "usage: test_vectors golden|keys|index|control|hostile FILE\n");
    return 2;
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest golden[] = {
        cmocka_unit_test(test_control),
        cmocka_unit_test(test_golden_plans),
        cmocka_unit_test(test_golden_by_minisign),
        cmocka_unit_test(test_golden_resign),
    };
    const struct CMUnitTest keys[] = {
        cmocka_unit_test(test_control),
        cmocka_unit_test(test_keys),
    };
    const struct CMUnitTest idx[] = {
        cmocka_unit_test(test_control),
        cmocka_unit_test(test_index),
    };
    const struct CMUnitTest control[] = {
        cmocka_unit_test(test_control_codec),
        cmocka_unit_test(test_control_lines),
    };
    const struct CMUnitTest one[] = {
        cmocka_unit_test(test_control),
        cmocka_unit_test_teardown(test_hostile, hostile_teardown),
    };
    size_t i;
    int r;

    if (al_init() != 0)
        return 1;
    if (argc == 2 && strcmp(argv[1], "golden") == 0)
        return cmocka_run_group_tests_name("vectors.golden", golden, NULL, NULL);
    if (argc == 2 && strcmp(argv[1], "keys") == 0)
        return cmocka_run_group_tests_name("vectors.golden.keys", keys, NULL, NULL);
    if (argc == 2 && strcmp(argv[1], "index") == 0)
        return cmocka_run_group_tests_name("vectors.hostile.index", idx, NULL, NULL);
    if (argc == 2 && strcmp(argv[1], "control") == 0)
        return cmocka_run_group_tests_name("vectors.control.codec", control, NULL, NULL);
    if (argc != 3 || strcmp(argv[1], "hostile") != 0)
        return usage();
    tsv_load("hostile/expected.tsv", &hostile.tsv);
    for (i = 0; i < hostile.tsv.n && hostile.row == NULL; i++)
        if (hostile.tsv.rows[i].n == 5 && strcmp(hostile.tsv.rows[i].f[0], argv[2]) == 0)
            hostile.row = &hostile.tsv.rows[i];
    if (hostile.row == NULL) {
        fprintf(stderr, "test_vectors: %s is not a row of hostile/expected.tsv\n", argv[2]);
        return 1;
    }
    r = cmocka_run_group_tests_name(argv[2], one, NULL, NULL);
    tsv_free(&hostile.tsv);
    return r;
}
