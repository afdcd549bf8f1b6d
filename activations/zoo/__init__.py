"""Networks to analyse, offline and ready.

The trained Fashion-MNIST CNN, MTCNN's face network (ONet) and SqueezeNet
v1.1 with MATLAB's layer names.
"""

from activations._quiet import quiet_keras

quiet_keras()  # before Keras loads: TensorFlow's C++ start-up lines stay off stderr

from activations.zoo._face import detect_face, face_net  # noqa: E402
from activations.zoo._fashion import fashion_cnn  # noqa: E402
from activations.zoo._squeezenet import squeezenet  # noqa: E402

__all__ = ["detect_face", "face_net", "fashion_cnn", "squeezenet"]
