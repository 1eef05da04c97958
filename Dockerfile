# syntax=docker/dockerfile:1
# crmsync's container image: `make image` (docker build). Three stages: Node builds the taskpane, Go
# builds the release binary with the Makefile's own target (the same command as `make release`), and a
# distroless static base runs it as a non-root user with CA certificates and nothing else.
# No HEALTHCHECK: orchestrators (Container Apps, App Service, Kubernetes) probe /healthz and /readyz.

FROM node:22-bookworm-slim AS taskpane
WORKDIR /src/taskpane
COPY taskpane/package.json taskpane/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY addin-manifest/icons/ /src/addin-manifest/icons/
COPY taskpane/ ./
RUN npm run build

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=taskpane /src/taskpane/dist/ taskpane/dist/
# VERSION, a release tag vX.Y.Z, sets the add-in's version: this context has no .git to read it from.
ARG VERSION=
RUN make release-binary VERSION="${VERSION}" RELEASE_BIN=/out/crmsync

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/crmsync /usr/local/bin/crmsync
# Production listens on every interface of the container; the platform terminates TLS in front of it.
ENV CRMSYNC_ADDR=0.0.0.0:8080 \
    CRMSYNC_DATA_DIR=/tmp/crmsync
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/crmsync"]
CMD ["serve"]
