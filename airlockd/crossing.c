/*
 * crossing.c: how data crosses, and the only way it does.
 *
 * A proposal found in a session's outbox (or a transcript a person hands off) becomes a
 * pending plan addressed to the other compartment. A person approves it by signing its
 * exact bytes; the daemon checks that signature against the configured approver key and
 * delivers the plan into a new session of the other side, whose /airlock/inbox holds the
 * artifact, its signature, the approver's public key and the plan's text.
 *
 * Delivery happens exactly once: the plan is marked "delivering" (durably) before the
 * session is started gated, and "delivered" (durably) before the gate lets the agent
 * run. A crash before that point leaves a plan that never ran, which the store turns back
 * into "approved" and the next daemon delivers; a crash after it leaves a delivered plan.
 */
#include "daemon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <airlock/artifact.h>
#include <airlock/file.h>
#include <airlock/json.h>
#include <airlock/log.h>
#include <airlock/outbox.h>
#include <airlock/plan.h>
#include <airlock/scan.h>
#include <airlock/timefmt.h>
#include <airlock/utf8.h>

#define REPLACEMENT "\xef\xbf\xbd"
#define PROVENANCE_ENTRIES (1u << 18) /* shingles kept of the workspace: a 6 MiB table */

static enum al_side
other(enum al_side s)
{
    return s == AL_SIDE_OFFLINE ? AL_SIDE_ONLINE : AL_SIDE_OFFLINE;
}

static void
plan_limits(const struct daemon *d, struct al_plan_limits *lim)
{
    al_plan_limits_default(lim);
    lim->max_total = d->config->plans.max_bytes;
    lim->max_member = d->config->plans.max_bytes;
}

/*
 * How many findings the plan has and the worst of their severities (-1 when none). The
 * scan.omitted entry that stands for findings over the cap carries their worst severity,
 * so it counts too. Stored findings that do not parse count as none: the store checked
 * them when the plan was added.
 */
static void
findings_summary(const struct al_plan_record *p, int *count, int *worst)
{
    const cJSON *x, *sev;
    cJSON *f = NULL;
    int i;

    *count = 0;
    *worst = -1;
    if (p->findings == NULL || al_json_parse(p->findings, strlen(p->findings), AL_FINDINGS_MAX,
                                             AL_JSON_MAX_DEPTH, &f) != 0)
        return;
    *count = cJSON_GetArraySize(f);
    cJSON_ArrayForEach(x, f)
    {
        sev = cJSON_GetObjectItemCaseSensitive(x, "severity");
        for (i = AL_SEV_BLOCK; i > *worst && cJSON_IsString(sev); i--)
            if (strcmp(sev->valuestring, al_severity_name((enum al_severity)i)) == 0)
                *worst = i;
    }
    cJSON_Delete(f);
}

cJSON *
plan_json(const struct al_plan_record *p)
{
    cJSON *o = cJSON_CreateObject();
    int count, worst;
    char t[AL_TIME_LEN + 1], hex[2 * AL_HASH_LEN + 1];

    cJSON_AddStringToObject(o, "id", p->id);
    cJSON_AddStringToObject(o, "from", al_side_name(p->from));
    cJSON_AddStringToObject(o, "to", al_side_name(p->to));
    cJSON_AddStringToObject(o, "state", al_plan_state_name(p->state));
    cJSON_AddStringToObject(o, "session", p->session);
    if (p->delivered_to[0] != '\0')
        cJSON_AddStringToObject(o, "delivered_to", p->delivered_to);
    else
        cJSON_AddNullToObject(o, "delivered_to");
    if (al_time_format(p->created, t) == 0)
        cJSON_AddStringToObject(o, "created", t);
    if (al_time_format(p->changed, t) == 0)
        cJSON_AddStringToObject(o, "changed", t);
    cJSON_AddNumberToObject(o, "size", (double)p->size);
    sodium_bin2hex(hex, sizeof(hex), p->hash, sizeof(p->hash));
    cJSON_AddStringToObject(o, "hash", hex);
    cJSON_AddStringToObject(o, "task", p->task != NULL ? p->task : "");
    if (p->reason != NULL)
        cJSON_AddStringToObject(o, "reason", p->reason);
    else
        cJSON_AddNullToObject(o, "reason");
    findings_summary(p, &count, &worst);
    cJSON_AddNumberToObject(o, "findings", count);
    if (worst >= 0)
        cJSON_AddStringToObject(o, "worst", al_severity_name((enum al_severity)worst));
    else
        cJSON_AddNullToObject(o, "worst");
    return o;
}

