"""Table generators: CTGAN, SDV's Gaussian copula and TVAE, and the imbalanced-learn
family (oversamplers and resamplers). Adding one is its module plus one entry in KINDS."""

from equipoise.generators.tables import imblearn_family as imb
from equipoise.generators.tables import models
from equipoise.generators.tables.forest_flow import ForestFlow

#: every table kind, in the order `equipoise kinds` lists them
KINDS = (
    models.CTGAN,
    models.GaussianCopula,
    models.TVAE,
    ForestFlow,
    imb.RandomOversample,
    imb.Smote,
    imb.SmoteNC,
    imb.SmoteN,
    imb.Adasyn,
    imb.BorderlineSmote,
    imb.SvmSmote,
    imb.RandomUndersample,
    imb.Tomek,
    imb.NearMiss,
    imb.ClusterCentroids,
    imb.Enn,
)
