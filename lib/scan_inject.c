/*
 * scan_inject.c: injection phrasing, a heuristic. Wording is not a mechanism: an attacker
 * can always say it differently, and ordinary text can say something similar, so these
 * findings are labelled heuristic and are never the reason a plan is blocked. They are
 * high only for plans entering the offline side and only when the signals add up: two
 * different families in one member, or one of the unambiguous ones (chat-template tokens,
 * pseudo-authoritative blocks, "ignore your previous instructions").
 *
 * The text is read in a folded view (hidden characters dropped, tag characters decoded,
 * right-to-left overrides put in display order, look-alikes and compatibility forms
 * folded, lowercased, white space collapsed), so hiding the wording does not hide it from
 * this rule. Two kinds of matcher, both linear: fixed phrases (the multi-pattern matcher)
 * and verb-object windows over the words ("delete ... the folder", "send ... the contents
 * ... to this URL").
 */
#include "scan_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum family {
    F_IGNORE,
    F_INFO_BLOCK,
    F_SYSTEM,
    F_TEMPLATE,
    F_URGENCY,
    F_ADDRESSES,
    F_CONCEAL,
    F_TOOL,
    F_DESTRUCTIVE,
    F_SENSITIVE,
    F_EXFIL,
    F_TAMPER,
    F_COUNT
};

static const char *const rules[F_COUNT] = {
    "inject.ignore_previous", "inject.info_block",    "inject.system_marker",
    "inject.chat_template",   "inject.urgency",       "inject.addresses_model",
    "inject.conceal",         "inject.tool_syntax",   "inject.destructive",
    "inject.sensitive_path",  "inject.exfil_request", "inject.tamper"};

static const char *const what[F_COUNT] = {"asks to ignore earlier instructions",
                                          "pseudo-authoritative block",
                                          "fake system or role marker",
                                          "chat-template or role token",
                                          "pressure wording",
                                          "addressed to an AI, assistant or agent",
                                          "asks to hide an action from the user",
                                          "tool or function-call syntax",
                                          "asks to delete, wipe or encrypt data",
                                          "names a credential or key location",
                                          "asks to send data somewhere",
                                          "asks to change contacts, payees, passwords or keys"};

/* Families that are high on their own (inbound). */
#define STRONG ((1u << F_IGNORE) | (1u << F_INFO_BLOCK) | (1u << F_TEMPLATE))

struct phrase {
    const char *p;
    enum family f;
};

