"""The recommendation as a recipe: a small standalone Python file that rebuilds, unfitted,
exactly the estimator the gate scored (its encoder, resampler, class weights, tuned
cut-off, model and every parameter that differs from the defaults), so that a user's
training code can `build_estimator().fit(X, y)`.

The file is written from the estimator object itself: scikit-learn / imbalanced-learn
estimators become their class with the parameters that differ from the class's defaults
(recursively: pipelines, steps, wrapped models), numpy arrays become `np.array(...)`,
a table schema becomes `TableSchema.from_dict(...)` (the gate's encoders read it, so
the file imports equipoise for them), functions are imported by name. Anything else
cannot be written, and the caller says so instead of writing a file."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import numpy as np

#: the file name next to gate.json (a refusal) or manifest.json (a version)
FILE = "recipe.py"


class NotWritable(ValueError):
    """The estimator holds a value the recipe cannot write as Python."""


def source(estimator: Any, *, title: str, threshold: float | None = None, note: str = "") -> str:
    """The recipe file's text for an unfitted `estimator`."""
    imports: set[str] = set()
    constants: dict[str, str] = {}
    body = _expr(estimator, imports, 1, constants)
    cut = (
        f"\nThe gate's cut-off on the minority's probability was {threshold:.4f}; the\n"
        "estimator tunes it again by cross-validation on the rows you fit it on.\n"
        if threshold is not None
        else ""
    )
    lines = [
        f'"""{title}',
        "",
        "Written by equipoise: the estimator the gate scored, unfitted. Use it as",
        "",
        "    from recipe import build_estimator",
        "    model = build_estimator().fit(X, y)   # X: your features, as equipoise read them",
        "    model.predict_proba(X_new)",
        cut.rstrip("\n"),
        note,
        '"""',
        "",
        *sorted(imports),
        "",
        *[f"{name} = {text}\n" for name, text in constants.items()],
        "",
        "def build_estimator():",
        '    """The unfitted estimator."""',
        f"    return {body}",
        "",
        "",
        'if __name__ == "__main__":',
        "    print(build_estimator())",
        "",
    ]
    return "\n".join(line for line in lines if line is not None)


def write(folder: Path, estimator: Any, **kwargs: Any) -> Path:
    """`recipe.py` in `folder` (NotWritable when the estimator cannot be written)."""
    path = Path(folder) / FILE
    path.write_text(source(estimator, **kwargs))
    return path


def build(path: Path) -> Any:
    """Run a recipe file and return its unfitted estimator."""
    scope: dict[str, Any] = {"__name__": "recipe"}
    exec(compile(Path(path).read_text(), str(path), "exec"), scope)
    return scope["build_estimator"]()


def _expr(value: Any, imports: set[str], depth: int, constants: dict[str, str]) -> str:
    """`value` as a Python expression; a table schema becomes the constant SCHEMA."""
    from equipoise.dataspec.schema import TableSchema

    def expr(v: Any, d: int = depth + 1) -> str:
        return _expr(v, imports, d, constants)

    if value is None or isinstance(value, bool | int | float | str):
        return repr(value)
    if isinstance(value, np.generic):
        return repr(value.item())
    if isinstance(value, np.ndarray):
        imports.add("import numpy as np")
        return f"np.array({value.tolist()!r}, dtype={str(value.dtype)!r})"
    if isinstance(value, list | tuple):
        items = ", ".join(expr(v) for v in value)
        return (
            f"[{items}]"
            if isinstance(value, list)
            else f"({items}{',' if len(value) == 1 else ''})"
        )
    if isinstance(value, dict):
        items = ", ".join(f"{expr(k, depth)}: {expr(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, TableSchema):
        import pprint

        imports.add("from equipoise.dataspec.schema import TableSchema")
        constants["SCHEMA"] = (
            "TableSchema.from_dict(\n" + pprint.pformat(value.to_dict(), 1, 88) + "\n)"
        )
        return "SCHEMA"
    if hasattr(value, "get_params") and not isinstance(value, type):
        return _call(value, value.get_params(deep=False), expr, imports, depth)
    if hasattr(value, "get_n_splits"):  # a cross-validation splitter: its init arguments
        names = inspect.signature(type(value).__init__).parameters
        init = {n: getattr(value, n) for n in names if n != "self"}
        return _call(value, init, expr, imports, depth)
    if hasattr(value, "_score_func") and hasattr(value, "_kwargs"):  # make_scorer's scorer
        imports.add("from sklearn.metrics import make_scorer")
        args = [expr(value._score_func)] + [f"{k}={expr(v)}" for k, v in value._kwargs.items()]
        if value._sign < 0:
            args.append("greater_is_better=False")
        if value._response_method != "predict":
            args.append(f"response_method={expr(value._response_method)}")
        return f"make_scorer({', '.join(args)})"
    if inspect.isfunction(value) or inspect.isclass(value):
        module = value.__module__
        public = ".".join(p for p in module.split(".") if not p.startswith("_"))
        imports.add(
            f"from {public if _exported(public, value) else module} import {value.__qualname__}"
        )
        return value.__qualname__
    raise NotWritable(f"cannot write {type(value).__name__} {value!r:.60} as Python")


def _call(est: Any, params: dict[str, Any], expr, imports: set[str], depth: int) -> str:
    """`Class(arg=..., ...)` of the parameters that differ from the class's defaults."""
    cls = type(est)
    module = cls.__module__
    # the public module when the class is exported there (sklearn.linear_model, ...)
    public = ".".join(p for p in module.split(".") if not p.startswith("_"))
    imports.add(f"from {public if _exported(public, cls) else module} import {cls.__name__}")
    defaults = {
        name: p.default
        for name, p in inspect.signature(cls.__init__).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    pad = "\n" + "    " * (depth + 1)
    args = []
    for name, value in params.items():
        if name in defaults and _same(defaults[name], value):
            continue
        args.append(f"{name}={expr(value)}")
    if not args:
        return f"{cls.__name__}()"
    return f"{cls.__name__}({pad}" + f",{pad}".join(args) + ",\n" + "    " * depth + ")"


def _exported(module: str, obj: Any) -> bool:
    """Whether `module` exports `obj` under its name."""
    import importlib

    try:
        return getattr(importlib.import_module(module), obj.__qualname__) is obj
    except (ImportError, AttributeError):
        return False


def _same(default: Any, value: Any) -> bool:
    if isinstance(default, np.ndarray) or isinstance(value, np.ndarray):
        return False
    try:
        return bool(default == value) and type(default) is type(value)
    except (TypeError, ValueError):
        return False
