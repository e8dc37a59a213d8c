# The API's container image. The build context is the repository root (the Pulumi program
# builds it so); .dockerignore admits only the API module's sources.
#
#   docker build --build-arg VERSION=1.2.3 --build-arg COMMIT="$(git rev-parse HEAD)" \
#     --build-arg BUILD_TIME="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -t webstack-api .
#
# Base images are pinned by digest, so a rebuild of an old commit uses the same bases.
# To move them: `crane digest golang:1.26.8-bookworm` and
# `crane digest gcr.io/distroless/static-debian12:nonroot`, then update tag and digest together.

FROM golang:1.26.8-bookworm@sha256:dc9ad6c05acc7a88e5b71bde60a5fe3bd4b9f0db209011711b464107438a8107 AS build
WORKDIR /src
# The toolchain in the image builds; go.mod's go line must never trigger a download.
ENV CGO_ENABLED=0 GOTOOLCHAIN=local
# Dependencies first, so editing the source does not re-download modules. The API is
# standard library only today (no go.sum yet); the layer is here for when that changes.
COPY api/go.mod api/go.sum* ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY api/ ./
ARG VERSION=dev
ARG COMMIT=unknown
ARG BUILD_TIME=unknown
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath \
      -ldflags="-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.buildTime=${BUILD_TIME}" \
      -o /out/api .

# Runtime: static distroless (CA certificates, tzdata, /etc/passwd; no shell, no package
# manager). The binary stays root-owned so the service user cannot rewrite it.
FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
ARG VERSION=dev
ARG COMMIT=unknown
ARG BUILD_TIME=unknown
LABEL org.opencontainers.image.title="webstack-api" \
      org.opencontainers.image.description="Stateless JSON API behind an ALB on ECS" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.created="${BUILD_TIME}" \
      org.opencontainers.image.base.name="gcr.io/distroless/static-debian12:nonroot" \
      org.opencontainers.image.base.digest="sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab"
COPY --from=build /out/api /api
# Numeric, so a policy or runtime can tell it is not root without reading the image's
# /etc/passwd: 65532 is distroless's "nonroot".
USER 65532:65532
ENV PORT=8080
EXPOSE 8080
# The image has no shell or curl: the binary checks itself. ECS ignores this instruction;
# the task definition's container healthCheck runs the same command.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["/api", "healthcheck"]
ENTRYPOINT ["/api"]
