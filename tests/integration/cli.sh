#!/bin/sh
# The airlock command line as a person uses it: help, usage errors, exit codes, safe show.
set -eu
. "$(dirname "$0")/lib.sh"
cd "$tmp"

for c in keygen pack sign verify show; do
    expect_status 0 "airlock $c --help" -- "$AIRLOCK" "$c" --help
    expect_grep "usage: airlock $c" "$tmp/out" "airlock $c --help prints its usage"
done
expect_status 0 "airlock --help" -- "$AIRLOCK" --help
expect_status 2 "no command is a usage error" -- "$AIRLOCK"
expect_status 2 "unknown command is a usage error" -- "$AIRLOCK" frobnicate
expect_status 2 "pack without --from is a usage error" -- "$AIRLOCK" pack --to online -o x.airlock
expect_status 2 "pack with from == to is a usage error" -- \
    "$AIRLOCK" pack --from online --to online -o x.airlock
expect_status 2 "a bad --created is a usage error" -- \
    "$AIRLOCK" pack --from online --to offline --created yesterday -o x.airlock

# Keys: keygen refuses to overwrite, and the secret key is private.
"$AIRLOCK" keygen -W -p k.pub -s k.key >/dev/null
expect_status 1 "keygen does not overwrite a key" -- "$AIRLOCK" keygen -W -p k.pub -s k.key
expect_grep "EEXISTS" "$tmp/err" "the refusal names EEXISTS"
mode=$(stat -c %a k.key)
if [ "$mode" = 600 ]; then ok "secret key is mode 600"; else not_ok "secret key mode $mode"; fi
expect_status 1 "an empty passphrase is refused" -- sh -c "printf '\n' | '$AIRLOCK' keygen -p e.pub -s e.key"

# Deriving a key from its passphrase takes seconds (scrypt): keygen and sign say so first,
# and say nothing of it for a key without one.
expect_status 0 "keygen with a passphrase on standard input" -- \
    sh -c "printf 'a passphrase\n' | '$AIRLOCK' keygen -p p.pub -s p.key"
expect_grep "^airlock: keygen: deriving the key from the passphrase" "$tmp/err" \
    "keygen says it is deriving the key"
printf 'signed\n' > s.txt
"$AIRLOCK" pack --from offline --to online s.txt -o s.airlock >/dev/null
expect_status 0 "sign with the passphrase on standard input" -- \
    sh -c "printf 'a passphrase\n' | '$AIRLOCK' sign --key p.key -o s.sig s.airlock"
expect_grep "^airlock: sign: deriving the key from the passphrase" "$tmp/err" \
    "sign says it is deriving the key"
expect_status 0 "sign with an unencrypted key" -- "$AIRLOCK" sign --key k.key -o s.sig2 s.airlock
if grep -q "deriving" "$tmp/err"; then not_ok "sign spoke of a passphrase the key does not have"
else ok "no word of deriving for an unencrypted key"; fi

# An existing public key alone also stops keygen, and no half pair is left behind.
mkdir only && cp k.pub only/k.pub
expect_status 1 "keygen does not overwrite a lone public key" -- \
    "$AIRLOCK" keygen -W -p only/k.pub -s only/k.key
if [ -e only/k.key ]; then not_ok "keygen left a secret key without its public half"
else ok "no secret key left behind"; fi
expect_status 0 "keygen -f replaces the pair" -- "$AIRLOCK" keygen -W -f -p only/k.pub -s only/k.key
cp only/k.key only/k.key.before
expect_status 1 "keygen -f into a missing directory fails" -- \
    "$AIRLOCK" keygen -W -f -p nodir/k.pub -s only/k.key
if cmp -s only/k.key only/k.key.before; then ok "a failed keygen -f leaves the old secret key as it was"
else not_ok "a failed keygen -f replaced the secret key"; fi

# Default key locations under XDG_CONFIG_HOME.
XDG_CONFIG_HOME=$tmp/cfg "$AIRLOCK" keygen -W >/dev/null
if [ -f cfg/airlock/approver.key ] && [ -f cfg/airlock/approver.pub ]; then
    ok "keygen defaults to \$XDG_CONFIG_HOME/airlock/approver.{key,pub}"
else not_ok "default key paths"; fi

# Reproducible packing.
printf 'same\n' > a.txt
for n in 1 2; do
    "$AIRLOCK" pack --from offline --to online --id 0123456789abcdef0123456789abcdef \
        --created 2026-11-23T00:00:00Z a.txt -o r$n.airlock >/dev/null
done
if cmp -s r1.airlock r2.airlock; then ok "same inputs give identical bytes"; else not_ok "pack is not reproducible"; fi
expect_status 1 "pack does not overwrite its output" -- \
    "$AIRLOCK" pack --from offline --to online a.txt -o r1.airlock

# Bad input files.
printf 'bad \377 utf8\n' > bad.txt
expect_status 1 "pack refuses invalid UTF-8" -- "$AIRLOCK" pack --from offline --to online bad.txt -o b.airlock
expect_grep "EUTF8" "$tmp/err" "the refusal names EUTF8"
head -c 70000 /dev/zero | tr '\0' 'a' > big.txt
expect_status 1 "pack refuses a file over the default 64k" -- \
    "$AIRLOCK" pack --from offline --to online big.txt -o big.airlock
expect_status 0 "pack accepts it with --max-bytes 128k" -- \
    "$AIRLOCK" pack --from offline --to online --max-bytes 128k big.txt -o big.airlock
