"""The checks several modalities share, each written once: the sample-table schema
suite, near copies by the ratio test (against the training split, next to the holdout's
own share), and the cross-fitted label filter. Per-modality checks live with their
modality (`validation/<modality>/checks.py`)."""
