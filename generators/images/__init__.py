"""Image generators: augmentation, a class-conditional diffusion model (diffusers) and a
StyleGAN-style GAN. Adding one is its module plus one entry in KINDS."""

from equipoise.generators.images.augment import Augment
from equipoise.generators.images.diffusion import Diffusion
from equipoise.generators.images.stylegan import StyleGAN

#: every image kind, in the order `equipoise kinds` lists them
KINDS = (Augment, Diffusion, StyleGAN)
