/*
 * Unit tests: airlock.json. The brief's example and the other golden files parse to the
 * values they say; the embedded defaults; every hostile vector fails with its exact code
 * and a detail that starts with the field's path; limits and counts at their boundaries;
 * loading from a file; the egress allowlist, case by case; and the table of fields against
 * the defaults the parser applies and the JSON it prints.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include <airlock/config.h>

#include "support.h"

#define HOME "/home/u"
#define WS HOME "/airlock/workspace"
#define PUBKEY HOME "/.config/airlock/approver.pub"

static int
parse(const char *json, struct al_config **c)
{
    return al_config_parse(json, strlen(json), HOME, NULL, c);
}

/* Fails the test unless json is rejected with code r and a detail starting with prefix. */
static void
reject_at(const char *json, int r, const char *prefix, int line)
{
    struct al_config *c = NULL;
    int got = parse(json, &c);

    if (got != r || strncmp(al_errdetail(), prefix, strlen(prefix)) != 0 || c != NULL)
        fail_msg("line %d: %.200s\n  expected %s \"%s...\"\n  got      %s \"%s\"", line, json,
                 al_errname(r), prefix, al_errname(got), al_errdetail());
}
#define reject(json, r, prefix) reject_at(json, r, prefix, __LINE__)

static void
accept_at(const char *json, int line)
{
    struct al_config *c = NULL;
    int r = parse(json, &c);

    if (r != 0)
        fail_msg("line %d: %.200s\n  rejected: %s %s", line, json, al_errname(r), al_errdetail());
    al_config_free(c);
}
#define accept(json) accept_at(json, __LINE__)

static struct al_config *
parse_vector(const char *rel)
{
    struct al_config *c = NULL;
    struct al_buf b;
    int r;

    ts_read_vector(rel, 2 * AL_CONFIG_FILE_MAX, &b);
    r = al_config_parse(b.data, b.len, HOME, NULL, &c);
    if (r != 0)
        fail_msg("%s: %s %s", rel, al_errname(r), al_errdetail());
    al_buf_close(&b);
    return c;
}

static void
assert_limits(const struct al_limits *l, uint64_t mb, uint32_t pids, uint32_t wall, uint32_t cpu,
              uint64_t outbox_kb, uint32_t nofile)
{
    assert_int_equal(l->memory_bytes, mb << 20);
    assert_int_equal(l->pids, pids);
    assert_int_equal(l->wall_s, wall);
    assert_int_equal(l->cpu_s, cpu);
    assert_int_equal(l->outbox_bytes, outbox_kb * 1024);
    assert_int_equal(l->nofile, nofile);
}

static void
test_brief_example(void **state)
{
    struct al_config *c = parse_vector("config/golden/brief.json");
    const struct al_config_side *off = &c->side[AL_SIDE_OFFLINE], *on = &c->side[AL_SIDE_ONLINE];
    static const unsigned char localhost[4] = {127, 0, 0, 1};

    (void)state;
    assert_string_equal(c->approver_pubkey, PUBKEY);
    assert_int_equal(off->argc, 5);
    assert_string_equal(off->argv[0], "/usr/local/bin/my-agent");
    assert_string_equal(off->argv[2], "{task}");
    assert_string_equal(off->argv[4], "{plan}");
    assert_null(off->argv[5]);
    assert_string_equal(off->workspace, WS);
    assert_null(off->home);
    assert_int_equal(off->n_ro_binds, 1);
    assert_string_equal(off->ro_binds[0], "/opt/models");
    assert_int_equal(off->n_env, 0);
    assert_int_equal(off->n_allow, 0);
    assert_int_equal(off->n_resolve, 0);
    assert_limits(&off->limits, 4096, 512, 3600, 0, 256, 1024);

    assert_int_equal(on->argc, 5);
    assert_string_equal(on->argv[3], "--plan");
    assert_null(on->workspace);
    assert_string_equal(on->home, HOME "/.local/share/airlock/online-home");
    assert_int_equal(on->n_ro_binds, 0);
    assert_int_equal(on->n_allow, 2);
    assert_string_equal(on->allow[0].text, "*.wikipedia.org");
    assert_int_equal(on->allow[0].kind, AL_HOST_NAME);
    assert_int_equal(on->allow[0].wildcard, 1);
    assert_string_equal(on->allow[0].host, "wikipedia.org");
    assert_int_equal(on->allow[0].port, 0);
    assert_string_equal(on->allow[1].text, "api.example.com:443");
    assert_int_equal(on->allow[1].wildcard, 0);
    assert_int_equal(on->allow[1].port, 443);
    assert_int_equal(on->n_resolve, 1);
    assert_string_equal(on->resolve[0].host, "fixture.test");
    assert_int_equal(on->resolve[0].port, 80);
    assert_int_equal(on->resolve[0].kind, AL_HOST_IPV4);
    assert_memory_equal(on->resolve[0].addr, localhost, 4);
    assert_string_equal(on->resolve[0].addr_text, "127.0.0.1");
    assert_int_equal(on->resolve[0].addr_port, 18080);
    /* Fields the example leaves out keep their defaults. */
    assert_limits(&on->limits, 2048, 256, 1800, 0, 256, 1024);

    assert_int_equal(c->plans.max_bytes, 65536);
    assert_int_equal(c->plans.expire_h, 72);
    assert_int_equal(c->plans.n_canaries, 1);
    assert_string_equal(c->plans.canaries[0], "CANARY-7f3a");
    assert_int_equal(c->plans.max_pending, 20);
    assert_int_equal(c->plans.max_proposals_per_session, 10);
    al_config_free(c);
}

