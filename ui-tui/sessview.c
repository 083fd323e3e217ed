/* TEMPORARY stub, being replaced. */
#include "tui.h"
/* TEMPORARY: replaced by review.c and sessview.c. */
const char *const tui_sessview_help[] = {NULL};
int
tui_sessview_open(struct tui *t, const char *id)
{
    (void)id;
    tui_note(t, TUI_BAD, "session: not yet");
    return -1;
}
void
tui_sessview_draw(struct tui *t)
{
    (void)t;
}
void
tui_sessview_key(struct tui *t, int ch)
{
    (void)t;
    (void)ch;
}
void
tui_sessview_tick(struct tui *t)
{
    (void)t;
}
void
tui_sessview_close(struct tui *t)
{
    (void)t;
}
int
tui_attach(struct tui *t, const char *id)
{
    (void)id;
    (void)t;
    return -1;
}
