/*
 * replay.c: runs a fuzz target over every file named on the command line (or in named
 * directories) without libFuzzer, so ordinary builds replay the committed corpora.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <airlock/airlock.h>
#include <airlock/buf.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
    struct al_buf b;
    int r;

    al_buf_init(&b, 64 * 1024 * 1024);
    if ((r = al_buf_read_path(&b, path, 1)) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, al_strerror(r));
        al_buf_close(&b);
        return -1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)(b.data ? b.data : ""), b.len);
    al_buf_close(&b);
    return 0;
}

int
main(int argc, char **argv)
{
    char path[4096];
    struct dirent *de;
    struct stat st;
    int i, n = 0, failed = 0;
    DIR *d;

    if (al_init() != 0)
        return 1;
    for (i = 1; i < argc; i++) {
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: not found\n", argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            failed |= run_file(argv[i]);
            n++;
            continue;
        }
        if ((d = opendir(argv[i])) == NULL)
            return 1;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                failed |= run_file(path);
                n++;
            }
        }
        closedir(d);
    }
    printf("replayed %d inputs\n", n);
    /* An empty corpus would make this test pass without testing anything. */
    return failed || n == 0 ? 1 : 0;
}
