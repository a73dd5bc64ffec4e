// node run-ext.mjs PYODIDE_DIR CODE FILE.so...: put the extension modules into the real
// Pyodide runtime's site-packages, run the Python CODE and print the value of its last
// expression (str). Exit status 1 when the code raises (its traceback on stderr).
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";

const [dir, code, ...mods] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(dir + "/pyodide.mjs").href);
const py = await loadPyodide({ indexURL: dir + "/" });
for (const m of mods)
	py.FS.writeFile("/lib/python3.11/site-packages/" + basename(m), readFileSync(m));
try {
	console.log(String(await py.runPythonAsync(code)));
} catch (e) {
	console.error(String(e.message ?? e));
	process.exit(1);
}
