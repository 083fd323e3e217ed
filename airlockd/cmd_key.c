/* cmd_key.c: `airlock keygen`, `airlock sign` and `airlock verify`. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <airlock/file.h>
#include <airlock/paths.h>
#include <airlock/plan.h>
#include <airlock/sign.h>
#include <airlock/timefmt.h>

static const char keygen_help[] =
    "usage: airlock keygen [-W] [-f] [-p PUBFILE] [-s SECFILE]\n"
    "\n"
    "Creates the approver's Ed25519 key pair in minisign's format. The secret key is\n"
    "encrypted with a passphrase (asked on the terminal, or read as one line from standard\n"
    "input) unless -W is given.\n"
    "\n"
    "  -p PUBFILE  public key (default $XDG_CONFIG_HOME/airlock/approver.pub)\n"
    "  -s SECFILE  secret key (default $XDG_CONFIG_HOME/airlock/approver.key)\n"
    "  -W          do not encrypt the secret key\n"
    "  -f          replace existing key files\n";

/*
 * Writes a key pair so that a failure never leaves a secret key next to a public key that
 * is not its own. Without force both are created exclusively (and the secret removed
 * again if the public half cannot be made); with force both are first written under
 * "<path>.new" and only then renamed over the old pair.
 */
static int
write_pair(const char *sec, const struct al_buf *s, const char *pub, const struct al_buf *p,
           int force)
{
    char secnew[4200], pubnew[4200];
    int r;

    if (!force) {
        if ((r = al_file_write(sec, s->data, s->len, 0600, AL_FILE_EXCL)) != 0)
            return r;
        if ((r = al_file_write(pub, p->data, p->len, 0644, AL_FILE_EXCL)) != 0)
            unlink(sec); /* ours, just made: useless without its public half */
        return r;
    }
    if (snprintf(secnew, sizeof(secnew), "%s.new", sec) >= (int)sizeof(secnew) ||
        snprintf(pubnew, sizeof(pubnew), "%s.new", pub) >= (int)sizeof(pubnew))
        return al__fail(-ENAMETOOLONG, "%s", sec);
    if ((r = al_file_write(secnew, s->data, s->len, 0600, 0)) != 0)
        return r;
    if ((r = al_file_write(pubnew, p->data, p->len, 0644, 0)) != 0) {
        unlink(secnew);
        return r;
    }
    if (rename(pubnew, pub) != 0 || rename(secnew, sec) != 0) {
        r = al__fail(-errno, "replacing %s and %s", pub, sec);
        unlink(secnew);
        unlink(pubnew);
        return r;
    }
    return 0;
}

int
cli_keygen_write(const char *secpath, const char *pubpath, const char *pass, int force,
                 char keyid[17])
{
    struct al_seckey *sk = NULL;
    struct al_buf pubtext, sectext;
    struct al_pubkey pk;
    int r;

    al_buf_init(&pubtext, AL_KEYFILE_MAX);
    al_buf_init_secret(&sectext, AL_KEYFILE_MAX);
    if ((r = al_key_generate(&sk, &pk)) != 0 || (r = al_pubkey_format(&pk, &pubtext)) != 0 ||
        (r = al_seckey_format(sk, pass, &sectext)) != 0 ||
        (r = write_pair(secpath, &sectext, pubpath, &pubtext, force)) != 0)
        goto out;
    al_keyid_hex(pk.keyid, keyid);
    /* success */ r = 0;
out:
    al_seckey_free(sk);
    al_buf_close(&sectext);
    al_buf_close(&pubtext);
    return r;
}

