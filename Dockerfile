# Mirrors the README: install the server extra, run `knownparty serve` on a SQLite file in /data.
# KNOWNPARTY_WORKERS above 1 runs that many server processes on the port: use PostgreSQL then,
# as compose.yaml and deploy/kubernetes/ do with this same image.
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

WORKDIR /app
COPY pyproject.toml README.md ./
COPY client ./client
COPY service ./service
RUN pip install ".[server]"

USER knownparty
WORKDIR /data
VOLUME ["/data"]
EXPOSE 50051 9464

HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["knownparty", "--target", "127.0.0.1:50051", "health"]

CMD ["knownparty", "serve"]
