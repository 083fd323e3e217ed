/* manifest.c: strict parsing and canonical emission of manifest.json (see manifest.h). */
#include <airlock/manifest.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include <airlock/json.h>
#include <airlock/render.h>
#include <airlock/timefmt.h>
#include <airlock/utf8.h>

static const char *const side_names[] = {"offline", "online"};

/* Every media type a plan may carry; all are text, so every member is checked as UTF-8. */
static const struct {
    const char *ext;
    const char *type;
} media_types[] = {
    {".md", "text/markdown"}, {".markdown", "text/markdown"}, {".json", "application/json"},
    {".csv", "text/csv"},     {".txt", "text/plain"},
};
#define MEDIA_DEFAULT "text/plain"

void
al_plan_limits_default(struct al_plan_limits *lim)
{
    lim->max_total = AL_PLAN_DEFAULT_MAX_BYTES;
    lim->max_member = AL_PLAN_DEFAULT_MAX_BYTES;
    lim->max_entries = AL_PLAN_DEFAULT_MAX_ENTRIES;
}

const char *
al_side_name(enum al_side s)
{
    return (unsigned)s < 2 ? side_names[s] : "?";
}

int
al_side_parse(const char *s, enum al_side *out)
{
    if (strcmp(s, "offline") == 0)
        *out = AL_SIDE_OFFLINE;
    else if (strcmp(s, "online") == 0)
        *out = AL_SIDE_ONLINE;
    else
        return AL_EFIELD;
    return 0;
}

void
al_id_new(char out[AL_ID_HEXLEN + 1])
{
    unsigned char raw[AL_ID_HEXLEN / 2];

    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(out, AL_ID_HEXLEN + 1, raw, sizeof(raw));
}

int
al_id_check(const char *id)
{
    size_t i;

    if (strlen(id) != AL_ID_HEXLEN)
        return AL_EFIELD;
    for (i = 0; i < AL_ID_HEXLEN; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return AL_EFIELD;
    return 0;
}

int
al_session_check(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 0 || n > AL_SESSION_MAX)
        return AL_EFIELD;
    for (i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= 'A' && s[i] <= 'Z') || strchr("._:-", s[i]) != NULL))
            return AL_EFIELD;
    return 0;
}

int
al_path_check(const char *path)
{
    size_t n = strlen(path), i = 0, comp = 0, k, depth = 1;
    uint32_t cp;

    if (n == 0)
        return al__fail(AL_EPATH, "empty path");
    if (n > AL_PATH_MAX)
        return al__fail(AL_EPATH, "path longer than %d bytes", AL_PATH_MAX);
    if (path[0] == '/')
        return al__fail(AL_EPATH, "absolute path");
    if (strcmp(path, AL_MANIFEST_NAME) == 0)
        return al__fail(AL_EPATH, "\"%s\" is reserved", AL_MANIFEST_NAME);
    while (i <= n) {
        if (i == n || path[i] == '/') {
            k = i - comp;
            if (k == 0)
                return al__fail(AL_EPATH, "empty component at byte %zu", i);
            if ((k == 1 && path[comp] == '.') || (k == 2 && memcmp(path + comp, "..", 2) == 0))
                return al__fail(AL_EPATH, "\".\" or \"..\" component at byte %zu", comp);
            if (i < n && ++depth > AL_PATH_MAX_DEPTH)
                return al__fail(AL_EPATH, "more than %d components", AL_PATH_MAX_DEPTH);
            comp = ++i;
            continue;
        }
        if ((k = al_utf8_decode(path + i, n - i, &cp)) == 0)
            return al__fail(AL_EPATH, "invalid UTF-8 at byte %zu", i);
        if (al_render_is_hidden(cp))
            return al__fail(AL_EPATH, "control or invisible character U+%04X at byte %zu",
                            (unsigned)cp, i);
        i += k;
    }
    return 0;
}

const char *
al_media_type_for(const char *path)
{
    size_t n = strlen(path), e, i;

    for (i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++) {
        e = strlen(media_types[i].ext);
        if (n > e && strcasecmp(path + n - e, media_types[i].ext) == 0)
            return media_types[i].type;
    }
    return MEDIA_DEFAULT;
}

static const char *
media_type_known(const char *t)
{
    size_t i;

    for (i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++)
        if (strcmp(t, media_types[i].type) == 0)
            return media_types[i].type;
    return strcmp(t, MEDIA_DEFAULT) == 0 ? MEDIA_DEFAULT : NULL;
}

void
al_manifest_free(struct al_manifest *m)
{
    size_t i;

    if (m == NULL)
        return;
    for (i = 0; i < m->n_entries; i++)
        free(m->entries[i].path);
    free(m->entries);
    free(m->task);
    free(m);
}

