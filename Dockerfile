# syntax=docker/dockerfile:1
# conserje: one image holding the binary, every plugin, the default dialogs and templates,
# ffmpeg and espeak-ng for voice notes, and the backup scripts.
#
#   docker build --build-arg VERSION="$(git describe --tags --always --dirty)" -t conserje .
#
# Configuration comes from CONSERJE_* environment variables (see compose.yaml and
# docs/operators.md); the SQLite database (when used) and the generated ICS salt live in the
# /data volume.

ARG GO_VERSION=1.26
ARG DEBIAN_RELEASE=trixie

FROM golang:${GO_VERSION}-${DEBIAN_RELEASE} AS build
WORKDIR /src
# Pure-Go build (modernc SQLite needs no cgo): the binaries run on any glibc or none.
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# .git is not copied (see .dockerignore), so the version comes from the build argument.
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    make build VERSION="${VERSION}" \
 && ./bin/conserje version

FROM debian:${DEBIAN_RELEASE}-slim
# ca-certificates: HTTPS to Meta, Mercado Pago and the portals' iCal feeds.
# tzdata: America/Argentina/Buenos_Aires for stay dates.
# ffmpeg, espeak-ng: voice notes in (plugins/stt-whisper converts them to 16 kHz mono WAV)
#   and out (plugins/tts-espeak speaks with espeak-ng, ffmpeg encodes OGG/Opus). The
#   recognizer is the host's choice (an OpenAI-compatible API, a whisper.cpp server or a
#   command); pocketsphinx and pocketsphinx-en-us are only the tests' recognizer (.ci/run).
# sqlite3, postgresql-client: deploy/backup.sh and restore.sh inside the container.
# curl: the HEALTHCHECK below.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates tzdata ffmpeg espeak-ng sqlite3 postgresql-client curl \
 && rm -rf /var/lib/apt/lists/*

# A fixed uid/gid so a bind-mounted /data can be chowned to it on the host (10001:10001).
RUN groupadd --system --gid 10001 conserje \
 && useradd --system --uid 10001 --gid conserje --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin conserje \
 && install -d -o conserje -g conserje -m 0750 /data

WORKDIR /app
COPY --from=build /src/bin/ ./bin/
COPY --from=build /src/dialogs/ ./dialogs/
COPY --from=build /src/locales/ ./locales/
COPY --from=build /src/config.example.yaml ./config.example.yaml
COPY --from=build /src/deploy/backup.sh /src/deploy/restore.sh ./deploy/

# The built-in defaults name ./bin/plugins/..., ./dialogs and ./locales relative to /app;
# only the database moves to the volume. The ICS salt, when generated, is kept beside it.
ENV CONSERJE_DATABASE_URL=/data/conserje.db \
    CONSERJE_HTTP_ADDR=:8080 \
    CONSERJE_BACKUP_DIR=/data/backups \
    PATH=/app/bin:/app/deploy:$PATH \
    TZ=America/Argentina/Buenos_Aires

USER conserje:conserje
VOLUME ["/data"]
EXPOSE 8080

# /healthz answers 503 when the database (or Redis, when configured) is unreachable.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD curl --fail --silent --show-error --max-time 4 "http://127.0.0.1:${CONSERJE_HTTP_ADDR##*:}/healthz" >/dev/null || exit 1

# serve stops gracefully on SIGTERM (docker stop), finishing requests in flight.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/bin/conserje"]
CMD ["serve"]
