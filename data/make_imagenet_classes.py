"""Write the 1,000 ImageNet class names that ``activations.zoo.imagenet_classes()`` reads.

Source: two files of timm 1.0.31 (PyTorch Image Models, Apache-2.0 licence),
``timm/data/_info/imagenet_synsets.txt`` (the 1,000 WordNet ids of
ILSVRC-2012 in class-index order, the order of SqueezeNet's outputs) and
``timm/data/_info/imagenet_synset_to_lemma.txt`` (WordNet's lemmas of each
id). Fetch and unpack them with::

    pip download --no-deps timm==1.0.31 -d /tmp/timm
    unzip -o /tmp/timm/timm-1.0.31-py3-none-any.whl 'timm/data/_info/*' -d /tmp/timm

and run from the repository root::

    python data/make_imagenet_classes.py /tmp/timm/timm/data/_info [OUTPUT_DIR]

It writes ``activations/zoo/weights/imagenet_classes.txt`` (or into
OUTPUT_DIR): 1,000 lines ``<wnid><TAB><lemmas>``, e.g. ``n02123045<TAB>tabby,
tabby cat``, and checks the SHA-256 of both inputs and of the output.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "activations" / "zoo" / "weights" / "imagenet_classes.txt"
SYNSETS_SHA256 = "70002b0ff5de60a3a17a82dbfcff291931f96225ddf941ad2e182fc39e183d15"
LEMMAS_SHA256 = "1b8babda187421a4bde0c9c5a197c36f6bdda962f7ca11ffb2813806cbb2178f"
OUTPUT_SHA256 = "c98cf8e050b2f67f824762ebdb5bcf683adc7955382b9ff8b1c0f49548bb449b"


def _read(path: Path, digest: str) -> str:
    data = path.read_bytes()
    found = hashlib.sha256(data).hexdigest()
    if found != digest:
        raise SystemExit(f"{path}: SHA-256 {found}, expected timm 1.0.31's {digest}")
    return data.decode("utf8")


def classes(synsets: str, lemmas: str) -> list[tuple[str, str]]:
    """(wnid, lemmas) of the 1,000 classes, in class-index order."""
    ids = synsets.split()
    lemma = dict(line.split("\t", 1) for line in lemmas.splitlines() if line)
    if len(ids) != 1000 or len(set(ids)) != 1000 or ids != sorted(ids):
        raise SystemExit("expected 1,000 distinct WordNet ids in sorted order")
    return [(wnid, lemma[wnid].strip()) for wnid in ids]


def main(info_dir: Path, out_dir: Path | None = None) -> Path:
    synsets = _read(info_dir / "imagenet_synsets.txt", SYNSETS_SHA256)
    lemmas = _read(info_dir / "imagenet_synset_to_lemma.txt", LEMMAS_SHA256)
    out = OUTPUT if out_dir is None else Path(out_dir) / OUTPUT.name
    out.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{wnid}\t{names}\n" for wnid, names in classes(synsets, lemmas))
    out.write_bytes(text.encode("utf8"))
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    print(f"wrote {out} ({out.stat().st_size:,} bytes), SHA-256 {digest}")
    if digest != OUTPUT_SHA256:
        raise SystemExit(f"{out}: SHA-256 {digest}, expected {OUTPUT_SHA256}")
    return out


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) == 3 else None)
