"""Networks to analyse, offline and ready.

The trained Fashion-MNIST CNN, MTCNN's face network (ONet) and SqueezeNet
v1.1 with MATLAB's layer names.
"""

from activations.zoo._face import detect_face, face_net
from activations.zoo._fashion import fashion_cnn
from activations.zoo._squeezenet import squeezenet

__all__ = ["detect_face", "face_net", "fashion_cnn", "squeezenet"]
