"""The text block: per class, a few synthetic texts next to the real text each one was
made from (plain text, escaped by the template)."""

from __future__ import annotations

from typing import Any

import numpy as np

#: examples shown per class, and the characters shown of each text
SHOWN, CHARS = 5, 400


def examples(data: Any, synthetic: tuple[Any, Any] | None) -> list[dict[str, Any]]:
    """Per class that received rows: [{label, pairs: [(source text, new text)]}]."""
    if synthetic is None or not len(synthetic[1]):
        return []
    from equipoise.dataspec.text import SOURCE

    X_syn, y_syn = synthetic
    texts = data.X_train[data.schema.text].tolist()
    labels = np.asarray(list(y_syn), dtype=object)
    out = []
    for cls in data.schema.classes:
        rows = np.flatnonzero(labels == cls)[:SHOWN]
        if not len(rows):
            continue
        pairs = []
        for i in rows:
            source = int(X_syn[SOURCE].iloc[i]) if SOURCE in X_syn.columns else -1
            pairs.append(
                (texts[source][:CHARS] if source >= 0 else "",
                 str(X_syn[data.schema.text].iloc[i])[:CHARS])
            )  # fmt: skip
        out.append({"label": str(cls), "pairs": pairs})
    return out
