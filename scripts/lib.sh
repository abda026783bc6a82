# Shared by scripts/run and scripts/test: install what duban needs, idempotently.
# Debian, root (or sudo), Python 3.11 with venv, node/npm; network only to PyPI, npm and Debian.
# Every ensure_* function does nothing when its work is already done, so running a script again is fast.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
VENDOR="$ROOT/src/duban/static/vendor"

if [ -t 1 ]; then
  log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
else
  log() { printf '==> %s\n' "$*"; }
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ensure_apt PKG… : install the Debian packages that are missing (apt-get update only when needed).
ensure_apt() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  as_root apt-get update -qq || return 1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >/dev/null || return 1
}

# ensure_venv [EXTRAS] : .venv with duban installed editable (plus extras); again only when pyproject.toml
# changed since the last install.
ensure_venv() {
  local extras="${1:-}"
  if [ ! -x "$PY" ]; then
    # Debian ships venv/ensurepip separately from python3.
    python3 -c 'import ensurepip, venv' 2>/dev/null || ensure_apt python3-venv python3-pip || return 1
    log "python3 -m venv .venv"
    python3 -m venv "$VENV" || return 1
  fi
  local stamp="$VENV/.duban-installed${extras:+-$extras}"
  if [ -z "$extras" ] && [ -f "$VENV/.duban-installed-test" ]; then
    stamp="$VENV/.duban-installed-test"  # the test install includes the plain one
  fi
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ] || ! "$PY" -c 'import duban' 2>/dev/null; then
    log "pip install -e .${extras:+[$extras]}"
    "$PY" -m pip install -q --disable-pip-version-check -e "$ROOT${extras:+[$extras]}" || return 1
    touch "$stamp"
  fi
}

# ensure_assets : ECharts and Leaflet from the npm registry (package-lock.json), copied into
# src/duban/static/vendor/ (gitignored) and served locally by WhiteNoise — no CDN:
#   /static/vendor/echarts/echarts.min.js
#   /static/vendor/leaflet/leaflet.js, leaflet.css, images/*.png
# Again only when package-lock.json changed or a file is missing.
ensure_assets() {
  local stamp="$ROOT/node_modules/.duban-vendor-$(sha256sum "$ROOT/package-lock.json" | cut -c1-16)"
  if [ -f "$stamp" ] && [ -f "$VENDOR/echarts/echarts.min.js" ] && [ -f "$VENDOR/leaflet/leaflet.js" ] \
     && [ -f "$VENDOR/leaflet/leaflet.css" ] && [ -f "$VENDOR/leaflet/images/marker-icon.png" ] \
     && [ -f "$VENDOR/leaflet-geoman/leaflet-geoman.js" ]; then
    return 0
  fi
  command -v npm >/dev/null || ensure_apt npm || return 1
  log "npm ci (echarts, leaflet) → src/duban/static/vendor/"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) || return 1
  rm -rf "$VENDOR/echarts" "$VENDOR/leaflet"
  mkdir -p "$VENDOR/echarts" "$VENDOR/leaflet" || return 1
  cp "$ROOT/node_modules/echarts/dist/echarts.min.js" "$ROOT/node_modules/echarts/LICENSE" "$VENDOR/echarts/" || return 1
  cp -r "$ROOT/node_modules/leaflet/dist/." "$VENDOR/leaflet/" || return 1
  cp "$ROOT/node_modules/leaflet/LICENSE" "$VENDOR/leaflet/" || return 1
  rm -rf "$VENDOR/leaflet-geoman" && mkdir -p "$VENDOR/leaflet-geoman" || return 1  # grid drawing (S2a)
  cp "$ROOT/node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.js" \
     "$ROOT/node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css" \
     "$ROOT/node_modules/@geoman-io/leaflet-geoman-free/LICENSE" "$VENDOR/leaflet-geoman/" || return 1
  touch "$stamp"
}

# A throw-away PostgreSQL: initdb + pg_ctl from Debian's postgresql package, run as the postgres OS user
# (root cannot run the server), data and unix socket in a fresh /tmp directory, no TCP at all, trust
# auth. Sets PG_DIR, PG_BIN and DUBAN_TEST_PG_URL; stop_postgres stops it and removes everything.
as_postgres() {  # run a command as the postgres OS user from a directory it can read
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else (cd / && sudo -u postgres "$@"); fi
}

start_postgres() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -z "$PG_BIN" ] || ! id postgres >/dev/null 2>&1; then
    echo "PostgreSQL server not installed (apt-get install postgresql)" >&2
    return 1
  fi
  PG_DIR=$(mktemp -d /tmp/duban-pg.XXXXXX) || return 1
  chown postgres: "$PG_DIR" || return 1
  chmod 700 "$PG_DIR"
  as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  cat >>"$PG_DIR/data/postgresql.conf" <<CONF
# duban scripts/test: unix socket only, durability off (throw-away data)
listen_addresses = ''
unix_socket_directories = '$PG_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
CONF
  if ! as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null; then
    tail -20 "$PG_DIR/server.log" >&2
    return 1
  fi
  as_postgres "$PG_BIN/createdb" -h "$PG_DIR" duban || return 1
  export DUBAN_TEST_PG_URL="postgresql://postgres@/duban?host=$PG_DIR"
  log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on unix socket $PG_DIR"
}

stop_postgres() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
      as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
  fi
  PG_DIR=""
}
