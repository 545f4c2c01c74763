# The distil image: the project installed once (CPU torch, the offline student backbone,
# PostgreSQL's driver, Prefect), for compose's Prefect server and worker and for Kubernetes jobs.
#
#   docker build -t distil:0.1.0 .                                   # an endpoint is the teacher
#   docker build --build-arg LOCAL_TEACHER=1 -t distil:0.1.0 .       # + the embedded llama.cpp teacher
#
# The install steps are deploy/install.sh, which CI runs in a clean virtualenv (tests/test_image.py).
FROM python:3.11.11-slim-bookworm

ARG LOCAL_TEACHER=0
ARG TORCH_SPEC=torch==2.13.0
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

# a compiler only when llama.cpp is built; curl for nothing: healthchecks use python
RUN if [ "$LOCAL_TEACHER" = 1 ]; then \
        apt-get update && apt-get install -y --no-install-recommends build-essential cmake git \
        && rm -rf /var/lib/apt/lists/*; \
    fi \
    && useradd --create-home --uid 1000 distil

ENV XDG_CACHE_HOME=/opt/distil/cache \
    PATH=/opt/distil/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    HF_HUB_DISABLE_TELEMETRY=1

COPY . /opt/distil/src
RUN LOCAL_TEACHER=$LOCAL_TEACHER TORCH_SPEC=$TORCH_SPEC TORCH_INDEX_URL=$TORCH_INDEX_URL \
        sh /opt/distil/src/deploy/install.sh /opt/distil/venv /opt/distil/src \
    && rm -rf /opt/distil/cache/pip \
    && mkdir -p /opt/distil/cache /project && chown -R distil:distil /opt/distil/cache /project

USER distil
# prefect.yaml is here: `prefect deploy --all` runs from this folder
WORKDIR /opt/distil/src
CMD ["distil", "--help"]
