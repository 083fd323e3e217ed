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

#include <cjson/cJSON.h>

#include <airlock/error.h>

struct al_client;

/* Connects to the socket at path. -errno when nothing listens there (-ENOENT,
 * -ECONNREFUSED), -ENAMETOOLONG for a path too long for a socket address. */
int al_client_open(const char *path, struct al_client **out) AL_WUR;
void al_client_free(struct al_client *c);
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

#endif
