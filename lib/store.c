/* store.c: the plan queue on disk (see store.h and docs/internals/store.md). */
#include <airlock/store.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <airlock/artifact.h>
#include <airlock/file.h>
#include <airlock/json.h>
#include <airlock/plan.h>
#include <airlock/timefmt.h>
#include <airlock/utf8.h>

#define STATE_FORMAT "airlock-state/1"
#define STATE_NAME "state.json"
#define ARTIFACT_NAME "plan.airlock"
#define SIG_NAME "plan.airlock.minisig"
#define REASON_NAME "reason.json"
#define DATA_NAME "data"
#define NEW_PREFIX ".new-"
#define PATH_LEN 4096
/* cJSON prints numbers with 15 significant digits, so larger ones would not read back. */
#define SEQ_MAX ((uint64_t)999999999999999)
#define HASH_HEX (2 * AL_HASH_LEN)
/* An artifact within the hard limits is far smaller; this only bounds a record's "size". */
#define ARTIFACT_MAX (2 * AL_PLAN_HARD_MAX_BYTES)
#define REFUSED_KEEP (64 * 1024)
#define REFUSED_TEXT_MAX 4096
#define REASON_JSON_MAX (64 * 1024)

struct entry {
    struct al_plan_record rec;
    uint64_t seq; /* order of arrival, kept in state.json */
};

struct al_store {
    char *dir;
    int lock; /* the store directory, flock'ed for as long as s is open */
    struct entry **v;
    size_t n, cap;
    uint64_t next_seq;
    uint64_t refused; /* the highest n of refused/<n>/, 0 if none */
};

static const char *const state_names[] = {"pending",   "approved", "delivering",
                                          "delivered", "rejected", "expired"};

const char *
al_plan_state_name(enum al_plan_state st)
{
    return (unsigned)st < sizeof(state_names) / sizeof(state_names[0]) ? state_names[st] : "?";
}

static int
state_parse(const char *name, enum al_plan_state *out)
{
    size_t i;

    for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
        if (strcmp(name, state_names[i]) == 0) {
            *out = (enum al_plan_state)i;
            return 0;
        }
    return AL_EFIELD;
}

static int
delivery_state(enum al_plan_state st)
{
    return st == AL_PLAN_DELIVERING || st == AL_PLAN_DELIVERED;
}

/* Approved and after: the states whose plan directory holds the signature. */
static int
signed_state(enum al_plan_state st)
{
    return st == AL_PLAN_APPROVED || delivery_state(st);
}

void
al__store_record_clear(struct al_plan_record *rec)
{
    if (rec == NULL)
        return;
    free(rec->task);
    free(rec->reason);
    free(rec->findings);
    rec->task = rec->reason = rec->findings = NULL;
}

/* ---- paths and directories ---- */

static int
join(char out[PATH_LEN], const char *dir, const char *a, const char *b, const char *c)
{
    int n = snprintf(out, PATH_LEN, "%s/%s%s%s%s%s", dir, a, b ? "/" : "", b ? b : "", c ? "/" : "",
                     c ? c : "");

    if (n < 0 || n >= PATH_LEN)
        return al__fail(-ENAMETOOLONG, "%s/%s", dir, a);
    return 0;
}

/*
 * Creates directory path (0700) unless it exists, and syncs its parent either way: a
 * directory made by an earlier run that crashed before that sync may not be durable yet.
 */
static int
make_dir(const char *path, int follow)
{
    struct stat st;

    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return al__fail(-errno, "%s", path);
    if ((follow ? stat(path, &st) : lstat(path, &st)) != 0)
        return al__fail(-errno, "%s", path);
    if (!S_ISDIR(st.st_mode))
        return al__fail(AL_EFILETYPE, "%s is not a directory", path);
    return al_file_sync_parent(path);
}

/*
 * Removes directory name under dirfd and the files in it: the remains of an interrupted
 * add or refuse, which only ever hold regular files. Anything else makes it fail.
 */
static int
remove_tree(int dirfd, const char *name)
{
    struct dirent *de;
    int fd, r = 0;
    DIR *d;

    if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return al__fail(-errno, "%s", name);
    if ((d = fdopendir(fd)) == NULL) {
        r = al__fail(-errno, "%s", name);
        close(fd);
        return r;
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (unlinkat(fd, de->d_name, 0) != 0) {
            r = al__fail(-errno, "%s/%s", name, de->d_name);
            break;
        }
    }
    closedir(d);
    if (r == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) != 0)
        r = al__fail(-errno, "%s", name);
    return r;
}

