// Loads a module file into Pyodide's site-packages and runs a Python driver.
// usage: node run-pyodide.mjs PYODIDE_DIR MODULE_FILE DRIVER_PY
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";

const [dir, modfile, driver] = process.argv.slice(2);
const { loadPyodide } = await import(pathToFileURL(`${dir}/pyodide.mjs`).href);
const py = await loadPyodide({ indexURL: `${dir}/` });
const site = `/lib/python${py.runPython("import sys; '%d.%d' % sys.version_info[:2]")}/site-packages`;
py.FS.writeFile(`${site}/${basename(modfile)}`, readFileSync(modfile));
let out = "";
py.setStdout({ batched: (s) => { out += s + "\n"; } });
py.runPython(readFileSync(driver, "utf8"));
process.stdout.write(out);
