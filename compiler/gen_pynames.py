#!/usr/bin/env python3
"""gen_pynames.py: writes compiler/pynames.c, what the reference environment
can import, so that bizc refuses the imports Airflow refuses.

Run it with the reference environment's interpreter (scripts/install-airflow.sh
makes it; the versions are in scripts/airflow-requirements.txt):

    _deps/airflow/bin/python compiler/gen_pynames.py > compiler/pynames.c

It lists
  - every module under airflow.* (providers included, and the deprecated
    modules Airflow makes at import time, e.g. airflow.operators.bash_operator)
    and coworks.*: a module of those packages that is not listed does not
    exist ("No module named ...");
  - every top-level module (the standard library's and the environment's):
    a top-level module not listed does not exist either;
  - the names of the modules a DAG file imports from (NAMED_MODULES): a name
    not listed is an ImportError ("cannot import name ...").
The output is sorted so that lookups are binary searches.
"""

import importlib
import os
import pkgutil
import sys
import warnings

warnings.simplefilter("ignore")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW_HOME", os.path.join(os.environ.get("TMPDIR", "/tmp"), "bizc-gen-pynames"))

# The modules whose names bizc checks (a DAG file imports from these).
NAMED_MODULES = [
    "datetime", "pendulum",
    "airflow", "airflow.models", "airflow.models.dag", "airflow.models.baseoperator",
    "airflow.models.param", "airflow.decorators", "airflow.exceptions",
    "airflow.utils.trigger_rule", "airflow.utils.task_group", "airflow.utils.dates",
    "airflow.utils.helpers", "airflow.utils.state", "airflow.utils.edgemodifier",
    "airflow.providers.http.operators.http", "airflow.providers.http.sensors.http",
    "airflow.providers.amazon.aws.sensors.s3",
    "coworks.biz", "coworks.biz.operators", "coworks.biz.sensors", "coworks.biz.group",
    "coworks.operators", "coworks.sensors",
]
NAMED_PACKAGES = ["airflow.operators", "airflow.sensors"]   # and all their modules
PACKAGES = ["airflow", "coworks"]


def is_ident_path(name):
    return all(p.isidentifier() for p in name.split("."))


def disk_modules(package):
    """Every module and package under package, from the file system."""
    top = importlib.util.find_spec(package)
    out = set()
    for root in top.submodule_search_locations:
        base = os.path.dirname(root)
        for d, dirs, files in os.walk(root):
            dirs[:] = [x for x in dirs if x != "__pycache__"]
            rel = os.path.relpath(d, base).replace(os.sep, ".")
            if not is_ident_path(rel):
                dirs[:] = []
                continue
            if "__init__.py" in files or d == root:
                out.add(rel)
            for f in files:
                if f.endswith(".py") and f != "__init__.py" and f[:-3].isidentifier():
                    out.add(rel + "." + f[:-3])
    return out


def virtual_modules():
    """The deprecated modules Airflow registers in sys.modules."""
    for pkg in ["airflow.operators", "airflow.sensors", "airflow.hooks", "airflow.executors",
                "airflow.macros", "airflow.kubernetes", "airflow.utils.log", "airflow.contrib",
                "airflow.contrib.hooks", "airflow.contrib.operators", "airflow.contrib.sensors",
                "airflow.contrib.secrets", "airflow.contrib.task_runner", "airflow.contrib.utils",
                "airflow.contrib.utils.log"]:
        try:
            importlib.import_module(pkg)
        except Exception:
            pass
    return {n for n, m in list(sys.modules.items())
            if (n.startswith("airflow.") or n == "airflow") and m is not None and is_ident_path(n)}


def module_names(name):
    """The names `from name import X` accepts (submodules apart)."""
    try:
        mod = importlib.import_module(name)
    except Exception:
        return None
    cands = set(dir(mod)) | set(getattr(mod, "__all__", []) or [])
    for attr in ("__lazy_imports", "_" + name.split(".")[-1] + "__lazy_imports"):
        d = mod.__dict__.get(attr)
        if isinstance(d, dict):
            cands |= set(d)
    ga = mod.__dict__.get("__getattr__")
    if ga is not None and getattr(ga, "args", None):   # a deprecated module's partial
        imports = ga.args[0]
        if isinstance(imports, dict):
            cands |= set(imports)
    out = set()
    for c in cands:
        if not isinstance(c, str) or not c.isidentifier():
            continue
        if c.startswith("__") and c != "__version__":
            continue
        try:
            getattr(mod, c)
        except Exception:
            continue
        out.add(c)
    return out


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def c_list(name, items):
    lines = ["static const char *const %s[] = {" % name]
    row = "   "
    for it in items:
        piece = " " + c_str(it) + ","
        if len(row) + len(piece) > 100:
            lines.append(row)
            row = "   "
        row += piece
    lines.append(row + " NULL")
    lines.append("};")
    return "\n".join(lines)


def main():
    modules = set()
    for p in PACKAGES:
        modules |= disk_modules(p)
    modules |= virtual_modules()
    modules = sorted(m for m in modules if m.split(".")[0] in PACKAGES)
    tops = set(sys.stdlib_module_names) | {m.name for m in pkgutil.iter_modules()}
    tops = sorted(t for t in tops if t.isidentifier())
    named = list(NAMED_MODULES)
    for p in NAMED_PACKAGES:
        named += [m for m in modules if m == p or m.startswith(p + ".")]
    named = sorted(set(named))
    tables = []
    for n in named:
        names = module_names(n)
        if names is not None:
            tables.append((n, sorted(names)))

    v = sys.version_info
    print("/* pynames.c: what the reference environment can import (pynames.h).")
    print(" *")
    print(" * GENERATED by compiler/gen_pynames.py with the reference environment's")
    print(" * interpreter (Python %d.%d, Airflow %s, CoWorks %s): do not edit; run"
          % (v.major, v.minor, version("apache-airflow"), version("coworks")))
    print(" *   _deps/airflow/bin/python compiler/gen_pynames.py > compiler/pynames.c")
    print(" */")
    print('#include <stddef.h>')
    print('#include "pynames.h"')
    print()
    print("/* Every module of the packages airflow and coworks, sorted. */")
    print(c_list("modules", modules))
    print()
    print("/* Every top-level module, sorted. */")
    print(c_list("toplevel", tops))
    print()
    for i, (n, names) in enumerate(tables):
        print("/* %s */" % n)
        print(c_list("names_%d" % i, names))
    print()
    print("/* The modules whose names are known, sorted by module. */")
    print("static const biz_py_module mods[] = {")
    for i, (n, names) in enumerate(tables):
        print("    { %s, names_%d, %d }," % (c_str(n), i, len(names)))
    print("};")
    print()
    print("const biz_py_tables biz_py = {")
    print("    modules, %d, toplevel, %d, mods, %d," % (len(modules), len(tops), len(tables)))
    print("    %s," % c_str("Python %d.%d, Airflow %s, CoWorks %s"
                              % (v.major, v.minor, version("apache-airflow"), version("coworks"))))
    print("};")


def version(dist):
    try:
        import importlib.metadata
        return importlib.metadata.version(dist)
    except Exception:
        return "?"


if __name__ == "__main__":
    main()
