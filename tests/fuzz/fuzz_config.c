/*
 * libFuzzer target: the configuration parser (strict JSON, closed schema, path and host
 * rules), and the allowlist matcher on arbitrary host names.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <airlock/config.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HOME "/home/u"

/* A normalised absolute path: starts with "/", no empty, "." or ".." component. */
static int
normalised(const char *p)
{
    if (p == NULL || p[0] != '/')
        return 0;
    if (strcmp(p, "/") == 0)
        return 1;
    return strstr(p, "//") == NULL && strstr(p, "/./") == NULL && strstr(p, "/../") == NULL &&
           p[strlen(p) - 1] != '/' && strcmp(p + strlen(p) - 2, "/.") != 0 &&
           (strlen(p) < 3 || strcmp(p + strlen(p) - 3, "/..") != 0);
}

/* What every accepted configuration must satisfy. */
static void
check(const struct al_config *c)
{
    const struct al_config_side *s;
    char host[AL_HOSTNAME_MAX + 8];
    const char *rule;
    size_t i;
    int k;

    if (!normalised(c->approver_pubkey))
        __builtin_trap();
    for (k = 0; k < 2; k++) {
        s = &c->side[k];
        if (s->argc < 1 || s->argc > AL_CONFIG_ARGV_MAX || s->argv[s->argc] != NULL ||
            s->argv[0][0] == '\0' || strstr(s->argv[0], "{task}") != NULL ||
            strstr(s->argv[0], "{plan}") != NULL || s->n_ro_binds > AL_CONFIG_RO_BINDS_MAX ||
            s->n_env > AL_CONFIG_ENV_MAX)
            __builtin_trap();
        if ((k == AL_SIDE_OFFLINE) != (s->workspace != NULL) ||
            (k == AL_SIDE_OFFLINE && s->home != NULL) ||
            (s->workspace != NULL && !normalised(s->workspace)) ||
            (s->home != NULL && !normalised(s->home)))
            __builtin_trap();
        for (i = 0; i < s->n_ro_binds; i++)
            if (!normalised(s->ro_binds[i]) || strcmp(s->ro_binds[i], "/") == 0)
                __builtin_trap();
    }
    /* Every rule lets through at least the host it names. */
    s = &c->side[AL_SIDE_ONLINE];
    if (s->n_allow > AL_CONFIG_ALLOW_MAX || s->n_resolve > AL_CONFIG_RESOLVE_MAX ||
        c->side[AL_SIDE_OFFLINE].n_allow != 0)
        __builtin_trap();
    for (i = 0; i < s->n_allow; i++) {
        if (strlen(s->allow[i].host) > AL_HOSTNAME_MAX - 2)
            continue;
        memcpy(host, s->allow[i].wildcard ? "x." : "", s->allow[i].wildcard ? 2 : 0);
        memcpy(host + (s->allow[i].wildcard ? 2 : 0), s->allow[i].host,
               strlen(s->allow[i].host) + 1);
        if (al_allow_match(c, host, s->allow[i].port ? s->allow[i].port : 443, &rule) != 1)
            __builtin_trap();
    }
    for (i = 0; i < s->n_resolve; i++)
        if (al_config_pin_find(c, s->resolve[i].host, s->resolve[i].port) == NULL)
            __builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char fixed[] = "{\"online\":{\"allow\":[\"example.com\",\"*.wikipedia.org\","
                                "\"10.0.0.5:8080\",\"[::1]\"]}}";
    static struct al_config *rules;
    struct al_config *c = NULL;
    char host[320];
    size_t n = size < sizeof(host) - 1 ? size : sizeof(host) - 1;
    int r, m;

    if ((r = al_config_parse((const char *)data, size, HOME, NULL, &c)) == 0) {
        check(c);
        al_config_free(c);
    } else if (r != AL_ENOMEM && al_errdetail()[0] == '\0') {
        __builtin_trap(); /* every rejection says what was wrong */
    }

    /* The same bytes as a host name: the matcher says yes or no, never anything else. */
    if (rules == NULL && al_config_parse(fixed, sizeof(fixed) - 1, HOME, NULL, &rules) != 0)
        __builtin_trap();
    memcpy(host, data, n);
    host[n] = '\0';
    m = al_allow_match(rules, host, 443, NULL);
    if (m != 0 && m != 1)
        __builtin_trap();
    return 0;
}
