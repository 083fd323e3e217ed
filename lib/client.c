/* client.c: the client's end of the control socket (see client.h). */
#include <airlock/client.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <airlock/buf.h>
#include <airlock/ctl.h>
#include <airlock/timefmt.h>
#include <airlock/file.h>
#include <airlock/json.h>
#include <airlock/paths.h>

struct al_client {
    int fd;
    unsigned long next_tag;
    struct al_ctl_reader rd;
};

int
al_client_open(const char *path, struct al_client **out)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct al_client *c;
    int r;

    if (strlen(path) >= sizeof(sa.sun_path))
        return al__fail(-ENAMETOOLONG, "%.200s: too long for a socket address", path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return AL_ENOMEM;
    al_ctl_reader_init(&c->rd, AL_CTL_REPLY_MAX);
    c->next_tag = 1;
    if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        r = al__fail(-errno, "socket");
        goto fail;
    }
    if (connect(c->fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0) {
        r = al__fail(-errno, "connecting to %.200s", path);
        goto fail;
    }
    *out = c;
    return 0;
fail:
    al_client_free(c);
    return r;
}

/* Whether something accepts a connection at path. Non-blocking, so a daemon whose backlog
 * is full (EAGAIN) still counts and nothing waits. */
static int
listening(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd, ok;

    if (strlen(path) >= sizeof(sa.sun_path))
        return 0;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
        return 0;
    ok = connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN;
    close(fd);
    return ok;
}

/* Whether a and b name one file (both exist), or are the same string. */
static int
same_place(const char *a, const char *b)
{
    struct stat sa, sb;

    if (strcmp(a, b) == 0)
        return 1;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int
al_client_find_elsewhere(const char *tried, char *out, size_t outlen)
{
    char places[4][AL_PATHS_SOCKET_MAX];
    int n = al_paths_socket_places(places, 4), i;

    for (i = 0; i < n; i++) {
        if (tried != NULL && same_place(tried, places[i]))
            continue;
        if (strlen(places[i]) < outlen && listening(places[i])) {
            memcpy(out, places[i], strlen(places[i]) + 1);
            return 1;
        }
    }
    return 0;
}

void
al_client_free(struct al_client *c)
{
    if (c == NULL)
        return;
    if (c->fd >= 0)
        close(c->fd);
    al_ctl_reader_close(&c->rd);
    free(c);
}

int
al_client_fd(const struct al_client *c)
{
    return c->fd;
}

cJSON *
al_client_request(const char *op)
{
    cJSON *req = cJSON_CreateObject();

    if (req != NULL && cJSON_AddStringToObject(req, "op", op) == NULL) {
        cJSON_Delete(req);
        req = NULL;
    }
    return req;
}

int
al_client_code(const char *name)
{
    int r;

    for (r = AL__ERRFIRST + 1; r < AL__ERRLAST; r++)
        if (strcmp(al_errname(r), name) == 0)
            return r;
    return AL_EPROTO;
}

/* Waits for fd to be ready for events until deadline (-1: none). */
static int
wait_fd(int fd, short events, long long deadline)
{
    struct pollfd p = {.fd = fd, .events = events};
    long long left;
    int n;

    for (;;) {
        left = deadline < 0 ? -1 : deadline - al_monotonic_ms();
        if (deadline >= 0 && left <= 0)
            return -ETIMEDOUT;
        n = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -errno;
    }
}

static int
send_all(int fd, const char *p, size_t n, long long deadline)
{
    ssize_t k;
    int r;

    while (n > 0) {
        k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k < 0 && (errno == EAGAIN || errno == EINTR)) {
            if ((r = wait_fd(fd, POLLOUT, deadline)) != 0)
                return r;
            continue;
        }
        if (k < 0)
            return errno == ECONNRESET ? -EPIPE : -errno;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

int
al_client_read(struct al_client *c)
{
    char chunk[65536];
    ssize_t n;
    int r;

    for (;;) {
        n = recv(c->fd, chunk, sizeof(chunk), MSG_DONTWAIT);
        if (n > 0) {
            if ((r = al_ctl_feed(&c->rd, chunk, (size_t)n)) != 0)
                return r;
            continue;
        }
        if (n == 0)
            return al__fail(-EPIPE, "airlockd closed the connection");
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN)
            return 0;
        return errno == ECONNRESET ? al__fail(-EPIPE, "airlockd closed the connection") : -errno;
    }
}

int
al_client_next(struct al_client *c, cJSON **msg)
{
    return al_ctl_next(&c->rd, msg);
}

/* The code of an error reply, with the daemon's detail (or its message) as ours. */
static int
reply_error(const cJSON *msg)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(msg, "error");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(msg, "detail");
    int r = cJSON_IsString(e) ? al_client_code(e->valuestring) : AL_EPROTO;

    if (cJSON_IsString(d) && d->valuestring[0] != '\0')
        return al__fail(r, "%.900s", d->valuestring);
    al_errclear();
    return r;
}