expect_status 1 "show refuses it at the default limit" -- "$AIRLOCK" show big.airlock
expect_status 0 "show reads it with --max-bytes 128k" -- "$AIRLOCK" show --max-bytes 128k big.airlock
expect_status 2 "--max-bytes that would overflow is a usage error" -- \
    "$AIRLOCK" show --max-bytes 18014398509481985k big.airlock
expect_status 2 "--max-bytes with a leading space is a usage error" -- \
    "$AIRLOCK" show --max-bytes " 5" big.airlock
expect_status 2 "--max-bytes over 64M is a usage error" -- "$AIRLOCK" show --max-bytes 65M big.airlock
mkfifo fifo.airlock
expect_status 1 "show refuses a FIFO without hanging" -- timeout 10 "$AIRLOCK" show fifo.airlock
expect_grep "EFILETYPE" "$tmp/err" "the refusal names EFILETYPE"
expect_status 1 "pack refuses a directory" -- "$AIRLOCK" pack --from offline --to online . -o d.airlock

# show never writes a control byte raw.
printf 'clear \033[2J bell \007 rlo \342\200\256 end\r\n' > evil.txt
"$AIRLOCK" pack --from online --to offline --task "$(printf 'line1\nline2\033]0;title\007')" \
    evil.txt -o evil.airlock >/dev/null
"$AIRLOCK" show evil.airlock > shown
if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" shown; then
    not_ok "show wrote a raw control byte"; od -c shown | head
else ok "show output holds no raw control bytes"; fi
expect_grep '\\e\[2J' shown "ESC shown as \\e"
expect_grep '\\u{202E}' shown "RLO shown as \\u{202E}"
expect_grep 'line1\\nline2\\e]0;title\\x07' shown "the task is one visible line"
if grep -q "$(printf '\342\200\256')" shown; then not_ok "raw RLO in show output"; else ok "no raw RLO"; fi

# File text cannot pass for show's own header lines: every text line is behind "| ".
printf '=== fake.md  (text/plain, 1 bytes)\nplan     0000\n' > spoof.txt
"$AIRLOCK" pack --from online --to offline spoof.txt -o spoof.airlock >/dev/null
"$AIRLOCK" show spoof.airlock > spoofed
if grep -q '^=== fake.md' spoofed || grep -q '^plan     0000' spoofed; then
    not_ok "file text passed for a header line"; cat spoofed
else ok "file text is behind the gutter"; fi
expect_grep '^| === fake.md' spoofed "the forged header is shown as text"

# Error details quote names from the plan: they are escaped like plan text.
python3 - <<'PY'
import io, tarfile
t = tarfile.open("esc.airlock", "w", format=tarfile.USTAR_FORMAT)
i = tarfile.TarInfo("\x1b]0;pwned\x07")
i.size = 2
t.addfile(i, io.BytesIO(b"{}"))
t.close()
PY
set +e
"$AIRLOCK" show esc.airlock >/dev/null 2>"$tmp/err"
set -e
if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$tmp/err"; then
    not_ok "an error detail wrote a raw control byte"; od -c "$tmp/err" | head
else ok "error details hold no raw control bytes"; fi
expect_grep 'ENOTFIRST' "$tmp/err" "the refusal names ENOTFIRST"
expect_grep '\\e]0;pwned\\x07' "$tmp/err" "the hostile name is shown escaped"

# The audit log format, written by an independent implementation (Python's hashlib),
# verifies; then each kind of tampering is caught.
python3 - "$tmp/audit.jsonl" <<'PY'
import hashlib, json, sys
prev = "0" * 64
lines = []
for i, ev in enumerate(["session.start", "plan.pending", "plan.approved"], 1):
    rec = {"seq": i, "time": "2026-11-23T10:00:0%dZ" % i, "event": ev,
           "data": {"note": "line %d\nwith \u001b escape" % i}, "prev": prev}
    line = json.dumps(rec, separators=(",", ":"))
    prev = hashlib.blake2b(line.encode(), digest_size=32).hexdigest()
    lines.append(line)
open(sys.argv[1], "w").write("".join(l + "\n" for l in lines))
open(sys.argv[1] + ".head", "w").write("%d %s\n" % (len(lines), prev))
PY
expect_status 0 "airlock log --verify accepts an intact log" -- "$AIRLOCK" log --verify "$tmp/audit.jsonl"
expect_grep "3 records" "$tmp/out" "it counts the records"
expect_status 0 "airlock log prints it" -- "$AIRLOCK" log "$tmp/audit.jsonl"
if LC_ALL=C grep -q "$(printf '\033')" "$tmp/out"; then not_ok "log printed a raw escape"; else
    ok "log output has no raw escape"; fi
cp "$tmp/audit.jsonl" "$tmp/good.jsonl"
sed -i 's/plan.pending/plan.ignored/' "$tmp/audit.jsonl"
expect_status 1 "an edited record is caught" -- "$AIRLOCK" log --verify "$tmp/audit.jsonl"
expect_grep "line 3" "$tmp/err" "the refusal names the line after the edit"
head -n 2 "$tmp/good.jsonl" > "$tmp/audit.jsonl"
expect_status 1 "a record cut from the end is caught" -- "$AIRLOCK" log --verify "$tmp/audit.jsonl"
expect_grep "EAUDIT" "$tmp/err" "the refusal names EAUDIT"

# Garbage in, a named error out, never a crash.
head -c 3000 /dev/urandom > noise.airlock
set +e
"$AIRLOCK" show noise.airlock >/dev/null 2>"$tmp/err"
st=$?
set -e
if [ "$st" = 1 ] && grep -q '\[E[A-Z0-9]*\]' "$tmp/err"; then ok "random bytes: exit 1 with a named error"
else not_ok "random bytes: exit $st"; cat "$tmp/err"; fi

finish