/* Same as remove_tree, by path, for a leftover that may or may not be there. */
static int
remove_leftover(const char *parent, const char *name)
{
    int fd, r;

    if ((fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return al__fail(-errno, "%s", parent);
    r = remove_tree(fd, name);
    close(fd);
    return r == -ENOENT ? 0 : r;
}

/* ---- state.json ---- */

/* A rejection reason: UTF-8 without C0, DEL or C1 control characters. */
static int
reason_check(const char *reason)
{
    size_t i, k, n = strlen(reason);
    uint32_t cp;

    if (n > AL_REASON_MAX)
        return al__fail(AL_EFIELD, "reason is longer than %d bytes", AL_REASON_MAX);
    for (i = 0; i < n; i += k) {
        if ((k = al_utf8_decode(reason + i, n - i, &cp)) == 0)
            return al__fail(AL_EFIELD, "reason: invalid UTF-8 at byte %zu", i);
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
            return al__fail(AL_EFIELD, "reason: control character U+%04" PRIX32 " at byte %zu", cp,
                            i);
    }
    return 0;
}

/* Prints a findings array in the one form the store keeps (cJSON's unformatted text). */
static int
findings_print(const cJSON *arr, char **out)
{
    char *t;

    if (!cJSON_IsArray(arr))
        return al__fail(AL_EJSONTYPE, "findings must be a JSON array");
    if ((t = cJSON_PrintUnformatted(arr)) == NULL)
        return AL_ENOMEM;
    if (strlen(t) > AL_FINDINGS_MAX) {
        free(t);
        return al__fail(AL_ETOOBIG, "findings are longer than %d bytes", AL_FINDINGS_MAX);
    }
    *out = t;
    return 0;
}

/* A member that must be present and either null (*out = NULL) or a short enough string. */
static int
nullable(const cJSON *obj, const char *key, size_t maxlen, const char **out)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, key);

    if (c == NULL)
        return al__fail(AL_EJSONMISSING, "state: \"%s\" is missing", key);
    if (cJSON_IsNull(c)) {
        *out = NULL;
        return 0;
    }
    return al_json_string(obj, "state", key, maxlen, out);
}

int
al__store_state_parse(const char *text, size_t len, struct al_plan_record *out, uint64_t *seq)
{
    static const char *const known[] = {"format", "seq",     "id",           "from",    "to",
                                        "state",  "session", "delivered_to", "created", "changed",
                                        "size",   "hash",    "task",         "reason",  "findings"};
    const char *format, *id, *from, *to, *st, *session, *dto, *created, *changed, *hash, *task,
        *reason;
    struct al_plan_record rec;
    const cJSON *findings;
    cJSON *tree = NULL;
    uint64_t sq, size;
    int r;

    memset(&rec, 0, sizeof(rec));
    if ((r = al_json_parse(text, len, AL__STORE_STATE_MAX, AL_JSON_MAX_DEPTH, &tree)) != 0 ||
        (r = al_json_closed(tree, "state", known, sizeof(known) / sizeof(known[0]))) != 0 ||
        (r = al_json_string(tree, "state", "format", 32, &format)) != 0 ||
        (r = al_json_uint(tree, "state", "seq", SEQ_MAX, &sq)) != 0 ||
        (r = al_json_string(tree, "state", "id", AL_ID_HEXLEN, &id)) != 0 ||
        (r = al_json_string(tree, "state", "from", 16, &from)) != 0 ||
        (r = al_json_string(tree, "state", "to", 16, &to)) != 0 ||
        (r = al_json_string(tree, "state", "state", 16, &st)) != 0 ||
        (r = al_json_string(tree, "state", "session", AL_SESSION_MAX, &session)) != 0 ||
        (r = nullable(tree, "delivered_to", AL_SESSION_MAX, &dto)) != 0 ||
        (r = al_json_string(tree, "state", "created", AL_TIME_LEN, &created)) != 0 ||
        (r = al_json_string(tree, "state", "changed", AL_TIME_LEN, &changed)) != 0 ||
        (r = al_json_uint(tree, "state", "size", ARTIFACT_MAX, &size)) != 0 ||
        (r = al_json_string(tree, "state", "hash", HASH_HEX, &hash)) != 0 ||
        (r = al_json_string(tree, "state", "task", AL_TASK_MAX, &task)) != 0 ||
        (r = nullable(tree, "reason", AL_REASON_MAX, &reason)) != 0 ||
        (r = al_json_array(tree, "state", "findings", &findings)) != 0)
        goto out;
    if (strcmp(format, STATE_FORMAT) != 0) {
        r = al__fail(AL_EFORMAT, "state: format is not %s", STATE_FORMAT);
        goto out;
    }
    if (al_id_check(id) != 0 || al_session_check(session) != 0 ||
        al_side_parse(from, &rec.from) != 0 || al_side_parse(to, &rec.to) != 0 ||
        rec.from == rec.to || state_parse(st, &rec.state) != 0) {
        r = al__fail(AL_EFIELD, "state: malformed id, session, from, to or state");
        goto out;
    }
    /* The record must say exactly what the transitions that lead to its state write. */
    if (delivery_state(rec.state) != (dto != NULL) || (dto != NULL && al_session_check(dto) != 0)) {
        r = al__fail(AL_EFIELD, "state: \"delivered_to\" must name a session exactly when "
                                "the plan is delivering or delivered");
        goto out;
    }
    if (reason != NULL && (rec.state != AL_PLAN_REJECTED || reason_check(reason) != 0)) {
        r = al__fail(AL_EFIELD, "state: a \"reason\" belongs to rejected plans only, "
                                "without control characters");
        goto out;
    }
    if (al_time_parse(created, &rec.created) != 0 || al_time_parse(changed, &rec.changed) != 0) {
        r = al__fail(AL_EFIELD, "state: malformed created or changed time");
        goto out;
    }
    if (strlen(hash) != HASH_HEX || strspn(hash, "0123456789abcdef") != HASH_HEX ||
        sodium_hex2bin(rec.hash, sizeof(rec.hash), hash, HASH_HEX, NULL, NULL, NULL) != 0) {
        r = al__fail(AL_EFIELD, "state: \"hash\" must be %d lowercase hex digits", HASH_HEX);
        goto out;
    }
    memcpy(rec.id, id, AL_ID_HEXLEN + 1);
    memcpy(rec.session, session, strlen(session) + 1);
    if (dto != NULL)
        memcpy(rec.delivered_to, dto, strlen(dto) + 1);
    rec.size = size;
    if ((r = findings_print(findings, &rec.findings)) != 0)
        goto out;
    if ((rec.task = strdup(task)) == NULL || (reason && (rec.reason = strdup(reason)) == NULL)) {
        r = AL_ENOMEM;
        goto out;
    }
    *out = rec;
    memset(&rec, 0, sizeof(rec)); /* transferred */
    *seq = sq;
    /* success */ r = 0;
out:
    al__store_record_clear(&rec);
    cJSON_Delete(tree);
    return r;
}

