"""Text generators, for a table with a text column and a label: EDA (`eda`, synonyms
from `lexicon`), back-translation through Debian's Apertium (`backtranslate`) and
paraphrases by SmolLM2-135M-Instruct (`paraphrase`, slow, the `paraphrase` extra), as the
kinds in KINDS (`kinds.py`); sentence embeddings (`embeddings`) and SMOTE in embedding
space (`embedding_smote`) are building blocks not yet offered as a kind. Heavy modules
(torch, transformers) load only when `embeddings` or `paraphrase` is used."""

from equipoise.generators.text.kinds import BackTranslation, Eda, Paraphrase

#: every text kind, in the order `equipoise kinds` lists them
KINDS = (Eda, BackTranslation, Paraphrase)
