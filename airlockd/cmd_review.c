/*
 * cmd_review.c: the daemon commands that put a plan or a session's terminal in front of
 * the person: fetching a plan whole (for show ID), export, approve, transcript and
 * attach. The connection and shared options are in cmd_ctl.c.
 *
 * approve signs only what it showed: the artifact's bytes are fetched once, checked
 * against the hash the daemon lists for the plan, rendered, and then those same bytes,
 * never a second fetch, go to al_plan_sign().
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include <airlock/artifact.h>
#include <airlock/client.h>
#include <airlock/confirm.h>
#include <airlock/file.h>
#include <airlock/paths.h>
#include <airlock/plan.h>
#include <airlock/render.h>
#include <airlock/scan.h>
#include <airlock/sign.h>

#define TRANSCRIPT_MAX 1048576 /* the daemon's largest transcript chunk */

/* Decodes standard base64 text b64 into out (emptied first); AL_ETOOBIG past out's max. */
static int
base64_into(const char *b64, struct al_buf *out)
{
    size_t n = strlen(b64), room = n / 4 * 3, got;
    int r;

    al_buf_reset(out);
    if (room > out->max)
        return al__fail(AL_ETOOBIG, "%zu bytes of base64, more than %zu bytes decoded", n,
                        out->max);
    if ((r = al_buf_reserve(out, room)) != 0)
        return r;
    if (sodium_base642bin((unsigned char *)out->data, room + 1, b64, n, NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return al__fail(AL_EPROTO, "malformed base64");
    out->len = got;
    out->data[got] = '\0';
    return 0;
}

void
cli_fetched_close(struct cli_fetched *f)
{
    cJSON_Delete(f->reply);
    f->reply = NULL;
    al_buf_close(&f->artifact);
    al_buf_close(&f->signature);
}

int
cli_plan_fetch(const char *cmd, const char *sock, const char *id, const struct al_plan_limits *lim,
               struct cli_fetched *f)
{
    unsigned char want[AL_HASH_LEN], got[AL_HASH_LEN];
    const char *b64, *hash, *sig;
    struct cli_ctl c;
    cJSON *req;
    size_t n;
    int r, rc = CLI_FAIL;

    memset(f, 0, sizeof(*f));
    if (lim != NULL) {
        f->lim = *lim;
    } else {
        al_plan_limits_default(&f->lim);
        f->lim.max_total = f->lim.max_member = AL_PLAN_HARD_MAX_BYTES;
    }
    al_buf_init(&f->artifact, al_artifact_max_bytes(&f->lim));
    al_buf_init(&f->signature, AL_SIGFILE_MAX);
    if ((rc = cli_ctl_open(&c, cmd, sock)) != CLI_OK)
        goto out;
    req = cli_ctl_request(&c, "plan");
    if (req != NULL && cJSON_AddStringToObject(req, "id", id) == NULL) {
        cJSON_Delete(req);
        req = NULL;
    }
    if ((rc = cli_ctl_call(&c, req, &f->reply)) != CLI_OK)
        goto out;
    rc = CLI_FAIL;
    f->plan = cJSON_GetObjectItemCaseSensitive(f->reply, "plan");
    b64 = cli_json_str(f->reply, "artifact");
    hash = cli_json_str(f->plan, "hash");
    sig = cli_json_str(f->reply, "signature");
    if (!cJSON_IsObject(f->plan) || cli_json_str(f->plan, "id") == NULL ||
        strcmp(cli_json_str(f->plan, "id"), id) != 0 || b64 == NULL || hash == NULL) {
        rc = cli_fail(cmd, al__fail(AL_EPROTO, "the reply names another plan, or lacks its "
                                               "artifact or hash"));
        goto out;
    }
    if (strlen(hash) != 2 * AL_HASH_LEN ||
        sodium_hex2bin(want, sizeof(want), hash, strlen(hash), NULL, &n, NULL) != 0 ||
        n != sizeof(want)) {
        rc = cli_fail(cmd, al__fail(AL_EPROTO, "the plan's hash is not 64 hex digits"));
        goto out;
    }
    if ((r = base64_into(b64, &f->artifact)) != 0) {
        rc = cli_fail(cmd, al__prefix(r, "the artifact of plan %s", id));
        goto out;
    }
    crypto_generichash(got, sizeof(got), (const unsigned char *)f->artifact.data, f->artifact.len,
                       NULL, 0);
    if (sodium_memcmp(got, want, sizeof(got)) != 0) {
        rc = cli_fail(cmd, al__fail(AL_EHASH,
                                    "the artifact airlockd sent for %s does not "
                                    "match the plan's BLAKE2b-256 hash",
                                    id));
        goto out;
    }
    if (sig != NULL && (r = al_buf_append(&f->signature, sig, strlen(sig))) != 0) {
        rc = cli_fail(cmd, al__prefix(r, "the signature of plan %s", id));
        goto out;
    }
    rc = CLI_OK;
out:
    cli_ctl_close(&c);
    if (rc != CLI_OK)
        cli_fetched_close(f);
    return rc;
}

static const char export_help[] =
    "usage: airlock export [--socket PATH] PLAN-ID DIR\n"
    "\n"
    "Writes the plan's exact bytes to DIR/PLAN-ID.airlock and, once it is approved, its\n"
    "signature to DIR/PLAN-ID.airlock.minisig. Existing files are never replaced. Sign an\n"
    "exported plan elsewhere with 'airlock sign', then 'airlock approve ID --signature'.\n";

int
cmd_export(int argc, char **argv)
{
    struct cli_ctl_args a;
    struct cli_fetched f;
    char plan[4200], sig[4200], whole[AL_ID_HEXLEN + 1];
    const char *id, *dir;
    int r, rc;

    if ((rc = cli_ctl_parse(argc, argv, export_help, 0, 2, &a)) >= 0)
        return rc;
    dir = a.pos[1];
    if ((rc = cli_plan_arg("export", a.sock, a.pos[0], whole)) != CLI_OK)
        return rc;
    id = whole;
    if (snprintf(plan, sizeof(plan), "%s/%s.airlock", dir, id) >= (int)sizeof(plan) ||
        snprintf(sig, sizeof(sig), "%s.minisig", plan) >= (int)sizeof(sig))
        return cli_usage("export", "DIR too long");
    /* Refuse before writing either, so an export is never left half done by a name taken. */
    if (access(plan, F_OK) == 0 || access(sig, F_OK) == 0)
        return cli_fail("export", al__fail(AL_EEXISTS, "%s or its .minisig exists", plan));
    if ((rc = cli_plan_fetch("export", a.sock, id, NULL, &f)) != CLI_OK)
        return rc;
    if ((r = al_file_write(plan, f.artifact.data ? f.artifact.data : "", f.artifact.len, 0644,
                           AL_FILE_EXCL)) != 0) {
        rc = cli_fail("export", r);
        goto out;
    }
    printf("%s\n", plan);
    if (f.signature.len > 0) {
        if ((r = al_file_write(sig, f.signature.data, f.signature.len, 0644, AL_FILE_EXCL)) != 0) {
            rc = cli_fail("export", r);
            goto out;
        }
        printf("%s\n", sig);
    }
    rc = CLI_OK;
out:
    cli_fetched_close(&f);
    return rc;
}

/*
 * Asks for one line: on the terminal when stdin is one (echo on; it is not a secret),
 * else from stdin, a byte at a time so that a passphrase line after it stays there.
 */
static int
ask_line(const char *prompt, char *p, size_t max)
{
    int fd = STDIN_FILENO, n;

    if (isatty(STDIN_FILENO) && (fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) < 0) {
        fprintf(stderr, "airlock: cannot open the terminal: %s\n", strerror(errno));
        return -1;
    }
    fputs(prompt, stderr);
    fflush(stderr);
    n = cli_read_line(fd, p, max);
    if (fd != STDIN_FILENO)
        close(fd);
    else
        fputc('\n', stderr); /* the line read was not echoed */
    return n;
}

/*
 * Prints a finding's message or visible rendering. The scanner made them with
 * al_render_escape() (every control or hidden character already a token, a backslash
 * doubled), so one that escaping would change in nothing but its backslashes is printed as
 * it is: escaping it again would double the tokens' backslashes. Anything else is escaped,
 * not trusted.
 */
static void
put_rendered(const char *s)
{
    struct al_buf b;
    size_t i, j = 0, n = strlen(s);
    int same;

    al_buf_init(&b, n * 10 + 64);
    same = al_render_escape(s, n, AL_RENDER_ESCAPE_NEWLINE, &b) == 0;
    for (i = 0; same && i < n; i++) {
        same = j < b.len && b.data[j++] == s[i];
        if (same && s[i] == '\\')
            same = j < b.len && b.data[j++] == '\\';
    }
    if (same && j == b.len)
        fputs(s, stdout);
    else
        cli_put_escaped(stdout, s);
    al_buf_close(&b);
}

/* The index in the manifest of the member named path, or SIZE_MAX. */
static size_t
member_index(const struct al_artifact *art, const char *path)
{
    const struct al_manifest *m = al_artifact_manifest(art);
    size_t i;

    for (i = 0; path != NULL && i < m->n_entries; i++)
        if (strcmp(m->entries[i].path, path) == 0)
            return i;
    return SIZE_MAX;
}

/* The line (from 1) of byte start in the plan's file path, or 0 when the plan has no such
 * file or start is not within it. */
static size_t
line_of(const struct al_artifact *art, const char *path, long long start)
{
    const char *data;
    size_t i = member_index(art, path), k, len, line = 1;

    if (i == SIZE_MAX || start < 0)
        return 0;
    al_artifact_member(art, i, &data, &len);
    if ((unsigned long long)start > len)
        return 0;
    for (k = 0; k < (size_t)start; k++)
        line += data[k] == '\n';
    return line;
}

/*
 * Prints one of the scanner's findings as the UI's findings list shows it, on one line:
 * severity, rule, where (the file and line), the message and what the flagged text shows
 * as. Every string is the daemon's copy of what the scanner said about untrusted text:
 * printed only through put_rendered() or cli_put_escaped().
 */
static void
put_finding(const cJSON *x, const struct al_artifact *art)
{
    const char *sev = cli_json_str(x, "severity"), *rule = cli_json_str(x, "rule"),
               *member = cli_json_str(x, "member"), *msg = cli_json_str(x, "message"),
               *visible = cli_json_str(x, "visible");
    size_t line;
    int i;

    for (i = 0; i <= AL_SEV_BLOCK; i++)
        if (sev != NULL && strcmp(sev, al_severity_name((enum al_severity)i)) == 0)
            break;
    printf("  %-5s  ", i <= AL_SEV_BLOCK ? sev : "?");
    cli_put_escaped(stdout, rule != NULL ? rule : "?");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "heuristic")))
        fputs(" (heuristic)", stdout);
    if (member != NULL) {
        fputs("  ", stdout);
        cli_put_escaped(stdout, member);
        if ((line = line_of(art, member, cli_json_num(x, "start"))) > 0)
            printf(":%zu", line);
    }
    if (msg != NULL) {
        fputs(": ", stdout);
        put_rendered(msg);
    }
    if (visible != NULL) {
        fputs("  shows ", stdout);
        put_rendered(visible);
    }
    fputc('\n', stdout);
}

