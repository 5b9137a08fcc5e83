"""Checks of synthetic images: a Great Expectations suite over the image table,
fidelity in the feature space of a small judge CNN trained on the real training split
(Fréchet distance, KID, k-NN precision / recall, judge agreement), and memorisation
(nearest training image in pixel and feature space, a ratio test for near copies).

Imports no Prefect, no flows and no generators; torch and GX load inside the functions
that use them.
"""

from equipoise.validation.images.settings import ImageValidationSettings

__all__ = ["ImageValidationSettings"]