int
al_client_call(struct al_client *c, cJSON *req, int timeout_ms, cJSON **reply)
{
    long long deadline = timeout_ms < 0 ? -1 : al_monotonic_ms() + timeout_ms;
    const cJSON *ok, *tag;
    struct al_buf out;
    cJSON *msg = NULL;
    unsigned long want;
    int r;

    al_buf_init(&out, AL_CTL_REQUEST_MAX + 1);
    want = c->next_tag++;
    cJSON_DeleteItemFromObjectCaseSensitive(req, "tag");
    if (cJSON_AddNumberToObject(req, "tag", (double)want) == NULL) {
        r = AL_ENOMEM;
        goto out;
    }
    if ((r = al_ctl_emit(req, &out)) != 0) {
        if (r == AL_ETOOBIG)
            r = al__fail(r, "a request longer than %d bytes", AL_CTL_REQUEST_MAX);
        goto out;
    }
    if ((r = send_all(c->fd, out.data, out.len, deadline)) != 0)
        goto out;
    for (;;) {
        if ((r = al_ctl_next(&c->rd, &msg)) < 0) {
            r = al__prefix(r, "a reply from airlockd");
            goto out;
        }
        if (r == 1) {
            ok = cJSON_GetObjectItemCaseSensitive(msg, "ok");
            tag = cJSON_GetObjectItemCaseSensitive(msg, "tag");
            if (ok == NULL && cJSON_GetObjectItemCaseSensitive(msg, "event") != NULL) {
                cJSON_Delete(msg);
                msg = NULL;
                continue;
            }
            if (!cJSON_IsBool(ok) || !cJSON_IsNumber(tag) || tag->valuedouble != (double)want) {
                r = al__fail(AL_EPROTO, "a reply from airlockd that answers no request");
                goto out;
            }
            if (cJSON_IsFalse(ok)) {
                r = reply_error(msg);
                goto out;
            }
            break;
        }
        if ((r = wait_fd(c->fd, POLLIN, deadline)) != 0 || (r = al_client_read(c)) != 0)
            goto out;
    }
    *reply = msg;
    msg = NULL;
    /* success */ r = 0;
out:
    cJSON_Delete(msg);
    al_buf_close(&out);
    return r;
}

size_t
al_client_pending(const struct al_client *c, const char **data)
{
    *data = al_ctl_pending_data(&c->rd);
    return al_ctl_pending(&c->rd);
}

int
al_client_transcript(const cJSON *reply, uint64_t offset, struct al_buf *out, uint64_t *next,
                     uint64_t *size)
{
    const char *b64;
    uint64_t nx, sz;
    size_t n, want, got;
    int r;

    /* 2^53 is where JSON numbers stop being exact; no transcript comes near it. */
    if ((r = al_json_string(reply, "transcript reply", "data", SIZE_MAX / 2, &b64)) != 0 ||
        (r = al_json_uint(reply, "transcript reply", "offset", UINT64_C(1) << 53, &nx)) != 0 ||
        (r = al_json_uint(reply, "transcript reply", "size", UINT64_C(1) << 53, &sz)) != 0)
        return al__fail(AL_EPROTO, "a malformed transcript reply: %s", al_errdetail());
    n = strlen(b64);
    if (nx < offset || nx - offset > n / 4 * 3)
        return al__fail(AL_EPROTO, "a transcript reply for offset %llu that ends at %llu",
                        (unsigned long long)offset, (unsigned long long)nx);
    want = (size_t)(nx - offset);
    if ((r = al_buf_reserve(out, want)) != 0)
        return r;
    /* Decoded in place after the data: out keeps what it had if this fails. */
    if (sodium_base642bin((unsigned char *)out->data + out->len, want, b64, n, NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != want) {
        out->data[out->len] = '\0';
        return al__fail(AL_EPROTO,
                        "a transcript chunk at offset %llu that is not %zu bytes of base64",
                        (unsigned long long)offset, want);
    }
    out->len += got;
    out->data[out->len] = '\0';
    *next = nx;
    *size = sz;
    return 0;
}

int
al_client_relay(int sock, int in, int out, volatile sig_atomic_t *stop)
{
    char kbd[4096], buf[65536];
    size_t kbdlen = 0, kbdoff = 0;
    int in_open = 1, detach = 0, r;
    struct pollfd p[2];
    char *key;
    ssize_t n;

    for (;;) {
        if (kbdoff == kbdlen && detach)
            return AL_RELAY_DETACHED;
        /* The end of the person's input detaches; the output still comes until the daemon
         * closes (docs/formats/control.md). */
        if (kbdoff == kbdlen && !in_open && shutdown(sock, SHUT_WR) != 0 && errno != ENOTCONN)
            return -errno;
        p[0].fd = in_open && kbdoff == kbdlen ? in : -1;
        p[0].events = POLLIN;
        p[1].fd = sock;
        p[1].events = POLLIN | (kbdoff < kbdlen ? POLLOUT : 0);
        if (poll(p, 2, -1) < 0) {
            if (errno != EINTR)
                return -errno;
            if (stop != NULL && *stop)
                return al__fail(-EINTR, "interrupted by a signal");
            continue;
        }
        if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            n = recv(sock, buf, sizeof(buf), 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) /* ECONNRESET too: either way the session is gone from here */
                return in_open ? AL_RELAY_CLOSED : AL_RELAY_INPUT_ENDED;
            if ((r = al_write_all(out, buf, (size_t)n)) != 0)
                return al__fail(r, "writing the session's output");
        }
        if (p[1].revents & POLLOUT) {
            n = send(sock, kbd + kbdoff, kbdlen - kbdoff, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n < 0 && errno != EINTR && errno != EAGAIN)
                return in_open ? AL_RELAY_CLOSED : AL_RELAY_INPUT_ENDED;
            if (n > 0)
                kbdoff += (size_t)n;
        }
        if (p[0].fd >= 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            n = read(in, kbd, sizeof(kbd));
            if (n < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (n <= 0) {
                in_open = 0;
                continue;
            }
            kbdoff = 0;
            kbdlen = (size_t)n;
            if ((key = memchr(kbd, AL_CLIENT_DETACH_KEY, kbdlen)) != NULL) {
                kbdlen = (size_t)(key - kbd); /* what came before it still goes */
                detach = 1;
            }
        }
    }
}