void
cli_put_findings(const cJSON *findings, const struct al_artifact *art)
{
    const cJSON *x;

    printf("\nfindings %d\n", cJSON_GetArraySize(findings));
    cJSON_ArrayForEach(x, findings) put_finding(x, art);
}

/* A JSON number as a byte offset: anything negative, fractional or huge is no place. */
static size_t
offset_of(const cJSON *x, const char *name)
{
    double v = cli_json_num(x, name);

    return v >= 0 && v < 9007199254740992.0 && v == (double)(size_t)v ? (size_t)v : SIZE_MAX;
}

/*
 * Asks for the deliberate answer that approves the plan, as airlock-tui does: with a high
 * finding, what that finding names (airlock/confirm.h; the findings taken in reading
 * order, file by file as the manifest lists them), else the first characters of the id.
 * Returns CLI_OK when the person typed it.
 */
static int
confirm_approval(const cJSON *findings, const struct al_artifact *art, const char *id, int high)
{
    char answer[AL_CONFIRM_MAX], line[AL_CONFIRM_MAX + 200], typed[AL_CONFIRM_MAX + 64];
    struct al_confirm_finding *cf = NULL;
    const cJSON *x;
    const char *sev;
    size_t n = 0, pick = SIZE_MAX, cap = (size_t)cJSON_GetArraySize(findings);
    int is_host = 0, got, rc = CLI_FAIL;

    snprintf(answer, sizeof(answer), "%.*s", AL_CONFIRM_ID_LEN, id);
    if (high) {
        if ((cf = calloc(cap + 1, sizeof(*cf))) == NULL) {
            fprintf(stderr, "airlock: approve: out of memory\n");
            goto out;
        }
        cJSON_ArrayForEach(x, findings)
        {
            sev = cli_json_str(x, "severity");
            cf[n].rule = cli_json_str(x, "rule") ? cli_json_str(x, "rule") : "?";
            cf[n].severity = sev != NULL && strcmp(sev, "high") == 0 ? AL_SEV_HIGH : AL_SEV_INFO;
            cf[n].member = member_index(art, cli_json_str(x, "member"));
            cf[n].start = offset_of(x, "start");
            cf[n].end = offset_of(x, "end");
            if (cf[n].member != SIZE_MAX)
                al_artifact_member(art, cf[n].member, &cf[n].data, &cf[n].len);
            /* A span the member does not hold is no place to take an answer from. */
            if (cf[n].start > cf[n].end || cf[n].end > cf[n].len)
                cf[n].data = NULL;
            n++;
        }
        pick = al_confirm_choose(cf, n, id, answer, &is_host);
    }
    if (pick != SIZE_MAX) {
        printf("\nHigh finding:\n");
        put_finding(cJSON_GetArrayItem(findings, (int)pick), art);
        fflush(stdout);
        snprintf(line, sizeof(line), "To approve it, type %s (%s): ",
                 is_host ? "the destination host" : "the end of the marked text", answer);
    } else {
        snprintf(line, sizeof(line),
                 "To approve it, type the first %d characters of its id (%s): ", AL_CONFIRM_ID_LEN,
                 answer);
    }
    got = ask_line(line, typed, sizeof(typed));
    if (got < 0 || !al_confirm_matches(typed, answer)) {
        fprintf(stderr, "airlock: approve: %s; plan %s not approved\n",
                got == -1 ? "no confirmation given" : "the confirmation does not match", id);
        goto out;
    }
    rc = CLI_OK;
out:
    free(cf);
    return rc;
}

