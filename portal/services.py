"""Writes of the shared kernel: accounts, evidence and its review, notifications, generated documents."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import OperationalError as DatabaseOperationalError
from django.db import transaction
from django.db.models import F, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import permissions
from portal.audit import audit_record, client_ip
from portal.models import (
    DocumentStatus,
    Evidence,
    GeneratedDocument,
    Notification,
    ReviewEvent,
    ReviewState,
    Student,
    User,
)
from portal.queue import enqueue_after_commit
from portal.uploads import clean_evidence_file, safe_original_name

# The hard time limit of one document render (a batch of thousands of pages included).
DOCUMENT_RENDER_TIME_LIMIT = 65 * 60


# Failures that pass by themselves (SMTP or a database connection down for a moment): retried with backoff.
TRANSIENT_ERRORS = (ConnectionError, TimeoutError, OSError, DatabaseOperationalError)

# After this many failed sends an email is left alone (its error is kept on the row for the office to see).
EMAIL_MAX_ATTEMPTS = 8


class ConflictError(Exception):
    """Somebody else changed the object first; the message says what happened."""


# --- Accounts -------------------------------------------------------------------------------------------------


def initial_password_for(passport_number: str) -> str:
    """Handbook: People and roles (NOTICE; LEAVING): the initial password is the last 6 characters of the passport."""
    return passport_number.strip().replace(" ", "")[-6:]


def user_issue_initial_password(*, user: User, passport_number: str, now=None) -> None:
    """Set the first-login key and start its validity period; the user must choose a new password on first login."""
    now = now or timezone.now()
    user.set_password(initial_password_for(passport_number))
    user.must_change_password = True
    user.initial_password_expires_at = now + timedelta(days=settings.INITIAL_PASSWORD_VALID_DAYS)
    user.save(update_fields=["password", "must_change_password", "initial_password_expires_at"])


def user_password_changed(*, user: User) -> None:
    """The user chose their own password: the first-login key is spent."""
    if user.must_change_password or user.initial_password_expires_at:
        user.must_change_password = False
        user.initial_password_expires_at = None
        user.save(update_fields=["must_change_password", "initial_password_expires_at"])


def user_set_language(*, user: User, language: str) -> None:
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


# --- Notifications --------------------------------------------------------------------------------------------


def notify(*, user: User, template: str, context: dict, url: str = "", email: bool = True) -> Notification:
    """Put a message in the user's inbox, in the user's language, and email it after the transaction commits.

    `template` names a pair of templates: `<template>_subject.txt` and `<template>_body.txt`.
    """
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}_body.txt", context).strip()
    notification = Notification.objects.create(
        user=user, subject=subject[:200], body=body, url=url, send_email=email and bool(user.email)
    )
    if notification.send_email:
        from portal.tasks import notification_send_email

        enqueue_after_commit(notification_send_email, notification.pk)
    return notification


@dataclass(frozen=True)
class Message:
    """One inbox message of a bulk send: to whom, from which template pair, with what context."""

    user: User
    template: str
    context: dict
    url: str = ""


EMAIL_BATCH_SIZE = 200


def notify_many(*, messages: Iterable[Message], email: bool = True) -> int:
    """notify() for thousands at once (reminder jobs): each message rendered in its reader's language, written in
    batches, and emailed by one task per EMAIL_BATCH_SIZE after the commit; the sweep retries what is not sent."""
    from portal.tasks import notification_send_emails

    rows = []
    for message in messages:
        user = message.user
        with translation.override(user.language or settings.LANGUAGE_CODE):
            subject = " ".join(render_to_string(f"{message.template}_subject.txt", message.context).split())
            body = render_to_string(f"{message.template}_body.txt", message.context).strip()
        rows.append(
            Notification(
                user=user, subject=subject[:200], body=body, url=message.url, send_email=email and bool(user.email)
            )
        )
    created = Notification.objects.bulk_create(rows, batch_size=1000)
    to_email = [notification.pk for notification in created if notification.send_email]
    for start in range(0, len(to_email), EMAIL_BATCH_SIZE):
        enqueue_after_commit(notification_send_emails, to_email[start : start + EMAIL_BATCH_SIZE])
    return len(created)


def notification_send_email(*, notification_id: int) -> bool:
    """Email one notification once: the row stays locked while the email is sent and is marked sent in the same
    transaction, so a worker that dies mid-send leaves it unsent (PostgreSQL drops the lock with the connection)
    for the redelivered task or the sweep, and a second delivery while the first is sending skips it."""
    from django.core.mail import send_mail

    try:
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("user")
                .filter(pk=notification_id, send_email=True, emailed_at__isnull=True)
                .first()
            )
            if notification is None:
                return False
            link = f"\n\n{settings.PORTAL_BASE_URL}{notification.url}" if notification.url else ""
            send_mail(
                subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.subject}",
                message=notification.body + link,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[notification.user.email],
            )
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
    except Exception as exc:
        # The send rolled back (the row stays unsent); count the attempt so the sweep stops after a few, and keep
        # the reason for the office. The task retries passing failures with backoff.
        Notification.objects.filter(pk=notification_id).update(
            email_attempts=F("email_attempts") + 1, email_error=f"{type(exc).__name__}: {exc}"[:500]
        )
        raise
    return True


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


# --- Evidence -------------------------------------------------------------------------------------------------


def evidence_submit(
    *,
    student: Student,
    kind: str,
    upload,
    uploaded_by: User,
    previous: Evidence | None = None,
    reviewed_in: str = "",
):
    """Store a new uploaded document for review, or a resubmission replacing a rejected one. `reviewed_in` names
    the app that decides it in its own review (it then stays out of the documents queue)."""
    if not permissions.can_upload_evidence_for(uploaded_by, student):
        raise PermissionDenied(_("You may not upload documents for this student."))
    clean = getattr(upload, "portal_clean", None) or clean_evidence_file(upload)
    stored = student.evidence.filter(purged_at__isnull=True).aggregate(total=Sum("size"))["total"] or 0
    if stored + clean.size > settings.EVIDENCE_QUOTA_BYTES:
        raise ValidationError(
            {"file": _("You have used your upload space; ask the International College to remove old documents.")}
        )
    with transaction.atomic():
        if previous is not None:
            previous = Evidence.objects.select_for_update().get(pk=previous.pk)
            if previous.student_id != student.pk or previous.kind != kind:
                raise ValidationError(_("A resubmission must replace a document of the same kind."))
            if previous.state != ReviewState.REJECTED:
                raise ConflictError(_("Only a rejected document can be replaced."))
            if previous.reviewed_in:
                raise ConflictError(_("Replace this document in the form it was uploaded with."))
            if Evidence.objects.filter(previous=previous).exists():
                raise ConflictError(_("This document has already been replaced."))
        state = ReviewState.RESUBMITTED if previous else ReviewState.SUBMITTED
        evidence = Evidence(
            student=student,
            kind=kind,
            original_name=safe_original_name(getattr(upload, "name", "") or "upload"),
            content_type=clean.content_type,
            size=clean.size,
            sha256=clean.sha256,
            uploaded_by=uploaded_by,
            previous=previous,
            state=state,
            reviewed_in=reviewed_in,
        )
        evidence.file.save(f"upload{clean.extension}", ContentFile(clean.content), save=False)
        # The file is written before the row, so a row never points at nothing; if the row fails, drop the file.
        try:
            evidence.save()
        except Exception:
            evidence.file.delete(save=False)
            raise
        ReviewEvent.objects.create(evidence=evidence, from_state="", to_state=state, actor=uploaded_by)
        audit_record(actor=uploaded_by, action=f"evidence.{state}", target=evidence, student=student)
    return evidence


def _decide(
    *,
    evidence: Evidence,
    reviewer: User,
    to_state: str,
    reason: str = "",
    notify_student: bool = True,
    within: str = "",
) -> Evidence:
    with transaction.atomic():
        # Two reviewers may open the same item; the row lock makes the second one see the first decision.
        locked = Evidence.objects.select_for_update().select_related("student__user").get(pk=evidence.pk)
        if not locked.is_pending:
            decider = locked.decided_by.display_name() if locked.decided_by else _("someone else")
            raise ConflictError(
                _("This document was already %(state)s by %(who)s.")
                % {"state": locked.get_state_display().lower(), "who": decider}
            )
        if not permissions.can_review_evidence(reviewer, locked, within=within):
            if locked.reviewed_in != within:
                raise PermissionDenied(_("This document is decided with the form it was uploaded in."))
            raise PermissionDenied(_("You may not decide on this document."))
        from_state = locked.state
        locked.state = to_state
        locked.decided_at = timezone.now()
        locked.decided_by = reviewer
        locked.reason = reason
        locked.save(update_fields=["state", "decided_at", "decided_by", "reason"])
        ReviewEvent.objects.create(
            evidence=locked,
            from_state=from_state,
            to_state=to_state,
            actor=reviewer,
            at=locked.decided_at,
            reason=reason,
        )
        audit_record(
            actor=reviewer,
            action=f"evidence.{to_state}",
            target=locked,
            student=locked.student,
            changes={"state": [from_state, to_state]},
            reason=reason,
        )
        if notify_student:
            notify(
                user=locked.student.user,
                template="portal/email/evidence_decided",
                context={"evidence": locked, "approved": to_state == ReviewState.APPROVED, "reason": reason},
                url="/student/documents/",
            )
    return locked


def evidence_approve(
    *, evidence: Evidence, reviewer: User, notify_student: bool = True, within: str = ""
) -> Evidence:
    """Approve a pending upload; `within` names the workflow deciding an upload it reviews itself (reviewed_in)."""
    return _decide(
        evidence=evidence,
        reviewer=reviewer,
        to_state=ReviewState.APPROVED,
        notify_student=notify_student,
        within=within,
    )


def evidence_reject(
    *, evidence: Evidence, reviewer: User, reason: str, notify_student: bool = True, within: str = ""
) -> Evidence:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the document is rejected, so the student can fix it.")})
    return _decide(
        evidence=evidence,
        reviewer=reviewer,
        to_state=ReviewState.REJECTED,
        reason=reason,
        notify_student=notify_student,
        within=within,
    )


# --- Generated documents --------------------------------------------------------------------------------------


def generated_document_downloaded(*, document: GeneratedDocument, user: User, request=None) -> None:
    """Record the owner's first download (a collected letter); later downloads and other readers change nothing."""
    if document.owner_id != user.pk or document.first_downloaded_at is not None:
        return
    # A conditional update: two downloads at the same moment record one first download.
    updated = GeneratedDocument.objects.filter(pk=document.pk, first_downloaded_at__isnull=True).update(
        first_downloaded_at=timezone.now()
    )
    if updated:
        student = getattr(user, "student", None) if user.is_student else None
        audit_record(actor=user, action="document.collected", target=document, student=student, request=request)