/* Everything the full golden file sets, normalised. */
static void
test_golden_full(void **state)
{
    struct al_config *c = parse_vector("config/golden/full.json");
    const struct al_config_side *off = &c->side[AL_SIDE_OFFLINE], *on = &c->side[AL_SIDE_ONLINE];
    static const unsigned char v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    static const unsigned char loop6[16] = {[15] = 1};

    (void)state;
    assert_string_equal(c->approver_pubkey, "/etc/airlock/keys/approver.pub");
    assert_int_equal(off->argc, 6);
    assert_string_equal(off->argv[0], "agent");
    assert_string_equal(off->argv[1], "--prompt={task} (plan: {plan})");
    assert_string_equal(off->argv[2], "");
    assert_string_equal(off->argv[5], "{task}{plan}");
    assert_string_equal(off->workspace, "/srv/work/bob");
    assert_int_equal(off->n_ro_binds, 3);
    assert_string_equal(off->ro_binds[0], HOME "/models");
    assert_string_equal(off->ro_binds[1], "/opt/models/v2");
    assert_string_equal(off->ro_binds[2], "/etc/ssl");
    assert_int_equal(off->n_env, 3);
    assert_string_equal(off->env[0], "ANTHROPIC_API_KEY");
    assert_string_equal(off->env[2], "PATH");
    assert_limits(&off->limits, 16, 8, 1, 0, 4, 16);

    assert_int_equal(on->argc, 3);
    assert_null(on->home);
    assert_int_equal(on->n_env, 2);
    assert_int_equal(on->n_allow, 7);
    assert_string_equal(on->allow[0].text, "example.com");
    assert_string_equal(on->allow[1].text, "*.wikipedia.org:8443");
    assert_string_equal(on->allow[1].host, "wikipedia.org");
    assert_int_equal(on->allow[1].port, 8443);
    assert_string_equal(on->allow[2].text, "xn--bcher-kva.example");
    assert_string_equal(on->allow[3].text, "192.0.2.10:8080");
    assert_int_equal(on->allow[3].kind, AL_HOST_IPV4);
    assert_string_equal(on->allow[4].text, "[2001:db8::1]");
    assert_string_equal(on->allow[4].host, "2001:db8::1");
    assert_int_equal(on->allow[4].kind, AL_HOST_IPV6);
    assert_memory_equal(on->allow[4].addr, v6, 16);
    assert_string_equal(on->allow[5].text, "[::1]:3000");
    assert_string_equal(on->allow[6].text, "a-b.c-d.e");
    assert_int_equal(on->n_resolve, 2);
    assert_string_equal(on->resolve[0].host, "fixture.test");
    assert_string_equal(on->resolve[1].host, "v6.test");
    assert_int_equal(on->resolve[1].kind, AL_HOST_IPV6);
    assert_memory_equal(on->resolve[1].addr, loop6, 16);
    assert_string_equal(on->resolve[1].addr_text, "::1");
    assert_int_equal(on->resolve[1].addr_port, 8443);
    assert_limits(&on->limits, 1048576, 65536, 604800, 604800, 65536, 1048576);

    assert_int_equal(c->plans.max_bytes, AL_PLAN_HARD_MAX_BYTES);
    assert_int_equal(c->plans.expire_h, 8760);
    assert_int_equal(c->plans.n_canaries, 3);
    assert_string_equal(c->plans.canaries[1], "ca\xc3\xb1\xc3\xa1ry");
    assert_int_equal(c->plans.max_pending, 1000);
    assert_int_equal(c->plans.max_proposals_per_session, 1);
    al_config_free(c);
}

static void
assert_strv_equal(char **a, size_t na, char **b, size_t nb)
{
    size_t i;

    assert_int_equal(na, nb);
    for (i = 0; i < na; i++)
        assert_string_equal(a[i], b[i]);
}

static void
assert_same(const struct al_config *a, const struct al_config *b)
{
    int s;

    assert_string_equal(a->approver_pubkey, b->approver_pubkey);
    for (s = 0; s < 2; s++) {
        const struct al_config_side *x = &a->side[s], *y = &b->side[s];

        assert_strv_equal(x->argv, x->argc, y->argv, y->argc);
        assert_true((x->workspace == NULL) == (y->workspace == NULL));
        if (x->workspace != NULL)
            assert_string_equal(x->workspace, y->workspace);
        assert_true((x->home == NULL) == (y->home == NULL));
        assert_strv_equal(x->ro_binds, x->n_ro_binds, y->ro_binds, y->n_ro_binds);
        assert_strv_equal(x->env, x->n_env, y->env, y->n_env);
        assert_memory_equal(&x->limits, &y->limits, sizeof(x->limits));
        assert_int_equal(x->n_allow, y->n_allow);
        assert_int_equal(x->n_resolve, y->n_resolve);
    }
    assert_int_equal(a->plans.max_bytes, b->plans.max_bytes);
    assert_int_equal(a->plans.expire_h, b->plans.expire_h);
    assert_int_equal(a->plans.max_pending, b->plans.max_pending);
    assert_int_equal(a->plans.max_proposals_per_session, b->plans.max_proposals_per_session);
    assert_strv_equal(a->plans.canaries, a->plans.n_canaries, b->plans.canaries,
                      b->plans.n_canaries);
}

