"""scripts/backup.sh and scripts/restore.sh: a backup restores the students and their files, bit for bit.

The test writes a student and an uploaded passport scan (committed, so pg_dump sees them), backs up this test run's
database and private files, restores both into a scratch database isa_restore_<random> and a scratch folder, and
compares. The scratch database is dropped at the end, whatever happens.
"""

import hashlib
import os
import subprocess
import time
import uuid
from contextlib import closing
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

from portal import services
from tests.factories import upload
from tests.reliability.conftest import database_url, record_figure

SCRIPTS = Path(settings.BASE_DIR) / "scripts"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(*argv, env) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], env=env, capture_output=True, text=True, timeout=120)


def _server(dbname: str = "postgres"):
    db = settings.DATABASES["default"]
    connection = psycopg2.connect(
        dbname=dbname, user=db["USER"], password=db.get("PASSWORD") or None, host=db["HOST"], port=db["PORT"]
    )
    connection.autocommit = True
    return connection


@pytest.fixture
def scratch_database():
    name = f"isa_restore_{uuid.uuid4().hex[:12]}"
    try:
        yield name
    finally:
        with closing(_server()) as admin:
            admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restores_the_student_and_the_uploaded_file(transactional_db, student, tmp_path, scratch_database):
    evidence = services.evidence_submit(
        student=student, kind="passport_page", upload=upload(name="passport.pdf"), uploaded_by=student.user
    )
    original = Path(settings.PRIVATE_STORAGE_ROOT) / evidence.file.name
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PRIVATE_STORAGE_ROOT": str(settings.PRIVATE_STORAGE_ROOT),
        "BACKUP_DIR": str(tmp_path / "backups"),
    }

    started = time.monotonic()
    made = _run(SCRIPTS / "backup.sh", env=env)
    backup_seconds = time.monotonic() - started
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip())
    assert backup.parent == tmp_path / "backups" and backup.name.startswith("portal-")
    contents = sorted(path.name for path in backup.iterdir())
    assert contents == ["MANIFEST", "SHA256SUMS", "database.dump", "private-files.tar.gz"]
    checked = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=backup, capture_output=True)
    assert checked.returncode == 0, checked.stdout

    files = tmp_path / "restored-files"
    started = time.monotonic()
    restored = _run(SCRIPTS / "restore.sh", "--files-to", files, backup, scratch_database, env=env)
    restore_seconds = time.monotonic() - started
    assert restored.returncode == 0, restored.stderr

    with closing(_server(scratch_database)) as copy, copy.cursor() as cursor:
        cursor.execute(
            "SELECT s.name_latin, s.name_zh, s.passport_number, u.email FROM portal_student s"
            " JOIN portal_user u ON u.id = s.user_id WHERE s.student_id = %s",
            [student.student_id],
        )
        assert cursor.fetchone() == (student.name_latin, student.name_zh, student.passport_number, student.user.email)
        cursor.execute("SELECT file, sha256, original_name FROM portal_evidence WHERE id = %s", [evidence.pk])
        stored_name, stored_sha256, original_name = cursor.fetchone()
    copied = files / stored_name
    assert stored_name == evidence.file.name and original_name == "passport.pdf"
    assert _sha256(copied) == _sha256(original) == stored_sha256 == evidence.sha256

    record_figure("backup of the test database and files took (s)", f"{backup_seconds:.1f}")
    record_figure("restore into a scratch database took (s)", f"{restore_seconds:.1f}")
    record_figure("restored student rows matching / files matching by sha256", "1/1, 1/1")


def test_restore_refuses_to_overwrite_a_database_that_is_not_empty(
    transactional_db, student, tmp_path, scratch_database
):
    env = {**os.environ, "DATABASE_URL": database_url(), "PRIVATE_STORAGE_ROOT": str(settings.PRIVATE_STORAGE_ROOT)}
    backup = Path(_run(SCRIPTS / "backup.sh", tmp_path / "backups", env=env).stdout.strip())
    with closing(_server()) as admin:
        admin.cursor().execute(f'CREATE DATABASE "{scratch_database}"')
    with closing(_server(scratch_database)) as someone_elses:
        someone_elses.cursor().execute("CREATE TABLE notes (body text); INSERT INTO notes VALUES ('keep me')")

    refused = _run(SCRIPTS / "restore.sh", backup, scratch_database, env=env)

    assert refused.returncode == 3
    assert "not empty" in refused.stderr
    with closing(_server(scratch_database)) as someone_elses, someone_elses.cursor() as cursor:
        cursor.execute("SELECT body FROM notes")
        assert cursor.fetchall() == [("keep me",)]

    forced = _run(SCRIPTS / "restore.sh", "--force", backup, scratch_database, env=env)

    assert forced.returncode == 0, forced.stderr
    with closing(_server(scratch_database)) as copy, copy.cursor() as cursor:
        cursor.execute("SELECT to_regclass('notes'), (SELECT name_latin FROM portal_student)")
        assert cursor.fetchone() == (None, student.name_latin)


def test_restore_refuses_a_damaged_backup(transactional_db, student, tmp_path, scratch_database):
    env = {**os.environ, "DATABASE_URL": database_url(), "PRIVATE_STORAGE_ROOT": str(settings.PRIVATE_STORAGE_ROOT)}
    backup = Path(_run(SCRIPTS / "backup.sh", tmp_path / "backups", env=env).stdout.strip())
    with open(backup / "database.dump", "r+b") as dump:
        dump.seek(100)
        dump.write(b"\0" * 16)

    damaged = _run(SCRIPTS / "restore.sh", backup, scratch_database, env=env)
    assert damaged.returncode == 1
    assert "checksums do not match" in damaged.stderr
    with closing(_server()) as admin, admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [scratch_database])
        assert cursor.fetchone() is None
