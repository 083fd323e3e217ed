/*
 * approve.c: what a person can do with the plan under review: approve (sign), edit, reject.
 *
 * Approval signs r->bytes, the artifact exactly as fetched, checked and shown: its hash is
 * computed again just before signing, and nothing is fetched a second time. The secret key
 * and the passphrase live in sodium_malloc memory (guard pages, locked where the system
 * allows) for as long as the signature takes, and are wiped before the daemon is asked.
 *
 * The person's confirmation is deliberate: only after the end of the plan has been on
 * screen; for a high finding, by typing what it names (the destination host of a URL, or
 * the last characters of the flagged text); keys typed before the question appeared are
 * thrown away (TUI_PROMPT_FLUSH).
 */
#include "review.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <airlock/confirm.h>
#include <airlock/file.h>
#include <airlock/plan.h>
#include <airlock/render.h>
#include <airlock/sign.h>

#define PASS_MAX 1024
#define EDITOR_ARGS 32       /* words of $VISUAL or $EDITOR */
#define EDIT_B64_MAX 250000u /* the edit op is one request line of at most 256 KiB */

/* What a person types to approve a plan with high findings (airlock/confirm.h), chosen
 * among the findings of the findings list. Returns the index in that list of the finding
 * it is tied to, or SIZE_MAX when the plan's id stands in. */
static size_t
confirmation(struct tui_review *r, char *expect, int *is_host)
{
    struct al_confirm_finding *cf;
    const struct al_finding *f;
    size_t i, pick;

    if ((cf = calloc(r->nlisted ? r->nlisted : 1, sizeof(*cf))) == NULL) {
        /* Without memory for the list the plan's id still makes a deliberate answer. */
        *is_host = 0;
        snprintf(expect, AL_CONFIRM_MAX, "%.*s", AL_CONFIRM_ID_LEN, r->id);
        return SIZE_MAX;
    }
    for (i = 0; i < r->nlisted; i++) {
        f = al_scan_get(r->scan, r->order[i]);
        cf[i].rule = f->rule;
        cf[i].severity = f->severity;
        cf[i].start = f->start;
        cf[i].end = f->end;
        cf[i].member = r->fmember[r->order[i]];
        tui__review_span(r, r->order[i], &cf[i].data, &cf[i].len);
    }
    pick = al_confirm_choose(cf, r->nlisted, r->id, expect, is_host);
    free(cf);
    return pick;
}

/* Explains a question on the key bar, the line above the one tui_prompt() asks on. */
static void
key_bar(const char *text, enum tui_role role)
{
    int y = getmaxy(stdscr) - 2, cols = getmaxx(stdscr);

    tui_blank(stdscr, y, 0, cols, role);
    tui_text(stdscr, y, 1, cols - 2, text, strlen(text), role);
}

/* Reads the secret key file into sodium_malloc memory. */
static int
read_key(const char *path, char **out, size_t *outlen)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    ssize_t k;
    int fd, rc;

    if ((fd = al_file_open_regular(path, 0, &st)) < 0)
        return fd;
    rc = AL_ETOOBIG;
    if (st.st_size > AL_KEYFILE_MAX)
        goto out;
    rc = AL_ENOMEM;
    if ((buf = sodium_malloc(AL_KEYFILE_MAX + 1)) == NULL)
        goto out;
    for (;;) {
        k = read(fd, buf + len, AL_KEYFILE_MAX + 1 - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = -errno;
            goto out;
        }
        if (k == 0)
            break;
        len += (size_t)k;
        if (len > AL_KEYFILE_MAX) {
            rc = AL_ETOOBIG;
            goto out;
        }
    }
    buf[len] = '\0';
    *out = buf;
    buf = NULL; /* transferred */
    *outlen = len;
    rc = 0;
out:
    if (buf != NULL) {
        sodium_memzero(buf, AL_KEYFILE_MAX + 1);
        sodium_free(buf);
    }
    close(fd);
    return rc;
}

/* Signs the bytes on screen and sends the signature; back to the overview once airlockd
 * delivered the plan. */
