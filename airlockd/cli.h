/*
 * cli.h: shared pieces of the `airlock` command-line client.
 *
 * Each subcommand is a function taking argc/argv (argv[0] is the subcommand name) and
 * returning the process exit status: 0 success, 1 failure or rejection, 2 usage error.
 */
#ifndef AIRLOCK_CLI_H
#define AIRLOCK_CLI_H

#include <stddef.h>

#include <airlock/buf.h>
#include <airlock/manifest.h>

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

int cmd_keygen(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_log(int argc, char **argv);

/* Prints "airlock: <what>: <message> [<ENAME>]: <detail>" and returns CLI_FAIL. */
int cli_fail(const char *what, int r);

/* Prints "airlock <cmd>: <msg>" plus a pointer to --help, returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *msg);

/* Parses --max-bytes (a byte count, optional k/M suffix) into lim. */
int cli_max_bytes(const char *arg, struct al_plan_limits *lim);

/* Copies src into dst; -1 if it does not fit (never a silently cut path). */
int cli_copy(char *dst, size_t dstlen, const char *src);

/* Reads a regular file named by the person (links followed) into b. */
#define cli_read_file(path, b) al_buf_read_path((b), (path), 0)

/* The message for getopt's '?' (it has already said which option and why). */
#define CLI_BADOPT "invalid option or missing argument"

/*
 * Reads a passphrase: from the terminal with echo off when stdin is a terminal (twice if
 * confirm), else one line from stdin. The result is in sodium_malloc memory; free it
 * with cli_passphrase_free().
 */
int cli_passphrase(const char *prompt, int confirm, char **out);
void cli_passphrase_free(char *p);

#endif
