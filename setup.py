"""Package discovery for the layered layout: each top-level layer folder is installed
as `equipoise.<folder>` with every subpackage found under it, so that nothing called
`flows` or `validation` lands at the top of site-packages and a new subpackage needs
no edit here (metadata and dependencies are in pyproject.toml)."""

from setuptools import find_packages, setup

#: the layers, bottom up (ARCHITECTURE.md); the folder name is the subpackage name
LAYERS = ("dataspec", "generators", "validation", "pipeline", "store", "reports", "flows")

package_dir = {"equipoise": "equipoise"}
packages = ["equipoise", *(f"equipoise.{p}" for p in find_packages("equipoise"))]
for layer in LAYERS:
    package_dir[f"equipoise.{layer}"] = layer
    packages += [f"equipoise.{layer}", *(f"equipoise.{layer}.{p}" for p in find_packages(layer))]

setup(packages=packages, package_dir=package_dir)
