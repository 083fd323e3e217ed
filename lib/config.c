/* config.c: being written (see include/airlock/config.h). */
