# The portal's production image: gunicorn (web), Celery worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint renders PDFs with Pango; HarfBuzz's subsetter keeps embedding a CJK font fast; pdf.css names the
# Liberation fonts and Noto CJK (Chinese names on certificates).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .

# Static files are collected at build time, in production mode so WhiteNoise gets its manifest of hashed names.
# Production settings refuse to load without a secret key, hosts and a database; these build-only values are
# thrown away with this layer's environment and nothing connects to the database here.
ENV STATIC_ROOT=/app/staticfiles
RUN PORTAL_ENV=production \
    SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgres://build@build.invalid/build \
    python manage.py collectstatic --noinput -v 0

# Private files (evidence scans, generated PDFs) live on a volume, outside any web root.
# The user's home stays writable for caches (fontconfig); the code in /app is read-only to it.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/portal portal \
    && mkdir -p /data/private \
    && chown portal:portal /data/private
# gunicorn reads its number of worker processes from WEB_CONCURRENCY.
ENV PORTAL_ENV=production \
    PRIVATE_STORAGE_ROOT=/data/private \
    WEB_CONCURRENCY=3
VOLUME ["/data/private"]
USER portal

EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--timeout", "60", "--access-logfile", "-"]
