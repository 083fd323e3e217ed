/*
 * prompt.c: asking the person for a line or a choice, on the last line of the screen.
 *
 * What the person types is kept as UTF-8 and shown through tui_text, so a pasted escape
 * sequence is shown as a token, not obeyed. TUI_PROMPT_FLUSH throws away keys typed before
 * the question appeared: a confirmation must answer the question on the screen, not one
 * the person had not seen yet.
 */
#include "tui.h"

#include <limits.h>
#include <string.h>
#include <wchar.h>

#include <sodium.h>

/* Removes the last UTF-8 character of s[0..*len). */
static void
backspace(char *s, size_t *len)
{
    while (*len > 0) {
        (*len)--;
        if (((unsigned char)s[*len] & 0xc0) != 0x80)
            break;
    }
    s[*len] = '\0';
}

static void
draw_line(const char *question, const char *s, size_t len, unsigned flags)
{
    int rows = getmaxy(stdscr), cols = getmaxx(stdscr), used, w;
    size_t start = 0;

    tui_blank(stdscr, rows - 1, 0, cols, TUI_NORMAL);
    used = 1 + tui_text(stdscr, rows - 1, 1, cols - 2, question, strlen(question), TUI_TITLE);
    used += 1;
    if (flags & TUI_PROMPT_SECRET)
        return;
    /* Show the end of a long answer. */
    w = cols - used - 2;
    while (start < len && tui_text_width(s + start, len - start) > w)
        start++;
    while (start < len && ((unsigned char)s[start] & 0xc0) == 0x80)
        start++;
    tui_text(stdscr, rows - 1, used, w, s + start, len - start, TUI_NORMAL);
}

int
tui_prompt(struct tui *t, const char *question, char *out, size_t outlen, unsigned flags)
{
    char mb[MB_LEN_MAX];
    mbstate_t st;
    size_t len = 0;
    wint_t wc;
    int k, rc = 0, n;

    (void)t;
    out[0] = '\0';
    if (flags & TUI_PROMPT_FLUSH)
        flushinp();
    nodelay(stdscr, FALSE);
    curs_set(1);
    for (;;) {
        draw_line(question, out, len, flags);
        refresh();
        k = get_wch(&wc);
        if (k == ERR)
            continue;
        if (k == KEY_CODE_YES) {
            if (wc == KEY_BACKSPACE)
                backspace(out, &len);
            else if (wc == KEY_ENTER)
                break;
            continue;
        }
        if (wc == '\r' || wc == '\n') {
            rc = 1;
            break;
        }
        if (wc == 27 || wc == 3) /* Esc, Ctrl-C */
            break;
        if (wc == 127 || wc == 8) {
            backspace(out, &len);
            continue;
        }
        if (wc == 21) { /* Ctrl-U */
            len = 0;
            out[0] = '\0';
            continue;
        }
        if (wc < 0x20)
            continue;
        memset(&st, 0, sizeof(st));
        n = (int)wcrtomb(mb, (wchar_t)wc, &st);
        if (n <= 0 || len + (size_t)n + 1 > outlen)
            continue;
        memcpy(out + len, mb, (size_t)n);
        len += (size_t)n;
        out[len] = '\0';
    }
    if (rc == 0)
        sodium_memzero(out, outlen);
    curs_set(0);
    nodelay(stdscr, TRUE);
    return rc;
}

int
tui_choose(struct tui *t, const char *question, const char *keys, unsigned flags)
{
    int rows = getmaxy(stdscr), cols = getmaxx(stdscr), ch;

    (void)t;
    if (flags & TUI_PROMPT_FLUSH)
        flushinp();
    nodelay(stdscr, FALSE);
    for (;;) {
        tui_blank(stdscr, rows - 1, 0, cols, TUI_NORMAL);
        tui_text(stdscr, rows - 1, 1, cols - 2, question, strlen(question), TUI_TITLE);
        refresh();
        ch = getch();
        if (ch == 27 || ch == 3) {
            ch = 0;
            break;
        }
        if (ch > 0 && ch < 128 && strchr(keys, ch) != NULL)
            break;
    }
    nodelay(stdscr, TRUE);
    return ch;
}