int
al__store_state_emit(const struct al_plan_record *rec, uint64_t seq, struct al_buf *out)
{
    char created[AL_TIME_LEN + 1], changed[AL_TIME_LEN + 1], hash[HASH_HEX + 1];
    struct al_plan_record check;
    cJSON *root = NULL, *findings = NULL;
    char *text = NULL;
    uint64_t seq2;
    size_t n;
    int r;

    if (al_time_format(rec->created, created) != 0 || al_time_format(rec->changed, changed) != 0)
        return al__fail(AL_EINVAL, "plan %s: time out of range", rec->id);
    sodium_bin2hex(hash, sizeof(hash), rec->hash, sizeof(rec->hash));
    if ((r = al_json_parse(rec->findings ? rec->findings : "[]",
                           rec->findings ? strlen(rec->findings) : 2, AL_FINDINGS_MAX,
                           AL_JSON_MAX_DEPTH - 1, &findings)) != 0)
        return al__prefix(r, "findings");
    r = AL_ENOMEM;
    if ((root = cJSON_CreateObject()) == NULL ||
        !cJSON_AddStringToObject(root, "format", STATE_FORMAT) ||
        !cJSON_AddNumberToObject(root, "seq", (double)seq) ||
        !cJSON_AddStringToObject(root, "id", rec->id) ||
        !cJSON_AddStringToObject(root, "from", al_side_name(rec->from)) ||
        !cJSON_AddStringToObject(root, "to", al_side_name(rec->to)) ||
        !cJSON_AddStringToObject(root, "state", al_plan_state_name(rec->state)) ||
        !cJSON_AddStringToObject(root, "session", rec->session) ||
        !(rec->delivered_to[0] != '\0'
              ? cJSON_AddStringToObject(root, "delivered_to", rec->delivered_to)
              : cJSON_AddNullToObject(root, "delivered_to")) ||
        !cJSON_AddStringToObject(root, "created", created) ||
        !cJSON_AddStringToObject(root, "changed", changed) ||
        !cJSON_AddNumberToObject(root, "size", (double)rec->size) ||
        !cJSON_AddStringToObject(root, "hash", hash) ||
        !cJSON_AddStringToObject(root, "task", rec->task ? rec->task : "") ||
        !(rec->reason != NULL ? cJSON_AddStringToObject(root, "reason", rec->reason)
                              : cJSON_AddNullToObject(root, "reason")))
        goto out;
    if (!cJSON_AddItemToObject(root, "findings", findings))
        goto out;
    findings = NULL; /* transferred */
    if ((text = cJSON_PrintUnformatted(root)) == NULL)
        goto out;
    n = strlen(text);
    /* Never write a record that open would refuse: that would wedge the whole store. */
    if ((r = al__store_state_parse(text, n, &check, &seq2)) != 0) {
        r = al__prefix(AL_EINVAL, "plan %s: refusing a record its reader would not accept",
                       rec->id);
        goto out;
    }
    al__store_record_clear(&check);
    text[n] = '\n';
    r = al_buf_append(out, text, n + 1);
out:
    free(text);
    cJSON_Delete(findings);
    cJSON_Delete(root);
    return r;
}

/* ---- plans on disk ---- */

static struct entry *
lookup(const struct al_store *s, const char *id)
{
    size_t i;

    if (id == NULL)
        return NULL;
    for (i = 0; i < s->n; i++)
        if (strcmp(s->v[i]->rec.id, id) == 0)
            return s->v[i];
    return NULL;
}

static int
find(const struct al_store *s, const char *id, struct entry **out)
{
    if ((*out = lookup(s, id)) == NULL)
        return al__fail(AL_ENOTFOUND, "plan %s", id ? id : "(null)");
    return 0;
}

static int
read_state(const struct al_store *s, const char *id, struct al_plan_record *rec, uint64_t *seq)
{
    char path[PATH_LEN];
    struct al_buf b;
    int r;

    al_buf_init(&b, AL__STORE_STATE_MAX);
    if ((r = join(path, s->dir, "plans", id, STATE_NAME)) != 0 ||
        (r = al_buf_read_path(&b, path, 1)) != 0 ||
        (r = al__store_state_parse(b.data ? b.data : "", b.len, rec, seq)) != 0)
        goto out;
    if (strcmp(rec->id, id) != 0) {
        al__store_record_clear(rec);
        r = al__fail(AL_EFIELD, "state: \"id\" is %s, not the directory's name", rec->id);
        goto out;
    }
out:
    al_buf_close(&b);
    return r;
}

