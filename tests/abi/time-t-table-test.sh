#!/usr/bin/env bash
# Regenerate the time_t function table from the toolchain's headers and compare
# it with the committed buildsys/toolchain/abi_time_t.c. usage: time-t-table-test.sh ROOT
set -eu
root=$1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
/usr/bin/python3 "$root/tools/gen-abi-time-t.py" "$t/abi_time_t.c"
if ! diff -u "$root/buildsys/toolchain/abi_time_t.c" "$t/abi_time_t.c"; then
	echo "FAIL: buildsys/toolchain/abi_time_t.c is stale: run tools/gen-abi-time-t.py buildsys/toolchain/abi_time_t.c"
	exit 1
fi
n=$(grep -c '^	{"' "$t/abi_time_t.c")
for f in time stat fstat lstat fstatat clock_gettime gettimeofday nanosleep localtime gmtime mktime utime utimes utimensat; do
	grep -q "^	{\"$f\"," "$t/abi_time_t.c" || { echo "FAIL: $f missing from the table"; exit 1; }
done
echo "ok: table up to date ($n functions)"