static void
test_defaults(void **state)
{
    struct al_config *d = NULL, *m = NULL, *c = NULL;
    const struct al_config_side *off, *on;

    (void)state;
    assert_int_equal(al_config_defaults(HOME, NULL, &d), 0);
    off = &d->side[AL_SIDE_OFFLINE];
    on = &d->side[AL_SIDE_ONLINE];
    assert_string_equal(d->approver_pubkey, PUBKEY);
    assert_int_equal(off->argc, 1);
    assert_string_equal(off->argv[0], "/bin/sh");
    assert_null(off->argv[1]);
    assert_string_equal(on->argv[0], "/bin/sh");
    assert_string_equal(off->workspace, WS);
    assert_null(off->home);
    assert_null(on->workspace);
    assert_null(on->home);
    assert_int_equal(off->n_ro_binds + on->n_ro_binds + off->n_env + on->n_env, 0);
    assert_int_equal(on->n_allow, 0);
    assert_int_equal(on->n_resolve, 0);
    /* The numbers of al_limits_default() (airlock/limits.h). */
    assert_limits(&off->limits, 4096, 512, 3600, 0, 256, 1024);
    assert_limits(&on->limits, 2048, 256, 1800, 0, 256, 1024);
    assert_int_equal(d->plans.max_bytes, AL_PLAN_DEFAULT_MAX_BYTES);
    assert_int_equal(d->plans.expire_h, 72);
    assert_int_equal(d->plans.max_pending, 20);
    assert_int_equal(d->plans.max_proposals_per_session, 10);
    assert_int_equal(d->plans.n_canaries, 0);

    /* An empty file and the minimal golden file mean the defaults. */
    assert_int_equal(parse("{}", &m), 0);
    assert_same(d, m);
    al_config_free(m);
    m = parse_vector("config/golden/minimal.json");
    assert_same(d, m);
    al_config_free(m);
    assert_false(al_allow_match(d, "example.com", 443, NULL));
    al_config_free(d);

    /* $XDG_CONFIG_HOME: used when absolute; unset, empty or relative means ~/.config. */
    assert_int_equal(al_config_defaults(HOME, "/xdg//cfg/", &c), 0);
    assert_string_equal(c->approver_pubkey, "/xdg/cfg/airlock/approver.pub");
    al_config_free(c);
    assert_int_equal(al_config_defaults(HOME, "", &c), 0);
    assert_string_equal(c->approver_pubkey, PUBKEY);
    al_config_free(c);
    assert_int_equal(al_config_defaults(HOME, "rel/cfg", &c), 0);
    assert_string_equal(c->approver_pubkey, PUBKEY);
    al_config_free(c);
    assert_int_equal(al_config_parse("{}", 2, HOME, "/xdg", &c), 0);
    assert_string_equal(c->approver_pubkey, "/xdg/airlock/approver.pub");
    al_config_free(c);
    assert_int_equal(al_config_defaults("/home/u//", NULL, &c), 0);
    assert_string_equal(c->side[AL_SIDE_OFFLINE].workspace, WS);
    al_config_free(c);

    /* The home directory must be absolute; the defaults must still pass every rule. */
    c = NULL;
    assert_int_equal(al_config_defaults(NULL, NULL, &c), AL_EINVAL);
    assert_int_equal(al_config_defaults("home/u", NULL, &c), AL_EINVAL);
    assert_int_equal(al_config_parse("{}", 2, "", NULL, &c), AL_EINVAL);
    assert_int_equal(al_config_defaults("/etc", NULL, &c), AL_ECONFIG);
    assert_string_equal(al_errdetail(), "offline.workspace: \"/etc/airlock/workspace\": lies in "
                                        "the system directory /etc");
    assert_int_equal(al_config_defaults(HOME, WS "/.config", &c), AL_ECONFIG);
    assert_non_null(strstr(al_errdetail(), "offline.workspace: "));
    assert_non_null(strstr(al_errdetail(), "contains " WS "/.config/airlock"));
    assert_null(c);
}

/* Splits a line of expected.tsv in place into its first three fields. */
static int
tsv_fields(char *line, char **file, char **err, char **prefix)
{
    char *t1, *t2, *t3;

    if ((t1 = strchr(line, '\t')) == NULL || (t2 = strchr(t1 + 1, '\t')) == NULL ||
        (t3 = strchr(t2 + 1, '\t')) == NULL)
        return -1;
    *t1 = *t2 = *t3 = '\0';
    *file = line;
    *err = t1 + 1;
    *prefix = t2 + 1;
    return 0;
}

static void
test_hostile_vectors(void **state)
{
    char rel[512], dir[4096], *line, *next, *file = NULL, *err = NULL, *prefix = NULL;
    struct al_config *c;
    struct al_buf tsv, b;
    struct dirent *de;
    int r, rows = 0, failed = 0, files = 0;
    DIR *d;

    (void)state;
    ts_read_vector("config/hostile/expected.tsv", 1024 * 1024, &tsv);
    for (line = tsv.data; line != NULL && *line != '\0'; line = next) {
        if ((next = strchr(line, '\n')) != NULL)
            *next++ = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        assert_int_equal(tsv_fields(line, &file, &err, &prefix), 0);
        snprintf(rel, sizeof(rel), "config/hostile/%s", file);
        ts_read_vector(rel, 2 * AL_CONFIG_FILE_MAX, &b);
        c = NULL;
        r = al_config_parse(b.data, b.len, HOME, NULL, &c);
        if (strcmp(al_errname(r), err) != 0 || strncmp(al_errdetail(), prefix, strlen(prefix)) ||
            c != NULL) {
            fprintf(stderr, "%s:\n  expected %s \"%s...\"\n  got      %s \"%s\"\n", file, err,
                    prefix, al_errname(r), al_errdetail());
            failed++;
        }
        al_config_free(c);
        al_buf_close(&b);
        rows++;
    }
    al_buf_close(&tsv);
    assert_int_equal(failed, 0);
    assert_true(rows >= 100);

    /* Every file in hostile/ has its row: none is left untested. */
    ts_vector_path("config/hostile", dir, sizeof(dir));
    assert_non_null(d = opendir(dir));
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);

        if (n > 5 && strcmp(de->d_name + n - 5, ".json") == 0)
            files++;
    }
    closedir(d);
    assert_int_equal(files, rows);
}

