/*
 * Unit tests: the client's end of the control socket that is not a plain request: the
 * bytes after an attach reply, transcript replies read strictly, and the attach relay
 * (detach key, the session's end, the end of the person's input).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <airlock/client.h>

static cJSON *
reply(const char *data, double offset, double size)
{
    cJSON *r = cJSON_CreateObject();

    if (data != NULL)
        cJSON_AddStringToObject(r, "data", data);
    cJSON_AddNumberToObject(r, "offset", offset);
    cJSON_AddNumberToObject(r, "size", size);
    return r;
}

static void
test_transcript_appends(void **state)
{
    struct al_buf b;
    uint64_t next = 0, size = 0;
    cJSON *r;

    (void)state;
    al_buf_init(&b, 64);
    assert_int_equal(al_buf_append(&b, "ab", 2), 0);
    r = reply("aGVsbG8=", 7, 9); /* "hello", asked at offset 2 */
    assert_int_equal(al_client_transcript(r, 2, &b, &next, &size), 0);
    assert_int_equal(b.len, 7);
    assert_string_equal(b.data, "abhello");
    assert_int_equal(next, 7);
    assert_int_equal(size, 9);
    cJSON_Delete(r);
    r = reply("", 7, 7); /* nothing new */
    assert_int_equal(al_client_transcript(r, 7, &b, &next, &size), 0);
    assert_int_equal(b.len, 7);
    cJSON_Delete(r);
    al_buf_close(&b);
}

static void
test_transcript_refuses_what_does_not_add_up(void **state)
{
    static const struct {
        const char *data;
        double offset;
    } bad[] = {
        {NULL, 5},        /* no data */
        {"aGVsbG8=", 4},  /* the offset says 4 bytes, the data is 5 */
        {"aGVsbG8=", 9},  /* ... or 9 */
        {"aGVsbG8", 5},   /* not padded */
        {"aGV*bG8=", 5},  /* not base64 */
        {"aGVsbG8=", -1}, /* an offset that is not a count */
    };
    uint64_t next = 11, size = 12;
    struct al_buf b;
    size_t i;
    cJSON *r;

    (void)state;
    al_buf_init(&b, 64);
    assert_int_equal(al_buf_append(&b, "kept", 4), 0);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = reply(bad[i].data, bad[i].offset, 10);
        assert_int_equal(al_client_transcript(r, 0, &b, &next, &size), AL_EPROTO);
        cJSON_Delete(r);
    }
    r = reply("aGVsbG8=", 5, 10); /* an offset that goes back */
    assert_int_equal(al_client_transcript(r, 6, &b, &next, &size), AL_EPROTO);
    cJSON_Delete(r);
    assert_string_equal(b.data, "kept");
    assert_int_equal(next, 11);
    assert_int_equal(size, 12);
    al_buf_close(&b);
}

static void
test_transcript_within_max(void **state)
{
    uint64_t next, size;
    struct al_buf b;
    cJSON *r;

    (void)state;
    al_buf_init(&b, 6);
    assert_int_equal(al_buf_append(&b, "ab", 2), 0);
    r = reply("aGVsbG8=", 5, 5);
    assert_int_equal(al_client_transcript(r, 0, &b, &next, &size), AL_ETOOBIG);
    assert_string_equal(b.data, "ab");
    cJSON_Delete(r);
    al_buf_close(&b);
}

/* A listening socket in a fresh directory; *path is where. */
static int
listener(char *dir, char *path, size_t len)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd;

    assert_non_null(mkdtemp(dir));
    snprintf(path, len, "%s/s", dir);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (const struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 1), 0);
    return fd;
}

