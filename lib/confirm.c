/*
 * confirm.c: the answer a person types to approve a plan with high findings (confirm.h).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <airlock/confirm.h>
#include <airlock/render.h>

#define HOST_BACK 2048 /* how far before a URL finding its scheme is looked for */

static int
is_alnum(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The host of the URL at or around bytes [s, e) of d[0..n): the scheme's "://" is looked
 * for inside the span, then a little before it (a finding on a query string starts after
 * the host). Copies it to out when it is plain ASCII, the only kind a person can type. */
static int
url_host(const char *d, size_t n, size_t s, size_t e, char *out, size_t outlen)
{
    size_t p, h, he, lo = s > HOST_BACK ? s - HOST_BACK : 0;
    const char *hit = NULL;

    for (p = s; p + 3 <= e && p + 3 <= n; p++)
        if (memcmp(d + p, "://", 3) == 0) {
            hit = d + p;
            break;
        }
    for (p = s; hit == NULL && p > lo; p--)
        if (p + 3 <= n && memcmp(d + p - 1, "://", 3) == 0)
            hit = d + p - 1;
    if (hit == NULL)
        return -1;
    h = (size_t)(hit - d) + 3;
    for (he = h; he < n && d[he] > 0x20 && d[he] < 0x7f && strchr("/?#\"'<>`)]}", d[he]) == NULL;
         he++)
        ;
    /* A host with a letter from outside ASCII (an IDN, a look-alike) cannot be typed as
     * shown; cut short at that letter it would be another host. */
    if (he < n && ((unsigned char)d[he] & 0x80))
        return -1;
    for (p = he; p > h; p--) /* after any user:password@ */
        if (d[p - 1] == '@') {
            h = p;
            break;
        }
    if (h < he && d[h] == '[') { /* an IPv6 literal: up to its bracket, which ended the run */
        for (p = h + 1;
             p < n && d[p] != ']' &&
             (isxdigit((unsigned char)d[p]) || d[p] == ':' || d[p] == '.' || d[p] == '%');
             p++)
            ;
        if (p >= n || d[p] != ']')
            return -1;
        he = p + 1;
    } else {
        for (p = h; p < he && d[p] != ':'; p++)
            ;
        he = p;
    }
    if (he == h || he - h >= outlen)
        return -1;
    memcpy(out, d + h, he - h);
    out[he - h] = '\0';
    return 0;
}

/* The last AL_CONFIRM_TAIL letters and digits of the span [s, e) as drawn (tokens included,
 * so hidden characters count by what the person sees). */
static void
span_tail(const char *d, size_t n, size_t s, size_t e, char *out, size_t outlen)
{
    struct al_render_piece p;
    char ring[AL_CONFIRM_TAIL];
    size_t pos, k = 0, i, from;

    if (e > n)
        e = n;
    if (e <= s)
        e = s < n ? s + 1 : n;
    /* The end of a long span is enough; start on a character boundary. */
    pos = e - s > 4096 ? e - 4096 : s;
    while (pos > s && ((unsigned char)d[pos] & 0xc0) == 0x80)
        pos++;
    while (pos < e) {
        al_render_next(d, e, pos, AL_RENDER_ESCAPE_NEWLINE, &p);
        for (i = 0; i < p.len; i++)
            if (is_alnum((unsigned char)p.text[i]))
                ring[k++ % AL_CONFIRM_TAIL] = p.text[i];
        pos = p.end;
    }
    from = k > AL_CONFIRM_TAIL ? k - AL_CONFIRM_TAIL : 0;
    for (i = 0; from + i < k && i + 1 < outlen; i++)
        out[i] = ring[(from + i) % AL_CONFIRM_TAIL];
    out[i] = '\0';
}

/* Whether f[i] comes before f[j] in reading order (j == SIZE_MAX: nothing chosen yet). */
static int
before(const struct al_confirm_finding *f, size_t i, size_t j)
{
    if (j == SIZE_MAX)
        return 1;
    if (f[i].member != f[j].member)
        return f[i].member < f[j].member;
    if (f[i].start != f[j].start)
        return f[i].start < f[j].start;
    if (f[i].end != f[j].end)
        return f[i].end < f[j].end;
    return i < j;
}

size_t
al_confirm_choose(const struct al_confirm_finding *f, size_t n, const char *plan_id, char *out,
                  int *is_host)
{
    char host[AL_CONFIRM_MAX];
    size_t i, pick = SIZE_MAX, url = SIZE_MAX;

    for (i = 0; i < n; i++) {
        if (f[i].severity != AL_SEV_HIGH || f[i].data == NULL || f[i].start > f[i].end ||
            f[i].end > f[i].len)
            continue;
        if (before(f, i, pick))
            pick = i;
        if ((strncmp(f[i].rule, "url.", 4) == 0 || strcmp(f[i].rule, "host") == 0) &&
            before(f, i, url) &&
            url_host(f[i].data, f[i].len, f[i].start, f[i].end, host, sizeof(host)) == 0) {
            url = i;
            memcpy(out, host, strlen(host) + 1);
        }
    }
    if (url != SIZE_MAX) {
        *is_host = 1;
        return url;
    }
    *is_host = 0;
    out[0] = '\0';
    if (pick != SIZE_MAX)
        span_tail(f[pick].data, f[pick].len, f[pick].start, f[pick].end, out, AL_CONFIRM_MAX);
    /* A high finding the scanner kept no place for (over its cap), or a span with no
     * letter or digit: the plan's id stands in. */
    if (out[0] == '\0') {
        snprintf(out, AL_CONFIRM_MAX, "%.*s", AL_CONFIRM_ID_LEN, plan_id);
        return SIZE_MAX;
    }
    return pick;
}

int
al_confirm_matches(const char *typed, const char *answer)
{
    size_t n;

    while (*typed == ' ')
        typed++;
    for (n = strlen(typed); n > 0 && typed[n - 1] == ' '; n--)
        ;
    return n == strlen(answer) && strncasecmp(typed, answer, n) == 0;
}
