#!/usr/bin/env bash
# CI's container check: build the base (Debian packages, mmdebstrap) and Baton's image (buildah bud), print the
# image's size, then smoke-test it (scripts/container_smoke.py): `baton check` and `baton run` inside it,
# /healthz 200 from the host, a signed webhook from the host accepted and processed; then two replicas of it
# sharing a PostgreSQL store.
# Run from an environment with Baton's test extras (CI's .venv): the smoke test reuses the tests' fake ServiceNow.
# Usage: scripts/container-smoke.sh [TAG]   (default localhost/baton:ci)
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-localhost/baton:ci}
step() { printf -- '--- %s\n' "$1"; }

start=$SECONDS
step "base image (Debian bookworm, mmdebstrap) and image build (buildah bud)"
bash scripts/container-build.sh "$tag"
echo "base and image: $((SECONDS - start)) s"


echo "image $tag size: $(buildah images --format '{{.Size}}' "$tag")"

step "smoke test"
start=$SECONDS
# Two replicas sharing PostgreSQL too: a throwaway database on the tests' server (dropped afterwards).
python scripts/container_smoke.py "$tag" \
    --postgres "${BATON_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
echo "smoke test: $((SECONDS - start)) s"
