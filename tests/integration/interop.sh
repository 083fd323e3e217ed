#!/bin/sh
# Interop with tools nobody here wrote: Debian's minisign and bsdtar, both directions.
set -eu
. "$(dirname "$0")/lib.sh"
need minisign bsdtar

cd "$tmp"
printf '# Plan\n\nCompare two library opening hours.\n' > plan.md
printf 'name,hours\nCentral,9-17\n' > list.csv
"$AIRLOCK" keygen -W -p ours.pub -s ours.key >/dev/null
"$AIRLOCK" pack --from offline --to online --task "hours" plan.md list.csv -o p.airlock >/dev/null

# 1. bsdtar lists and extracts our artifact, in our order, with our bytes.
expect_status 0 "bsdtar -tvf lists the artifact" -- bsdtar -tvf p.airlock
bsdtar -tf p.airlock > names
printf 'manifest.json\nlist.csv\nplan.md\n' > want
if cmp -s names want; then ok "bsdtar sees manifest.json first, then sorted entries"; else
    not_ok "bsdtar member order"; cat names; fi
mkdir x && bsdtar -xf p.airlock -C x
if cmp -s x/plan.md plan.md && cmp -s x/list.csv list.csv; then ok "bsdtar extracts identical bytes"
else not_ok "bsdtar extracted different bytes"; fi

# 2. Stock minisign verifies our approval, and its trusted comment is ours.
"$AIRLOCK" sign --key ours.key p.airlock >/dev/null
expect_status 0 "minisign -V verifies airlock's signature" -- minisign -V -p ours.pub -m p.airlock
expect_grep "Trusted comment: airlock id=" "$tmp/out" "minisign shows the airlock trusted comment"
# Positive control for the negative below: the same check fails on a changed file.
cp p.airlock q.airlock && cp p.airlock.minisig q.airlock.minisig
printf 'Z' | dd of=q.airlock bs=1 seek=2100 conv=notrunc 2>/dev/null
expect_status 1 "minisign -V rejects a changed artifact" -- minisign -V -p ours.pub -m q.airlock

# 3. We verify a signature made by stock minisign -S with our key and our comment form.
id=$(bsdtar -xOf p.airlock manifest.json | sed -n 's/.*"id":[[:space:]]*"\([0-9a-f]*\)".*/\1/p')
[ -n "$id" ] || { echo "could not read the plan id"; exit 1; }
minisign -S -s ours.key -m p.airlock -x ms.sig \
    -t "airlock id=$id from=offline to=online approved=2026-11-23T10:00:00Z" </dev/null >/dev/null
expect_status 0 "airlock verifies a minisign -S signature" -- \
    "$AIRLOCK" verify --pubkey ours.pub --signature ms.sig p.airlock
# The same key and file, but minisign's default comment: not an approval of this plan.
minisign -S -s ours.key -m p.airlock -x plain.sig </dev/null >/dev/null
expect_status 1 "a minisign signature without an airlock comment is refused" -- \
    "$AIRLOCK" verify --pubkey ours.pub --signature plain.sig p.airlock
expect_grep "ECOMMENT" "$tmp/err" "the refusal names ECOMMENT"
# A legacy (non-prehashed) signature is refused by name.
minisign -S -l -s ours.key -m p.airlock -x legacy.sig \
    -t "airlock id=$id from=offline to=online approved=2026-11-23T10:00:00Z" </dev/null >/dev/null
expect_status 1 "a legacy minisign -l signature is refused" -- \
    "$AIRLOCK" verify --pubkey ours.pub --signature legacy.sig p.airlock
expect_grep "EKEYALG" "$tmp/err" "the refusal names EKEYALG"

# 4. A passphrase-protected key from minisign -G signs through airlock sign.
printf 'interop pass\ninterop pass\n' | minisign -G -p theirs.pub -s theirs.key >/dev/null 2>&1
printf 'interop pass\n' | "$AIRLOCK" sign --key theirs.key -o theirs.sig p.airlock >/dev/null
expect_status 0 "airlock sign with a minisign -G encrypted key verifies (airlock)" -- \
    "$AIRLOCK" verify --pubkey theirs.pub --signature theirs.sig p.airlock
expect_status 0 "... and verifies with minisign -V" -- \
    minisign -V -p theirs.pub -m p.airlock -x theirs.sig
set +e
printf 'wrong pass\n' | "$AIRLOCK" sign --key theirs.key -o wrong.sig p.airlock >/dev/null 2>"$tmp/err"
st=$?
set -e
if [ "$st" = 1 ] && grep -q EPASSPHRASE "$tmp/err"; then ok "a wrong passphrase is refused with EPASSPHRASE"
else not_ok "wrong passphrase: exit $st"; cat "$tmp/err"; fi

# 5. A passphrase-protected key from airlock keygen works in minisign -S.
printf 'our pass\n' | "$AIRLOCK" keygen -p enc.pub -s enc.key >/dev/null
printf 'our pass\n' | minisign -S -s enc.key -m p.airlock -x enc.sig \
    -t "airlock id=$id from=offline to=online approved=2026-11-23T10:00:00Z" >/dev/null 2>&1
expect_status 0 "minisign -S signs with an airlock keygen encrypted key; airlock verifies" -- \
    "$AIRLOCK" verify --pubkey enc.pub --signature enc.sig p.airlock

finish
