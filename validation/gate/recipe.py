"""The recommendation as a recipe: a small standalone Python file that rebuilds, unfitted,
exactly the estimator the gate scored (its encoder, resampler, class weights, tuned
cut-off, model and every parameter that differs from the defaults), so that a user's
training code can `build_estimator().fit(X, y)`.

The file is written from the estimator object itself, as scikit-learn's repr writes it:
an estimator is its class called with the parameters that differ from the class's
defaults (recursively: pipelines and their steps, wrapped models), a numpy array is
`np.array([...], dtype=...)`, a table schema is `TableSchema.from_dict({...})` (the
gate's encoder reads it, so the file imports equipoise for it), a cross-validation
splitter is called with its arguments, a scorer is `make_scorer(...)`, functions and
classes are imported by their public module. `source` then runs the text it wrote and
checks that it gives back the same estimator, parameter by parameter; anything it
cannot write, or that would come back different, raises `NotWritable` (the caller says
so instead of writing a file)."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
from pathlib import Path
from typing import Any

import numpy as np

#: the file name next to gate.json (a refusal) or manifest.json (a version)
FILE = "recipe.py"
#: the line length the file is laid out for
WIDTH = 88


class NotWritable(ValueError):
    """The estimator holds a value the recipe cannot write as Python (or that would not
    come back the same)."""


def source(estimator: Any, *, title: str, threshold: float | None = None, note: str = "") -> str:
    """The recipe file's text for an unfitted `estimator` (`sklearn.base.clone` of a fitted
    one). `threshold`: the cut-off the gate tuned on the minority's probability, said in
    the docstring; `note`: more lines for the docstring."""
    writer = _Writer()
    try:
        body = writer.expr(estimator)
    except NotWritable:
        raise
    except Exception as error:  # an object that does not describe itself as expected
        raise NotWritable(f"cannot write {type(estimator).__name__}: {error}") from error
    lines = [
        f'"""{_docstring_line(title)}',
        "",
        "Written by equipoise: the estimator the gate scored, unfitted. Use it as",
        "",
        "    from recipe import build_estimator",
        "",
        "    model = build_estimator().fit(X, y)",
        "    model.predict_proba(X_new)",
        "",
        *_x_note(writer),
        *_cut_off_note(estimator, threshold),
        *([*_docstring_lines(note), ""] if note else []),
        "`python recipe.py` prints the estimator.",
        '"""',
        "",
        *writer.import_lines(),
        "",
        *[f"{name} = {_render(node, len(name) + 3, 0)}\n" for name, node in writer.constants],
        "",
        "def build_estimator():",
        '    """The unfitted estimator."""',
        f"    return {_render(body, 11, 1)}",
        "",
        "",
        'if __name__ == "__main__":',
        "    print(build_estimator())",
        "",
    ]
    text = "\n".join(lines)
    _check(text, estimator)
    return text


def write(folder: Path, estimator: Any, **kwargs: Any) -> Path:
    """`recipe.py` in `folder` (NotWritable when the estimator cannot be written; then no
    file is left). `kwargs`: those of `source`."""
    path = Path(folder) / FILE
    path.write_text(source(estimator, **kwargs))
    return path


def build(path: Path) -> Any:
    """Run a recipe file and return its unfitted estimator."""
    return _run(Path(path).read_text(), str(path))


# --------------------------------------------------------------------------- the docstring


def _docstring_line(text: str) -> str:
    return " ".join(str(text).split()).replace('"""', "'''").replace("\\", "/")


def _docstring_lines(text: str) -> list[str]:
    import textwrap

    return textwrap.wrap(_docstring_line(text), WIDTH - 4) or [""]


def _x_note(writer: _Writer) -> list[str]:
    if not writer.constants:
        return []
    return [
        "X: a DataFrame with the feature columns equipoise read (SCHEMA below names them",
        "and their kinds); y: the labels.",
        "",
    ]


def _cut_off_note(estimator: Any, threshold: float | None) -> list[str]:
    """What the gate's tuned cut-off was, and how to keep it fixed."""
    if threshold is None:
        return []
    lines = [f"The gate tuned the cut-off on the minority's probability to {threshold:.4f}."]
    tuned = _tuned_threshold(estimator)
    if tuned is None:
        return [*lines, ""]
    pos = getattr(tuned.scoring, "_kwargs", {}).get("pos_label")
    fixed = f"threshold={threshold:.4f}" + (f", pos_label={pos!r}" if pos is not None else "")
    return [
        *lines,
        "build_estimator() tunes it again, by cross-validation on the rows you fit it on.",
        "To deploy the gate's cut-off as it is instead:",
        "",
        "    from sklearn.model_selection import FixedThresholdClassifier",
        "",
        "    model = FixedThresholdClassifier(",
        f"        build_estimator().estimator, {fixed}",
        "    ).fit(X, y)",
        "",
    ]


