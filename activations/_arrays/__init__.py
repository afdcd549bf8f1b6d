"""Array functions: NumPy in, NumPy out; never Keras, never pyplot.

MATLAB's toolkit on activation arrays (``normalize``: mat2gray, ``resize``: imresize,
``tile``: imtile), regions on a map (``region``), ranking and comparing channels
(``rank``, ``compare``), overlays (``overlay``), embeddings (``embed``, scikit-learn),
occlusion masks (``masks``), the receptive-field result (``field``), how results
show themselves in a notebook (``display``) and the shared argument
checks (``checks``). Imports nothing else of the package.
"""
