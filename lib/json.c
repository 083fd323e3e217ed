/* json.c: strict JSON parsing and closed-schema field readers (see json.h). */
#include <airlock/json.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <airlock/utf8.h>

/*
 * A lexical pass before cJSON sees the text: it measures nesting depth (so cJSON never
 * recurses deeper than we allow), finds \u0000 escapes (cJSON would silently cut the
 * string there, so two parsers could disagree on a value) and raw control characters in
 * strings (which RFC 8259 forbids and cJSON accepts).
 */
static int
prescan(const char *s, size_t n, int max_depth)
{
    int depth = 0, in_string = 0;
    size_t i;
    unsigned char c;

    for (i = 0; i < n; i++) {
        c = (unsigned char)s[i];
        if (in_string) {
            if (c == '"') {
                in_string = 0;
            } else if (c == '\\') {
                if (i + 1 >= n)
                    return al__fail(AL_EJSON, "unterminated escape at byte %zu", i);
                if (s[i + 1] == 'u' && n - i >= 6 && memcmp(s + i + 2, "0000", 4) == 0)
                    return al__fail(AL_ENUL, "\\u0000 escape at byte %zu", i);
                i++;
            } else if (c < 0x20) {
                return al__fail(AL_EJSON, "raw control character 0x%02x in string at byte %zu", c,
                                i);
            }
            continue;
        }
        if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth)
                return al__fail(AL_EJSONDEPTH, "nesting deeper than %d at byte %zu", max_depth, i);
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 0;
}

static int
cmp_keys(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

    return strcmp(x->string, y->string);
}

/* Sorting the keys makes the duplicate check O(n log n): a 64 KiB object can hold ~10^4. */
static int
check_dups(const cJSON *item)
{
    const cJSON *c, **keys = NULL;
    size_t n = 0, i;
    int r = 0;

    for (c = item->child; c != NULL; c = c->next) {
        if ((r = check_dups(c)) != 0)
            return r;
        n++;
    }
    if (!cJSON_IsObject(item) || n < 2)
        return 0;
    if ((keys = calloc(n, sizeof(*keys))) == NULL)
        return AL_ENOMEM;
    for (i = 0, c = item->child; c != NULL; c = c->next)
        keys[i++] = c;
    qsort(keys, n, sizeof(*keys), cmp_keys);
    for (i = 1; i < n; i++) {
        if (strcmp(keys[i - 1]->string, keys[i]->string) == 0) {
            r = al__fail(AL_EJSONDUPKEY, "key \"%.64s\" appears twice", keys[i]->string);
            break;
        }
    }
    free(keys);
    return r;
}

/*
 * " (line L, column C)" for byte off of a text of several lines (a configuration file);
 * nothing for a text on one line (a control message), where the byte is the column.
 * Columns count bytes from 1.
 */
static const char *
line_col(const char *text, size_t off, char buf[64])
{
    size_t i, line = 1, start = 0;

    for (i = 0; i < off; i++)
        if (text[i] == '\n') {
            line++;
            start = i + 1;
        }
    if (line == 1)
        return "";
    snprintf(buf, 64, " (line %zu, column %zu)", line, off - start + 1);
    return buf;
}

int
al_json_parse(const char *text, size_t len, size_t max_bytes, int max_depth, cJSON **out)
{
    const char *end = NULL;
    cJSON *root = NULL;
    size_t bad = 0, off;
    char lc[64];
    int r;

    al_errclear();
    if (len > max_bytes)
        return al__fail(AL_ETOOBIG, "JSON is %zu bytes, limit %zu", len, max_bytes);
    if ((r = al_utf8_check_text(text, len, &bad)) != 0)
        return al__fail(r, "%s at byte %zu", r == AL_ENUL ? "NUL" : "invalid UTF-8", bad);
    if ((r = prescan(text, len, max_depth)) != 0)
        return r;
    root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (root == NULL) {
        off = cJSON_GetErrorPtr() != NULL ? (size_t)(cJSON_GetErrorPtr() - text) : 0;
        return al__fail(AL_EJSON, "syntax error near byte %zu%s", off, line_col(text, off, lc));
    }
    for (off = (size_t)(end - text); off < len; off++) {
        if (!strchr(" \t\r\n", text[off])) {
            r = al__fail(AL_EJSON, "trailing data at byte %zu%s", off, line_col(text, off, lc));
            goto out;
        }
    }
    if ((r = check_dups(root)) != 0)
        goto out;
    *out = root;
    root = NULL; /* transferred */
    /* success */ r = 0;
out:
    cJSON_Delete(root);
    return r;
}

int
al_json_closed(const cJSON *obj, const char *where, const char *const *known, size_t n)
{
    const cJSON *c = NULL;
    size_t i;

    if (!cJSON_IsObject(obj))
        return al__fail(AL_EJSONTYPE, "%s: not an object", where);
    for (c = obj->child; c != NULL; c = c->next) {
        for (i = 0; i < n; i++)
            if (strcmp(c->string, known[i]) == 0)
                break;
        if (i == n)
            return al__fail(AL_EJSONUNKNOWN, "%s: unknown field \"%.64s\"", where, c->string);
    }
    return 0;
}

static int
member(const cJSON *obj, const char *where, const char *key, const cJSON **out)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, key);

    if (c == NULL)
        return al__fail(AL_EJSONMISSING, "%s: missing \"%s\"", where, key);
    *out = c;
    return 0;
}

int
al_json_string(const cJSON *obj, const char *where, const char *key, size_t maxlen,
               const char **out)
{
    const cJSON *c = NULL;
    int r;

    if ((r = member(obj, where, key, &c)) != 0)
        return r;
    if (!cJSON_IsString(c))
        return al__fail(AL_EJSONTYPE, "%s: \"%s\" must be a string", where, key);
    if (strlen(c->valuestring) > maxlen)
        return al__fail(AL_EFIELD, "%s: \"%s\" is longer than %zu bytes", where, key, maxlen);
    *out = c->valuestring;
    return 0;
}

int
al_json_uint(const cJSON *obj, const char *where, const char *key, uint64_t max, uint64_t *out)
{
    const cJSON *c = NULL;
    double v;
    int r;

    if ((r = member(obj, where, key, &c)) != 0)
        return r;
    if (!cJSON_IsNumber(c))
        return al__fail(AL_EJSONTYPE, "%s: \"%s\" must be a number", where, key);
    v = c->valuedouble;
    if (!isfinite(v) || v < 0 || v != floor(v) || v > (double)max)
        return al__fail(AL_EFIELD, "%s: \"%s\" must be a whole number from 0 to %llu", where, key,
                        (unsigned long long)max);
    *out = (uint64_t)v;
    return 0;
}

int
al_json_array(const cJSON *obj, const char *where, const char *key, const cJSON **out)
{
    const cJSON *c = NULL;
    int r;

    if ((r = member(obj, where, key, &c)) != 0)
        return r;
    if (!cJSON_IsArray(c))
        return al__fail(AL_EJSONTYPE, "%s: \"%s\" must be an array", where, key);
    *out = c;
    return 0;
}
