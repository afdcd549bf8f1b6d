"""The 1,000 ImageNet class names shipped with the package (from timm's WordNet lists)."""

from __future__ import annotations

import hashlib
import importlib.resources

import pytest

from activations.zoo import imagenet_classes

pytestmark = [pytest.mark.core, pytest.mark.usefixtures("no_network")]

# data/make_imagenet_classes.py writes it from timm 1.0.31's two files.
CLASSES_SHA256 = "c98cf8e050b2f67f824762ebdb5bcf683adc7955382b9ff8b1c0f49548bb449b"


def test_shipped_file_checksum_and_layout():
    resource = importlib.resources.files("activations.zoo") / "weights" / "imagenet_classes.txt"
    data = resource.read_bytes()
    assert hashlib.sha256(data).hexdigest() == CLASSES_SHA256
    lines = data.decode("utf8").splitlines()
    assert len(lines) == 1000
    wnids = [line.split("\t")[0] for line in lines]
    assert wnids == sorted(set(wnids))  # ILSVRC-2012's class order is the sorted WordNet ids
    assert lines[0] == "n01440764\ttench, Tinca tinca"


def test_names_in_output_order():
    names = imagenet_classes()
    assert isinstance(names, tuple) and len(names) == 1000
    assert names[:3] == ("tench", "goldfish", "great white shark")
    assert (names[281], names[282], names[285]) == ("tabby", "tiger cat", "Egyptian cat")
    assert (names[504], names[967], names[999]) == ("coffee mug", "espresso", "toilet tissue")


def test_two_names_repeat_and_full_tells_them_apart():
    names, full = imagenet_classes(), imagenet_classes(full=True)
    repeated = sorted({n for n in names if names.count(n) > 1})
    assert repeated == ["crane", "maillot"]
    assert [i for i, n in enumerate(names) if n in repeated] == [134, 517, 638, 639]
    assert (full[638], full[639]) == ("maillot", "maillot, tank suit")
    assert len(set(full)) == 999  # the two cranes share their only lemma
    assert full[281] == "tabby, tabby cat" and full[285] == "Egyptian cat"


def test_full_must_be_a_bool():
    with pytest.raises(TypeError, match=r"Expected `full` to be a bool\. Received: full=1"):
        imagenet_classes(full=1)
