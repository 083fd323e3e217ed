/* limits.c: the default session limits (see limits.h). */
#include <airlock/limits.h>

#include <string.h>

void
al_limits_default(enum al_side side, struct al_limits *l)
{
    memset(l, 0, sizeof(*l));
    l->memory_bytes = (side == AL_SIDE_OFFLINE ? 4096ULL : 2048ULL) << 20;
    l->pids = side == AL_SIDE_OFFLINE ? 512 : 256;
    l->wall_s = side == AL_SIDE_OFFLINE ? 3600 : 1800;
    l->outbox_bytes = 256 * 1024;
    l->nofile = 1024;
}
