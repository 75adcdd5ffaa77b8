#!/usr/bin/env bash
# A Debian bookworm base image with Python 3.11, made from Debian's packages, for building the Containerfile
# where no container registry is reachable (CI): mmdebstrap writes a root filesystem tarball, buildah turns it
# into an image. The Containerfile's default base (python:3.11-slim) needs a registry; this one needs only a
# Debian mirror. Usage: scripts/container-base.sh [IMAGE]  (default localhost/baton-base:bookworm)
# Installs mmdebstrap and buildah from Debian when missing. Set BATON_BASE_REBUILD=1 to build it again.
set -euo pipefail

image=${1:-localhost/baton-base:bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

if ! command -v mmdebstrap >/dev/null 2>&1 || ! command -v buildah >/dev/null 2>&1; then
    echo "installing mmdebstrap and buildah"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap buildah >/dev/null
fi

if [ "${BATON_BASE_REBUILD:-0}" != 1 ] && buildah inspect --type image "$image" >/dev/null 2>&1; then
    echo "base image $image exists (BATON_BASE_REBUILD=1 to rebuild it)"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# minbase plus what a Python application image needs: python3 with venv and pip (ensurepip's wheels), the CA
# certificates pip and Baton's HTTPS calls use, and tzdata. Documentation, man pages and translations are left
# out; apt's lists are dropped once the packages are in (the image never runs apt).
mmdebstrap --variant=minbase --quiet \
    --include=python3,python3-venv,python3-pip,ca-certificates,tzdata \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
    bookworm "$work/rootfs.tar" \
    "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main"

container=$(buildah from scratch)
buildah add --quiet "$container" "$work/rootfs.tar" / >/dev/null
buildah config --env LANG=C.UTF-8 --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd python3 --label org.opencontainers.image.description="Debian bookworm with python3 (mmdebstrap)" \
    "$container"
buildah commit --quiet --rm "$container" "$image" >/dev/null
echo "base image $image: $(buildah inspect --type image --format '{{.FromImageID}}' "$image" 2>/dev/null | cut -c1-12)"
buildah images "$image"