int
cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
    char pubpath[4096] = "", secpath[4096] = "", *pass = NULL, hex[17];
    int c, nopass = 0, force = 0, r, rc = CLI_FAIL;

    while ((c = getopt_long(argc, argv, "Wfp:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'W':
            nopass = 1;
            break;
        case 'f':
            force = 1;
            break;
        case 'p':
            if (cli_copy(pubpath, sizeof(pubpath), optarg) != 0)
                return cli_usage("keygen", "-p path too long");
            break;
        case 's':
            if (cli_copy(secpath, sizeof(secpath), optarg) != 0)
                return cli_usage("keygen", "-s path too long");
            break;
        case 'h':
            fputs(keygen_help, stdout);
            return CLI_OK;
        default:
            return cli_usage("keygen", CLI_BADOPT);
        }
    }
    if (optind != argc)
        return cli_usage("keygen", "takes no arguments");
    if ((!pubpath[0] && (r = al_paths_config("approver.pub", 1, pubpath, sizeof(pubpath)))) ||
        (!secpath[0] && (r = al_paths_config("approver.key", 1, secpath, sizeof(secpath)))))
        return cli_fail("keygen", r);
    /* Refuse before asking for a passphrase, not after. */
    if (!force && (access(secpath, F_OK) == 0 || access(pubpath, F_OK) == 0)) {
        rc = cli_fail("keygen", al__fail(AL_EEXISTS, "%s or %s exists (use -f to replace)", secpath,
                                         pubpath));
        goto out;
    }
    if (!nopass && cli_passphrase("Passphrase for the new secret key: ", 1, &pass) != 0)
        goto out;
    if (pass != NULL && pass[0] == '\0') {
        fprintf(stderr, "airlock: keygen: empty passphrase; use -W for an unencrypted key\n");
        goto out;
    }
    if (pass != NULL)
        cli_say_deriving("keygen");
    if ((r = cli_keygen_write(secpath, pubpath, pass, force, hex)) != 0) {
        rc = cli_fail("keygen", r);
        goto out;
    }
    printf("key id %s\npublic key: %s\nsecret key: %s%s\n", hex, pubpath, secpath,
           pass != NULL ? " (encrypted)" : " (NOT encrypted)");
    rc = CLI_OK;
out:
    cli_passphrase_free(pass);
    return rc;
}

static const char sign_help[] =
    "usage: airlock sign [--key SECFILE] [-o SIGFILE] [--max-bytes N] PLAN.airlock\n"
    "\n"
    "Approves a plan: checks that PLAN.airlock is a valid plan, then signs its exact bytes\n"
    "with a trusted comment naming its id, direction and the approval time. Writes\n"
    "PLAN.airlock.minisig (or SIGFILE). The secret key's passphrase is asked on the\n"
    "terminal, or read as one line from standard input.\n"
    "\n"
    "  --key SECFILE   approver's secret key (default $XDG_CONFIG_HOME/airlock/approver.key)\n"
    "  -o SIGFILE      where to write the signature\n"
    "  --max-bytes N   accept plans up to N bytes of content (default 64k)\n";

