# shellcheck shell=bash
# Shared set-up steps for scripts/run.sh and scripts/test.sh; source it, don't run it.
#
# Every step checks first and does nothing when the machine is already set up, so the scripts are fast the
# second time. Debian packages are installed only when missing (apt-get update at most once per run).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

is_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

_apt_updated=""
ensure_debian_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    command -v apt-get >/dev/null || die "missing packages ${missing[*]}, and this is not a Debian machine"
    if [ -n "$SUDO" ] && ! command -v sudo >/dev/null; then
        die "missing Debian packages ${missing[*]}; install them as root: apt-get install -y ${missing[*]}"
    fi
    log "Installing Debian packages: ${missing[*]}"
    if [ -z "$_apt_updated" ]; then
        $SUDO apt-get update -qq >/dev/null
        _apt_updated=1
    fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    NEWLY_INSTALLED+=" ${missing[*]} "
}
NEWLY_INSTALLED=""

find_python() {
    local candidate
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    die "Python 3.11 is needed (Django 5.2 LTS; see pyproject.toml) but neither python3.11 nor python3 is 3.11"
}

# ensure_venv LOCKFILE: create .venv if missing and install the pinned requirements when the lock files changed.
ensure_venv() {
    local lock="$1" python
    if [ ! -x .venv/bin/python ]; then
        python="$(find_python)"
        log "Creating .venv with $python"
        if ! "$python" -m venv .venv 2>/dev/null; then
            # Debian's own python3 needs python3-venv for ensurepip.
            rm -rf .venv
            ensure_debian_packages python3-venv
            "$python" -m venv .venv
        fi
    fi
    .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
        || die ".venv is not Python 3.11; remove it and run again"
    # The stamp holds a hash of the lock files: pip runs only when they changed since the last install.
    local stamp=".venv/.installed-$lock" want
    want="$(cat requirements.lock "$lock" | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        log "Installing pinned Python packages from $lock"
        .venv/bin/python -m pip install --quiet -r "$lock" 2> >(grep -v "is ignored: it is neither" >&2)
        echo "$want" >"$stamp"
    fi
}

# True when a service URL (or its default) points at this machine, where the scripts may start the service.
_is_local_url() {
    case "$1" in
        "" | *@127.0.0.1* | *@localhost* | *//127.0.0.1* | *//localhost*) return 0 ;;
        *) return 1 ;;
    esac
}

ensure_postgres() {
    _is_local_url "${DATABASE_URL:-}" || return 0
    command -v pg_isready >/dev/null || die "PostgreSQL is not installed"
    local version
    version="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf "%f\n" 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$version" ] || die "no PostgreSQL cluster in /etc/postgresql; apt-get install postgresql"
    if [[ "$NEWLY_INSTALLED" == *" postgresql "* ]]; then
        # A PostgreSQL that this script just installed serves the tests only: let user postgres in over loopback
        # without a password, as on the machines this project is built on.
        log "Allowing user postgres on 127.0.0.1 without a password (fresh test-only PostgreSQL)"
        $SUDO sed -i '1i host all postgres 127.0.0.1/32 trust' "/etc/postgresql/$version/main/pg_hba.conf"
        $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null || true
    fi
    pg_isready -q -h 127.0.0.1 -p 5432 && return 0
    log "Starting PostgreSQL $version"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start
    local _
    for _ in $(seq 1 30); do
        pg_isready -q -h 127.0.0.1 -p 5432 && return 0
        sleep 1
    done
    die "PostgreSQL did not start on 127.0.0.1:5432"
}

ensure_redis() {
    command -v redis-cli >/dev/null || die "Redis is not installed"
    [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ] && return 0
    log "Starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >/dev/null
    local _
    for _ in $(seq 1 20); do
        [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ] && return 0
        sleep 0.5
    done
    die "Redis did not start on 127.0.0.1:6379"
}
