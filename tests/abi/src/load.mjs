// node load.mjs PYODIDE_DIR MODULE.so FUNCTION ARG: load a side module into the
// real Pyodide runtime, call FUNCTION(ARG) (a C string function) and print the
// returned string.
import { readFileSync } from "fs";
import { pathToFileURL } from "url";

const [dir, so, fn, arg] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(dir + "/pyodide.mjs").href);
const py = await loadPyodide({ indexURL: dir + "/" });
const M = py._module;
py.FS.writeFile("/tmp/module.so", readFileSync(so));
try {
	M.loadDynamicLibrary("/tmp/module.so", { global: true, nodelete: true, fs: py.FS });
	const f = M.LDSO.loadedLibsByName["/tmp/module.so"].exports[fn];
	const n = M.lengthBytesUTF8(arg) + 1;
	const p = M._PyMem_Malloc(n);
	M.stringToUTF8(arg, p, n);
	console.log(M.UTF8ToString(f(p)));
} catch (e) {
	console.log("ERROR: " + e.message);
	process.exit(1);
}
