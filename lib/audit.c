/* audit.c: the hash-chained audit log (see audit.h). */
#include <airlock/audit.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <airlock/buf.h>
#include <airlock/file.h>
#include <airlock/json.h>
#include <airlock/timefmt.h>

#define HASH_HEX 64
#define HEAD_MAX 128
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

struct al_audit {
    int fd;
    char head_path[4096];
    uint64_t seq;            /* of the last record, 0 if none */
    char last[HASH_HEX + 1]; /* hash of the last line, or ZERO_HASH */
};

static void
line_hash(const char *line, size_t n, char out[HASH_HEX + 1])
{
    unsigned char h[32];

    crypto_generichash(h, sizeof(h), (const unsigned char *)line, n, NULL, 0);
    sodium_bin2hex(out, HASH_HEX + 1, h, sizeof(h));
}

/* A record's fields, checked against the closed schema. Points into the parsed tree. */
struct record {
    uint64_t seq;
    const char *prev;
};

static int
parse_record(const char *line, size_t n, uint64_t lineno, struct record *rec, cJSON **tree)
{
    static const char *const known[] = {"seq", "time", "event", "data", "prev"};
    const char *t, *event;
    char where[48];
    time_t when;
    int r;

    snprintf(where, sizeof(where), "line %" PRIu64, lineno);
    if ((r = al_json_parse(line, n, AL_AUDIT_RECORD_MAX, AL_JSON_MAX_DEPTH, tree)) != 0)
        return al__prefix(AL_EAUDIT, "%s: not a record (%s)", where, al_strerror(r));
    if ((r = al_json_closed(*tree, where, known, 5)) != 0 ||
        (r = al_json_uint(*tree, where, "seq", (uint64_t)1 << 53, &rec->seq)) != 0 ||
        (r = al_json_string(*tree, where, "time", 32, &t)) != 0 ||
        (r = al_json_string(*tree, where, "event", 64, &event)) != 0 ||
        (r = al_json_string(*tree, where, "prev", HASH_HEX, &rec->prev)) != 0)
        return al__prefix(AL_EAUDIT, "%s", al_strerror(r));
    if (al_time_parse(t, &when) != 0 || strlen(rec->prev) != HASH_HEX ||
        strspn(rec->prev, "0123456789abcdef") != HASH_HEX)
        return al__fail(AL_EAUDIT, "%s: malformed time or prev", where);
    if (event[0] == '\0' ||
        strspn(event, "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(event))
        return al__fail(AL_EAUDIT, "%s: event must be [a-z0-9._-]", where);
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(*tree, "data")))
        return al__fail(AL_EAUDIT, "%s: \"data\" must be an object", where);
    return 0;
}

static int
read_head(const char *path, uint64_t *seq, char hash[HASH_HEX + 1])
{
    struct al_buf b;
    char h[HASH_HEX + 2];
    int r, n = 0;

    al_buf_init(&b, HEAD_MAX);
    if ((r = al_buf_read_path(&b, path, 1)) != 0)
        goto out;
    if (b.data == NULL || b.data[0] < '0' || b.data[0] > '9' ||
        (b.data[0] == '0' && b.data[1] != ' ') ||
        sscanf(b.data, "%" SCNu64 " %65s%n", seq, h, &n) != 2 || strlen(h) != HASH_HEX ||
        strspn(h, "0123456789abcdef") != HASH_HEX || (size_t)n + 1 != b.len || b.data[n] != '\n') {
        r = al__fail(AL_EAUDIT, "%s: malformed head file", path);
        goto out;
    }
    memcpy(hash, h, HASH_HEX + 1);
out:
    al_buf_close(&b);
    return r;
}

static int
write_head(const char *path, uint64_t seq, const char *hash)
{
    char text[HEAD_MAX];
    int n = snprintf(text, sizeof(text), "%" PRIu64 " %s\n", seq, hash);

    return al_file_write(path, text, (size_t)n, 0600, 0);
}

/* Reads the last line of fd (file size size) into b. */
static int
last_line(int fd, off_t size, struct al_buf *b, int *first)
{
    off_t start = size > AL_AUDIT_RECORD_MAX + 1 ? size - (AL_AUDIT_RECORD_MAX + 1) : 0;
    size_t len = (size_t)(size - start);
    const char *nl;
    char *p;

    if ((p = malloc(len)) == NULL)
        return AL_ENOMEM;
    if (pread(fd, p, len, start) != (ssize_t)len) {
        free(p);
        return -EIO;
    }
    /* p ends with '\n'; the line starts after the newline before that one. */
    nl = len > 1 ? memrchr(p, '\n', len - 1) : NULL;
    if (nl == NULL && start != 0) {
        free(p);
        return al__fail(AL_EAUDIT, "last record over %d bytes", AL_AUDIT_RECORD_MAX);
    }
    *first = nl == NULL && start == 0;
    nl = nl != NULL ? nl + 1 : p;
    if (al_buf_append(b, nl, (size_t)(p + len - 1 - nl)) != 0) {
        free(p);
        return AL_ENOMEM;
    }
    free(p);
    return 0;
}