/* Sends the approval of plan id with the .minisig text sig. */
static int
send_approval(const char *sock, const char *id, const struct al_buf *sig)
{
    struct cli_ctl c;
    cJSON *req = NULL, *reply = NULL;
    int rc;

    if ((rc = cli_ctl_open(&c, "approve", sock)) != CLI_OK)
        goto out;
    if ((req = cli_ctl_request(&c, "approve")) != NULL &&
        (cJSON_AddStringToObject(req, "id", id) == NULL ||
         cJSON_AddStringToObject(req, "signature", sig->data ? sig->data : "") == NULL)) {
        cJSON_Delete(req);
        req = NULL;
    }
    if ((rc = cli_ctl_call(&c, req, &reply)) != CLI_OK)
        goto out;
    printf("approved %s", id);
    if (cJSON_GetObjectItemCaseSensitive(reply, "session") != NULL) {
        fputs("; delivered into session ", stdout);
        cli_put_escaped(stdout, cli_id_of(cJSON_GetObjectItemCaseSensitive(reply, "session")));
    }
    fputc('\n', stdout);
out:
    cJSON_Delete(reply);
    cli_ctl_close(&c);
    return rc;
}

/* approve ID --signature FILE: a signature made elsewhere goes to the daemon as it is;
 * the daemon checks it against the configured approver key and the plan's bytes. */