static void
sign_and_send(struct tui *t, struct tui_review *r)
{
    unsigned char h[AL_HASH_LEN];
    struct al_seckey *sk = NULL;
    char *key = NULL, *pass = NULL, id[AL_ID_HEXLEN + 1];
    const char *sid;
    cJSON *req, *reply = NULL;
    struct al_buf sig;
    size_t keylen = 0;
    int rc, enc = 0;

    al_buf_init(&sig, AL_SIGFILE_MAX);
    memcpy(id, r->id, sizeof(id));
    if ((rc = read_key(t->keypath, &key, &keylen)) != 0 ||
        (rc = al_seckey_encrypted(key, keylen, &enc)) != 0) {
        /* The detail names the file when there is one. */
        tui_note(t, TUI_BAD, "approver key: %s: %.200s; make one with airlock keygen",
                 al_strerror(rc), al_errdetail()[0] ? al_errdetail() : t->keypath);
        goto out;
    }
    if (enc) {
        if ((pass = sodium_malloc(PASS_MAX)) == NULL) {
            tui_note(t, TUI_BAD, "approve: out of memory");
            goto out;
        }
        if (!tui_prompt(t, "Passphrase of the approver key (Esc cancels):", pass, PASS_MAX,
                        TUI_PROMPT_SECRET | TUI_PROMPT_FLUSH)) {
            tui_note(t, TUI_DIM, "not approved");
            goto out;
        }
    }
    /* Unlocking an encrypted key takes seconds (scrypt): say so before, not after. */
    tui_blank(stdscr, getmaxy(stdscr) - 1, 0, getmaxx(stdscr), TUI_NORMAL);
    tui_textf(stdscr, getmaxy(stdscr) - 1, 1, getmaxx(stdscr) - 2, TUI_DIM, "%s",
              enc ? "deriving the key from the passphrase..." : "signing...");
    refresh();
    if ((rc = al_seckey_parse(key, keylen, pass, &sk)) != 0) {
        tui_note(t, TUI_BAD, "approver key: %s: not approved", al_strerror(rc));
        goto out;
    }
    /* What is signed is what was checked and shown. */
    crypto_generichash(h, sizeof(h), (const unsigned char *)r->bytes, r->len, NULL, 0);
    if (sodium_memcmp(h, r->hash, sizeof(h)) != 0) {
        tui_note(t, TUI_BAD, "the plan's bytes no longer match their hash: not signed");
        goto out;
    }
    if ((rc = al_plan_sign(sk, r->bytes, r->len, &r->lim, time(NULL), &sig)) != 0) {
        tui_note(t, TUI_BAD, "signing: %s: %s", al_strerror(rc), al_errdetail());
        goto out;
    }
    /* The key is not needed for the daemon's answer. */
    al_seckey_free(sk);
    sk = NULL;
    req = al_client_request("approve");
    if (req != NULL && (cJSON_AddStringToObject(req, "id", id) == NULL ||
                        cJSON_AddStringToObject(req, "signature", sig.data) == NULL)) {
        cJSON_Delete(req);
        req = NULL;
    }
    if (tui_call(t, "approve", req, &reply) != 0) {
        tui_refresh(t);
        goto out;
    }
    sid = tui_str(cJSON_GetObjectItemCaseSensitive(reply, "session"), "id");
    tui_note(t, TUI_GOOD, "approved plan %.8s: delivered into session %.64s", id,
             sid != NULL ? sid : "(none named)");
    tui_refresh(t);
    tui_review_close(t);
out:
    cJSON_Delete(reply);
    al_seckey_free(sk);
    if (key != NULL) {
        sodium_memzero(key, AL_KEYFILE_MAX + 1);
        sodium_free(key);
    }
    if (pass != NULL) {
        sodium_memzero(pass, PASS_MAX);
        sodium_free(pass);
    }
    al_buf_close(&sig);
}

