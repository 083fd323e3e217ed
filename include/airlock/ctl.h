/*
 * ctl.h: framing of the control protocol (docs/formats/control.md): JSON lines with a
 * bounded length, parsed strictly. Shared by the daemon and its clients.
 */
#ifndef AIRLOCK_CTL_H
#define AIRLOCK_CTL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include <airlock/buf.h>
#include <airlock/error.h>

#define AL_CTL_PROTOCOL 1
#define AL_CTL_REQUEST_MAX (256 * 1024)
#define AL_CTL_REPLY_MAX (128 * 1024 * 1024)
#define AL_CTL_SOCKET "airlockd.sock" /* in $XDG_RUNTIME_DIR/airlock/ */

struct al_ctl_reader {
    struct al_buf buf; /* bytes received; those before off are already framed */
    size_t off;
    size_t tail; /* bytes at the end of buf after its last newline: searched already */
    size_t max;  /* longest line accepted, newline excluded */
    int broken;  /* framing is lost: a line was too long, or bytes were dropped */
};

void al_ctl_reader_init(struct al_ctl_reader *r, size_t max);
void al_ctl_reader_close(struct al_ctl_reader *r);

/*
 * Adds received bytes; each is searched for a newline once, however the line is split
 * across calls. Fails with AL_ETOOBIG and marks r broken once an incomplete line is longer
 * than max, or when the lines not yet taken and data together would be more than the
 * reader holds (two lines' worth: call al_ctl_next after each feed to stay within it). Either
 * way the bytes of data from the failing line on are dropped; the complete lines before it
 * can still be taken, then al_ctl_next says AL_ETOOBIG.
 */
int al_ctl_feed(struct al_ctl_reader *r, const char *data, size_t len) AL_WUR;

/*
 * Takes the next complete line. Returns 1 with *msg (a JSON object, owned by the caller),
 * 0 when no complete line is buffered, or a negative code for a bad line, which is
 * consumed (AL_EJSON..., AL_EJSONTYPE when it is not an object); al_errdetail() says why.
 * A broken reader returns AL_ETOOBIG.
 */
int al_ctl_next(struct al_ctl_reader *r, cJSON **msg) AL_WUR;

/* Appends msg as one compact line with its newline. */
int al_ctl_emit(const cJSON *msg, struct al_buf *out) AL_WUR;

/* Bytes buffered but not yet framed (what follows an attach reply, for instance), and
 * where they start. */
size_t al_ctl_pending(const struct al_ctl_reader *r);
const char *al_ctl_pending_data(const struct al_ctl_reader *r);

#endif
