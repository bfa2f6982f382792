"""Health check for the load balancer and the operators: database, Redis and a Celery worker."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

CANARY_WAIT_SECONDS = 3


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_redis() -> str:
    if not settings.REDIS_URL and not settings.CELERY_BROKER_URL:
        return "not configured"
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL or settings.REDIS_URL, socket_timeout=2)
    client.ping()
    return "ok"


def _check_worker() -> str:
    """Send the canary task and wait briefly for a worker to run it (it writes its token into the shared cache)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    import time
    import uuid

    from django.core.cache import cache

    from portal.tasks import health_canary

    token = uuid.uuid4().hex
    health_canary.apply_async(args=[token], expires=CANARY_WAIT_SECONDS * 2)
    deadline = time.monotonic() + CANARY_WAIT_SECONDS
    while time.monotonic() < deadline:
        if cache.get(f"health-canary:{token}") == "ok":
            return "ok"
        time.sleep(0.05)
    return "no worker ran the canary task"


@require_safe
@never_cache
def health(request):
    checks = {}
    healthy = True
    for name, check in (("database", _check_database), ("redis", _check_redis), ("worker", _check_worker)):
        try:
            checks[name] = check()
        except Exception as exc:  # a health check reports every failure instead of raising it
            checks[name] = f"error: {type(exc).__name__}"
        if checks[name] not in ("ok", "not configured", "in-process"):
            healthy = False
    return JsonResponse({"status": "ok" if healthy else "degraded", "checks": checks}, status=200 if healthy else 503)