void
tui__review_approve(struct tui *t)
{
    struct tui_review *r = t->review;
    char expect[AL_CONFIRM_MAX], typed[300], q[AL_CONFIRM_MAX + 16], bar[160];
    const struct al_finding *f;
    const char *worst;
    size_t pick;
    int host;

    if (!tui__review_actionable(t, "approve"))
        return;
    if (!tui__review_ready(r)) {
        tui_note(t, TUI_DIM, "still scanning: approving waits until the findings are known");
        return;
    }
    if (r->scan_rc != 0) {
        tui_note(t, TUI_BAD, "this plan could not be scanned here: it cannot be approved");
        return;
    }
    if (r->worst == AL_SEV_BLOCK) {
        tui_note(t, TUI_BLOCK,
                 "this plan has a block finding: it cannot be approved, only edited (e) or "
                 "rejected (r)");
        return;
    }
    /* airlockd refuses it anyway (EBLOCKED) when its own scan found a block, whatever this
     * one found (another configuration, another workspace): saying so spares the passphrase. */
    if ((worst = tui_str(tui_find(t->plans, r->id), "worst")) != NULL &&
        strcmp(worst, "block") == 0) {
        tui_note(t, TUI_BLOCK,
                 "airlockd's scan found a block finding, so it refuses approval: edit (e) or "
                 "reject (r)");
        return;
    }
    if (!r->seen_end) {
        tui_note(t, TUI_HIGH,
                 "read the whole plan first: scroll to its end (Space, PgDn or G), then press a");
        return;
    }
    if (r->worst == AL_SEV_HIGH) {
        pick = confirmation(r, expect, &host);
        if (pick != SIZE_MAX) {
            /* Show the finding the confirmation is about while it is typed. */
            tui__review_show(t, pick);
            f = al_scan_get(r->scan, r->order[pick]);
            snprintf(bar, sizeof(bar), "HIGH %s: to approve, type %s; Esc cancels", f->rule,
                     host ? "the destination host" : "the end of the marked text");
        } else {
            snprintf(bar, sizeof(bar),
                     "HIGH findings: to approve, type the start of the plan's id; Esc cancels");
        }
        snprintf(q, sizeof(q), "Type %s:", expect);
        erase();
        tui_review_draw(t);
        key_bar(bar, TUI_HIGH);
        if (!tui_prompt(t, q, typed, sizeof(typed), TUI_PROMPT_FLUSH)) {
            tui_note(t, TUI_DIM, "not approved");
            return;
        }
        if (!al_confirm_matches(typed, expect)) {
            tui_note(t, TUI_BAD, "that is not %s: not approved", expect);
            return;
        }
    } else {
        snprintf(q, sizeof(q), "Approve and sign plan %.8s (%s -> %s)? y yes, n or Esc no", r->id,
                 al_side_name(r->m->from), al_side_name(r->m->to));
        if (tui_choose(t, q, "yn", TUI_PROMPT_FLUSH) != 'y') {
            tui_note(t, TUI_DIM, "not approved");
            return;
        }
    }
    sign_and_send(t, r);
}

void
tui__review_reject(struct tui *t)
{
    struct tui_review *r = t->review;
    char reason[1024], q[160], id[AL_ID_HEXLEN + 1];
    cJSON *req, *reply = NULL;

    if (!tui__review_actionable(t, "reject"))
        return;
    memcpy(id, r->id, sizeof(id));
    snprintf(q, sizeof(q), "Reject plan %.8s: type a reason if you like, then Enter; Esc cancels",
             id);
    key_bar(q, TUI_DIM);
    if (!tui_prompt(t, "Reason:", reason, sizeof(reason), TUI_PROMPT_FLUSH)) {
        tui_note(t, TUI_DIM, "not rejected");
        return;
    }
    req = al_client_request("reject");
    if (req != NULL &&
        (cJSON_AddStringToObject(req, "id", id) == NULL ||
         (reason[0] != '\0' && cJSON_AddStringToObject(req, "reason", reason) == NULL))) {
        cJSON_Delete(req);
        req = NULL;
    }
    if (tui_call(t, "reject", req, &reply) != 0) {
        tui_refresh(t);
        return;
    }
    cJSON_Delete(reply);
    tui_note(t, TUI_GOOD, "rejected plan %.8s", id);
    tui_refresh(t);
    tui_review_close(t);
}

/* ---- edit ---- */

