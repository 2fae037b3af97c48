# syntax=docker/dockerfile:1
# One Dockerfile for every process of the platform; the process is chosen at run time:
#   docker run dwp-services dwp serve claims        (or: -e DWP_SERVICE=claims with no command)
# Targets: `runtime` (Fargate services, docker-compose) and `lambda` (the worker Lambda functions).
# DWP_EXTRAS names the optional dependencies the image holds beyond the base runtime: the catalogue's
# `extras` of the processes that run it (`--build-arg DWP_EXTRAS=rules` for the benefits service and
# the monthly run, tagged `-rules`; nothing for the rest, which then carry no numba, LLVM or NumPy).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: the locked dependencies (hash-checked) and the platform, in a virtual environment ------
FROM ${PYTHON_IMAGE} AS builder
ARG DWP_EXTRAS=""
ENV UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# uv at the lock's version, hash-checked, as the Makefile bootstraps it.
RUN sed -n '/^uv==/,/^    # via/p' requirements.lock > /tmp/uv-requirement.txt \
 && pip install --no-cache-dir --no-deps --require-hashes -r /tmp/uv-requirement.txt
# The lock is universal and includes every extra (rules, local, dev, infra): install it as locked, then
# remove everything outside the closure of dwp[DWP_EXTRAS] (docker/prune.py) so the image carries only
# what its processes import (moto, flask, pytest and the CDK never; numba only when asked for).
RUN uv venv /app/.venv \
 && uv pip sync --python /app/.venv/bin/python --require-hashes requirements.lock
COPY src/ src/
COPY docker/ docker/
# Bytecode last, for what the prune kept: the runtime's root is read-only (and PYTHONDONTWRITEBYTECODE is
# set), so a module without it here would be compiled again at every start of every task (docs/
# performance.md). Not uv's --compile-bytecode: its .pyc files are in no RECORD, so the prune would leave
# the removed packages' bytecode behind.
RUN uv pip install --python /app/.venv/bin/python --no-deps --no-build-isolation . \
 && /app/.venv/bin/python docker/prune.py "${DWP_EXTRAS}" | xargs --no-run-if-empty uv pip uninstall --python /app/.venv/bin/python \
 && /app/.venv/bin/python -m compileall -q -j 0 /app/.venv/lib/python3.11/site-packages > /dev/null

# --- runtime: slim, non-root, read-only friendly ------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DWP_ENV=local \
    DWP_DATA_DIR=/var/lib/dwp \
    NUMBA_CACHE_DIR=/tmp/numba-cache
RUN groupadd --gid 10001 dwp \
 && useradd --uid 10001 --gid dwp --no-create-home --shell /usr/sbin/nologin dwp \
 && mkdir -p /var/lib/dwp \
 && chown 10001:10001 /var/lib/dwp
WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
COPY docker/entrypoint.sh docker/healthcheck.py /app/docker/
USER 10001:10001
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/docker/healthcheck.py", "live"]
ENTRYPOINT ["/app/docker/entrypoint.sh"]

# --- lambda: the same packages on the AWS Lambda base image (runtime interface client included) -------
FROM amazon/aws-lambda-python:3.11 AS lambda
# numba caches compiled rules beside their source by default: on a read-only root that fails, so the
# cache goes to the one writable folder (ECS mounts a volume at /tmp; Lambda's /tmp is writable).
ENV NUMBA_CACHE_DIR=/tmp/numba-cache
COPY --from=builder /app/.venv/lib/python3.11/site-packages/ ${LAMBDA_TASK_ROOT}/
USER 10001
CMD ["dwp.workers.lambda_handlers.notifications_handler"]
