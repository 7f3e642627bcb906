# Mirrors the README: install the server extra, run `knownparty serve` on a SQLite file in /data.
# KNOWNPARTY_WORKERS above 1 runs that many server processes on the port: use PostgreSQL then,
# as compose.yaml and deploy/kubernetes/ do with this same image.
#
# Two stages: the first has a C compiler and builds the package (with its compiled matcher,
# knownparty_service/domain/watchlists/_matchcore) into /install; the image itself gets only that.
FROM python:3.11-slim AS build

RUN apt-get update \
    && apt-get install --yes --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY client ./client
COPY service ./service
# A compiled module left in the context from a local build is not this image's: drop it. Then
# install, and fail the build if the compiled matcher is missing (setup.py lets it be optional).
RUN find service -name '*.so' -delete \
    && pip install --no-cache-dir --prefix=/install ".[server]" \
    && PYTHONPATH=/install/lib/python3.11/site-packages \
       python -c "from knownparty_service.domain.watchlists import _matchcore"

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    KNOWNPARTY_DATABASE_URL=sqlite:////data/knownparty.db \
    KNOWNPARTY_SIGNING_KEY_FILE=/data/knownparty-signing.key \
    KNOWNPARTY_DATA_KEY_FILE=/data/knownparty-data.key \
    KNOWNPARTY_LISTEN=0.0.0.0:50051 \
    KNOWNPARTY_WORKERS=1 \
    KNOWNPARTY_METRICS_LISTEN=0.0.0.0:9464
# Two malloc arenas: glibc's default of one a thread lets a threaded server's memory creep.
ENV MALLOC_ARENA_MAX=2

RUN useradd --create-home --uid 10001 knownparty \
    && mkdir /data && chown knownparty:knownparty /data

# The installed package and its dependencies (site-packages and the `knownparty` script).
COPY --from=build /install /usr/local

USER knownparty
WORKDIR /data
VOLUME ["/data"]
EXPOSE 50051 9464

HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["knownparty", "--target", "127.0.0.1:50051", "health"]

CMD ["knownparty", "serve"]