static void
plan_event(struct daemon *d, const char *event, const struct al_plan_record *p)
{
    cJSON *ev = cJSON_CreateObject();

    cJSON_AddStringToObject(ev, "event", event);
    cJSON_AddItemToObject(ev, "plan", plan_json(p));
    server_event(d, ev);
}

static void
add_actor(cJSON *data, const struct actor *by)
{
    cJSON *o = cJSON_AddObjectToObject(data, "by");

    cJSON_AddNumberToObject(o, "uid", (double)by->uid);
    cJSON_AddNumberToObject(o, "pid", (double)by->pid);
}

/* The audit record's data for a transition of p. */
static cJSON *
plan_audit_data(struct daemon *d, const struct al_plan_record *p, const char *session,
                const struct actor *by)
{
    cJSON *data = cJSON_CreateObject();
    char hex[2 * AL_HASH_LEN + 1];

    cJSON_AddStringToObject(data, "plan", p->id);
    cJSON_AddStringToObject(data, "from", al_side_name(p->from));
    cJSON_AddStringToObject(data, "to", al_side_name(p->to));
    sodium_bin2hex(hex, sizeof(hex), p->hash, sizeof(p->hash));
    cJSON_AddStringToObject(data, "hash", hex);
    cJSON_AddNumberToObject(data, "size", (double)p->size);
    if (session != NULL)
        cJSON_AddStringToObject(data, "session", session);
    if (p->reason != NULL && p->state == AL_PLAN_REJECTED)
        cJSON_AddStringToObject(data, "reason", p->reason);
    if (by != NULL)
        add_actor(data, by);
    if (p->state == AL_PLAN_APPROVED) {
        char keyid[17];

        al_keyid_hex(d->approver.keyid, keyid);
        cJSON_AddStringToObject(data, "key", keyid);
    }
    return data;
}

static void
plan_audit(struct daemon *d, const char *event, const struct al_plan_record *p, const char *session,
           const struct actor *by)
{
    daemon_audit(d, event, plan_audit_data(d, p, session, by));
}

/* Whether this session's digest list holds digest (the same proposal again); with
 * remember, adds it if not. */
static int
seen(struct session *s, const unsigned char digest[AL_HASH_LEN], int remember)
{
    unsigned char(*n)[AL_HASH_LEN];
    size_t i;

    for (i = 0; i < s->n_digests; i++)
        if (memcmp(s->digests[i], digest, AL_HASH_LEN) == 0)
            return 1;
    if (!remember)
        return 0;
    n = realloc(s->digests, (s->n_digests + 1) * sizeof(*n));
    if (n == NULL)
        return 0;
    s->digests = n;
    memcpy(n[s->n_digests++], digest, AL_HASH_LEN);
    return 0;
}

static void
refusal(struct daemon *d, struct session *s, const char *name, int err, const char *reason,
        cJSON *refused)
{
    unsigned char digest[AL_HASH_LEN];
    crypto_generichash_state h;
    uint64_t kept = 0;
    cJSON *o, *ev;
    int r;

    /* The same refusal is recorded once per session, however often it is collected. */
    crypto_generichash_init(&h, NULL, 0, sizeof(digest));
    crypto_generichash_update(&h, (const unsigned char *)"refused", 8);
    crypto_generichash_update(&h, (const unsigned char *)name, strlen(name) + 1);
    crypto_generichash_update(&h, (const unsigned char *)reason, strlen(reason) + 1);
    crypto_generichash_final(&h, digest, sizeof(digest));
    if (seen(s, digest, 1))
        return;
    if ((r = al_store_refuse(d->store, s->id, name, err, reason, NULL, 0, &kept)) != 0)
        al_error("keeping refused proposal %s: %s (%s)", name, al_strerror(r), al_errdetail());
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "session", s->id);
    cJSON_AddStringToObject(o, "name", name);
    cJSON_AddStringToObject(o, "error", al_errname(err));
    cJSON_AddStringToObject(o, "reason", reason);
    cJSON_AddNumberToObject(o, "kept", (double)kept);
    daemon_audit(d, "proposal.refused", cJSON_Duplicate(o, 1));
    al_info("session %s: proposal %s refused: %s", s->id, name, reason);
    ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", "proposal.refused");
    cJSON_AddItemToObject(ev, "refusal", cJSON_Duplicate(o, 1));
    server_event(d, ev);
    if (refused != NULL)
        cJSON_AddItemToArray(refused, o);
    else
        cJSON_Delete(o);
}