def generated_document_request(
    *, owner: User, kind: str, title: str, parameters: dict, total_items: int = 1, language: str | None = None
) -> GeneratedDocument:
    """Queue a PDF to be rendered in the background; the task starts after the transaction commits."""
    from portal.documents import DOCUMENT_BUILDERS
    from portal.tasks import generated_document_render

    if kind not in DOCUMENT_BUILDERS:
        raise ValidationError(_("Unknown document kind."))
    with transaction.atomic():
        document = GeneratedDocument.objects.create(
            owner=owner,
            kind=kind,
            title=title,
            parameters=parameters,
            total_items=max(total_items, 1),
            language=language or owner.language or settings.LANGUAGE_CODE,
        )
        enqueue_after_commit(generated_document_render, document.pk)
    return document


# A second request while a certificate from this window is still being prepared returns that one.
CERTIFICATE_PENDING_WINDOW = timedelta(minutes=10)


def enrolment_certificate_request(*, user: User, language: str) -> GeneratedDocument:
    """A student asks for a certificate of enrolment; a double click gets the one already being prepared.

    Only a recent pending one counts, so a document stuck after a worker crash does not block a new request.
    """
    student = user.student
    pending = (
        GeneratedDocument.objects.visible_to(user)
        .filter(
            kind="enrolment_certificate",
            status__in=[DocumentStatus.QUEUED, DocumentStatus.RUNNING],
            created_at__gte=timezone.now() - CERTIFICATE_PENDING_WINDOW,
        )
        .first()
    )
    if pending is not None:
        return pending
    return generated_document_request(
        owner=user,
        kind="enrolment_certificate",
        title=_("Certificate of enrolment (%(student_id)s)") % {"student_id": student.student_id},
        parameters={"student_id": student.student_id},
        language=language,
    )


