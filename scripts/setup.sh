#!/usr/bin/env bash
# Installs what Migrator needs on a fresh Debian machine of this kind, skipping what is there:
# openssh-server (the demo and tests use a real sshd on loopback), a running PostgreSQL, the
# Temporal CLI (built once into ~/.cache/migrator), the npm dependencies, the console's build and the CLI's bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
step() { echo "==> [setup $(( $(date +%s) - started ))s] $*"; }
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi

step "system packages (openssh-server, util-linux, procps, chromium for the console's browser tests)"
need=()
for bin in /usr/sbin/sshd:openssh-server /usr/bin/ssh-keygen:openssh-client /usr/bin/flock:util-linux /usr/bin/setsid:util-linux /bin/ps:procps /usr/bin/chromium:chromium; do
  [ -x "${bin%%:*}" ] || need+=("${bin##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
$SUDO mkdir -p /run/sshd

step "PostgreSQL"
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432

step "Temporal CLI (built once into ~/.cache/migrator)"
TEMPORAL_CLI="$(bash scripts/temporal-cli.sh)"
export TEMPORAL_CLI
"$TEMPORAL_CLI" --version

step "npm dependencies"
if [ -n "${CI:-}" ] || ! npm ls --depth=0 >/dev/null 2>&1; then npm ci --no-audit --no-fund; fi

step "the console (web/ into web/dist, served by the API at /)"
npm run build -w web --silent

step "the command line (cli/ into cli/dist, run by npx migrator)"
npm run build -w @migrator/cli --silent

step "done"