/*
 * The scanner's findings for a new plan, as the JSON text stored with it: a plan leaving
 * the offline side is scanned for what could leak out, one entering it for what could
 * steer the agent; the configured canaries are looked for either way.
 */
static int
scan_files(struct daemon *d, enum al_side from, const struct al_plan_file *files, size_t n,
           char **out)
{
    struct al_scan_opts o;
    struct al_scan *sc = NULL;
    struct al_scan_index *ix = NULL;
    size_t i;
    int r;

    al_scan_opts_init(&o);
    o.direction = from == AL_SIDE_OFFLINE ? AL_SCAN_OUT : AL_SCAN_IN;
    o.canaries = (const char *const *)d->config->plans.canaries;
    o.n_canaries = d->config->plans.n_canaries;
    /* A plan leaving the offline side is compared with the workspace it could copy from.
     * The index is built for this collection and let go after it: a bounded table, read
     * through directory descriptors without following links. */
    if (from == AL_SIDE_OFFLINE && d->config->side[AL_SIDE_OFFLINE].workspace != NULL) {
        if ((r = al_scan_index_new(PROVENANCE_ENTRIES, &ix)) != 0)
            return r;
        if ((r = al_scan_index_add_dir(ix, d->config->side[AL_SIDE_OFFLINE].workspace)) != 0) {
            /* No provenance is better than no plan: the finding-less view says so. */
            al_warn("provenance index of %s: %s (%s)", d->config->side[AL_SIDE_OFFLINE].workspace,
                    al_strerror(r), al_errdetail());
            al_scan_index_free(ix);
            ix = NULL;
        }
        o.workspace = ix;
    }
    if ((r = al_scan_new(&sc)) != 0) {
        al_scan_index_free(ix);
        return r;
    }
    for (i = 0; i < n && r == 0; i++)
        r = al_scan(sc, files[i].path, files[i].data, files[i].len, &o);
    if (r == 0)
        r = al_scan_json_text(sc, out);
    al_scan_free(sc);
    al_scan_index_free(ix);
    return r;
}

int
crossing_check_task(struct daemon *d, const char *task)
{
    struct al_scan_opts o;
    struct al_scan *sc = NULL;
    const struct al_finding *f;
    size_t i;
    int r;

    if (d->config->plans.n_canaries == 0 || task[0] == '\0')
        return 0;
    al_scan_opts_init(&o);
    o.direction = AL_SCAN_OUT;
    o.canaries = (const char *const *)d->config->plans.canaries;
    o.n_canaries = d->config->plans.n_canaries;
    if ((r = al_scan_new(&sc)) != 0)
        return r;
    if ((r = al_scan(sc, "task", task, strlen(task), &o)) != 0)
        goto out;
    for (i = 0; i < al_scan_count(sc); i++) {
        f = al_scan_get(sc, i);
        if (strcmp(f->rule, "canary") == 0) {
            /* The finding's message ends by speaking of a plan; the task is not one. */
            const char *end = strstr(f->message, ": this plan");
            int len = end != NULL ? (int)(end - f->message) : (int)strlen(f->message);

            r = al__fail(AL_ECANARY,
                         "the task: %.*s; a session's task travels with every plan it proposes, "
                         "so it may not carry one",
                         len, f->message);
            goto out;
        }
    }
    /* success */ r = 0;
out:
    al_scan_free(sc);
    return r;
}