int
al_audit_open(const char *path, struct al_audit **out)
{
    struct al_audit *a = NULL;
    struct record rec;
    struct al_buf line;
    cJSON *tree = NULL;
    char hhash[HASH_HEX + 1], lhash[HASH_HEX + 1];
    uint64_t hseq = 0;
    struct stat st;
    off_t end;
    char c;
    int r, head, first = 0;

    al_errclear();
    al_buf_init(&line, AL_AUDIT_RECORD_MAX);
    if ((a = calloc(1, sizeof(*a))) == NULL) {
        r = AL_ENOMEM;
        goto out;
    }
    memcpy(a->last, ZERO_HASH, sizeof(a->last));
    if (snprintf(a->head_path, sizeof(a->head_path), "%s.head", path) >=
        (int)sizeof(a->head_path)) {
        r = al__fail(-ENAMETOOLONG, "%s", path);
        goto out;
    }
    a->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (a->fd < 0 || fstat(a->fd, &st) != 0) {
        r = al__fail(-errno, "%s", path);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        r = al__fail(AL_EFILETYPE, "%s is not a regular file", path);
        goto out;
    }
    /* A torn last line (crash mid-write) was never acknowledged: cut it off. */
    end = st.st_size;
    while (end > 0 && pread(a->fd, &c, 1, end - 1) == 1 && c != '\n')
        end--;
    if (end != st.st_size && ftruncate(a->fd, end) != 0) {
        r = al__fail(-errno, "%s: cutting an incomplete last record", path);
        goto out;
    }
    head = read_head(a->head_path, &hseq, hhash);
    if (end == 0) {
        if (head != 0 && head != -ENOENT) {
            r = al__prefix(AL_EAUDIT, "%s is empty but its head file is unreadable", path);
            goto out;
        }
        if (head == 0 && hseq != 0) {
            r = al__fail(AL_EAUDIT, "%s is empty but its head says %" PRIu64 " records", path,
                         hseq);
            goto out;
        }
        *out = a;
        a = NULL;
        r = 0;
        goto out;
    }
    if ((r = last_line(a->fd, end, &line, &first)) != 0 ||
        (r = parse_record(line.data ? line.data : "", line.len, 0, &rec, &tree)) != 0) {
        r = al__prefix(r, "%s", path);
        goto out;
    }
    line_hash(line.data, line.len, lhash);
    if (head == 0 && hseq == rec.seq && strcmp(hhash, lhash) == 0) {
        /* consistent */
    } else if ((head == 0 && hseq + 1 == rec.seq && strcmp(hhash, rec.prev) == 0) ||
               (head == -ENOENT && rec.seq == 1 && first)) {
        /* A crash between an append and its head update: the record is complete and
         * chains onto the head (or is the very first), so the head catches up. A missing
         * head under a longer log is not repaired: that would hide a cut. */
        if ((r = write_head(a->head_path, rec.seq, lhash)) != 0)
            goto out;
    } else {
        r = al__fail(AL_EAUDIT, "%s: the head file does not match the last record", path);
        goto out;
    }
    a->seq = rec.seq;
    memcpy(a->last, lhash, sizeof(a->last));
    *out = a;
    a = NULL; /* transferred */
    /* success */ r = 0;
out:
    cJSON_Delete(tree);
    al_buf_close(&line);
    al_audit_close(a);
    return r;
}

/* Appends a whole line durably, or nothing: a short write is cut back off. */
static int
write_line(int fd, const char *p, size_t n)
{
    off_t start = lseek(fd, 0, SEEK_END);
    ssize_t k;
    int e;

    if (start < 0)
        return al__fail(-errno, "appending to the audit log");
    k = write(fd, p, n);
    if (k == (ssize_t)n && fdatasync(fd) == 0)
        return 0;
    e = k < 0 || k == (ssize_t)n ? errno : EIO; /* a short write sets no errno */
    if (ftruncate(fd, start) != 0) {
        /* The torn line stays; the next open cuts it off. */
    }
    return al__fail(-(e ? e : EIO), "appending to the audit log");
}

