"""The wheel carries what the package reads at run time (a non-editable install works)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ["face.png", "face_eye_closed.png", "fashion_test_0.png"]


def test_the_wheel_carries_the_images_and_the_trained_model(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(
        ROOT,
        source,
        symlinks=True,  # activations/data links to data/, as in a clone
        ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__", "demo-out"),
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path / "dist"), str(source)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("activations-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in SHIPPED:
        assert f"activations/data/{name}" in names
        with zipfile.ZipFile(wheel).open(f"activations/data/{name}") as member:
            assert member.read() == (ROOT / "data" / name).read_bytes()
    for name in ("fashion_cnn.keras", "squeezenet_v1_1.npz", "imagenet_classes.txt",
                 "THIRD_PARTY_NOTICES.txt"):  # fmt: skip
        shipped = f"activations/zoo/weights/{name}"
        assert shipped in names
        with zipfile.ZipFile(wheel).open(shipped) as member:
            assert member.read() == (ROOT / shipped).read_bytes()
    assert not [n for n in names if n.endswith(("make_face_images.py", "convert_squeezenet.py"))]