int
cmd_sign(int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"max-bytes", required_argument, NULL, 'm'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    char keypath[4096] = "", sigpath[4096] = "", *pass = NULL;
    struct al_buf keytext, plan, sig;
    struct al_plan_limits lim;
    struct al_seckey *sk = NULL;
    const char *planpath;
    int c, r, enc = 0, rc = CLI_FAIL;

    al_plan_limits_default(&lim);
    while ((c = getopt_long(argc, argv, "k:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            if (cli_copy(keypath, sizeof(keypath), optarg) != 0)
                return cli_usage("sign", "--key path too long");
            break;
        case 'o':
            if (cli_copy(sigpath, sizeof(sigpath), optarg) != 0)
                return cli_usage("sign", "-o path too long");
            break;
        case 'm':
            if (cli_max_bytes(optarg, &lim) != 0)
                return cli_usage("sign", "--max-bytes takes a byte count up to 64M");
            break;
        case 'h':
            fputs(sign_help, stdout);
            return CLI_OK;
        default:
            return cli_usage("sign", CLI_BADOPT);
        }
    }
    if (optind + 1 != argc)
        return cli_usage("sign", "needs exactly one plan file");
    planpath = argv[optind];
    if (!keypath[0] && (r = al_paths_config("approver.key", 0, keypath, sizeof(keypath))) != 0)
        return cli_fail("sign", r);
    if (!sigpath[0] &&
        snprintf(sigpath, sizeof(sigpath), "%s.minisig", planpath) >= (int)sizeof(sigpath))
        return cli_usage("sign", "plan path too long");
    al_buf_init_secret(&keytext, AL_KEYFILE_MAX);
    al_buf_init(&plan, al_artifact_max_bytes(&lim));
    al_buf_init(&sig, AL_SIGFILE_MAX);
    if ((r = cli_read_file(keypath, &keytext)) != 0 ||
        (r = al_seckey_encrypted(keytext.data ? keytext.data : "", keytext.len, &enc)) != 0 ||
        (r = cli_read_file(planpath, &plan)) != 0) {
        rc = cli_fail("sign", r);
        goto out;
    }
    /* Check the plan before asking for a passphrase and spending seconds on scrypt. */
    {
        struct al_artifact *art = NULL;

        r = al_artifact_read(plan.data ? plan.data : "", plan.len, &lim, &art);
        al_artifact_free(art);
        if (r != 0) {
            rc = cli_fail("sign", r);
            goto out;
        }
    }
    if (enc && cli_passphrase("Passphrase for the secret key: ", 0, &pass) != 0)
        goto out;
    if (enc)
        cli_say_deriving("sign");
    if ((r = al_seckey_parse(keytext.data, keytext.len, pass, &sk)) != 0 ||
        (r = al_plan_sign(sk, plan.data ? plan.data : "", plan.len, &lim, time(NULL), &sig)) != 0 ||
        (r = al_file_write(sigpath, sig.data, sig.len, 0644, 0)) != 0) {
        rc = cli_fail("sign", r);
        goto out;
    }
    printf("signed %s\nsignature: %s\n", planpath, sigpath);
    rc = CLI_OK;
out:
    cli_passphrase_free(pass);
    al_seckey_free(sk);
    al_buf_close(&keytext);
    al_buf_close(&plan);
    al_buf_close(&sig);
    return rc;
}

static const char verify_help[] =
    "usage: airlock verify [--pubkey PUBFILE] [--signature SIGFILE] [--max-bytes N] PLAN\n"
    "\n"
    "Checks an approved plan: the key id, the signature over the plan's bytes, the signed\n"
    "trusted comment, the plan itself, and that the comment names this plan's id and\n"
    "direction. Exits 0 only if all hold; otherwise names the first check that failed.\n"
    "\n"
    "  --pubkey PUBFILE     approver's public key (default\n"
    "                       $XDG_CONFIG_HOME/airlock/approver.pub)\n"
    "  --signature SIGFILE  the signature (default PLAN.minisig)\n"
    "  --max-bytes N        accept plans up to N bytes of content (default 64k)\n";

int
cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {{"pubkey", required_argument, NULL, 'p'},
                                         {"signature", required_argument, NULL, 'x'},
                                         {"max-bytes", required_argument, NULL, 'm'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    char pubpath[4096] = "", sigpath[4096] = "", what[4200], when[AL_TIME_LEN + 1], hex[17];
    struct al_approval approval;
    struct al_plan_limits lim;
    struct al_buf plan, sig;
    struct al_pubkey pk;
    const char *planpath;
    int c, r, rc = CLI_FAIL;

    al_plan_limits_default(&lim);
    while ((c = getopt_long(argc, argv, "p:x:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (cli_copy(pubpath, sizeof(pubpath), optarg) != 0)
                return cli_usage("verify", "--pubkey path too long");
            break;
        case 'x':
            if (cli_copy(sigpath, sizeof(sigpath), optarg) != 0)
                return cli_usage("verify", "--signature path too long");
            break;
        case 'm':
            if (cli_max_bytes(optarg, &lim) != 0)
                return cli_usage("verify", "--max-bytes takes a byte count up to 64M");
            break;
        case 'h':
            fputs(verify_help, stdout);
            return CLI_OK;
        default:
            return cli_usage("verify", CLI_BADOPT);
        }
    }
    if (optind + 1 != argc)
        return cli_usage("verify", "needs exactly one plan file");
    planpath = argv[optind];
    snprintf(what, sizeof(what), "verify: %s", planpath);
    if (!pubpath[0] && (r = al_paths_config("approver.pub", 0, pubpath, sizeof(pubpath))) != 0)
        return cli_fail(what, r);
    if (!sigpath[0] &&
        snprintf(sigpath, sizeof(sigpath), "%s.minisig", planpath) >= (int)sizeof(sigpath))
        return cli_usage("verify", "plan path too long");
    al_buf_init(&plan, al_artifact_max_bytes(&lim));
    al_buf_init(&sig, AL_SIGFILE_MAX);
    if ((r = al_pubkey_load(pubpath, &pk)) != 0 || (r = cli_read_file(sigpath, &sig)) != 0 ||
        (r = cli_read_file(planpath, &plan)) != 0 ||
        (r = al_plan_verify(&pk, plan.data ? plan.data : "", plan.len, sig.data, sig.len, &lim,
                            NULL, &approval)) != 0) {
        rc = cli_fail(what, r);
        goto out;
    }
    if ((r = al_time_format(approval.approved, when)) != 0) {
        rc = cli_fail(what, r);
        goto out;
    }
    al_keyid_hex(pk.keyid, hex);
    printf("ok: plan %s %s -> %s, approved %s by key %s\n", approval.id,
           al_side_name(approval.from), al_side_name(approval.to), when, hex);
    rc = CLI_OK;
out:
    al_buf_close(&plan);
    al_buf_close(&sig);
    return rc;
}
