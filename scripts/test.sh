#!/usr/bin/env bash
# Set up this machine and run the whole test suite: ruff, then pytest with the browser and Celery worker tests.
#
#   ./scripts/test.sh                      everything (what CI runs, through .ci/run)
#   ./scripts/test.sh tests/fees -k refund any pytest arguments: set up, then run just `pytest ARGS`
#
# The exit code is pytest's (or ruff's or the security scan's, when those fail and the tests pass).
# shellcheck source=scripts/bootstrap.sh
source "$(dirname "$0")/bootstrap.sh"

# Chromium drives the browser tests; fonts, Pango and HarfBuzz render PDFs (Chinese names included); gettext checks
# the catalogues; poppler-utils reads PDFs back; PostgreSQL and Redis are the test database and the Celery broker.
ensure_debian_packages chromium fonts-noto-cjk fonts-liberation libpango-1.0-0 libpangoft2-1.0-0 \
    libharfbuzz-subset0 gettext poppler-utils postgresql redis-server
ensure_postgres
ensure_redis
ensure_venv requirements-test.lock

pytest_options=(-q -p no:cacheprovider)
if [ -n "${CI:-}" ]; then
    # A fresh clone must not trust a test database left behind by an earlier run on the same machine.
    pytest_options+=(--create-db)
fi

log "ruff check"
ruff_status=0
ruff check --quiet . || ruff_status=$?

# bandit and pip-audit (docs/security-scans.md); a finding fails the run like a lint error.
scan_status=0
./scripts/security-scan.sh || scan_status=$?

if [ "$#" -gt 0 ]; then
    log "pytest $*"
    pytest_status=0
    pytest "${pytest_options[@]}" "$@" || pytest_status=$?
else
    # Two runs: the ordinary tests spread over two processes, then the browser and Celery worker tests one at a time
    # (the worker tests share this machine's Redis queue; Chromium wants a core of its own).
    log "pytest: unit, service and view tests (2 processes)"
    parallel_status=0
    pytest "${pytest_options[@]}" -n 2 -m "not browser and not worker" || parallel_status=$?
    log "pytest: browser and worker tests"
    serial_status=0
    pytest "${pytest_options[@]}" -m "browser or worker" || serial_status=$?
    # 5 means "no tests collected", which is not a failure for either run on its own.
    [ "$parallel_status" -eq 5 ] && parallel_status=0
    [ "$serial_status" -eq 5 ] && serial_status=0
    pytest_status=$((parallel_status != 0 ? parallel_status : serial_status))
fi

if [ "$ruff_status" -ne 0 ]; then
    log "ruff check failed (exit $ruff_status)"
fi
if [ "$scan_status" -ne 0 ]; then
    log "security scan failed (exit $scan_status)"
fi
lint_status=$((ruff_status != 0 ? ruff_status : scan_status))
exit $((pytest_status != 0 ? pytest_status : lint_status))
