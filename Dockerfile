# syntax=docker/dockerfile:1
# cachefix's own image, built the way cachefix asks Dockerfiles to be written:
# go.mod and go.sum are copied alone before `go mod download`, so a source edit reuses the
# downloaded modules, and both Go steps mount the module and build caches.
#
#   docker build -t cachefix .
#   docker run --rm -v "$PWD:/src" -w /src cachefix fix --check .
#
# The builder runs on the build machine's platform and cross-compiles for the target one, so
# `docker buildx build --platform linux/amd64,linux/arm64 .` needs no emulation.

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go mod download
COPY . .
ARG TARGETOS TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/cachefix ./cmd/cachefix

# Alpine rather than distroless: Sourcegraph batch-change steps run their command through
# /bin/sh in the container, multi-repository scripts call git, and `cachefix explain --since`
# runs git. safe.directory lets git read repositories mounted from the host with another owner.
FROM alpine:3.22
RUN apk add --no-cache ca-certificates git \
 && git config --system --add safe.directory '*'
COPY --from=build /out/cachefix /usr/local/bin/cachefix
WORKDIR /src
ENTRYPOINT ["cachefix"]
CMD ["--help"]