/* Reads plan.airlock into b, checking its size and hash against the record. */
static int
read_artifact(const struct al_store *s, const struct al_plan_record *rec, struct al_buf *b)
{
    unsigned char h[AL_HASH_LEN];
    char path[PATH_LEN];
    int r;

    al_buf_init(b, rec->size);
    if ((r = join(path, s->dir, "plans", rec->id, ARTIFACT_NAME)) != 0)
        return r;
    r = al_buf_read_path(b, path, 1);
    if (r == AL_ETOOBIG)
        return al__fail(AL_EHASH, "%s is larger than recorded", path);
    if (r != 0)
        return r;
    crypto_generichash(h, sizeof(h), (const unsigned char *)(b->data ? b->data : ""), b->len, NULL,
                       0);
    if (b->len != rec->size || memcmp(h, rec->hash, sizeof(h)) != 0)
        return al__fail(AL_EHASH, "%s differs from the bytes that were queued", path);
    return 0;
}

/* "<known name>.tmp.<digits>": what al_file_write leaves when a crash interrupts it. */
static int
is_temp(const char *name)
{
    static const char *const names[] = {STATE_NAME, ARTIFACT_NAME, SIG_NAME, REASON_NAME,
                                        DATA_NAME};
    size_t i, k;
    const char *p;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        k = strlen(names[i]);
        if (strncmp(name, names[i], k) != 0 || strncmp(name + k, ".tmp.", 5) != 0)
            continue;
        p = name + k + 5;
        if (*p != '\0' && strspn(p, "0123456789") == strlen(p))
            return 1;
    }
    return 0;
}

/*
 * Loads plans/<id>: removes al_file_write's temporary files, reads the record, checks the
 * artifact against it and the signature's presence against the state. A signature under a
 * plan that is not approved is the remains of an approval that crashed before its state
 * was written: it never took effect, so it is removed and the plan stays as recorded.
 */
static int
load_plan(struct al_store *s, const char *id, struct entry **out)
{
    char pdir[PATH_LEN], path[PATH_LEN];
    struct entry *e = NULL;
    struct al_buf art;
    struct dirent *de;
    int r, fd = -1, removed = 0, has_sig = 0, has_state = 0;
    DIR *d = NULL;

    al_buf_init(&art, 0);
    if ((r = join(pdir, s->dir, "plans", id, NULL)) != 0)
        goto out;
    if ((fd = open(pdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
        (d = fdopendir(fd)) == NULL) {
        r = al__fail(-errno, "%s", pdir);
        goto out;
    }
    fd = -1; /* transferred to d */
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            strcmp(de->d_name, ARTIFACT_NAME) == 0)
            continue;
        if (strcmp(de->d_name, SIG_NAME) == 0) {
            has_sig = 1;
        } else if (strcmp(de->d_name, STATE_NAME) == 0) {
            has_state = 1;
        } else if (is_temp(de->d_name)) {
            if (unlinkat(dirfd(d), de->d_name, 0) != 0) {
                r = al__fail(-errno, "%s/%s", pdir, de->d_name);
                goto out;
            }
            removed = 1;
        } else {
            r = al__fail(AL_EFIELD, "unexpected file %s", de->d_name);
            goto out;
        }
    }
    if (!has_state) {
        r = al__fail(-ENOENT, "no %s", STATE_NAME);
        goto out;
    }
    if ((e = calloc(1, sizeof(*e))) == NULL) {
        r = AL_ENOMEM;
        goto out;
    }
    if ((r = read_state(s, id, &e->rec, &e->seq)) != 0)
        goto out;
    if ((r = read_artifact(s, &e->rec, &art)) != 0)
        goto out;
    if (signed_state(e->rec.state) && !has_sig) {
        r = al__fail(AL_EFIELD, "the plan is %s but %s is missing",
                     al_plan_state_name(e->rec.state), SIG_NAME);
        goto out;
    }
    if (!signed_state(e->rec.state) && has_sig) {
        if ((r = join(path, s->dir, "plans", id, SIG_NAME)) != 0)
            goto out;
        if (unlink(path) != 0) {
            r = al__fail(-errno, "%s", path);
            goto out;
        }
        removed = 1;
    }
    if (removed && (r = al_file_sync_dir(pdir)) != 0)
        goto out;
    *out = e;
    e = NULL; /* transferred */
    /* success */ r = 0;
out:
    if (e != NULL)
        al__store_record_clear(&e->rec);
    free(e);
    al_buf_close(&art);
    if (d != NULL)
        closedir(d);
    if (fd >= 0)
        close(fd);
    return r;
}

static int
grow(struct al_store *s)
{
    struct entry **v;
    size_t cap;

    if (s->n < s->cap)
        return 0;
    cap = s->cap ? 2 * s->cap : 16;
    if ((v = realloc(s->v, cap * sizeof(*v))) == NULL)
        return AL_ENOMEM;
    s->v = v;
    s->cap = cap;
    return 0;
}

static int
by_seq(const void *a, const void *b)
{
    const struct entry *x = *(const struct entry *const *)a, *y = *(const struct entry *const *)b;

    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return strcmp(x->rec.id, y->rec.id);
}