/*
 * Packs files under meta (checked as the reader checks a plan: paths, text, the configured
 * sizes), scans them as their direction asks and adds the plan to the store as pending.
 * *out is the store's record, valid until the store next changes.
 */
static int
queue(struct daemon *d, const struct al_plan_meta *meta, const struct al_plan_file *files, size_t n,
      const struct al_plan_record **out)
{
    struct al_plan_limits lim;
    struct al_buf art;
    char *findings = NULL;
    int r;

    plan_limits(d, &lim);
    al_buf_init(&art, al_artifact_max_bytes(&lim));
    r = al_artifact_pack(meta, files, n, &lim, &art);
    if (r == 0)
        r = scan_files(d, meta->from, files, n, &findings);
    if (r == 0)
        r = al_store_add(d->store, art.data, art.len, &lim, findings, out);
    al_buf_close(&art);
    free(findings);
    return r;
}

/* Packs files as a plan from s to the other side and queues it. */
static int
propose(struct daemon *d, struct session *s, const struct al_plan_file *files, size_t n,
        cJSON *plans)
{
    const struct al_plan_record *p;
    struct al_plan_meta meta = {0};
    int r;

    if (al_store_count_state(d->store, other(s->side), AL_PLAN_PENDING) >=
        d->config->plans.max_pending)
        return al__fail(AL_EQUOTA, "%u plans for the %s side are already pending",
                        d->config->plans.max_pending, al_side_name(other(s->side)));
    if (s->proposals >= d->config->plans.max_proposals_per_session)
        return al__fail(AL_EQUOTA, "session %s has already proposed %u plans", s->id, s->proposals);
    meta.from = s->side;
    meta.to = other(s->side);
    meta.session = s->id;
    meta.created = time(NULL);
    meta.task = s->task;
    if ((r = queue(d, &meta, files, n, &p)) != 0)
        return r;
    s->proposals++;
    plan_audit(d, "plan.pending", p, s->id, NULL);
    al_info("plan %s pending (%s to %s)", p->id, al_side_name(p->from), al_side_name(p->to));
    if (plans != NULL)
        cJSON_AddItemToArray(plans, plan_json(p));
    plan_event(d, "plan.pending", p);
    return 0;
}

int
crossing_collect(struct daemon *d, struct session *s, cJSON *plans, cJSON *refused)
{
    struct al_outbox_limits lim;
    struct al_outbox *o = NULL;
    const struct al_proposal *p;
    const char *first_over = NULL;
    size_t i, over = 0;
    int r;

    if (s->c == NULL)
        return 0; /* collected when it ended; its outbox is gone */
    plan_limits(d, &lim.plan);
    lim.max_proposals = d->config->plans.max_proposals_per_session;
    if ((r = al_outbox_collect(al_compartment_outbox(s->c), &lim, &o)) != 0)
        return r;
    for (i = 0; i < al_outbox_count(o); i++) {
        p = al_outbox_get(o, i);
        if (p->err == AL_EQUOTA) {
            /* Over the cap: one record for all of them, not one durable write each. */
            if (over++ == 0)
                first_over = p->name;
            continue;
        }
        if (p->err != 0) {
            refusal(d, s, p->name, p->err, p->reason, refused);
            continue;
        }
        if (seen(s, p->digest, 0))
            continue; /* taken by an earlier collection */
        /* Remembered only once queued: a proposal refused for a passing reason (the
         * pending cap) is taken by a later collection. */
        r = propose(d, s, p->files, p->n_files, plans);
        if (r == 0)
            (void)seen(s, p->digest, 1);
        if (r != 0) {
            char reason[AL_OUTBOX_REASON_MAX];

            snprintf(reason, sizeof(reason), "%s: %s: %s", p->name, al_strerror(r), al_errdetail());
            refusal(d, s, p->name, r, reason, refused);
        }
    }
    if (over > 0) {
        char reason[AL_OUTBOX_REASON_MAX];

        snprintf(reason, sizeof(reason),
                 "%zu proposals over the cap of %u per session were not taken (the first: %s)",
                 over, d->config->plans.max_proposals_per_session, first_over);
        refusal(d, s, "(over the cap)", AL_EQUOTA, reason, refused);
    }
    al_outbox_free(o);
    return 0;
}

