/*
 * limits.h: the per-session limits, shared by the configuration (which reads them) and
 * the compartment engine (which enforces them), so there is one set of defaults.
 */
#ifndef AIRLOCK_LIMITS_H
#define AIRLOCK_LIMITS_H

#include <stdint.h>

#include <airlock/manifest.h>

/* Per-session limits; 0 means "no limit of this kind". */
struct al_limits {
    uint64_t memory_bytes;
    uint32_t pids;
    uint32_t cpu_s;
    uint32_t wall_s;
    uint64_t outbox_bytes;
    uint32_t nofile;
};

/* The defaults of the design brief: offline 4 GiB/512 pids/1 h, online 2 GiB/256/30 min,
 * both a 256 KiB outbox, 1024 open files and no CPU-time limit. */
void al_limits_default(enum al_side side, struct al_limits *l);

#endif
