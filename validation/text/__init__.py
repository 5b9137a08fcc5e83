"""Checks of synthetic texts (a table with one text column, a label and the columns
that travel with a row): a Great Expectations suite over a one-row-per-text table,
exact and near copies of training texts (TF-IDF cosine, removed), meaning (MiniLM
cosine to the source row or the class's nearest training text, within bounds; or
TF-IDF), label preservation (a TF-IDF classifier fitted on the real training split
drops texts it does not recognise) and diversity (distinct-n against the real class).
Rows of embedding_smote (vectors, no text) are checked in MiniLM space (`measures.py`).

Imports no Prefect, no flows and no generators (MiniLM comes from
`equipoise.dataspec.embeddings`); GX, scikit-learn and torch load inside the functions
that use them.
"""

from equipoise.validation.text.settings import TextValidationSettings

__all__ = ["TextValidationSettings"]
