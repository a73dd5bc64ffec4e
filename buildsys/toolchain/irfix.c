/* kiln-irfix: retarget flang's i386 LLVM IR to wasm32-unknown-emscripten and
 * apply the fix-ups that make it link against the wasm32 Fortran runtime.
 * A separate executable so that libLLVM never loads into kiln itself. */
#include <llvm-c/Analysis.h>
#include <llvm-c/BitWriter.h>
#include <llvm-c/Comdat.h>
#include <llvm-c/Core.h>
#include <llvm-c/IRReader.h>
#include <llvm-c/Target.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"

#define WASM32_DATALAYOUT "e-m:e-p:32:32-p10:8:8-p20:8:8-i64:64-n32:64-S128-ni:1:10:20"
#define WASM32_TRIPLE "wasm32-unknown-emscripten"
#define C4_SHIM_PREFIX "__kiln_c4_"

enum fixup {
	FIX_TARGET_ATTRS,
	FIX_COMMON,
	FIX_C_PTR,
	FIX_COMPLEX4,
	FIX_SIZE_T,
	FIX_COUNT,
};

static const char *const fixup_names[FIX_COUNT] = {
	[FIX_TARGET_ATTRS] = "target-attrs",
	[FIX_COMMON] = "common",
	[FIX_C_PTR] = "c-ptr",
	[FIX_COMPLEX4] = "complex4",
	[FIX_SIZE_T] = "size-t",
};

struct sig {
	char *name;
	char *params, *results;
};

struct sigtab {
	struct sig *v;
	size_t n, cap;
};

struct fix {
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMTargetDataRef td;
	struct sigtab sigs;
	unsigned changed[FIX_COUNT];
};

static int sig_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sig *)a)->name, ((const struct sig *)b)->name);
}

static bool sigtab_load(struct sigtab *t, const char *path)
{
	char *text = read_file(path, NULL);
	if (!text) {
		log_err("cannot read signature table %s: %s", path, strerror(errno));
		return false;
	}
	size_t lineno = 0;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (*line == '#' || *line == '\0')
			continue;
		char *p = strchr(line, '\t'), *r = p ? strchr(p + 1, '\t') : NULL;
		if (!r) {
			log_err("%s:%zu: expected NAME<TAB>PARAMS<TAB>RESULTS", path, lineno);
			free(text);
			return false;
		}
		*p++ = '\0';
		*r++ = '\0';
		t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
		t->v[t->n++] = (struct sig){
			xstrdup(line),
			xstrdup(strcmp(p, "-") ? p : ""),
			xstrdup(strcmp(r, "-") ? r : ""),
		};
	}
	free(text);
	qsort(t->v, t->n, sizeof(*t->v), sig_cmp);
	return true;
}

static const struct sig *sigtab_find(const struct sigtab *t, const char *name)
{
	struct sig key = {.name = (char *)(uintptr_t)name};
	return t->n ? bsearch(&key, t->v, t->n, sizeof(*t->v), sig_cmp) : NULL;
}

static void sigtab_free(struct sigtab *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].params);
		free(t->v[i].results);
	}
	free(t->v);
}

/* the wasm value type an IR type lowers to: i I f F, or 0 when not a scalar */
static char wasm_valtype(LLVMTypeRef t)
{
	switch (LLVMGetTypeKind(t)) {
	case LLVMPointerTypeKind:
		return 'i';
	case LLVMIntegerTypeKind: {
		unsigned w = LLVMGetIntTypeWidth(t);
		return w <= 32 ? 'i' : w == 64 ? 'I' : 0;
	}
	case LLVMFloatTypeKind:
		return 'f';
	case LLVMDoubleTypeKind:
		return 'F';
	default:
		return 0;
	}
}

/* Fix-up 1: flang tags every function with the i386 CPU and features. */
static void fix_target_attrs(struct fix *fx)
{
	static const char *const keys[] = {"target-cpu", "target-features", "tune-cpu"};
	for (LLVMValueRef f = LLVMGetFirstFunction(fx->mod); f; f = LLVMGetNextFunction(f)) {
		for (size_t k = 0; k < ARRAY_LEN(keys); k++) {
			unsigned len = (unsigned)strlen(keys[k]);
			if (LLVMGetStringAttributeAtIndex(f, LLVMAttributeFunctionIndex, keys[k], len)) {
				LLVMRemoveStringAttributeAtIndex(f, LLVMAttributeFunctionIndex, keys[k], len);
				fx->changed[FIX_TARGET_ATTRS]++;
			}
		}
		for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(f); bb; bb = LLVMGetNextBasicBlock(bb))
			for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i)) {
				if (!LLVMIsACallInst(i))
					continue;
				for (size_t k = 0; k < ARRAY_LEN(keys); k++) {
					unsigned len = (unsigned)strlen(keys[k]);
					if (LLVMGetCallSiteStringAttribute(i, LLVMAttributeFunctionIndex, keys[k], len)) {
						LLVMRemoveCallSiteStringAttribute(i, LLVMAttributeFunctionIndex, keys[k], len);
						fx->changed[FIX_TARGET_ATTRS]++;
					}
				}
			}
	}
}

