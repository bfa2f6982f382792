#!/usr/bin/env bash
# Set up this machine and serve the portal with its demo data at http://127.0.0.1:8000.
#
# By default everything is embedded: SQLite at var/portal.sqlite3 and Celery tasks run in-process. Set
# DATABASE_URL (PostgreSQL) and/or CELERY_BROKER_URL (Redis) to use real services; with a broker, a Celery worker
# (with beat) runs beside the web server and stops with it. Arguments go to runserver (default 127.0.0.1:8000).
# shellcheck source=scripts/bootstrap.sh
source "$(dirname "$0")/bootstrap.sh"

# WeasyPrint needs Pango, HarfBuzz's subsetter (fast font embedding), the Liberation fonts that pdf.css names
# and a CJK font for Chinese names.
ensure_debian_packages libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fonts-liberation
ensure_venv requirements.lock
mkdir -p var

if [[ "${DATABASE_URL:-}" == postgres* ]]; then
    ensure_postgres
    # Create the database named in DATABASE_URL when it does not exist yet.
    python - <<'EOF'
import os

import environ
import psycopg2
from psycopg2 import sql

config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
connection = psycopg2.connect(
    dbname="postgres", user=config["USER"], password=config["PASSWORD"], host=config["HOST"], port=config["PORT"]
)
connection.autocommit = True
with connection.cursor() as cursor:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
    if cursor.fetchone() is None:
        print(f"==> Creating database {config['NAME']}")
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
EOF
fi

python manage.py migrate --noinput -v 0
if command -v msgfmt >/dev/null; then
    # The .mo files are committed; compiling again only picks up catalogue edits not yet compiled.
    python manage.py compilemessages -v 0 --ignore '.venv' --ignore 'var' --ignore 'node_modules'
fi
python manage.py seed_demo

worker_pid=""
if [ -n "${CELERY_BROKER_URL:-}" ]; then
    log "Starting a Celery worker with beat (log: var/celery.log)"
    celery -A portal worker --beat --loglevel INFO --concurrency 2 >var/celery.log 2>&1 &
    worker_pid=$!
    # A non-interactive shell's background job ignores Ctrl-C, so stop it ourselves.
    trap 'kill "$worker_pid" 2>/dev/null; wait "$worker_pid" 2>/dev/null' EXIT
fi

log "Serving the portal at http://${1:-127.0.0.1:8000}/ (Ctrl-C stops it)"
python manage.py runserver "${@:-127.0.0.1:8000}"