def _tuned_threshold(estimator: Any) -> Any:
    from sklearn.model_selection import TunedThresholdClassifierCV

    return estimator if isinstance(estimator, TunedThresholdClassifierCV) else None


# --------------------------------------------------------------------------- writing


@dataclasses.dataclass
class _Call:
    """An expression laid out on one line when it fits, else one item per line:
    `head` + items + `tail`; an item is (prefix, node), e.g. ("max_iter=", "2000")."""

    head: str
    items: list[tuple[str, Any]]
    tail: str
    #: a one-item tuple needs its comma even on one line
    one_tuple: bool = False


class _Writer:
    """Turns values into layout nodes, collecting the imports and constants they need."""

    def __init__(self) -> None:
        self.imports: dict[str, set[str]] = {}  # module -> names ("" for `import x as y`)
        self.constants: list[tuple[str, Any]] = []
        self._schemas: list[Any] = []

    def use(self, obj: Any) -> str:
        """Import `obj` (a class or function) from its public module; its name."""
        name = obj.__qualname__
        if "." in name or "<" in name:
            raise NotWritable(f"cannot import {name} (not a module-level name)")
        self.imports.setdefault(_public_module(obj), set()).add(name)
        return name

    def numpy(self) -> str:
        self.imports.setdefault("numpy", set()).add("")
        return "np"

    def import_lines(self) -> list[str]:
        lines = ["import numpy as np"] if "" in self.imports.get("numpy", set()) else []
        for module in sorted(self.imports):
            names = sorted(n for n in self.imports[module] if n)
            if names:
                lines.append(f"from {module} import {', '.join(names)}")
        return lines

    def expr(self, value: Any) -> Any:
        """`value` as a layout node (a string when atomic)."""
        from equipoise.dataspec.schema import TableSchema

        if value is None or isinstance(value, bool | int | str):
            return repr(value)
        if isinstance(value, float):
            return _float(value)
        if isinstance(value, np.generic):
            item = value.item()
            if not isinstance(item, bool | int | float | str):
                raise NotWritable(f"cannot write {type(value).__name__} {value!r:.60} as Python")
            arg = _float(item) if isinstance(item, float) else repr(item)
            return f"{self.numpy()}.{type(value).__name__}({arg})"
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "biufUS?" and value.dtype != object:
                raise NotWritable(f"cannot write an array of {value.dtype}")
            data = self.expr(value.tolist())
            return _Call(f"{self.numpy()}.array(", [("", data), ("dtype=", repr(str(value.dtype)))],
                         ")")  # fmt: skip
        if isinstance(value, list | tuple):
            items = [("", self.expr(v)) for v in value]
            if isinstance(value, list):
                return _Call("[", items, "]")
            return _Call("(", items, ")", one_tuple=len(items) == 1)
        if isinstance(value, dict):
            items = [(f"{_flat(self.expr(k))}: ", self.expr(v)) for k, v in value.items()]
            return _Call("{", items, "}")
        if isinstance(value, TableSchema):
            return self.schema(value)
        if hasattr(value, "get_params") and not isinstance(value, type):
            return self.call(value, value.get_params(deep=False))
        if hasattr(value, "get_n_splits") and not isinstance(value, type):
            names = inspect.signature(type(value).__init__).parameters
            return self.call(value, {n: getattr(value, n) for n in names if n != "self"})
        if hasattr(value, "_score_func") and hasattr(value, "_kwargs"):  # make_scorer's
            from sklearn.metrics import make_scorer

            items = [("", self.expr(value._score_func))]
            if value._sign < 0:
                items.append(("greater_is_better=", "False"))
            if value._response_method != "predict":
                items.append(("response_method=", self.expr(value._response_method)))
            items += [(f"{k}=", self.expr(v)) for k, v in value._kwargs.items()]
            return _Call(f"{self.use(make_scorer)}(", items, ")")
        if inspect.isfunction(value) or inspect.isclass(value) or inspect.isbuiltin(value):
            return self.use(value)
        raise NotWritable(f"cannot write {type(value).__name__} {value!r:.60} as Python")

    def call(self, obj: Any, params: dict[str, Any]) -> Any:
        """`Class(name=value, ...)` of the parameters that differ from the defaults, in
        the order `get_params` gives them (scikit-learn's repr)."""
        cls = type(obj)
        defaults = {
            name: p.default
            for name, p in inspect.signature(cls.__init__).parameters.items()
            if p.default is not inspect.Parameter.empty
        }
        items = [
            (f"{name}=", self.expr(value))
            for name, value in params.items()
            if not (name in defaults and _is_default(defaults[name], value))
        ]
        return _Call(f"{self.use(cls)}(", items, ")")

    def schema(self, schema: Any) -> str:
        """The constant that holds `schema` (SCHEMA, SCHEMA_2, ... when they differ)."""
        for i, known in enumerate(self._schemas):
            if known == schema:
                return self.constants[i][0]
        from equipoise.dataspec.schema import TableSchema

        name = "SCHEMA" if not self._schemas else f"SCHEMA_{len(self._schemas) + 1}"
        self._schemas.append(schema)
        node = _Call(f"{self.use(TableSchema)}.from_dict(", [("", self.expr(schema.to_dict()))],
                     ")")  # fmt: skip
        self.constants.append((name, node))
        return name