/* The plan's text for /airlock/inbox/plan.md: its plan.md if it has one, else every file
 * under a heading naming it. */
static int
plan_text(const struct al_artifact *a, struct al_buf *out)
{
    const struct al_manifest *m = al_artifact_manifest(a);
    const char *data;
    size_t i, len;
    int r;

    for (i = 0; i < m->n_entries; i++)
        if (strcmp(m->entries[i].path, "plan.md") == 0) {
            al_artifact_member(a, i, &data, &len);
            return al_buf_append(out, data, len);
        }
    for (i = 0; i < m->n_entries; i++) {
        al_artifact_member(a, i, &data, &len);
        if ((r = al_buf_printf(out, "%s## %s\n\n", i ? "\n" : "", m->entries[i].path)) != 0 ||
            (r = al_buf_append(out, data, len)) != 0)
            return r;
    }
    return 0;
}

static int
write_in(const char *dir, const char *name, const char *data, size_t len)
{
    char path[4096 + 256];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return al_file_write(path, data, len, 0644, 0);
}

/* Builds the inbox a delivered plan's session sees at /airlock/inbox. */
static int
make_inbox(struct daemon *d, const char *id, char *dir, size_t dirlen)
{
    struct al_plan_limits lim;
    struct al_artifact *a = NULL;
    struct al_approval approval;
    struct al_buf art, sig, pub, text;
    int r;

    if (!d->have_approver)
        return al__fail(-ENOENT, "no approver public key at %s", d->config->approver_pubkey);
    plan_limits(d, &lim);
    al_buf_init(&art, AL_PLAN_HARD_MAX_BYTES * 2);
    al_buf_init(&sig, AL_SIGFILE_MAX);
    al_buf_init(&pub, AL_KEYFILE_MAX);
    al_buf_init(&text, AL_PLAN_HARD_MAX_BYTES * 2);
    snprintf(dir, dirlen, "%s/inbox", d->state_dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        r = al__fail(-errno, "%s", dir);
        goto out;
    }
    snprintf(dir, dirlen, "%s/inbox/%s", d->state_dir, id);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        r = al__fail(-errno, "%s", dir);
        goto out;
    }
    if ((r = al_store_artifact(d->store, id, &art)) != 0 ||
        (r = al_store_signature(d->store, id, &sig)) != 0 ||
        (r = al_pubkey_format(&d->approver, &pub)) != 0 ||
        (r = al_artifact_read(art.data, art.len, &lim, &a)) != 0 || (r = plan_text(a, &text)) != 0)
        goto out;
    /* The store's state says approved; the signature must say so too, whatever the state
     * directory holds (defence in depth: it is the daemon's, but it is on disk). */
    if ((r = al_plan_verify(&d->approver, art.data, art.len, sig.data, sig.len, &lim, NULL,
                            &approval)) != 0)
        goto out;
    if (strcmp(approval.id, id) != 0) {
        r = al__fail(AL_ECOMMENT, "the approval names plan %s", approval.id);
        goto out;
    }
    if ((r = write_in(dir, "plan.airlock", art.data, art.len)) != 0 ||
        (r = write_in(dir, "plan.airlock.minisig", sig.data, sig.len)) != 0 ||
        (r = write_in(dir, "approver.pub", pub.data, pub.len)) != 0 ||
        (r = write_in(dir, "plan.md", text.data != NULL ? text.data : "", text.len)) != 0)
        goto out;
    /* success */ r = 0;
out:
    al_artifact_free(a);
    al_buf_close(&art);
    al_buf_close(&sig);
    al_buf_close(&pub);
    al_buf_close(&text);
    return r;
}

