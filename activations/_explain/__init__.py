"""Explanations: why the network decides.

The class score explained (``scores``: the default score layer, checked labels),
Grad-CAM (``gradcam``), occlusion sensitivity (``occlusion``: of a class score or
of one channel's total activation), LIME (``lime``) and deep dream (``dream``);
each one more user of the engine's one path. Occlusion, LIME and the metrics of
:mod:`activations.metrics` score masked copies of the images through one loop
(``copies``).
"""