/* Fix-up 2: wasm objects have no common symbols; COMMON blocks become weak definitions. */
static void fix_common(struct fix *fx)
{
	for (LLVMValueRef g = LLVMGetFirstGlobal(fx->mod); g; g = LLVMGetNextGlobal(g))
		if (LLVMGetLinkage(g) == LLVMCommonLinkage) {
			LLVMSetLinkage(g, LLVMWeakAnyLinkage);
			fx->changed[FIX_COMMON]++;
		}
}

static bool is_c_ptr_type(LLVMTypeRef t)
{
	if (LLVMGetTypeKind(t) != LLVMStructTypeKind)
		return false;
	const char *n = LLVMGetStructName(t);
	return n && (str_endswith(n, "T__builtin_c_ptr") || str_endswith(n, "T__builtin_c_funptr"));
}

/* the type with every C_PTR/C_FUNPTR slot as { ptr, i32 }, or NULL if t has none */
static LLVMTypeRef c_ptr_map_type(struct fix *fx, LLVMTypeRef t)
{
	if (is_c_ptr_type(t)) {
		LLVMTypeRef el[2] = {LLVMPointerTypeInContext(fx->ctx, 0), LLVMInt32TypeInContext(fx->ctx)};
		return LLVMStructTypeInContext(fx->ctx, el, 2, 0);
	}
	switch (LLVMGetTypeKind(t)) {
	case LLVMArrayTypeKind: {
		LLVMTypeRef e = c_ptr_map_type(fx, LLVMGetElementType(t));
		return e ? LLVMArrayType2(e, LLVMGetArrayLength2(t)) : NULL;
	}
	case LLVMStructTypeKind: {
		unsigned n = LLVMCountStructElementTypes(t);
		LLVMTypeRef *el = xcalloc(n ? n : 1, sizeof(*el));
		bool any = false;
		for (unsigned i = 0; i < n; i++) {
			LLVMTypeRef o = LLVMStructGetTypeAtIndex(t, i), m = c_ptr_map_type(fx, o);
			el[i] = m ? m : o;
			any |= m != NULL;
		}
		LLVMTypeRef r = any ? LLVMStructTypeInContext(fx->ctx, el, n, LLVMIsPackedStruct(t)) : NULL;
		free(el);
		return r;
	}
	default:
		return NULL;
	}
}

/* true when old and new lay their fields out at the same offsets */
static bool same_layout(struct fix *fx, LLVMTypeRef a, LLVMTypeRef b)
{
	if (LLVMABISizeOfType(fx->td, a) != LLVMABISizeOfType(fx->td, b))
		return false;
	if (is_c_ptr_type(a))
		return true;
	if (LLVMGetTypeKind(a) == LLVMArrayTypeKind)
		return same_layout(fx, LLVMGetElementType(a), LLVMGetElementType(b));
	if (LLVMGetTypeKind(a) == LLVMStructTypeKind)
		for (unsigned i = 0; i < LLVMCountStructElementTypes(a); i++)
			if (LLVMOffsetOfElement(fx->td, a, i) != LLVMOffsetOfElement(fx->td, b, i) ||
			    !same_layout(fx, LLVMStructGetTypeAtIndex(a, i), LLVMStructGetTypeAtIndex(b, i)))
				return false;
	return true;
}

