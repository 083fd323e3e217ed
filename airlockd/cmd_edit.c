/*
 * cmd_edit.c: airlock edit, a person's redaction of a pending plan before approval.
 *
 * The files named on the command line are the plan's complete new set. They go to airlockd
 * as they are (op edit, docs/formats/control.md), which checks them as it checks an
 * agent's proposal, scans them again, queues them as a new pending plan and rejects the
 * original. Nothing is checked here that airlockd checks itself: one set of rules, one
 * set of error names.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static const char edit_help[] =
    "usage: airlock edit [--socket PATH] PLAN-ID NAME=FILE...\n"
    "\n"
    "Replaces the pending plan PLAN-ID with a new plan of the files given: each NAME=FILE\n"
    "puts the bytes of FILE into the plan as NAME (a relative path, such as plan.md or\n"
    "notes/sources.txt). They are the complete new set: a file of the plan that is not\n"
    "named is left out. airlockd checks them as it checks an agent's proposal, scans them\n"
    "again and queues them as a new pending plan (a new id; the same direction, session\n"
    "and task), then rejects the original as 'edited into <new id>'. The files together\n"
    "must fit in one request line (256 KiB of base64, about 190 KiB). Prints the new plan.\n"
    "Read a plan's files first with 'airlock show PLAN-ID' or 'airlock export'.\n";

/* Appends {"name": NAME, "data": base64 of FILE} for the argument NAME=FILE. */
static int
add_member(cJSON *members, const char *arg, struct al_buf *data)
{
    const char *eq = strchr(arg, '=');
    size_t n = (size_t)(eq - arg), b64len;
    char *name = NULL, *b64 = NULL;
    cJSON *m = NULL;
    int r = AL_ENOMEM;

    al_buf_reset(data);
    if ((r = cli_read_file(eq + 1, data)) != 0)
        return al__prefix(r, "%s", eq + 1);
    r = AL_ENOMEM;
    b64len = sodium_base64_encoded_len(data->len, sodium_base64_VARIANT_ORIGINAL);
    if ((name = malloc(n + 1)) == NULL || (b64 = malloc(b64len)) == NULL ||
        (m = cJSON_CreateObject()) == NULL)
        goto out;
    memcpy(name, arg, n);
    name[n] = '\0';
    sodium_bin2base64(b64, b64len, (const unsigned char *)(data->data ? data->data : ""), data->len,
                      sodium_base64_VARIANT_ORIGINAL);
    if (cJSON_AddStringToObject(m, "name", name) == NULL ||
        cJSON_AddStringToObject(m, "data", b64) == NULL)
        goto out;
    cJSON_AddItemToArray(members, m);
    m = NULL; /* transferred */
    /* success */ r = 0;
out:
    cJSON_Delete(m);
    free(name);
    free(b64);
    return r;
}

int
cmd_edit(int argc, char **argv)
{
    struct cli_ctl_args a;
    struct cli_ctl c;
    struct al_buf data;
    cJSON *req = NULL, *reply = NULL, *members;
    const char *eq;
    char whole[AL_ID_HEXLEN + 1];
    int i, r, rc;

    if ((rc = cli_ctl_parse(argc, argv, edit_help, 0, -2, &a)) >= 0)
        return rc;
    for (i = 1; i < a.npos; i++)
        if ((eq = strchr(a.pos[i], '=')) == NULL || eq == a.pos[i] || eq[1] == '\0')
            return cli_usage("edit", "each file is given as NAME=FILE");
    if ((rc = cli_plan_arg("edit", a.sock, a.pos[0], whole)) != CLI_OK)
        return rc;
    /* A file that cannot fit in the request is refused here, before anything is sent. */
    al_buf_init(&data, AL_CTL_REQUEST_MAX);
    if ((rc = cli_ctl_open(&c, "edit", a.sock)) != CLI_OK) {
        al_buf_close(&data);
        return rc;
    }
    rc = CLI_FAIL;
    if ((req = cli_ctl_request(&c, "edit")) == NULL ||
        cJSON_AddStringToObject(req, "id", whole) == NULL ||
        (members = cJSON_AddArrayToObject(req, "members")) == NULL) {
        rc = cli_fail("edit", AL_ENOMEM);
        goto out;
    }
    for (i = 1; i < a.npos; i++)
        if ((r = add_member(members, a.pos[i], &data)) != 0) {
            rc = cli_fail("edit", r);
            goto out;
        }
    rc = cli_ctl_call(&c, req, &reply);
    req = NULL; /* transferred */
    if (rc != CLI_OK)
        goto out;
    printf("edited %s into ", whole); /* checked: 32 hex digits */
    cli_put_escaped(stdout, cli_id_of(cJSON_GetObjectItemCaseSensitive(reply, "plan")));
    fputc('\n', stdout);
    cli_plan_line(cJSON_GetObjectItemCaseSensitive(reply, "plan"));
out:
    cJSON_Delete(req);
    cJSON_Delete(reply);
    cli_ctl_close(&c);
    al_buf_close(&data);
    return rc;
}