static int
parse_entry(const cJSON *e, size_t idx, const struct al_plan_limits *lim,
            struct al_manifest_entry *out)
{
    static const char *const known[] = {"path", "size", "blake2b", "media_type"};
    const char *path, *hash, *type;
    char where[32];
    size_t hlen = 0;
    int r;

    snprintf(where, sizeof(where), "entries[%zu]", idx);
    if ((r = al_json_closed(e, where, known, 4)) != 0 ||
        (r = al_json_string(e, where, "path", 4096, &path)) != 0 ||
        (r = al_json_uint(e, where, "size", AL_PLAN_HARD_MAX_BYTES, &out->size)) != 0 ||
        (r = al_json_string(e, where, "blake2b", AL_HASH_LEN * 2, &hash)) != 0 ||
        (r = al_json_string(e, where, "media_type", 64, &type)) != 0)
        return r;
    if (out->size > lim->max_member)
        return al__fail(AL_EMEMBERSIZE, "%s: size %llu over the %llu-byte member limit", where,
                        (unsigned long long)out->size, (unsigned long long)lim->max_member);
    if ((r = al_path_check(path)) != 0)
        return al__prefix(r, "%s", where);
    if (strlen(hash) != AL_HASH_LEN * 2 || strspn(hash, "0123456789abcdef") != AL_HASH_LEN * 2 ||
        sodium_hex2bin(out->blake2b, AL_HASH_LEN, hash, AL_HASH_LEN * 2, NULL, &hlen, NULL) != 0)
        return al__fail(AL_EFIELD, "%s: \"blake2b\" must be 64 lowercase hex digits", where);
    if ((out->media_type = media_type_known(type)) == NULL)
        return al__fail(AL_EFIELD, "%s: unsupported media_type \"%.64s\"", where, type);
    /* One path, one media type: otherwise two manifests could describe the same files. */
    if (strcmp(out->media_type, al_media_type_for(path)) != 0)
        return al__fail(AL_EFIELD, "%s: media_type \"%s\" does not match the name (\"%s\")", where,
                        out->media_type, al_media_type_for(path));
    if ((out->path = strdup(path)) == NULL)
        return AL_ENOMEM;
    return 0;
}

int
al_manifest_parse(const char *json, size_t len, const struct al_plan_limits *lim,
                  struct al_manifest **out)
{
    static const char *const known[] = {"format",  "id",      "from", "to",
                                        "session", "created", "task", "entries"};
    const char *format, *id, *from, *to, *session, *created, *task;
    const cJSON *entries, *e;
    struct al_manifest *m = NULL;
    cJSON *root = NULL;
    uint64_t total = 0;
    size_t i, n, bad;
    int r;

