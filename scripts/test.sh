#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run every
# stage, even when an earlier one fails: ruff, mypy, the whole suite on the TensorFlow
# backend, the backend-agnostic core tests (marker `core`) on PyTorch and on JAX,
# the benchmarks on tiny sizes, and the documentation site (Sphinx, warnings as errors,
# every tutorial notebook executed: tests/test_docs.py, marker `docs`). The TensorFlow stage
# includes the Ray tests (marker `ray`), on a local 2-CPU cluster they start themselves. Each stage prints one summary
# line; the script exits non-zero if any stage failed. pytest's exit code 5 (no tests collected)
# fails a stage too, and so does any skipped test (ACTIVATIONS_NO_SKIP=1).
set -uo pipefail
cd "$(dirname "$0")/.."

install() {
  local need_apt=()
  [ -d /usr/share/datasets/fashion-mnist ] || need_apt+=(dataset-fashion-mnist)
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  if [ ${#need_apt[@]} -gt 0 ]; then
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq || return 1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null \
      || return 1
  fi
  # torch first: the test extra's captum needs torch, and would otherwise pull the newest one
  python -m pip install -q --disable-pip-version-check "torch==2.13.0" jax jaxlib || return 1
  python -m pip install -q --disable-pip-version-check -e ".[test,docs]" || return 1
}

if ! install; then
  echo "test.sh: installing the test dependencies failed" >&2
  exit 1
fi

export ACTIVATIONS_NO_SKIP=1 TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
names=() codes=() times=()

stage() {  # stage NAME COMMAND...: run it, remember its exit code and time
  local name=$1 start=$SECONDS code
  shift
  echo "=== test.sh: $name: $*"
  "$@"
  code=$?
  names+=("$name") codes+=("$code") times+=("$((SECONDS - start))")
  echo "=== test.sh: $name: exit $code"
}

bench_out=$(mktemp -d)
stage "ruff" python -m ruff check activations tests examples benchmarks scripts data docs
stage "mypy" python -m mypy
stage "tensorflow, all tests" python -m pytest -p no:cacheprovider -m "not docs"
stage "torch, core tests" env KERAS_BACKEND=torch python -m pytest -p no:cacheprovider -m core -q
stage "jax, core tests" env KERAS_BACKEND=jax python -m pytest -p no:cacheprovider -m core -q
stage "benchmarks, tiny" bash -c "python benchmarks/bench_activations.py --tiny --out '$bench_out' \
  && python benchmarks/bench_top.py --tiny >/dev/null \
  && python benchmarks/bench_explore.py --tiny >/dev/null"
rm -rf "$bench_out"
stage "docs" python -m pytest -p no:cacheprovider -m docs -q tests/test_docs.py

echo
echo "test.sh summary:"
failed=0
for i in "${!names[@]}"; do
  status=passed
  [ "${codes[$i]}" -eq 0 ] || { status="FAILED (exit ${codes[$i]})"; failed=1; }
  printf '  %-24s %-18s %4ss\n' "${names[$i]}" "$status" "${times[$i]}"
done
exit $failed
