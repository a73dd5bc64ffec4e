#!/usr/bin/env bash
# Object-level tests of the Fortran driver and of each kiln-irfix fix-up: every
# fix-up is shown to be needed (disabled: the failure it exists for) and to
# work (enabled: success). Usage: fixups.sh KILN SRCDIR
set -u
kiln=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$kiln" "$work/gfortran"
fc=$work/gfortran
cd "$work" || exit 1
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; for f in "$@"; do sed 's/^/  | /' "$f" | head -20; done; }
nm() { llvm-nm-19 "$@"; }

# the runtime first (built once into the shared cache; later steps reuse it)
"$fc" -c "$src/kernels.f" -o warm.o 2>warm.err || { bad "runtime build" warm.err; echo "$pass passed, $fail failed"; exit 1; }

# 1. target-attrs: the i386 target-cpu would reach llc
if KILN_IRFIX_DISABLE=target-attrs "$fc" -O2 -c "$src/kernels.f" -o k1.o 2>k1.err && grep -q "not a recognized processor" k1.err; then
	ok "target-attrs disabled: llc warns about the i386 CPU"
else bad "target-attrs disabled" k1.err; fi
if "$fc" -O2 -c "$src/kernels.f" -o k2.o 2>k2.err && [ ! -s k2.err ]; then
	ok "target-attrs enabled: silent compile"
else bad "target-attrs enabled" k2.err; fi

# 2. common: COMMON blocks silently become undefined symbols
KILN_IRFIX_DISABLE=common "$fc" -c "$src/common.f" -o c1.o 2>c1.err
if nm c1.o | grep -q ' U cnt_$'; then ok "common disabled: cnt_ undefined"; else bad "common disabled" c1.err; nm c1.o; fi
"$fc" -c "$src/common.f" -o c2.o 2>c2.err
if nm c2.o | grep -q ' [WDB] cnt_$'; then ok "common enabled: cnt_ defined (weak)"; else bad "common enabled" c2.err; nm c2.o; fi

# 3. c-ptr: type information with C_FUNPTRs (finalizer) must be relocatable
if ! KILN_IRFIX_DISABLE=c-ptr "$fc" -c "$src/cptr.f90" -o p1.o >p1.err 2>&1 &&
	grep -q "Unsupported expression in static initializer" p1.err; then
	ok "c-ptr disabled: llc cannot emit the type information"
else bad "c-ptr disabled" p1.err; fi
if "$fc" -c "$src/cptr.f90" -o p2.o 2>p2.err && "$fc" -shared p2.o -o p2.so 2>p2l.err; then
	ok "c-ptr enabled: compiles and links"
else bad "c-ptr enabled" p2.err p2l.err; fi

# 4. complex4: COMPLEX(4) results packed in i64 vs sret
KILN_IRFIX_DISABLE=complex4 "$fc" -c "$src/cplx.f90" -o x1.o 2>x1.err
if ! "$fc" -shared x1.o -o x1.so >x1l.err 2>&1 && grep -q "signature mismatch" x1l.err; then
	ok "complex4 disabled: link fails on a signature mismatch"
else bad "complex4 disabled" x1.err x1l.err; fi
if "$fc" -c "$src/cplx.f90" -o x2.o 2>x2.err && "$fc" -shared x2.o -o x2.so 2>x2l.err &&
	nm x2.o | grep -q ' U __kiln_c4_csqrtf$'; then
	ok "complex4 enabled: calls go to the shims, link succeeds"
else bad "complex4 enabled" x2.err x2l.err; fi

# 5. size-t: runtime calls declared with a 64-bit size_t
KILN_IRFIX_DISABLE=size-t "$fc" -c "$src/io.f90" -o s1.o 2>s1.err
if ! "$fc" -shared s1.o -o s1.so >s1l.err 2>&1 && grep -q "signature mismatch" s1l.err; then
	ok "size-t disabled: link fails on a signature mismatch"
else bad "size-t disabled" s1.err s1l.err; fi
if "$fc" -c "$src/io.f90" -o s2.o 2>s2.err && "$fc" -shared s2.o -o s2.so 2>s2l.err; then
	ok "size-t enabled: links under --fatal-warnings"
else bad "size-t enabled" s2.err s2l.err; fi

# fixed and free form, preprocessing with -D, -O levels
for o in -O0 -O1 -O2 -O3; do
	if "$fc" $o -c "$src/kernels.f" -o "f$o.o" 2>f.err && nm "f$o.o" | grep -q ' T kgemm_$'; then
		ok "fixed form $o"
	else bad "fixed form $o" f.err; fi
done
if "$fc" -c "$src/pp.F90" -o pp1.o 2>pp.err && nm pp1.o | grep -q ' T plain$' &&
	"$fc" -DKILN_FLAVOUR -c "$src/pp.F90" -o pp2.o 2>>pp.err && nm pp2.o | grep -q ' T flavoured$'; then
	ok "preprocessed free form with -D"
else bad "preprocessed free form" pp.err; fi
if "$fc" -E -DKILN_FLAVOUR "$src/pp.F90" >pp.i 2>pp.err && grep -q "flavoured" pp.i && ! grep -q "#ifdef" pp.i; then
	ok "-E preprocesses to stdout"
else bad "-E" pp.err pp.i; fi

# modules: -J writes .mod files where users of the module find them with -I
mkdir -p mods
if "$fc" -J mods -c "$src/features.f90" -o feat.o 2>m1.err && [ -f mods/shapes.mod ] &&
	"$fc" -I mods -c "$src/features_main.f90" -o main.o 2>m2.err && [ ! -e shapes.mod ]; then
	ok "modules with -J and -I"
else bad "modules" m1.err m2.err; fi
if "$fc" -c "$src/features_main.f90" -o main2.o >m3.err 2>&1; then
	bad "module not found without -I" m3.err
else ok "a missing module is an error"; fi

# link: one side module with an explicit export list and the runtime
if "$fc" -shared feat.o "$src/kernels.f" -o both.so 2>l.err && [ -s both.so ]; then
	ok "side module from an object and a source"
else bad "side module" l.err; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
