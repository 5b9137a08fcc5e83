"""Text generators, for a table with a text column and a label: EDA (`eda`, synonyms
from `lexicon`) and back-translation through Debian's Apertium (`backtranslate`), as the
kinds in KINDS (`kinds.py`); sentence embeddings (`embeddings`) and SMOTE in embedding
space (`embedding_smote`) are building blocks not yet offered as a kind. Heavy modules
(torch, transformers) load only when `embeddings` is used."""

from equipoise.generators.text.kinds import BackTranslation, Eda

#: every text kind, in the order `equipoise kinds` lists them
KINDS = (Eda, BackTranslation)
