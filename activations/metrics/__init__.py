"""Faithfulness metrics: tell a map that explains the model from a pretty one.

MATLAB has none of these; they follow the definitions of Xplique and Quantus
(each function says which):

- :func:`deletion` and :func:`insertion`: the class score as the map's most
  important pixels are deleted (inserted) first, and the area under that
  curve (Petsiuk et al., 2018);
- :func:`mu_fidelity`: the correlation of the map's sums with the score's
  drops over random hidden subsets (Bhatt et al., 2020);
- :func:`randomization_check`: how much the maps stay the same as the
  model's layers are randomized from the top (Adebayo et al., 2018).

Each takes maps from any method, ours (:func:`activations.gradcam`,
:func:`activations.occlusion_sensitivity`, :func:`activations.image_lime`)
or a user's, and runs the masked copies through the same batched forward
pass as occlusion sensitivity.
"""

from __future__ import annotations

from activations.metrics._causal import CausalCurve, deletion, insertion
from activations.metrics._fidelity import mu_fidelity
from activations.metrics._randomization import RandomizationCheck, randomization_check

__all__ = [
    "CausalCurve",
    "RandomizationCheck",
    "deletion",
    "insertion",
    "mu_fidelity",
    "randomization_check",
]