static int
deliver(struct daemon *d, const char *id, struct session **out)
{
    const struct al_plan_record *p = al_store_find(d->store, id);
    struct session_start st = {0};
    struct session *s = NULL;
    char inbox[4096 + 128], sid[SESSION_ID_LEN + 1];
    cJSON *data;
    int r, u;

    if (p == NULL)
        return al__fail(AL_ENOTFOUND, "plan %s", id);
    if ((r = make_inbox(d, id, inbox, sizeof(inbox))) != 0)
        return r;
    session_new_id(d, p->to, sid);
    if ((r = al_store_delivering(d->store, id, sid)) != 0)
        return r;
    daemon_crash_point(d, "deliver.delivering");
    st.side = p->to;
    st.task = p->task != NULL ? p->task : "";
    st.plan_id = id;
    st.inbox = inbox;
    st.gated = 1;
    st.id = sid;
    if ((r = session_start(d, &st, &s)) != 0) {
        if ((u = al_store_undeliver(d->store, id)) != 0)
            al_error("plan %s: %s (%s)", id, al_strerror(u), al_errdetail());
        data = cJSON_CreateObject();
        cJSON_AddStringToObject(data, "plan", id);
        cJSON_AddStringToObject(data, "error", al_errname(r));
        daemon_audit(d, "plan.delivery_failed", data);
        return r;
    }
    daemon_crash_point(d, "deliver.started");
    if ((r = al_store_delivered(d->store, id)) != 0) {
        /* Still "delivering" on disk, and the agent never ran: the next daemon retries. */
        session_stop(s, "failed to start");
        return r;
    }
    daemon_crash_point(d, "deliver.delivered");
    p = al_store_find(d->store, id);
    plan_audit(d, "plan.delivered", p, s->id, NULL);
    /* Past this point the plan is delivered whatever happens: a command that cannot be
     * executed ends its session ("failed to start"), which the reply shows. */
    if (session_release(s) != 0)
        al_error("plan %s delivered into %s, but its command did not start: %s", id, s->id,
                 al_errdetail());
    r = 0;
    daemon_crash_point(d, "deliver.released");
    plan_event(d, "plan.delivered", p);
    al_info("plan %s delivered into %s", id, s->id);
    *out = s;
    return r;
}

/* Records a refused request about plan id (error r, with the current detail); returns r
 * with that detail still in place for the reply (writing the record clears it). */
static int
refuse_request(struct daemon *d, const char *event, const char *id, const struct actor *by, int r)
{
    cJSON *data = cJSON_CreateObject();
    char detail[512];

    snprintf(detail, sizeof(detail), "%s", al_errdetail());
    cJSON_AddStringToObject(data, "plan", id);
    cJSON_AddStringToObject(data, "error", al_errname(r));
    cJSON_AddStringToObject(data, "detail", detail);
    add_actor(data, by);
    daemon_audit(d, event, data);
    return al__fail(r, "%s", detail);
}

int
crossing_approve(struct daemon *d, const struct actor *by, const char *id, const char *sig,
                 size_t siglen, struct session **delivered)
{
    struct al_plan_limits lim;
    const struct al_plan_record *p;
    const char *nl;
    struct al_buf clean;
    int r, count, worst;

    if (!d->have_approver)
        return al__fail(-ENOENT, "no approver public key at %s (make one with airlock keygen)",
                        d->config->approver_pubkey);
    if ((p = al_store_find(d->store, id)) == NULL)
        return al__fail(AL_ENOTFOUND, "plan %s", id);
    /* A block finding (a canary, a terminal escape...) means the plan must not cross as it
     * is, whoever signed it: a signature only says a person saw the bytes. Such a plan can
     * be edited or rejected. A plan that is not pending is left to the store's ESTATE. */
    findings_summary(p, &count, &worst);
    if (p->state == AL_PLAN_PENDING && worst == AL_SEV_BLOCK)
        return refuse_request(
            d, "plan.approval_refused", id, by,
            al__fail(AL_EBLOCKED, "plan %s has a finding of severity block; edit it or reject it",
                     id));
    plan_limits(d, &lim);
    /* The first line of a .minisig is an unsigned comment: whoever carried the file could
     * have written anything there, and it would ride into the other compartment's inbox.
     * It is replaced by our own before the signature is checked and kept. */
    nl = memchr(sig, '\n', siglen);
    if (siglen < 19 || memcmp(sig, "untrusted comment: ", 19) != 0 || nl == NULL)
        return al__fail(AL_ESIGFORMAT, "a signature file starts with \"untrusted comment: \"");
    al_buf_init(&clean, AL_SIGFILE_MAX + 64);
    if ((r = al_buf_printf(&clean, "untrusted comment: airlock approval of plan %s", id)) != 0 ||
        (r = al_buf_append(&clean, nl, siglen - (size_t)(nl - sig))) != 0) {
        al_buf_close(&clean);
        return r;
    }
    r = al_store_approve(d->store, id, clean.data, clean.len, &d->approver, &lim);
    al_buf_close(&clean);
    if (r != 0)
        return refuse_request(d, "plan.approval_refused", id, by, r);
    p = al_store_find(d->store, id);
    plan_audit(d, "plan.approved", p, NULL, by);
    plan_event(d, "plan.approved", p);
    daemon_crash_point(d, "approve.approved");
    if ((r = deliver(d, id, delivered)) != 0)
        return al__prefix(r, "plan %s is approved, but its delivery failed", id);
    return 0;
}