static int
scan_plans(struct al_store *s)
{
    char pdir[PATH_LEN];
    struct entry *e;
    struct dirent *de;
    struct stat st;
    int r = 0, removed = 0;
    DIR *d;

    if ((r = join(pdir, s->dir, "plans", NULL, NULL)) != 0)
        return r;
    if ((d = opendir(pdir)) == NULL)
        return al__fail(-errno, "%s", pdir);
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (strncmp(de->d_name, NEW_PREFIX, strlen(NEW_PREFIX)) == 0) {
            /* An add that never reached its rename: it was never acknowledged. */
            if ((r = remove_tree(dirfd(d), de->d_name)) != 0) {
                r = al__prefix(AL_ESTATE, "%s: leftover", pdir);
                break;
            }
            removed = 1;
            continue;
        }
        if (al_id_check(de->d_name) != 0 ||
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) {
            r = al__fail(AL_ESTATE, "%s/%s: not a plan directory", pdir, de->d_name);
            break;
        }
        e = NULL;
        if ((r = grow(s)) != 0)
            break;
        if ((r = load_plan(s, de->d_name, &e)) != 0) {
            r = al__prefix(r == AL_ENOMEM ? r : AL_ESTATE, "plan %s", de->d_name);
            break;
        }
        s->v[s->n++] = e;
        if (e->seq >= s->next_seq)
            s->next_seq = e->seq + 1;
    }
    closedir(d);
    if (r == 0 && removed)
        r = al_file_sync_dir(pdir);
    if (r == 0 && s->n > 1)
        qsort(s->v, s->n, sizeof(*s->v), by_seq);
    return r;
}

static int
scan_refused(struct al_store *s)
{
    char rdir[PATH_LEN];
    struct dirent *de;
    uint64_t k;
    int r = 0, removed = 0;
    char *end;
    DIR *d;

    if ((r = join(rdir, s->dir, "refused", NULL, NULL)) != 0)
        return r;
    if ((d = opendir(rdir)) == NULL)
        return al__fail(-errno, "%s", rdir);
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, NEW_PREFIX, strlen(NEW_PREFIX)) == 0) {
            if ((r = remove_tree(dirfd(d), de->d_name)) != 0) {
                r = al__prefix(AL_ESTATE, "%s: leftover", rdir);
                break;
            }
            removed = 1;
            continue;
        }
        /* Only <n> counts; anything else a person put there is left alone. */
        if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
            strspn(de->d_name, "0123456789") != strlen(de->d_name) || strlen(de->d_name) > 15)
            continue;
        errno = 0;
        k = strtoull(de->d_name, &end, 10);
        if (errno == 0 && *end == '\0' && k > s->refused)
            s->refused = k;
    }
    closedir(d);
    if (r == 0 && removed)
        r = al_file_sync_dir(rdir);
    return r;
}

/*
 * Writes e's record as it would be after a transition, and only once that is durable puts
 * it in memory. If the write fails, the record is read back: a failure of the final
 * directory fsync comes after the rename, so the disk may already hold the new state, and
 * memory follows the disk.
 */
static int
commit(struct al_store *s, struct entry *e, enum al_plan_state st, const char *delivered_to,
       const char *reason)
{
    struct al_plan_record next = e->rec, back;
    char path[PATH_LEN], detail[512];
    struct al_buf text;
    char *keep = NULL;
    uint64_t seq;
    int r;

    al_buf_init(&text, AL__STORE_STATE_MAX);
    if (reason != NULL && (keep = strdup(reason)) == NULL) {
        r = AL_ENOMEM;
        goto out;
    }
    next.state = st;
    next.changed = time(NULL);
    snprintf(next.delivered_to, sizeof(next.delivered_to), "%s", delivered_to ? delivered_to : "");
    if (keep != NULL)
        next.reason = keep;
    if ((r = join(path, s->dir, "plans", e->rec.id, STATE_NAME)) != 0 ||
        (r = al__store_state_emit(&next, e->seq, &text)) != 0)
        goto out;
    if ((r = al_file_write(path, text.data, text.len, 0600, 0)) != 0) {
        snprintf(detail, sizeof(detail), "%s", al_errdetail());
        if (read_state(s, e->rec.id, &back, &seq) == 0) {
            al__store_record_clear(&e->rec);
            e->rec = back;
        }
        r = al__fail(r, "%s", detail);
        goto out;
    }
    if (keep != NULL) {
        free(e->rec.reason);
        keep = NULL; /* transferred */
    }
    e->rec = next;
    /* success */ r = 0;
out:
    free(keep);
    al_buf_close(&text);
    return r;
}

static int
not_in(const struct entry *e, enum al_plan_state want)
{
    return al__fail(AL_ESTATE, "plan %s is %s, not %s", e->rec.id, al_plan_state_name(e->rec.state),
                    al_plan_state_name(want));
}

/* ---- the API ---- */

