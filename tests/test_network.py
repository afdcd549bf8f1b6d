"""analyze_network() and layer_weights()."""

from __future__ import annotations

import time

import keras
import numpy as np
import pytest

from activations import LayerInfo, NetworkTable, analyze_network, layer_weights

pytestmark = pytest.mark.core


def test_table_rows_for_a_sequential_cnn(small_cnn):
    table = analyze_network(small_cnn)
    assert [row.name for row in table] == [layer.name for layer in small_cnn.layers]
    conv = table.rows[0]
    assert (conv.type, conv.output_shape, conv.activation) == ("Conv2D", (12, 12, 4), "relu")
    assert conv.learnables == {"kernel": (3, 3, 1, 4), "bias": (4,)}
    assert conv.n_learnables == 3 * 3 * 4 + 4
    assert [row.output_shape for row in table][1:5] == [(6, 6, 4), (6, 6, 6), (3, 3, 6), (54,)]
    assert table.rows[7].activation == "softmax"
    assert table.total_learnables == small_cnn.count_params()
    text = str(table)
    assert "Model 'small_cnn', input 12x12x1" in text
    assert "kernel 3x3x1x4, bias 4" in text
    assert f"Total learnables: {small_cnn.count_params():,}" in text


def test_nested_layers_are_listed_and_counted_once(nested_model):
    table = analyze_network(nested_model)
    names = [row.name for row in table]
    assert names == ["inner", "inner/conv", "inner/bn", "head_conv", "gap", "out"]
    assert [row.depth for row in table] == [0, 1, 1, 0, 0, 0]
    assert table.rows[0].output_shape == (6, 6, 4)
    assert table.rows[0].n_learnables == 0
    # BatchNormalization's moving statistics are state, not learnables (as in MATLAB).
    assert table.rows[2].learnables == {"gamma": (4,), "beta": (4,)}
    n_state = 2 * 4
    assert table.total_learnables == nested_model.count_params() - n_state


def test_subclassed_model_needs_and_takes_an_input_shape(subclassed_model):
    with pytest.raises(ValueError, match=r"does not declare its input shape.*input_shape"):
        analyze_network(subclassed_model)
    table = analyze_network(subclassed_model, input_shape=(10, 10, 3))
    assert [row.output_shape for row in table] == [(8, 8, 3), (8, 8, 3), (4, 4, 3), (48,), (2,)]
    assert table.rows[1].learnables == {"alpha": (1, 1, 3)}


def test_records_are_text_cells(small_cnn):
    record = analyze_network(small_cnn).records()[5]
    assert record == {
        "#": 6,
        "Name": "dense",
        "Type": "Dense",
        "Activations": "8",
        "Fused activation": "relu",
        "Learnables": "kernel 54x8, bias 8",
        "Count": "440",
    }


def test_analyze_network_rejects_non_models():
    with pytest.raises(TypeError, match=r"Expected `model` to be a `keras.Model`"):
        analyze_network("model.keras")


def test_layer_weights_are_copies(box_model):
    kernel, bias = layer_weights(box_model, "conv")
    assert kernel.shape == (3, 3, 1, 2) and bias.shape == (2,)
    np.testing.assert_array_equal(kernel[..., 0], 1)
    np.testing.assert_array_equal(bias, [0, 1])
    kernel[...] = 7
    np.testing.assert_array_equal(layer_weights(box_model, 0)[0][..., 0], 1)


def test_layer_weights_without_bias_and_without_kernel():
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(2, use_bias=False, name="d"),
            keras.layers.PReLU(name="p"),
        ]
    )
    kernel, bias = layer_weights(model, "d")
    assert kernel.shape == (4, 2) and bias is None
    with pytest.raises(
        ValueError, match=r"'p' \(PReLU\) has no kernel; its weights are \['alpha'\]"
    ):
        layer_weights(model, "p")
    with pytest.raises(ValueError, match=r"No layer named `q`"):
        layer_weights(model, "q")


HOSTILE = "<script>alert(1)</script>"


def test_repr_is_short_and_print_is_the_whole_table(small_cnn):
    table = analyze_network(small_cnn)
    lines = repr(table).splitlines()
    assert lines[0] == (
        f"NetworkTable(model 'small_cnn', input 12x12x1, 8 layers, "
        f"{small_cnn.count_params():,} learnables)"
    )
    assert lines[1].split() == ["conv2d", "Conv2D", "12x12x4"]
    assert lines[-1] == "  ... and 5 more layers (print() lists them all)" and len(lines) == 5
    assert str(table).count("\n") == 8 + 4  # title, header, 2 rules, footer
    assert repr(table.rows[0]) == (
        "LayerInfo('conv2d', Conv2D, 12x12x4, relu, 40 learnables (kernel 3x3x1x4, bias 4))"
    )
    assert repr(table.rows[1]) == "LayerInfo('max_pooling2d', MaxPooling2D, 6x6x4, 0 learnables)"


def test_html_lists_the_first_rows_and_escapes_names(small_cnn):
    html = analyze_network(small_cnn)._repr_html_()
    assert html.count("<tr>") == 1 + 8 and "more layers" not in html
    assert "<td" in html and "kernel 3x3x1x4, bias 4" in html
    row = LayerInfo(HOSTILE, "Conv2D", (13, 13, 64), "relu", {"kernel": (3, 3, 64, 64)}, 36864, 1)
    big = NetworkTable(HOSTILE, (224, 224, 3), (row,) * 177)
    html = big._repr_html_()
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<tr>") == 1 + 10 and "... and 167 more layers" in html
    assert "<script" not in row._repr_html_() and "depth 1" in repr(row)


def test_repr_of_a_large_table_stays_short_and_fast():
    row = LayerInfo("block_" * 20, "Conv2D", (13, 13, 512), "relu", {"kernel": (3, 3, 512, 512)})
    big = NetworkTable("resnet_" * 20, (224, 224, 3), (row,) * 500)
    start = time.perf_counter()
    text = repr(big)
    took = time.perf_counter() - start
    assert len(text) < 400 and len(text.splitlines()) == 5 and took < 0.05
    assert len(big._repr_html_()) < 8000  # 10 rows, whatever the number of layers
