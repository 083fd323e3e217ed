/* airlock.h: library start-up. Call al_init() once before anything else in libairlock. */
#ifndef AIRLOCK_AIRLOCK_H
#define AIRLOCK_AIRLOCK_H

#include <airlock/error.h>

#define AL_VERSION "0.1.0"

/* Initialises libsodium (random source, guarded memory). Safe to call more than once. */
int al_init(void) AL_WUR;

#endif
