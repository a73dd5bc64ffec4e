// Loads module files into Pyodide's site-packages and runs a Python driver.
// usage: node run.mjs PYODIDE_DIR DRIVER_PY MODULE_FILE...
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";
const [dir, driver, ...mods] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(`${dir}/pyodide.mjs`).href);
const py = await loadPyodide({ indexURL: `${dir}/` });
const site = `/lib/python${py.runPython("import sys; '%d.%d' % sys.version_info[:2]")}/site-packages`;
for (const m of mods) py.FS.writeFile(`${site}/${basename(m)}`, readFileSync(m));
let out = "";
py.setStdout({ batched: (s) => { out += s + "\n"; } });
try { py.runPython(readFileSync(driver, "utf8")); } catch (e) { out += "ERROR " + e.message + "\n"; }
process.stdout.write(out);