static LLVMValueRef c_ptr_map_const(struct fix *fx, LLVMValueRef c, LLVMTypeRef from, LLVMTypeRef to)
{
	if (LLVMIsNull(c))
		return LLVMConstNull(to);
	if (LLVMIsUndef(c) || LLVMIsPoison(c))
		return LLVMGetUndef(to);
	if (is_c_ptr_type(from)) {
		LLVMValueRef v = LLVMGetAggregateElement(c, 0), p;
		LLVMTypeRef ptr = LLVMPointerTypeInContext(fx->ctx, 0), i32 = LLVMInt32TypeInContext(fx->ctx);
		if (!v)
			return NULL;
		if (LLVMIsAConstantExpr(v) && LLVMGetConstOpcode(v) == LLVMPtrToInt)
			p = LLVMGetOperand(v, 0);
		else if (LLVMIsAConstantInt(v))
			p = LLVMConstIntToPtr(LLVMConstInt(i32, LLVMConstIntGetZExtValue(v), 0), ptr);
		else
			return NULL;
		LLVMValueRef el[2] = {p, LLVMConstNull(i32)};
		return LLVMConstStructInContext(fx->ctx, el, 2, 0);
	}
	bool array = LLVMGetTypeKind(from) == LLVMArrayTypeKind;
	unsigned n = array ? (unsigned)LLVMGetArrayLength2(from) : LLVMCountStructElementTypes(from);
	LLVMValueRef *el = xcalloc(n ? n : 1, sizeof(*el)), r = NULL;
	for (unsigned i = 0; i < n; i++) {
		LLVMValueRef e = LLVMGetAggregateElement(c, i);
		LLVMTypeRef ft = array ? LLVMGetElementType(from) : LLVMStructGetTypeAtIndex(from, i);
		LLVMTypeRef tt = array ? LLVMGetElementType(to) : LLVMStructGetTypeAtIndex(to, i);
		if (!e)
			goto out;
		el[i] = ft == tt ? e : c_ptr_map_const(fx, e, ft, tt);
		if (!el[i])
			goto out;
	}
	r = array ? LLVMConstArray2(LLVMGetElementType(to), el, n)
		  : LLVMConstStructInContext(fx->ctx, el, n, LLVMIsPackedStruct(to));
out:
	free(el);
	return r;
}

/* Fix-up 5: flang's C_PTR/C_FUNPTR is { i64 } (the host model); static
 * initialisers holding ptrtoint to i64 cannot be relocated on wasm32. */
static bool fix_c_ptr(struct fix *fx)
{
	LLVMValueRef next;
	for (LLVMValueRef g = LLVMGetFirstGlobal(fx->mod); g; g = next) {
		next = LLVMGetNextGlobal(g);
		LLVMTypeRef from = LLVMGlobalGetValueType(g), to = c_ptr_map_type(fx, from);
		LLVMValueRef init = LLVMGetInitializer(g);
		if (!to || !init)
			continue;
		size_t len;
		char *name = xstrdup(LLVMGetValueName2(g, &len));
		if (!same_layout(fx, from, to)) {
			log_err("c-ptr fix-up: %s would change its layout", name);
			free(name);
			return false;
		}
		LLVMValueRef ninit = c_ptr_map_const(fx, init, from, to);
		if (!ninit) {
			log_err("c-ptr fix-up: cannot rewrite the initialiser of %s", name);
			free(name);
			return false;
		}
		LLVMValueRef ng = LLVMAddGlobal(fx->mod, to, "");
		LLVMSetInitializer(ng, ninit);
		LLVMSetLinkage(ng, LLVMGetLinkage(g));
		LLVMSetVisibility(ng, LLVMGetVisibility(g));
		LLVMSetGlobalConstant(ng, LLVMIsGlobalConstant(g));
		LLVMSetThreadLocal(ng, LLVMIsThreadLocal(g));
		LLVMSetAlignment(ng, LLVMGetAlignment(g));
		LLVMSetUnnamedAddress(ng, LLVMGetUnnamedAddress(g));
		if (LLVMGetSection(g))
			LLVMSetSection(ng, LLVMGetSection(g));
		if (LLVMGetComdat(g))
			LLVMSetComdat(ng, LLVMGetComdat(g));
		LLVMReplaceAllUsesWith(g, ng);
		LLVMDeleteGlobal(g);
		LLVMSetValueName2(ng, name, strlen(name));
		free(name);
		fx->changed[FIX_C_PTR]++;
	}
	return true;
}

/* Fix-up 4: i386 returns COMPLEX(4) packed in an i64, wasm32 C through sret;
 * calls go to the runtime's shims that keep the i386 convention. */
static void fix_complex4(struct fix *fx)
{
	for (LLVMValueRef f = LLVMGetFirstFunction(fx->mod); f; f = LLVMGetNextFunction(f)) {
		if (!LLVMIsDeclaration(f))
			continue;
		LLVMTypeRef ret = LLVMGetReturnType(LLVMGlobalGetValueType(f));
		if (wasm_valtype(ret) != 'I')
			continue;
		size_t len;
		const char *name = LLVMGetValueName2(f, &len);
		char *shim = xasprintf(C4_SHIM_PREFIX "%s", name);
		if (sigtab_find(&fx->sigs, shim) && !LLVMGetNamedFunction(fx->mod, shim)) {
			LLVMSetValueName2(f, shim, strlen(shim));
			fx->changed[FIX_COMPLEX4]++;
		}
		free(shim);
	}
}

