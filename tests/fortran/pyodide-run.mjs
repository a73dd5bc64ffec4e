// Load a Fortran side module into the real Pyodide runtime under node and
// call it from JS.
//   node pyodide-run.mjs PYODIDE_DIR MODULE.so kernels   -> bit patterns of KDOT/KAXPY/KGEMM
//   node pyodide-run.mjs PYODIDE_DIR MODULE.so features  -> what run_features() prints on unit 6
//   node pyodide-run.mjs PYODIDE_DIR MODULE.so call NAME -> the value NAME() returns
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [dir, so, mode] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(dir, "pyodide.mjs")).href);
const lines = [];
const pyodide = await loadPyodide({
  indexURL: dir + "/",
  stdout: (l) => lines.push(l),
  stderr: (l) => process.stderr.write(l + "\n"),
});
const M = pyodide._module;
const target = "/lib/" + path.basename(so);
pyodide.FS.writeFile(target, readFileSync(so));
await M.loadDynamicLibrary(target, { global: true, nodelete: true, loadAsync: true, fs: M.FS });
const lib = M.LDSO.loadedLibsByName[target].exports;

function hex(v) {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v);
  return dv.getBigUint64(0).toString(16).toUpperCase().padStart(16, "0");
}

// the main module's allocator (Pyodide exports no _malloc)
const malloc = (n) => M._PyMem_Malloc(n);

function doubles(values) {
  const p = malloc(8 * values.length);
  M.HEAPF64.set(values, p / 8);
  return p;
}

function int(v) {
  const p = malloc(4);
  M.HEAP32[p / 4] = v;
  return p;
}

if (mode === "kernels") {
  const n = 37, m = 7, k = 5, nn = 6;
  const x = [], y = [];
  for (let i = 1; i <= n; i++) {
    x.push(((i * 7) % 13 - 6) / 3);
    y.push(((i * 5) % 11 - 5) / 7);
  }
  const px = doubles(x), py = doubles(y), pn = int(n);
  const out = [hex(lib.kdot_(pn, px, py))];
  lib.kaxpy_(pn, doubles([1 / 3]), px, py);
  for (let i = 0; i < n; i++) out.push(hex(M.HEAPF64[py / 8 + i]));
  const a = [], b = [], c = [];
  for (let j = 1; j <= k; j++) for (let i = 1; i <= m; i++) a.push((i - 2 * j) / 9);
  for (let j = 1; j <= nn; j++) for (let i = 1; i <= k; i++) b.push((3 * i + j) / 11);
  for (let j = 1; j <= nn; j++) for (let i = 1; i <= m; i++) c.push((i * j) / 13);
  const pc = doubles(c);
  lib.kgemm_(int(m), int(nn), int(k), doubles([0.7]), doubles(a), int(m), doubles(b), int(k),
    doubles([0.3]), pc, int(m));
  for (let i = 0; i < m * nn; i++) out.push(hex(M.HEAPF64[pc / 8 + i]));
  console.log(out.join("\n"));
} else if (mode === "features") {
  lib.run_features();
  console.log(lines.join("\n"));
} else if (mode === "call") {
  console.log(lib[process.argv[5]]());
} else {
  throw new Error("unknown mode " + mode);
}