/* Each limit at both ends of its range, and one past each end. */
static void
test_limit_ranges(void **state)
{
    static const struct {
        const char *key;
        long long min, max;
    } f[] = {{"memory_mb", 16, 1048576}, {"pids", 8, 65536},      {"wall_s", 1, 604800},
             {"cpu_s", 0, 604800},       {"outbox_kb", 4, 65536}, {"nofile", 16, 1048576}};
    static const char *const sides[] = {"offline", "online"};
    char json[256], where[128];
    size_t i, s;

    (void)state;
    for (s = 0; s < 2; s++) {
        for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
            snprintf(where, sizeof(where), "%s.limits.%s: ", sides[s], f[i].key);
            snprintf(json, sizeof(json), "{\"%s\":{\"limits\":{\"%s\":%lld}}}", sides[s], f[i].key,
                     f[i].min);
            accept(json);
            snprintf(json, sizeof(json), "{\"%s\":{\"limits\":{\"%s\":%lld}}}", sides[s], f[i].key,
                     f[i].max);
            accept(json);
            snprintf(json, sizeof(json), "{\"%s\":{\"limits\":{\"%s\":%lld}}}", sides[s], f[i].key,
                     f[i].min - 1);
            reject(json, AL_ECONFIG, where);
            snprintf(json, sizeof(json), "{\"%s\":{\"limits\":{\"%s\":%lld}}}", sides[s], f[i].key,
                     f[i].max + 1);
            reject(json, AL_ECONFIG, where);
            snprintf(json, sizeof(json), "{\"%s\":{\"limits\":{\"%s\":true}}}", sides[s], f[i].key);
            reject(json, AL_EJSONTYPE, where);
        }
    }
    accept("{\"plans\":{\"max_bytes\":1,\"expire_h\":1,\"max_pending\":1,"
           "\"max_proposals_per_session\":1000}}");
    accept("{\"plans\":{\"max_bytes\":67108864,\"expire_h\":8760,\"max_pending\":1000}}");
    accept("{\"offline\":{\"limits\":{\"pids\":1e2}}}");
    accept("{\"offline\":{\"limits\":{\"cpu_s\":-0}}}");
    reject("{\"plans\":{\"max_pending\":0}}", AL_ECONFIG, "plans.max_pending: 0 is out of range");
    reject("{\"plans\":{\"expire_h\":72.5}}", AL_ECONFIG, "plans.expire_h: must be a whole number");
    reject("{\"plans\":{\"expire_h\":\"72\"}}", AL_EJSONTYPE, "plans.expire_h: must be a number");
}

/* Builds {"<side>":{"<key>":["<pre>0<post>", ...]}} with n items ("plans" for a side too). */
static void
list_doc(struct al_buf *b, const char *side, const char *key, int n, const char *pre,
         const char *post)
{
    int i;

    al_buf_init(b, 4 * AL_CONFIG_FILE_MAX);
    assert_int_equal(al_buf_printf(b, "{\"%s\":{\"%s\":[", side, key), 0);
    for (i = 0; i < n; i++) {
        assert_int_equal(al_buf_appendc(b, i ? ',' : ' '), 0);
        assert_int_equal(al_buf_printf(b, "\"%s%d%s\"", pre, i, post), 0);
    }
    assert_int_equal(al_buf_printf(b, "]}}"), 0);
}

