# Calls the demo module; prints one JSON line. Run natively and inside Pyodide.
import json
import sys

import demo

r = {
    "add": demo.add(2, 40),
    "add64": demo.add(2**40, -(2**33)),
    "hypot": demo.hypot(3.0, 4.0),
    "hypot_small": demo.hypot(3e-160, 4e-160),
    "greet": demo.greet("wasm \u00e9"),
    "answer": demo.ANSWER,
    "total": demo.total([0.5, 1.25, 2.0]),
    "exports": sorted(n for n in dir(demo) if not n.startswith("_")),
}
for name, call in [("fail", lambda: demo.fail("boom")),
                   ("type_error", lambda: demo.add("x", 1)),
                   ("total_error", lambda: demo.total([1.0, "x"]))]:
    try:
        call()
        r[name] = "no exception"
    except Exception as e:
        r[name] = [type(e).__name__, str(e)]
r["platform_sizes"] = demo.sizes()
print(json.dumps(r, sort_keys=True))
