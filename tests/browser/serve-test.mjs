// Drive the page of `kiln serve` in a real browser (Debian's chromium, headless):
// wait for Pyodide, load a kiln-built package with its button, run Python in the
// prompt, read the results from the page and save a screenshot.
//   node serve-test.mjs URL PACKAGE SCREENSHOT.png
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, pkg, shot] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "kiln-chromium-"));
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); console.log(`${ok ? "ok  " : "FAIL"} ${what}`); };

const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.KILN_CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  viewport: { width: 1100, height: 900 },
});
try {
  const page = ctx.pages()[0] ?? await ctx.newPage();
  page.on("console", (m) => console.log(`  [console.${m.type()}] ${m.text()}`));
  page.on("pageerror", (e) => console.log(`  [pageerror] ${e}`));
  const requests = [];
  page.on("requestfinished", (r) => requests.push(new URL(r.url()).pathname));
  const t0 = Date.now();
  await page.goto(url);
  await page.waitForSelector("#status.ready, #status.error", { timeout: 180000 });
  const status = await page.textContent("#status");
  check(/^Pyodide 0\.25\.1 ready/.test(status), `Pyodide starts in the page: ${status}`);
  console.log(`  page ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const button = page.locator(`#load-${pkg}`);
  check(await button.count() === 1, `the package list has a button for ${pkg}`);
  const listed = await page.$$eval("#packages tbody tr td:first-child", (tds) => tds.map((t) => t.textContent));
  check(listed.includes(pkg), `listed packages: ${listed.join(", ")}`);
  await button.click();
  await page.waitForFunction((id) => {
    const b = document.getElementById(id);
    return b && (b.textContent === "loaded" || b.textContent === "failed");
  }, `load-${pkg}`, { timeout: 120000 });
  check(await button.textContent() === "loaded", `the button loads ${pkg}`);
  check(requests.includes("/pyodide-lock.json"), "the lockfile comes from the server");
  check(requests.some((p) => p.endsWith(".whl")), `the wheel was fetched: ${requests.filter((p) => p.endsWith(".whl"))}`);

  async function run(code, n) {
    await page.fill("#code", code);
    await page.click("#run");
    await page.waitForSelector(`body[data-runs="${n}"]`, { timeout: 60000 });
  }
  await run("import ktext, sys\nprint('computed in C:', ktext.squares(10))\n(ktext.squares(10), ktext.platform(), sys.platform)", 1);
  const res = await page.$$eval("#output .res", (e) => e.map((x) => x.textContent.trim()));
  check(res.at(-1) === "(385, 'emscripten', 'emscripten')", `result of the prompt: ${res.at(-1)}`);
  const text = await page.textContent("#output");
  check(text.includes("computed in C: 385"), "print() output reaches the page");
  await run("ktext.squares('x')", 2);
  const errs = await page.$$eval("#output .err", (e) => e.map((x) => x.textContent.trim()));
  check(errs.length > 0 && errs.at(-1).endsWith("TypeError: 'str' object cannot be interpreted as an integer"),
    `an exception is shown: ${errs.at(-1)?.split("\n").at(-1)}`);
  check(errs.at(-1)?.includes('File "<exec>", line 1') && !errs.at(-1)?.includes("_pyodide"),
    `the traceback shows the prompt's frame only: ${errs.at(-1)}`);
  await run("import ktext\nktext.__file__", 3);
  const file = (await page.$$eval("#output .res", (e) => e.map((x) => x.textContent.trim()))).at(-1);
  check(/^'\/lib\/python3\.11\/site-packages\/ktext\.cpython-311-wasm32-emscripten\.so'$/.test(file),
    `the module is the wasm build: ${file}`);
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`  screenshot: ${shot}`);
} catch (e) {
  failures.push(String(e));
  console.log(`FAIL ${e}`);
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failures.length ? 1 : 0);