int
al_audit_append(struct al_audit *a, const char *event, const cJSON *data)
{
    char when[AL_TIME_LEN + 1], hash[HASH_HEX + 1];
    cJSON *rec = NULL, *copy = NULL;
    char *text = NULL;
    size_t n;
    int r = AL_ENOMEM;

    if (al_time_format(time(NULL), when) != 0)
        return AL_EINVAL;
    if ((rec = cJSON_CreateObject()) == NULL ||
        !cJSON_AddNumberToObject(rec, "seq", (double)(a->seq + 1)) ||
        !cJSON_AddStringToObject(rec, "time", when) ||
        !cJSON_AddStringToObject(rec, "event", event))
        goto out;
    copy = data != NULL ? cJSON_Duplicate(data, 1) : cJSON_CreateObject();
    if (copy == NULL || !cJSON_AddItemToObject(rec, "data", copy)) {
        cJSON_Delete(copy);
        goto out;
    }
    if (!cJSON_AddStringToObject(rec, "prev", a->last) ||
        (text = cJSON_PrintUnformatted(rec)) == NULL)
        goto out;
    n = strlen(text);
    /* Never write what verification would refuse: that would wedge the log for good. */
    {
        struct record check;
        cJSON *tree = NULL;

        r = parse_record(text, n, a->seq + 1, &check, &tree);
        cJSON_Delete(tree);
        if (r != 0) {
            r = al__prefix(AL_EINVAL, "refusing an audit record its reader would not accept");
            goto out;
        }
    }
    line_hash(text, n, hash);
    text[n] = '\n'; /* cJSON's NUL becomes the line end; the hash excludes it */
    if ((r = write_line(a->fd, text, n + 1)) != 0)
        goto out;
    /* The record is in the log: the handle follows it even if the head update fails
     * (a reopen repairs a head one record behind). */
    a->seq++;
    memcpy(a->last, hash, sizeof(a->last));
    r = write_head(a->head_path, a->seq, hash);
out:
    free(text);
    cJSON_Delete(rec);
    return r;
}

uint64_t
al_audit_count(const struct al_audit *a)
{
    return a->seq;
}

void
al_audit_close(struct al_audit *a)
{
    if (a == NULL)
        return;
    if (a->fd >= 0)
        close(a->fd);
    free(a);
}

int
al_audit_verify(const char *path, uint64_t *records)
{
    char prev[HASH_HEX + 1] = ZERO_HASH, hhash[HASH_HEX + 1], head_path[4096];
    uint64_t lineno = 0, hseq = 0;
    struct record rec;
    struct al_buf log;
    const char *p, *end, *nl;
    cJSON *tree = NULL;
    int r;

    al_errclear();
    al_buf_init(&log, (size_t)1 << 30);
    if ((r = al_buf_read_path(&log, path, 0)) != 0)
        goto out;
    p = log.data != NULL ? log.data : "";
    end = p + log.len;
    if (log.len > 0 && end[-1] != '\n') {
        r = al__fail(AL_EAUDIT, "the last record is incomplete");
        goto out;
    }
    for (; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(end - p));
        lineno++;
        cJSON_Delete(tree);
        tree = NULL;
        if ((r = parse_record(p, (size_t)(nl - p), lineno, &rec, &tree)) != 0)
            goto out;
        if (rec.seq != lineno) {
            r = al__fail(AL_EAUDIT,
                         "line %" PRIu64 ": seq %" PRIu64 " (a record was removed, "
                         "added or moved before it)",
                         lineno, rec.seq);
            goto out;
        }
        if (strcmp(rec.prev, prev) != 0) {
            r = al__fail(AL_EAUDIT,
                         "line %" PRIu64 ": prev does not match the line before (it "
                         "was edited, removed or reordered)",
                         lineno);
            goto out;
        }
        line_hash(p, (size_t)(nl - p), prev);
    }
    snprintf(head_path, sizeof(head_path), "%s.head", path);
    if ((r = read_head(head_path, &hseq, hhash)) != 0) {
        if (r == -ENOENT && lineno == 0)
            r = 0;
        else
            r = al__prefix(AL_EAUDIT, "head file (%s)", al_strerror(r));
        if (r != 0)
            goto out;
    } else if (hseq != lineno || (lineno > 0 && strcmp(hhash, prev) != 0)) {
        r = al__fail(AL_EAUDIT,
                     "the log ends at record %" PRIu64 " but its head says %" PRIu64
                     " (records were cut from the end, or the head was changed)",
                     lineno, hseq);
        goto out;
    }
    *records = lineno;
    /* success */ r = 0;
out:
    cJSON_Delete(tree);
    al_buf_close(&log);
    return r;
}