int
al_store_open(const char *dir, struct al_store **out)
{
    char path[PATH_LEN];
    struct al_store *s = NULL;
    size_t i;
    int r;

    al_errclear();
    if ((s = calloc(1, sizeof(*s))) == NULL || (s->dir = strdup(dir)) == NULL) {
        r = AL_ENOMEM;
        goto out;
    }
    s->lock = -1;
    s->next_seq = 1;
    if ((r = make_dir(dir, 1)) != 0)
        goto out;
    /* Two processes on one queue would each trust their own copy of every record. */
    if ((s->lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        r = al__fail(-errno, "%s", dir);
        goto out;
    }
    if (flock(s->lock, LOCK_EX | LOCK_NB) != 0) {
        /* Only airlockd opens the store: the process holding it is another daemon. */
        r = errno == EWOULDBLOCK ? al__fail(-EBUSY,
                                            "another airlockd is already running with the "
                                            "state directory %s",
                                            dir)
                                 : al__fail(-errno, "%s", dir);
        goto out;
    }
    if ((r = join(path, dir, "plans", NULL, NULL)) != 0 || (r = make_dir(path, 0)) != 0 ||
        (r = join(path, dir, "refused", NULL, NULL)) != 0 || (r = make_dir(path, 0)) != 0 ||
        (r = scan_plans(s)) != 0 || (r = scan_refused(s)) != 0)
        goto out;
    /* A plan found delivering never ran (see store.h): make it deliverable again. */
    for (i = 0; i < s->n; i++)
        if (s->v[i]->rec.state == AL_PLAN_DELIVERING &&
            (r = commit(s, s->v[i], AL_PLAN_APPROVED, NULL, NULL)) != 0) {
            r = al__prefix(r, "plan %s: back to approved", s->v[i]->rec.id);
            goto out;
        }
    *out = s;
    s = NULL; /* transferred */
    /* success */ r = 0;
out:
    al_store_close(s);
    return r;
}

void
al_store_close(struct al_store *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->n; i++) {
        al__store_record_clear(&s->v[i]->rec);
        free(s->v[i]);
    }
    free(s->v);
    if (s->lock >= 0)
        close(s->lock);
    free(s->dir);
    free(s);
}

int
al_store_add(struct al_store *s, const char *artifact, size_t len, const struct al_plan_limits *lim,
             const char *findings, const struct al_plan_record **out)
{
    char tmpname[sizeof(NEW_PREFIX) + AL_ID_HEXLEN], pdir[PATH_LEN], tmp[PATH_LEN], final[PATH_LEN],
        path[PATH_LEN];
    struct al_artifact *a = NULL;
    const struct al_manifest *m;
    struct entry *e = NULL;
    struct al_buf text;
    cJSON *ftree = NULL;
    int r, made = 0;

    al_errclear();
    al_buf_init(&text, AL__STORE_STATE_MAX);
    if ((r = al_artifact_read(artifact, len, lim, &a)) != 0)
        goto out;
    m = al_artifact_manifest(a);
    if (lookup(s, m->id) != NULL) {
        r = al__fail(AL_EEXISTS, "plan %s is already queued", m->id);
        goto out;
    }
    if ((e = calloc(1, sizeof(*e))) == NULL) {
        r = AL_ENOMEM;
        goto out;
    }
    if ((r = al_json_parse(findings ? findings : "[]", findings ? strlen(findings) : 2,
                           AL_FINDINGS_MAX, AL_JSON_MAX_DEPTH - 1, &ftree)) != 0) {
        r = al__prefix(r, "findings");
        goto out;
    }
    if ((r = findings_print(ftree, &e->rec.findings)) != 0)
        goto out;
    memcpy(e->rec.id, m->id, sizeof(e->rec.id));
    e->rec.from = m->from;
    e->rec.to = m->to;
    e->rec.state = AL_PLAN_PENDING;
    memcpy(e->rec.session, m->session, sizeof(e->rec.session));
    e->rec.created = m->created;
    e->rec.changed = time(NULL);
    e->rec.size = len;
    crypto_generichash(e->rec.hash, sizeof(e->rec.hash), (const unsigned char *)artifact, len, NULL,
                       0);
    if ((e->rec.task = strdup(m->task)) == NULL) {
        r = AL_ENOMEM;
        goto out;
    }
    e->seq = s->next_seq;
    snprintf(tmpname, sizeof(tmpname), "%s%s", NEW_PREFIX, m->id);
    if ((r = grow(s)) != 0 || (r = al__store_state_emit(&e->rec, e->seq, &text)) != 0 ||
        (r = join(pdir, s->dir, "plans", NULL, NULL)) != 0 ||
        (r = join(tmp, s->dir, "plans", tmpname, NULL)) != 0 ||
        (r = join(final, s->dir, "plans", m->id, NULL)) != 0)
        goto out;
    /* Built under a name open ignores, so the plan appears whole or not at all. */
    if ((r = remove_leftover(pdir, tmpname)) != 0)
        goto out;
    if (mkdir(tmp, 0700) != 0) {
        r = al__fail(-errno, "%s", tmp);
        goto out;
    }
    made = 1;
    if ((r = join(path, s->dir, "plans", tmpname, ARTIFACT_NAME)) != 0 ||
        (r = al_file_write(path, artifact, len, 0600, 0)) != 0 ||
        (r = join(path, s->dir, "plans", tmpname, STATE_NAME)) != 0 ||
        (r = al_file_write(path, text.data, text.len, 0600, 0)) != 0)
        goto out;
    if (rename(tmp, final) != 0) {
        r = al__fail(errno == ENOTEMPTY ? AL_EEXISTS : -errno, "%s", final);
        goto out;
    }
    made = 0;
    /* The plan is in place: memory follows the disk even if the sync below fails. */
    s->v[s->n++] = e;
    s->next_seq++;
    *out = &e->rec;
    e = NULL; /* transferred */
    r = al_file_sync_dir(pdir);
out:
    if (made)
        (void)remove_leftover(pdir, tmpname);
    if (e != NULL)
        al__store_record_clear(&e->rec);
    free(e);
    cJSON_Delete(ftree);
    al_buf_close(&text);
    al_artifact_free(a);
    return r;
}

