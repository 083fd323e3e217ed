/* outbox.c: taking proposals out of a hostile outbox directory (see outbox.h). */
#include <airlock/outbox.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sodium.h>

#include <airlock/utf8.h>

#ifndef SYS_openat2
#define SYS_openat2 437 /* the same number on every architecture */
#endif

/* Directories in one directory proposal, the proposal's own directory not counted. */
#define DIRS_MAX AL_OUTBOX_SCAN_MAX
/* A max_entries above this is treated as this when bounding one directory's listing. */
#define ENTRIES_CLAMP 65536
/*
 * Top-level directory entries read in one collection. The outbox tmpfs holds at most
 * 1024 inodes, so this is never reached there; it bounds the time spent on a directory
 * that is not such a tmpfs.
 */
#define DIRENTS_MAX 65536
/* Escaped bytes of a path kept in a reason, so that the rule itself always fits. */
#define REASON_PATH_MAX 300

/*
 * Every open below names one directory entry relative to a descriptor that came from
 * the outbox descriptor the caller gave, and resolves it with these flags: the result is
 * beneath that directory, on the same mount, and no symbolic link of any kind is
 * traversed (a trailing one fails with ELOOP, except with O_PATH | O_NOFOLLOW, which
 * opens the link itself so that fstat can say what it is).
 */
#define RESOLVE_FLAGS                                                                              \
    (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)
/* openat2 refuses O_PATH with any flag besides these (EINVAL), unlike openat. */
#define OPEN_PATH (O_PATH | O_NOFOLLOW | O_CLOEXEC)
#define OPEN_READ (O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

struct al_outbox {
    size_t n;
    struct al_proposal *p; /* n of them, owned */
};

/* The state of taking one proposal. */
struct walk {
    uint64_t max_total, max_member;
    uint32_t max_entries;
    size_t names_max;          /* names held for one directory of a directory proposal */
    const char *top;           /* the proposal's raw name */
    int is_dir;                /* a directory proposal: paths are relative to top */
    char rel[AL_PATH_MAX + 1]; /* raw plan path of the entry being looked at */
    size_t rel_len;
    uint64_t total;
    size_t n_dirs;
    struct al_plan_file *files;
    size_t n_files, cap_files;
    int err;                           /* the refusal, or a fatal error if fatal */
    int fatal;                         /* the collection itself failed (memory, descriptors) */
    char reason[AL_OUTBOX_REASON_MAX]; /* printable ASCII */
};

static int
open_beneath(int dfd, const char *name, uint64_t flags)
{
    struct open_how how;
    long fd;

    memset(&how, 0, sizeof(how));
    how.flags = flags;
    how.resolve = RESOLVE_FLAGS;
    do
        fd = syscall(SYS_openat2, dfd, name, &how, sizeof(how));
    while (fd < 0 && errno == EINTR);
    return fd < 0 ? -errno : (int)fd;
}

/* Errors that say something about this process, not about what the agent wrote. */
static int
is_fatal(int r)
{
    return r == AL_ENOMEM || r == -ENOMEM || r == -EMFILE || r == -ENFILE || r == -ENOSYS;
}

/* The printable-ASCII token for byte c (see escape_to); returns its length. */
static size_t
escape_byte(unsigned char c, char tok[4])
{
    static const char hex[] = "0123456789ABCDEF";

    if (c == '\\') {
        tok[0] = tok[1] = '\\';
        return 2;
    }
    if (c >= 0x20 && c <= 0x7E) {
        tok[0] = (char)c;
        return 1;
    }
    tok[0] = '\\';
    tok[1] = 'x';
    tok[2] = hex[c >> 4];
    tok[3] = hex[c & 0xF];
    return 4;
}

/*
 * Writes the printable-ASCII form of s[0..n) into dst (size cap, NUL-terminated), at
 * most limit characters of it; a form longer than that is cut after a whole token and
 * ends with "...". Bytes 0x20 to 0x7E stand for themselves except the backslash, which
 * is doubled so that no name can forge an escape; every other byte is \xNN. Returns the
 * characters written.
 */