/* Removes the edit directory and everything in it (the editor's backups too). */
static void
remove_dir(const char *dir)
{
    struct dirent *e;
    DIR *d;

    if ((d = opendir(dir)) != NULL) {
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                (void)unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    (void)rmdir(dir);
}

/*
 * Runs $VISUAL or $EDITOR (vi when neither is set), split at spaces, on files; no shell.
 * The terminal is the editor's meanwhile; Ctrl-C there is the editor's business, so this
 * process ignores SIGINT and SIGQUIT while it waits, as system() does. Returns 0 when the
 * editor exited with status 0, otherwise notes why not.
 */
static int
run_editor(struct tui *t, char **files, size_t n)
{
    const char *ed = getenv("VISUAL");
    struct sigaction ign = {0}, oint, oquit;
    char *words = NULL, **argv = NULL, *p;
    size_t k = 0, i;
    int ep[2] = {-1, -1}, status = 0, err = 0, rc = -1;
    ssize_t got = 0;
    pid_t pid;

    if (ed == NULL || ed[0] == '\0')
        ed = getenv("EDITOR");
    if (ed == NULL || ed[0] == '\0')
        ed = "vi";
    if ((words = strdup(ed)) == NULL || (argv = calloc(EDITOR_ARGS + n + 1, sizeof(*argv))) == NULL)
        goto out;
    for (p = words; *p != '\0' && k < EDITOR_ARGS;) {
        while (*p == ' ')
            *p++ = '\0';
        if (*p == '\0')
            break;
        argv[k++] = p;
        while (*p != '\0' && *p != ' ')
            p++;
    }
    if (k == 0) {
        tui_note(t, TUI_BAD, "$VISUAL or $EDITOR names no program");
        goto out;
    }
    for (i = 0; i < n; i++)
        argv[k + i] = files[i];
    if (pipe2(ep, O_CLOEXEC) != 0) {
        tui_note(t, TUI_BAD, "edit: %s", strerror(errno));
        goto out;
    }
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    tui_suspend(t);
    sigaction(SIGINT, &ign, &oint);
    sigaction(SIGQUIT, &ign, &oquit);
    pid = fork();
    if (pid == 0) {
        /* Between fork and exec: only async-signal-safe calls. */
        sigaction(SIGINT, &oint, NULL);
        sigaction(SIGQUIT, &oquit, NULL);
        execvp(argv[0], argv);
        err = errno;
        (void)!write(ep[1], &err, sizeof(err));
        _exit(127);
    }
    close(ep[1]);
    ep[1] = -1;
    if (pid > 0) {
        do
            got = read(ep[0], &err, sizeof(err));
        while (got < 0 && errno == EINTR);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    } else {
        err = errno;
        got = sizeof(err);
    }
    sigaction(SIGINT, &oint, NULL);
    sigaction(SIGQUIT, &oquit, NULL);
    tui_resume(t);
    if (got == (ssize_t)sizeof(err))
        tui_note(t, TUI_BAD, "cannot run the editor %.100s: %s", argv[0], strerror(err));
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        tui_note(t, TUI_BAD, "the editor %.100s failed (status %d): the plan is left as it was",
                 argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    else
        rc = 0;
out:
    if (ep[0] >= 0)
        close(ep[0]);
    if (ep[1] >= 0)
        close(ep[1]);
    free(argv);
    free(words);
    return rc;
}

static int
write_new(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600), r;

    if (fd < 0)
        return -errno;
    r = al_write_all(fd, data, len);
    if (close(fd) != 0 && r == 0)
        r = -errno;
    return r;
}

void
tui__review_edit(struct tui *t)
{
    struct tui_review *r = t->review;
    const char *tmp = getenv("TMPDIR"), *d, *nid;
    char dir[4096], id[AL_ID_HEXLEN + 1], newid[AL_ID_HEXLEN + 1] = "";
    struct al_buf *got = NULL;
    size_t i, n = r->nmembers, len, b64len, total = 0, budget;
    char **files = NULL, *b64 = NULL, *c;
    cJSON *req = NULL, *arr, *o, *reply = NULL;
    int rc, changed = 0, made = 0;

    if (!tui__review_actionable(t, "edit"))
        return;
    if (n == 0) {
        tui_note(t, TUI_BAD, "this plan has no files to edit");
        return;
    }
    memcpy(id, r->id, sizeof(id));
    budget = r->max_bytes ? r->max_bytes : AL_PLAN_DEFAULT_MAX_BYTES;
    if (tmp == NULL || tmp[0] != '/')
        tmp = "/tmp";
    if (snprintf(dir, sizeof(dir), "%s/airlock-edit-XXXXXX", tmp) >= (int)sizeof(dir) ||
        mkdtemp(dir) == NULL) {
        tui_note(t, TUI_BAD, "edit: cannot make a private directory in %.200s: %s", tmp,
                 strerror(errno));
        return;
    }
    made = 1;
    if ((files = calloc(n, sizeof(*files))) == NULL || (got = calloc(n, sizeof(*got))) == NULL)
        goto nomem;
    /* One flat file per member, numbered so that names cannot collide. */
    for (i = 0; i < n; i++) {
        const char *name = r->m->entries[i].path;

        al_buf_init(&got[i], budget);
        if ((files[i] = malloc(strlen(dir) + strlen(name) + 8)) == NULL)
            goto nomem;
        snprintf(files[i], strlen(dir) + strlen(name) + 8, "%s/%02zu-%s", dir, i + 1, name);
        for (c = files[i] + strlen(dir) + 1; *c != '\0'; c++)
            if (*c == '/')
                *c = '_';
        al_artifact_member(r->art, i, &d, &len);
        if ((rc = write_new(files[i], d, len)) != 0) {
            tui_note(t, TUI_BAD, "edit: writing %.200s: %s", files[i], al_strerror(rc));
            goto out;
        }
    }
    if (run_editor(t, files, n) != 0)
        goto out;
    for (i = 0; i < n; i++) {
        if ((rc = al_buf_read_path(&got[i], files[i], 1)) != 0) {
            tui_note(t, TUI_BAD, "edit: reading back %.200s: %s (the plan's limit is %zu bytes)",
                     files[i], al_strerror(rc), budget);
            goto out;
        }
        total += got[i].len;
        al_artifact_member(r->art, i, &d, &len);
        if (got[i].len != len || (len > 0 && memcmp(got[i].data, d, len) != 0))
            changed = 1;
    }
    if (total > budget) {
        tui_note(t, TUI_BAD, "edit: %zu bytes, more than the plan's limit of %zu: not sent", total,
                 budget);
        goto out;
    }
    if (!changed) {
        tui_note(t, TUI_DIM, "no changes: the plan stays as it was");
        goto out;
    }
    if ((req = al_client_request("edit")) == NULL ||
        cJSON_AddStringToObject(req, "id", id) == NULL ||
        (arr = cJSON_AddArrayToObject(req, "members")) == NULL)
        goto nomem;
    for (i = 0, b64len = 0; i < n; i++) {
        len = sodium_base64_ENCODED_LEN(got[i].len, sodium_base64_VARIANT_ORIGINAL);
        b64len += len;
        if (b64len > EDIT_B64_MAX) {
            tui_note(t, TUI_BAD,
                     "edit: too large to send (an edit is one request line, at most 256 KiB "
                     "in base64): not sent");
            goto out;
        }
        if ((b64 = malloc(len)) == NULL)
            goto nomem;
        sodium_bin2base64(b64, len, (const unsigned char *)(got[i].data ? got[i].data : ""),
                          got[i].len, sodium_base64_VARIANT_ORIGINAL);
        if ((o = cJSON_CreateObject()) == NULL) {
            free(b64);
            goto nomem;
        }
        cJSON_AddItemToArray(arr, o);
        if (cJSON_AddStringToObject(o, "name", r->m->entries[i].path) == NULL ||
            cJSON_AddStringToObject(o, "data", b64) == NULL) {
            free(b64);
            goto nomem;
        }
        free(b64);
    }
    rc = tui_call(t, "edit", req, &reply);
    req = NULL; /* consumed */
    if (rc != 0) {
        tui_refresh(t);
        goto out;
    }
    nid = tui_str(cJSON_GetObjectItemCaseSensitive(reply, "plan"), "id");
    if (nid == NULL || al_id_check(nid) != 0) {
        tui_note(t, TUI_BAD, "edit: airlockd's reply names no new plan");
        goto out;
    }
    memcpy(newid, nid, sizeof(newid));
    tui_refresh(t);
    /* The edit is a new plan with findings of its own: it is reviewed like any other. This
     * replaces the review (r is gone after it). */
    if (tui_review_open(t, newid) == 0)
        tui_note(t, TUI_GOOD,
                 "edited: plan %.8s replaces %.8s (now rejected); review it: it was scanned again",
                 newid, id);
    goto out;
nomem:
    tui_note(t, TUI_BAD, "edit: out of memory");
out:
    cJSON_Delete(req);
    cJSON_Delete(reply);
    for (i = 0; files != NULL && i < n; i++)
        free(files[i]);
    for (i = 0; got != NULL && i < n; i++)
        al_buf_close(&got[i]);
    free(files);
    free(got);
    if (made)
        remove_dir(dir);
}
