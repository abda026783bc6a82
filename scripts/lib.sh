# Shared by scripts/run and scripts/test: install what duban needs, idempotently.
# Debian, root (or sudo), Python 3.11 with venv, node/npm; network only to PyPI, npm and Debian.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ensure_apt PKG… : install the Debian packages that are missing (apt-get update only when needed).
ensure_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# ensure_venv EXTRAS : a virtualenv with duban installed (editable) and the given extras.
ensure_venv() {
  local extras="${1:-}"
  if [ ! -x "$PY" ]; then
    log "python3 -m venv .venv"
    python3 -m venv "$VENV"
  fi
  local stamp="$VENV/.duban-installed${extras:+-$extras}"
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    log "pip install -e .${extras:+[$extras]}"
    "$PY" -m pip install -q --disable-pip-version-check -e "$ROOT${extras:+[$extras]}"
    touch "$stamp"
  fi
}

# ensure_assets : ECharts and Leaflet from the npm registry, served locally (no CDN).
ensure_assets() {
  local vendor="$ROOT/src/duban/static/vendor"
  if [ -f "$vendor/echarts/echarts.min.js" ] && [ -f "$vendor/leaflet/leaflet.js" ]; then
    return
  fi
  log "npm install (echarts, leaflet)"
  (cd "$ROOT" && npm install --no-audit --no-fund --silent >/dev/null)
  mkdir -p "$vendor/echarts" "$vendor/leaflet"
  cp "$ROOT/node_modules/echarts/dist/echarts.min.js" "$vendor/echarts/"
  cp -r "$ROOT/node_modules/leaflet/dist/." "$vendor/leaflet/"
}

# PostgreSQL on a unix socket in a temporary directory, owned by the postgres OS user (root cannot
# run the server). Sets DUBAN_TEST_PG_URL; stop_postgres removes it again.
start_postgres() {
  local pgbin
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$pgbin" ] || { echo "PostgreSQL server binaries not found" >&2; return 1; }
  PG_DIR=$(mktemp -d /tmp/duban-pg.XXXXXX)
  chown postgres "$PG_DIR"
  su postgres -s /bin/sh -c "$pgbin/initdb -D $PG_DIR/data -A trust -U postgres -E UTF8 >/dev/null"
  cat >> "$PG_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PG_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
CONF
  su postgres -s /bin/sh -c "$pgbin/pg_ctl -D $PG_DIR/data -w -l $PG_DIR/log start >/dev/null"
  su postgres -s /bin/sh -c "$pgbin/createdb -h $PG_DIR duban"
  PG_BIN="$pgbin"
  export DUBAN_TEST_PG_URL="postgresql://postgres@/duban?host=$PG_DIR"
}

stop_postgres() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
    su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D $PG_DIR/data -m fast stop >/dev/null" || true
    rm -rf "$PG_DIR"
  fi
}