def document_abandoned_before(now=None):
    """A render started before this moment has outlived its hard time limit: its worker is gone."""
    return (now or timezone.now()) - timedelta(seconds=DOCUMENT_RENDER_TIME_LIMIT + 60)


def generated_document_render(*, document_id: int) -> bool:
    """Render a queued document and store it; safe to run twice (a finished document is not rendered again)."""
    from portal.documents import DOCUMENT_BUILDERS

    now = timezone.now()
    # A running document is taken over only when its worker has certainly died (past the task's hard time limit);
    # otherwise a second delivery of the task would render it twice at once.
    abandoned_before = document_abandoned_before(now)
    claimed = (
        GeneratedDocument.objects.filter(pk=document_id)
        .filter(Q(status=DocumentStatus.QUEUED) | Q(status=DocumentStatus.RUNNING, started_at__lt=abandoned_before))
        .update(status=DocumentStatus.RUNNING, started_at=now, done_items=0)
    )
    if not claimed:
        return False
    document = GeneratedDocument.objects.get(pk=document_id)
    GeneratedDocument.objects.filter(pk=document_id).update(attempts=document.attempts + 1)

    def progress(done: int, total: int) -> None:
        GeneratedDocument.objects.filter(pk=document_id).update(done_items=done, total_items=max(total, 1))

    try:
        filename, _content_type, content = DOCUMENT_BUILDERS[document.kind](document, progress)
    except TRANSIENT_ERRORS as exc:
        # A passing failure (a dropped connection): back in the queue so the task's retry can claim it again.
        GeneratedDocument.objects.filter(pk=document_id).update(status=DocumentStatus.QUEUED, error=str(exc)[:1000])
        raise
    except Exception as exc:
        GeneratedDocument.objects.filter(pk=document_id).update(
            status=DocumentStatus.FAILED, error=str(exc)[:1000], finished_at=timezone.now()
        )
        raise
    document.refresh_from_db(fields=["total_items"])
    old_name = document.file.name if document.file else ""
    # An archive comes as a file on disk (portal.documents.PdfArchive): stored in chunks, then closed and removed.
    upload = content if isinstance(content, File) else ContentFile(content)
    try:
        document.file.save(filename, upload, save=False)
    finally:
        upload.close()
    document.filename = filename
    document.status = DocumentStatus.DONE
    document.done_items = document.total_items
    document.finished_at = timezone.now()
    document.error = ""
    document.save(update_fields=["file", "filename", "status", "done_items", "finished_at", "error"])
    if old_name and old_name != document.file.name:
        # A re-run replaces the stored file instead of leaving the old one behind.
        document.file.storage.delete(old_name)
    return True


