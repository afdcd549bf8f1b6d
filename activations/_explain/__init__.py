"""Explanations: why the network decides.

The class score explained (``scores``: the default score layer, checked labels),
Grad-CAM (``gradcam``), occlusion sensitivity (``occlusion``), deep dream
(``dream``), and the gradient attributions: the score as a function of the pixels
(``input_score``), their one loop (``attribute``), the gradient and guided
backpropagation and SmoothGrad (``attribution``), Integrated Gradients
(``integrated``); each one more user of the engine's one path.
"""