/* Every list at its maximum count is accepted; one more is refused (hostile/ has those). */
static void
test_counts_and_lengths(void **state)
{
    struct al_config *c = NULL;
    struct al_buf b;
    char *json;
    size_t i;

    (void)state;
    list_doc(&b, "offline", "ro_binds", 32, "/opt/m", "");
    accept(b.data);
    al_buf_close(&b);
    list_doc(&b, "online", "env", 64, "V", "");
    accept(b.data);
    al_buf_close(&b);
    list_doc(&b, "online", "allow", 256, "h", ".example");
    accept(b.data);
    al_buf_close(&b);
    list_doc(&b, "plans", "canaries", 64, "canary-", "");
    accept(b.data);
    al_buf_close(&b);
    list_doc(&b, "offline", "command", 64, "arg", "");
    accept(b.data);
    al_buf_close(&b);

    al_buf_init(&b, AL_CONFIG_FILE_MAX);
    assert_int_equal(al_buf_printf(&b, "{\"online\":{\"resolve\":{"), 0);
    for (i = 0; i < AL_CONFIG_RESOLVE_MAX; i++)
        assert_int_equal(al_buf_printf(&b, "%s\"h%zu.test:80\":\"10.0.0.1:80\"", i ? "," : "", i),
                         0);
    assert_int_equal(al_buf_printf(&b, "}}}"), 0);
    assert_int_equal(parse(b.data, &c), 0);
    assert_int_equal(c->side[AL_SIDE_ONLINE].n_resolve, AL_CONFIG_RESOLVE_MAX);
    al_config_free(c);
    al_buf_close(&b);

    /* Item lengths: a command item of 4096 bytes, a canary of 4 and of 256, a name of 128. */
    al_buf_init(&b, 2 * AL_CONFIG_ARG_MAX);
    assert_int_equal(al_buf_printf(&b, "{\"offline\":{\"command\":[\"/a\",\""), 0);
    for (i = 0; i < AL_CONFIG_ARG_MAX; i++)
        assert_int_equal(al_buf_appendc(&b, 'x'), 0);
    assert_int_equal(al_buf_printf(&b, "\"],\"env\":[\""), 0);
    for (i = 0; i < AL_CONFIG_ENV_NAME_MAX; i++)
        assert_int_equal(al_buf_appendc(&b, 'E'), 0);
    assert_int_equal(al_buf_printf(&b, "\"]},\"plans\":{\"canaries\":[\"four\",\""), 0);
    for (i = 0; i < AL_CONFIG_CANARY_MAX; i++)
        assert_int_equal(al_buf_appendc(&b, 'c'), 0);
    assert_int_equal(al_buf_printf(&b, "\"]}}"), 0);
    accept(b.data);
    al_buf_close(&b);

    /* The whole text: 1 MiB of it is fine, one byte more is not. */
    assert_non_null(json = malloc(AL_CONFIG_FILE_MAX + 1));
    memset(json, ' ', AL_CONFIG_FILE_MAX + 1);
    json[0] = '{';
    json[1] = '}';
    assert_int_equal(al_config_parse(json, AL_CONFIG_FILE_MAX, HOME, NULL, &c), 0);
    al_config_free(c);
    c = NULL;
    assert_int_equal(al_config_parse(json, AL_CONFIG_FILE_MAX + 1, HOME, NULL, &c), AL_ETOOBIG);
    assert_null(c);
    free(json);
    assert_int_equal(al_config_parse(NULL, 0, HOME, NULL, &c), AL_EINVAL);
}

static void
test_placeholders(void **state)
{
    (void)state;
    accept("{\"offline\":{\"command\":[\"/a\",\"{task}\",\"x{plan}y\",\"{task}{plan}{task}\"]}}");
    accept("{\"offline\":{\"command\":[\"/a\",\"{\",\"}\",\"}{\",\"a{b\",\"}x{task}\",\"\"]}}");
    accept("{\"online\":{\"command\":[\"/a{\"]}}");
    reject("{\"offline\":{\"command\":[\"/a\",\"{}\"]}}", AL_ECONFIG,
           "offline.command[1]: unknown placeholder \"{}\"");
    reject("{\"offline\":{\"command\":[\"/a\",\"{ task}\"]}}", AL_ECONFIG,
           "offline.command[1]: unknown placeholder \"{ task}\"");
    reject("{\"offline\":{\"command\":[\"/a\",\"{task}\",\"{print $1}\"]}}", AL_ECONFIG,
           "offline.command[2]: unknown placeholder \"{print $1}\"");
    reject("{\"online\":{\"command\":[\"/a\",\"{task}{plans}\"]}}", AL_ECONFIG,
           "online.command[1]: unknown placeholder \"{plans}\"");
    reject("{\"online\":{\"command\":[\"/bin/{plan}\"]}}", AL_ECONFIG,
           "online.command[0]: the program must not contain a placeholder");
    reject("{\"online\":{\"command\":\"/bin/sh\"}}", AL_EJSONTYPE,
           "online.command: must be an array");
}

