/* outbox.c: proposals out of an outbox (being written; see airlock/outbox.h). */
#include <airlock/outbox.h>