def requeue_stalled_work(*, older_than: timedelta = timedelta(minutes=5)) -> dict[str, int]:
    """Queue again what was saved while the broker was unreachable (or whose worker died): set-based, idempotent.

    Both tasks claim their row before working, so a row queued twice is still done once.
    """
    from portal.tasks import generated_document_render, notification_send_email

    cutoff = timezone.now() - older_than
    emails = list(
        Notification.objects.filter(
            send_email=True, emailed_at__isnull=True, created_at__lt=cutoff, email_attempts__lt=EMAIL_MAX_ATTEMPTS
        ).values_list("pk", flat=True)[:5000]
    )
    documents = list(
        GeneratedDocument.objects.filter(
            Q(status=DocumentStatus.QUEUED, created_at__lt=cutoff)
            # A worker that died mid-render leaves its document RUNNING; past the hard time limit it is abandoned.
            | Q(status=DocumentStatus.RUNNING, started_at__lt=document_abandoned_before())
        ).values_list("pk", flat=True)[:500]
    )
    for pk in emails:
        notification_send_email.delay(pk)
    for pk in documents:
        generated_document_render.delay(pk)
    return {"emails": len(emails), "documents": len(documents)}


# --- Sessions, first login and privacy ----------------------------------------------------------------------------


def user_sessions_end(*, user: User, keep_session_key: str | None = None) -> int:
    """End every signed-in session of the user (but the one named): after logout, password change, deactivation."""
    from importlib import import_module

    from portal.models import UserSession

    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for record in UserSession.objects.filter(user=user).exclude(session_key=keep_session_key or ""):
        store(session_key=record.session_key).delete()
        record.delete()
        ended += 1
    return ended


