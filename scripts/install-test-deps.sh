#!/usr/bin/env bash
# Install everything the test suite needs, on a fresh Debian machine or a used one.
#   - TeX (pdflatex) and poppler (pdftoppm) from apt, to compile and look at LaTeX output;
#     apt is skipped entirely when both programs are already on PATH.
#   - The npm package katex (pinned in package-lock.json) into ./node_modules, to check the
#     math in generated Markdown. (npm may warn that katex's CLI dependency `commander`
#     wants a newer node; the tests use only the katex library, which works on node 20.)
#   - This package in editable mode with its test extra (pytest, torch, scikit-learn, ruff).
# Idempotent, non-interactive; run as root (or with a sudo that needs no password).
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if command -v pdflatex >/dev/null && command -v pdftoppm >/dev/null; then
    echo "install-test-deps: pdflatex and pdftoppm found, skipping apt"
else
    echo "install-test-deps: installing TeX and poppler with apt"
    $SUDO apt-get update
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        texlive-latex-base texlive-latex-recommended texlive-pictures poppler-utils
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "install-test-deps: installing node and npm with apt"
    $SUDO apt-get update
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm
fi

echo "install-test-deps: npm ci (katex)"
npm ci --no-audit --no-fund

echo "install-test-deps: pip install -e .[test]"
python -m pip install --disable-pip-version-check --root-user-action=ignore --quiet -e ".[test]"
