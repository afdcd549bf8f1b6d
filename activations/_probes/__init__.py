"""Probes: forward passes that look at what a layer computes.

``activations()`` itself, per-channel statistics (``stats``), each channel's top images
(``top``, reduced on the device by ``top_reduce``, shown by ``top_view``), receptive fields
(``receptive_field``) and the network table (``network``). Each is one options check,
the engine's ``prepare``, the engine's ``run_batches`` with its own step, and a result.
"""