/* Paths are expanded and normalised without touching the file system. */
static void
test_paths(void **state)
{
    static const struct {
        const char *in, *out;
    } t[] = {
        {"/srv//a/./b/", "/srv/a/b"},
        {"/srv/a/../b", "/srv/b"},
        {"/srv/../../../srv/c", "/srv/c"},
        {"~/w", HOME "/w"},
        {"~//w/", HOME "/w"},
        {"~/./w/x/..", HOME "/w"},
        {"/home/u/w/../w2", HOME "/w2"},
        {"/srv/a b/\xc3\xa9", "/srv/a b/\xc3\xa9"},
    };
    struct al_config *c = NULL;
    char json[512];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        snprintf(json, sizeof(json), "{\"offline\":{\"workspace\":\"%s\"}}", t[i].in);
        assert_int_equal(parse(json, &c), 0);
        assert_string_equal(c->side[AL_SIDE_OFFLINE].workspace, t[i].out);
        al_config_free(c);
    }
    assert_int_equal(parse("{\"approver_pubkey\":\"~\"}", &c), 0);
    assert_string_equal(c->approver_pubkey, HOME);
    al_config_free(c);
    /* Binds inside the home directory are fine; the home directory itself is not. */
    assert_int_equal(parse("{\"online\":{\"ro_binds\":[\"~/.local/share/models\"],"
                           "\"home\":\"/srv/online//agent/\"}}",
                           &c),
                     0);
    assert_string_equal(c->side[AL_SIDE_ONLINE].ro_binds[0], HOME "/.local/share/models");
    assert_string_equal(c->side[AL_SIDE_ONLINE].home, "/srv/online/agent");
    al_config_free(c);
    /* A workspace somewhere other than the default moves the rules with it. */
    accept(
        "{\"offline\":{\"workspace\":\"/srv/ws\"},\"online\":{\"home\":\"~/airlock/workspace\"}}");
    reject("{\"offline\":{\"workspace\":\"/srv/ws\"},\"online\":{\"ro_binds\":[\"/srv\"]}}",
           AL_ECONFIG, "online.ro_binds[0]: \"/srv\": contains offline.workspace");
    reject("{\"offline\":{\"workspace\":\"/srv/ws\",\"ro_binds\":[\"/srv/ws/x\"]}}", AL_ECONFIG,
           "offline.ro_binds[0]: \"/srv/ws/x\": lies inside offline.workspace");
    /* The configuration directory (approver key) is bound into no compartment. */
    reject("{\"online\":{\"ro_binds\":[\"~/.config/airlock\"]}}", AL_ECONFIG,
           "online.ro_binds[0]: \"/home/u/.config/airlock\": lies inside /home/u/.config/airlock");
    reject("{\"offline\":{\"ro_binds\":[\"~/.config\"]}}", AL_ECONFIG,
           "offline.ro_binds[0]: \"/home/u/.config\": contains /home/u/.config/airlock");
    /* The online side's home never reaches the offline side. */
    reject("{\"online\":{\"home\":\"/srv/oh\"},\"offline\":{\"ro_binds\":[\"/srv\"]}}", AL_ECONFIG,
           "offline.ro_binds[0]: \"/srv\": contains online.home");
    reject("{\"online\":{\"home\":\"/srv/oh\"},\"offline\":{\"ro_binds\":[\"/srv/oh/x\"]}}",
           AL_ECONFIG, "offline.ro_binds[0]: \"/srv/oh/x\": lies inside online.home");
    accept("{\"online\":{\"home\":\"/srv/oh\",\"ro_binds\":[\"/srv/models\"]},"
           "\"offline\":{\"ro_binds\":[\"/srv/models\"]}}");
    /* C1 and bidi controls are refused in paths, like C0. */
    reject("{\"approver_pubkey\":\"/k/a\\u0085b.pub\"}", AL_ECONFIG, "approver_pubkey:");
    reject("{\"offline\":{\"workspace\":\"/srv/\\u202ews\"}}", AL_ECONFIG, "offline.workspace:");
    /* Names that only look alike are not inside one another. */
    accept("{\"online\":{\"ro_binds\":[\"/home/u/airlock/workspace2\",\"/home/u/airloc\"]}}");
    accept("{\"online\":{\"home\":\"/home/u/airlock/workspace-online\"}}");
    accept("{\"offline\":{\"ro_binds\":[\"/tmpfoo\",\"/devel\",\"/running\",\"/airlocked\"]}}");
}

static void
test_allow_match(void **state)
{
    static const struct {
        const char *host;
        unsigned port;
        const char *rule; /* NULL: no match */
    } t[] = {
        {"example.com", 443, "example.com"},
        {"example.com", 80, "example.com"},
        {"EXAMPLE.Com", 443, "example.com"},
        {"example.com", 8080, NULL},
        {"example.com", 22, NULL},
        {"www.example.com", 443, NULL},
        {"example.com.", 443, NULL},
        {"xexample.com", 443, NULL},
        {"en.wikipedia.org", 443, "*.wikipedia.org"},
        {"a.b.wikipedia.org", 80, "*.wikipedia.org"},
        {"EN.WIKIPEDIA.ORG", 443, "*.wikipedia.org"},
        {"wikipedia.org", 443, NULL},
        {"xwikipedia.org", 443, NULL},
        {".wikipedia.org", 443, NULL},
        {"en.wikipedia.org.evil.test", 443, NULL},
        {"en.wikipedia.org", 8443, NULL},
        {"*.wikipedia.org", 443, NULL},
        {"api.example.net", 8443, "api.example.net:8443"},
        {"api.example.net", 443, NULL},
        {"api.example.net", 80, NULL},
        {"x.deep.example.org", 8080, "*.deep.example.org:8080"},
        {"deep.example.org", 8080, NULL},
        {"x.deep.example.org", 443, NULL},
        {"10.0.0.5", 80, "10.0.0.5"},
        {"10.0.0.5", 443, "10.0.0.5"},
        {"10.0.0.5", 8080, NULL},
        {"010.0.0.5", 80, NULL},
        {"10.0.5", 80, NULL},
        {"167772165", 80, NULL},
        {"0xa000005", 80, NULL},
        {"10.0.0.6", 80, NULL},
        {"2001:db8::1", 443, "[2001:db8::1]:443"},
        {"[2001:DB8:0:0::1]", 443, "[2001:db8::1]:443"},
        {"2001:db8::1", 80, NULL},
        {"::1", 80, "[::1]"},
        {"[::1]", 443, "[::1]"},
        {"[0:0:0:0:0:0:0:1]", 443, "[::1]"},
        {"::1", 22, NULL},
        {"127.0.0.1", 80, NULL},
        {"::ffff:10.0.0.5", 80, NULL},
        {"[::1", 80, NULL},
        {"[]", 80, NULL},
        {"", 443, NULL},
        {"example.com", 0, NULL},
        {"example.com", 65536, NULL},
        {"example.com", 65536 + 443, NULL},
        {"exa mple.com", 443, NULL},
        {"example.com:443", 443, NULL},
        {"user@example.com", 443, NULL},
        {"b\xc3\xbc"
         "cher.example.com",
         443, NULL},
    };
    static const char cfg[] = "{\"online\":{\"allow\":[\"example.com\",\"*.wikipedia.org\","
                              "\"api.example.net:8443\",\"10.0.0.5\",\"[2001:db8::1]:443\","
                              "\"*.Deep.Example.ORG:8080\",\"[::1]\"]}}";
    struct al_config *c = NULL;
    const char *rule;
    size_t i;
    int m;

    (void)state;
    assert_int_equal(parse(cfg, &c), 0);
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        rule = "unset";
        m = al_allow_match(c, t[i].host, t[i].port, &rule);
        if (m != (t[i].rule != NULL) || (m && strcmp(rule, t[i].rule) != 0) ||
            (!m && strcmp(rule, "unset") != 0))
            fail_msg("%s:%u: expected %s, got %d (%s)", t[i].host, t[i].port,
                     t[i].rule ? t[i].rule : "no match", m, rule);
    }
    assert_true(al_allow_match(c, "en.wikipedia.org", 443, NULL));
    assert_false(al_allow_match(NULL, "example.com", 443, NULL));
    assert_false(al_allow_match(c, NULL, 443, NULL));
    al_config_free(c);

    /* Rules match in order: the first one that fits is the one reported. */
    assert_int_equal(
        parse("{\"online\":{\"allow\":[\"*.example.com:443\",\"a.example.com\"]}}", &c), 0);
    assert_true(al_allow_match(c, "a.example.com", 443, &rule));
    assert_string_equal(rule, "*.example.com:443");
    assert_true(al_allow_match(c, "a.example.com", 80, &rule));
    assert_string_equal(rule, "a.example.com");
    al_config_free(c);
}

