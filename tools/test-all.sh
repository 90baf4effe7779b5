#!/usr/bin/env bash
# The README's test command: every Rust test, then the Python package built
# and installed the way a new user installs it, then its tests.
#
#   1. cargo test --workspace --locked
#   2. a fresh virtualenv (under the cargo target folder, never committed):
#      `pip wheel .` builds the abi3 wheel through pyproject.toml (maturin,
#      as `pip install .` does), then `pip install srtlog-*.whl[test]`
#   3. ruff over the Python code, then pytest python/tests against the installed wheel, with the `srtlog`
#      binary of step 1 as the reference for every --json value
#
# In CI (CI=true), or with SRTLOG_TEST_FLEET=1, the wheel's `ray` and `spark`
# extras are installed too (Ray Data and PySpark, from PyPI, about a minute;
# PySpark needs a Java 17+ runtime, which .ci/run installs), so the Ray and
# Spark reader tests run; elsewhere they are skipped with the reason shown.
#
# Environment: CARGO_TARGET_DIR (default ./target); PYTHON (default python3);
# SRTLOG_WHEEL_PROFILE=dev builds the wheel without optimisation (quicker
# local runs; CI builds the release wheel a user gets).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
PYTHON="${PYTHON:-python3}"

echo "== cargo test --workspace --locked"
cargo test --workspace --locked

echo "== the srtlog binary (the reference of the Python tests; cargo test built it)"
export SRTLOG_BIN="$TARGET/debug/srtlog"
if [ ! -x "$SRTLOG_BIN" ]; then cargo build -p srtlog-cli --locked; fi

echo "== Python: a fresh virtualenv, the wheel built and installed as a new user would"
VENV="$TARGET/py-venv"
WHEELS="$TARGET/wheels"
rm -rf "$VENV" "$WHEELS"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
if [ "${SRTLOG_WHEEL_PROFILE:-release}" = "dev" ]; then
    export MATURIN_PEP517_ARGS="--profile dev"
fi
"$VENV/bin/python" -m pip wheel --disable-pip-version-check --no-deps -w "$WHEELS" "$ROOT"
WHEEL="$(ls "$WHEELS"/srtlog-*.whl)"
EXTRAS="test"
if [ "${CI:-}" = "true" ] || [ "${SRTLOG_TEST_FLEET:-}" = "1" ]; then EXTRAS="test,ray,spark"; fi
SECONDS=0
# No pip cache: PySpark is a 400 MB download that a cache would keep twice.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir "$WHEEL[$EXTRAS]"
echo "installed srtlog[$EXTRAS] in ${SECONDS}s"
# The tests must import the installed package, not the source tree.
(cd "$TARGET" && "$VENV/bin/python" -c 'import srtlog, sys; print("srtlog", srtlog.__version__, "from", srtlog.__file__)')

echo "== ruff (the Python code's lints; settings in pyproject.toml)"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "ruff>=0.6"
"$VENV/bin/ruff" check python bench tests

echo "== pytest python/tests"
"$VENV/bin/python" -m pytest -q python/tests
