/*
 * Unit tests: airlock-tui's review view without a daemon. The tokenizer behind "new
 * compared with plans approved before", and the view itself on an ncurses screen whose
 * output goes to /dev/null: what it refuses to open, how it lays a plan out (every byte
 * once, words kept whole, tabs to multiples of 8), and the rules around approval (keys in
 * the first second, reading to the end, block findings, the configured canaries).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include <airlock/airlock.h>
#include <airlock/artifact.h>

#include "review.h"

/* ---- mentions ---- */

struct sets {
    struct tui__strset h, a, p;
};

static void
mentions(struct sets *s, const char *text)
{
    memset(s, 0, sizeof(*s));
    tui__mentions(text, strlen(text), &s->h, &s->a, &s->p, 100);
    tui__strset_finish(&s->h);
    tui__strset_finish(&s->a);
    tui__strset_finish(&s->p);
}

static void
sets_free(struct sets *s)
{
    tui__strset_free(&s->h);
    tui__strset_free(&s->a);
    tui__strset_free(&s->p);
}

static void
test_mentions_urls(void **state)
{
    struct sets s;

    (void)state;
    mentions(&s,
             "Visit https://User:pw@Evil.Example.COM:8443/x?y=1, then http://[2001:DB8:0::1]:80/"
             " and http://203.0.113.7/report.pdf or [x](https://pixel.example.com/p.gif?d=1)");
    assert_int_equal(s.h.n, 2);
    assert_true(tui__strset_has(&s.h, "evil.example.com")); /* folded, no user, no port */
    assert_true(tui__strset_has(&s.h, "pixel.example.com"));
    assert_int_equal(s.a.n, 2);
    assert_true(tui__strset_has(&s.a, "2001:db8::1")); /* inet_ntop's spelling */
    assert_true(tui__strset_has(&s.a, "203.0.113.7"));
    assert_int_equal(s.p.n, 0); /* a URL's path is not a file path */
    sets_free(&s);

    mentions(&s, "file:///home/me/.ssh/id_ed25519 and https:// and http://a@ and x://y");
    assert_int_equal(s.p.n, 1);
    assert_true(tui__strset_has(&s.p, "/home/me/.ssh/id_ed25519"));
    assert_int_equal(s.h.n, 1);
    assert_true(tui__strset_has(&s.h, "y"));
    sets_free(&s);
}

static void
test_mentions_words(void **state)
{
    struct sets s;

    (void)state;
    mentions(&s,
             "mail bob@example.org or example.net. Also notes.md, plan.txt, index.html, "
             "Makefile.in, e.g. Mr.Smith, version 1.2.3.4.5 and 10.0.0.256; host.example.com:443"
             " and 192.0.2.1:8080; fe80::1, ::1, std::string, 10:30:00");
    assert_int_equal(s.h.n, 3);
    assert_true(tui__strset_has(&s.h, "example.org"));
    assert_true(tui__strset_has(&s.h, "example.net"));
    assert_true(tui__strset_has(&s.h, "host.example.com"));
    assert_int_equal(s.a.n, 3);
    assert_true(tui__strset_has(&s.a, "192.0.2.1"));
    assert_true(tui__strset_has(&s.a, "fe80::1"));
    assert_true(tui__strset_has(&s.a, "::1"));
    sets_free(&s);

    /* A hidden character before a host separates it; it does not hide it. */
    mentions(&s, "\xe2\x80\x8b"
                 "evil.example and \xf3\xa0\x80\x81x.example.com");
    assert_true(tui__strset_has(&s.h, "evil.example"));
    assert_true(tui__strset_has(&s.h, "x.example.com"));
    sets_free(&s);
}

static void
test_mentions_paths(void **state)
{
    struct sets s;

    (void)state;
    mentions(&s, "files: /etc/passwd, ~/.ssh/id_rsa; (/var/log/syslog) `/usr/bin/env` \"/tmp/x\""
                 " and/or 24/7 //double / alone ~/ and /. <p>a page</p> <h2>x</h2>");
    assert_int_equal(s.p.n, 5); /* closing HTML tags are not paths */
    assert_true(tui__strset_has(&s.p, "/etc/passwd"));
    assert_true(tui__strset_has(&s.p, "~/.ssh/id_rsa"));
    assert_true(tui__strset_has(&s.p, "/var/log/syslog"));
    assert_true(tui__strset_has(&s.p, "/usr/bin/env"));
    assert_true(tui__strset_has(&s.p, "/tmp/x"));
    sets_free(&s);
}

static void
test_mentions_bounded(void **state)
{
    struct tui__strset h = {0}, a = {0}, p = {0};
    char text[4096];
    size_t i, n = 0;

    (void)state;
    for (i = 0; i < 60; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "/p/%zu h%zu.example.com ", i, i);
    tui__mentions(text, n, &h, &a, &p, 10);
    tui__strset_finish(&h);
    tui__strset_finish(&p);
    assert_int_equal(h.n, 10);
    assert_int_equal(p.n, 10);
    tui__strset_free(&h);
    tui__strset_free(&p);
}

