// Time kbench() of a side module inside the real Pyodide runtime under node.
//   node run.mjs PYODIDE_DIR MODULE.so N REPS   -> "seconds-per-dgemm c0"
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [dir, so, n, reps] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(path.join(dir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: dir + "/" });
const M = pyodide._module;
const target = "/lib/" + path.basename(so);
pyodide.FS.writeFile(target, readFileSync(so));
await M.loadDynamicLibrary(target, { global: true, nodelete: true, loadAsync: true, fs: M.FS });
const lib = M.LDSO.loadedLibsByName[target].exports;
lib.kbench(Number(n), 1);
const t0 = performance.now();
const v = lib.kbench(Number(n), Number(reps));
const t1 = performance.now();
console.log(`${(t1 - t0) / 1000 / Number(reps)} ${v}`);
