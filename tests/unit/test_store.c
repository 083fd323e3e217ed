/*
 * Unit tests: the plan queue. Every transition allowed and forbidden, approvals that must
 * fail, reopen after each step, crash leftovers built on disk, and crashes made by
 * SIGKILLing a child in the middle of its work.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "support.h"

#include <airlock/airlock.h>
#include <airlock/artifact.h>
#include <airlock/buf.h>
#include <airlock/file.h>
#include <airlock/json.h>
#include <airlock/plan.h>
#include <airlock/store.h>

#define T0 1795402658 /* 2026-11-23T02:57:38Z */

static struct al_seckey *sk, *sk2;
static struct al_pubkey pk, pk2;
static struct al_plan_limits lim;
static char dir[64];

static int
group_setup(void **state)
{
    if (ts_group_init(state) != 0)
        return -1;
    al_plan_limits_default(&lim);
    if (al_key_generate(&sk, &pk) != 0 || al_key_generate(&sk2, &pk2) != 0)
        return -1;
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    al_seckey_free(sk);
    al_seckey_free(sk2);
    return 0;
}

static void
fresh(void)
{
    snprintf(dir, sizeof(dir), "/tmp/airlock-test-store-XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

static void
cleanup(void)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Path of a file under the store (the last four stay valid). */
static const char *at(const char *fmt, ...) AL_PRINTF(1, 2);

static const char *
at(const char *fmt, ...)
{
    static char p[4][512];
    static int k;
    char rel[256];
    va_list ap;

    k = (k + 1) % 4;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof(rel), fmt, ap);
    va_end(ap);
    snprintf(p[k], sizeof(p[k]), "%s/%s", dir, rel);
    return p[k];
}

static int
exists(const char *path)
{
    struct stat st;

    return lstat(path, &st) == 0;
}

/* A one-file plan from -> the other side, made at created. */
static void
pack(enum al_side from, time_t created, const char *task, struct al_buf *out)
{
    const struct al_plan_file f = {"notes.md", "# Notes\nfind the report\n", 24};
    struct al_plan_meta m = {.id = NULL,
                             .from = from,
                             .to = from == AL_SIDE_OFFLINE ? AL_SIDE_ONLINE : AL_SIDE_OFFLINE,
                             .session = from == AL_SIDE_OFFLINE ? "offline-1" : "online-1",
                             .created = created,
                             .task = task};

    al_buf_init(out, al_artifact_max_bytes(&lim));
    assert_int_equal(al_artifact_pack(&m, &f, 1, &lim, out), 0);
}

static void
sign(const struct al_seckey *k, const struct al_buf *art, struct al_buf *sig)
{
    al_buf_init(sig, AL_SIGFILE_MAX);
    assert_int_equal(al_plan_sign(k, art->data, art->len, &lim, T0 + 60, sig), 0);
}

/* Adds a fresh plan; copies its id to id and (if art is not NULL) keeps its bytes. */
static void
add(struct al_store *s, enum al_side from, time_t created, char id[AL_ID_HEXLEN + 1],
    struct al_buf *art)
{
    const struct al_plan_record *rec = NULL;
    struct al_buf b;

    pack(from, created, "summarise the report", &b);
    assert_int_equal(al_store_add(s, b.data, b.len, &lim, NULL, &rec), 0);
    assert_non_null(rec);
    memcpy(id, rec->id, AL_ID_HEXLEN + 1);
    if (art != NULL)
        *art = b;
    else
        al_buf_close(&b);
}

static void
approve(struct al_store *s, const char *id)
{
    struct al_buf art, sig;

    al_buf_init(&art, 1 << 20);
    assert_int_equal(al_store_artifact(s, id, &art), 0);
    sign(sk, &art, &sig);
    assert_int_equal(al_store_approve(s, id, sig.data, sig.len, &pk, &lim), 0);
    al_buf_close(&art);
    al_buf_close(&sig);
}

static enum al_plan_state
state_of(const struct al_store *s, const char *id)
{
    const struct al_plan_record *r = al_store_find(s, id);

    assert_non_null(r);
    return r->state;
}

/* ---- snapshots: what a reopen must give back ---- */

struct snap {
    size_t n;
    struct al_plan_record *v;
};

static char *
dup_or_null(const char *p)
{
    char *d;

    if (p == NULL)
        return NULL;
    d = strdup(p);
    assert_non_null(d);
    return d;
}

static void
snap_take(const struct al_store *s, struct snap *sn)
{
    size_t i;

    sn->n = al_store_count(s);
    sn->v = calloc(sn->n + 1, sizeof(*sn->v));
    assert_non_null(sn->v);
    for (i = 0; i < sn->n; i++) {
        sn->v[i] = *al_store_at(s, i);
        sn->v[i].task = dup_or_null(sn->v[i].task);
        sn->v[i].reason = dup_or_null(sn->v[i].reason);
        sn->v[i].findings = dup_or_null(sn->v[i].findings);
    }
}

static void
snap_free(struct snap *sn)
{
    size_t i;

    for (i = 0; i < sn->n; i++)
        al__store_record_clear(&sn->v[i]);
    free(sn->v);
}

static void
same_record(const struct al_plan_record *a, const struct al_plan_record *b)
{
    assert_string_equal(a->id, b->id);
    assert_int_equal(a->from, b->from);
    assert_int_equal(a->to, b->to);
    assert_int_equal(a->state, b->state);
    assert_string_equal(a->session, b->session);
    assert_string_equal(a->delivered_to, b->delivered_to);
    assert_int_equal(a->created, b->created);
    assert_int_equal(a->changed, b->changed);
    assert_int_equal(a->size, b->size);
    assert_memory_equal(a->hash, b->hash, AL_HASH_LEN);
    assert_string_equal(a->task, b->task);
    assert_string_equal(a->findings, b->findings);
    if (a->reason == NULL || b->reason == NULL)
        assert_ptr_equal(a->reason, b->reason);
    else
        assert_string_equal(a->reason, b->reason);
}

/* Closes s, reopens it and checks that every record came back as it was. */
static void
reopen(struct al_store **s)
{
    struct snap sn;
    size_t i;

    snap_take(*s, &sn);
    al_store_close(*s);
    *s = NULL;
    assert_int_equal(al_store_open(dir, s), 0);
    assert_int_equal(al_store_count(*s), sn.n);
    for (i = 0; i < sn.n; i++)
        same_record(al_store_at(*s, i), &sn.v[i]);
    snap_free(&sn);
}

/* ---- tests ---- */

static void
test_add_list_find(void **state)
{
    const struct al_plan_record *rec = NULL, *r2 = NULL;
    char id1[AL_ID_HEXLEN + 1], id2[AL_ID_HEXLEN + 1], pdir[256];
    unsigned char h[AL_HASH_LEN];
    struct al_buf a1, a2, out, bad;
    struct al_store *s = NULL;

    (void)state;
    fresh();
    assert_int_equal(al_store_open(dir, &s), 0);
    assert_int_equal(al_store_count(s), 0);
    assert_true(exists(at("%s", "plans")) && exists(at("%s", "refused")));

    pack(AL_SIDE_ONLINE, T0, "find \"sources\"\nthen stop", &a1);
    assert_int_equal(
        al_store_add(s, a1.data, a1.len, &lim, "[ {\"rule\": \"url\", \"at\": [1, 2]} ]", &rec), 0);
    memcpy(id1, rec->id, sizeof(id1));
    assert_int_equal(rec->state, AL_PLAN_PENDING);
    assert_int_equal(rec->from, AL_SIDE_ONLINE);
    assert_int_equal(rec->to, AL_SIDE_OFFLINE);
    assert_string_equal(rec->session, "online-1");
    assert_string_equal(rec->delivered_to, "");
    assert_int_equal(rec->created, T0);
    assert_int_equal(rec->size, a1.len);
    crypto_generichash(h, sizeof(h), (const unsigned char *)a1.data, a1.len, NULL, 0);
    assert_memory_equal(rec->hash, h, sizeof(h));
    assert_string_equal(rec->task, "find \"sources\"\nthen stop");
    assert_null(rec->reason);
    assert_string_equal(rec->findings, "[{\"rule\":\"url\",\"at\":[1,2]}]");

    add(s, AL_SIDE_OFFLINE, T0 - 10, id2, &a2);
    r2 = al_store_find(s, id2);
    assert_string_equal(r2->findings, "[]");
    assert_int_equal(al_store_count(s), 2);
    /* Order of arrival, not of the manifests' times. */
    assert_string_equal(al_store_at(s, 0)->id, id1);
    assert_string_equal(al_store_at(s, 1)->id, id2);
    assert_null(al_store_at(s, 2));
    assert_null(al_store_find(s, "00000000000000000000000000000000"));
    assert_int_equal(al_store_count_state(s, AL_SIDE_OFFLINE, AL_PLAN_PENDING), 1);
    assert_int_equal(al_store_count_state(s, AL_SIDE_ONLINE, AL_PLAN_PENDING), 1);
    assert_int_equal(al_store_count_state(s, AL_SIDE_ONLINE, AL_PLAN_APPROVED), 0);

    /* The artifact comes back byte for byte. */
    al_buf_init(&out, 1 << 20);
    assert_int_equal(al_store_artifact(s, id1, &out), 0);
    assert_int_equal(out.len, a1.len);
    assert_memory_equal(out.data, a1.data, a1.len);
    al_buf_reset(&out);
    assert_int_equal(al_store_signature(s, id1, &out), AL_ESTATE);
    assert_int_equal(al_store_artifact(s, "00000000000000000000000000000000", &out), AL_ENOTFOUND);
    assert_int_equal(al_store_plan_dir(s, id1, pdir, sizeof(pdir)), 0);
    assert_string_equal(pdir, at("plans/%s", id1));
    assert_int_equal(al_store_plan_dir(s, id1, pdir, 10), -ENAMETOOLONG);
    assert_true(exists(at("plans/%s/plan.airlock", id1)));
    assert_true(exists(at("plans/%s/state.json", id1)));
    assert_false(exists(at("plans/%s/plan.airlock.minisig", id1)));

    /* Refusals: the same plan twice, an invalid plan, findings that are not an array. */
    assert_int_equal(al_store_add(s, a1.data, a1.len, &lim, NULL, &rec), AL_EEXISTS);
    al_buf_init(&bad, 1 << 20);
    assert_int_equal(al_buf_append(&bad, a2.data, a2.len), 0);
    bad.data[600] ^= 1;
    assert_int_not_equal(al_store_add(s, bad.data, bad.len, &lim, NULL, &rec), 0);
    al_buf_close(&bad);
    pack(AL_SIDE_ONLINE, T0, "", &bad);
    assert_int_equal(al_store_add(s, bad.data, bad.len, &lim, "{}", &rec), AL_EJSONTYPE);
    assert_int_equal(al_store_add(s, bad.data, bad.len, &lim, "[1,", &rec), AL_EJSON);
    assert_int_equal(al_store_count(s), 2);
    assert_int_equal(al_store_add(s, bad.data, bad.len, &lim, "[]", &rec), 0);
    assert_string_equal(rec->task, "");
    al_buf_close(&bad);

    reopen(&s);
    assert_string_equal(al_store_at(s, 0)->id, id1);
    al_buf_reset(&out);
    assert_int_equal(al_store_artifact(s, id2, &out), 0);
    assert_memory_equal(out.data, a2.data, a2.len);

    /* One process at a time. */
    {
        struct al_store *other = NULL;

        assert_int_equal(al_store_open(dir, &other), -EBUSY);
        assert_null(other);
    }
    al_store_close(s);
    al_buf_close(&out);
    al_buf_close(&a1);
    al_buf_close(&a2);
    cleanup();
}

static void
test_transitions(void **state)
{
    char a[AL_ID_HEXLEN + 1], b[AL_ID_HEXLEN + 1], c[AL_ID_HEXLEN + 1];
    const struct al_plan_record *r;
    struct al_store *s = NULL;
    struct al_buf sig;
    size_t n;

    (void)state;
    fresh();
    assert_int_equal(al_store_open(dir, &s), 0);
    add(s, AL_SIDE_ONLINE, T0, a, NULL);
    add(s, AL_SIDE_OFFLINE, T0, b, NULL);
    add(s, AL_SIDE_ONLINE, T0, c, NULL);
    reopen(&s);

    /* pending -> approved -> delivering -> approved -> delivering -> delivered */
    approve(s, a);
    r = al_store_find(s, a);
    assert_int_equal(r->state, AL_PLAN_APPROVED);
    assert_true(exists(at("plans/%s/plan.airlock.minisig", a)));
    al_buf_init(&sig, AL_SIGFILE_MAX);
    assert_int_equal(al_store_signature(s, a, &sig), 0);
    assert_non_null(strstr(sig.data, "trusted comment: airlock id="));
    reopen(&s);
    assert_int_equal(al_store_count_state(s, AL_SIDE_OFFLINE, AL_PLAN_APPROVED), 1);
    assert_int_equal(al_store_delivering(s, a, "offline-7"), 0);
    r = al_store_find(s, a);
    assert_int_equal(r->state, AL_PLAN_DELIVERING);
    assert_string_equal(r->delivered_to, "offline-7");
    assert_int_equal(al_store_undeliver(s, a), 0);
    r = al_store_find(s, a);
    assert_int_equal(r->state, AL_PLAN_APPROVED);
    assert_string_equal(r->delivered_to, "");
    reopen(&s);
    assert_int_equal(al_store_delivering(s, a, "offline-8"), 0);
    assert_int_equal(al_store_delivered(s, a), 0);
    r = al_store_find(s, a);
    assert_int_equal(r->state, AL_PLAN_DELIVERED);
    assert_string_equal(r->delivered_to, "offline-8");
    reopen(&s);
    al_buf_reset(&sig);
    assert_int_equal(al_store_signature(s, a, &sig), 0);

    /* pending -> rejected (with a reason), pending -> expired */
    assert_int_equal(al_store_reject(s, b, "not today: the report is private"), 0);
    assert_string_equal(al_store_find(s, b)->reason, "not today: the report is private");
    reopen(&s);
    assert_int_equal(state_of(s, b), AL_PLAN_REJECTED);
    assert_string_equal(al_store_find(s, b)->reason, "not today: the report is private");
    assert_int_equal(al_store_expire(s, T0 + 1, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(state_of(s, c), AL_PLAN_EXPIRED);
    reopen(&s);
    assert_int_equal(state_of(s, a), AL_PLAN_DELIVERED);
    assert_int_equal(state_of(s, b), AL_PLAN_REJECTED);
    assert_int_equal(state_of(s, c), AL_PLAN_EXPIRED);

    /* Unknown ids. */
    assert_int_equal(al_store_delivering(s, "ffffffffffffffffffffffffffffffff", "x"), AL_ENOTFOUND);
    assert_int_equal(al_store_reject(s, NULL, NULL), AL_ENOTFOUND);
    al_buf_close(&sig);
    al_store_close(s);
    cleanup();
}

/* Puts a fresh plan into state st through allowed transitions. */
static void
make_in(struct al_store *s, enum al_plan_state st, char id[AL_ID_HEXLEN + 1])
{
    size_t n;

    add(s, AL_SIDE_ONLINE, st == AL_PLAN_EXPIRED ? 1000 : T0, id, NULL);
    switch (st) {
    case AL_PLAN_PENDING:
        break;
    case AL_PLAN_APPROVED:
        approve(s, id);
        break;
    case AL_PLAN_DELIVERING:
    case AL_PLAN_DELIVERED:
        approve(s, id);
        assert_int_equal(al_store_delivering(s, id, "offline-2"), 0);
        if (st == AL_PLAN_DELIVERED)
            assert_int_equal(al_store_delivered(s, id), 0);
        break;
    case AL_PLAN_REJECTED:
        assert_int_equal(al_store_reject(s, id, NULL), 0);
        break;
    case AL_PLAN_EXPIRED:
        assert_int_equal(al_store_expire(s, 1001, &n), 0);
        assert_int_equal(n, 1);
        break;
    }
    assert_int_equal(state_of(s, id), st);
}

static void
test_forbidden(void **state)
{
    /* allowed[op][state]: approve, delivering, delivered, undeliver, reject */
    static const int allowed[5][6] = {
        {1, 0, 0, 0, 0, 0}, {0, 1, 0, 0, 0, 0}, {0, 0, 1, 0, 0, 0},
        {0, 0, 1, 0, 0, 0}, {1, 0, 0, 0, 0, 0},
    };
    char id[AL_ID_HEXLEN + 1];
    struct al_store *s = NULL;
    struct al_buf art, sig;
    int st, op, r;

    (void)state;
    fresh();
    assert_int_equal(al_store_open(dir, &s), 0);
    for (st = AL_PLAN_PENDING; st <= AL_PLAN_EXPIRED; st++) {
        for (op = 0; op < 5; op++) {
            if (allowed[op][st])
                continue;
            make_in(s, (enum al_plan_state)st, id);
            al_buf_init(&art, 1 << 20);
            assert_int_equal(al_store_artifact(s, id, &art), 0);
            sign(sk, &art, &sig);
            switch (op) {
            case 0:
                r = al_store_approve(s, id, sig.data, sig.len, &pk, &lim);
                break;
            case 1:
                r = al_store_delivering(s, id, "offline-3");
                break;
            case 2:
                r = al_store_delivered(s, id);
                break;
            case 3:
                r = al_store_undeliver(s, id);
                break;
            default:
                r = al_store_reject(s, id, "no");
                break;
            }
            assert_int_equal(r, AL_ESTATE);
            assert_non_null(strstr(al_errdetail(), id));
            assert_int_equal(state_of(s, id), st);
            al_buf_close(&art);
            al_buf_close(&sig);
        }
    }
    /* Expiry passes over every plan that is not pending: only the 3 pending ones go. */
    {
        size_t n;

        assert_int_equal(al_store_expire(s, T0 + 100000, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(al_store_count_state(s, AL_SIDE_OFFLINE, AL_PLAN_EXPIRED), 5 + 3);
        assert_int_equal(al_store_count_state(s, AL_SIDE_OFFLINE, AL_PLAN_PENDING), 0);
    }
    /* A reopen keeps every state but delivering, which goes back to approved. */
    {
        size_t ap = al_store_count_state(s, AL_SIDE_OFFLINE, AL_PLAN_APPROVED),
               dg = al_store_count_state(s, AL_SIDE_OFFLINE, AL_PLAN_DELIVERING),
               dd = al_store_count_state(s, AL_SIDE_OFFLINE, AL_PLAN_DELIVERED),
               rj = al_store_count_state(s, AL_SIDE_OFFLINE, AL_PLAN_REJECTED);

        assert_int_equal(dg, 3);
        al_store_close(s);
        s = NULL;
        assert_int_equal(al_store_open(dir, &s), 0);
        assert_int_equal(al_store_count_state(s, AL_SIDE_OFFLINE, AL_PLAN_APPROVED), ap + dg);
        assert_int_equal(al_store_count_state(s, AL_SIDE_OFFLINE, AL_PLAN_DELIVERING), 0);
        assert_int_equal(al_store_count_state(s, AL_SIDE_OFFLINE, AL_PLAN_DELIVERED), dd);
        assert_int_equal(al_store_count_state(s, AL_SIDE_OFFLINE, AL_PLAN_REJECTED), rj);
        assert_int_equal(al_store_count_state(s, AL_SIDE_OFFLINE, AL_PLAN_EXPIRED), 8);
    }
    reopen(&s);
    al_store_close(s);
    cleanup();
}

static void
test_approve_refused(void **state)
{
    char id[AL_ID_HEXLEN + 1], other[AL_ID_HEXLEN + 1], comment[AL_COMMENT_MAX + 1];
    struct al_buf art, oart, sig;
    struct al_approval ap;
    struct al_store *s = NULL;

    (void)state;
    fresh();
    assert_int_equal(al_store_open(dir, &s), 0);
    add(s, AL_SIDE_ONLINE, T0, id, &art);
    add(s, AL_SIDE_ONLINE, T0, other, &oart);

    /* Signed by another key. */
    sign(sk2, &art, &sig);
    assert_int_equal(al_store_approve(s, id, sig.data, sig.len, &pk, &lim), AL_EKEYID);
    al_buf_close(&sig);
    /* The right key, over another plan. */
    sign(sk, &oart, &sig);
    assert_int_equal(al_store_approve(s, id, sig.data, sig.len, &pk, &lim), AL_ESIGNATURE);
    al_buf_close(&sig);
    /* The right key over these bytes, but a trusted comment naming the other direction. */
    memcpy(ap.id, id, sizeof(ap.id));
    ap.from = AL_SIDE_OFFLINE;
    ap.to = AL_SIDE_ONLINE;
    ap.approved = T0;
    assert_int_equal(al_plan_comment(&ap, comment, sizeof(comment)), 0);
    al_buf_init(&sig, AL_SIGFILE_MAX);
    assert_int_equal(al_sign(sk, art.data, art.len, comment, &sig), 0);
    assert_int_equal(al_store_approve(s, id, sig.data, sig.len, &pk, &lim), AL_ECOMMENT);
    al_buf_close(&sig);
    /* ... or naming another plan. */
    memcpy(ap.id, other, sizeof(ap.id));
    ap.from = AL_SIDE_ONLINE;
    ap.to = AL_SIDE_OFFLINE;
    assert_int_equal(al_plan_comment(&ap, comment, sizeof(comment)), 0);
    al_buf_init(&sig, AL_SIGFILE_MAX);
    assert_int_equal(al_sign(sk, art.data, art.len, comment, &sig), 0);
    assert_int_equal(al_store_approve(s, id, sig.data, sig.len, &pk, &lim), AL_ECOMMENT);
    al_buf_close(&sig);
    /* Not a signature at all. */
    assert_int_equal(al_store_approve(s, id, "junk\n", 5, &pk, &lim), AL_ESIGFORMAT);

    /* Every failure left the plan pending and no signature on disk. */
    assert_int_equal(state_of(s, id), AL_PLAN_PENDING);
    assert_false(exists(at("plans/%s/plan.airlock.minisig", id)));
    reopen(&s);
    assert_int_equal(state_of(s, id), AL_PLAN_PENDING);

    /* The positive control, then the same approval replayed at every later state. */
    sign(sk, &art, &sig);
    assert_int_equal(al_store_approve(s, id, sig.data, sig.len, &pk, &lim), 0);
    assert_int_equal(al_store_approve(s, id, sig.data, sig.len, &pk, &lim), AL_ESTATE);
    assert_int_equal(al_store_delivering(s, id, "offline-4"), 0);
    assert_int_equal(al_store_approve(s, id, sig.data, sig.len, &pk, &lim), AL_ESTATE);
    assert_int_equal(al_store_delivered(s, id), 0);
    assert_int_equal(al_store_approve(s, id, sig.data, sig.len, &pk, &lim), AL_ESTATE);
    assert_int_equal(al_store_delivered(s, id), AL_ESTATE); /* double delivery */
    reopen(&s);
    assert_int_equal(al_store_approve(s, id, sig.data, sig.len, &pk, &lim), AL_ESTATE);
    assert_int_equal(state_of(s, id), AL_PLAN_DELIVERED);
    al_buf_close(&sig);

    /* A valid approval for a rejected plan changes nothing. */
    assert_int_equal(al_store_reject(s, other, NULL), 0);
    sign(sk, &oart, &sig);
    assert_int_equal(al_store_approve(s, other, sig.data, sig.len, &pk, &lim), AL_ESTATE);
    assert_false(exists(at("plans/%s/plan.airlock.minisig", other)));
    al_buf_close(&sig);

    al_buf_close(&art);
    al_buf_close(&oart);
    al_store_close(s);
    cleanup();
}

static void
test_reject_reason(void **state)
{
    char id[AL_ID_HEXLEN + 1], longr[AL_REASON_MAX + 2];
    struct al_store *s = NULL;

    (void)state;
    fresh();
    assert_int_equal(al_store_open(dir, &s), 0);
    add(s, AL_SIDE_OFFLINE, T0, id, NULL);
    memset(longr, 'x', sizeof(longr) - 1);
    longr[sizeof(longr) - 1] = '\0';
    assert_int_equal(al_store_reject(s, id, longr), AL_EFIELD); /* 1025 bytes */
    assert_int_equal(al_store_reject(s, id, "two\nlines"), AL_EFIELD);
    assert_int_equal(al_store_reject(s, id, "tab\there"), AL_EFIELD);
    assert_int_equal(al_store_reject(s, id, "del\x7f"), AL_EFIELD);
    assert_int_equal(al_store_reject(s, id, "c1 \xc2\x85 next line"), AL_EFIELD);
    assert_int_equal(al_store_reject(s, id, "esc \x1b[31m"), AL_EFIELD);
    assert_int_equal(al_store_reject(s, id, "bad \xff utf-8"), AL_EFIELD);
    assert_int_equal(al_store_reject(s, id, "overlong \xc0\xaf"), AL_EFIELD);
    assert_int_equal(state_of(s, id), AL_PLAN_PENDING);
    longr[AL_REASON_MAX] = '\0';
    longr[0] = '\xc3'; /* "é" keeps it valid UTF-8 and 1024 bytes */
    longr[1] = '\xa9';
    assert_int_equal(al_store_reject(s, id, longr), 0);
    reopen(&s);
    assert_string_equal(al_store_find(s, id)->reason, longr);

    /* No reason at all is fine. */
    add(s, AL_SIDE_OFFLINE, T0, id, NULL);
    assert_int_equal(al_store_reject(s, id, NULL), 0);
    reopen(&s);
    assert_null(al_store_find(s, id)->reason);
    al_store_close(s);
    cleanup();
}

static void
test_expiry(void **state)
{
    char old1[AL_ID_HEXLEN + 1], old2[AL_ID_HEXLEN + 1], young[AL_ID_HEXLEN + 1],
        oldap[AL_ID_HEXLEN + 1];
    struct al_store *s = NULL;
    size_t n = 99;

    (void)state;
    fresh();
    assert_int_equal(al_store_open(dir, &s), 0);
    add(s, AL_SIDE_ONLINE, T0 - 7200, old1, NULL);
    add(s, AL_SIDE_OFFLINE, T0 - 3601, old2, NULL);
    add(s, AL_SIDE_ONLINE, T0 - 3600, young, NULL);
    add(s, AL_SIDE_ONLINE, T0 - 9000, oldap, NULL);
    approve(s, oldap);
    assert_int_equal(al_store_expire(s, T0 - 3600, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(state_of(s, old1), AL_PLAN_EXPIRED);
    assert_int_equal(state_of(s, old2), AL_PLAN_EXPIRED);
    assert_int_equal(state_of(s, young), AL_PLAN_PENDING); /* created == cutoff: not before */
    assert_int_equal(state_of(s, oldap), AL_PLAN_APPROVED);
    reopen(&s);
    assert_int_equal(al_store_expire(s, T0 - 3600, &n), 0);
    assert_int_equal(n, 0);
    /* Expired is final. */
    assert_int_equal(al_store_reject(s, old1, NULL), AL_ESTATE);
    al_store_close(s);
    cleanup();
}

static void
test_refuse(void **state)
{
    const cJSON *item;
    struct al_store *s = NULL;
    struct al_buf b;
    cJSON *j = NULL;
    uint64_t n = 0;
    char *big;

    (void)state;
    fresh();
    big = malloc(100 * 1024);
    assert_non_null(big);
    memset(big, 'A', 100 * 1024);
    assert_int_equal(al_store_open(dir, &s), 0);
    assert_int_equal(al_store_refuse(s, "online-3", "evil\\x1b.txt", AL_ESYMLINK,
                                     "evil.txt: a symbolic link", big, 100 * 1024, &n),
                     0);
    assert_int_equal(n, 1);
    ts_read_file(at("%s", "refused/1/reason.json"), 1 << 16, &b);
    assert_int_equal(al_json_parse(b.data, b.len, 1 << 16, 4, &j), 0);
    assert_string_equal(cJSON_GetObjectItem(j, "session")->valuestring, "online-3");
    assert_string_equal(cJSON_GetObjectItem(j, "name")->valuestring, "evil\\x1b.txt");
    assert_string_equal(cJSON_GetObjectItem(j, "error")->valuestring, "ESYMLINK");
    assert_string_equal(cJSON_GetObjectItem(j, "reason")->valuestring, "evil.txt: a symbolic link");
    item = cJSON_GetObjectItem(j, "size");
    assert_int_equal((int)item->valuedouble, 100 * 1024);
    item = cJSON_GetObjectItem(j, "kept");
    assert_int_equal((int)item->valuedouble, 64 * 1024);
    cJSON_Delete(j);
    al_buf_close(&b);
    ts_read_file(at("%s", "refused/1/data"), 1 << 20, &b);
    assert_int_equal(b.len, 64 * 1024); /* at most 64 KiB are kept */
    assert_memory_equal(b.data, big, b.len);
    al_buf_close(&b);

    /* No data: no data file; the numbers count up and survive a reopen. */
    assert_int_equal(al_store_refuse(s, "online-3", NULL, -ELOOP, NULL, NULL, 0, &n), 0);
    assert_int_equal(n, 2);
    assert_false(exists(at("%s", "refused/2/data")));
    al_store_close(s);
    s = NULL;
    assert_int_equal(mkdir(at("%s", "refused/.new-3"), 0700), 0); /* an interrupted refuse */
    assert_int_equal(al_file_write(at("%s", "refused/.new-3/reason.json"), "{", 1, 0600, 0), 0);
    assert_int_equal(al_store_open(dir, &s), 0);
    assert_false(exists(at("%s", "refused/.new-3")));
    assert_int_equal(al_store_refuse(s, "online-3", "x", AL_EFIFO, "fifo", "ab", 2, &n), 0);
    assert_int_equal(n, 3);

    /* Arguments that cannot be kept. */
    n = 0;
    assert_int_equal(al_store_refuse(s, "bad session!", "x", AL_EFIFO, "r", NULL, 0, &n),
                     AL_EFIELD);
    assert_int_equal(al_store_refuse(s, "online-3", "x", 0, "r", NULL, 0, &n), AL_EINVAL);
    assert_int_equal(al_store_refuse(s, "online-3", "x", AL_EFIFO, "r", NULL, 5, &n), AL_EINVAL);
    assert_int_equal(al_store_refuse(s, "online-3", "bad\xff", AL_EFIFO, "r", NULL, 0, &n),
                     AL_EUTF8);
    assert_int_equal(n, 0);
    assert_false(exists(at("%s", "refused/4")));
    al_store_close(s);
    free(big);
    cleanup();
}

/* ---- crash leftovers built by hand ---- */

static void
test_recover_leftovers(void **state)
{
    char id[AL_ID_HEXLEN + 1], fake[AL_ID_HEXLEN + 1];
    struct al_store *s = NULL;
    struct al_buf art;

    (void)state;
    fresh();
    assert_int_equal(al_store_open(dir, &s), 0);
    add(s, AL_SIDE_ONLINE, T0, id, &art);
    al_store_close(s);
    s = NULL;

    /* An add interrupted before its rename, and al_file_write's temporary files. */
    al_id_new(fake);
    assert_int_equal(mkdir(at("plans/.new-%s", fake), 0700), 0);
    assert_int_equal(
        al_file_write(at("plans/.new-%s/plan.airlock", fake), art.data, art.len, 0600, 0), 0);
    assert_int_equal(al_file_write(at("plans/.new-%s/state.json.tmp.77", fake), "{\"x", 3, 0600, 0),
                     0);
    assert_int_equal(al_file_write(at("plans/%s/state.json.tmp.12345", id), "{", 1, 0600, 0), 0);
    assert_int_equal(al_file_write(at("plans/%s/plan.airlock.minisig.tmp.9", id), "x", 1, 0600, 0),
                     0);

    assert_int_equal(al_store_open(dir, &s), 0);
    assert_int_equal(al_store_count(s), 1);
    assert_int_equal(state_of(s, id), AL_PLAN_PENDING);
    assert_null(al_store_find(s, fake));
    assert_false(exists(at("plans/.new-%s", fake)));
    assert_false(exists(at("plans/%s/state.json.tmp.12345", id)));
    assert_false(exists(at("plans/%s/plan.airlock.minisig.tmp.9", id)));
    /* The interrupted plan can be added again for real. */
    al_store_close(s);
    al_buf_close(&art);
    cleanup();
}

static void
test_recover_delivering(void **state)
{
    char id[AL_ID_HEXLEN + 1];
    const struct al_plan_record *r;
    struct al_store *s = NULL;
    struct al_buf st;

    (void)state;
    fresh();
    assert_int_equal(al_store_open(dir, &s), 0);
    add(s, AL_SIDE_OFFLINE, T0, id, NULL);
    approve(s, id);
    assert_int_equal(al_store_delivering(s, id, "online-9"), 0);
    al_store_close(s); /* as a crash leaves it: nothing is written at close */
    s = NULL;
    ts_read_file(at("plans/%s/state.json", id), AL__STORE_STATE_MAX, &st);
    assert_non_null(strstr(st.data, "\"state\":\"delivering\""));
    al_buf_close(&st);

    assert_int_equal(al_store_open(dir, &s), 0);
    r = al_store_find(s, id);
    assert_int_equal(r->state, AL_PLAN_APPROVED);
    assert_string_equal(r->delivered_to, "");
    /* ... durably: the file says so before anything else happens. */
    ts_read_file(at("plans/%s/state.json", id), AL__STORE_STATE_MAX, &st);
    assert_non_null(strstr(st.data, "\"state\":\"approved\""));
    assert_non_null(strstr(st.data, "\"delivered_to\":null"));
    al_buf_close(&st);
    /* And it is delivered again, once. */
    assert_int_equal(al_store_delivering(s, id, "online-10"), 0);
    assert_int_equal(al_store_delivered(s, id), 0);
    reopen(&s);
    assert_int_equal(state_of(s, id), AL_PLAN_DELIVERED);
    assert_string_equal(al_store_find(s, id)->delivered_to, "online-10");
    al_store_close(s);
    cleanup();
}

static void
test_recover_stray_signature(void **state)
{
    char id[AL_ID_HEXLEN + 1];
    struct al_store *s = NULL;
    struct al_buf art, sig, out;

    (void)state;
    fresh();
    assert_int_equal(al_store_open(dir, &s), 0);
    add(s, AL_SIDE_ONLINE, T0, id, &art);
    al_store_close(s);
    s = NULL;
    /* A crash between writing the signature and writing the state. */
    sign(sk, &art, &sig);
    assert_int_equal(
        al_file_write(at("plans/%s/plan.airlock.minisig", id), sig.data, sig.len, 0600, 0), 0);
    assert_int_equal(al_store_open(dir, &s), 0);
    assert_int_equal(state_of(s, id), AL_PLAN_PENDING);
    al_buf_init(&out, AL_SIGFILE_MAX);
    assert_int_equal(al_store_signature(s, id, &out), AL_ESTATE);
    assert_false(exists(at("plans/%s/plan.airlock.minisig", id)));
    reopen(&s);
    assert_int_equal(state_of(s, id), AL_PLAN_PENDING);
    /* The approval can still be given, and then the signature is there. */
    assert_int_equal(al_store_approve(s, id, sig.data, sig.len, &pk, &lim), 0);
    assert_int_equal(al_store_signature(s, id, &out), 0);
    assert_int_equal(out.len, sig.len);
    al_buf_close(&out);
    al_buf_close(&sig);
    al_buf_close(&art);
    al_store_close(s);
    cleanup();
}

/* Damages one plan directory in some way; open must then fail naming that plan. */
static void
expect_open_fails(const char *id)
{
    struct al_store *s = NULL;

    assert_int_equal(al_store_open(dir, &s), AL_ESTATE);
    assert_null(s);
    assert_non_null(strstr(al_errdetail(), id));
}

static void
replace_in_state(const char *id, const char *from, const char *to)
{
    struct al_buf st, out;
    char *p;

    ts_read_file(at("plans/%s/state.json", id), AL__STORE_STATE_MAX, &st);
    p = strstr(st.data, from);
    assert_non_null(p);
    al_buf_init(&out, AL__STORE_STATE_MAX);
    assert_int_equal(al_buf_append(&out, st.data, (size_t)(p - st.data)), 0);
    assert_int_equal(al_buf_append(&out, to, strlen(to)), 0);
    assert_int_equal(al_buf_append(&out, p + strlen(from), strlen(p + strlen(from))), 0);
    assert_int_equal(al_file_write(at("plans/%s/state.json", id), out.data, out.len, 0600, 0), 0);
    al_buf_close(&st);
    al_buf_close(&out);
}

enum damage {
    TRUNCATED,
    GARBAGE,
    EMPTY,
    MISSING_STATE,
    UNKNOWN_FIELD,
    OTHER_ID,
    BAD_STATE,
    APPROVED_NO_SIG,
    DELIVERED_TO_ON_PENDING,
    REASON_ON_PENDING,
    STRAY_FILE,
    TAMPERED,
    SHORTENED,
    DAMAGE_END
};

static void
test_damaged_state(void **state)
{
    char id[AL_ID_HEXLEN + 1], good[AL_ID_HEXLEN + 1];
    struct al_store *s = NULL;
    struct al_buf st, art;
    int d;

    (void)state;
    for (d = 0; d < DAMAGE_END; d++) {
        fresh();
        assert_int_equal(al_store_open(dir, &s), 0);
        add(s, AL_SIDE_ONLINE, T0, good, NULL);
        add(s, AL_SIDE_ONLINE, T0, id, &art);
        al_store_close(s);
        s = NULL;
        ts_read_file(at("plans/%s/state.json", id), AL__STORE_STATE_MAX, &st);
        switch ((enum damage)d) {
        case TRUNCATED:
            assert_int_equal(
                al_file_write(at("plans/%s/state.json", id), st.data, st.len / 2, 0600, 0), 0);
            break;
        case GARBAGE:
            assert_int_equal(
                al_file_write(at("plans/%s/state.json", id), "\x01\xff garbage", 10, 0600, 0), 0);
            break;
        case EMPTY:
            assert_int_equal(al_file_write(at("plans/%s/state.json", id), "", 0, 0600, 0), 0);
            break;
        case MISSING_STATE:
            assert_int_equal(unlink(at("plans/%s/state.json", id)), 0);
            break;
        case UNKNOWN_FIELD:
            replace_in_state(id, "{\"format\"", "{\"extra\":1,\"format\"");
            break;
        case OTHER_ID:
            replace_in_state(id, id, good);
            break;
        case BAD_STATE:
            replace_in_state(id, "\"pending\"", "\"running\"");
            break;
        case APPROVED_NO_SIG:
            replace_in_state(id, "\"pending\"", "\"approved\"");
            break;
        case DELIVERED_TO_ON_PENDING:
            replace_in_state(id, "\"delivered_to\":null", "\"delivered_to\":\"offline-1\"");
            break;
        case REASON_ON_PENDING:
            replace_in_state(id, "\"reason\":null", "\"reason\":\"why\"");
            break;
        case STRAY_FILE:
            assert_int_equal(al_file_write(at("plans/%s/notes.txt", id), "x", 1, 0600, 0), 0);
            break;
        case TAMPERED:
            art.data[700] ^= 0x20; /* same size, other bytes */
            assert_int_equal(
                al_file_write(at("plans/%s/plan.airlock", id), art.data, art.len, 0600, 0), 0);
            break;
        case SHORTENED:
            assert_int_equal(
                al_file_write(at("plans/%s/plan.airlock", id), art.data, art.len - 512, 0600, 0),
                0);
            break;
        case DAMAGE_END:
            break;
        }
        expect_open_fails(id);
        /* Nothing was repaired by guessing: it fails the same way again. */
        expect_open_fails(id);
        al_buf_close(&st);
        al_buf_close(&art);
        cleanup();
    }
}

static void
test_tampered_artifact(void **state)
{
    char id[AL_ID_HEXLEN + 1];
    struct al_store *s = NULL;
    struct al_buf art, sig, out;

    (void)state;
    fresh();
    assert_int_equal(al_store_open(dir, &s), 0);
    add(s, AL_SIDE_ONLINE, T0, id, &art);
    sign(sk, &art, &sig);
    art.data[700] ^= 0x20;
    assert_int_equal(al_file_write(at("plans/%s/plan.airlock", id), art.data, art.len, 0600, 0), 0);
    al_buf_init(&out, 1 << 20);
    assert_int_equal(al_store_artifact(s, id, &out), AL_EHASH);
    assert_int_equal(out.len, 0);
    /* The approval is checked against the bytes on disk, which are not the queued ones. */
    assert_int_equal(al_store_approve(s, id, sig.data, sig.len, &pk, &lim), AL_EHASH);
    assert_int_equal(state_of(s, id), AL_PLAN_PENDING);
    /* Longer than recorded. */
    assert_int_equal(al_buf_append(&art, "x", 1), 0);
    assert_int_equal(al_file_write(at("plans/%s/plan.airlock", id), art.data, art.len, 0600, 0), 0);
    assert_int_equal(al_store_artifact(s, id, &out), AL_EHASH);
    al_store_close(s);
    expect_open_fails(id);
    al_buf_close(&out);
    al_buf_close(&sig);
    al_buf_close(&art);
    cleanup();
}

static void
test_state_codec(void **state)
{
    static const char text[] =
        "{\"format\":\"airlock-state/1\",\"seq\":7,\"id\":\"00112233445566778899aabbccddeeff\","
        "\"from\":\"offline\",\"to\":\"online\",\"state\":\"delivered\",\"session\":\"offline-1\","
        "\"delivered_to\":\"online-2\",\"created\":\"2026-11-23T02:57:38Z\","
        "\"changed\":\"2026-11-23T03:00:00Z\",\"size\":3072,\"hash\":"
        "\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\","
        "\"task\":\"t\\u0001\",\"reason\":null,\"findings\":[{\"a\": 1.5e3}, \"x\"]}";
    struct al_plan_record rec, again;
    struct al_buf out;
    uint64_t seq = 0, seq2 = 0;

    (void)state;
    assert_int_equal(al__store_state_parse(text, sizeof(text) - 1, &rec, &seq), 0);
    assert_int_equal(seq, 7);
    assert_int_equal(rec.state, AL_PLAN_DELIVERED);
    assert_string_equal(rec.delivered_to, "online-2");
    assert_string_equal(rec.task, "t\x01");
    assert_string_equal(rec.findings, "[{\"a\":1500},\"x\"]");
    assert_int_equal(rec.hash[31], 0x1f);
    al_buf_init(&out, AL__STORE_STATE_MAX);
    assert_int_equal(al__store_state_emit(&rec, seq, &out), 0);
    assert_int_equal(al__store_state_parse(out.data, out.len, &again, &seq2), 0);
    assert_int_equal(seq2, 7);
    same_record(&rec, &again);
    al__store_record_clear(&again);
    /* The emitter refuses what the parser would refuse. */
    rec.state = AL_PLAN_PENDING;
    al_buf_reset(&out);
    assert_int_equal(al__store_state_emit(&rec, seq, &out), AL_EINVAL);
    assert_int_equal(out.len, 0);
    al__store_record_clear(&rec);
    al_buf_close(&out);
    /* A few rejections, each with its own code. */
#define PARSE(t) al__store_state_parse(t, strlen(t), &rec, &seq)
    assert_int_equal(PARSE("{}"), AL_EJSONMISSING);
    assert_int_equal(PARSE("[]"), AL_EJSONTYPE);
    assert_int_equal(PARSE("{\"x\":1}"), AL_EJSONUNKNOWN);
    assert_int_equal(PARSE("{\"format\":1,\"format\":2}"), AL_EJSONDUPKEY);
    assert_int_equal(PARSE("{\"format\":"), AL_EJSON);
#undef PARSE
}

/* ---- crashes: a child SIGKILLed at a random moment ---- */

enum {
    OP_ADD = 'A',
    OP_APPROVE = 'P',
    OP_DELIVERING = 'D',
    OP_DELIVERED = 'V',
    OP_REJECT = 'R',
    OP_REFUSE = 'F'
};

static void
ack(int fd, char op, const char *what)
{
    char line[64];
    int n = snprintf(line, sizeof(line), "%c %s\n", op, what);

    if (write(fd, line, (size_t)n) != n)
        _exit(3);
}

/* The child: works through plans until killed. Plan i goes add, approve, delivering,
 * delivered if i is even, add, reject if odd; every third also leaves a refusal. */
static void
crash_child(int fd)
{
    const struct al_plan_record *rec;
    char id[AL_ID_HEXLEN + 1], num[24];
    struct al_store *s = NULL;
    struct al_buf art, sig;
    uint64_t n;
    int i;

    if (al_store_open(dir, &s) != 0)
        _exit(2);
    ack(fd, 'O', "open");
    for (i = 0; i < 100000; i++) {
        const struct al_plan_file f = {"a.md", "text\n", 5};
        struct al_plan_meta m = {NULL, AL_SIDE_ONLINE, AL_SIDE_OFFLINE, "online-1", T0, "t"};

        al_buf_init(&art, 1 << 20);
        al_buf_init(&sig, AL_SIGFILE_MAX);
        if (al_artifact_pack(&m, &f, 1, &lim, &art) != 0 ||
            al_plan_sign(sk, art.data, art.len, &lim, T0, &sig) != 0)
            _exit(4);
        if (al_store_add(s, art.data, art.len, &lim, "[\"x\"]", &rec) != 0)
            _exit(5);
        memcpy(id, rec->id, sizeof(id));
        ack(fd, OP_ADD, id);
        if (i % 2 == 0) {
            if (al_store_approve(s, id, sig.data, sig.len, &pk, &lim) != 0)
                _exit(6);
            ack(fd, OP_APPROVE, id);
            if (al_store_delivering(s, id, "offline-1") != 0)
                _exit(7);
            ack(fd, OP_DELIVERING, id);
            if (al_store_delivered(s, id) != 0)
                _exit(8);
            ack(fd, OP_DELIVERED, id);
        } else {
            if (al_store_reject(s, id, "no") != 0)
                _exit(9);
            ack(fd, OP_REJECT, id);
        }
        if (i % 3 == 0) {
            if (al_store_refuse(s, "online-1", "x", AL_ESYMLINK, "r", "abc", 3, &n) != 0)
                _exit(10);
            snprintf(num, sizeof(num), "%llu", (unsigned long long)n);
            ack(fd, OP_REFUSE, num);
        }
        al_buf_close(&art);
        al_buf_close(&sig);
    }
    _exit(0);
}

/* Where a plan is on its path: 0 pending, 1 approved or rejected, 2 delivering, 3 delivered. */
static int
level(enum al_plan_state st)
{
    switch (st) {
    case AL_PLAN_PENDING:
        return 0;
    case AL_PLAN_APPROVED:
    case AL_PLAN_REJECTED:
        return 1;
    case AL_PLAN_DELIVERING:
        return 2;
    default:
        return 3;
    }
}

struct acked {
    char id[AL_ID_HEXLEN + 1];
    int level;
    int rejected;
};

static void
check_consistent(struct al_store *s)
{
    struct al_buf b;
    struct dirent *de;
    size_t i;
    DIR *d;

    al_buf_init(&b, 1 << 20);
    for (i = 0; i < al_store_count(s); i++) {
        const struct al_plan_record *r = al_store_at(s, i);

        assert_int_not_equal(r->state, AL_PLAN_DELIVERING);
        al_buf_reset(&b);
        assert_int_equal(al_store_artifact(s, r->id, &b), 0);
        al_buf_reset(&b);
        if (r->state == AL_PLAN_APPROVED || r->state == AL_PLAN_DELIVERED)
            assert_int_equal(al_store_signature(s, r->id, &b), 0);
        else
            assert_false(exists(at("plans/%s/plan.airlock.minisig", r->id)));
    }
    al_buf_close(&b);
    d = opendir(at("%s", "plans"));
    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        assert_null(strstr(de->d_name, ".new-"));
    closedir(d);
}

static void
test_crash_random(void **state)
{
    struct acked *acks = NULL;
    size_t nacks = 0, cap = 0, i;
    int round, killed_mid = 0, status, fds[2];
    uint64_t max_refused = 0;
    struct al_store *s = NULL;
    char line[128];
    FILE *in;
    pid_t pid;

    (void)state;
    fresh();
    for (round = 0; round < 25; round++) {
        assert_int_equal(pipe(fds), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            crash_child(fds[1]);
        }
        close(fds[1]);
        in = fdopen(fds[0], "r");
        assert_non_null(in);
        assert_non_null(fgets(line, sizeof(line), in)); /* "O open" */
        assert_int_equal(line[0], 'O');
        usleep(randombytes_uniform(150000));
        assert_int_equal(kill(pid, SIGKILL), 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        nacks = 0;
        while (fgets(line, sizeof(line), in) != NULL) {
            struct acked *a;

            line[strcspn(line, "\n")] = '\0';
            if (line[0] == OP_REFUSE) {
                uint64_t k = strtoull(line + 2, NULL, 10);

                if (k > max_refused)
                    max_refused = k;
                continue;
            }
            if (line[0] == OP_ADD) {
                if (nacks == cap) {
                    cap = cap ? 2 * cap : 64;
                    acks = realloc(acks, cap * sizeof(*acks));
                    assert_non_null(acks);
                }
                a = &acks[nacks++];
                memcpy(a->id, line + 2, AL_ID_HEXLEN + 1);
                a->level = 0;
                a->rejected = 0;
                continue;
            }
            assert_true(nacks > 0);
            a = &acks[nacks - 1];
            assert_string_equal(a->id, line + 2);
            a->level++;
            a->rejected = line[0] == OP_REJECT;
        }
        fclose(in);
        killed_mid += nacks > 0;

        /* Every acknowledged step is there, and at most the one in flight beyond it. */
        assert_int_equal(al_store_open(dir, &s), 0);
        check_consistent(s);
        for (i = 0; i < nacks; i++) {
            const struct al_plan_record *r = al_store_find(s, acks[i].id);
            int got;

            assert_non_null(r);
            got = level(r->state);
            if (acks[i].rejected)
                assert_int_equal(r->state, AL_PLAN_REJECTED);
            else if (acks[i].level == 2) /* delivering: back to approved, or delivered */
                assert_true(got == 1 || got == 3);
            else
                assert_true(got == acks[i].level || got == acks[i].level + 1);
        }
        for (i = 1; i <= max_refused; i++) {
            char rel[64];

            snprintf(rel, sizeof(rel), "refused/%zu/reason.json", i);
            assert_true(exists(at("%s", rel)));
        }
        /* A second open finds nothing more to repair. */
        reopen(&s);
        al_store_close(s);
        s = NULL;
    }
    print_message("crash rounds: 25, killed after some work: %d\n", killed_mid);
    assert_true(killed_mid > 0);
    free(acks);
    cleanup();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_list_find),
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_forbidden),
        cmocka_unit_test(test_approve_refused),
        cmocka_unit_test(test_reject_reason),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_refuse),
        cmocka_unit_test(test_recover_leftovers),
        cmocka_unit_test(test_recover_delivering),
        cmocka_unit_test(test_recover_stray_signature),
        cmocka_unit_test(test_damaged_state),
        cmocka_unit_test(test_tampered_artifact),
        cmocka_unit_test(test_state_codec),
        cmocka_unit_test(test_crash_random),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