static size_t
escape_to(char *dst, size_t cap, const char *s, size_t n, size_t limit)
{
    size_t o = 0, full = 0, i, k;
    char tok[4];

    if (cap == 0)
        return 0;
    if (limit > cap - 1)
        limit = cap - 1;
    for (i = 0; i < n; i++)
        full += escape_byte((unsigned char)s[i], tok);
    for (i = 0; i < n; i++) {
        k = escape_byte((unsigned char)s[i], tok);
        if (full > limit && o + k + 3 > limit)
            break;
        memcpy(dst + o, tok, k);
        o += k;
    }
    if (full > limit && o + 3 <= limit) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
    return o;
}

static char *
escape_dup(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n * 4 + 1);

    if (p != NULL)
        escape_to(p, n * 4 + 1, s, n, n * 4);
    return p;
}

/*
 * Records the refusal code with the reason "<path>: <what>", where path is the proposal
 * and the entry being looked at, and returns code. Both parts are escaped, so the reason
 * is printable ASCII even when what holds text from strerror in some locale.
 */
AL_PRINTF(3, 4)
static int
refuse(struct walk *w, int code, const char *fmt, ...)
{
    char what[AL_OUTBOX_REASON_MAX];
    size_t o, cap = sizeof(w->reason);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    o = escape_to(w->reason, cap, w->top, strlen(w->top), REASON_PATH_MAX);
    if (w->is_dir && w->rel_len > 0 && o + 1 < REASON_PATH_MAX) {
        w->reason[o++] = '/';
        o += escape_to(w->reason + o, cap - o, w->rel, w->rel_len, REASON_PATH_MAX - o);
    }
    if (o + 2 < cap) {
        memcpy(w->reason + o, ": ", 3);
        o += 2;
        escape_to(w->reason + o, cap - o, what, strlen(what), cap - o - 1);
    }
    w->err = code;
    if (is_fatal(code))
        w->fatal = 1;
    return code;
}

/* A failed open or read of an entry: the entry vanishing or changing kind is instability. */
static int
refuse_errno(struct walk *w, int r, const char *doing)
{
    if (r == -ENOENT || r == -ELOOP || r == -ENOTDIR)
        return refuse(w, AL_EUNSTABLE, "removed or replaced while the outbox was read (%s: %s)",
                      doing, strerrorname_np(-r) != NULL ? strerrorname_np(-r) : "?");
    if (r == -ENOSYS)
        return refuse(w, r, "%s: openat2 is not available (Linux 5.6 or later is needed)", doing);
    return refuse(w, r, "%s: %s", doing, strerror(-r));
}

