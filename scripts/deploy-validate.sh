#!/usr/bin/env bash
# CI's check of the deployment files: deploy/compose.yaml through a Compose implementation's `config` (Debian's
# docker-compose, which validates against the Compose schema offline), and deploy/systemd/baton.service through
# `systemd-analyze verify` with Baton installed where the unit runs it (/opt/baton, as docs/deploy.md installs it).
# Installs docker-compose and systemd from Debian when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
work=$(mktemp -d)
created_opt=
cleanup() {
    rm -rf "$work"
    if [ -n "$created_opt" ]; then rm -rf /opt/baton; fi
}
trap cleanup EXIT

echo "--- compose: $(docker-compose version --short) config"
# As an admin lays it out: deploy/ with baton.env copied from the example (and baton.yaml, only mounted).
mkdir "$work/deploy"
cp deploy/compose.yaml "$work/deploy/"
cp deploy/baton.env.example "$work/deploy/baton.env"
(cd "$work/deploy" && docker-compose --env-file baton.env -f compose.yaml config) >"$work/compose.out"
python3 - "$work/compose.out" <<'PY'
import sys, yaml
config = yaml.safe_load(open(sys.argv[1]))
services = config["services"]
replicas = [name for name, s in services.items() if s.get("command") is None and name.startswith("baton")]
urls = {services[name]["environment"]["BATON_DATABASE_URL"] for name in replicas + ["migrate"]}
assert replicas == ["baton-1", "baton-2"], replicas
assert urls == {"postgresql+psycopg://baton:change-me@postgres:5432/baton"}, urls
assert services["migrate"]["command"] == ["baton", "db", "upgrade"]
for name in replicas:
    after = services[name]["depends_on"]["migrate"]["condition"]
    assert after == "service_completed_successfully", (name, after)
assert "pgdata:/var/lib/postgresql/data:rw" in services["postgres"]["volumes"]
print(f"compose OK: {', '.join(services)}; replicas {replicas} share {urls.pop().split('@')[1]}")
PY

echo "--- systemd: $(systemd-analyze --version | head -n1) verify"
if [ ! -x /opt/baton/bin/baton ]; then
    # The unit's ExecStart must exist for verify to pass: install Baton there the way docs/deploy.md does.
    created_opt=1
    python3 -m venv /opt/baton
    /opt/baton/bin/pip install -q "$root[postgres]" 2>"$work/pip.err" || { cat "$work/pip.err"; exit 1; }
fi
/opt/baton/bin/baton --version
# verify reads the other units of this machine too; only what it says of baton.service counts.
if ! systemd-analyze verify deploy/systemd/baton.service 2>"$work/verify.err"; then
    cat "$work/verify.err"
    echo "systemd-analyze verify failed"
    exit 1
fi
if grep -i 'baton' "$work/verify.err"; then
    echo "systemd-analyze verify warned about baton.service"
    exit 1
fi
echo "systemd unit OK"
systemd-analyze security --offline=true deploy/systemd/baton.service | tail -n1
