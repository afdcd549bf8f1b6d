"""Explanations: why the network decides.

The class score explained (``scores``: the default score layer, checked labels),
Grad-CAM (``gradcam``), occlusion sensitivity (``occlusion``: of a class score or
of one channel's total activation), LIME (``lime``), deep dream (``dream``), and
the gradient attributions: the score as a function of the pixels
(``input_score``), their one loop (``attribute``), the gradient and guided
backpropagation and SmoothGrad (``attribution``), Integrated Gradients
(``integrated``); each one more user of the engine's one path. Occlusion, LIME
and the metrics of :mod:`activations.metrics` score masked copies of the images
through one loop (``copies``). Every explanation of a class score by name, as
the command line and the report offer them: ``methods``.
"""