static int
approve_with(const struct cli_ctl_args *a, const char *id)
{
    char what[4200];
    struct al_buf sig;
    int r, rc;

    al_buf_init(&sig, AL_SIGFILE_MAX);
    if ((r = cli_read_file(a->signature, &sig)) != 0) {
        snprintf(what, sizeof(what), "approve: %s", a->signature);
        rc = cli_fail(what, r);
    } else {
        rc = send_approval(a->sock, id, &sig);
    }
    al_buf_close(&sig);
    return rc;
}

static const char approve_help[] =
    "usage: airlock approve [--key SECFILE] [--max-bytes N] [--socket PATH] PLAN-ID\n"
    "       airlock approve --signature SIGFILE [--socket PATH] PLAN-ID\n"
    "\n"
    "Fetches a pending plan, checks that its bytes are the ones airlockd listed (BLAKE2b),\n"
    "prints all of it as 'airlock show' does, says which way it goes, and asks you to type\n"
    "the first 8 characters of its id or, for a plan with a high finding, what that\n"
    "finding names (a URL's host, or the end of the marked text), as airlock-tui asks.\n"
    "Then signs exactly those bytes with the approver's\n"
    "secret key (asking for its passphrase if it has one) and sends the signature to\n"
    "airlockd, which delivers the plan into a new session of the other side. The\n"
    "confirmation and passphrase are read from the terminal, or as one line each from\n"
    "standard input when it is not a terminal.\n"
    "\n"
    "  --key SECFILE        approver's secret key (default $XDG_CONFIG_HOME/airlock/approver.key)\n"
    "  --signature SIGFILE  send this .minisig (made with 'airlock sign' on an exported\n"
    "                       plan) instead of signing here; nothing is shown or asked\n"
    "  --max-bytes N        read plans up to N bytes of content (default: any size airlockd\n"
    "                       queued, up to 64M)\n"
    "  --socket PATH        airlockd's control socket\n";

