"""Building blocks for a text modality (a table with a text column and a label):
EDA augmentation (`eda`), sentence embeddings (`embeddings`) and SMOTE in embedding
space (`embedding_smote`). Plain functions on `list[str]` + labels with explicit seeds;
the Generator wrappers come later. Heavy modules (torch, transformers) load only
when `embeddings` is imported."""