static const struct phrase phrases[] = {
    {"<|im_start|>", F_TEMPLATE},
    {"<|im_end|>", F_TEMPLATE},
    {"[inst]", F_TEMPLATE},
    {"[/inst]", F_TEMPLATE},
    {"<<sys>>", F_TEMPLATE},
    {"<</sys>>", F_TEMPLATE},
    {"<start_of_turn>", F_TEMPLATE},
    {"<end_of_turn>", F_TEMPLATE},
    {"<|system|>", F_TEMPLATE},
    {"<|user|>", F_TEMPLATE},
    {"<|assistant|>", F_TEMPLATE},
    {"<|endoftext|>", F_TEMPLATE},
    {"<|eot_id|>", F_TEMPLATE},
    {"<|start_header_id|>", F_TEMPLATE},
    {" human: ", F_TEMPLATE},
    {"<information>", F_INFO_BLOCK},
    {"</information>", F_INFO_BLOCK},
    {"<important>", F_INFO_BLOCK},
    {"</important>", F_INFO_BLOCK},
    {"<instructions>", F_INFO_BLOCK},
    {"<instruction>", F_INFO_BLOCK},
    {"<system>", F_INFO_BLOCK},
    {"</system>", F_INFO_BLOCK},
    {"<admin>", F_INFO_BLOCK},
    {"(system_message)", F_SYSTEM},
    {"system_message", F_SYSTEM},
    {"system message", F_SYSTEM},
    {"system: ", F_SYSTEM},
    {"[system]", F_SYSTEM},
    {"system policy", F_SYSTEM},
    {"system update", F_SYSTEM},
    {"system override", F_SYSTEM},
    {"system prompt", F_SYSTEM},
    {"system notice", F_SYSTEM},
    {"maintenance mode", F_SYSTEM},
    {"developer mode", F_SYSTEM},
    {"admin override", F_SYSTEM},
    {"policy update", F_SYSTEM},
    {"from the operator", F_SYSTEM},
    {"operator instructions", F_SYSTEM},
    {"important!!!", F_URGENCY},
    {"extremely important", F_URGENCY},
    {"very important", F_URGENCY},
    {"urgent", F_URGENCY},
    {"the ai language model", F_ADDRESSES},
    {"language model", F_ADDRESSES},
    {"ai assistant", F_ADDRESSES},
    {"ai agent", F_ADDRESSES},
    {"ai model", F_ADDRESSES},
    {"dear ai", F_ADDRESSES},
    {"note to ai", F_ADDRESSES},
    {"note to any ai", F_ADDRESSES},
    {"note to the ai", F_ADDRESSES},
    {"if you are an ai", F_ADDRESSES},
    {"attention ai", F_ADDRESSES},
    {"to the assistant", F_ADDRESSES},
    {"you are an ai", F_ADDRESSES},
    {"as an ai", F_ADDRESSES},
    {"assistant: ", F_ADDRESSES},
    {"your response", F_ADDRESSES},
    {"your reply", F_ADDRESSES},
    {"your answer", F_ADDRESSES},
    {"your code", F_ADDRESSES},
    {"your output", F_ADDRESSES},
    {"your next plan", F_ADDRESSES},
    {"your summary", F_ADDRESSES},
    {"your message", F_ADDRESSES},
    {"your solution", F_ADDRESSES},
    {"your implementation", F_ADDRESSES},
    {"your algorithm", F_ADDRESSES},
    {"your instructions", F_ADDRESSES},
    {"your task", F_ADDRESSES},
    {"to you, ", F_ADDRESSES},
    {"chatgpt", F_ADDRESSES},
    {"gemini", F_ADDRESSES},
    {"claude", F_ADDRESSES},
    {"copilot", F_ADDRESSES},
    {" llm ", F_ADDRESSES},
    {" llms ", F_ADDRESSES},
    {"do not tell the user", F_CONCEAL},
    {"don't tell the user", F_CONCEAL},
    {"not tell the user", F_CONCEAL},
    {"not mention this", F_CONCEAL},
    {"not mention it", F_CONCEAL},
    {"do not mention", F_CONCEAL},
    {"don't mention", F_CONCEAL},
    {"not inform the user", F_CONCEAL},
    {"without asking", F_CONCEAL},
    {"without telling", F_CONCEAL},
    {"without confirmation", F_CONCEAL},
    {"without confirming", F_CONCEAL},
    {"without the user", F_CONCEAL},
    {"do not ask for confirmation", F_CONCEAL},
    {"don't ask for confirmation", F_CONCEAL},
    {"keep this secret", F_CONCEAL},
    {"keep this between", F_CONCEAL},
    {"never reveal", F_CONCEAL},
    {"do not reveal", F_CONCEAL},
    {"silently", F_CONCEAL},
    {"hide this from", F_CONCEAL},
    {"the user must not", F_CONCEAL},
    {"<tool_call>", F_TOOL},
    {"</tool_call>", F_TOOL},
    {"function_call", F_TOOL},
    {"\"tool\":", F_TOOL},
    {"\"function\":", F_TOOL},
    {"tool_use", F_TOOL},
    {"<function", F_TOOL},
    {"send_email(", F_TOOL},
    {"send_email", F_TOOL},
    {"run_command", F_TOOL},
    {"execute_command", F_TOOL},
    {"call the tool", F_TOOL},
    {"use the tool", F_TOOL},
    {"```tool", F_TOOL},
    {"~/.ssh", F_SENSITIVE},
    {".ssh/", F_SENSITIVE},
    {"id_rsa", F_SENSITIVE},
    {"id_ed25519", F_SENSITIVE},
    {"id_ecdsa", F_SENSITIVE},
    {"authorized_keys", F_SENSITIVE},
    {".aws/credentials", F_SENSITIVE},
    {".gnupg", F_SENSITIVE},
    {".netrc", F_SENSITIVE},
    {".pgpass", F_SENSITIVE},
    {"credentials.json", F_SENSITIVE},
    {".git-credentials", F_SENSITIVE},
    {"/etc/shadow", F_SENSITIVE},
    {".kube/config", F_SENSITIVE},
    {"wallet.dat", F_SENSITIVE},
    {".password-store", F_SENSITIVE},
    {"/credentials", F_SENSITIVE},
    {".config/gh", F_SENSITIVE},
    {"keychain", F_SENSITIVE},
    {".env ", F_SENSITIVE},
};