size_t
al_store_count(const struct al_store *s)
{
    return s->n;
}

const struct al_plan_record *
al_store_at(const struct al_store *s, size_t i)
{
    return i < s->n ? &s->v[i]->rec : NULL;
}

const struct al_plan_record *
al_store_find(const struct al_store *s, const char *id)
{
    struct entry *e = lookup(s, id);

    return e != NULL ? &e->rec : NULL;
}

size_t
al_store_count_state(const struct al_store *s, enum al_side to, enum al_plan_state st)
{
    size_t i, k = 0;

    for (i = 0; i < s->n; i++)
        if (s->v[i]->rec.to == to && s->v[i]->rec.state == st)
            k++;
    return k;
}

int
al_store_artifact(const struct al_store *s, const char *id, struct al_buf *out)
{
    struct entry *e;
    struct al_buf b;
    int r;

    al_errclear();
    if ((r = find(s, id, &e)) != 0)
        return r;
    if ((r = read_artifact(s, &e->rec, &b)) == 0)
        r = al_buf_append(out, b.data, b.len);
    al_buf_close(&b);
    return r;
}

int
al_store_signature(const struct al_store *s, const char *id, struct al_buf *out)
{
    char path[PATH_LEN];
    struct entry *e;
    struct al_buf b;
    int r;

    al_errclear();
    if ((r = find(s, id, &e)) != 0)
        return r;
    if (!signed_state(e->rec.state))
        return al__fail(AL_ESTATE, "plan %s is %s and was never approved", id,
                        al_plan_state_name(e->rec.state));
    if ((r = join(path, s->dir, "plans", id, SIG_NAME)) != 0)
        return r;
    al_buf_init(&b, AL_SIGFILE_MAX);
    if ((r = al_buf_read_path(&b, path, 1)) == 0)
        r = al_buf_append(out, b.data, b.len);
    al_buf_close(&b);
    return r;
}

int
al_store_plan_dir(const struct al_store *s, const char *id, char *out, size_t outlen)
{
    struct entry *e;
    int r, n;

    al_errclear();
    if ((r = find(s, id, &e)) != 0)
        return r;
    n = snprintf(out, outlen, "%s/plans/%s", s->dir, id);
    if (n < 0 || (size_t)n >= outlen)
        return al__fail(-ENAMETOOLONG, "%s/plans/%s", s->dir, id);
    return 0;
}

int
al_store_approve(struct al_store *s, const char *id, const char *sig, size_t siglen,
                 const struct al_pubkey *pk, const struct al_plan_limits *lim)
{
    char path[PATH_LEN], pdir[PATH_LEN];
    struct al_buf art;
    struct entry *e;
    int r;

    al_errclear();
    al_buf_init(&art, 0);
    if ((r = find(s, id, &e)) != 0)
        goto out;
    /* The state first: a valid signature over a plan already delivered is a replay. */
    if (e->rec.state != AL_PLAN_PENDING) {
        r = not_in(e, AL_PLAN_PENDING);
        goto out;
    }
    if ((r = read_artifact(s, &e->rec, &art)) != 0)
        goto out;
    if ((r = al_plan_verify(pk, art.data, art.len, sig, siglen, lim, NULL, NULL)) != 0)
        goto out;
    /* Signature, then state: a crash between them leaves a pending plan with a signature
     * that open removes, never an approved plan without one. */
    if ((r = join(path, s->dir, "plans", id, SIG_NAME)) != 0 ||
        (r = join(pdir, s->dir, "plans", id, NULL)) != 0 ||
        (r = al_file_write(path, sig, siglen, 0600, 0)) != 0)
        goto out;
    if ((r = commit(s, e, AL_PLAN_APPROVED, NULL, NULL)) != 0) {
        if (e->rec.state == AL_PLAN_PENDING && unlink(path) == 0) {
            int q = al_file_sync_dir(pdir); /* best effort: open removes a stray one anyway */

            (void)q;
        }
        goto out;
    }
    /* success */ r = 0;
out:
    al_buf_close(&art);
    return r;
}

/* The delivery transitions: from state want to state to, with session as the receiving
 * session (NULL: none). */
static int
move(struct al_store *s, const char *id, enum al_plan_state want, enum al_plan_state to,
     const char *session)
{
    struct entry *e;
    int r;

    al_errclear();
    if ((r = find(s, id, &e)) != 0)
        return r;
    if (e->rec.state != want)
        return not_in(e, want);
    return commit(s, e, to, session, NULL);
}

int
al_store_delivering(struct al_store *s, const char *id, const char *session)
{
    if (session == NULL || al_session_check(session) != 0)
        return al__fail(AL_EFIELD, "malformed session name");
    return move(s, id, AL_PLAN_APPROVED, AL_PLAN_DELIVERING, session);
}