/* ---- the view ---- */

static struct tui t;
static FILE *devnull, *devin;
static SCREEN *scr;

static int
screen_up(void **state)
{
    (void)state;
    devnull = fopen("/dev/null", "w");
    devin = fopen("/dev/null", "r");
    if (devnull == NULL || devin == NULL ||
        (scr = newterm("xterm-256color", devnull, devin)) == NULL)
        return -1;
    set_term(scr);
    resize_term(24, 80);
    memset(&t, 0, sizeof(t));
    /* No daemon: the configuration is this file (absent: the defaults, and a note). */
    snprintf(t.configpath, sizeof(t.configpath), "/nonexistent/airlock.json");
    tui_colors_init(&t);
    return 0;
}

static int
screen_down(void **state)
{
    (void)state;
    if (t.review != NULL)
        tui_review_close(&t);
    endwin();
    delscreen(scr);
    fclose(devnull);
    fclose(devin);
    return 0;
}

/* A plan from side from with one file plan.md holding text; *plan is its object as
 * airlockd would list it. */
static void
make_plan(enum al_side from, const char *text, struct al_buf *art, cJSON **plan)
{
    struct al_plan_limits lim;
    struct al_plan_meta meta = {0};
    struct al_plan_file f = {"plan.md", text, strlen(text)};
    unsigned char h[32];
    char hex[65], id[AL_ID_HEXLEN + 1];

    al_plan_limits_default(&lim);
    al_id_new(id);
    meta.id = id;
    meta.from = from;
    meta.to = from == AL_SIDE_ONLINE ? AL_SIDE_OFFLINE : AL_SIDE_ONLINE;
    meta.session = "online-00000001";
    meta.created = 1700000000;
    meta.task = "a task";
    al_buf_init(art, al_artifact_max_bytes(&lim));
    assert_int_equal(al_artifact_pack(&meta, &f, 1, &lim, art), 0);
    crypto_generichash(h, sizeof(h), (const unsigned char *)art->data, art->len, NULL, 0);
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    *plan = cJSON_CreateObject();
    cJSON_AddStringToObject(*plan, "id", id);
    cJSON_AddStringToObject(*plan, "from", al_side_name(meta.from));
    cJSON_AddStringToObject(*plan, "to", al_side_name(meta.to));
    cJSON_AddStringToObject(*plan, "state", "pending");
    cJSON_AddStringToObject(*plan, "hash", hex);
}

static void
open_plan(enum al_side from, const char *text)
{
    struct al_buf art;
    cJSON *plan;

    make_plan(from, text, &art, &plan);
    assert_int_equal(tui_review_load(&t, art.data, art.len, plan), 0);
    assert_non_null(t.review);
    assert_int_equal(t.view, TUI_REVIEW);
    tui__review_wait(t.review);
    t.review->opened_ms -= TUI_REVIEW_KEY_DELAY_MS; /* past the first second */
    al_buf_close(&art);
    cJSON_Delete(plan);
}

static void
draw(void)
{
    erase();
    tui_review_draw(&t);
}

/* Screen line y from column x, trailing blanks dropped. */
static const char *
line_at(int y, int x)
{
    static char s[512];
    int n = mvinnstr(y, x, s, (int)sizeof(s) - 1);

    if (n < 0)
        n = 0;
    s[n] = '\0';
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
    return s;
}

static void
test_refuses(void **state)
{
    struct al_buf art;
    cJSON *plan;

    (void)state;
    make_plan(AL_SIDE_ONLINE, "hello\n", &art, &plan);
    /* Bytes that are not the ones airlockd lists. */
    art.data[600] ^= 1;
    assert_int_equal(tui_review_load(&t, art.data, art.len, plan), AL_EHASH);
    assert_null(t.review);
    assert_non_null(strstr(t.note, "do not match"));
    art.data[600] ^= 1;
    /* A direction that is not the manifest's. */
    cJSON_ReplaceItemInObject(plan, "from", cJSON_CreateString("offline"));
    assert_int_equal(tui_review_load(&t, art.data, art.len, plan), AL_EPROTO);
    assert_null(t.review);
    al_buf_close(&art);
    cJSON_Delete(plan);
}