def _float(value: float) -> str:
    if math.isnan(value):
        return "float('nan')"
    if math.isinf(value):
        return "float('inf')" if value > 0 else "-float('inf')"
    return repr(value)


def _is_default(default: Any, value: Any) -> bool:
    """Whether `value` is the parameter's default (same type and repr, as scikit-learn's
    repr decides which parameters to print; NaN equals NaN)."""
    if isinstance(default, np.ndarray) or isinstance(value, np.ndarray):
        return False
    if type(default) is not type(value):
        return False
    if isinstance(value, float) and math.isnan(value) and math.isnan(default):
        return True
    try:
        return repr(default) == repr(value) and bool(default == value)
    except (TypeError, ValueError):
        return False


def _public_module(obj: Any) -> str:
    """The shortest module on `obj`'s dotted path, without private parts, that exports it
    under its name (sklearn.ensemble for HistGradientBoostingClassifier); its own module
    when none does."""
    module = obj.__module__
    parts = module.split(".")
    for end in range(2 if len(parts) > 1 else 1, len(parts) + 1):
        candidate = parts[:end]
        if any(p.startswith("_") for p in candidate):
            break
        try:
            if getattr(importlib.import_module(".".join(candidate)), obj.__qualname__) is obj:
                return ".".join(candidate)
        except (ImportError, AttributeError):
            continue
    return module


# --------------------------------------------------------------------------- layout


def _flat(node: Any) -> str:
    if isinstance(node, str):
        return node
    inner = ", ".join(prefix + _flat(child) for prefix, child in node.items)
    return node.head + inner + ("," if node.one_tuple else "") + node.tail


def _render(node: Any, column: int, depth: int) -> str:
    """`node` starting at `column`, its items indented one level below `depth` when it
    does not fit on the line."""
    flat = _flat(node)
    if isinstance(node, str) or column + len(flat) + 1 <= WIDTH or not node.items:
        return flat
    pad = "    " * (depth + 1)
    if all(isinstance(child, str) and not prefix for prefix, child in node.items):
        return node.head + "\n" + _filled(node, pad) + "\n" + "    " * depth + node.tail
    lines = [
        pad + prefix + _render(child, len(pad) + len(prefix), depth + 1) + ","
        for prefix, child in node.items
    ]
    return node.head + "\n" + "\n".join(lines) + "\n" + "    " * depth + node.tail


def _filled(node: _Call, pad: str) -> str:
    """Atoms (a list of categories, a mask) as many to a line as fit."""
    lines, line = [], pad
    for _, atom in node.items:
        if line != pad and len(line) + len(atom) + 1 > WIDTH:
            lines.append(line.rstrip())
            line = pad
        line += atom + ", "
    return "\n".join([*lines, line.rstrip()])


# --------------------------------------------------------------------------- the check


def _run(text: str, filename: str) -> Any:
    scope: dict[str, Any] = {"__name__": "recipe"}
    exec(compile(text, filename, "exec"), scope)
    return scope["build_estimator"]()


def _check(text: str, estimator: Any) -> None:
    """Run the recipe's text: it must give back `estimator`, parameter by parameter."""
    try:
        rebuilt = _run(text, FILE)
    except Exception as error:  # any failure of the written file is a failure to write
        raise NotWritable(f"the written recipe does not run: {error}") from error
    if fingerprint(rebuilt) != fingerprint(estimator):
        raise NotWritable(f"the written recipe does not rebuild {type(estimator).__name__} exactly")


def fingerprint(value: Any) -> Any:
    """A comparable form of an unfitted estimator: its class and every parameter,
    recursively (arrays by dtype and values, a table schema by its dict form, anything
    else by its type and repr)."""
    from equipoise.dataspec.schema import TableSchema

    if hasattr(value, "get_params") and not isinstance(value, type):
        params = value.get_params(deep=False)
        return (type(value).__module__, type(value).__qualname__,
                tuple((k, fingerprint(v)) for k, v in params.items()))  # fmt: skip
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(fingerprint(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((fingerprint(k), fingerprint(v)) for k, v in value.items()))
    if isinstance(value, np.ndarray):
        return ("ndarray", str(value.dtype), value.shape, repr(value.tolist()))
    if isinstance(value, TableSchema):
        return ("TableSchema", repr(value.to_dict()))
    return (type(value).__module__, type(value).__qualname__, repr(value))
