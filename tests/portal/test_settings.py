"""Production mode fails loudly on a missing or weak SECRET_KEY, and passes Django's deployment checks when set up.

Each test starts `manage.py check` in a fresh process, because settings are read once per process.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"


def production_env(**overrides: str) -> dict[str, str]:
    """A clean environment for a production process: nothing inherited from pytest-env or the developer's shell."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PORTAL_ENV": "production",
        "ALLOWED_HOSTS": "isa.example.edu.cn",
        "DATABASE_URL": "postgres://portal:secret@db.example.edu.cn:5432/isa_portal",
        "REDIS_URL": "redis://redis.example.edu.cn:6379/0",
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "secret_key",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param(DEV_SECRET_KEY, id="the-development-key"),
        pytest.param("too-short-0123456789", id="too-short"),
        pytest.param("a" * 64, id="one-repeated-character"),
    ],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret_key):
    if secret_key is None and (ROOT / ".env").exists() and "SECRET_KEY" in (ROOT / ".env").read_text():
        pytest.skip("this checkout's .env sets SECRET_KEY, which settings.py reads when the environment has none")

    result = manage("check", env=production_env(SECRET_KEY=secret_key))

    assert result.returncode != 0
    assert "SECRET_KEY must be set to a random value" in result.stderr


def test_production_passes_the_deployment_checks_without_a_single_warning():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env(SECRET_KEY=secrets.token_urlsafe(50))
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_shared_cache():
    result = manage(
        "check", env=production_env(SECRET_KEY="x" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz", REDIS_URL=None)
    )
    assert result.returncode != 0
    assert "REDIS_URL must be set in production" in result.stderr