static void
test_layout(void **state)
{
    char text[4096], joined[4096] = "";
    const char *l;
    size_t n = 0, used = 0;
    int y;

    (void)state;
    /* Words of 9 letters and a space: 10 columns each. */
    for (y = 0; y < 30; y++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "word%05d ", y);
    snprintf(text + n, sizeof(text) - n, "\nx\ty\tz\n");
    open_plan(AL_SIDE_ONLINE, text);
    draw();
    assert_non_null(strstr(line_at(0, 1), "UNTRUSTED CONTENT COMING IN: online -> offline"));
    assert_non_null(strstr(line_at(2, 1), "Scanner: no findings"));
    /* 78 columns for text: rows of 7 whole words (70 columns), never a word cut. */
    for (y = 6; y < 11; y++) {
        l = line_at(y, 2);
        assert_int_equal(strlen(l), y < 10 ? 69 : 19);
        used += (size_t)snprintf(joined + used, sizeof(joined) - used, "%s ", l);
    }
    assert_memory_equal(joined, text, 300);
    /* A row after the first is marked as a continuation. */
    assert_string_equal(line_at(7, 0), " >word00007 word00008 word00009 word00010 word00011 "
                                       "word00012 word00013");
    /* Tabs reach the next multiple of 8. */
    assert_string_equal(line_at(11, 2), "x       y       z");
    tui_review_close(&t);
}

static void
test_reading(void **state)
{
    char text[8192];
    size_t n = 0;
    int i;

    (void)state;
    for (i = 0; i < 200; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "line %d\n", i);
    open_plan(AL_SIDE_ONLINE, text);
    t.review->opened_ms = tui_now_ms(); /* as if just opened */
    draw();
    tui_review_key(&t, 'G');
    draw();
    assert_int_equal(t.review->top_line, 0); /* the first second: ignored */
    t.review->opened_ms -= TUI_REVIEW_KEY_DELAY_MS;
    tui_review_key(&t, 'a');
    assert_non_null(strstr(t.note, "read the whole plan first"));
    tui_review_key(&t, ' ');
    draw();
    assert_string_equal(line_at(6, 2), "line 15"); /* a page of 16 rows, one kept */
    assert_false(t.review->seen_end);
    tui_review_key(&t, 'G');
    draw();
    assert_true(t.review->seen_end);
    assert_string_equal(line_at(21, 2), "line 199"); /* the last line at the bottom */
    assert_string_equal(line_at(6, 2), "line 184");
    tui_review_key(&t, 'j'); /* not past the end */
    draw();
    assert_string_equal(line_at(6, 2), "line 184");
    tui_review_key(&t, 'g');
    draw();
    assert_string_equal(line_at(6, 2), "line 0");
    tui_review_key(&t, 'q');
    assert_null(t.review);
    assert_int_equal(t.view, TUI_OVERVIEW);
}

static void
test_block(void **state)
{
    (void)state;
    open_plan(AL_SIDE_ONLINE, "Pay the plumber\x1b[8m and jay@example.net\x1b[28m today\n");
    draw();
    assert_non_null(strstr(line_at(2, 1), "Scanner findings: 2 block"));
    assert_non_null(strstr(line_at(5, 1), "A block finding: this plan cannot be approved"));
    /* The escape is drawn as a token, and marked in the margin. */
    assert_string_equal(line_at(6, 0), "! Pay the plumber\\e[8m and jay@example.net\\e[28m today");
    assert_non_null(strstr(line_at(4, 1), "host example.net"));
    tui_review_key(&t, 'a');
    assert_non_null(strstr(t.note, "block finding: it cannot be approved"));
    tui_review_key(&t, 'n');
    assert_int_equal(t.review->cur, 0);
    assert_non_null(strstr(t.note, "finding 1 of 2: BLOCK control.esc"));
    tui_review_close(&t);
}

static void
test_canaries(void **state)
{
    char path[] = "/tmp/airlock-test-cfg-XXXXXX";
    const char cfg[] = "{\"plans\": {\"canaries\": [\"CANARY-unit-42\"], \"max_bytes\": 4096}}";
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, cfg, sizeof(cfg) - 1), (ssize_t)(sizeof(cfg) - 1));
    close(fd);
    snprintf(t.configpath, sizeof(t.configpath), "%s", path);
    open_plan(AL_SIDE_OFFLINE, "The token is CANARY-unit-42, see you.\n");
    draw();
    assert_non_null(strstr(line_at(0, 1), "LEAVING YOUR COMPUTER: offline -> online"));
    assert_int_equal(t.review->worst, AL_SEV_BLOCK);
    assert_non_null(strstr(line_at(3, 1), "of the 4.0 KiB budget"));
    tui_review_close(&t);
    unlink(path);
    snprintf(t.configpath, sizeof(t.configpath), "/nonexistent/airlock.json");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mentions_urls),  cmocka_unit_test(test_mentions_words),
        cmocka_unit_test(test_mentions_paths), cmocka_unit_test(test_mentions_bounded),
        cmocka_unit_test(test_refuses),        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_reading),        cmocka_unit_test(test_block),
        cmocka_unit_test(test_canaries),
    };

    setlocale(LC_ALL, "C.UTF-8");
    if (al_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, screen_up, screen_down);
}
