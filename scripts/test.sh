#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run it:
# the whole suite on the TensorFlow backend, then the backend-agnostic core tests
# (marker `core`) on PyTorch and on JAX. pytest's exit code 5 (no tests collected)
# fails too, and so does any skipped test (ACTIVATIONS_NO_SKIP=1).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -d /usr/share/datasets/fashion-mnist ] || need_apt+=(dataset-fashion-mnist)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

python -m pip install -q --disable-pip-version-check -e ".[test]"
python -m pip install -q --disable-pip-version-check "torch==2.13.0" jax jaxlib

python -m ruff check activations tests examples benchmarks scripts
ACTIVATIONS_NO_SKIP=1 python -m pytest -p no:cacheprovider
ACTIVATIONS_NO_SKIP=1 KERAS_BACKEND=torch python -m pytest -p no:cacheprovider -m core -q
ACTIVATIONS_NO_SKIP=1 KERAS_BACKEND=jax python -m pytest -p no:cacheprovider -m core -q
python benchmarks/bench_activations.py --tiny --out "$(mktemp -d)"
