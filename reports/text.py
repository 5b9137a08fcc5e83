"""The text block: per class, a few synthetic texts next to the real text each one was
made from (plain text, escaped by the template); for embedding rows, which have no
text, the cosine of the vector to its source text's embedding."""

from __future__ import annotations

from typing import Any

import numpy as np

#: examples shown per class, and the characters shown of each text
SHOWN, CHARS = 5, 400


def examples(data: Any, synthetic: tuple[Any, Any] | None) -> list[dict[str, Any]]:
    """Per class that received rows: [{label, pairs: [(source text, new text)]}]."""
    if synthetic is None or not len(synthetic[1]):
        return []
    from equipoise.dataspec.text import EMBEDDING, SOURCE, embedding_rows

    X_syn, y_syn = synthetic
    vectors = embedding_rows(X_syn)
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
            new = str(X_syn[data.schema.text].iloc[i])[:CHARS]
            if vectors[i]:
                new = "(an embedding, no text) nearest real text of its class: the source"
                if source >= 0:
                    new += f"; cosine {_cosine(X_syn[EMBEDDING].iloc[i], texts[source]):.3f}"
            pairs.append((texts[source][:CHARS] if source >= 0 else "", new))
        out.append({"label": str(cls), "pairs": pairs})
    return out


def _cosine(vector: Any, text: str) -> float:
    from equipoise.dataspec.embeddings import cosine, embed

    return float(cosine(np.asarray(vector, dtype=np.float32)[None], embed([text])[0])[0])