static void copy_attrs(LLVMValueRef from, LLVMValueRef to, LLVMAttributeIndex idx)
{
	unsigned n = LLVMGetAttributeCountAtIndex(from, idx);
	if (!n)
		return;
	LLVMAttributeRef *a = xcalloc(n, sizeof(*a));
	LLVMGetAttributesAtIndex(from, idx, a);
	for (unsigned i = 0; i < n; i++)
		LLVMAddAttributeAtIndex(to, idx, a[i]);
	free(a);
}

/* rewrite declaration f to the narrowed type and every call to it */
static void narrow_function(struct fix *fx, LLVMValueRef f, LLVMTypeRef nty, const bool *narrow, bool narrow_ret)
{
	size_t len;
	char *name = xstrdup(LLVMGetValueName2(f, &len));
	LLVMTypeRef oty = LLVMGlobalGetValueType(f);
	unsigned np = LLVMCountParamTypes(oty);
	LLVMValueRef nf = LLVMAddFunction(fx->mod, "", nty);
	LLVMSetFunctionCallConv(nf, LLVMGetFunctionCallConv(f));
	copy_attrs(f, nf, LLVMAttributeFunctionIndex);
	for (unsigned i = 0; i < np; i++)
		if (!narrow[i])
			copy_attrs(f, nf, i + 1);
	if (!narrow_ret)
		copy_attrs(f, nf, LLVMAttributeReturnIndex);
	LLVMBuilderRef b = LLVMCreateBuilderInContext(fx->ctx);
	LLVMTypeRef i32 = LLVMInt32TypeInContext(fx->ctx), i64 = LLVMInt64TypeInContext(fx->ctx);
	LLVMValueRef *args = xcalloc(np ? np : 1, sizeof(*args));
	LLVMUseRef u;
	while ((u = LLVMGetFirstUse(f))) {
		LLVMValueRef user = LLVMGetUser(u);
		if (!LLVMIsACallInst(user) || LLVMGetCalledValue(user) != f) {
			/* address taken: the new declaration has the wasm32 type */
			for (unsigned k = 0, n = (unsigned)LLVMGetNumOperands(user); k < n; k++)
				if (LLVMGetOperand(user, k) == f)
					LLVMSetOperand(user, k, nf);
			continue;
		}
		LLVMPositionBuilderBefore(b, user);
		for (unsigned i = 0; i < np; i++) {
			args[i] = LLVMGetOperand(user, i);
			if (narrow[i])
				args[i] = LLVMBuildTrunc(b, args[i], i32, "");
		}
		LLVMValueRef call = LLVMBuildCall2(b, nty, nf, args, np, "");
		LLVMSetInstructionCallConv(call, LLVMGetInstructionCallConv(user));
		LLVMSetTailCall(call, LLVMIsTailCall(user));
		LLVMValueRef res = narrow_ret ? LLVMBuildZExt(b, call, i64, "") : call;
		if (LLVMGetTypeKind(LLVMGetReturnType(nty)) != LLVMVoidTypeKind)
			LLVMReplaceAllUsesWith(user, res);
		LLVMInstructionEraseFromParent(user);
	}
	free(args);
	LLVMDisposeBuilder(b);
	LLVMDeleteFunction(f);
	LLVMSetValueName2(nf, name, strlen(name));
	free(name);
}

/* Fix-up 3: runtime and libc calls carry the host's 64-bit size_t; narrow
 * them to the signatures the wasm32 runtime objects define or import. */