/* Word roles for the verb-object windows. */
enum {
    R_IGNORE = 1u << 0,  /* ignore, disregard, forget ... */
    R_DESTROY = 1u << 1, /* delete, wipe, encrypt ... */
    R_DOBJ = 1u << 2,    /* what gets destroyed */
    R_SEND = 1u << 3,    /* send, post, upload, put, include ... */
    R_SOBJ = 1u << 4,    /* what gets sent */
    R_DEST = 1u << 5,    /* where it goes */
    R_CHANGE = 1u << 6,  /* add, change, update ... */
    R_COBJ = 1u << 7,    /* what gets changed */
};

struct word_role {
    const char *w;
    unsigned roles;
};

static const struct word_role words[] = {
    {"ignore", R_IGNORE},
    {"disregard", R_IGNORE},
    {"forget", R_IGNORE},
    {"override", R_IGNORE},
    {"bypass", R_IGNORE},
    {"discard", R_IGNORE},
    {"delete", R_DESTROY},
    {"erase", R_DESTROY},
    {"wipe", R_DESTROY},
    {"remove", R_DESTROY},
    {"overwrite", R_DESTROY},
    {"encrypt", R_DESTROY},
    {"destroy", R_DESTROY},
    {"shred", R_DESTROY},
    {"purge", R_DESTROY},
    {"format", R_DESTROY},
    {"rm", R_DESTROY},
    {"folder", R_DOBJ},
    {"folders", R_DOBJ},
    {"file", R_DOBJ | R_SOBJ},
    {"files", R_DOBJ | R_SOBJ},
    {"directory", R_DOBJ},
    {"documents", R_DOBJ | R_SOBJ},
    {"everything", R_DOBJ},
    {"data", R_DOBJ | R_SOBJ},
    {"photos", R_DOBJ},
    {"backups", R_DOBJ},
    {"backup", R_DOBJ},
    {"disk", R_DOBJ},
    {"drive", R_DOBJ},
    {"database", R_DOBJ},
    {"repository", R_DOBJ},
    {"inbox", R_DOBJ},
    {"email", R_SEND | R_DOBJ},
    {"message", R_DOBJ | R_SOBJ},
    {"it", R_DOBJ | R_SOBJ},
    {"them", R_DOBJ | R_SOBJ},
    {"all", R_DOBJ | R_SOBJ},
    {"text", R_SOBJ},
    {"body", R_SOBJ},
    {"result", R_SOBJ},
    {"results", R_SOBJ},
    {"code", R_SOBJ},
    {"number", R_SOBJ},
    {"numbers", R_SOBJ},
    {"letter", R_SOBJ},
    {"details", R_SOBJ | R_COBJ},
    {"information", R_SOBJ},
    {"model", R_SOBJ},
    {"address", R_DEST},
    {"reference", R_DEST},
    {"recipient", R_DEST | R_COBJ},
    {"event", R_COBJ},
    {"participant", R_COBJ},
    {"appointment", R_COBJ},
    {"send", R_SEND},
    {"e-mail", R_SEND},
    {"mail", R_SEND},
    {"post", R_SEND},
    {"upload", R_SEND},
    {"forward", R_SEND},
    {"put", R_SEND},
    {"attach", R_SEND},
    {"include", R_SEND},
    {"paste", R_SEND},
    {"transmit", R_SEND},
    {"share", R_SEND},
    {"copy", R_SEND},
    {"embed", R_SEND},
    {"leak", R_SEND},
    {"exfiltrate", R_SEND},
    {"contents", R_SOBJ},
    {"content", R_SOBJ},
    {"password", R_SOBJ | R_COBJ},
    {"passwords", R_SOBJ | R_COBJ},
    {"key", R_SOBJ},
    {"keys", R_SOBJ},
    {"credentials", R_SOBJ},
    {"token", R_SOBJ},
    {"tokens", R_SOBJ},
    {"history", R_SOBJ},
    {"emails", R_SOBJ | R_DOBJ},
    {"messages", R_SOBJ | R_DOBJ},
    {"notes", R_SOBJ},
    {"secret", R_SOBJ},
    {"secrets", R_SOBJ},
    {"conversation", R_SOBJ},
    {"plan", R_DEST},
    {"url", R_DEST},
    {"link", R_DEST},
    {"query", R_DEST},
    {"website", R_DEST},
    {"server", R_DEST},
    {"webhook", R_DEST},
    {"endpoint", R_DEST},
    {"image", R_DEST},
    {"field", R_DEST},
    {"add", R_CHANGE},
    {"change", R_CHANGE},
    {"update", R_CHANGE},
    {"set", R_CHANGE},
    {"replace", R_CHANGE},
    {"modify", R_CHANGE},
    {"insert", R_CHANGE},
    {"create", R_CHANGE},
    {"schedule", R_CHANGE},
    {"transfer", R_CHANGE},
    {"contact", R_COBJ},
    {"contacts", R_COBJ},
    {"payee", R_COBJ},
    {"payees", R_COBJ},
    {"calendar", R_COBJ},
    {"iban", R_COBJ},
    {"sender", R_COBJ},
    {"forwarding", R_COBJ},
    {"debit", R_COBJ},
    {"standing", R_COBJ},
    {"authorized_keys", R_COBJ},
    {"vcf", R_COBJ},
};

