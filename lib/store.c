/* store.c: the plan queue on disk (being written; see airlock/store.h). */
#include <airlock/store.h>
