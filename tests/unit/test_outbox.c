/*
 * Unit tests: collecting proposals from a hostile outbox. Every refusal is paired with
 * the same shape made legal, which is accepted, so a refusal never passes because
 * collection fails for some other reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "support.h"

#include <airlock/artifact.h>
#include <airlock/outbox.h>

/* The outbox and a directory beside it that stands for the user's files. */
struct box {
    char root[160]; /* holds both */
    char dir[192];  /* the outbox */
    char host[192]; /* outside the outbox */
};

static void
box_new(struct box *b)
{
    const char *tmp = getenv("TMPDIR"); /* e.g. a tmpfs, which is what an outbox is */

    if (tmp == NULL || tmp[0] == '\0' || strlen(tmp) > 100)
        tmp = "/tmp";
    snprintf(b->root, sizeof(b->root), "%s/airlock-test-outbox-XXXXXX", tmp);
    assert_non_null(mkdtemp(b->root));
    snprintf(b->dir, sizeof(b->dir), "%s/outbox", b->root);
    snprintf(b->host, sizeof(b->host), "%s/host", b->root);
    assert_int_equal(mkdir(b->dir, 0700), 0);
    assert_int_equal(mkdir(b->host, 0700), 0);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void
box_free(struct box *b)
{
    assert_int_equal(nftw(b->root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* Makes each directory on the way to rel (a '/'-separated path) under base. */
static void
mkdirs(const char *base, const char *rel)
{
    char path[512];
    size_t i, n = strlen(base);

    snprintf(path, sizeof(path), "%s/%s", base, rel);
    for (i = n + 1; path[i] != '\0'; i++) {
        if (path[i] != '/')
            continue;
        path[i] = '\0';
        if (mkdir(path, 0700) != 0)
            assert_int_equal(errno, EEXIST);
        path[i] = '/';
    }
}

static void
put(const char *base, const char *rel, const void *data, size_t len)
{
    char path[512];
    int fd;

    mkdirs(base, rel);
    snprintf(path, sizeof(path), "%s/%s", base, rel);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

static void
puts_(const char *base, const char *rel, const char *text)
{
    put(base, rel, text, strlen(text));
}

static void
link_to(const char *base, const char *rel, const char *target)
{
    char path[512];

    mkdirs(base, rel);
    snprintf(path, sizeof(path), "%s/%s", base, rel);
    assert_int_equal(symlink(target, path), 0);
}

static struct al_outbox_limits
limits(void)
{
    struct al_outbox_limits lim;

    al_plan_limits_default(&lim.plan);
    lim.max_proposals = 16;
    return lim;
}

static int
collect_lim(const struct box *b, const struct al_outbox_limits *lim, struct al_outbox **o)
{
    int fd = open(b->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

    assert_true(fd >= 0);
    r = al_outbox_collect(fd, lim, o);
    close(fd);
    return r;
}

static struct al_outbox *
collect(const struct box *b)
{
    struct al_outbox_limits lim = limits();
    struct al_outbox *o = NULL;

    assert_int_equal(collect_lim(b, &lim, &o), 0);
    assert_non_null(o);
    return o;
}

static const struct al_proposal *
find(const struct al_outbox *o, const char *name)
{
    size_t i;

    for (i = 0; i < al_outbox_count(o); i++)
        if (strcmp(al_outbox_get(o, i)->name, name) == 0)
            return al_outbox_get(o, i);
    fail_msg("no proposal named \"%s\"", name);
    return NULL;
}

static void
assert_printable(const char *s)
{
    for (; *s != '\0'; s++)
        assert_true(*s >= 0x20 && *s <= 0x7E);
}

/* The refusal of name: code, and a reason that starts with prefix (and is printable). */
static void
assert_refused(const struct al_outbox *o, const char *name, int code, const char *prefix)
{
    const struct al_proposal *p = find(o, name);

    if (p->err != code)
        fail_msg("%s: %s (%s), expected %s", name, al_errname(p->err),
                 p->reason != NULL ? p->reason : "", al_errname(code));
    assert_non_null(p->reason);
    assert_printable(p->reason);
    assert_printable(p->name);
    if (strncmp(p->reason, prefix, strlen(prefix)) != 0)
        fail_msg("reason \"%s\" does not start with \"%s\"", p->reason, prefix);
    assert_int_equal(p->n_files, 0);
    assert_null(p->files);
}

/* The digest as docs/internals/outbox.md specifies it, computed here independently. */
static void
spec_digest(const struct al_plan_file *f, size_t n, unsigned char out[AL_HASH_LEN])
{
    crypto_generichash_state h;
    unsigned char le[8];
    uint64_t v;
    size_t i;
    int j, part;

    crypto_generichash_init(&h, NULL, 0, AL_HASH_LEN);
    for (i = 0; i < n; i++) {
        for (part = 0; part < 2; part++) {
            const char *p = part == 0 ? f[i].path : f[i].data;

            v = part == 0 ? strlen(f[i].path) : f[i].len;
            for (j = 0; j < 8; j++)
                le[j] = (unsigned char)(v >> (8 * j));
            crypto_generichash_update(&h, le, 8);
            crypto_generichash_update(&h, (const unsigned char *)p, (size_t)v);
        }
    }
    crypto_generichash_final(&h, out, AL_HASH_LEN);
}

static const struct al_proposal *
accepted(const struct al_outbox *o, const char *name, size_t n_files)
{
    const struct al_proposal *p = find(o, name);
    unsigned char d[AL_HASH_LEN];

    if (p->err != 0)
        fail_msg("%s refused: %s (%s)", name, al_errname(p->err), p->reason);
    assert_null(p->reason);
    assert_int_equal(p->n_files, n_files);
    spec_digest(p->files, p->n_files, d);
    assert_memory_equal(d, p->digest, AL_HASH_LEN);
    return p;
}

static void
assert_file(const struct al_proposal *p, size_t i, const char *path, const char *text)
{
    assert_true(i < p->n_files);
    assert_string_equal(p->files[i].path, path);
    assert_int_equal(p->files[i].len, strlen(text));
    assert_memory_equal(p->files[i].data, text, strlen(text));
}

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_empty_outbox(void **state)
{
    struct al_outbox *o;
    struct box b;

    (void)state;
    box_new(&b);
    o = collect(&b);
    assert_int_equal(al_outbox_count(o), 0);
    assert_null(al_outbox_get(o, 0));
    al_outbox_free(o);
    al_outbox_free(NULL);
    box_free(&b);
}

static void
test_invalid_arguments(void **state)
{
    struct al_outbox_limits lim = limits();
    struct al_outbox *o = NULL;
    struct box b;
    char path[256];
    int fd;

    (void)state;
    box_new(&b);
    fd = open(b.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_int_equal(al_outbox_collect(fd, NULL, &o), AL_EINVAL);
    assert_int_equal(al_outbox_collect(-1, &lim, &o), AL_EINVAL);
    close(fd);
    /* A file is not an outbox: the call fails, it is not a refusal of one proposal. */
    puts_(b.dir, "f.md", "x");
    snprintf(path, sizeof(path), "%s/f.md", b.dir);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_int_equal(al_outbox_collect(fd, &lim, &o), -ENOTDIR);
    assert_null(o);
    close(fd);
    box_free(&b);
}

/* "note.md" holding "hello\n": the digest is pinned, so the encoding cannot drift. */
#define NOTE_DIGEST "b8901f78d9d64441922a871a4cfbea8e8bcfda294d6e9bcd0626be5d20e130ed"

static void
test_golden_file(void **state)
{
    struct al_outbox *o, *o2;
    const struct al_proposal *p, *p2;
    struct al_plan_limits plim;
    struct al_plan_meta meta = {NULL, AL_SIDE_OFFLINE, AL_SIDE_ONLINE, "s-1", 1795402658, "t"};
    struct stat before, after;
    char hex[AL_HASH_LEN * 2 + 1];
    struct al_buf art;
    struct box b;

    (void)state;
    box_new(&b);
    puts_(b.dir, "note.md", "hello\n");
    assert_int_equal(stat(b.dir, &before), 0);
    o = collect(&b);
    assert_int_equal(al_outbox_count(o), 1);
    p = accepted(o, "note.md", 1);
    assert_file(p, 0, "note.md", "hello\n");
    sodium_bin2hex(hex, sizeof(hex), p->digest, AL_HASH_LEN);
    print_message("note.md digest %s\n", hex);
    assert_string_equal(hex, NOTE_DIGEST);

    /* Collection changed nothing in the outbox. */
    assert_int_equal(stat(b.dir, &after), 0);
    assert_true(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
                before.st_mtim.tv_nsec == after.st_mtim.tv_nsec &&
                before.st_ctim.tv_nsec == after.st_ctim.tv_nsec &&
                before.st_nlink == after.st_nlink);

    /* What was accepted packs into a plan: the collector applies the packer's rules. */
    al_plan_limits_default(&plim);
    al_buf_init(&art, al_artifact_max_bytes(&plim));
    assert_int_equal(al_artifact_pack(&meta, p->files, p->n_files, &plim, &art), 0);
    al_buf_close(&art);

    /* The same bytes again: the same digest. */
    o2 = collect(&b);
    p2 = accepted(o2, "note.md", 1);
    assert_memory_equal(p->digest, p2->digest, AL_HASH_LEN);
    al_outbox_free(o2);

    /* One byte changed, same length: another digest, and the first result is a copy. */
    puts_(b.dir, "note.md", "hellO\n");
    o2 = collect(&b);
    p2 = accepted(o2, "note.md", 1);
    assert_memory_not_equal(p->digest, p2->digest, AL_HASH_LEN);
    assert_file(p, 0, "note.md", "hello\n");
    assert_file(p2, 0, "note.md", "hellO\n");
    al_outbox_free(o2);
    al_outbox_free(o);
    box_free(&b);
}

static void
test_golden_directory(void **state)
{
    struct al_outbox *o, *o2;
    const struct al_proposal *p, *p2;
    struct box b;
    char path[256];

    (void)state;
    box_new(&b);
    puts_(b.dir, "plan/b.md", "second\n");
    puts_(b.dir, "plan/a/c.md", "nested\n");
    puts_(b.dir, "plan/a.b", "dotted\n");
    puts_(b.dir, "plan/x/y/empty.txt", "");
    mkdirs(b.dir, "plan/hollow/deeper/");
    puts_(b.dir, "zeta.txt", "z\n");
    o = collect(&b);
    assert_int_equal(al_outbox_count(o), 2);
    assert_string_equal(al_outbox_get(o, 0)->name, "plan");
    assert_string_equal(al_outbox_get(o, 1)->name, "zeta.txt");
    /* Paths relative to the proposal, in byte order ('.' < '/'), empty directories gone. */
    p = accepted(o, "plan", 4);
    assert_file(p, 0, "a.b", "dotted\n");
    assert_file(p, 1, "a/c.md", "nested\n");
    assert_file(p, 2, "b.md", "second\n");
    assert_file(p, 3, "x/y/empty.txt", "");
    accepted(o, "zeta.txt", 1);

    o2 = collect(&b);
    p2 = accepted(o2, "plan", 4);
    assert_memory_equal(p->digest, p2->digest, AL_HASH_LEN);
    al_outbox_free(o2);

    /* The same bytes under another path: another digest. */
    snprintf(path, sizeof(path), "%s/plan/b.md", b.dir);
    assert_int_equal(unlink(path), 0);
    puts_(b.dir, "plan/c.md", "second\n");
    o2 = collect(&b);
    p2 = accepted(o2, "plan", 4);
    assert_file(p2, 2, "c.md", "second\n");
    assert_memory_not_equal(p->digest, p2->digest, AL_HASH_LEN);
    al_outbox_free(o2);
    al_outbox_free(o);
    box_free(&b);
}

static int
holds(const char *hay, size_t n, const char *needle)
{
    return hay != NULL && memmem(hay, n, needle, strlen(needle)) != NULL;
}

/* Whether secret appears anywhere in what the collection returned. */
static int
leaks(const struct al_outbox *o, const char *secret)
{
    size_t i, j;

    for (i = 0; i < al_outbox_count(o); i++) {
        const struct al_proposal *p = al_outbox_get(o, i);

        if (holds(p->name, strlen(p->name), secret) ||
            (p->reason != NULL && holds(p->reason, strlen(p->reason), secret)))
            return 1;
        for (j = 0; j < p->n_files; j++)
            if (holds(p->files[j].path, strlen(p->files[j].path), secret) ||
                holds(p->files[j].data, p->files[j].len, secret))
                return 1;
    }
    return 0;
}

static void
test_symlinks_to_host_secret(void **state)
{
    static const char secret[] = "HOST-SECRET-5f0c2e: the user's private notes";
    struct al_outbox *o;
    struct box b;
    char target[256];

    (void)state;
    box_new(&b);
    puts_(b.host, "secret.md", secret);
    puts_(b.host, "dir/inside.md", secret);
    snprintf(target, sizeof(target), "%s/secret.md", b.host);
    link_to(b.dir, "leak.md", target);
    link_to(b.dir, "rel.md", "../host/secret.md");
    snprintf(target, sizeof(target), "%s/dir", b.host);
    link_to(b.dir, "linkdir", target);
    puts_(b.dir, "prop/ok.md", "fine\n");
    link_to(b.dir, "prop/sub/inner.md", "../../../host/secret.md");
    snprintf(target, sizeof(target), "%s/dir", b.host);
    link_to(b.dir, "prop2/d", target);
    o = collect(&b);
    assert_int_equal(al_outbox_count(o), 5);
    assert_refused(o, "leak.md", AL_ESYMLINK, "leak.md: symbolic link");
    assert_refused(o, "rel.md", AL_ESYMLINK, "rel.md: symbolic link");
    assert_refused(o, "linkdir", AL_ESYMLINK, "linkdir: symbolic link");
    assert_refused(o, "prop", AL_ESYMLINK, "prop/sub/inner.md: symbolic link");
    assert_refused(o, "prop2", AL_ESYMLINK, "prop2/d: symbolic link");
    assert_false(leaks(o, "HOST-SECRET-5f0c2e"));
    assert_false(leaks(o, "/host/"));
    al_outbox_free(o);

    /* Control: the same bytes as regular files are taken, and the search finds them. */
    puts_(b.dir, "copy.md", secret);
    puts_(b.dir, "copydir/sub/inner.md", secret);
    o = collect(&b);
    accepted(o, "copy.md", 1);
    accepted(o, "copydir", 1);
    assert_true(leaks(o, "HOST-SECRET-5f0c2e"));
    al_outbox_free(o);
    box_free(&b);
}

static void
test_fifo_never_blocks(void **state)
{
    struct al_outbox *o;
    struct box b;
    char path[256];

    (void)state;
    box_new(&b);
    /* If opening a FIFO ever blocked, SIGALRM's default action ends the test as failed. */
    alarm(20);
    snprintf(path, sizeof(path), "%s/pipe", b.dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    puts_(b.dir, "d/ok.md", "ok\n");
    snprintf(path, sizeof(path), "%s/d/pipe", b.dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    puts_(b.dir, "pipe.md", "a regular file\n");
    o = collect(&b);
    assert_refused(o, "pipe", AL_EFIFO, "pipe: FIFO");
    assert_refused(o, "d", AL_EFIFO, "d/pipe: FIFO");
    accepted(o, "pipe.md", 1);
    al_outbox_free(o);

    /* Control: without the FIFO the directory is taken. */
    assert_int_equal(unlink(path), 0);
    o = collect(&b);
    accepted(o, "d", 1);
    al_outbox_free(o);
    alarm(0);
    box_free(&b);
}

static void
test_devices_and_sockets(void **state)
{
    struct sockaddr_un sa;
    struct al_outbox *o;
    struct box b;
    char path[256];
    int s, have_dev = 0;

    (void)state;
    box_new(&b);
    /* A socket file can be made by anyone, so it is tested whether or not we are root. */
    s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(path, sizeof(path), "%s/sock", b.dir);
    assert_true(strlen(path) < sizeof(sa.sun_path));
    memcpy(sa.sun_path, path, strlen(path) + 1);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    /*
     * Device nodes need CAP_MKNOD: as root they are made here (1:3 is /dev/null, 7:0 the
     * first loop device; neither is opened by a correct collector). Without it only the
     * socket shows that a non-regular, non-directory entry is refused before any open.
     */
    snprintf(path, sizeof(path), "%s/null", b.dir);
    if (mknod(path, S_IFCHR | 0600, makedev(1, 3)) == 0) {
        snprintf(path, sizeof(path), "%s/d/loop", b.dir);
        mkdirs(b.dir, "d/loop");
        assert_int_equal(mknod(path, S_IFBLK | 0600, makedev(7, 0)), 0);
        have_dev = 1;
    } else {
        print_message("mknod: %s; device nodes not tested (needs CAP_MKNOD), socket only\n",
                      strerror(errno));
    }
    puts_(b.dir, "sock.md", "a regular file\n");
    o = collect(&b);
    assert_refused(o, "sock", AL_EFILETYPE, "sock: socket");
    if (have_dev) {
        assert_refused(o, "null", AL_EDEVICE, "null: character device");
        assert_refused(o, "d", AL_EDEVICE, "d/loop: block device");
    }
    accepted(o, "sock.md", 1);
    al_outbox_free(o);
    close(s);
    box_free(&b);
}

static void
test_sizes_decided_before_reading(void **state)
{
    struct al_outbox_limits lim = limits();
    struct al_outbox *o = NULL;
    struct box b;
    char path[256], *big;
    double t0;
    int fd;

    (void)state;
    box_new(&b);
    /* 1 GiB that takes no space: refused from fstat, long before a read could finish. */
    snprintf(path, sizeof(path), "%s/sparse.md", b.dir);
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)1 << 30), 0);
    close(fd);
    lim.plan.max_member = 1000;
    lim.plan.max_total = 2500;
    big = malloc(1001);
    assert_non_null(big);
    memset(big, 'a', 1001);
    put(b.dir, "exact.md", big, 1000);
    put(b.dir, "over.md", big, 1001);
    put(b.dir, "total/a.md", big, 1000);
    put(b.dir, "total/b.md", big, 1000);
    put(b.dir, "total/c.md", big, 501);
    put(b.dir, "within/a.md", big, 1000);
    put(b.dir, "within/b.md", big, 1000);
    put(b.dir, "within/c.md", big, 500);
    t0 = now_s();
    assert_int_equal(collect_lim(&b, &lim, &o), 0);
    assert_true(now_s() - t0 < 1.0);
    assert_refused(o, "sparse.md", AL_EMEMBERSIZE,
                   "sparse.md: 1073741824 bytes, over the limit of 1000");
    assert_refused(o, "over.md", AL_EMEMBERSIZE, "over.md: 1001 bytes");
    accepted(o, "exact.md", 1);
    assert_refused(o, "total", AL_ETOTALSIZE, "total/c.md: the proposal reaches 2501 bytes");
    accepted(o, "within", 3);
    al_outbox_free(o);
    free(big);
    box_free(&b);
}

#define LINE 16
#define LINES 20000

static void
line_at(unsigned k, char out[LINE + 1])
{
    snprintf(out, LINE + 1, "%010u abcd\n", k);
}

/* Whether data is the first len bytes of what the writer writes, cut at a line end. */
static int
is_writer_prefix(const char *data, size_t len)
{
    char l[LINE + 1];
    size_t k;

    if (len % LINE != 0)
        return 0;
    for (k = 0; k < len / LINE; k++) {
        line_at((unsigned)k, l);
        if (memcmp(data + k * LINE, l, LINE) != 0)
            return 0;
    }
    return 1;
}

static void
test_file_appended_while_read(void **state)
{
    struct al_outbox_limits lim = limits();
    unsigned unstable = 0, snapshots = 0, wrong = 0, rounds = 0;
    const struct al_proposal *p;
    struct al_outbox *o = NULL;
    struct box b;
    char path[256];
    pid_t pid;
    int st = 0, fd, done = 0;

    (void)state;
    box_new(&b);
    lim.plan.max_member = lim.plan.max_total = 1 << 20;
    put(b.dir, "grow.md", "", 0);
    snprintf(path, sizeof(path), "%s/grow.md", b.dir);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char l[LINE + 1];
        unsigned k;

        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0)
            _exit(1);
        for (k = 0; k < LINES; k++) {
            line_at(k, l);
            if (write(fd, l, LINE) != LINE)
                _exit(2);
            if (k % 8 == 0)
                usleep(20);
        }
        _exit(0);
    }
    /* Collect while the writer runs, and once after it has finished. */
    while (!done) {
        done = waitpid(pid, &st, WNOHANG) == pid;
        if (collect_lim(&b, &lim, &o) != 0) {
            wrong++;
            break;
        }
        p = al_outbox_get(o, 0);
        rounds++;
        if (p->err == AL_EUNSTABLE) {
            unstable++;
        } else if (p->err == 0) {
            unsigned char d[AL_HASH_LEN];

            spec_digest(p->files, p->n_files, d);
            if (!is_writer_prefix(p->files[0].data, p->files[0].len) ||
                memcmp(d, p->digest, AL_HASH_LEN) != 0)
                wrong++;
            else
                snapshots++;
            if (done && p->files[0].len != (size_t)LINE * LINES)
                wrong++;
        } else {
            print_message("unexpected: %s %s\n", al_errname(p->err), p->reason);
            wrong++;
        }
        if (done && p->err != 0)
            wrong++; /* the writer is gone: the file must now be taken whole */
        al_outbox_free(o);
        o = NULL;
    }
    if (!done) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    print_message("%u collections: %u refused as unstable, %u consistent snapshots\n", rounds,
                  unstable, snapshots);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(wrong, 0);
    assert_true(snapshots >= 1);
    box_free(&b);
}

/*
 * procfs reports size 0 for files that hold bytes, which is how a file that grew after
 * fstat looks. This makes "read returned more than fstat said" deterministic.
 */
static void
test_read_longer_than_fstat(void **state)
{
    struct al_outbox_limits lim = limits();
    struct al_outbox *o = NULL;
    struct box b;
    char cmdline[4096];
    ssize_t n;
    int fd, r;

    (void)state;
    fd = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        print_message("no /proc/self (%s): not tested\n", strerror(errno));
        skip();
    }
    lim.max_proposals = 1000;
    r = al_outbox_collect(fd, &lim, &o);
    close(fd);
    assert_int_equal(r, 0);
    assert_refused(o, "cmdline", AL_EUNSTABLE,
                   "cmdline: changed while read: more than the 0 bytes fstat reported");
    assert_refused(o, "cwd", AL_ESYMLINK, "cwd: symbolic link");
    al_outbox_free(o);

    /* Control: the same bytes in a file whose size is told truthfully are taken. */
    fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    n = read(fd, cmdline, sizeof(cmdline));
    close(fd);
    assert_true(n > 0);
    box_new(&b);
    put(b.dir, "cmdline", cmdline, (size_t)n);
    o = collect(&b);
    /* argv is NUL-separated, so as text it is refused for its NUL, not for changing. */
    assert_refused(o, "cmdline", AL_ENUL, "cmdline: NUL at byte");
    al_outbox_free(o);
    put(b.dir, "cmdline", cmdline, strlen(cmdline));
    o = collect(&b);
    accepted(o, "cmdline", 1);
    al_outbox_free(o);
    box_free(&b);
}

static void
test_text_rules(void **state)
{
    struct al_outbox *o;
    struct box b;

    (void)state;
    box_new(&b);
    puts_(b.dir, "bad.md", "ok\xff");
    put(b.dir, "nul.md", "a\0b", 3);
    puts_(b.dir, "d/sub/x.md", "fine \xc0\xaf overlong slash");
    puts_(b.dir, "good.md", "h\xc3\xa9llo \xe2\x9c\x93\n");
    o = collect(&b);
    assert_refused(o, "bad.md", AL_EUTF8, "bad.md: invalid UTF-8 at byte 2");
    assert_refused(o, "nul.md", AL_ENUL, "nul.md: NUL at byte 1");
    assert_refused(o, "d", AL_EUTF8, "d/sub/x.md: invalid UTF-8 at byte 5");
    assert_file(accepted(o, "good.md", 1), 0, "good.md", "h\xc3\xa9llo \xe2\x9c\x93\n");
    al_outbox_free(o);

    /* Control: the directory with valid text is taken. */
    puts_(b.dir, "d/sub/x.md", "fine / slash");
    o = collect(&b);
    accepted(o, "d", 1);
    al_outbox_free(o);
    box_free(&b);
}

static void
test_many_top_level_entries(void **state)
{
    struct al_outbox_limits lim = limits();
    const struct al_proposal *p;
    struct al_outbox *o = NULL;
    struct box b;
    char name[32];
    double t0, t;
    size_t i;

    (void)state;
    box_new(&b);
    for (i = 0; i < AL_OUTBOX_SCAN_MAX; i++) {
        snprintf(name, sizeof(name), "f%05zu.md", i);
        puts_(b.dir, name, "x");
    }
    /* Control: exactly AL_OUTBOX_SCAN_MAX entries are all examined, no summary. */
    assert_int_equal(collect_lim(&b, &lim, &o), 0);
    assert_int_equal(al_outbox_count(o), AL_OUTBOX_SCAN_MAX);
    al_outbox_free(o);

    for (; i < 10000; i++) {
        snprintf(name, sizeof(name), "f%05zu.md", i);
        puts_(b.dir, name, "x");
    }
    t0 = now_s();
    assert_int_equal(collect_lim(&b, &lim, &o), 0);
    t = now_s() - t0;
    print_message("10000 top-level entries collected in %.3f s\n", t);
    assert_true(t < 5.0);
    assert_int_equal(al_outbox_count(o), AL_OUTBOX_SCAN_MAX + 1);
    /* The smallest names, in order: the first max_proposals taken, the rest over quota. */
    for (i = 0; i < AL_OUTBOX_SCAN_MAX; i++) {
        p = al_outbox_get(o, i);
        snprintf(name, sizeof(name), "f%05zu.md", i);
        assert_string_equal(p->name, name);
        if (i < lim.max_proposals) {
            accepted(o, name, 1);
        } else {
            char prefix[96];

            snprintf(prefix, sizeof(prefix), "%s: over the cap of 16 proposals", name);
            assert_refused(o, name, AL_EQUOTA, prefix);
        }
    }
    p = al_outbox_get(o, AL_OUTBOX_SCAN_MAX);
    assert_string_equal(p->name, "...");
    assert_refused(o, "...", AL_ECOUNT, "...: 9744 more top-level entries not examined");
    al_outbox_free(o);
    box_free(&b);
}

static void
test_quota_counts_accepted_only(void **state)
{
    struct al_outbox_limits lim = limits();
    struct al_outbox *o = NULL;
    struct box b;

    (void)state;
    box_new(&b);
    lim.max_proposals = 2;
    puts_(b.dir, "a.md", "a");
    put(b.dir, "b.md", "\0", 1);
    puts_(b.dir, "c.md", "c");
    puts_(b.dir, "d.md", "d");
    assert_int_equal(collect_lim(&b, &lim, &o), 0);
    accepted(o, "a.md", 1);
    assert_refused(o, "b.md", AL_ENUL, "b.md: NUL");
    accepted(o, "c.md", 1);
    assert_refused(o, "d.md", AL_EQUOTA, "d.md: over the cap of 2 proposals");
    al_outbox_free(o);
    lim.max_proposals = 0;
    assert_int_equal(collect_lim(&b, &lim, &o), 0);
    assert_refused(o, "a.md", AL_EQUOTA, "a.md: over the cap of 0");
    al_outbox_free(o);
    box_free(&b);
}

static void
test_many_files_in_one_proposal(void **state)
{
    struct al_outbox_limits lim = limits();
    struct al_outbox *o = NULL;
    struct box b;
    char name[64];
    double t0, t;
    size_t i;

    (void)state;
    box_new(&b);
    for (i = 0; i < lim.plan.max_entries; i++) {
        snprintf(name, sizeof(name), "fits/f%03zu.md", i);
        puts_(b.dir, name, "x");
        snprintf(name, sizeof(name), "over/f%03zu.md", i);
        puts_(b.dir, name, "x");
    }
    puts_(b.dir, "over/zz/extra.md", "x");
    for (i = 0; i < 10000; i++) {
        snprintf(name, sizeof(name), "huge/f%05zu.md", i);
        puts_(b.dir, name, "x");
    }
    t0 = now_s();
    assert_int_equal(collect_lim(&b, &lim, &o), 0);
    t = now_s() - t0;
    print_message("directory of 10000 files refused in %.3f s\n", t);
    assert_true(t < 2.0);
    accepted(o, "fits", lim.plan.max_entries);
    assert_refused(o, "over", AL_ECOUNT, "over/zz/extra.md: more than 64 files in one proposal");
    assert_refused(o, "huge", AL_ECOUNT, "huge: more than 320 entries in one directory");
    al_outbox_free(o);
    box_free(&b);
}

static void
test_nesting_depth(void **state)
{
    struct al_outbox *o;
    struct box b;

    (void)state;
    box_new(&b);
    /* Paths count from inside the proposal: 8 components is the most. */
    puts_(b.dir, "ok/1/2/3/4/5/6/7/f.md", "deep enough\n");
    puts_(b.dir, "deep/1/2/3/4/5/6/7/8/f.md", "too deep\n");
    mkdirs(b.dir, "hollow/1/2/3/4/5/6/7/8/9/");
    o = collect(&b);
    assert_file(accepted(o, "ok", 1), 0, "1/2/3/4/5/6/7/f.md", "deep enough\n");
    assert_refused(o, "deep", AL_EPATH, "deep/1/2/3/4/5/6/7/8/f.md: more than 8 components");
    assert_refused(o, "hollow", AL_EPATH, "hollow/1/2/3/4/5/6/7/8/9: more than 8 components");
    al_outbox_free(o);
    box_free(&b);
}

static void
test_path_rules(void **state)
{
    struct al_outbox *o;
    struct box b;
    char name[200], rel[120], prefix[300];

    (void)state;
    box_new(&b);
    puts_(b.dir, "manifest.json", "{}");
    memset(name, 'n', 101);
    name[101] = '\0';
    puts_(b.dir, name, "x");
    name[100] = '\0'; /* control: exactly AL_PATH_MAX bytes */
    puts_(b.dir, name, "x");
    /* Inside a directory the path counts from the proposal: 101 bytes, and 100. */
    memset(rel, 'e', 60);
    memcpy(rel + 60, "/", 1);
    memset(rel + 61, 'f', 37);
    memcpy(rel + 98, ".md", 4);
    snprintf(name, sizeof(name), "long/%s", rel);
    puts_(b.dir, name, "x");
    rel[97] = '\0';
    snprintf(name, sizeof(name), "fits/%s.md", rel);
    puts_(b.dir, name, "x");
    o = collect(&b);
    assert_refused(o, "manifest.json", AL_EPATH,
                   "manifest.json: not a valid plan path: \"manifest.json\" is reserved");
    memset(name, 'n', 101);
    name[101] = '\0';
    snprintf(prefix, sizeof(prefix), "%s: not a valid plan path: path longer than 100", name);
    assert_refused(o, name, AL_EPATH, prefix);
    name[100] = '\0';
    accepted(o, name, 1);
    assert_refused(o, "long", AL_EPATH, "long/eeeeeeeeee");
    assert_non_null(strstr(find(o, "long")->reason, ": path longer than 100 bytes"));
    assert_int_equal(strlen(accepted(o, "fits", 1)->files[0].path), 100);
    al_outbox_free(o);
    box_free(&b);
}

static void
test_hostile_names_escaped(void **state)
{
    struct al_outbox *o;
    struct box b;

    (void)state;
    box_new(&b);
    puts_(b.dir, "a\nb.md", "x");
    puts_(b.dir, "x\x1b[31m.md", "x");
    puts_(b.dir, "d/\x1b]0;title\x07.md", "x");
    puts_(b.dir, "back\\slash.md", "backslashes are allowed in paths\n");
    puts_(b.dir, "ab.md", "control\n");
    o = collect(&b);
    assert_refused(o, "a\\x0Ab.md", AL_EPATH,
                   "a\\x0Ab.md: not a valid plan path: control or invisible character U+000A");
    assert_refused(o, "x\\x1B[31m.md", AL_EPATH, "x\\x1B[31m.md: not a valid plan path");
    assert_refused(o, "d", AL_EPATH, "d/\\x1B]0;title\\x07.md: not a valid plan path");
    /* A backslash is doubled, so the name above cannot be forged by a literal "\x1B". */
    assert_file(accepted(o, "back\\\\slash.md", 1), 0, "back\\slash.md",
                "backslashes are allowed in paths\n");
    accepted(o, "ab.md", 1);
    al_outbox_free(o);
    box_free(&b);
}

/* In a child that has given up root: the mode-000 file must be refused with -EACCES. */
static int
unreadable_as_nobody(const char *dir)
{
    struct al_outbox_limits lim = limits();
    const struct al_proposal *p;
    struct al_outbox *o = NULL;
    int fd;

    if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
        return 77;
    if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return 3;
    if (al_outbox_collect(fd, &lim, &o) != 0 || al_outbox_count(o) != 1)
        return 4;
    p = al_outbox_get(o, 0);
    if (p->err != -EACCES || strcmp(p->reason, "locked.md: open: Permission denied") != 0)
        return 5;
    al_outbox_free(o);
    return 0;
}

static void
test_mode_000(void **state)
{
    struct al_outbox *o;
    struct box b;
    char path[256];
    pid_t pid;
    int st;

    (void)state;
    box_new(&b);
    puts_(b.dir, "locked.md", "no one may read this\n");
    snprintf(path, sizeof(path), "%s/locked.md", b.dir);
    assert_int_equal(chmod(path, 0), 0);
    o = collect(&b);
    if (geteuid() != 0) {
        assert_refused(o, "locked.md", -EACCES, "locked.md: open: Permission denied");
    } else {
        /*
         * Root's CAP_DAC_OVERRIDE lets it read a mode-000 file, so as root the file is
         * taken; the refusal is checked in a child that drops to nobody below.
         */
        accepted(o, "locked.md", 1);
    }
    al_outbox_free(o);
    if (geteuid() == 0) {
        assert_int_equal(chmod(b.root, 0755), 0);
        assert_int_equal(chmod(b.dir, 0755), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            _exit(unreadable_as_nobody(b.dir));
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st));
        if (WEXITSTATUS(st) == 77)
            print_message("cannot become uid 65534: mode 000 refusal not tested as root\n");
        else
            assert_int_equal(WEXITSTATUS(st), 0);
    }
    /* Control: readable again, taken. */
    assert_int_equal(chmod(path, 0600), 0);
    o = collect(&b);
    accepted(o, "locked.md", 1);
    al_outbox_free(o);
    box_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_outbox),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_golden_file),
        cmocka_unit_test(test_golden_directory),
        cmocka_unit_test(test_symlinks_to_host_secret),
        cmocka_unit_test(test_fifo_never_blocks),
        cmocka_unit_test(test_devices_and_sockets),
        cmocka_unit_test(test_sizes_decided_before_reading),
        cmocka_unit_test(test_file_appended_while_read),
        cmocka_unit_test(test_read_longer_than_fstat),
        cmocka_unit_test(test_text_rules),
        cmocka_unit_test(test_many_top_level_entries),
        cmocka_unit_test(test_quota_counts_accepted_only),
        cmocka_unit_test(test_many_files_in_one_proposal),
        cmocka_unit_test(test_nesting_depth),
        cmocka_unit_test(test_path_rules),
        cmocka_unit_test(test_hostile_names_escaped),
        cmocka_unit_test(test_mode_000),
    };
    return cmocka_run_group_tests(tests, ts_group_init, NULL);
}
