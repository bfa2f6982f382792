#!/usr/bin/env bash
# Back up the portal: its PostgreSQL database and its private files (evidence scans, generated PDFs).
#
#   DATABASE_URL=postgres://... PRIVATE_STORAGE_ROOT=/data/private scripts/backup.sh [BACKUP_ROOT]
#
# Writes one folder BACKUP_ROOT/portal-YYYYMMDDTHHMMSSZ/ (BACKUP_ROOT defaults to $BACKUP_DIR, then var/backups):
#   database.dump         pg_dump custom format (-Fc) of the database named in DATABASE_URL
#   private-files.tar.gz  everything under PRIVATE_STORAGE_ROOT
#   MANIFEST              when and from where, tool versions, sizes
#   SHA256SUMS            checksums of the three files above: `cd FOLDER && sha256sum -c SHA256SUMS`
# The folder is written under a ".partial" name and renamed when complete: a folder without the suffix is a whole
# backup. With BACKUP_KEEP=N only the newest N whole backups in BACKUP_ROOT are kept (default: keep all).
# Prints the new folder's path on stdout; exits non-zero on any failure. docs/backup.md describes the procedure.
set -euo pipefail
umask 077

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'backup: %s\n' "$*" >&2; exit 1; }

[ -n "${DATABASE_URL:-}" ] || die "DATABASE_URL is not set"
[ -n "${PRIVATE_STORAGE_ROOT:-}" ] || die "PRIVATE_STORAGE_ROOT is not set"
[ -d "$PRIVATE_STORAGE_ROOT" ] || die "PRIVATE_STORAGE_ROOT $PRIVATE_STORAGE_ROOT is not a folder"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
backup_root="${1:-${BACKUP_DIR:-$ROOT/var/backups}}"
keep="${BACKUP_KEEP:-0}"
[[ "$keep" =~ ^[0-9]+$ ]] || die "BACKUP_KEEP must be a number, not $keep"
pg_bin="${PG_BINDIR:+$PG_BINDIR/}"

# django-environ accepts several schemes for PostgreSQL; libpq (pg_dump) knows postgres:// and postgresql:// only.
case "$DATABASE_URL" in
    postgres://* | postgresql://*) db_url="$DATABASE_URL" ;;
    pgsql://* | psql://* | postgis://*) db_url="postgresql://${DATABASE_URL#*://}" ;;
    *) die "DATABASE_URL must be a PostgreSQL URL (postgres://...)" ;;
esac

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$backup_root/portal-$stamp"
partial="$target.partial"
mkdir -p "$backup_root"
[ ! -e "$target" ] || die "$target already exists (two backups in the same second?)"
rm -rf "$partial"
mkdir "$partial"
trap 'rm -rf "$partial"' EXIT

# The database first, then the files: every file a dumped row names was on disk when the dump was taken (uploads
# are never changed in place, only added, and removed by the retention purge, which runs at night).
log "Dumping the database"
"${pg_bin}pg_dump" --format=custom --compress=6 --file="$partial/database.dump" "$db_url"

log "Archiving $PRIVATE_STORAGE_ROOT"
tar_status=0
tar --create --gzip --file="$partial/private-files.tar.gz" --directory="$PRIVATE_STORAGE_ROOT" . || tar_status=$?
if [ "$tar_status" -eq 1 ]; then
    # GNU tar: 1 means a file changed while it was read (an upload arriving); the archive is still usable.
    log "warning: some files changed while they were archived"
elif [ "$tar_status" -ne 0 ]; then
    die "tar failed with status $tar_status"
fi

{
    echo "created_utc: $stamp"
    echo "host: $(hostname)"
    # The URL without its password.
    echo "database: $(printf '%s' "$db_url" | sed -E 's#//([^:/@]+):[^@]*@#//\1:***@#')"
    echo "private_storage_root: $PRIVATE_STORAGE_ROOT"
    echo "pg_dump: $("${pg_bin}pg_dump" --version)"
    echo "files: $(tar --list --gzip --file="$partial/private-files.tar.gz" | grep -vc '/$' || true)"
    echo "database_dump_bytes: $(stat -c %s "$partial/database.dump")"
    echo "private_files_bytes: $(stat -c %s "$partial/private-files.tar.gz")"
} >"$partial/MANIFEST"

(cd "$partial" && sha256sum database.dump private-files.tar.gz MANIFEST >SHA256SUMS)
(cd "$partial" && sha256sum --check --quiet --strict SHA256SUMS) || die "checksums do not match what was written"
mv "$partial" "$target"
trap - EXIT
log "Backup complete: $target"

if [ "$keep" -gt 0 ]; then
    # Whole backups only (names sort by time); a folder still being written ends in .partial and is left alone.
    mapfile -t old < <(find "$backup_root" -mindepth 1 -maxdepth 1 -type d -name 'portal-*Z' | sort | head -n "-$keep")
    for folder in "${old[@]}"; do
        log "Removing old backup $folder (BACKUP_KEEP=$keep)"
        rm -rf -- "$folder"
    done
fi

echo "$target"