static void fix_size_t(struct fix *fx)
{
	LLVMValueRef next;
	for (LLVMValueRef f = LLVMGetFirstFunction(fx->mod); f; f = next) {
		next = LLVMGetNextFunction(f);
		if (!LLVMIsDeclaration(f) || LLVMGetIntrinsicID(f))
			continue;
		size_t len;
		const struct sig *s = sigtab_find(&fx->sigs, LLVMGetValueName2(f, &len));
		if (!s)
			continue;
		LLVMTypeRef ty = LLVMGlobalGetValueType(f), ret = LLVMGetReturnType(ty);
		unsigned np = LLVMCountParamTypes(ty);
		if (LLVMIsFunctionVarArg(ty) || np != strlen(s->params))
			continue;
		bool void_ret = LLVMGetTypeKind(ret) == LLVMVoidTypeKind;
		if ((void_ret ? 0 : 1) != strlen(s->results))
			continue;
		LLVMTypeRef *pt = xcalloc(np ? np : 1, sizeof(*pt));
		bool *narrow = xcalloc(np ? np : 1, sizeof(*narrow)), narrow_ret = false, any = false, ok = true;
		LLVMGetParamTypes(ty, pt);
		for (unsigned i = 0; i < np && ok; i++) {
			char w = wasm_valtype(pt[i]);
			if (w == 'I' && s->params[i] == 'i') {
				narrow[i] = any = true;
				pt[i] = LLVMInt32TypeInContext(fx->ctx);
			} else if (w != s->params[i]) {
				ok = false;
			}
		}
		if (!void_ret) {
			char w = wasm_valtype(ret);
			if (w == 'I' && s->results[0] == 'i') {
				narrow_ret = any = true;
				ret = LLVMInt32TypeInContext(fx->ctx);
			} else if (w != s->results[0]) {
				ok = false;
			}
		}
		if (ok && any) {
			narrow_function(fx, f, LLVMFunctionType(ret, pt, np, 0), narrow, narrow_ret);
			fx->changed[FIX_SIZE_T]++;
		}
		free(pt);
		free(narrow);
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: kiln-irfix [--sigs FILE] [--no-FIXUP]... [-S] [-v] IN -o OUT\n"
			"fix-ups: target-attrs common c-ptr complex4 size-t\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *in = NULL, *out = NULL, *sigs = NULL;
	bool enabled[FIX_COUNT], text = false, verbose = false;
	for (int i = 0; i < FIX_COUNT; i++)
		enabled[i] = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-o") == 0 && i + 1 < argc) {
			out = argv[++i];
		} else if (strcmp(a, "--sigs") == 0 && i + 1 < argc) {
			sigs = argv[++i];
		} else if (strcmp(a, "-S") == 0) {
			text = true;
		} else if (strcmp(a, "-v") == 0) {
			verbose = true;
		} else if (str_startswith(a, "--no-")) {
			int k = 0;
			while (k < FIX_COUNT && strcmp(a + 5, fixup_names[k]))
				k++;
			if (k == FIX_COUNT) {
				fprintf(stderr, "kiln-irfix: unknown fix-up '%s'\n", a + 5);
				return usage();
			}
			enabled[k] = false;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "kiln-irfix: unknown option '%s'\n", a);
			return usage();
		} else if (!in) {
			in = a;
		} else {
			return usage();
		}
	}
	if (!in || !out)
		return usage();

	int rc = 1;
	char *msg = NULL;
	struct fix fx = {.ctx = LLVMContextCreate()};
	LLVMMemoryBufferRef mb = NULL;
	if (LLVMCreateMemoryBufferWithContentsOfFile(in, &mb, &msg)) {
		log_err("%s: %s", in, msg);
		goto out;
	}
	if (LLVMParseIRInContext(fx.ctx, mb, &fx.mod, &msg)) {
		log_err("%s: %s", in, msg);
		goto out;
	}
	if (sigs && !sigtab_load(&fx.sigs, sigs))
		goto out;
	LLVMSetDataLayout(fx.mod, WASM32_DATALAYOUT);
	LLVMSetTarget(fx.mod, WASM32_TRIPLE);
	fx.td = LLVMGetModuleDataLayout(fx.mod);
	if (enabled[FIX_TARGET_ATTRS])
		fix_target_attrs(&fx);
	if (enabled[FIX_COMMON])
		fix_common(&fx);
	if (enabled[FIX_C_PTR] && !fix_c_ptr(&fx))
		goto out;
	if (enabled[FIX_COMPLEX4])
		fix_complex4(&fx);
	if (enabled[FIX_SIZE_T])
		fix_size_t(&fx);
	if (LLVMVerifyModule(fx.mod, LLVMReturnStatusAction, &msg)) {
		log_err("%s: invalid IR after the fix-ups: %s", in, msg);
		goto out;
	}
	if (verbose)
		for (int k = 0; k < FIX_COUNT; k++)
			fprintf(stderr, "kiln-irfix: %s: %u\n", fixup_names[k], fx.changed[k]);
	if (text ? LLVMPrintModuleToFile(fx.mod, out, &msg) != 0 : LLVMWriteBitcodeToFile(fx.mod, out) != 0) {
		log_err("cannot write %s%s%s", out, msg ? ": " : "", msg ? msg : "");
		goto out;
	}
	rc = 0;
out:
	if (msg)
		LLVMDisposeMessage(msg);
	if (fx.mod)
		LLVMDisposeModule(fx.mod);
	LLVMContextDispose(fx.ctx);
	sigtab_free(&fx.sigs);
	return rc;
}
