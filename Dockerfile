# One image for every Xinfang process: `xinfang run intake|dedup|escalation|notification|gateway`
# and the one-shot `xinfang topics create`.
#
# The build stage turns the project and its dependencies into wheels (with a compiler at
# hand for any dependency that ships only a source archive); the runtime stage installs
# those wheels without a compiler or network access.
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY services ./services
RUN pip wheel --wheel-dir /wheels .


FROM python:3.11-slim

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    XINFANG_DATA_DIR=/var/lib/xinfang \
    XINFANG_LOG_FORMAT=json \
    XINFANG_WEB_HOST=0.0.0.0

COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links=/wheels xinfang \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/xinfang --create-home xinfang

# RocksDB state lives under XINFANG_DATA_DIR; mount a volume there to keep it across
# restarts (it is rebuilt from the changelog topics when lost, only slower).
VOLUME ["/var/lib/xinfang"]
USER 10001:10001
WORKDIR /var/lib/xinfang

# Every service answers GET /health on its web port: 200 when healthy, 503 otherwise.
# XINFANG_WEB_PORT is the shared form of the web_port setting, so the container that sets
# it runs its service on that port and checks the same one.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('XINFANG_WEB_PORT', '6066') + '/health', timeout=4)"]

ENTRYPOINT ["xinfang"]
CMD ["--help"]
