#!/usr/bin/env bash
# Static security checks: bandit over our own Python code, pip-audit over the pinned requirements.
#
#   ./scripts/security-scan.sh                          bandit, then pip-audit of requirements.lock
#   ./scripts/security-scan.sh requirements-test.lock   pip-audit these lock files instead (bandit runs as usual)
#
# Exit 0 when both are clean, 1 when either reports a finding that is not justified, 2 when a tool is missing.
# Justified findings are recorded, never silenced here: bandit's with a `# nosec BXXX - reason` comment on the line,
# pip-audit's as an `--ignore-vuln ID  # reason` line in docs/security-scans.md, which this script reads.
#
# pip-audit asks PyPI's JSON API about each pinned version. Where that service cannot be reached (this workplace's
# PyPI mirror serves package pages but not per-version vulnerability data), the audit is reported as SKIPPED and
# does not fail the run; set SECURITY_SCAN_REQUIRE_AUDIT=1 to make an unreachable service an error (exit 2).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
export PATH="$ROOT/.venv/bin:$PATH"
AUDIT_TIMEOUT="${SECURITY_SCAN_TIMEOUT:-30}"

log() { printf '==> %s\n' "$*" >&2; }

for tool in bandit pip-audit python; do
    if ! command -v "$tool" >/dev/null; then
        log "$tool is not installed: pip install -r requirements-test.lock"
        exit 2
    fi
done

# --- bandit -------------------------------------------------------------------------------------------------
# Everything we ship or run (the apps, portal/, scripts/, manage.py, migrations); not the tests, .venv or var/.
# Medium severity and above fails the scan; low-severity notes are printed by `bandit -r . -x ...` when wanted.
log "bandit (medium severity and above)"
bandit_status=0
bandit --quiet --recursive . \
    --exclude ./.venv,./tests,./var,./node_modules,./.git \
    --severity-level medium --confidence-level low \
    --format custom --msg-template '{relpath}:{line}: {test_id} [{severity}/{confidence}] {msg}' \
    || bandit_status=$?
if [ "$bandit_status" -eq 0 ]; then
    log "bandit: no findings"
else
    log "bandit: findings above (fix them, or justify one with '# nosec BXXX - reason' on its line)"
fi

# --- pip-audit ----------------------------------------------------------------------------------------------
lock_files=("$@")
[ "${#lock_files[@]}" -eq 0 ] && lock_files=(requirements.lock)

# Accepted vulnerabilities, each with its reason, live in docs/security-scans.md as `--ignore-vuln ID  # reason`.
ignore_args=()
while read -r vuln_id; do
    ignore_args+=(--ignore-vuln "$vuln_id")
done < <(grep -oE '^--ignore-vuln[[:space:]]+[A-Za-z0-9._-]+' docs/security-scans.md 2>/dev/null | awk '{print $2}')

# Probe the service pip-audit uses with the first pinned package: one request, a short timeout, a clear verdict.
audit_reachable() {
    python - "${lock_files[0]}" "$AUDIT_TIMEOUT" <<'EOF'
import re
import sys
import urllib.request

lock, timeout = sys.argv[1], float(sys.argv[2])
with open(lock, encoding="utf-8") as handle:
    pin = next(m for m in (re.match(r"^([A-Za-z0-9._-]+)==([^\s;#]+)", line) for line in handle) if m)
url = f"https://pypi.org/pypi/{pin[1]}/{pin[2]}/json"
try:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # Any failure means the same thing here: no vulnerability data.
    print(f"    {url}: {exc}", file=sys.stderr)
    sys.exit(1)
EOF
}

audit_status=0
log "pip-audit (${lock_files[*]}; $((${#ignore_args[@]} / 2)) accepted findings in docs/security-scans.md)"
if audit_reachable; then
    requirement_args=()
    for lock in "${lock_files[@]}"; do
        requirement_args+=(--requirement "$lock")
    done
    # --no-deps/--disable-pip: the lock files pin everything, so nothing is resolved or installed.
    # --strict: a package that cannot be looked up fails the audit instead of being skipped in silence.
    pip-audit "${requirement_args[@]}" --no-deps --disable-pip --strict --progress-spinner off \
        --timeout "$AUDIT_TIMEOUT" --desc on "${ignore_args[@]}" || audit_status=$?
    if [ "$audit_status" -eq 0 ]; then
        log "pip-audit: no known vulnerabilities"
    else
        log "pip-audit: findings above (upgrade the package, or justify it in docs/security-scans.md)"
    fi
else
    log "pip-audit: SKIPPED - PyPI's vulnerability data is not reachable from this machine (see above)."
    log "           The pinned requirements were NOT audited; run this script where pypi.org's JSON API answers."
    if [ "${SECURITY_SCAN_REQUIRE_AUDIT:-0}" = "1" ]; then
        exit 2
    fi
fi

if [ "$bandit_status" -ne 0 ] || [ "$audit_status" -ne 0 ]; then
    exit 1
fi
exit 0
