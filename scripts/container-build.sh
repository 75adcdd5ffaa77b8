#!/usr/bin/env bash
# Build Baton's image from the Containerfile with buildah, on the Debian base of scripts/container-base.sh (no
# container registry needed). Usage: scripts/container-build.sh [TAG]  (default localhost/baton:ci)
# BASE overrides the base image (e.g. docker.io/library/python:3.11-slim where a registry is reachable).
# The build stage reads packages from the index pip uses here: $PIP_INDEX_URL, else pip's configured
# global.index-url, else PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${1:-localhost/baton:ci}
base=${BASE:-localhost/baton-base:bookworm}
if [ -z "${BASE:-}" ]; then
    start=$SECONDS
    bash scripts/container-base.sh "$base"
    echo "base image: $((SECONDS - start)) s"
fi

index=${PIP_INDEX_URL:-$(python3 -m pip config get global.index-url 2>/dev/null || true)}
index=${index:-https://pypi.org/simple}
trusted=${PIP_TRUSTED_HOST:-$(python3 -m pip config get global.trusted-host 2>/dev/null || true)}
# The CA bundle pip trusts here (a TLS-inspecting proxy's CA may be in it), lent to the build as a secret.
cert=${PIP_CERT:-$(python3 -m pip config get global.cert 2>/dev/null || true)}
secret=()
if [ -n "$cert" ] && [ -s "$cert" ]; then secret=(--secret "id=pip-cert,src=$cert"); fi
previous=$(buildah inspect --type image --format '{{.FromImageID}}' "$tag" 2>/dev/null || true)
echo "building $tag on $base (packages from $index)"
start=$SECONDS
# --format docker keeps the HEALTHCHECK (the OCI image format has no field for it); --layers=false: one layer
# per stage, nothing cached between CI runs but the base.
buildah bud --quiet --isolation chroot --format docker --layers=false \
    --build-arg BASE="$base" --build-arg PIP_INDEX_URL="$index" --build-arg PIP_TRUSTED_HOST="$trusted" "${secret[@]}" \
    -f Containerfile -t "$tag" . >/dev/null
echo "image build: $((SECONDS - start)) s"
# The image this tag named before (an earlier CI run's) is dropped, so rebuilds do not pile up on the disk.
current=$(buildah inspect --type image --format '{{.FromImageID}}' "$tag")
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then buildah rmi "$previous" >/dev/null 2>&1 || true; fi
buildah images "$tag"
