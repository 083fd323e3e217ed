/*
 * cmd_bench.c: `airlock bench-attacks`, the injection-resistance benchmark.
 *
 * The benchmark is a Python script (tests/bench/bench_attacks.py) that drives the real
 * airlockd, compartments and airlock-tui; this command only finds it and runs it with the
 * programs this airlock belongs to, so that a person can run it without a build tree's
 * environment. Everything after the command name is the script's.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BENCH_PATH 4096
#define BENCH_ARGS 64

static const char bench_help[] =
    "usage: airlock bench-attacks [--smoke] [--report FILE] [--corpora DIR] [--no-ui] [--keep]\n"
    "\n"
    "Runs the injection-resistance benchmark: scripted attacker agents in both compartments\n"
    "against the real airlockd, egress proxy, scanner and airlock-tui (driven in a private\n"
    "tmux by three scripted reviewers), and prints the table of attacker goal x reviewer,\n"
    "the benign tasks' success and the unconfined contrast. Everything stays on loopback in\n"
    "a temporary directory under /var/tmp. See docs/bench-attacks.md.\n"
    "\n"
    "  --smoke         the reduced run CI makes (a few minutes)\n"
    "  --report FILE   also write the Markdown report to FILE\n"
    "  --corpora DIR   the shared corpora (default: ../shared/corpora beside the source)\n"
    "  --no-ui         every review through the control socket, none in airlock-tui\n"
    "  --keep          keep the temporary directory\n"
    "\n"
    "The script is $AIRLOCK_BENCH_ATTACKS, else the installed copy\n"
    "(<prefix>/share/airlock/bench/bench_attacks.py), else the source tree's. airlockd and\n"
    "airlock-tui are $AIRLOCKD and $AIRLOCK_TUI, else found next to this program.\n"
    "Exit status: 0 when the harness ran (attacks that got through are results, not\n"
    "errors), 1 when it broke, 77 when this machine cannot run it.\n";

/* Where the script is: see bench_help. */
static int
find_script(char *out)
{
    const char *v = getenv("AIRLOCK_BENCH_ATTACKS");

    if (v != NULL && v[0] != '\0')
        return access(v, R_OK) == 0 && cli_copy(out, BENCH_PATH, v) == 0 ? 0 : -1;
    return cli_installed_file(AIRLOCK_BIN_TO_DATADIR, AIRLOCK_DATADIR, "bench/bench_attacks.py",
                              "tests/bench/bench_attacks.py", out, BENCH_PATH) != NULL
               ? 0
               : -1;
}

int
cmd_bench(int argc, char **argv)
{
    char self[BENCH_PATH], script[BENCH_PATH];
    char *args[BENCH_ARGS + 3];
    ssize_t n;
    int i;

    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(bench_help, stdout);
            return CLI_OK;
        }
    if (argc - 1 > BENCH_ARGS)
        return cli_usage(argv[0], "too many arguments");
    if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0) {
        fprintf(stderr, "airlock %s: cannot find this program: %s\n", argv[0], strerror(errno));
        return CLI_FAIL;
    }
    self[n] = '\0';
    if (find_script(script) != 0) {
        fprintf(stderr,
                "airlock %s: bench_attacks.py is neither installed nor in the source tree %s; "
                "set $AIRLOCK_BENCH_ATTACKS\n",
                argv[0], AIRLOCK_SOURCE_DIR);
        return CLI_FAIL;
    }
    /* The script finds airlockd and airlock-tui next to $AIRLOCK. */
    if (setenv("AIRLOCK", self, 0) != 0) {
        fprintf(stderr, "airlock %s: setenv: %s\n", argv[0], strerror(errno));
        return CLI_FAIL;
    }
    args[0] = "python3";
    args[1] = script;
    for (i = 1; i < argc; i++)
        args[i + 1] = argv[i];
    args[argc + 1] = NULL;
    execvp(args[0], args);
    fprintf(stderr, "airlock %s: python3: %s\n", argv[0], strerror(errno));
    return CLI_FAIL;
}
