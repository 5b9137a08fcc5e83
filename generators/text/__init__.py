"""Text generators, for a table with a text column and a label: EDA (`eda`, synonyms
from `lexicon`), back-translation through Debian's Apertium (`backtranslate`),
paraphrases by SmolLM2-135M-Instruct (`paraphrase`, slow, the `paraphrase` extra) and
SMOTE in MiniLM sentence-embedding space (`embedding_smote`: rows holding a vector
instead of a text; the embeddings come from `equipoise.dataspec.embeddings`), as the
kinds in KINDS (`kinds.py`). Heavy modules (torch, transformers) load only when a kind
that needs them runs."""

from equipoise.generators.text.kinds import BackTranslation, Eda, EmbeddingSmote, Paraphrase

#: every text kind, in the order `equipoise kinds` lists them
KINDS = (Eda, BackTranslation, Paraphrase, EmbeddingSmote)
