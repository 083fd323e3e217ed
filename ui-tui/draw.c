/*
 * draw.c: the one way text reaches the screen, and the UI's colours.
 *
 * tui_text() draws a string piece by piece (al_render_next): printable characters as they
 * are, everything a terminal would obey or hide as a visible token in its own colour. A
 * piece is drawn only when it fits whole, so a wide character or a token is never cut in
 * half at the edge, and ncurses is handed only printable text: it never sees a control
 * byte from the daemon, so it never has to decide what one means.
 */
#include "tui.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <airlock/render.h>
#include <airlock/timefmt.h>

static attr_t attrs[TUI__ROLES];

void
tui_colors_init(struct tui *t)
{
    /* Without colour (NO_COLOR, https://no-color.org, or a monochrome terminal) every role
     * still differs from plain text by an attribute: tokens stay distinguishable. */
    static const attr_t plain[TUI__ROLES] = {
        [TUI_NORMAL] = A_NORMAL,    [TUI_DIM] = A_DIM,         [TUI_TITLE] = A_BOLD,
        [TUI_SELECTED] = A_REVERSE, [TUI_TOKEN] = A_UNDERLINE, [TUI_OUTBOUND] = A_BOLD,
        [TUI_INBOUND] = A_BOLD,     [TUI_DENIED] = A_BOLD,     [TUI_GOOD] = A_NORMAL,
        [TUI_INFO] = A_NORMAL,      [TUI_HIGH] = A_BOLD,       [TUI_BLOCK] = A_BOLD | A_REVERSE,
        [TUI_BAD] = A_BOLD,
    };
    static const struct {
        enum tui_role role;
        short fg, bg;
        attr_t extra;
    } colours[] = {
        {TUI_TITLE, COLOR_WHITE, COLOR_BLUE, A_BOLD},
        {TUI_SELECTED, COLOR_BLACK, COLOR_CYAN, 0},
        {TUI_TOKEN, COLOR_BLACK, COLOR_YELLOW, 0},
        {TUI_OUTBOUND, COLOR_WHITE, COLOR_RED, A_BOLD},
        {TUI_INBOUND, COLOR_WHITE, COLOR_MAGENTA, A_BOLD},
        {TUI_DENIED, COLOR_RED, -1, A_BOLD},
        {TUI_GOOD, COLOR_GREEN, -1, 0},
        {TUI_INFO, COLOR_CYAN, -1, 0},
        {TUI_HIGH, COLOR_YELLOW, -1, A_BOLD},
        {TUI_BLOCK, COLOR_WHITE, COLOR_RED, A_BOLD},
        {TUI_BAD, COLOR_RED, -1, A_BOLD},
    };
    const char *nc = getenv("NO_COLOR");
    size_t i;

    memcpy(attrs, plain, sizeof(attrs));
    t->color = (nc == NULL || nc[0] == '\0') && has_colors() && start_color() == OK;
    if (!t->color)
        return;
    use_default_colors();
    for (i = 0; i < sizeof(colours) / sizeof(colours[0]); i++) {
        if (init_pair((short)(i + 1), colours[i].fg, colours[i].bg) == OK)
            attrs[colours[i].role] = COLOR_PAIR((int)i + 1) | colours[i].extra;
    }
}

attr_t
tui_attr(enum tui_role role)
{
    return role < TUI__ROLES ? attrs[role] : A_NORMAL;
}

int
tui_piece(WINDOW *w, int y, int x, const struct al_render_piece *p, int cols, int room, attr_t a)
{
    if (room <= 0 || p->kind == AL_PIECE_NEWLINE)
        return 0;
    wattrset(w, a);
    if (p->kind == AL_PIECE_TAB) {
        cols = cols < room ? cols : room;
        mvwhline(w, y, x, ' ', cols);
    } else if (cols <= room) {
        mvwaddnstr(w, y, x, p->text, (int)p->len);
    } else if (p->kind == AL_PIECE_TOKEN) {
        /* A token is printable ASCII, a column a byte: its start is shown. */
        mvwaddnstr(w, y, x, p->text, room);
        cols = room;
    } else {
        cols = 0; /* a character is shown whole or not at all */
    }
    wattrset(w, A_NORMAL);
    return cols;
}

