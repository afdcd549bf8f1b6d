"""Networks to analyse, offline and ready.

The trained Fashion-MNIST CNN, MTCNN's face network (ONet) and SqueezeNet
v1.1 with MATLAB's layer names and its ImageNet weights, with the 1,000
ImageNet class names. Every weight file ships with the package.
"""

from activations._engine.quiet import quiet_keras

quiet_keras()  # before Keras loads: TensorFlow's C++ start-up lines stay off stderr

from activations.zoo._face import detect_face, face_net  # noqa: E402
from activations.zoo._fashion import fashion_cnn  # noqa: E402
from activations.zoo._imagenet import imagenet_classes  # noqa: E402
from activations.zoo._squeezenet import squeezenet  # noqa: E402

__all__ = ["detect_face", "face_net", "fashion_cnn", "imagenet_classes", "squeezenet"]