static void
test_pins_and_env(void **state)
{
    struct al_config *c = parse_vector("config/golden/full.json");
    const struct al_config_pin *p;

    (void)state;
    assert_non_null(p = al_config_pin_find(c, "FIXTURE.test", 80));
    assert_string_equal(p->addr_text, "127.0.0.1");
    assert_int_equal(p->addr_port, 18080);
    assert_null(al_config_pin_find(c, "fixture.test", 443));
    assert_null(al_config_pin_find(c, "other.test", 80));
    assert_non_null(p = al_config_pin_find(c, "v6.test", 443));
    assert_string_equal(p->addr_text, "::1");
    assert_null(al_config_pin_find(NULL, "v6.test", 443));
    /* A pin alone allows nothing. */
    assert_false(al_allow_match(c, "fixture.test", 80, NULL));
    al_config_free(c);

    assert_true(al_config_env_overridden(AL_SIDE_OFFLINE, "PATH"));
    assert_true(al_config_env_overridden(AL_SIDE_OFFLINE, "AIRLOCK_OUTBOX"));
    assert_true(al_config_env_overridden(AL_SIDE_ONLINE, "HOME"));
    assert_true(al_config_env_overridden(AL_SIDE_ONLINE, "HTTP_PROXY"));
    assert_true(al_config_env_overridden(AL_SIDE_ONLINE, "https_proxy"));
    assert_false(al_config_env_overridden(AL_SIDE_OFFLINE, "HTTP_PROXY"));
    assert_false(al_config_env_overridden(AL_SIDE_ONLINE, "LC_ALL"));
    assert_false(al_config_env_overridden(AL_SIDE_ONLINE, "path"));
}

static void
write_file(const char *path, const char *text, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
}