int
crossing_reject(struct daemon *d, const struct actor *by, const char *id, const char *reason)
{
    const struct al_plan_record *p;
    int r;

    /* Named here, as approve and edit name it: the store's own wording differs. */
    if (al_store_find(d->store, id) == NULL)
        return al__fail(AL_ENOTFOUND, "plan %s", id);
    if ((r = al_store_reject(d->store, id, reason)) != 0)
        return r;
    p = al_store_find(d->store, id);
    plan_audit(d, "plan.rejected", p, NULL, by);
    plan_event(d, "plan.rejected", p);
    return 0;
}

int
crossing_edit(struct daemon *d, const struct actor *by, const char *id,
              const struct al_plan_file *files, size_t n, char newid[AL_ID_HEXLEN + 1])
{
    const struct al_plan_record *orig = al_store_find(d->store, id), *p = NULL;
    struct al_plan_meta meta = {0};
    char reason[64], nid[AL_ID_HEXLEN + 1], session[AL_SESSION_MAX + 1];
    cJSON *data;
    int r;

    if (orig == NULL)
        return al__fail(AL_ENOTFOUND, "plan %s", id);
    if (orig->state != AL_PLAN_PENDING)
        return refuse_request(d, "plan.edit_refused", id, by,
                              al__fail(AL_ESTATE,
                                       "plan %s is %s; only a pending plan can be edited", id,
                                       al_plan_state_name(orig->state)));
    if (n == 0)
        return refuse_request(d, "plan.edit_refused", id, by,
                              al__fail(AL_EFIELD, "members: an edit keeps at least one file"));
    /* The person's edit is a new proposal of the same crossing: the same direction,
     * session and task, but new bytes, so a new id and a new scan. Neither the pending cap
     * nor the session's proposal cap applies: it replaces a plan already counted. */
    meta.from = orig->from;
    meta.to = orig->to;
    meta.session = orig->session;
    meta.created = time(NULL);
    meta.task = orig->task;
    memcpy(session, orig->session, sizeof(session));
    /* The original stays pending until the edit is durably queued: a failure here loses
     * nothing. (orig is not valid past the store's next change.) */
    if ((r = queue(d, &meta, files, n, &p)) != 0)
        return refuse_request(d, "plan.edit_refused", id, by, r);
    memcpy(nid, p->id, sizeof(nid));
    data = plan_audit_data(d, p, session, by);
    cJSON_AddStringToObject(data, "edit_of", id);
    daemon_audit(d, "plan.pending", data);
    plan_event(d, "plan.pending", p);
    snprintf(reason, sizeof(reason), "edited into %s", nid);
    if ((r = al_store_reject(d->store, id, reason)) != 0) {
        /* Both stay pending; the person sees the two and can reject either. */
        al_error("plan %s: edited into %s, but not marked rejected: %s (%s)", id, nid,
                 al_strerror(r), al_errdetail());
        return al__prefix(r, "plan %s holds the edit, but plan %s is still pending", nid, id);
    }
    orig = al_store_find(d->store, id);
    plan_audit(d, "plan.rejected", orig, NULL, by);
    plan_event(d, "plan.rejected", orig);
    data = plan_audit_data(d, al_store_find(d->store, nid), session, by);
    cJSON_AddStringToObject(data, "original", id);
    daemon_audit(d, "plan.edited", data);
    al_info("plan %s edited into %s", id, nid);
    memcpy(newid, nid, sizeof(nid));
    return 0;
}

