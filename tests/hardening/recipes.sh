#!/usr/bin/env bash
# Hostile recipes beyond tests/recipes/bad (which has binary garbage, NUL bytes,
# an alias bomb, deep nesting): a 4 GiB sparse meta.yaml, a list and a flow
# sequence of hundreds of thousands of items just under the 1 MiB limit; a
# recipe directory (enough recipes to be read on several threads) with a FIFO
# and a dangling symlink for meta.yaml, which must be reported without
# blocking, beside a file and a directory that are not recipes.
# Each must give its diagnostic within bounded time and memory.
#   recipes.sh KILN
set -euo pipefail
kiln=$1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0
# name: expected stdout line; limits: seconds and KiB of peak RSS (ASan build)
check() { # dir status expected max_s max_kb
	local st=0 secs kb name=$1
	/usr/bin/time -f '%e %M' -o "$t/time" "$kiln" check --no-graph "$t/$1" >"$t/out" 2>"$t/err" ||
		st=$?
	[ "$st" = "$2" ] || { echo "FAIL $name: exit $st, not $2"; cat "$t/out" "$t/err"; fail=1; return; }
	shift 2
	read -r secs kb < <(tail -n 1 "$t/time")
	if ! grep -qF -- "$1" "$t/out"; then
		echo "FAIL $name: no line '$1' in:"; cat "$t/out" "$t/err"; fail=1; return
	fi
	if awk -v s="$secs" -v m="$2" 'BEGIN { exit !(s > m) }' || [ "$kb" -gt "$3" ]; then
		echo "FAIL $name: ${secs}s ${kb} KiB (limits $2 s, $3 KiB)"; fail=1; return
	fi
	echo "ok $name: ${secs}s ${kb} KiB"
}
mkdir -p "$t/huge" "$t/t" "$t/flow"
truncate -s 4G "$t/huge/meta.yaml"
/usr/bin/python3 - "$t" <<'PY'
import sys
t = sys.argv[1]
head = 'package:\n  name: t\n  version: "1"\n'
s = head + '  top-level:\n' + ''.join('    - m%d\n' % i for i in range(120000))
s = s[:(1 << 20) - 100]
s = s[:s.rindex('\n') + 1] + 'source:\n  path: src\n'
open(t + '/t/meta.yaml', 'w').write(s)
s = head + 'source:\n  path: src\nabout:\n  summary: [' + ','.join('x' * 300000) + ']\n'
open(t + '/flow/meta.yaml', 'w').write(s)
PY
mkdir -p "$t/t/src"
check huge 1 "huge/meta.yaml: error: file is larger than 1 MiB (4294967296 bytes)" 5 200000
check t 0 "1 recipes, 0 errors, 0 warnings" 60 1000000
check flow 1 "about.summary: expected a string" 60 1000000
mkdir -p "$t/set/fifo" "$t/set/dangling" "$t/set/empty"
mkfifo "$t/set/fifo/meta.yaml"
ln -s nowhere "$t/set/dangling/meta.yaml"
echo "not a recipe" >"$t/set/README"
for i in $(seq 70); do
	mkdir -p "$t/set/p$i/src"
	printf 'package:\n  name: p%s\n  version: "1"\nsource:\n  path: src\n' "$i" >"$t/set/p$i/meta.yaml"
done
check set 1 "72 recipes, 2 errors, 0 warnings" 10 200000
check set 1 "set/fifo/meta.yaml: error: cannot read: not a regular file" 10 200000
check set 1 "set/dangling/meta.yaml: error: cannot read: No such file or directory" 10 200000
exit $fail