int
al_store_delivered(struct al_store *s, const char *id)
{
    const struct al_plan_record *p = al_store_find(s, id);

    return move(s, id, AL_PLAN_DELIVERING, AL_PLAN_DELIVERED, p != NULL ? p->delivered_to : NULL);
}

int
al_store_undeliver(struct al_store *s, const char *id)
{
    return move(s, id, AL_PLAN_DELIVERING, AL_PLAN_APPROVED, NULL);
}

int
al_store_reject(struct al_store *s, const char *id, const char *reason)
{
    struct entry *e;
    int r;

    al_errclear();
    if ((r = find(s, id, &e)) != 0)
        return r;
    if (reason != NULL && (r = reason_check(reason)) != 0)
        return r;
    if (e->rec.state != AL_PLAN_PENDING)
        return not_in(e, AL_PLAN_PENDING);
    return commit(s, e, AL_PLAN_REJECTED, NULL, reason);
}

int
al_store_expire(struct al_store *s, time_t cutoff, size_t *n)
{
    size_t i, k = 0;
    int r;

    al_errclear();
    for (i = 0; i < s->n; i++) {
        if (s->v[i]->rec.state != AL_PLAN_PENDING || s->v[i]->rec.created >= cutoff)
            continue;
        if ((r = commit(s, s->v[i], AL_PLAN_EXPIRED, NULL, NULL)) != 0)
            return r;
        k++;
    }
    *n = k;
    return 0;
}

/* Text kept in reason.json: bounded, valid UTF-8 (cJSON escapes the rest). */
static int
refused_text(const char *what, const char *t)
{
    size_t n = strlen(t);

    if (n > REFUSED_TEXT_MAX)
        return al__fail(AL_ETOOBIG, "%s is longer than %d bytes", what, REFUSED_TEXT_MAX);
    if (al_utf8_validate(t, n, NULL) != 0)
        return al__fail(AL_EUTF8, "%s is not valid UTF-8", what);
    return 0;
}

int
al_store_refuse(struct al_store *s, const char *session, const char *name, int err,
                const char *reason, const char *data, size_t len, uint64_t *n)
{
    char tmpname[48], num[24], when[AL_TIME_LEN + 1], rdir[PATH_LEN], tmp[PATH_LEN],
        final[PATH_LEN], path[PATH_LEN];
    size_t kept = len < REFUSED_KEEP ? len : REFUSED_KEEP;
    cJSON *root = NULL;
    char *text = NULL;
    uint64_t k;
    int r, made = 0;

    al_errclear();
    name = name ? name : "";
    reason = reason ? reason : "";
    if (session == NULL || al_session_check(session) != 0)
        return al__fail(AL_EFIELD, "malformed session name");
    if ((r = refused_text("name", name)) != 0 || (r = refused_text("reason", reason)) != 0)
        return r;
    if (err >= 0 || (data == NULL && len > 0))
        return al__fail(AL_EINVAL, "a refusal needs an error code, and data for a length");
    if (al_time_format(time(NULL), when) != 0)
        return al__fail(AL_EINVAL, "the clock is out of range");
    k = s->refused + 1;
    snprintf(num, sizeof(num), "%" PRIu64, k);
    snprintf(tmpname, sizeof(tmpname), "%s%" PRIu64, NEW_PREFIX, k);
    r = AL_ENOMEM;
    if ((root = cJSON_CreateObject()) == NULL ||
        !cJSON_AddStringToObject(root, "session", session) ||
        !cJSON_AddStringToObject(root, "name", name) ||
        !cJSON_AddStringToObject(root, "error", al_errname(err)) ||
        !cJSON_AddStringToObject(root, "reason", reason) ||
        !cJSON_AddStringToObject(root, "time", when) ||
        !cJSON_AddNumberToObject(root, "size", (double)len) ||
        !cJSON_AddNumberToObject(root, "kept", (double)(data != NULL ? kept : 0)) ||
        (text = cJSON_PrintUnformatted(root)) == NULL)
        goto out;
    if ((r = join(rdir, s->dir, "refused", NULL, NULL)) != 0 ||
        (r = join(tmp, s->dir, "refused", tmpname, NULL)) != 0 ||
        (r = join(final, s->dir, "refused", num, NULL)) != 0 ||
        (r = remove_leftover(rdir, tmpname)) != 0)
        goto out;
    if (mkdir(tmp, 0700) != 0) {
        r = al__fail(-errno, "%s", tmp);
        goto out;
    }
    made = 1;
    if ((r = join(path, s->dir, "refused", tmpname, REASON_NAME)) != 0 ||
        (r = al_file_write(path, text, strlen(text), 0600, 0)) != 0)
        goto out;
    if (data != NULL && ((r = join(path, s->dir, "refused", tmpname, DATA_NAME)) != 0 ||
                         (r = al_file_write(path, data, kept, 0600, 0)) != 0))
        goto out;
    if (rename(tmp, final) != 0) {
        r = al__fail(errno == ENOTEMPTY ? AL_EEXISTS : -errno, "%s", final);
        goto out;
    }
    made = 0;
    s->refused = k;
    if ((r = al_file_sync_dir(rdir)) != 0)
        goto out;
    *n = k;
    /* success */ r = 0;
out:
    if (made)
        (void)remove_leftover(rdir, tmpname);
    free(text);
    cJSON_Delete(root);
    return r;
}
