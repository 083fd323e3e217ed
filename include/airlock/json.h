/*
 * json.h: strict JSON on top of cJSON.
 *
 * cJSON is lenient where airlock must not be: it keeps duplicate keys, stops a string at
 * an escaped NUL, recurses as deep as the input goes and does not check UTF-8. These
 * helpers close those gaps and give closed-schema readers (unknown field = error) with
 * messages that name the field.
 */
#ifndef AIRLOCK_JSON_H
#define AIRLOCK_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include <airlock/error.h>

#define AL_JSON_MAX_DEPTH 16

/*
 * Parses text[0..len) as one JSON value. Rejects (each with its own code): more than
 * max_bytes (AL_ETOOBIG), invalid UTF-8 (AL_EUTF8), NUL bytes or \u0000 escapes (AL_ENUL),
 * nesting deeper than max_depth (AL_EJSONDEPTH), syntax errors, raw control characters in
 * strings and anything but whitespace after the value (AL_EJSON), duplicate keys in any
 * object (AL_EJSONDUPKEY). On success *out owns the tree (cJSON_Delete).
 */
int al_json_parse(const char *text, size_t len, size_t max_bytes, int max_depth,
                  cJSON **out) AL_WUR;

/* Fails with AL_EJSONTYPE unless obj is an object, and AL_EJSONUNKNOWN for any key not in
 * known[0..n). `where` names obj in messages ("manifest", "entries[3]"). */
int al_json_closed(const cJSON *obj, const char *where, const char *const *known, size_t n) AL_WUR;

/* Reads string member key of obj, at most maxlen bytes. *out points into the tree. */
int al_json_string(const cJSON *obj, const char *where, const char *key, size_t maxlen,
                   const char **out) AL_WUR;

/* Reads a non-negative integral number member no larger than max (max <= 2^53). */
int al_json_uint(const cJSON *obj, const char *where, const char *key, uint64_t max,
                 uint64_t *out) AL_WUR;

/* Reads an array member (possibly empty). */
int al_json_array(const cJSON *obj, const char *where, const char *key, const cJSON **out) AL_WUR;

#endif
