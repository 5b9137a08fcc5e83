"""The schema check of images: one row per image (id, label, height, width, channels,
min / max pixel, non-finite pixels) and a Great Expectations suite over that table
(the shared `validation/sample_suite.py`), pixels in 0..255."""

from __future__ import annotations

from equipoise.dataspec import ImageSchema
from equipoise.validation.sample_suite import SampleTable

IMAGE_TABLE = SampleTable(
    noun="images",
    axes=(("height", 2), ("width", 3), ("channels", 1)),
    low="min_pixel",
    high="max_pixel",
    bad="nan_pixels",
    value_range=(0, 255),
)


def image_sizes(schema: ImageSchema) -> dict[str, int]:
    """The size every image's row must show."""
    return {"height": schema.height, "width": schema.width, "channels": schema.channels}