static void
test_pending_after_reply(void **state)
{
    static const char answer[] = "{\"tag\":1,\"ok\":true}\n\033[2Jprompt> ";
    char dir[] = "/tmp/airlock-test-client-XXXXXX", path[64];
    struct al_client *c = NULL;
    cJSON *req, *rep = NULL;
    const char *data;
    int l, s;

    (void)state;
    l = listener(dir, path, sizeof(path));
    assert_int_equal(al_client_open(path, &c), 0);
    s = accept(l, NULL, NULL);
    assert_true(s >= 0);
    /* The daemon's reply and the session's first output, in one write. */
    assert_int_equal(write(s, answer, sizeof(answer) - 1), (ssize_t)sizeof(answer) - 1);
    req = al_client_request("attach");
    assert_int_equal(al_client_call(c, req, 5000, &rep), 0);
    assert_int_equal(al_client_pending(c, &data), 12);
    assert_memory_equal(data, "\033[2Jprompt> ", 12);
    cJSON_Delete(req);
    cJSON_Delete(rep);
    al_client_free(c);
    close(s);
    close(l);
    unlink(path);
    rmdir(dir);
}

/* The relay between a socket pair (the daemon's end is d) and two pipes (the person's
 * keyboard k, the screen o). */
struct relay {
    int sock, d, k[2], o[2];
};

static void
relay_open(struct relay *r)
{
    int sv[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    r->sock = sv[0];
    r->d = sv[1];
    assert_int_equal(pipe(r->k), 0);
    assert_int_equal(pipe(r->o), 0);
}

static void
relay_close(struct relay *r)
{
    close(r->sock);
    if (r->d >= 0)
        close(r->d);
    close(r->k[0]);
    if (r->k[1] >= 0)
        close(r->k[1]);
    close(r->o[0]);
    close(r->o[1]);
}

static void
test_relay_detach_key(void **state)
{
    struct relay r;
    char got[64];
    ssize_t n;

    (void)state;
    relay_open(&r);
    assert_int_equal(write(r.d, "out", 3), 3);
    /* What comes before Ctrl-] goes to the session; what comes after it does not. */
    assert_int_equal(write(r.k[1], "ls\r\035rm", 6), 6);
    assert_int_equal(al_client_relay(r.sock, r.k[0], r.o[1], NULL), AL_RELAY_DETACHED);
    n = recv(r.d, got, sizeof(got), MSG_DONTWAIT);
    assert_int_equal(n, 3);
    assert_memory_equal(got, "ls\r", 3);
    relay_close(&r);
}

static void
test_relay_session_ends(void **state)
{
    struct relay r;
    char got[64];

    (void)state;
    relay_open(&r);
    /* The session's output reaches the screen unchanged, escapes and all. */
    assert_int_equal(write(r.d, "bye\033[0m\r\n", 9), 9);
    shutdown(r.d, SHUT_WR);
    assert_int_equal(al_client_relay(r.sock, r.k[0], r.o[1], NULL), AL_RELAY_CLOSED);
    assert_int_equal(read(r.o[0], got, sizeof(got)), 9);
    assert_memory_equal(got, "bye\033[0m\r\n", 9);
    relay_close(&r);
}

static void
test_relay_input_ends(void **state)
{
    struct relay r;
    char got[64];
    size_t have = 0;
    ssize_t n;
    pid_t pid;
    int st;

    (void)state;
    relay_open(&r);
    assert_int_equal(write(r.k[1], "q\n", 2), 2);
    close(r.k[1]);
    r.k[1] = -1;
    /* The daemon, in a child: it reads until the client's sending half ends (the end of
     * the person's input), then says goodbye and closes. */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        while ((n = recv(r.d, got + have, sizeof(got) - have, 0)) > 0)
            have += (size_t)n;
        _exit(have == 2 && memcmp(got, "q\n", 2) == 0 && write(r.d, "x", 1) == 1 ? 0 : 1);
    }
    close(r.d);
    r.d = -1;
    assert_int_equal(al_client_relay(r.sock, r.k[0], r.o[1], NULL), AL_RELAY_INPUT_ENDED);
    assert_int_equal(read(r.o[0], got, sizeof(got)), 1);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    relay_close(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transcript_appends),
        cmocka_unit_test(test_transcript_refuses_what_does_not_add_up),
        cmocka_unit_test(test_transcript_within_max),
        cmocka_unit_test(test_pending_after_reply),
        cmocka_unit_test(test_relay_detach_key),
        cmocka_unit_test(test_relay_session_ends),
        cmocka_unit_test(test_relay_input_ends),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