static void
test_load(void **state)
{
    static const char good[] = "{\"online\":{\"allow\":[\"example.com\"]}}";
    static const char hostile[] = "{\"online\":{\"allow\":[\"*\"]}}";
    char dir[] = "/tmp/airlock-test-config-XXXXXX", path[256], link[256], fifo[256], *big;
    struct al_config *c = NULL;
    size_t n;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/airlock.json", dir);
    snprintf(link, sizeof(link), "%s/link.json", dir);
    snprintf(fifo, sizeof(fifo), "%s/fifo.json", dir);

    write_file(path, good, strlen(good), 0600);
    assert_int_equal(al_config_load(path, HOME, NULL, &c), 0);
    assert_true(al_allow_match(c, "example.com", 443, NULL));
    al_config_free(c);
    write_file(path, good, strlen(good), 0644);
    assert_int_equal(al_config_load(path, HOME, NULL, &c), 0);
    al_config_free(c);
    assert_int_equal(symlink("airlock.json", link), 0);
    assert_int_equal(al_config_load(link, HOME, NULL, &c), 0);
    al_config_free(c);
    c = NULL;

    /* Writable by others: whoever can write it could widen the allowlist. */
    write_file(path, good, strlen(good), 0620);
    assert_int_equal(al_config_load(path, HOME, NULL, &c), AL_ECONFIG);
    assert_int_equal(strncmp(al_errdetail(), path, strlen(path)), 0);
    assert_non_null(strstr(al_errdetail(), "writable by group or others"));
    write_file(path, good, strlen(good), 0602);
    assert_int_equal(al_config_load(path, HOME, NULL, &c), AL_ECONFIG);

    /* A bad field: the detail gives the file, then the field. */
    write_file(path, hostile, strlen(hostile), 0600);
    assert_int_equal(al_config_load(path, HOME, NULL, &c), AL_ECONFIG);
    assert_int_equal(strncmp(al_errdetail(), path, strlen(path)), 0);
    assert_non_null(strstr(al_errdetail(), ": online.allow[0]: \"*\": "));

    /* Size: exactly 1 MiB is read, one byte more is refused. */
    assert_non_null(big = malloc(AL_CONFIG_FILE_MAX + 1));
    memset(big, '\n', AL_CONFIG_FILE_MAX + 1);
    big[0] = '{';
    big[1] = '}';
    write_file(path, big, AL_CONFIG_FILE_MAX, 0600);
    assert_int_equal(al_config_load(path, HOME, NULL, &c), 0);
    al_config_free(c);
    c = NULL;
    write_file(path, big, AL_CONFIG_FILE_MAX + 1, 0600);
    assert_int_equal(al_config_load(path, HOME, NULL, &c), AL_ETOOBIG);
    free(big);
    write_file(path, "", 0, 0600);
    assert_int_equal(al_config_load(path, HOME, NULL, &c), AL_EJSON);

    /* Not a regular file: a directory, and a FIFO (which must not block). */
    assert_int_equal(al_config_load(dir, HOME, NULL, &c), AL_EFILETYPE);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(al_config_load(fifo, HOME, NULL, &c), AL_EFILETYPE);
    assert_null(c);

    assert_int_equal(unlink(fifo), 0);
    assert_int_equal(unlink(link), 0);
    assert_int_equal(unlink(path), 0);
    n = strlen(dir);
    assert_int_equal(al_config_load(path, HOME, NULL, &c), -ENOENT);
    assert_int_equal(strncmp(al_errdetail(), dir, n), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* The member at the JSON path name ("offline.limits.pids") of tree, or NULL. */
static const cJSON *
member(const cJSON *tree, const char *name)
{
    char part[128];
    const char *p = name, *dot;
    size_t n;

    while (tree != NULL && *p != '\0') {
        dot = strchr(p, '.');
        n = dot != NULL ? (size_t)(dot - p) : strlen(p);
        assert_true(n < sizeof(part));
        memcpy(part, p, n);
        part[n] = '\0';
        tree = cJSON_GetObjectItemCaseSensitive(tree, part);
        p += n + (dot != NULL);
    }
    return tree;
}

/* The table is well formed, and its defaults are the ones al_config_defaults applies, as
 * al_config_print shows them: the documentation states the table, so it must not lie. */
static void
test_fields_table(void **state)
{
    const struct al_config_field *f, *g;
    struct al_config *d = NULL;
    char *text = NULL, path[256];
    cJSON *printed, *want;
    const cJSON *got;
    size_t n = 0;

    (void)state;
    assert_int_equal(al_config_defaults(HOME, NULL, &d), 0);
    assert_int_equal(al_config_print(d, &text), 0);
    assert_non_null(printed = cJSON_Parse(text));
    for (f = al_config_fields(); f->name != NULL; f++, n++) {
        for (g = al_config_fields(); g != f; g++)
            if (strcmp(g->name, f->name) == 0)
                fail_msg("%s is listed twice", f->name);
        if (f->min > f->max || f->len_min > f->len_max)
            fail_msg("%s: an empty range", f->name);
        if ((f->type == AL_CONFIG_UINT) != (f->len_max == 0))
            fail_msg("%s: only a whole number has no length", f->name);
        got = member(printed, f->name);
        if (f->def == NULL) {
            if (got != NULL)
                fail_msg("%s has no default, but al_config_print shows one", f->name);
            continue;
        }
        if (got == NULL)
            fail_msg("%s: al_config_print leaves it out", f->name);
        if (f->type == AL_CONFIG_PATH) {
            if (strncmp(f->def, "~/", 2) == 0)
                snprintf(path, sizeof(path), "%s%s", HOME, f->def + 1);
            else if (strncmp(f->def, "$XDG_CONFIG_HOME/", 17) == 0)
                snprintf(path, sizeof(path), "%s/.config%s", HOME, f->def + 16);
            else
                snprintf(path, sizeof(path), "%s", f->def);
            if (!cJSON_IsString(got) || strcmp(got->valuestring, path) != 0)
                fail_msg("%s: the table says %s, the defaults are %s", f->name, path,
                         cJSON_IsString(got) ? got->valuestring : "(not a string)");
            continue;
        }
        assert_non_null(want = cJSON_Parse(f->def));
        if (!cJSON_Compare(want, got, 1))
            fail_msg("%s: the table says %s, the defaults are %s", f->name, f->def,
                     cJSON_PrintUnformatted(got));
        if (f->type == AL_CONFIG_UINT &&
            (want->valuedouble < (double)f->min || want->valuedouble > (double)f->max))
            fail_msg("%s: the default %s is out of its own range", f->name, f->def);
        cJSON_Delete(want);
    }
    assert_true(n >= 28);
    cJSON_Delete(printed);
    free(text);
    al_config_free(d);
}

/* What al_config_print writes of c parses back to a configuration printed the same. */
static void
round_trip(struct al_config *c)
{
    struct al_config *again = NULL;
    char *text = NULL, *text2 = NULL;

    assert_int_equal(al_config_print(c, &text), 0);
    if (parse(text, &again) != 0)
        fail_msg("%s: %s", al_errdetail(), text);
    assert_int_equal(al_config_print(again, &text2), 0);
    assert_string_equal(text, text2);
    free(text);
    free(text2);
    al_config_free(again);
    al_config_free(c);
}

static void
test_print_round_trip(void **state)
{
    struct al_config *c = NULL;
    char *text = NULL;

    (void)state;
    round_trip(parse_vector("config/golden/full.json"));
    assert_int_equal(parse("{\"online\":{\"home\":\"~/agent-home\"}}", &c), 0);
    assert_int_equal(al_config_print(c, &text), 0);
    assert_non_null(strstr(text, "\"/home/u/agent-home\""));
    free(text);
    round_trip(c);
    assert_int_equal(al_config_print(NULL, &text), AL_EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brief_example),
        cmocka_unit_test(test_golden_full),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_hostile_vectors),
        cmocka_unit_test(test_limit_ranges),
        cmocka_unit_test(test_counts_and_lengths),
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_allow_match),
        cmocka_unit_test(test_pins_and_env),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_fields_table),
        cmocka_unit_test(test_print_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
