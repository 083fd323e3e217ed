/*
 * config_fields: prints every field of airlock.json that the parser accepts, one JSON path a
 * line, from al_config_fields(): the table lib/config.c checks every object against. The
 * docs.config test compares docs/config.md and airlock.json(5) with this output.
 */
#include <stdio.h>

#include <airlock/config.h>

int
main(void)
{
    const struct al_config_field *f;

    for (f = al_config_fields(); f->name != NULL; f++)
        if (puts(f->name) == EOF)
            return 1;
    return fflush(stdout) == 0 ? 0 : 1;
}