int
cmd_approve(int argc, char **argv)
{
    char keypath[4096] = "", what[64], *pass = NULL, whole[AL_ID_HEXLEN + 1];
    const struct al_manifest *m;
    struct al_artifact *art = NULL;
    struct al_seckey *sk = NULL;
    struct cli_ctl_args a;
    struct cli_fetched f;
    struct al_buf keytext, sig;
    const cJSON *findings;
    const char *id, *state, *worst;
    int r, enc = 0, rc, have_plan = 0;

    if ((rc = cli_ctl_parse(argc, argv, approve_help,
                            CLI_OPT_KEY | CLI_OPT_SIGNATURE | CLI_OPT_MAXBYTES, 1, &a)) >= 0)
        return rc;
    if (a.signature != NULL && (a.key != NULL || a.have_lim))
        return cli_usage("approve", "--signature goes without --key and --max-bytes");
    if ((rc = cli_plan_arg("approve", a.sock, a.pos[0], whole)) != CLI_OK)
        return rc;
    id = whole;
    if (a.signature != NULL)
        return approve_with(&a, id);
    if (a.key != NULL ? cli_copy(keypath, sizeof(keypath), a.key) != 0
                      : al_paths_config("approver.key", 0, keypath, sizeof(keypath)) != 0)
        return cli_usage("approve", "no usable key path (--key, XDG_CONFIG_HOME or HOME)");
    snprintf(what, sizeof(what), "approve: %s", id);
    al_buf_init_secret(&keytext, AL_KEYFILE_MAX);
    al_buf_init(&sig, AL_SIGFILE_MAX);
    rc = CLI_FAIL;
    /* The key first: a missing key should not cost the person a read of the whole plan. */
    if ((r = cli_read_file(keypath, &keytext)) != 0 ||
        (r = al_seckey_encrypted(keytext.data ? keytext.data : "", keytext.len, &enc)) != 0) {
        char kwhat[4200];

        snprintf(kwhat, sizeof(kwhat), "approve: %s", keypath);
        rc = cli_fail(kwhat, r);
        goto out;
    }
    if ((rc = cli_plan_fetch(what, a.sock, id, a.have_lim ? &a.lim : NULL, &f)) != CLI_OK)
        goto out;
    have_plan = 1;
    rc = CLI_FAIL;
    state = cli_json_str(f.plan, "state");
    if (state == NULL || strcmp(state, "pending") != 0) {
        rc = cli_fail(what, al__fail(AL_ESTATE, "the plan is %.20s, not pending",
                                     state != NULL ? state : "in no state"));
        goto out;
    }
    if ((r = al_artifact_read(f.artifact.data ? f.artifact.data : "", f.artifact.len, &f.lim,
                              &art)) != 0) {
        rc = cli_fail(what, r);
        goto out;
    }
    m = al_artifact_manifest(art);
    if (strcmp(m->id, id) != 0 || cli_json_str(f.plan, "from") == NULL ||
        cli_json_str(f.plan, "to") == NULL ||
        strcmp(cli_json_str(f.plan, "from"), al_side_name(m->from)) != 0 ||
        strcmp(cli_json_str(f.plan, "to"), al_side_name(m->to)) != 0) {
        rc = cli_fail(what, al__fail(AL_EPROTO, "the manifest's id or direction is not the "
                                                "one airlockd lists for the plan"));
        goto out;
    }
    if ((rc = cli_show_artifact(what, art)) != CLI_OK)
        goto out;
    rc = CLI_FAIL;
    findings = cJSON_GetObjectItemCaseSensitive(f.reply, "findings");
    cli_put_findings(findings, art);
    printf("\nThis plan goes %s -> %s: %s.\n", al_side_name(m->from), al_side_name(m->to),
           m->from == AL_SIDE_OFFLINE ? "leaving your computer" : "untrusted content coming in");
    fflush(stdout);
    /* airlockd refuses it anyway (EBLOCKED); saying so now spares the passphrase. */
    worst = cli_json_str(f.plan, "worst");
    if (worst != NULL && strcmp(worst, "block") == 0) {
        rc = cli_fail(what, al__fail(AL_EBLOCKED, "a finding above is of severity block: edit "
                                                  "the plan (airlock edit) or reject it"));
        goto out;
    }
    if (confirm_approval(findings, art, id, worst != NULL && strcmp(worst, "high") == 0) != CLI_OK)
        goto out;
    if (enc && cli_passphrase("Passphrase for the secret key: ", 0, &pass) != 0)
        goto out;
    if (enc)
        cli_say_deriving("approve");
    if ((r = al_seckey_parse(keytext.data, keytext.len, pass, &sk)) != 0 ||
        (r = al_plan_sign(sk, f.artifact.data, f.artifact.len, &f.lim, time(NULL), &sig)) != 0) {
        rc = cli_fail(what, r);
        goto out;
    }
    cJSON_Delete(f.reply);
    f.reply = NULL;
    f.plan = NULL;
    rc = send_approval(a.sock, id, &sig);
out:
    cli_passphrase_free(pass);
    al_seckey_free(sk);
    al_artifact_free(art);
    if (have_plan)
        cli_fetched_close(&f);
    al_buf_close(&keytext);
    al_buf_close(&sig);
    return rc;
}

