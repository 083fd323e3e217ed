/* plan.c: signing and verifying plans with their binding trusted comment (see plan.h). */
#include <airlock/plan.h>

#include <stdio.h>
#include <string.h>

#include <airlock/timefmt.h>

int
al_plan_comment(const struct al_approval *a, char *out, size_t outlen)
{
    char t[AL_TIME_LEN + 1];
    int n;

    if (al_time_format(a->approved, t) != 0)
        return AL_EINVAL;
    n = snprintf(out, outlen, "airlock id=%s from=%s to=%s approved=%s", a->id,
                 al_side_name(a->from), al_side_name(a->to), t);
    return n < 0 || (size_t)n >= outlen ? AL_ETOOBIG : 0;
}

/* Reads "key=value" at *p up to the next space (or end); advances *p past the space. */
static int
field(const char **p, const char *key, char *val, size_t vallen)
{
    size_t k = strlen(key), n;
    const char *s = *p, *end;

    if (strncmp(s, key, k) != 0 || s[k] != '=')
        return -1;
    s += k + 1;
    end = strchr(s, ' ');
    n = end != NULL ? (size_t)(end - s) : strlen(s);
    if (n == 0 || n >= vallen)
        return -1;
    memcpy(val, s, n);
    val[n] = '\0';
    *p = end != NULL ? end + 1 : s + n;
    return 0;
}

int
al_plan_comment_parse(const char *comment, struct al_approval *out)
{
    char id[AL_ID_HEXLEN + 1], from[16], to[16], t[AL_TIME_LEN + 1];
    char canon[AL_COMMENT_MAX + 1];
    const char *p = comment;
    struct al_approval a;

    if (strncmp(p, "airlock ", 8) != 0)
        return al__fail(AL_ECOMMENT, "trusted comment is not an airlock approval");
    p += 8;
    if (field(&p, "id", id, sizeof(id)) || field(&p, "from", from, sizeof(from)) ||
        field(&p, "to", to, sizeof(to)) || field(&p, "approved", t, sizeof(t)) || *p != '\0')
        return al__fail(AL_ECOMMENT, "trusted comment must read \"airlock id=... from=... "
                                     "to=... approved=...\"");
    if (al_id_check(id) != 0 || al_side_parse(from, &a.from) != 0 ||
        al_side_parse(to, &a.to) != 0 || a.from == a.to || al_time_parse(t, &a.approved) != 0)
        return al__fail(AL_ECOMMENT, "trusted comment has an invalid id, side or time");
    memcpy(a.id, id, sizeof(a.id));
    /* Exactly one spelling is an approval: re-format and compare, so no stray space,
     * different case or other variant of the grammar can pass. */
    if (al_plan_comment(&a, canon, sizeof(canon)) != 0 || strcmp(canon, comment) != 0)
        return al__fail(AL_ECOMMENT, "trusted comment is not in canonical form");
    *out = a;
    return 0;
}

int
al_plan_sign(const struct al_seckey *sk, const char *data, size_t len,
             const struct al_plan_limits *lim, time_t approved, struct al_buf *sig)
{
    struct al_artifact *art = NULL;
    const struct al_manifest *m;
    char comment[AL_COMMENT_MAX + 1];
    struct al_approval a;
    int r;

    al_errclear();
    if ((r = al_artifact_read(data, len, lim, &art)) != 0)
        return r;
    m = al_artifact_manifest(art);
    memcpy(a.id, m->id, sizeof(a.id));
    a.from = m->from;
    a.to = m->to;
    a.approved = approved;
    if ((r = al_plan_comment(&a, comment, sizeof(comment))) == 0)
        r = al_sign(sk, data, len, comment, sig);
    al_artifact_free(art);
    return r;
}

int
al_plan_verify(const struct al_pubkey *pk, const char *data, size_t len, const char *sig,
               size_t siglen, const struct al_plan_limits *lim, struct al_artifact **out,
               struct al_approval *approval)
{
    char comment[AL_COMMENT_MAX + 1];
    struct al_artifact *art = NULL;
    const struct al_manifest *m;
    struct al_approval a;
    int r;

    al_errclear();
    /* Signatures first: the artifact parser only ever sees bytes the approver signed. */
    if ((r = al_verify(pk, data, len, sig, siglen, comment, sizeof(comment))) != 0)
        return r;
    if ((r = al_plan_comment_parse(comment, &a)) != 0)
        return r;
    if ((r = al_artifact_read(data, len, lim, &art)) != 0)
        return r;
    m = al_artifact_manifest(art);
    if (strcmp(a.id, m->id) != 0 || a.from != m->from || a.to != m->to) {
        r = al__fail(AL_ECOMMENT, "approval is for plan %s %s->%s, this plan is %s %s->%s", a.id,
                     al_side_name(a.from), al_side_name(a.to), m->id, al_side_name(m->from),
                     al_side_name(m->to));
        goto out;
    }
    if (approval != NULL)
        *approval = a;
    if (out != NULL) {
        *out = art;
        art = NULL; /* transferred */
    }
    /* success */ r = 0;
out:
    al_artifact_free(art);
    return r;
}
