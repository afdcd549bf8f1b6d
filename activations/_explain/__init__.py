"""Explanations: why the network decides.

The class score explained (``scores``: the default score layer, checked labels),
Grad-CAM (``gradcam``), occlusion sensitivity (``occlusion``) and deep dream
(``dream``); each one more user of the engine's one path.
"""
