/*
 * scan.h: the plan scanner.
 *
 * Before a person approves a plan, the scanner lists what its text carries that a reader
 * could miss: terminal escapes and control characters, hidden Unicode (tag characters,
 * zero-width and format characters, bidi controls, variation-selector runs, private-use,
 * unassigned and non-characters), look-alike letters and compatibility forms, HTML that
 * hides itself, images that fetch on render, URLs and their exfiltration channels, encoded
 * blobs (decoded, a bounded number of layers, and scanned again), credentials, the
 * configured canary strings (in every decoded view), injection phrasing (a heuristic),
 * the plan's capacity against a budget, and for outbound plans how much is copied verbatim
 * from the workspace (with an index the caller builds).
 *
 * Every finding has a rule id (the vocabulary of the shared corpora's flags.json, plus a
 * few of airlock's own: url.link, unicode.format, unicode.private_use, unicode.unassigned,
 * unicode.noncharacter, unicode.invalid, encoded.quoted_printable, capacity, provenance,
 * provenance.copied, scan.omitted),
 * a severity, the byte range in the member it was found in, a message and, for hidden
 * content, a visible rendering.
 *
 * The scanner is deterministic and offline: it never contacts anything (a secret it finds
 * is never "verified"), uses no backtracking regular expressions, and its time and memory
 * grow linearly with the input (every decode is bounded in depth and in total bytes).
 * Messages and visible renderings are already rendered with al_render_escape() (every
 * control and invisible character a visible token, a literal backslash doubled) and capped:
 * print them as they are (escaping them again would double the tokens' backslashes). The
 * member name is the caller's and is not rendered.
 */
#ifndef AIRLOCK_SCAN_H
#define AIRLOCK_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include <airlock/error.h>

/* The largest member al_scan() accepts (AL_ETOOBIG beyond). */
#define AL_SCAN_MAX_BYTES (64u * 1024 * 1024)
/* Default cap on the findings kept in one set; the rest are counted (scan.omitted). */
#define AL_SCAN_FINDINGS_DEFAULT 400
/* Default decode depth (base64 inside hex inside ...) and the per-call decode budget. */
#define AL_SCAN_DEPTH_DEFAULT 2
#define AL_SCAN_DEPTH_MAX 8 /* a larger max_depth is taken as this */
#define AL_SCAN_DECODE_BUDGET_DEFAULT (4u * 1024 * 1024)
/* Canaries shorter than this are refused (AL_EINVAL): they would match ordinary text. */
#define AL_SCAN_CANARY_MIN 4
#define AL_SCAN_CANARY_MAX 256
#define AL_SCAN_CANARIES_MAX 64

/*
 * A workspace provenance index: word 8-gram shingles of the offline workspace's text
 * files (about one in five kept by winnowing, at most max_entries of them; 0 gives
 * AL_SCAN_INDEX_ENTRIES_DEFAULT; the table takes 24 bytes per entry of max_entries). Built
 * by the caller, incrementally, and passed read-only to al_scan() for outbound plans:
 * findings provenance.copied (each copied passage, with its source file) and provenance
 * (the share of the plan copied). One index can serve any number of scans.
 */
struct al_scan_index;
#define AL_SCAN_INDEX_ENTRIES_DEFAULT (1u << 20)

int al_scan_index_new(size_t max_entries, struct al_scan_index **out) AL_WUR;
void al_scan_index_free(struct al_scan_index *ix);
/* Adds one file's text under name (copied; shown in findings). AL_ECOUNT past 65536 files. */
int al_scan_index_add(struct al_scan_index *ix, const char *name, const char *text,
                      size_t len) AL_WUR;
/*
 * Adds every text file (valid UTF-8, no NUL, at most 8 MiB) under dir, named by their path
 * below it. Links are not followed; each directory is opened through its parent's
 * descriptor, so a tree that changes while it is read cannot send the walk elsewhere.
 */
int al_scan_index_add_dir(struct al_scan_index *ix, const char *dir) AL_WUR;
size_t al_scan_index_files(const struct al_scan_index *ix);
size_t al_scan_index_entries(const struct al_scan_index *ix);
/* True when max_entries was reached: files were read but not all their shingles kept. */
int al_scan_index_truncated(const struct al_scan_index *ix);

