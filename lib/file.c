/* file.c: atomic file writes (see file.h). */
#include <airlock/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <airlock/error.h>

int
al_file_open_regular(const char *path, int nofollow, struct stat *st)
{
    struct stat own;
    int fd, r;

    if (st == NULL)
        st = &own;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
    if (fd < 0)
        return al__fail(-errno, "%s", path);
    if (fstat(fd, st) != 0) {
        r = al__fail(-errno, "%s", path);
        close(fd);
        return r;
    }
    if (!S_ISREG(st->st_mode)) {
        close(fd);
        return al__fail(AL_EFILETYPE, "%s is not a regular file", path);
    }
    return fd;
}

int
al_file_sync_dir(const char *dir)
{
    int fd, e;

    if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return al__fail(-errno, "%s", dir);
    if (fsync(fd) != 0) {
        e = errno;
        close(fd);
        return al__fail(-e, "fsync %s", dir);
    }
    close(fd);
    return 0;
}

int
al_file_sync_parent(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else if ((size_t)(slash - path) < sizeof(dir))
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    else
        return al__fail(-ENAMETOOLONG, "%s", path);
    return al_file_sync_dir(dir);
}

int
al_write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    ssize_t k;

    while (n > 0) {
        k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int
al_file_write(const char *path, const void *data, size_t len, mode_t mode, unsigned flags)
{
    char tmp[4096];
    int fd = -1, r, n;

    n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return al__fail(-ENAMETOOLONG, "%s", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return al__fail(-errno, "%s", tmp);
    /* The mode asked for, not the umask's: a secret key must never be group-readable. */
    if (fchmod(fd, mode) != 0 || (r = al_write_all(fd, data, len)) != 0 || fsync(fd) != 0) {
        r = al__fail(-errno, "%s", tmp);
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        r = al__fail(-errno, "%s", tmp);
        goto fail;
    }
    fd = -1;
    if (flags & AL_FILE_EXCL) {
        if (link(tmp, path) != 0) {
            r = errno == EEXIST ? al__fail(AL_EEXISTS, "%s already exists", path)
                                : al__fail(-errno, "%s", path);
            goto fail;
        }
        unlink(tmp);
        return al_file_sync_parent(path);
    }
    if (rename(tmp, path) != 0) {
        r = al__fail(-errno, "%s", path);
        goto fail;
    }
    return al_file_sync_parent(path);
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return r;
}
