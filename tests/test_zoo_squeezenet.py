"""SqueezeNet v1.1 with MATLAB's names, and its weight download and mapping, tested offline.

The ImageNet download is exercised for real against a loopback HTTP server that
serves an HDF5 file written here with h5py in keras-squeezenet's Keras 2 layout.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import socket
import threading
from pathlib import Path
from types import SimpleNamespace

import h5py
import keras
import numpy as np
import pytest
from _tolerance import assert_close

from activations.zoo import squeezenet
from activations.zoo._download import cache_path, fetch

pytestmark = pytest.mark.core

TOP = "squeezenet_weights_tf_dim_ordering_tf_kernels.h5"
NOTOP = "squeezenet_weights_tf_dim_ordering_tf_kernels_notop.h5"
FIRES = ((2, 16, 64), (3, 16, 64), (4, 32, 128), (5, 32, 128),
         (6, 48, 192), (7, 48, 192), (8, 64, 256), (9, 64, 256))  # fmt: skip


def _fire_names(n: int) -> list[str]:
    parts = ["squeeze1x1", "relu_squeeze1x1", "expand1x1", "expand3x3", "relu_expand1x1",
             "relu_expand3x3", "concat"]  # fmt: skip
    return [f"fire{n}-{part}" for part in parts]


# MATLAB's squeezenet layer names (its 'data' input split into input and normalization),
# in Keras's topological order (expand1x1 and expand3x3 before their ReLUs).
LAYERS = (
    ["data", "data_normalization", "conv1", "relu_conv1", "pool1"]
    + _fire_names(2) + _fire_names(3) + ["pool3"]
    + _fire_names(4) + _fire_names(5) + ["pool5"]
    + _fire_names(6) + _fire_names(7) + _fire_names(8) + _fire_names(9)
    + ["drop9", "conv10", "relu_conv10", "pool10", "prob"]
)  # fmt: skip


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


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    return home


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A loopback HTTP server on a free port serving ``root``; ``hits`` lists request paths."""
    root, hits = tmp_path / "served", []
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            hits.append(self.path)
            super().do_GET()

        def log_message(self, format, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    monkeypatch.setenv("ACTIVATIONS_SQUEEZENET_URL", url)
    yield SimpleNamespace(root=root, hits=hits, url=url)
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def refused_url(monkeypatch):
    """A loopback URL where nothing listens (offline stand-in)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    monkeypatch.setenv("ACTIVATIONS_SQUEEZENET_URL", url)
    return url


# --- architecture -------------------------------------------------------------------


def test_layer_names_follow_matlab(net):
    assert net.name == "squeezenet"
    assert [layer.name for layer in net.layers] == LAYERS
    assert len(LAYERS) == 68


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("data", (227, 227, 3)),
        ("conv1", (113, 113, 64)),
        ("pool1", (56, 56, 64)),
        ("fire2-squeeze1x1", (56, 56, 16)),
        ("fire2-concat", (56, 56, 128)),
        ("pool3", (28, 28, 128)),
        ("fire5-concat", (28, 28, 256)),
        ("pool5", (14, 14, 256)),
        ("fire9-concat", (14, 14, 512)),
        ("conv10", (14, 14, 1000)),
        ("pool10", (1000,)),
        ("prob", (1000,)),
    ],
)
def test_output_shapes_follow_matlab(net, name, shape):
    assert tuple(net.get_layer(name).output.shape) == (None, *shape)


def test_parameter_count_is_v1_1(net):
    assert net.count_params() == 1_235_496
    assert len(net.trainable_weights) == 2 * 26


def test_relus_are_separate_layers(net):
    for name in ("relu_conv1", "fire4-relu_expand3x3", "relu_conv10"):
        assert isinstance(net.get_layer(name), keras.layers.ReLU)
    for layer in net.layers:
        if isinstance(layer, keras.layers.Conv2D):
            assert layer.get_config()["activation"] == "linear", layer.name


def test_include_top_false_ends_at_fire9_concat():
    base = squeezenet(weights=None, include_top=False)
    assert [layer.name for layer in base.layers] == LAYERS[: LAYERS.index("fire9-concat") + 1]
    assert tuple(base.output.shape) == (None, 14, 14, 512)
    assert base.count_params() == 1_235_496 - (512 * 1000 + 1000)


def test_data_normalization_subtracts_caffe_mean(net):
    image = np.arange(2 * 3 * 3 * 3, dtype="float32").reshape(2, 3, 3, 3) * 3.0
    layer = net.get_layer("data_normalization")
    out = keras.ops.convert_to_numpy(layer(image))
    expected = image - np.array([123.68, 116.779, 103.939], dtype="float32")
    np.testing.assert_array_equal(out, expected)
    assert layer.weights == []


def test_pool3_pads_bottom_right_like_matlab(net):
    # MATLAB's pool3: 3x3, stride 2, padding [0 1 0 1]: 56 -> 28.
    x = np.random.default_rng(1).normal(size=(1, 56, 56, 2)).astype("float32")
    out = keras.ops.convert_to_numpy(net.get_layer("pool3")(x))
    padded = np.pad(x, ((0, 0), (0, 1), (0, 1), (0, 0)), constant_values=-np.inf)
    expected = np.empty((1, 28, 28, 2), dtype="float32")
    for i in range(28):
        for j in range(28):
            expected[0, i, j] = padded[0, 2 * i : 2 * i + 3, 2 * j : 2 * j + 3].max(axis=(0, 1))
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize(
    ("input_shape", "fire9"),
    [((224, 224, 3), (13, 13, 512)), ((19, 19, 3), (1, 1, 512)), ([64, 64, 3], (3, 3, 512))],
)
def test_other_input_shapes(input_shape, fire9):
    base = squeezenet(weights=None, include_top=False, input_shape=input_shape)
    assert tuple(base.output.shape) == (None, *fire9)


@pytest.mark.parametrize(
    "input_shape", [(18, 18, 3), (227, 224, 3), (227, 227, 1), (227, 227), "227", (227.0, 227, 3)]
)
def test_bad_input_shape(input_shape):
    with pytest.raises(ValueError, match=r"Expected `input_shape` .* Received: input_shape="):
        squeezenet(weights=None, input_shape=input_shape)


# --- argument errors ----------------------------------------------------------------


@pytest.mark.parametrize("weights", [3, ["imagenet"], True])
def test_weights_of_wrong_type(weights):
    with pytest.raises(TypeError, match=r"The `weights` argument should be either `None`"):
        squeezenet(weights=weights)


@pytest.mark.parametrize("weights", ["imagenet1k", "no/such/file.h5"])
def test_weights_neither_imagenet_nor_a_file(weights):
    message = r"or the path to the weights file to be loaded\. Received: weights="
    with pytest.raises(ValueError, match=message + re.escape(repr(weights))):
        squeezenet(weights=weights)


def test_include_top_not_bool():
    with pytest.raises(TypeError, match=r"Received: include_top='yes'"):
        squeezenet(weights=None, include_top="yes")


# --- download, cache and mapping ---------------------------------------------------


def test_imagenet_downloads_once_and_maps_names(server, keras_home):
    written = write_keras2_h5(server.root / TOP)
    net = squeezenet("imagenet")
    _assert_loaded(net, written, names=("fire2/squeeze1x1", "fire7/expand3x3", "conv10"))
    assert server.hits == ["/" + TOP]
    assert (keras_home / "models" / TOP).is_file()

    again = squeezenet("imagenet")  # from the cache: the server is not asked again
    assert server.hits == ["/" + TOP]
    _assert_loaded(again, written)
    probs = keras.ops.convert_to_numpy(again(np.full((1, 227, 227, 3), 128.0, "float32")))
    assert probs.shape == (1, 1000)
    np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-5)


def test_imagenet_without_top_downloads_the_notop_file(server, keras_home):
    written = write_keras2_h5(server.root / NOTOP, include_top=False)
    base = squeezenet("imagenet", include_top=False)
    assert server.hits == ["/" + NOTOP]
    _assert_loaded(base, written)


def test_conv1_reads_rgb_as_the_file_reads_caffe_bgr(tmp_path):
    written = write_keras2_h5(tmp_path / "w.h5")
    net = squeezenet(tmp_path / "w.h5")
    image = np.random.default_rng(2).uniform(0, 255, size=(1, 227, 227, 3)).astype("float32")
    ours = keras.Model(net.input, net.get_layer("conv1").output)(image)
    # keras-squeezenet's way: preprocess_input (caffe mode) then the file's kernel.
    bgr = keras.applications.imagenet_utils.preprocess_input(image.copy(), mode="caffe")
    conv = keras.layers.Conv2D(64, 3, strides=2)
    conv.build((None, 227, 227, 3))
    conv.set_weights(list(written["conv1"]))
    assert_close(keras.ops.convert_to_numpy(ours), keras.ops.convert_to_numpy(conv(bgr)))


def test_offline_without_cache_says_where_to_put_the_file(refused_url, keras_home):
    target = os.path.join(str(keras_home), "models", TOP)
    with pytest.raises(OSError, match=r"Could not download") as info:
        squeezenet("imagenet")
    assert f"put the file at {target}" in str(info.value)
    assert refused_url + TOP in str(info.value)
    assert not os.path.exists(target)


def test_offline_with_the_file_put_in_place(refused_url, keras_home, tmp_path):
    written = write_keras2_h5(tmp_path / TOP)
    os.makedirs(keras_home / "models")
    shutil.copy(tmp_path / TOP, keras_home / "models" / TOP)
    _assert_loaded(squeezenet("imagenet"), written)


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


# --- the download helper ------------------------------------------------------------


def test_cache_path_reads_keras_home_at_call_time(keras_home):
    assert cache_path("w.h5") == os.path.join(str(keras_home), "models", "w.h5")
    assert cache_path("w.h5", cache_subdir="datasets").endswith(os.path.join("datasets", "w.h5"))


def test_fetch_downloads_into_the_cache(server, keras_home):
    (server.root / "a.bin").write_bytes(b"abc")
    path = fetch("a.bin", server.url + "a.bin", cache_subdir="things")
    assert path == os.path.join(str(keras_home), "things", "a.bin")
    assert Path(path).read_bytes() == b"abc"


def test_fetch_missing_file_on_server(server, keras_home):
    with pytest.raises(OSError, match=r"Could not download 'b\.bin' \(.*404"):
        fetch("b.bin", server.url + "b.bin")
    assert not os.path.exists(cache_path("b.bin"))
