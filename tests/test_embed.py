"""Tests of activations._arrays.embed (embed): t-SNE and PCA of per-image activations."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_info

from activations._arrays.embed import FIT_THREADS, embed, limited_threads

pytestmark = pytest.mark.core


def knn_agreement(coords: np.ndarray, labels: np.ndarray, k: int = 10) -> float:
    """Mean share of each point's k nearest neighbours (itself left out) of its class."""
    _, index = NearestNeighbors(n_neighbors=k + 1).fit(coords).kneighbors(coords)
    return float((labels[index[:, 1:]] == labels[:, None]).mean())


@pytest.fixture
def clusters(rng) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian clusters of 100 "images" (4, 4, 3), shuffled; centres 6 sigma apart."""
    labels = rng.permutation(np.repeat([0, 1], 100))
    centres = np.stack([np.zeros(48), np.full(48, 6.0 / np.sqrt(48))])
    acts = centres[labels] + rng.normal(size=(200, 48))
    return acts.reshape(200, 4, 4, 3).astype(np.float32), labels


def test_pca_is_sklearn_pca_of_the_flattened_images(rng):
    acts = rng.normal(size=(30, 2, 2, 5))
    expected = PCA(3, random_state=0).fit_transform(acts.reshape(30, -1))
    coords = embed(acts, "pca", n_components=3)
    assert coords.shape == (30, 3) and coords.dtype == np.float32
    np.testing.assert_allclose(coords, expected, rtol=1e-5, atol=1e-5)


def test_pca_of_points_on_a_line():
    # Image t is t * (1, 2, ..., 8) + 5: the first component is the (centred) position
    # along the line, |(1..8)| = sqrt(204) per step; nothing is left for the second.
    t = np.arange(7.0)
    acts = (t[:, None] * np.arange(1.0, 9.0) + 5.0).reshape(7, 2, 4)
    coords = embed(acts, "pca")
    first = coords[:, 0] * np.sign(coords[-1, 0] - coords[0, 0])
    np.testing.assert_allclose(first, (t - 3.0) * np.sqrt(204.0), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(coords[:, 1], 0.0, atol=1e-4)


def test_tsne_separates_two_clusters(clusters):
    acts, labels = clusters
    coords = embed(acts, max_iter=300)
    assert coords.shape == (200, 2) and coords.dtype == np.float32
    # 0.98-0.994 over eight seeds of these clusters (max_iter=300): t-SNE is chaotic.
    assert knn_agreement(coords, labels) > 0.97
    assert knn_agreement(coords, np.roll(labels, 1)) < 0.7  # the measure itself can fail
    # Each cluster sits apart: the centres are farther apart than 3 cluster radii.
    centres = [coords[labels == k].mean(axis=0) for k in (0, 1)]
    radius = max(np.linalg.norm(coords[labels == k] - centres[k], axis=1).mean() for k in (0, 1))
    assert np.linalg.norm(centres[0] - centres[1]) > 3 * radius


@pytest.mark.parametrize("power", [-100, 63])
def test_any_scale_embeds_alike(clusters, power):
    # At 2**-100 scikit-learn's t-SNE crashed the process (SIGSEGV), at 2**63 it put
    # every point at (0, 0). A power of two scales exactly: the same coordinates for
    # t-SNE, PCA's scaled by the same factor.
    acts, labels = clusters[0][:80], clusters[1][:80]
    scaled = acts * np.float32(2.0**power)
    np.testing.assert_array_equal(embed(scaled, max_iter=300), embed(acts, max_iter=300))
    assert knn_agreement(embed(scaled, max_iter=300), labels, k=5) > 0.95
    np.testing.assert_allclose(
        embed(scaled, "pca"), embed(acts, "pca") * 2.0**power, rtol=1e-5, atol=1e-5 * 2.0**power
    )


def test_tsne_is_deterministic_for_a_seed(clusters):
    acts = clusters[0][:60]
    first = embed(acts, max_iter=250, init="random", random_state=3)
    np.testing.assert_array_equal(embed(acts, max_iter=250, init="random", random_state=3), first)
    other = embed(acts, max_iter=250, init="random", random_state=4)
    assert not np.allclose(other, first)
    np.testing.assert_array_equal(embed(acts, max_iter=250), embed(acts, max_iter=250))


@pytest.mark.parametrize("method", ["tsne", "pca"])
def test_input_is_never_modified(clusters, method):
    acts = clusters[0][:40].astype(np.float64)
    kept = acts.copy()
    acts.flags.writeable = False  # a read-only input works too
    coords = embed(acts, method, max_iter=250) if method == "tsne" else embed(acts, method)
    np.testing.assert_array_equal(acts, kept)
    assert coords.dtype == np.float32 and not np.shares_memory(coords, acts)


@pytest.mark.parametrize("dtype", [np.uint8, np.int64, np.bool_])
def test_integer_and_bool_activations(rng, dtype):
    acts = (rng.uniform(size=(20, 6)) * 3).astype(dtype)
    assert embed(acts, "pca", n_components=1).shape == (20, 1)


def test_three_components_and_small_batches_lower_the_perplexity(clusters, caplog):
    acts = clusters[0][:10]
    with caplog.at_level(logging.INFO, logger="activations"):
        coords = embed(acts, n_components=3, max_iter=250)
    assert coords.shape == (10, 3) and np.isfinite(coords).all()
    assert "perplexity 3 for 10 images" in caplog.text  # (10 - 1) / 3
    assert embed(acts[:2], max_iter=250).shape == (2, 2)


def test_enough_images_keep_the_default_perplexity(clusters, caplog):
    with caplog.at_level(logging.INFO, logger="activations"):
        embed(clusters[0][:91], max_iter=250)
    assert "tsne of 91 images x 48 features -> 2 dimensions (perplexity 30)" in caplog.text
    assert "(N - 1) / 3" not in caplog.text


@pytest.mark.parametrize("method", ["tsne", "pca"])
def test_identical_images_give_zeros(method, caplog):
    acts = np.ones((12, 3, 3, 2), np.float32)  # e.g. a dead layer: nothing to embed
    with caplog.at_level(logging.WARNING, logger="activations"):
        coords = embed(acts, method)
    np.testing.assert_array_equal(coords, np.zeros((12, 2), np.float32))
    assert "the same for all 12 images" in caplog.text


@pytest.mark.parametrize(
    ("acts", "options", "error", "match"),
    [
        (np.zeros((5, 3)), dict(method="umap"), ValueError, r"`method` in \['tsne', 'pca'\]"),
        (np.zeros((5, 3)), dict(method=None), ValueError, r"Received: method=None"),
        (np.zeros((1, 3)), {}, ValueError, r"at least 2 images.*acts.shape=\(1, 3\)"),
        (np.zeros(5), {}, ValueError, r"pass acts\[:, None\]\)\. Received: acts.shape=\(5,\)"),
        (np.zeros((0, 3)), {}, ValueError, r"non-empty `acts`"),
        (np.array([[0.0, np.nan]] * 3), {}, ValueError, r"without NaN"),
        (np.array([[0.0, 1], [-np.inf, 2]]), {}, ValueError, r"found 1 infinite values"),
        (np.zeros((3, 2), complex), {}, TypeError, r"real-valued.*acts.dtype=complex128"),
        (np.zeros((3, 2)), dict(n_components=2.0), TypeError, r"`n_components` to be an int"),
        (np.zeros((3, 2)), dict(n_components=0), ValueError, r"`n_components` >= 1"),
        (np.zeros((3, 2)), dict(random_state="0"), TypeError, r"`random_state` to be an int"),
        (np.zeros((3, 2)), dict(random_state=True), TypeError, r"random_state=True"),
    ],
)
def test_argument_errors(acts, options, error, match):
    with pytest.raises(error, match=match):
        embed(acts, **options)


@pytest.mark.parametrize(
    ("method", "options", "match"),
    [
        ("tsne", dict(perplexity_=5), r"method='tsne'.*sklearn.manifold.TSNE.*perplexity_"),
        ("pca", dict(perplexity=5), r"method='pca'.*'whiten'\]. Received: perplexity"),
        ("pca", dict(copy=False), r"Unknown option for method='pca'.*Received: copy"),
    ],
)
def test_unknown_options_name_the_method(rng, method, options, match):
    with pytest.raises(TypeError, match=match):
        embed(rng.normal(size=(20, 4)), method, **options)


def test_perplexity_and_component_limits(rng):
    acts = rng.normal(size=(20, 4))
    with pytest.raises(ValueError, match=r"below the number of images \(20\).*perplexity=20"):
        embed(acts, perplexity=20)
    with pytest.raises(ValueError, match=r"<= 3 for method='tsne'.*n_components=4"):
        embed(acts, n_components=4)
    with pytest.raises(ValueError, match=r"min\(20, 4\) for method='pca'. Received: n_c"):
        embed(acts, "pca", n_components=5)
    with pytest.raises(ValueError, match=r"min\(20, 1\) for method='tsne' \(or pass init='r"):
        embed(acts[:, :1], max_iter=250)
    assert embed(acts[:, :1], init="random", max_iter=250).shape == (20, 2)


def test_fits_run_on_bounded_thread_pools_that_get_their_size_back(clusters):
    embed(clusters[0], "tsne", max_iter=250)  # loads scikit-learn's OpenMP runtime
    before = {pool["filepath"]: pool["num_threads"] for pool in threadpool_info()}
    with limited_threads():
        inside = threadpool_info()
    assert inside  # NumPy's BLAS and scikit-learn's OpenMP at least
    assert {pool["num_threads"] for pool in inside} == {FIT_THREADS}
    assert {pool["filepath"]: pool["num_threads"] for pool in threadpool_info()} == before
    with pytest.raises(ZeroDivisionError), limited_threads():
        1 / 0  # noqa: B018
    assert {pool["filepath"]: pool["num_threads"] for pool in threadpool_info()} == before
