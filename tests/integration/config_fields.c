/*
 * config_fields: prints every field of airlock.json that the parser accepts, from
 * al_config_fields(): the table lib/config.c checks every object against and takes its
 * ranges from. One JSON object a line:
 *
 *     {"name": "offline.limits.pids", "type": "whole number", "min": 8, "max": 65536,
 *      "len_min": 0, "len_max": 0, "default": "512"}
 *
 * "type" is the name docs/config.md gives the type in its Type column; "default" is null
 * for a field without one. The docs.config test compares docs/config.md and
 * airlock.json(5) with this output.
 */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include <airlock/config.h>

static const char *
type_name(enum al_config_type t)
{
    switch (t) {
    case AL_CONFIG_PATH:
        return "path";
    case AL_CONFIG_UINT:
        return "whole number";
    case AL_CONFIG_STRINGS:
        return "array of strings";
    case AL_CONFIG_PATHS:
        return "array of paths";
    case AL_CONFIG_NAMES:
        return "array of variable names";
    case AL_CONFIG_RULES:
        return "array of rule strings";
    case AL_CONFIG_PINS:
        return "object";
    }
    return NULL;
}

int
main(void)
{
    const struct al_config_field *f;
    cJSON *o;
    char *line;
    int ok;

    for (f = al_config_fields(); f->name != NULL; f++) {
        if ((o = cJSON_CreateObject()) == NULL)
            return 1;
        ok = cJSON_AddStringToObject(o, "name", f->name) != NULL &&
             cJSON_AddStringToObject(o, "type", type_name(f->type)) != NULL &&
             cJSON_AddNumberToObject(o, "min", (double)f->min) != NULL &&
             cJSON_AddNumberToObject(o, "max", (double)f->max) != NULL &&
             cJSON_AddNumberToObject(o, "len_min", (double)f->len_min) != NULL &&
             cJSON_AddNumberToObject(o, "len_max", (double)f->len_max) != NULL &&
             (f->def != NULL ? cJSON_AddStringToObject(o, "default", f->def)
                             : cJSON_AddNullToObject(o, "default")) != NULL;
        line = ok ? cJSON_PrintUnformatted(o) : NULL;
        cJSON_Delete(o);
        if (line == NULL)
            return 1;
        ok = puts(line) != EOF;
        free(line);
        if (!ok)
            return 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
