/*
 * confirm.h: what a person types to approve a plan with high findings.
 *
 * A plan with a high finding is approved only by typing something the finding names, so
 * that the approval answers that finding and not a habit: the destination host when a URL
 * is flagged (a person knows whether they meant to send anything to that host), else the
 * last letters and digits of the flagged text as it is drawn on screen (tokens included,
 * so hidden characters count by what the person sees). airlock-tui and `airlock approve`
 * ask the same question through this one choice.
 */
#ifndef AIRLOCK_CONFIRM_H
#define AIRLOCK_CONFIRM_H

#include <stddef.h>

#include <airlock/scan.h>

#define AL_CONFIRM_TAIL 6   /* letters and digits of the flagged text typed */
#define AL_CONFIRM_ID_LEN 8 /* characters of the plan id typed when no finding serves */
#define AL_CONFIRM_MAX 256  /* room for any answer, with its NUL */

/* One finding as the choice sees it: its rule and severity, and the plan member it is in
 * (data[0..len), NULL when the scanner kept no place for it) with the flagged bytes
 * [start, end); member is that member's index in the manifest, for reading order. */
struct al_confirm_finding {
    const char *rule;
    enum al_severity severity;
    const char *data;
    size_t len, start, end;
    size_t member;
};

/*
 * Chooses the answer for findings f[0..n), in any order: taken in the order a person
 * reads them (member, then start, then end, then index in f), the host of the first high
 * URL finding whose host is plain ASCII, else the tail of the first high finding. Writes
 * it to out (AL_CONFIRM_MAX bytes) and returns the index in f of the finding it is tied
 * to, with *is_host set when it is a host. When no high finding yields anything typeable
 * (none kept, a span without a letter or digit), the first AL_CONFIRM_ID_LEN characters
 * of plan_id stand in and SIZE_MAX is returned.
 */
size_t al_confirm_choose(const struct al_confirm_finding *f, size_t n, const char *plan_id,
                         char *out, int *is_host);

/* Whether typed (spaces around it ignored, letters in either case) is the answer. */
int al_confirm_matches(const char *typed, const char *answer);

#endif
