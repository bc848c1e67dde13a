# One image for every service and every role: `python -m fdcs <role> <service>`.
#
# Why one image: the services share one pyproject, one lock file and the shared code, and
# every process (serve, relay, project, migrate) is the same command line with other
# arguments. One image is built, scanned, signed and promoted once, its layers are pulled
# once per node, and a release is one tag; images per service would differ only in CMD.
#
#   docker build -t registry.example.gov.cn/fdcs/fdcs:0.1.0 .
#   docker run --rm registry.example.gov.cn/fdcs/fdcs:0.1.0 serve signing
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
# A C compiler for the appraisal's arithmetic (mypyc: fdcs/compiled.py), in this stage only.
RUN apt-get update \
 && apt-get install --yes --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY requirements.lock pyproject.toml ./
COPY fdcs fdcs
COPY shared shared
COPY services services
# Runtime dependencies only, at the versions the lock file pins; the tests stay out. The
# appraisal's arithmetic is then compiled over its sources with the lock's mypy, which goes again.
RUN python -m venv /opt/fdcs \
 && /opt/fdcs/bin/pip install --constraint requirements.lock . \
 && /opt/fdcs/bin/pip install --constraint requirements.lock mypy \
 && /opt/fdcs/bin/python -m fdcs.compiled --into /opt/fdcs/lib/python3.11/site-packages \
 && /opt/fdcs/bin/pip uninstall --yes mypy \
 && /opt/fdcs/bin/python -m compileall -q /opt/fdcs
COPY deploy/docker/healthcheck.py /opt/fdcs/healthcheck.py

FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 fdcs \
 && useradd --system --uid 10001 --gid fdcs --no-create-home --shell /usr/sbin/nologin fdcs
COPY --from=build /opt/fdcs /opt/fdcs
# Nothing is written at run time but to /tmp (an emptyDir in Kubernetes), so the root
# filesystem can be read-only; bytecode was compiled at build time.
ENV PATH=/opt/fdcs/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080
WORKDIR /tmp
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "/opt/fdcs/healthcheck.py"]
ENTRYPOINT ["python", "-m", "fdcs"]
CMD ["--help"]
