"""The 1,000 ImageNet (ILSVRC-2012) class names, in the order of SqueezeNet's outputs.

Read from ``activations/zoo/weights/imagenet_classes.txt``, shipped with the
package (made once by ``data/make_imagenet_classes.py`` from timm's WordNet
lists, Apache-2.0 licence); nothing is downloaded.
"""

from __future__ import annotations

import functools
import importlib.resources

__all__ = ["imagenet_classes"]

_FILE = "imagenet_classes.txt"


@functools.cache
def _lemmas() -> tuple[str, ...]:
    """Each line is ``<WordNet id><TAB><lemmas>``, in output order."""
    resource = importlib.resources.files("activations.zoo") / "weights" / _FILE
    lines = resource.read_text(encoding="utf8").splitlines()
    return tuple(line.split("\t", 1)[1] for line in lines)


def imagenet_classes(*, full: bool = False) -> tuple[str, ...]:
    """The 1,000 ImageNet class names; name ``i`` belongs to output ``i`` of ``squeezenet()``.

    Each name is WordNet's first lemma of the class (``"tabby"``,
    ``"Egyptian cat"``, ``"espresso"``), as Caffe's ``synset_words.txt`` and
    MATLAB's class names begin. Two names repeat: ``"crane"`` (134, the bird;
    517, the machine) and ``"maillot"`` (638 and 639); ``full=True`` tells them
    apart.

    Parameters
    ----------
    full : bool, default=False
        If True, every lemma of the class, comma-separated
        (``"tabby, tabby cat"``).

    Returns
    -------
    tuple of str of length 1000

    Raises
    ------
    TypeError
        If ``full`` is not a bool.

    Examples
    --------
    >>> names = imagenet_classes()
    >>> len(names), names[281], names[285], names[967]
    (1000, 'tabby', 'Egyptian cat', 'espresso')
    >>> imagenet_classes(full=True)[639]
    'maillot, tank suit'
    """
    if not isinstance(full, bool):
        raise TypeError(f"Expected `full` to be a bool. Received: full={full!r}")
    return tuple(lemmas if full else lemmas.split(", ")[0] for lemmas in _lemmas())
