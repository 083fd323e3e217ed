/* main.c: airlock-tui's options and start-up; the UI itself is in the other files. */
#include "tui.h"

#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <airlock/airlock.h>
#include <airlock/paths.h>

static const char usage[] =
    "usage: airlock-tui [--socket PATH] [--key SECFILE] [--config FILE]\n"
    "       airlock-tui --help | --version\n"
    "\n"
    "The terminal UI of airlock: start sessions in the offline or online compartment,\n"
    "follow and attach to them, read every plan that wants to cross in full, and approve\n"
    "(sign) or reject it. Press ? in any view for its keys.\n"
    "\n"
    "  --socket PATH   airlockd's control socket ($AIRLOCK_SOCKET when set, else\n"
    "                  $XDG_RUNTIME_DIR/airlock/airlockd.sock, or\n"
    "                  ~/.cache/airlock/airlockd.sock where XDG_RUNTIME_DIR is unset)\n"
    "  --key SECFILE   the approver's secret key ($XDG_CONFIG_HOME/airlock/approver.key)\n"
    "  --config FILE   the configuration airlockd uses, for the canaries, the plan budget\n"
    "                  and the workspace that the review re-scans with\n"
    "                  (default: the file airlockd reports, else\n"
    "                  $XDG_CONFIG_HOME/airlock/airlock.json)\n"
    "\n"
    "NO_COLOR set to anything turns colours off; the UI then marks with bold, underline\n"
    "and reverse video only.\n";

static int
copy(char *dst, size_t len, const char *src)
{
    if (strlen(src) >= len)
        return -1;
    memcpy(dst, src, strlen(src) + 1);
    return 0;
}

int
main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"socket", required_argument, NULL, 'S'}, {"key", required_argument, NULL, 'k'},
        {"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
    };
    static struct tui t;
    int c, r;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'S':
            r = copy(t.sock, sizeof(t.sock), optarg);
            break;
        case 'k':
            r = copy(t.keypath, sizeof(t.keypath), optarg);
            break;
        case 'c':
            r = copy(t.configpath, sizeof(t.configpath), optarg);
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case 'V':
            printf("airlock-tui %s\n", AL_VERSION);
            return 0;
        default:
            fputs(usage, stderr);
            return 2;
        }
        if (r != 0) {
            fprintf(stderr, "airlock-tui: --%s: path too long\n",
                    c == 'S'   ? "socket"
                    : c == 'k' ? "key"
                               : "config");
            return 2;
        }
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return 2;
    }
    t.sock_given = t.sock[0] != '\0' || al_paths_socket_env() != NULL;
    if ((t.sock[0] == '\0' && (r = al_paths_client_socket(t.sock, sizeof(t.sock))) != 0) ||
        (t.keypath[0] == '\0' &&
         (r = al_paths_config("approver.key", 0, t.keypath, sizeof(t.keypath))) != 0)) {
        fprintf(stderr, "airlock-tui: %s: %s\n", al_strerror(r), al_errdetail());
        return 1;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fputs("airlock-tui: needs a terminal\n", stderr);
        return 1;
    }
    setlocale(LC_ALL, "");
    /* Elsewhere a "·" of the UI's own would be drawn as the token \u{00B7}, as it is in
     * plan text: the UI's own lines say it in ASCII instead. */
    t.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    if (al_init() != 0) {
        fputs("airlock-tui: cannot initialise libsodium\n", stderr);
        return 1;
    }
    initscr();
    raw();
    noecho();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    tui_colors_init(&t);
    t.view = TUI_OVERVIEW;
    tui_run(&t);
    endwin();
    tui_close(&t);
    return 0;
}