void
crossing_resume(struct daemon *d)
{
    struct session *s;
    char id[AL_ID_HEXLEN + 1];
    size_t i;
    int r;

    for (i = 0; i < al_store_count(d->store); i++) {
        if (al_store_at(d->store, i)->state != AL_PLAN_APPROVED)
            continue;
        memcpy(id, al_store_at(d->store, i)->id, sizeof(id));
        if ((r = deliver(d, id, &s)) != 0)
            al_error("plan %s: delivery after restart failed: %s (%s)", id, al_strerror(r),
                     al_errdetail());
    }
}

void
crossing_expire(struct daemon *d)
{
    time_t cutoff = time(NULL) - (time_t)d->config->plans.expire_h * 3600;
    char(*ids)[AL_ID_HEXLEN + 1];
    size_t i, n = 0, done = 0, total = al_store_count(d->store);
    const struct al_plan_record *p;
    int r;

    if (total == 0 || (ids = calloc(total, sizeof(*ids))) == NULL)
        return;
    for (i = 0; i < total; i++) {
        p = al_store_at(d->store, i);
        if (p->state == AL_PLAN_PENDING && p->created < cutoff)
            memcpy(ids[n++], p->id, sizeof(ids[0]));
    }
    if (n > 0 && (r = al_store_expire(d->store, cutoff, &done)) != 0)
        al_error("expiring plans: %s (%s)", al_strerror(r), al_errdetail());
    for (i = 0; i < n; i++) {
        p = al_store_find(d->store, ids[i]);
        if (p != NULL && p->state == AL_PLAN_EXPIRED) {
            plan_audit(d, "plan.expired", p, NULL, NULL);
            plan_event(d, "plan.expired", p);
        }
    }
    free(ids);
}

/* Makes transcript bytes into plan text: each byte that is not part of well-formed UTF-8,
 * and each NUL, becomes U+FFFD, and a CRLF (the pseudo-terminal's line end) becomes LF,
 * as `airlock transcript` shows it. A CR anywhere else stays, for the scanner to flag. */
static int
as_text(const char *s, size_t n, struct al_buf *out)
{
    uint32_t cp;
    size_t i = 0, k;
    int r;

    while (i < n) {
        k = al_utf8_decode(s + i, n - i, &cp);
        if (k == 0 || cp == 0)
            r = al_buf_append(out, REPLACEMENT, 3), k = 1;
        else if (cp == '\r' && i + 1 < n && s[i + 1] == '\n')
            r = 0;
        else
            r = al_buf_append(out, s + i, k);
        if (r != 0)
            return r;
        i += k;
    }
    return 0;
}

int
crossing_handoff(struct daemon *d, struct session *s, uint64_t offset, uint64_t length,
                 cJSON *plans)
{
    struct al_plan_file f;
    struct al_buf raw, text;
    uint64_t next;
    size_t max = d->config->plans.max_bytes;
    int r;

    if (offset > s->transcript_bytes)
        return al__fail(AL_EFIELD, "offset %llu is past the transcript's %llu bytes",
                        (unsigned long long)offset, (unsigned long long)s->transcript_bytes);
    if (length == UINT64_MAX)
        length = s->transcript_bytes - offset;
    if (length == 0)
        return al__fail(AL_EFIELD, "nothing to hand off: the selection is empty");
    if (length > max)
        return al__fail(AL_ETOTALSIZE, "the selection is %llu bytes; plans hold at most %zu",
                        (unsigned long long)length, max);
    al_buf_init(&raw, max);
    al_buf_init(&text, 3 * max);
    r = session_transcript(s, offset, (size_t)length, &raw, &next);
    if (r == 0)
        r = as_text(raw.data != NULL ? raw.data : "", raw.len, &text);
    if (r == 0) {
        f.path = "transcript.txt";
        f.data = text.data != NULL ? text.data : "";
        f.len = text.len;
        r = propose(d, s, &f, 1, plans);
    }
    al_buf_close(&raw);
    al_buf_close(&text);
    return r;
}