/* The word table: words bucketed by first letter and length. */
#define WMAX 16
static const struct word_role *buckets[26][WMAX][8];
static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct al__matcher phrase_matcher;
static int ready;

static void
init(void)
{
    size_t i, k, j;

    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        unsigned char f = (unsigned char)words[i].w[0];

        k = strlen(words[i].w);
        if (f < 'a' || f > 'z' || k >= WMAX)
            continue;
        for (j = 0; j < 8 && buckets[f - 'a'][k][j]; j++)
            ;
        if (j < 8)
            buckets[f - 'a'][k][j] = &words[i];
    }
    al__matcher_init(&phrase_matcher);
    for (i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
        size_t len = strlen(phrases[i].p);

        if (len >= 4 && al__matcher_add(&phrase_matcher, phrases[i].p, len, (unsigned)i) != 0)
            return;
    }
    if (al__matcher_build(&phrase_matcher) != 0)
        return;
    ready = 1;
}

static unsigned
roles_of(const char *w, size_t k)
{
    unsigned char f = (unsigned char)w[0];
    unsigned r = 0;
    size_t j;

    if (f < 'a' || f > 'z' || k >= WMAX)
        return 0;
    for (j = 0; j < 8 && buckets[f - 'a'][k][j]; j++)
        if (memcmp(buckets[f - 'a'][k][j]->w, w, k) == 0)
            r |= buckets[f - 'a'][k][j]->roles;
    return r;
}

/* Words that name instructions, including the misspellings attackers use. */
static int
instruction_word(const char *w, size_t k)
{
    size_t i;

    for (i = 0; i + 5 <= k; i++)
        if (memcmp(w + i, "struc", 5) == 0)
            return 1;
    return (k >= 6 && (memcmp(w, "prompt", 6) == 0 || memcmp(w, "direct", 6) == 0)) ||
           (k >= 5 && memcmp(w, "guide", 5) == 0) || (k >= 4 && memcmp(w, "rule", 4) == 0) ||
           (k >= 7 && memcmp(w, "command", 7) == 0) || (k >= 4 && memcmp(w, "task", 4) == 0);
}

struct hit {
    enum family f;
    size_t a, b; /* view offsets */
};

struct run {
    struct hit *v;
    size_t n, cap;
    unsigned families;
    int failed;
};

static void
hit(struct run *r, enum family f, size_t a, size_t b)
{
    if (r->n && r->v[r->n - 1].f == f && a < r->v[r->n - 1].b)
        return; /* overlaps the last one of its family */
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        struct hit *v;

        if (cap > 4096)
            return;
        if ((v = realloc(r->v, cap * sizeof(*v))) == NULL) {
            r->failed = 1;
            return;
        }
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = (struct hit){f, a, b};
    r->families |= 1u << f;
}

static void
on_phrase(void *arg, const struct al__mpat *p, size_t at)
{
    hit(arg, phrases[p->id].f, at, at + p->len);
}

