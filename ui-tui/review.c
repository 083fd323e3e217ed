/* TEMPORARY stub, being replaced. */
#include "tui.h"
/* TEMPORARY: replaced by review.c and sessview.c. */
const char *const tui_review_help[] = {NULL};
int
tui_review_open(struct tui *t, const char *id)
{
    (void)id;
    tui_note(t, TUI_BAD, "review: not yet");
    return -1;
}
void
tui_review_draw(struct tui *t)
{
    (void)t;
}
void
tui_review_key(struct tui *t, int ch)
{
    (void)t;
    (void)ch;
}
void
tui_review_close(struct tui *t)
{
    (void)t;
}