/* Same inode, and no sign of a change between two fstat calls on it. */
static int
same_state(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_mode == b->st_mode &&
           a->st_size == b->st_size && a->st_nlink == b->st_nlink &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/*
 * Calls fn(ctx, name) for each entry of the directory open at fd, "." and ".." left out,
 * reading it in fixed-size chunks so that a huge directory costs time, never memory.
 * fn returns 0 to go on, 1 to stop, or a negative code that is returned.
 */
static int
each_dirent(int fd, int (*fn)(void *ctx, const char *name), void *ctx)
{
    union {
        struct dirent64 d;
        char b[8192];
    } u;
    ssize_t n, off;
    int r;

    for (;;) {
        n = getdents64(fd, u.b, sizeof(u.b));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return 0;
        for (off = 0; off < n;) {
            const struct dirent64 *d = (const struct dirent64 *)(const void *)(u.b + off);

            off += d->d_reclen;
            if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
                continue;
            if ((r = fn(ctx, d->d_name)) != 0)
                return r < 0 ? r : 0;
        }
    }
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_files(const void *a, const void *b)
{
    return strcmp(((const struct al_plan_file *)a)->path, ((const struct al_plan_file *)b)->path);
}

static void
free_names(char **names, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/*
 * The top of the outbox: the AL_OUTBOX_SCAN_MAX smallest names in byte order, kept in a
 * max-heap while the directory is read, so that which entries are examined depends on
 * their names only, not on the order the file system lists them in.
 */
struct top_scan {
    char *heap[AL_OUTBOX_SCAN_MAX];
    size_t n;
    size_t seen;   /* entries read, examined or not */
    int truncated; /* stopped after DIRENTS_MAX */
};

static void
heap_down(struct top_scan *t, size_t i)
{
    size_t l, big;
    char *tmp;

    for (;;) {
        l = 2 * i + 1;
        if (l >= t->n)
            return;
        big = l;
        if (l + 1 < t->n && strcmp(t->heap[l + 1], t->heap[l]) > 0)
            big = l + 1;
        if (strcmp(t->heap[big], t->heap[i]) <= 0)
            return;
        tmp = t->heap[i];
        t->heap[i] = t->heap[big];
        t->heap[big] = tmp;
        i = big;
    }
}

static void
heap_up(struct top_scan *t, size_t i)
{
    char *tmp;

    while (i > 0 && strcmp(t->heap[(i - 1) / 2], t->heap[i]) < 0) {
        tmp = t->heap[i];
        t->heap[i] = t->heap[(i - 1) / 2];
        t->heap[(i - 1) / 2] = tmp;
        i = (i - 1) / 2;
    }
}

static int
top_add(void *ctx, const char *name)
{
    struct top_scan *t = ctx;
    size_t i;
    char *dup;

    if (t->seen >= DIRENTS_MAX) {
        t->truncated = 1;
        return 1;
    }
    /* A directory being changed while it is read may list a name twice. */
    for (i = 0; i < t->n; i++)
        if (strcmp(t->heap[i], name) == 0)
            return 0;
    t->seen++;
    if (t->n == AL_OUTBOX_SCAN_MAX && strcmp(name, t->heap[0]) >= 0)
        return 0;
    if ((dup = strdup(name)) == NULL)
        return AL_ENOMEM;
    if (t->n < AL_OUTBOX_SCAN_MAX) {
        t->heap[t->n++] = dup;
        heap_up(t, t->n - 1);
    } else {
        free(t->heap[0]);
        t->heap[0] = dup;
        heap_down(t, 0);
    }
    return 0;
}

/* One directory of a directory proposal: up to max names, else the proposal is refused. */
struct dir_list {
    char **names;
    size_t n, max;
    int over;
};

static int
list_add(void *ctx, const char *name)
{
    struct dir_list *l = ctx;

    if (l->n == l->max) {
        l->over = 1;
        return 1;
    }
    if ((l->names[l->n] = strdup(name)) == NULL)
        return AL_ENOMEM;
    l->n++;
    return 0;
}

static void
free_files(struct al_plan_file *f, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free((void *)(uintptr_t)f[i].path);
        free((void *)(uintptr_t)f[i].data);
    }
    free(f);
}

/*
 * What the entry name in dfd is, from an O_PATH descriptor of the entry itself (which
 * opens neither a FIFO nor a device, and is the link itself for a symbolic link).
 * Returns 0 for a regular file or a directory, with *st filled, or the refusal.
 */
static int
stat_entry(struct walk *w, int dfd, const char *name, struct stat *st)
{
    int fd, r = 0;

    if ((fd = open_beneath(dfd, name, OPEN_PATH)) < 0)
        return refuse_errno(w, fd, "open");
    if (fstat(fd, st) != 0)
        r = refuse_errno(w, -errno, "fstat");
    close(fd);
    if (r != 0)
        return r;
    switch (st->st_mode & S_IFMT) {
    case S_IFREG:
    case S_IFDIR:
        return 0;
    case S_IFLNK:
        return refuse(w, AL_ESYMLINK, "symbolic link, not followed");
    case S_IFIFO:
        return refuse(w, AL_EFIFO, "FIFO, not opened");
    case S_IFCHR:
        return refuse(w, AL_EDEVICE, "character device, not opened");
    case S_IFBLK:
        return refuse(w, AL_EDEVICE, "block device, not opened");
    case S_IFSOCK:
        return refuse(w, AL_EFILETYPE, "socket, not opened");
    default:
        return refuse(w, AL_EFILETYPE, "not a regular file or directory (mode 0%o)",
                      (unsigned)st->st_mode);
    }
}

/* Opens the entry that stat_entry saw, for reading, and checks that it is still that one. */
static int
open_same(struct walk *w, int dfd, const char *name, uint64_t flags, const struct stat *seen,
          struct stat *now, int *fdp)
{
    int fd;

    if ((fd = open_beneath(dfd, name, flags)) < 0)
        return refuse_errno(w, fd, "open");
    if (fstat(fd, now) != 0) {
        int r = refuse_errno(w, -errno, "fstat");

        close(fd);
        return r;
    }
    if (now->st_dev != seen->st_dev || now->st_ino != seen->st_ino ||
        (now->st_mode & S_IFMT) != (seen->st_mode & S_IFMT)) {
        close(fd);
        return refuse(w, AL_EUNSTABLE, "replaced while the outbox was read");
    }
    *fdp = fd;
    return 0;
}

/* Size rules for a file of size bytes, all before it is opened for reading. */
static int
check_size(struct walk *w, off_t size)
{
    uint64_t s = (uint64_t)size;

    if (size < 0 || s > w->max_member)
        return refuse(w, AL_EMEMBERSIZE, "%llu bytes, over the limit of %llu for one file",
                      (unsigned long long)s, (unsigned long long)w->max_member);
    if (s > w->max_total - w->total)
        return refuse(w, AL_ETOTALSIZE,
                      "the proposal reaches %llu bytes with this file, over its limit of %llu",
                      (unsigned long long)(w->total + s), (unsigned long long)w->max_total);
    return 0;
}

/*
 * Takes the regular file name in dfd (seen: its O_PATH fstat), whose plan path is
 * w->rel. Every size rule is decided from fstat before a byte is read. The read asks for
 * one byte more than fstat reported, so a file that grows is noticed even if its size is
 * read back unchanged, and fstat after the read must match fstat before it.
 */
static int
take_file(struct walk *w, int dfd, const char *name, const struct stat *seen)
{
    struct al_plan_file *f;
    struct stat st, after;
    size_t size, got = 0, bad = 0;
    char *data = NULL, *path = NULL;
    ssize_t k;
    int fd = -1, r;

    if ((r = al_path_check(w->rel)) != 0)
        return refuse(w, r, "not a valid plan path: %s", al_errdetail());
    if (w->n_files >= w->max_entries)
        return refuse(w, AL_ECOUNT, "more than %u files in one proposal", w->max_entries);
    if ((r = check_size(w, seen->st_size)) != 0)
        return r;
    if ((r = open_same(w, dfd, name, OPEN_READ, seen, &st, &fd)) != 0)
        return r;
    /* Checked again on what was opened: the file may have grown since the O_PATH look. */
    if ((r = check_size(w, st.st_size)) != 0)
        goto out;
    /* A file with holes (truncate -s) is mostly NUL bytes that cost nothing to make and
     * all of its size to read: refused before reading, as its text would be anyway. */
    if ((uint64_t)st.st_blocks * 512 + 4096 < (uint64_t)st.st_size) {
        r = refuse(w, AL_ENUL,
                   "a sparse file (%llu bytes, %llu allocated): its holes read as "
                   "NUL bytes",
                   (unsigned long long)st.st_size, (unsigned long long)st.st_blocks * 512);
        goto out;
    }
    size = (size_t)st.st_size;
    if ((data = malloc(size + 1)) == NULL) {
        r = refuse(w, AL_ENOMEM, "out of memory");
        goto out;
    }
    while (got < size + 1) {
        k = read(fd, data + got, size + 1 - got);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            r = refuse_errno(w, -errno, "read");
            goto out;
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    if (got > size) {
        r = refuse(w, AL_EUNSTABLE, "changed while read: more than the %zu bytes fstat reported",
                   size);
        goto out;
    }
    if (got < size) {
        r = refuse(w, AL_EUNSTABLE, "changed while read: %zu of the %zu bytes fstat reported", got,
                   size);
        goto out;
    }
    if (fstat(fd, &after) != 0) {
        r = refuse_errno(w, -errno, "fstat");
        goto out;
    }
    if (!same_state(&st, &after)) {
        r = refuse(w, AL_EUNSTABLE, "changed while read (size, mtime or ctime)");
        goto out;
    }
    data[size] = '\0';
    if ((r = al_utf8_check_text(data, size, &bad)) != 0) {
        r = refuse(w, r, "%s at byte %zu", r == AL_ENUL ? "NUL" : "invalid UTF-8", bad);
        goto out;
    }
    if (w->n_files == w->cap_files) {
        size_t cap = w->cap_files != 0 ? w->cap_files * 2 : 8;

        if ((f = realloc(w->files, cap * sizeof(*f))) == NULL) {
            r = refuse(w, AL_ENOMEM, "out of memory");
            goto out;
        }
        w->files = f;
        w->cap_files = cap;
    }
    if ((path = strdup(w->rel)) == NULL) {
        r = refuse(w, AL_ENOMEM, "out of memory");
        goto out;
    }
    f = &w->files[w->n_files++];
    f->path = path; /* transferred */
    f->data = data; /* transferred */
    f->len = size;
    path = data = NULL;
    w->total += size;
    /* success */ r = 0;
out:
    free(path);
    free(data);
    if (fd >= 0)
        close(fd);
    return r;
}

static int walk_dir(struct walk *w, int dfd, const char *name, const struct stat *seen,
                    size_t depth);

/* Makes w->rel the path of name inside the directory whose path is w->rel[0..base). */
static int
enter(struct walk *w, size_t base, const char *name)
{
    size_t n = strlen(name), need = base + (base > 0) + n;

    w->rel_len = base;
    if (need > AL_PATH_MAX) {
        /* Show as much of the path as fits, so the person can find it. */
        if (base > 0 && base < AL_PATH_MAX)
            w->rel[w->rel_len++] = '/';
        n = AL_PATH_MAX - w->rel_len;
        memcpy(w->rel + w->rel_len, name, n);
        w->rel_len += n;
        w->rel[w->rel_len] = '\0';
        return refuse(w, AL_EPATH, "path longer than %d bytes", AL_PATH_MAX);
    }
    if (base > 0)
        w->rel[w->rel_len++] = '/';
    memcpy(w->rel + w->rel_len, name, n + 1);
    w->rel_len += n;
    return 0;
}

/* One entry of a directory proposal, at depth components (counting itself). */
static int
walk_entry(struct walk *w, int dfd, const char *name, size_t depth)
{
    struct stat st;
    int r;

    if (depth > AL_PATH_MAX_DEPTH)
        return refuse(w, AL_EPATH, "more than %d components", AL_PATH_MAX_DEPTH);
    if ((r = stat_entry(w, dfd, name, &st)) != 0)
        return r;
    if (S_ISREG(st.st_mode))
        return take_file(w, dfd, name, &st);
    if (++w->n_dirs > DIRS_MAX)
        return refuse(w, AL_ECOUNT, "more than %d directories in one proposal", DIRS_MAX);
    return walk_dir(w, dfd, name, &st, depth);
}

/*
 * The directory name in dfd (seen: its O_PATH fstat), whose path in the proposal is
 * w->rel (depth components, 0 for the proposal itself). Its names are read (bounded),
 * sorted, and taken in order, so the first rule broken is the same on every file system.
 * The directory must look the same in fstat before and after.
 */
static int
walk_dir(struct walk *w, int dfd, const char *name, const struct stat *seen, size_t depth)
{
    struct dir_list l = {NULL, 0, w->names_max, 0};
    struct stat st, after;
    size_t base = w->rel_len, i;
    int fd = -1, r;

    if ((r = open_same(w, dfd, name, OPEN_READ | O_DIRECTORY, seen, &st, &fd)) != 0)
        return r;
    if ((l.names = calloc(l.max, sizeof(*l.names))) == NULL) {
        r = refuse(w, AL_ENOMEM, "out of memory");
        goto out;
    }
    if ((r = each_dirent(fd, list_add, &l)) != 0) {
        r = r == AL_ENOMEM ? refuse(w, r, "out of memory") : refuse_errno(w, r, "getdents");
        goto out;
    }
    if (l.over) {
        r = refuse(w, AL_ECOUNT, "more than %zu entries in one directory", l.max);
        goto out;
    }
    qsort(l.names, l.n, sizeof(*l.names), cmp_names);
    for (i = 0; i < l.n; i++) {
        if ((r = enter(w, base, l.names[i])) != 0 ||
            (r = walk_entry(w, fd, l.names[i], depth + 1)) != 0)
            goto out;
    }
    w->rel_len = base;
    w->rel[base] = '\0';
    if (fstat(fd, &after) != 0) {
        r = refuse_errno(w, -errno, "fstat");
        goto out;
    }
    if (!same_state(&st, &after)) {
        r = refuse(w, AL_EUNSTABLE, "directory changed while read");
        goto out;
    }
    /* success */ r = 0;
out:
    if (l.names != NULL)
        free_names(l.names, l.n);
    if (fd >= 0)
        close(fd);
    return r;
}

static void
put_u64(crypto_generichash_state *h, uint64_t v)
{
    unsigned char b[8];
    int i;

    for (i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    crypto_generichash_update(h, b, sizeof(b));
}

/* BLAKE2b-256 over (u64le path length, path, u64le size, bytes) for each file in order. */
static void
digest(const struct al_plan_file *f, size_t n, unsigned char out[AL_HASH_LEN])
{
    crypto_generichash_state h;
    size_t i, pl;

    crypto_generichash_init(&h, NULL, 0, AL_HASH_LEN);
    for (i = 0; i < n; i++) {
        pl = strlen(f[i].path);
        put_u64(&h, pl);
        crypto_generichash_update(&h, (const unsigned char *)f[i].path, pl);
        put_u64(&h, f[i].len);
        crypto_generichash_update(&h, (const unsigned char *)f[i].data, f[i].len);
    }
    crypto_generichash_final(&h, out, AL_HASH_LEN);
    sodium_memzero(&h, sizeof(h));
}

/* Takes the top-level entry name of the outbox open at fd into p (name already set). */
static int
take_proposal(int fd, const char *name, struct walk *w, struct al_proposal *p)
{
    struct stat st;
    int r;

    w->top = name;
    w->is_dir = 0;
    w->rel_len = 0;
    w->rel[0] = '\0';
    if ((r = al_path_check(name)) != 0)
        return refuse(w, r, "not a valid plan path: %s", al_errdetail());
    if ((r = stat_entry(w, fd, name, &st)) != 0)
        return r;
    if (S_ISREG(st.st_mode)) {
        memcpy(w->rel, name, strlen(name) + 1); /* al_path_check: at most AL_PATH_MAX */
        w->rel_len = strlen(name);
        r = take_file(w, fd, name, &st);
        w->rel_len = 0;
        if (r != 0)
            return r;
    } else {
        w->is_dir = 1;
        if ((r = walk_dir(w, fd, name, &st, 0)) != 0)
            return r;
    }
    if (w->n_files > 1)
        qsort(w->files, w->n_files, sizeof(*w->files), cmp_files);
    digest(w->files, w->n_files, p->digest);
    p->files = w->files; /* transferred */
    p->n_files = w->n_files;
    w->files = NULL;
    w->n_files = w->cap_files = 0;
    return 0;
}

static void
proposal_clear(struct al_proposal *p)
{
    free(p->name);
    free(p->reason);
    free_files(p->files, p->n_files);
    memset(p, 0, sizeof(*p));
}

static int
set_refusal(struct al_proposal *p, int err, const char *reason)
{
    p->err = err;
    if ((p->reason = strdup(reason)) == NULL)
        return AL_ENOMEM;
    return 0;
}

int
al_outbox_collect(int dirfd, const struct al_outbox_limits *lim, struct al_outbox **out)
{
    struct top_scan *t = NULL;
    struct al_outbox *o = NULL;
    struct walk w;
    uint32_t accepted = 0;
    size_t i;
    int fd = -1, r;

    al_errclear();
    memset(&w, 0, sizeof(w));
    if (dirfd < 0 || lim == NULL || out == NULL)
        return al__fail(AL_EINVAL, "al_outbox_collect: no outbox or no limits");
    /* A descriptor of our own, so reading it neither moves nor depends on dirfd's offset. */
    fd = open_beneath(dirfd, ".", OPEN_READ | O_DIRECTORY);
    if (fd < 0) {
        r = fd == -ENOSYS ? al__fail(fd, "outbox: openat2 needs Linux 5.6 or later")
                          : al__fail(fd, "outbox: %s", strerror(-fd));
        goto out;
    }
    r = AL_ENOMEM;
    if ((t = calloc(1, sizeof(*t))) == NULL)
        goto out;
    if ((r = each_dirent(fd, top_add, t)) != 0) {
        if (r != AL_ENOMEM)
            r = al__fail(r, "outbox: reading the directory: %s", strerror(-r));
        goto out;
    }
    qsort(t->heap, t->n, sizeof(*t->heap), cmp_names);

    r = AL_ENOMEM;
    if ((o = calloc(1, sizeof(*o))) == NULL || (o->p = calloc(t->n + 1, sizeof(*o->p))) == NULL)
        goto out;
    w.max_total =
        lim->plan.max_total < AL_PLAN_HARD_MAX_BYTES ? lim->plan.max_total : AL_PLAN_HARD_MAX_BYTES;
    w.max_member = lim->plan.max_member < w.max_total ? lim->plan.max_member : w.max_total;
    w.max_entries = lim->plan.max_entries;
    w.names_max = (w.max_entries < ENTRIES_CLAMP ? w.max_entries : ENTRIES_CLAMP) + DIRS_MAX;
    for (i = 0; i < t->n; i++) {
        struct al_proposal *p = &o->p[o->n++];

        w.total = 0;
        w.n_dirs = 0;
        if ((p->name = escape_dup(t->heap[i])) == NULL)
            goto out;
        if (accepted >= lim->max_proposals) {
            /* Not opened at all: nothing past the cap costs time or memory. */
            w.top = t->heap[i];
            w.is_dir = 0;
            w.rel_len = 0;
            refuse(&w, AL_EQUOTA, "over the cap of %u proposals in one collection; not read",
                   lim->max_proposals);
        } else if (take_proposal(fd, t->heap[i], &w, p) == 0) {
            accepted++;
            continue;
        }
        free_files(w.files, w.n_files);
        w.files = NULL;
        w.n_files = w.cap_files = 0;
        if (w.fatal) {
            r = al__fail(w.err, "outbox: %s", w.reason);
            goto out;
        }
        if (set_refusal(p, w.err, w.reason) != 0)
            goto out;
    }
    if (t->seen > t->n) {
        struct al_proposal *p = &o->p[o->n++];
        char why[128];

        snprintf(why, sizeof(why), "...: %s%zu more top-level entries not examined (at most %d)",
                 t->truncated ? "at least " : "", t->seen - t->n, AL_OUTBOX_SCAN_MAX);
        if ((p->name = strdup("...")) == NULL || set_refusal(p, AL_ECOUNT, why) != 0)
            goto out;
    }
    *out = o; /* transferred */
    o = NULL;
    /* success */ r = 0;
out:
    free_files(w.files, w.n_files);
    al_outbox_free(o);
    if (t != NULL) {
        for (i = 0; i < t->n; i++)
            free(t->heap[i]);
        free(t);
    }
    if (fd >= 0)
        close(fd);
    return r;
}

size_t
al_outbox_count(const struct al_outbox *o)
{
    return o != NULL ? o->n : 0;
}

const struct al_proposal *
al_outbox_get(const struct al_outbox *o, size_t i)
{
    return o != NULL && i < o->n ? &o->p[i] : NULL;
}

void
al_outbox_free(struct al_outbox *o)
{
    size_t i;

    if (o == NULL)
        return;
    for (i = 0; i < o->n; i++)
        proposal_clear(&o->p[i]);
    free(o->p);
    free(o);
}
