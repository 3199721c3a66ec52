#!/usr/bin/env bash
# Makes sure the real parts the tests talk to are here, idempotently:
#   - promtool (Debian `prometheus`): checks our exposition output;
#   - Alertmanager (Debian `prometheus-alertmanager`): receives our alerts in the notifier tests;
#   - the Python Prometheus client (Debian `python3-prometheus-client`): its strict OpenMetrics
#     parser checks our OpenMetrics output in the property suite. Debian's /usr/bin/python3, not
#     whatever python3 is first on PATH (a pyenv build does not see Debian's dist-packages);
#   - Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432 (database `test`): adapter and
#     health-check tests. Started with the machine's own commands when installed but not running.
# Does nothing that is already done. apt-get update runs only if a first install attempt fails.
set -euo pipefail

log() { echo "ensure-test-deps: $*" >&2; }
fail() { log "$*"; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; fi
fi
export DEBIAN_FRONTEND=noninteractive

# apt_get_install <package> <what is missing>: installs a Debian package, running apt-get update
# only if a first attempt fails.
apt_get_install() {
  local pkg="$1" missing="$2"
  command -v apt-get >/dev/null 2>&1 || fail "$missing is missing and apt-get is not available to install Debian '$pkg'"
  log "$missing not found; installing the Debian package '$pkg'"
  if ! $SUDO apt-get install -y --no-install-recommends "$pkg" >&2; then
    log "install failed; running apt-get update and retrying"
    $SUDO apt-get update >&2 || fail "apt-get update failed"
    $SUDO apt-get install -y --no-install-recommends "$pkg" >&2 || fail "apt-get install $pkg failed"
  fi
}

# apt_install <package> <command it provides>
apt_install() {
  local pkg="$1" cmd="$2"
  if command -v "$cmd" >/dev/null 2>&1; then return 0; fi
  apt_get_install "$pkg" "$cmd"
  command -v "$cmd" >/dev/null 2>&1 || fail "the '$pkg' package is installed but $cmd is still not on PATH"
}

apt_install prometheus promtool
apt_install prometheus-alertmanager prometheus-alertmanager
# Debian's chromium: the dashboard's browser test drives it through playwright-core.
apt_install chromium chromium

# apt_install_python_module <package> <module>: like apt_install, for a module of Debian's python3.
DEBIAN_PYTHON=/usr/bin/python3
apt_install_python_module() {
  local pkg="$1" module="$2"
  if [ -x "$DEBIAN_PYTHON" ] && "$DEBIAN_PYTHON" -c "import $module" >/dev/null 2>&1; then return 0; fi
  apt_get_install "$pkg" "python module $module"
  "$DEBIAN_PYTHON" -c "import $module" >/dev/null 2>&1 || fail "the '$pkg' package is installed but $DEBIAN_PYTHON still cannot import $module"
}

apt_install_python_module python3-prometheus-client prometheus_client.openmetrics.parser

# Redis: the machine's own start command (keeps nothing on disk).
if command -v redis-server >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting redis-server on 127.0.0.1:6379"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >&2 || log "could not start redis-server"
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

# PostgreSQL: the machine's cluster, started through pg_ctlcluster.
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    log "starting PostgreSQL on 127.0.0.1:5432"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start >&2 || log "could not start PostgreSQL"
    for _ in $(seq 1 100); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.1; done
  fi
fi
exit 0