/* The length of s[0..n) that can be escaped now: an incomplete UTF-8 character or a CR
 * at the end waits for the next chunk (the CR may be half of a CRLF). */
static size_t
complete_prefix(const char *s, size_t n)
{
    size_t i, need;
    unsigned char b;

    if (n > 0 && s[n - 1] == '\r')
        return n - 1;
    for (i = n; i > 0 && n - i < 4; i--) {
        b = (unsigned char)s[i - 1];
        if ((b & 0xc0) == 0x80)
            continue;
        need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        return n - (i - 1) < need ? i - 1 : n;
    }
    return n;
}

/* Writes s[0..n) escaped, with each CRLF shown as a plain line break. */
static int
put_transcript(const char *s, size_t n)
{
    struct al_buf fold, out;
    size_t i;
    int r = 0;

    al_buf_init(&fold, n + 1);
    al_buf_init(&out, n * 10 + 64);
    for (i = 0; r == 0 && i < n; i++)
        if (!(s[i] == '\r' && i + 1 < n && s[i + 1] == '\n'))
            r = al_buf_appendc(&fold, s[i]);
    if (r == 0 && fold.len > 0 && (r = al_render_escape(fold.data, fold.len, 0, &out)) == 0)
        fwrite(out.data, 1, out.len, stdout);
    al_buf_close(&fold);
    al_buf_close(&out);
    return r;
}