enum al_scan_direction {
    AL_SCAN_OUT = 0, /* leaving the offline side: exfiltration matters most */
    AL_SCAN_IN = 1,  /* entering the offline side: injection matters most */
};

enum al_severity {
    AL_SEV_INFO = 0,  /* shown, needs nothing */
    AL_SEV_HIGH = 1,  /* approval needs a typed confirmation */
    AL_SEV_BLOCK = 2, /* cannot be approved as it is */
};

struct al_scan_opts {
    enum al_scan_direction direction;
    const char *const *canaries; /* n_canaries strings, not owned; matched in every view */
    size_t n_canaries;
    size_t max_findings;  /* 0: AL_SCAN_FINDINGS_DEFAULT */
    unsigned max_depth;   /* 0: AL_SCAN_DEPTH_DEFAULT; decoded layers scanned again */
    size_t decode_budget; /* 0: AL_SCAN_DECODE_BUDGET_DEFAULT; bytes decoded per call */
    uint64_t budget_plan; /* capacity: free-text bytes allowed per plan; 0 = no budget */
    uint64_t budget_day;  /* ... per day; 0 = no budget */
    uint64_t used_today;  /* free-text bytes already approved today (for budget_day) */
    const struct al_scan_index *workspace; /* NULL: no provenance check; outbound only */
};

/* Zeroes o: direction out, no canaries, defaults for the rest. */
void al_scan_opts_init(struct al_scan_opts *o);

struct al_finding {
    const char *rule; /* static: "control.esc", "canary", ... */
    enum al_severity severity;
    int heuristic;      /* 1 for inject.*: a guess about wording, to be labelled so */
    const char *member; /* the member name given to al_scan(), or NULL; owned by the set */
    size_t start, end;  /* byte range [start, end) in that member's text */
    char *message;      /* owned by the set; one line, terminal-safe */
    char *visible;      /* owned by the set: the hidden content made visible, or NULL */
};

/* A set of findings, for one plan (scan each member into the same set). */
struct al_scan;

/* A new empty set; *out owns it (al_scan_free). AL_ENOMEM. */
int al_scan_new(struct al_scan **out) AL_WUR;
void al_scan_free(struct al_scan *s);

/*
 * Scans text[0..len) (UTF-8; invalid bytes are findings, not errors) and appends the
 * findings to s, tagged with member (copied; may be NULL). o may be NULL (defaults). Fails
 * with AL_ETOOBIG above AL_SCAN_MAX_BYTES, AL_EINVAL for a canary outside
 * AL_SCAN_CANARY_MIN..MAX bytes or more than AL_SCAN_CANARIES_MAX of them, AL_ENOMEM;
 * on failure s keeps what it had before the call.
 */
int al_scan(struct al_scan *s, const char *member, const char *text, size_t len,
            const struct al_scan_opts *o) AL_WUR;

/* The findings kept, in the order found (by member, then by rule family, then offset). */
size_t al_scan_count(const struct al_scan *s);
const struct al_finding *al_scan_get(const struct al_scan *s, size_t i);
/* Findings dropped over max_findings (their worst severity still counts below). */
size_t al_scan_omitted(const struct al_scan *s);
/* The worst severity of every finding, kept or omitted; -1 when there is none. */
int al_scan_worst(const struct al_scan *s);
/* Free-text bytes counted over every member scanned (for the capacity display). */
uint64_t al_scan_text_bytes(const struct al_scan *s);

/* "info", "high", "block". */
const char *al_severity_name(enum al_severity sev);

/*
 * The findings as a JSON array of objects {rule, severity, start, end, message} plus
 * "member", "visible" and "heuristic": true where they apply, and a last
 * {rule: "scan.omitted", count} when findings were dropped. *out owns the array.
 * al_scan_json_text() gives the unformatted text (malloc'd, NUL-terminated), at most
 * 1 MiB for the default caps, for the pending plan's metadata.
 */
int al_scan_json(const struct al_scan *s, cJSON **out) AL_WUR;
int al_scan_json_text(const struct al_scan *s, char **out) AL_WUR;

#endif