/* Draws s as tui_text does; with prerendered, s is text that al_render_escape() already
 * made safe (the scanner's messages), whose doubled backslashes stay as they are. */
static int
text(WINDOW *w, int y, int x, int width, const char *s, size_t n, enum tui_role role,
     int prerendered)
{
    struct al_render_piece p;
    size_t pos = 0;
    int used = 0, cols;

    if (s == NULL || width <= 0)
        return 0;
    while (pos < n) {
        al_render_next(s, n, pos, AL_RENDER_ESCAPE_NEWLINE, &p);
        if (prerendered && p.kind == AL_PIECE_TEXT && p.text[0] == '\\') {
            p.text[1] = '\0';
            p.len = 1;
            p.width = 1;
        }
        if (used + p.width > width)
            break;
        cols = tui_piece(w, y, x + used, &p, p.width, width - used,
                         tui_attr(p.kind == AL_PIECE_TOKEN ? TUI_TOKEN : role));
        used += cols;
        pos = p.end;
    }
    return used;
}

int
tui_text(WINDOW *w, int y, int x, int width, const char *s, size_t n, enum tui_role role)
{
    return text(w, y, x, width, s, n, role, 0);
}

int
tui_text_rendered(WINDOW *w, int y, int x, int width, const char *s, enum tui_role role)
{
    return text(w, y, x, width, s, s != NULL ? strlen(s) : 0, role, 1);
}

int
tui_textf(WINDOW *w, int y, int x, int width, enum tui_role role, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0)
        return 0;
    return tui_text(w, y, x, width, line, strlen(line), role);
}

void
tui_blank(WINDOW *w, int y, int x, int width, enum tui_role role)
{
    wattrset(w, tui_attr(role));
    mvwhline(w, y, x, ' ', width);
    wattrset(w, A_NORMAL);
}

int
tui_text_width(const char *s, size_t n)
{
    struct al_render_piece p;
    size_t pos = 0;
    int cols = 0;

    while (pos < n) {
        al_render_next(s, n, pos, AL_RENDER_ESCAPE_NEWLINE, &p);
        cols += p.width;
        pos = p.end;
    }
    return cols;
}

void
tui_size(unsigned long long bytes, char *out, size_t outlen)
{
    if (bytes < 1024)
        snprintf(out, outlen, "%llu B", bytes);
    else if (bytes < 1024 * 1024)
        snprintf(out, outlen, "%.1f KiB", (double)bytes / 1024);
    else
        snprintf(out, outlen, "%.1f MiB", (double)bytes / (1024 * 1024));
}

void
tui_age(const char *rfc3339, char *out, size_t outlen)
{
    time_t then, now = time(NULL);
    long d;

    if (rfc3339 == NULL || al_time_parse(rfc3339, &then) != 0) {
        snprintf(out, outlen, "?");
        return;
    }
    d = (long)(now - then);
    if (d < 0)
        d = 0;
    if (d < 120)
        snprintf(out, outlen, "%lds", d);
    else if (d < 7200)
        snprintf(out, outlen, "%ldm", d / 60);
    else if (d < 172800)
        snprintf(out, outlen, "%ldh", d / 3600);
    else
        snprintf(out, outlen, "%ldd", d / 86400);
}

void
tui_frame(struct tui *t, const char *title, enum tui_role role, const char *keys)
{
    int rows = getmaxy(stdscr), cols = getmaxx(stdscr);
    const char *conn = t->req != NULL ? "" : "  airlockd unreachable, retrying";

    tui_blank(stdscr, 0, 0, cols, role);
    tui_text(stdscr, 0, 1, cols - 2, title, strlen(title), role);
    if (conn[0] != '\0')
        tui_text(stdscr, 0, cols - 1 - (int)strlen(conn), (int)strlen(conn), conn, strlen(conn),
                 TUI_BAD);
    tui_blank(stdscr, rows - 2, 0, cols, TUI_DIM);
    tui_text(stdscr, rows - 2, 1, cols - 2, keys, strlen(keys), TUI_DIM);
    tui_blank(stdscr, rows - 1, 0, cols, TUI_NORMAL);
    tui_text(stdscr, rows - 1, 1, cols - 2, t->note, strlen(t->note), t->note_role);
}
