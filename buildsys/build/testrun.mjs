// The node side of `kiln test`: tests packages in the real Pyodide runtime, one
// request at a time. kiln embeds this file, writes it into the temporary index
// directory and runs `node testrun.mjs INDEXDIR`.
//
// Protocol (one JSON object per line):
//   fd 3 (to kiln):  {"ready": true, "seconds": S} once a Pyodide instance is up;
//                    {"name", "ok", "stage", "error", "output", "seconds", "tests"?} per request
//   stdin (from kiln): {"name", "load": [pkg...], "imports": [mod...], "script": str|null,
//                    "tests": {"load": [pkg...], "modules": [mod...], "pytest": bool}|null}
// stage is where the package stopped: "load", "import", "script", "tests" or "done".
// Packages accumulate in one instance; after a failure the instance is replaced by a
// fresh one (announced by a new "ready"). Hangs and crashes are kiln's business: it
// kills this process and starts another. The end of stdin is kiln's end: a reader
// thread, which keeps reading while Python runs (or hangs) on the main thread, kills
// the process as soon as kiln's end of the pipe closes, whether kiln exited or died.
import { writeSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

const index = process.argv[2].replace(/\/?$/, "/");
const { loadPyodide } = await import(pathToFileURL(join(index, "pyodide.mjs")).href);

let output = "";
const collect = (s) => { output += s + "\n"; };
// anything the runtime prints goes to the package's output, never to the protocol
console.log = console.info = console.warn = console.error = console.debug =
  (...a) => collect(a.join(" "));

function send(obj) {
  const line = JSON.stringify(obj) + "\n";
  writeSync(3, line);
}

const norm = (n) => n.toLowerCase().replace(/[-_.]+/g, "-");

let py = null;
async function fresh() {
  const t = performance.now();
  // stdin is the protocol: Python reading it gets end of file instead
  py = await loadPyodide({ indexURL: index, stdin: () => null, stdout: collect, stderr: collect });
  py.runPython(TESTS_PY);
  send({ ready: true, seconds: (performance.now() - t) / 1000 });
}

// Python helpers: each returns None or a traceback without the helper's own frames.
// The import system hides its own frames; a script may use top-level await.
// _kiln_tests is the pytest-free test runner: test_* functions with no required
// arguments and unittest.TestCase classes of each module; with pytest, pytest.main.
const TESTS_PY = `
def _kiln_tb(e):
    import traceback
    return "".join(traceback.format_exception(type(e), e, e.__traceback__.tb_next))

def _kiln_import(mod):
    try:
        __import__(mod)
    except BaseException as e:
        return _kiln_tb(e)

async def _kiln_script(src):
    import ast, inspect
    ns = {"__name__": "__main__"}
    try:
        code = compile(src, "<test.script>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        r = eval(code, ns)
        if inspect.iscoroutine(r):
            await r
    except BaseException as e:
        return _kiln_tb(e)

def _kiln_tests(modules, use_pytest):
    import importlib.util, inspect, os, sys, traceback, unittest
    passed = failed = skipped = 0
    if use_pytest:
        import pytest
        files = [importlib.util.find_spec(m).origin for m in modules]
        code = pytest.main(["-q", "-p", "no:cacheprovider", *files])
        return {"pytest": int(code), "passed": -1, "failed": 0 if code in (0, 5) else 1, "skipped": -1}
    for m in modules:
        try:
            # as pytest does, a test file's siblings are importable (helper modules)
            spec = importlib.util.find_spec(m)
            here = os.path.dirname(spec.origin) if spec and spec.origin else None
            if here and here not in sys.path:
                sys.path.append(here)
            __import__(m)
            mod = sys.modules[m]
        except ModuleNotFoundError as e:
            if e.name == "pytest" or "'pytest'" in str(e):
                print(f"skipped {m}: needs pytest")
                skipped += 1
            else:
                print(f"ERROR importing {m}: {traceback.format_exception_only(e)[-1].strip()}")
                failed += 1
            continue
        except Exception:
            print(f"ERROR importing {m}:\\n{traceback.format_exc()}")
            failed += 1
            continue
        for name, obj in sorted(vars(mod).items()):
            if getattr(obj, "__module__", None) != mod.__name__ or getattr(obj, "__test__", True) is False:
                continue
            if inspect.isclass(obj) and issubclass(obj, unittest.TestCase):
                r = unittest.TestResult()
                unittest.defaultTestLoader.loadTestsFromTestCase(obj).run(r)
                failed += len(r.failures) + len(r.errors)
                skipped += len(r.skipped)
                passed += r.testsRun - len(r.failures) - len(r.errors) - len(r.skipped)
                for t, tb in r.failures + r.errors:
                    print(f"FAILED {t.id()}:\\n{tb}")
                continue
            if not (name.startswith("test") and inspect.isfunction(obj)):
                continue
            params = inspect.signature(obj).parameters.values()
            if any(p.default is p.empty for p in params) or inspect.iscoroutinefunction(obj):
                skipped += 1
                continue
            try:
                obj()
                passed += 1
            except Exception as e:
                if type(e).__name__ in ("Skipped", "SkipTest"):
                    skipped += 1
                    continue
                failed += 1
                print(f"FAILED {m}.{name}:\\n{_kiln_tb(e)}")
    return {"passed": passed, "failed": failed, "skipped": skipped}
`;

function loaded(names) {
  const have = new Set(Object.keys(py.loadedPackages).map(norm));
  return names.filter((n) => !have.has(norm(n)));
}

function call(fn, ...args) {
  const f = py.globals.get(fn);
  try {
    return f(...args);
  } finally {
    f.destroy();
  }
}

class Failed extends Error {}
function failIf(tb) {
  if (tb !== undefined && tb !== null)
    throw new Failed(String(tb));
}

async function handle(req) {
  const t = performance.now();
  const res = { name: req.name, ok: false, stage: "load", error: null, output: "" };
  output = "";
  const errors = [];
  try {
    await py.loadPackage(req.load, { messageCallback: () => {}, errorCallback: (m) => errors.push(m) });
    const missing = loaded(req.load);
    if (missing.length || errors.length)
      throw new Error(`${missing.length ? `not loaded: ${missing.join(", ")}\n` : ""}${errors.join("\n")}`);
    res.stage = "import";
    for (const mod of req.imports)
      failIf(call("_kiln_import", mod));
    if (req.script !== null) {
      res.stage = "script";
      failIf(await call("_kiln_script", req.script));
    }
    if (req.tests) {
      res.stage = "tests";
      await py.loadPackage(req.tests.load, { messageCallback: () => {}, errorCallback: (m) => errors.push(m) });
      const missing = loaded(req.tests.load);
      if (missing.length || errors.length)
        throw new Error(`${missing.length ? `not loaded: ${missing.join(", ")}\n` : ""}${errors.join("\n")}`);
      const mods = py.toPy(req.tests.modules);
      const r = call("_kiln_tests", mods, req.tests.pytest);
      mods.destroy();
      res.tests = r.toJs({ dict_converter: Object.fromEntries });
      r.destroy();
      if (res.tests.failed) throw new Error(`${res.tests.failed} of the package's tests failed`);
    }
    res.stage = "done";
    res.ok = true;
  } catch (e) {
    res.error = String(e.message ?? e).trimEnd();
  }
  res.output = output;
  res.seconds = (performance.now() - t) / 1000;
  send(res);
  if (!res.ok)
    await fresh();
}

// stdin, line by line, in a thread of its own; its end kills the process. The thread
// reads a non-blocking description of the pipe of its own and naps between tries: a
// thread blocked in read(2) would keep node from exiting when the main thread dies.
const READER = `
const { openSync, readSync, constants } = require("node:fs");
const { StringDecoder } = require("node:string_decoder");
const { parentPort } = require("node:worker_threads");
const fd = openSync("/proc/self/fd/0", constants.O_RDONLY | constants.O_NONBLOCK);
const chunk = Buffer.alloc(65536), text = new StringDecoder("utf8");
const nap = new Int32Array(new SharedArrayBuffer(4));
let rest = "";
for (;;) {
  let n = 0;
  try {
    n = readSync(fd, chunk, 0, chunk.length, null);
  } catch (e) {
    if (e.code === "EAGAIN" || e.code === "EINTR") {
      Atomics.wait(nap, 0, 0, 50);
      continue;
    }
  }
  if (n <= 0) break;
  const lines = (rest + text.write(chunk.subarray(0, n))).split("\\n");
  rest = lines.pop();
  for (const line of lines) parentPort.postMessage(line);
}
process.kill(process.pid, "SIGKILL");
`;
const requests = [];
let wake = null;
new Worker(READER, { eval: true }).on("message", (line) => {
  requests.push(line);
  if (wake) wake();
});

await fresh();
for (;;) {
  while (!requests.length)
    await new Promise((resolve) => { wake = resolve; });
  wake = null;
  const line = requests.shift();
  if (line.trim())
    await handle(JSON.parse(line));
}
