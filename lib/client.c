/* client.c: the client's end of the control socket (see client.h). */
#include <airlock/client.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <airlock/buf.h>
#include <airlock/ctl.h>

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

static long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to be ready for events until deadline (-1: none). */
static int
wait_fd(int fd, short events, long deadline)
{
    struct pollfd p = {.fd = fd, .events = events};
    long left;
    int n;

    for (;;) {
        left = deadline < 0 ? -1 : deadline - now_ms();
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
send_all(int fd, const char *p, size_t n, long deadline)
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
    long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
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
