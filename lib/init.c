/* init.c: library start-up (see airlock.h). */
#include <airlock/airlock.h>

#include <sodium.h>

int
al_init(void)
{
    /* sodium_init() returns 1 when already initialised; only a negative value is failure. */
    if (sodium_init() < 0)
        return al__fail(AL_ENOMEM, "libsodium failed to initialise");
    return 0;
}
