/*
 * client.h: a client's end of airlockd's control socket (docs/formats/control.md), for
 * programs that talk to the daemon: one request at a time with a deadline, or a stream of
 * events read as they come.
 *
 * An error reply becomes its code: {"error": "ESTATE", ...} returns AL_ESTATE with the
 * daemon's detail as al_errdetail() (already escaped by the daemon); a name this build does
 * not know returns AL_EPROTO.
 */
#ifndef AIRLOCK_CLIENT_H
#define AIRLOCK_CLIENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include <airlock/buf.h>
#include <airlock/error.h>

struct al_client;

/* Connects to the socket at path. -errno when nothing listens there (-ENOENT,
 * -ECONNREFUSED), -ENAMETOOLONG for a path too long for a socket address. */
int al_client_open(const char *path, struct al_client **out) AL_WUR;
void al_client_free(struct al_client *c);

/*
 * Whether an airlockd listens at one of the standard places (al_paths_socket_places())
 * other than tried (NULL: any of them), found by connecting and closing at once. Returns 1
 * with out (outlen bytes) set to the first that accepts, 0 when none does. For messages
 * only: a client that found no daemon where it looked must not talk to another one
 * unasked, so the caller names the place and the person chooses (--socket,
 * AIRLOCK_SOCKET).
 */
int al_client_find_elsewhere(const char *tried, char *out, size_t outlen);
int al_client_fd(const struct al_client *c);

/*
 * Sends req (tagged here; req is not consumed) and waits at most timeout_ms (-1: no
 * limit) for its reply, which *reply then owns. Events that arrive in between are
 * dropped: read events on a connection of their own. -ETIMEDOUT, -EPIPE when the daemon
 * went away (the client is then unusable), AL_EPROTO for a reply that is not one.
 */
int al_client_call(struct al_client *c, cJSON *req, int timeout_ms, cJSON **reply) AL_WUR;

/* A request object {"op": op} to add arguments to; NULL when out of memory. */
cJSON *al_client_request(const char *op);

/*
 * For a subscribed connection polled by the caller: reads what the socket has without
 * blocking (0, or -EPIPE at the end of the stream), then al_client_next() takes each
 * complete message (1 with *msg, 0 when none is buffered, negative for a bad line).
 */
int al_client_read(struct al_client *c) AL_WUR;
int al_client_next(struct al_client *c, cJSON **msg) AL_WUR;

/* The code for an error name in a reply ("ESTATE" -> AL_ESTATE), or AL_EPROTO. */
int al_client_code(const char *name);

/*
 * Bytes received on c after the last message taken, not framed: after an attach reply,
 * the session's first output. Returns their count with *data pointing at them (valid
 * until the next call on c).
 */
size_t al_client_pending(const struct al_client *c, const char **data);

/*
 * Reads the reply to a transcript request made at offset: appends the decoded data to
 * out and sets *next (where the next read starts) and *size (bytes recorded so far).
 * AL_EPROTO for a reply that does not add up (data missing or not base64, an offset that
 * goes back or disagrees with the data's length), AL_ETOOBIG when out would pass its
 * maximum; out is then as it was.
 */
int al_client_transcript(const cJSON *reply, uint64_t offset, struct al_buf *out, uint64_t *next,
                         uint64_t *size) AL_WUR;

#define AL_CLIENT_DETACH_KEY 0x1d /* Ctrl-] */

enum al_relay_end {
    AL_RELAY_DETACHED = 0,   /* the person typed AL_CLIENT_DETACH_KEY */
    AL_RELAY_CLOSED = 1,     /* airlockd closed the connection: the session ended */
    AL_RELAY_INPUT_ENDED = 2 /* in ended (which detaches), then airlockd closed */
};

/*
 * Relays an attached session's terminal: sock is a connection after its attach reply;
 * bytes read from in go to the session, the session's output goes to out unchanged (it
 * is a terminal's output: out should be a terminal, never a place that trusts it). Stops
 * when AL_CLIENT_DETACH_KEY arrives on in (the bytes before it still go), or airlockd
 * closes the connection. Keyboard bytes wait until the socket takes them and in is not
 * read meanwhile, so a slow session never makes the relay buffer without bound. A signal
 * that interrupts the wait ends the relay with -EINTR when it set *stop (may be NULL);
 * any other (SIGWINCH) is ignored. Returns an enum al_relay_end or a negative code.
 */
int al_client_relay(int sock, int in, int out, volatile sig_atomic_t *stop) AL_WUR;

#endif