static const char transcript_help[] =
    "usage: airlock transcript [--raw] [--socket PATH] SESSION\n"
    "\n"
    "Prints what SESSION's terminal showed, as recorded so far. Control characters and\n"
    "escape sequences appear as visible escapes (\\e, \\x07, \\u{202E}) and a literal\n"
    "backslash doubled, as 'airlock show' prints plan text; a CR before a line feed is\n"
    "left out. --raw writes the recorded bytes as they are (for a file or a pager that\n"
    "interprets them, not for a terminal you trust).\n";

int
cmd_transcript(int argc, char **argv)
{
    struct cli_ctl_args a;
    struct cli_ctl c;
    struct al_buf data, pend;
    uint64_t offset = 0, next, size;
    size_t bin, keep;
    cJSON *req, *reply = NULL;
    int r, rc;

    if ((rc = cli_ctl_parse(argc, argv, transcript_help, CLI_OPT_RAW, 1, &a)) >= 0 ||
        (rc = cli_session_arg("transcript", a.pos[0])) >= 0)
        return rc;
    al_buf_init(&data, TRANSCRIPT_MAX);
    al_buf_init(&pend, TRANSCRIPT_MAX + 8);
    if ((rc = cli_ctl_open(&c, "transcript", a.sock)) != CLI_OK)
        goto out;
    for (;;) {
        req = cli_ctl_request(&c, "transcript");
        if (req != NULL && (cJSON_AddStringToObject(req, "session", a.pos[0]) == NULL ||
                            cJSON_AddNumberToObject(req, "offset", (double)offset) == NULL)) {
            cJSON_Delete(req);
            req = NULL;
        }
        if ((rc = cli_ctl_call(&c, req, &reply)) != CLI_OK)
            goto out;
        al_buf_reset(&data);
        if ((r = al_client_transcript(reply, offset, &data, &next, &size)) != 0) {
            rc = cli_fail("transcript", r);
            goto out;
        }
        bin = data.len;
        cJSON_Delete(reply);
        reply = NULL;
        if (a.raw) {
            fwrite(data.data, 1, bin, stdout);
        } else {
            if ((r = al_buf_append(&pend, data.data, bin)) != 0) {
                rc = cli_fail("transcript", r);
                goto out;
            }
            keep = next >= size || bin == 0 ? pend.len : complete_prefix(pend.data, pend.len);
            if ((r = put_transcript(pend.data, keep)) != 0) {
                rc = cli_fail("transcript", r);
                goto out;
            }
            memmove(pend.data, pend.data + keep, pend.len - keep);
            pend.len -= keep;
        }
        offset = next;
        if (bin == 0 || next >= size)
            break;
    }
    if (pend.len > 0 && (r = put_transcript(pend.data, pend.len)) != 0) {
        rc = cli_fail("transcript", r);
        goto out;
    }
    fflush(stdout);
    rc =
        ferror(stdout) ? cli_fail("transcript", al__fail(-EIO, "writing standard output")) : CLI_OK;
out:
    cJSON_Delete(reply);
    cli_ctl_close(&c);
    al_buf_close(&data);
    al_buf_close(&pend);
    return rc;
}

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
    got_signal = sig;
}

