// Load packages into the real Pyodide runtime under node and report as JSON.
//
//   node run.mjs --index DIR [--package NAME]... [--import MODULE]... [--code PYTHON]...
//
// DIR is a Pyodide distribution (pyodide.mjs, pyodide-lock.json, the package files).
// Packages are loaded through the lockfile with loadPackage (dependencies included),
// then each module is imported and each code snippet run (its last expression is
// the result). Prints one JSON object:
//   {"ok", "loaded": {name: channel}, "packages": {name: {"ok", "error"?}},
//    "imports": {module: {"ok", "file"?, "error"?}}, "code": [{"ok", "result"?, "error"?}],
//    "stdout", "stderr", "messages", "errors"}
// Exit status 0 when everything succeeded, 1 otherwise, 2 on bad arguments.
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

function parseArgs(argv) {
  const opts = { index: null, packages: [], imports: [], code: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${a} needs a value`);
    if (a === "--index") opts.index = v;
    else if (a === "--package") opts.packages.push(v);
    else if (a === "--import") opts.imports.push(v);
    else if (a === "--code") opts.code.push(v);
    else throw new Error(`unknown argument ${a}`);
    i++;
  }
  if (!opts.index) throw new Error("--index DIR is required");
  return opts;
}

// the exception line of a Python traceback ("ModuleNotFoundError: ..."), else the last line
function pyError(e) {
  const lines = String(e.message ?? e).trim().split("\n");
  const exc = lines.filter((l) => /^[A-Za-z_.]*(Error|Exception|Exit|Interrupt)\b/.test(l));
  return exc.length ? exc[exc.length - 1] : lines[lines.length - 1];
}

function show(value) {
  if (value === undefined || value === null) return null;
  if (typeof value === "object" && typeof value.toJs === "function") {
    const js = value.toJs({ dict_converter: Object.fromEntries });
    value.destroy();
    return js;
  }
  return value;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`run.mjs: ${e.message}\n`);
    process.exit(2);
  }
  const dir = resolve(opts.index) + "/";
  const out = { ok: true, loaded: {}, packages: {}, imports: {}, code: [],
    stdout: "", stderr: "", messages: [], errors: [] };
  const { loadPyodide } = await import(pathToFileURL(join(dir, "pyodide.mjs")).href);
  const pyodide = await loadPyodide({
    indexURL: dir,
    stdout: (s) => { out.stdout += s + "\n"; },
    stderr: (s) => { out.stderr += s + "\n"; },
  });
  if (opts.packages.length) {
    try {
      await pyodide.loadPackage(opts.packages, {
        messageCallback: (m) => out.messages.push(m),
        errorCallback: (m) => out.errors.push(m),
      });
    } catch (e) {
      out.errors.push(String(e));
    }
  }
  out.loaded = Object.fromEntries(Object.entries(pyodide.loadedPackages));
  for (const name of opts.packages) {
    const norm = name.toLowerCase().replace(/[-_.]+/g, "-");
    const ok = Object.keys(out.loaded).some(
      (k) => k.toLowerCase().replace(/[-_.]+/g, "-") === norm);
    out.packages[name] = ok ? { ok } : { ok, error: "not loaded" };
    out.ok &&= ok;
  }
  for (const mod of opts.imports) {
    try {
      const file = pyodide.runPython(
        `import importlib\nm = importlib.import_module(${JSON.stringify(mod)})\n` +
        `getattr(m, "__file__", None)`);
      out.imports[mod] = { ok: true, file: show(file) };
    } catch (e) {
      out.imports[mod] = { ok: false, error: pyError(e) };
      out.ok = false;
    }
  }
  for (const code of opts.code) {
    try {
      out.code.push({ ok: true, result: show(pyodide.runPython(code)) });
    } catch (e) {
      out.code.push({ ok: false, error: pyError(e) });
      out.ok = false;
    }
  }
  process.stdout.write(JSON.stringify(out) + "\n");
  process.exit(out.ok ? 0 : 1);
}

main().catch((e) => {
  process.stderr.write(`run.mjs: ${e.stack ?? e}\n`);
  process.exit(1);
});