def user_api_tokens_revoke(*, user: User) -> int:
    """API tokens stop working when the password changes or a first login is reissued."""
    from rest_framework.authtoken.models import Token

    deleted, _rows = Token.objects.filter(user=user).delete()
    return deleted


def user_session_started(*, user: User, request) -> None:
    from portal.models import UserSession

    if request is None or not hasattr(request, "session"):
        return
    if not request.session.session_key:
        request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "ip_address": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        },
    )


def user_first_login(*, user: User, request) -> None:
    """Tell the student by email that their account was used for the first time (so a stranger's use is noticed)."""
    notify(
        user=user,
        template="portal/email/first_login",
        context={"user": user, "at": timezone.now(), "ip": client_ip(request) or ""},
        url="/",
    )


def user_reissue_first_login(*, user: User, actor: User, mode: str | None = None, request=None) -> str:
    """Give a student a new way in: a fresh initial password, or a one-time activation link by email.

    Either way the old password stops working and the student's other sessions end.
    """

    mode = mode or settings.FIRST_LOGIN_MODE
    if mode not in ("initial_password", "activation_link"):
        raise ValidationError(_("Unknown way to reissue the first login."))
    student = getattr(user, "student", None)
    if student is None:
        raise ValidationError(_("Only student accounts get a first-login key."))
    with transaction.atomic():
        if mode == "initial_password":
            user_issue_initial_password(user=user, passport_number=student.passport_number)
        else:
            user.set_unusable_password()
            user.must_change_password = False
            user.initial_password_expires_at = None
            user.save(update_fields=["password", "must_change_password", "initial_password_expires_at"])
            # The one-time link is made by the task that emails it: it is never stored (not even in the inbox).
            from portal.tasks import activation_link_send

            enqueue_after_commit(activation_link_send, user.pk)
        audit_record(actor=actor, action=f"user.first_login_reissued.{mode}", target=student, request=request)
    user_sessions_end(user=user)
    user_api_tokens_revoke(user=user)
    return mode


def activation_link_send(*, user_id: int) -> bool:
    """Email a one-time link to choose a password (allauth's reset key: it stops working once a password is set)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    from django.core.mail import send_mail
    from django.urls import reverse

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password() or not user.email:
        return False  # a password was set meanwhile: the link is no longer needed
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {"user": user, "link": f"{settings.PORTAL_BASE_URL}{path}"}
        subject = " ".join(render_to_string("portal/email/activation_link_subject.txt", context).split())
        body = render_to_string("portal/email/activation_link_body.txt", context).strip()
    send_mail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return True


def evidence_preview_png(*, evidence: Evidence) -> tuple[bytes, int]:
    """The review picture of a PDF upload, made once and cached: an upload never changes after it is stored."""
    from portal.previews import pdf_preview_png

    key = f"evidence-preview:{evidence.pk}:{evidence.sha256}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    with evidence.file.open("rb") as handle:
        preview = pdf_preview_png(handle.read())
    cache.set(key, preview, timeout=60 * 60)
    return preview


def evidence_file_read(*, evidence: Evidence, reader: User, request=None) -> None:
    """Record that someone other than the student opened the file (the student can see who did)."""
    if evidence.student.user_id == reader.pk:
        return
    audit_record(actor=reader, action="evidence.file_read", target=evidence, student=evidence.student, request=request)
