# A static, non-root image of strain.
#
#   docker build -t REGISTRY/strain:TAG .
#   docker run --rm REGISTRY/strain:TAG run http://host:8080/ -r 100 -d 30s --no-tui
#
# In a container, pass --profiles under a writable volume (e.g.
# --profiles /results/profiles/segment-0) or --no-diagnose: the default
# ./strain-profiles is relative to the working directory.

FROM golang:1.26 AS build
WORKDIR /src
# The module's dependencies first, so that a change to the source alone
# reuses this layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/strain ./cmd/strain

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/strain /strain
# distroless's nonroot user, numeric so that runAsNonRoot can check it.
USER 65532:65532
ENTRYPOINT ["/strain"]