static const char attach_help[] =
    "usage: airlock attach [--socket PATH] SESSION\n"
    "\n"
    "Connects this terminal to a running session's terminal: what you type goes to the\n"
    "session, what it prints comes here unchanged. Ctrl-] detaches (the session goes on).\n"
    "The session's terminal takes this terminal's size when attaching. When standard\n"
    "input is not a terminal, its bytes are sent and, at its end, the output is shown\n"
    "until the session ends.\n";

int
cmd_attach(int argc, char **argv)
{
    struct sigaction sa = {0}, old_int, old_term, old_hup, old_pipe;
    struct termios saved, raw;
    struct cli_ctl_args a;
    struct winsize ws;
    struct cli_ctl c;
    cJSON *req, *reply = NULL;
    int r, rc, tty, restore = 0;

    if ((rc = cli_ctl_parse(argc, argv, attach_help, 0, 1, &a)) >= 0 ||
        (rc = cli_session_arg("attach", a.pos[0])) >= 0)
        return rc;
    tty = isatty(STDIN_FILENO);
    if ((rc = cli_ctl_open(&c, "attach", a.sock)) != CLI_OK)
        goto out;
    req = cli_ctl_request(&c, "attach");
    if (req != NULL && cJSON_AddStringToObject(req, "session", a.pos[0]) == NULL) {
        cJSON_Delete(req);
        req = NULL;
    }
    if (req != NULL && (ioctl(tty ? STDIN_FILENO : STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) &&
        ws.ws_row > 0 && ws.ws_col > 0 &&
        (cJSON_AddNumberToObject(req, "rows", ws.ws_row) == NULL ||
         cJSON_AddNumberToObject(req, "cols", ws.ws_col) == NULL)) {
        cJSON_Delete(req);
        req = NULL;
    }
    if ((rc = cli_ctl_call(&c, req, &reply)) != CLI_OK)
        goto out;
    rc = CLI_FAIL;
    /* From here on the connection carries raw terminal bytes; anything that came with
     * the reply line is already the session's output. */
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old_pipe);
    if (tty) {
        if (tcgetattr(STDIN_FILENO, &saved) != 0) {
            rc = cli_fail("attach", al__fail(-errno, "reading the terminal's settings"));
            goto signals;
        }
        raw = saved;
        cfmakeraw(&raw);
        if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) != 0) {
            rc = cli_fail("attach", al__fail(-errno, "switching the terminal to raw mode"));
            goto signals;
        }
        restore = 1;
        fprintf(stderr, "[attached to ");
        cli_put_escaped(stderr, a.pos[0]);
        fprintf(stderr, "; Ctrl-] detaches]\r\n");
    }
    if (al_ctl_pending(&c.rd) > 0 &&
        (r = al_write_all(STDOUT_FILENO, al_ctl_pending_data(&c.rd), al_ctl_pending(&c.rd))) != 0) {
        rc = cli_fail("attach", al__fail(r, "writing standard output"));
        goto signals;
    }
    r = al_client_relay(c.fd, STDIN_FILENO, STDOUT_FILENO, &got_signal);
    if (restore)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    restore = 0;
    if (r < 0) {
        rc = cli_fail("attach", r);
        goto signals;
    }
    fprintf(stderr,
            r == AL_RELAY_CLOSED ? "[airlockd closed the connection to " : "[detached from ");
    cli_put_escaped(stderr, a.pos[0]);
    fprintf(stderr, r == AL_RELAY_CLOSED        ? ": the session ended]\n"
                    : r == AL_RELAY_INPUT_ENDED ? " at the end of standard input]\n"
                                                : "; it goes on]\n");
    rc = CLI_OK;
  signals:
    if (restore)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
out:
    cJSON_Delete(reply);
    cli_ctl_close(&c);
    return rc;
}
