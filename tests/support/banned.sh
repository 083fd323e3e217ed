#!/bin/sh
# Fails if a banned function is called anywhere in the project's C sources. These are the
# functions with an unbounded write, an unchecked conversion, a shell in the middle or
# process-wide side effects; each has a bounded or explicit replacement in the project.
set -eu
cd "$(dirname "$0")/../.."
banned='strcpy|strcat|sprintf|vsprintf|gets|system|popen|atoi|atol|atoll|atof|signal|strtok|tmpnam|tempnam|mktemp|alloca|setjmp|longjmp|rand|srand|strncpy|strncat'
files=$(git ls-files '*.c' '*.h')
hits=$(grep -nE "(^|[^A-Za-z0-9_])($banned)[[:space:]]*\(" $files | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)' || true)
if [ -n "$hits" ]; then
    echo "banned functions used:"
    echo "$hits"
    exit 1
fi
echo "banned functions: none in $(echo "$files" | wc -w) files"