struct word {
    uint32_t a, n;
    unsigned roles;
};

static int
word_byte(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
           ch == '\'' || ch == '~' || ch == '@' || ch >= 0x80;
}

/* Verb-object windows over the words of the view. */
static void
windows(struct run *r, const char *s, size_t n)
{
    struct word *w = NULL;
    size_t nw = 0, cap = 0, i, j, a;

    for (i = 0; i < n;) {
        if (!word_byte((unsigned char)s[i])) {
            i++;
            continue;
        }
        a = i;
        while (i < n && word_byte((unsigned char)s[i]))
            i++;
        if (nw == cap) {
            struct word *v;

            cap = cap ? 2 * cap : 256;
            if ((v = realloc(w, cap * sizeof(*v))) == NULL) {
                r->failed = 1;
                free(w);
                return;
            }
            w = v;
        }
        w[nw].a = (uint32_t)a;
        w[nw].n = (uint32_t)(i - a);
        w[nw].roles = roles_of(s + a, i - a);
        nw++;
    }
    for (i = 0; i < nw; i++) {
        unsigned ro = w[i].roles;

        if (ro & R_IGNORE)
            for (j = i + 1; j < nw && j <= i + 5; j++)
                if (instruction_word(s + w[j].a, w[j].n)) {
                    hit(r, F_IGNORE, w[i].a, w[j].a + w[j].n);
                    break;
                }
        if (ro & R_DESTROY)
            for (j = i + 1; j < nw && j <= i + 6; j++)
                if ((w[j].roles & R_DOBJ) || (w[j].n > 2 && s[w[j].a] == '~')) {
                    hit(r, F_DESTRUCTIVE, w[i].a, w[j].a + w[j].n);
                    break;
                }
        if (ro & R_SEND)
            for (j = i + 1; j < nw && j <= i + 8; j++)
                if (w[j].roles & R_SOBJ) {
                    size_t d;

                    for (d = j + 1; d < nw && d <= i + 18; d++)
                        if ((w[d].roles & R_DEST) || memchr(s + w[d].a, '@', w[d].n) ||
                            (w[d].n >= 4 && memcmp(s + w[d].a, "http", 4) == 0))
                            break;
                    if (d < nw && d <= i + 18)
                        hit(r, F_EXFIL, w[i].a, w[d].a + w[d].n);
                    break;
                }
        if (ro & R_CHANGE)
            for (j = i + 1; j < nw && j <= i + 8; j++)
                if (w[j].roles & R_COBJ) {
                    hit(r, F_TAMPER, w[i].a, w[j].a + w[j].n);
                    break;
                }
    }
    free(w);
}

int
al__inject_high(const struct al__scan_ctx *c)
{
    unsigned all = (unsigned)c->inject_families;

    return c->o->direction == AL_SCAN_IN && (__builtin_popcount(all) >= 2 || (all & STRONG));
}

void
al__scan_inject(struct al__scan_ctx *c, const char *s, size_t n)
{
    const struct al__view *v;
    struct run r;
    size_t i, a, b;
    unsigned all;
    enum al_severity sev;

    pthread_once(&once, init);
    if (!ready) {
        c->failed = 1;
        return;
    }
    if ((v = al__scan_fold(c, s, n)) == NULL)
        return;
    memset(&r, 0, sizeof(r));
    al__matcher_run(&phrase_matcher, v->s, v->n, on_phrase, &r);
    windows(&r, v->s, v->n);
    c->inject_families |= (int)r.families;
    all = (unsigned)c->inject_families;
    for (i = 0; i < r.n; i++) {
        int families = __builtin_popcount(all);

        sev = c->o->direction == AL_SCAN_IN && (families >= 2 || (all & STRONG)) ? AL_SEV_HIGH
                                                                                 : AL_SEV_INFO;
        al__view_range(v, r.v[i].a, r.v[i].b, &a, &b);
        al__scan_add_heuristic(c, rules[r.v[i].f], sev, a, b,
                               "heuristic: %s (%d kind%s of "
                               "injection wording in this member)",
                               what[r.v[i].f], families, families == 1 ? "" : "s");
    }
    if (r.failed)
        c->failed = 1;
    free(r.v);
}
