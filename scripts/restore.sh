#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into a named database (and, optionally, a files folder).
#
#   scripts/restore.sh [--force] [--files-to DIR] BACKUP_FOLDER DATABASE
#
# DATABASE is a database name on the server of DATABASE_URL, or a full postgres:// URL. It is created when missing;
# an existing database that holds any table is left alone unless --force is given, and then it is dropped and
# created again (which fails while anything is connected to it: stop the portal first).
# --files-to DIR extracts the private files into DIR (then point PRIVATE_STORAGE_ROOT at it). A DIR that is not
# empty is left alone unless --force is given, and then it is moved aside to DIR.before-restore-TIMESTAMP, not
# deleted. The backup's checksums are verified before anything is changed.
#
# Exit status: 0 restored, 1 error, 2 usage, 3 refused (the database or folder is not empty; use --force).
set -euo pipefail
umask 077

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'restore: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
refuse() { printf 'restore: %s\n' "$*" >&2; exit 3; }

force=""
files_to=""
positional=()
while [ "$#" -gt 0 ]; do
    case "$1" in
        --force) force=1 ;;
        --files-to) [ "$#" -ge 2 ] || usage; files_to="$2"; shift ;;
        --files-to=*) files_to="${1#*=}" ;;
        -h | --help) usage ;;
        -*) printf 'restore: unknown option %s\n' "$1" >&2; usage ;;
        *) positional+=("$1") ;;
    esac
    shift
done
[ "${#positional[@]}" -eq 2 ] || usage
backup="${positional[0]}"
database="${positional[1]}"
pg_bin="${PG_BINDIR:+$PG_BINDIR/}"

[ -d "$backup" ] || die "$backup is not a folder"
for file in database.dump private-files.tar.gz MANIFEST SHA256SUMS; do
    [ -f "$backup/$file" ] || die "$backup has no $file: not a backup made by scripts/backup.sh"
done

# The target database's URL, and a maintenance URL (database "postgres") on the same server to create or drop it.
if [[ "$database" == *://* ]]; then
    target_url="$database"
else
    [ -n "${DATABASE_URL:-}" ] || die "DATABASE is a bare name, so DATABASE_URL must name the server"
    [[ "$database" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "database name $database: use letters, digits and _"
    [[ "$DATABASE_URL" =~ ^([a-z]+://[^/?]*/)[^?]*(\?.*)?$ ]] || die "cannot read the server out of DATABASE_URL"
    target_url="${BASH_REMATCH[1]}$database${BASH_REMATCH[2]}"
fi
case "$target_url" in
    postgres://* | postgresql://*) ;;
    pgsql://* | psql://* | postgis://*) target_url="postgresql://${target_url#*://}" ;;
    *) die "the database must be on PostgreSQL (postgres://...)" ;;
esac
[[ "$target_url" =~ ^([a-z]+://[^/?]*/)([^?]*)(\?.*)?$ ]] || die "cannot read the database name out of $target_url"
name="${BASH_REMATCH[2]}"
maintenance_url="${BASH_REMATCH[1]}postgres${BASH_REMATCH[3]}"
[ -n "$name" ] || die "no database name in $target_url"

# Reads SQL on stdin, where psql fills in :'name' (a quoted literal) and :"name" (a quoted identifier).
psql_maintenance() {
    "${pg_bin}psql" --no-psqlrc --quiet --tuples-only --no-align -v ON_ERROR_STOP=1 -v name="$name" "$maintenance_url"
}

# 1. Check everything before changing anything.
log "Verifying checksums of $backup"
(cd "$backup" && sha256sum --check --quiet --strict SHA256SUMS) || die "checksums do not match: the backup is damaged"
"${pg_bin}pg_restore" --list "$backup/database.dump" >/dev/null || die "database.dump cannot be read by pg_restore"

exists="$(printf "SELECT 1 FROM pg_database WHERE datname = :'name';\n" | psql_maintenance)"
if [ -n "$exists" ]; then
    tables="$("${pg_bin}psql" --no-psqlrc --tuples-only --no-align -v ON_ERROR_STOP=1 "$target_url" -c \
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'")"
    if [ "$tables" -gt 0 ] && [ -z "$force" ]; then
        refuse "database $name is not empty ($tables tables); restore into a new name, or use --force to replace it"
    fi
fi
if [ -n "$files_to" ] && [ -d "$files_to" ] && [ -n "$(ls -A "$files_to")" ] && [ -z "$force" ]; then
    refuse "folder $files_to is not empty; restore into a new folder, or use --force to move it aside"
fi

# 2. The database: created new (or dropped and created again with --force), restored in one transaction.
if [ -n "$exists" ] && [ -n "$force" ]; then
    log "Dropping database $name (--force)"
    printf 'DROP DATABASE :"name";\n' | psql_maintenance
    exists=""
fi
if [ -z "$exists" ]; then
    log "Creating database $name"
    printf 'CREATE DATABASE :"name";\n' | psql_maintenance
fi
log "Restoring the database into $name"
# No owners or grants from the old server: everything belongs to the user who restores.
"${pg_bin}pg_restore" --exit-on-error --single-transaction --no-owner --no-privileges \
    --dbname="$target_url" "$backup/database.dump"

# 3. The files: extracted next to the target, then moved into place.
if [ -n "$files_to" ]; then
    files_to="${files_to%/}"
    staging="$files_to.restoring-$$"
    rm -rf "$staging"
    mkdir -p "$staging"
    log "Extracting the private files into $files_to"
    tar --extract --gzip --file="$backup/private-files.tar.gz" --directory="$staging" --no-same-owner
    if [ -d "$files_to" ]; then
        if [ -n "$(ls -A "$files_to")" ]; then
            aside="$files_to.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
            log "Moving the old files aside to $aside (--force)"
            mv "$files_to" "$aside"
        else
            rmdir "$files_to"
        fi
    fi
    mv "$staging" "$files_to"
fi

log "Restored $backup into database $name${files_to:+ and folder $files_to}"
