"""Building blocks for a text modality (a table with a text column and a label):
EDA augmentation (`eda`, synonyms from `lexicon`), sentence embeddings (`embeddings`),
SMOTE in embedding space (`embedding_smote`) and optional back-translation through
Debian's Apertium (`backtranslate`). Plain functions on `list[str]` + labels with
explicit seeds; the Generator wrappers come later. Heavy modules (torch,
transformers) load only when `embeddings` is used."""
