/*
 * bench_tui: how quickly airlock-tui's review puts a 10 MiB plan on the screen and pages
 * through it. The review view is driven in-process (the same library the program uses)
 * on a real ncurses screen whose output goes to /dev/null, so the figures are the UI's own
 * cost: fetching aside, reading the artifact, scanning it, laying out and drawing, and
 * ncurses computing the terminal update. A terminal emulator's painting comes on top.
 *
 * Prints: time to first screen (load + first draw), then per-keypress redraw for Page
 * Down, Down, End, Home and next-finding, each as median, 90th percentile and worst over
 * many presses. Goal (issue 7): under 16 ms per redraw.
 *
 * usage: bench_tui [--quick] [--size MiB] [--rows N --cols N]
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <airlock/airlock.h>
#include <airlock/artifact.h>
#include <airlock/scan.h>

#include <sodium.h>

#include "review.h"

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static unsigned long long seed = 0x9e3779b97f4a7c15ull;

static unsigned
next_rand(void)
{
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)(seed >> 33);
}

/* A plan body of about n bytes: prose lines of every length, some very long, with now and
 * then a URL, an escape sequence, CJK text, a zero-width space and an empty line. */
static char *
make_text(size_t n, size_t *len)
{
    static const char *const words[] = {
        "the",     "match",    "tickets", "library", "opening",  "hours",    "Saturday", "remind",
        "me",      "to",       "book",    "station", "platform", "receipt",  "invoice",  "garden",
        "weather", "forecast", "train",   "delay",   "ferry",    "schedule", "and",      "of",
    };
    static const char conceal[] = "\x1b[8mhidden\x1b[0m ";
    static const char cjk[] = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xe2\x80\x8b ";
    char *s = malloc(n + 8192);
    size_t i = 0, k;
    unsigned line = 0, col;

    if (s == NULL)
        return NULL;
    while (i < n) {
        unsigned target = next_rand() % 100 < 3 ? 400 + next_rand() % 4000 : next_rand() % 120;

        line++;
        col = 0;
        if (line % 97 == 0) {
            k = (size_t)snprintf(s + i, 128, "See https://example.org/page/%u?ref=%u ", line,
                                 next_rand() % 10000);
            i += k;
            col += (unsigned)k;
        }
        if (line % 211 == 0) {
            memcpy(s + i, conceal, sizeof(conceal) - 1);
            i += sizeof(conceal) - 1;
        }
        if (line % 53 == 0) {
            memcpy(s + i, cjk, sizeof(cjk) - 1);
            i += sizeof(cjk) - 1;
        }
        while (col < target && i < n) {
            const char *w = words[next_rand() % (sizeof(words) / sizeof(words[0]))];

            k = strlen(w);
            memcpy(s + i, w, k);
            s[i + k] = ' ';
            i += k + 1;
            col += (unsigned)k + 1;
        }
        s[i++] = '\n';
    }
    *len = i;
    return s;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static void
report(const char *what, double *ms, int n)
{
    qsort(ms, (size_t)n, sizeof(*ms), cmp_double);
    printf("  %-28s %6d %9.3f %9.3f %9.3f %s\n", what, n, ms[n / 2], ms[n * 9 / 10], ms[n - 1],
           ms[n * 9 / 10] < 16.0 ? "met" : "NOT MET");
}

/* Presses key count times, timing each key handling plus redraw plus screen update. */
static void
presses(struct tui *t, const char *what, int key, int count, int back)
{
    double *ms = calloc((size_t)count, sizeof(*ms)), t0;
    int i;

    if (ms == NULL)
        return;
    for (i = 0; i < count; i++) {
        t0 = now_ms();
        tui_review_key(t, key);
        erase();
        tui_review_draw(t);
        doupdate();
        refresh();
        ms[i] = now_ms() - t0;
        if (back != 0 && i % 2 == 0) {
            tui_review_key(t, back);
            tui_review_draw(t);
            refresh();
        }
    }
    report(what, ms, count);
    free(ms);
}

int
main(int argc, char **argv)
{
    struct al_plan_limits lim;
    struct al_plan_meta meta = {0};
    struct al_plan_file file;
    struct al_buf art;
    struct tui t;
    size_t mib = 10, len = 0;
    int quick = 0, rows = 24, cols = 80, i, r, presses_n;
    double t0, first, marked;
    char *text, hash[2 * 32 + 1], id[AL_ID_HEXLEN + 1];
    unsigned char h[32];
    FILE *devnull, *in;
    SCREEN *scr;
    cJSON *plan;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
            mib = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
            rows = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--cols") == 0 && i + 1 < argc)
            cols = (int)strtol(argv[++i], NULL, 10);
        else {
            fputs("usage: bench_tui [--quick] [--size MiB] [--rows N] [--cols N]\n", stderr);
            return 2;
        }
    }
    if (quick)
        mib = 1;
    presses_n = quick ? 20 : 400;
    setlocale(LC_ALL, "C.UTF-8");
    if (al_init() != 0)
        return 1;
    if ((text = make_text(mib * 1024 * 1024, &len)) == NULL)
        return 1;
    al_plan_limits_default(&lim);
    lim.max_total = lim.max_member = AL_PLAN_HARD_MAX_BYTES;
    al_buf_init(&art, al_artifact_max_bytes(&lim));
    al_id_new(id);
    meta.id = id;
    meta.from = AL_SIDE_ONLINE;
    meta.to = AL_SIDE_OFFLINE;
    meta.session = "online-00000001";
    meta.created = time(NULL);
    meta.task = "read the match schedule and remind me to book tickets";
    file.path = "plan.md";
    file.data = text;
    file.len = len;
    if ((r = al_artifact_pack(&meta, &file, 1, &lim, &art)) != 0) {
        fprintf(stderr, "bench_tui: pack: %s: %s\n", al_strerror(r), al_errdetail());
        return 1;
    }
    crypto_generichash(h, sizeof(h), (const unsigned char *)art.data, art.len, NULL, 0);
    sodium_bin2hex(hash, sizeof(hash), h, sizeof(h));
    plan = cJSON_CreateObject();
    cJSON_AddStringToObject(plan, "id", id);
    cJSON_AddStringToObject(plan, "from", "online");
    cJSON_AddStringToObject(plan, "to", "offline");
    cJSON_AddStringToObject(plan, "state", "pending");
    cJSON_AddStringToObject(plan, "hash", hash);
    cJSON_AddNumberToObject(plan, "size", (double)art.len);
    cJSON_AddNumberToObject(plan, "findings", 0);

    devnull = fopen("/dev/null", "w");
    in = fopen("/dev/null", "r");
    if (devnull == NULL || in == NULL || (scr = newterm("xterm-256color", devnull, in)) == NULL) {
        fputs("bench_tui: no terminal description for xterm-256color\n", stderr);
        return 1;
    }
    set_term(scr);
    resize_term(rows, cols);
    memset(&t, 0, sizeof(t));
    tui_colors_init(&t);
    t.view = TUI_REVIEW;

    printf("bench_tui: the review view, %zu MiB plan (%zu bytes of text), %dx%d screen\n", mib, len,
           cols, rows);
    t0 = now_ms();
    if ((r = tui_review_load(&t, art.data, art.len, plan)) != 0) {
        endwin();
        fprintf(stderr, "bench_tui: load: %s: %s\n", al_strerror(r), al_errdetail());
        return 1;
    }
    erase();
    tui_review_draw(&t);
    refresh();
    first = now_ms() - t0;
    /* The scan runs on a thread of its own; findings are marked once it is done. */
    tui__review_wait(t.review);
    erase();
    tui_review_draw(&t);
    refresh();
    marked = now_ms() - t0;
    printf("  %-28s %9.1f ms (read, hash check, layout, first draw)\n", "time to first screen",
           first);
    printf("  %-28s %9.1f ms (the scan, on its own thread, done and marked)\n",
           "time to findings on screen", marked);
    /* For scale: the scanner alone on the same text, as the review runs it. */
    {
        struct al_scan_opts o;
        struct al_scan *sc = NULL;
        double s0 = now_ms();

        al_scan_opts_init(&o);
        o.direction = AL_SCAN_IN;
        if (al_scan_new(&sc) == 0 && al_scan(sc, "plan.md", text, len, &o) == 0)
            printf("  %-28s %9.1f ms (al_scan alone, %zu findings)\n", "  of which scanning",
                   now_ms() - s0, al_scan_count(sc));
        al_scan_free(sc);
    }
    /* The review ignores keys in its first second (a person must see it first). */
    usleep(1100 * 1000);
    printf("  %-28s %6s %9s %9s %9s\n", "per keypress redraw (ms)", "keys", "median", "p90",
           "worst");
    presses(&t, "Page Down", KEY_NPAGE, presses_n, 0);
    presses(&t, "Down", KEY_DOWN, presses_n, 0);
    presses(&t, "End / Home", KEY_END, presses_n, KEY_HOME);
    presses(&t, "next finding", 'n', presses_n, 0);
    printf("  goal: under 16 ms per redraw (p90 shown against it)\n");

    tui_review_close(&t);
    endwin();
    delscreen(scr);
    fclose(devnull);
    fclose(in);
    cJSON_Delete(plan);
    al_buf_close(&art);
    free(text);
    return 0;
}