    al_errclear();
    if ((r = al_json_parse(json, len, AL_MANIFEST_MAX, AL_JSON_MAX_DEPTH, &root)) != 0)
        goto out;
    /* The format is checked before anything else so a future version is named as such. */
    if (!cJSON_IsObject(root)) {
        r = al__fail(AL_EJSONTYPE, "manifest: not an object");
        goto out;
    }
    if ((r = al_json_string(root, "manifest", "format", 64, &format)) != 0)
        goto out;
    if (strcmp(format, AL_PLAN_FORMAT) != 0) {
        r = al__fail(AL_EFORMAT, "format \"%.64s\", this reader knows \"%s\"", format,
                     AL_PLAN_FORMAT);
        goto out;
    }
    if ((r = al_json_closed(root, "manifest", known, 8)) != 0 ||
        (r = al_json_string(root, "manifest", "id", 64, &id)) != 0 ||
        (r = al_json_string(root, "manifest", "from", 16, &from)) != 0 ||
        (r = al_json_string(root, "manifest", "to", 16, &to)) != 0 ||
        (r = al_json_string(root, "manifest", "session", 256, &session)) != 0 ||
        (r = al_json_string(root, "manifest", "created", 64, &created)) != 0 ||
        (r = al_json_string(root, "manifest", "task", AL_TASK_MAX, &task)) != 0 ||
        (r = al_json_array(root, "manifest", "entries", &entries)) != 0)
        goto out;
    if ((m = calloc(1, sizeof(*m))) == NULL) {
        r = AL_ENOMEM;
        goto out;
    }
    r = AL_EFIELD;
    if (al_id_check(id) != 0) {
        al__fail(r, "manifest: \"id\" must be %d lowercase hex digits", AL_ID_HEXLEN);
        goto out;
    }
    memcpy(m->id, id, AL_ID_HEXLEN + 1);
    if (al_side_parse(from, &m->from) != 0 || al_side_parse(to, &m->to) != 0) {
        al__fail(r, "manifest: \"from\" and \"to\" must be \"offline\" or \"online\"");
        goto out;
    }
    if (m->from == m->to) {
        al__fail(r, "manifest: \"from\" and \"to\" must differ");
        goto out;
    }
    if (al_session_check(session) != 0) {
        al__fail(r, "manifest: \"session\" must be 1 to %d of [A-Za-z0-9._:-]", AL_SESSION_MAX);
        goto out;
    }
    memcpy(m->session, session, strlen(session) + 1);
    if (al_time_parse(created, &m->created) != 0) {
        al__fail(r, "manifest: \"created\" must be a UTC time like 2026-01-31T12:00:00Z");
        goto out;
    }
    /* cJSON has already decoded escapes; the decoded task must still be clean text. */
    if ((r = al_utf8_check_text(task, strlen(task), &bad)) != 0) {
        al__fail(r, "manifest: \"task\" is not valid text at byte %zu", bad);
        goto out;
    }
    if ((m->task = strdup(task)) == NULL) {
        r = AL_ENOMEM;
        goto out;
    }
    n = (size_t)cJSON_GetArraySize(entries);
    if (n > lim->max_entries) {
        r = al__fail(AL_ECOUNT, "manifest lists %zu entries, limit %u", n, lim->max_entries);
        goto out;
    }
    if (n > 0 && (m->entries = calloc(n, sizeof(*m->entries))) == NULL) {
        r = AL_ENOMEM;
        goto out;
    }
    for (i = 0, e = entries->child; e != NULL; e = e->next, i++) {
        if ((r = parse_entry(e, i, lim, &m->entries[i])) != 0)
            goto out;
        m->n_entries = i + 1;
        if (i > 0) {
            int c = strcmp(m->entries[i - 1].path, m->entries[i].path);

            if (c == 0) {
                r = al__fail(AL_EDUPLICATE, "entries[%zu]: \"%s\" is listed twice", i,
                             m->entries[i].path);
                goto out;
            }
            if (c > 0) {
                r = al__fail(AL_EORDER, "entries[%zu]: entries must be sorted by path", i);
                goto out;
            }
        }
        total += m->entries[i].size;
        if (total > lim->max_total) {
            r = al__fail(AL_ETOTALSIZE, "entries add up to more than %llu bytes",
                         (unsigned long long)lim->max_total);
            goto out;
        }
    }
    *out = m;
    m = NULL; /* transferred */
    /* success */ r = 0;
out:
    al_manifest_free(m);
    cJSON_Delete(root);
    return r;
}

int
al_manifest_emit(const struct al_manifest *m, struct al_buf *out)
{
    char created[AL_TIME_LEN + 1], hex[AL_HASH_LEN * 2 + 1];
    cJSON *root = NULL, *arr, *e;
    char *text = NULL;
    size_t i;
    int r = AL_ENOMEM;

    if (al_time_format(m->created, created) != 0)
        return AL_EINVAL;
    /* Field order is fixed by construction; cJSON prints members in insertion order. */
    if ((root = cJSON_CreateObject()) == NULL ||
        !cJSON_AddStringToObject(root, "format", AL_PLAN_FORMAT) ||
        !cJSON_AddStringToObject(root, "id", m->id) ||
        !cJSON_AddStringToObject(root, "from", al_side_name(m->from)) ||
        !cJSON_AddStringToObject(root, "to", al_side_name(m->to)) ||
        !cJSON_AddStringToObject(root, "session", m->session) ||
        !cJSON_AddStringToObject(root, "created", created) ||
        !cJSON_AddStringToObject(root, "task", m->task != NULL ? m->task : "") ||
        (arr = cJSON_AddArrayToObject(root, "entries")) == NULL)
        goto out;
    for (i = 0; i < m->n_entries; i++) {
        sodium_bin2hex(hex, sizeof(hex), m->entries[i].blake2b, AL_HASH_LEN);
        if ((e = cJSON_CreateObject()) == NULL)
            goto out;
        cJSON_AddItemToArray(arr, e);
        if (!cJSON_AddStringToObject(e, "path", m->entries[i].path) ||
            !cJSON_AddNumberToObject(e, "size", (double)m->entries[i].size) ||
            !cJSON_AddStringToObject(e, "blake2b", hex) ||
            !cJSON_AddStringToObject(e, "media_type", m->entries[i].media_type))
            goto out;
    }
    if ((text = cJSON_Print(root)) == NULL)
        goto out;
    if ((r = al_buf_append(out, text, strlen(text))) != 0 || (r = al_buf_appendc(out, '\n')) != 0)
        goto out;
    /* success */ r = 0;
out:
    free(text);
    cJSON_Delete(root);
    return r;
}
