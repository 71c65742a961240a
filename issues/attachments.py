"""Files attached to issues: checked by content, stored privately, handed out after an access check.

* ``attachments_validate`` decides from the bytes (magic numbers, read with ``filetype``)
  whether a file is a PDF, an image, or a Word or Excel document; the name and the
  browser's content type are never trusted. It reports every problem at once.
* ``attachments_save`` stores the checked files under their SHA-256 name
  (``issues.models.attachment_path``) and creates the rows. It runs inside
  ``attachments_saved_or_removed()``, the transaction that removes the stored files again
  when it does not commit.
* ``MultipleFileField`` is the form field: several files, validated as above.
* ``attachment_for_user`` finds an attachment the user may see (through
  ``issues_for_user``; an answer's file only once the answer is signed off, except for the
  lead department and the coordinators); ``attachment_response`` streams it as a download.
"""

import hashlib
import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import filetype
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from issues.models import MAX_ATTACHMENT_BYTES, Answer, Attachment
from issues.selectors import issues_for_user, may_see_unapproved_answers

logger = logging.getLogger(__name__)

#: What may be attached, by the MIME type detected from the content.
ALLOWED_TYPES = {
    "application/pdf": _("PDF document"),
    "image/jpeg": _("JPEG image"),
    "image/png": _("PNG image"),
    "image/gif": _("GIF image"),
    "image/webp": _("WebP image"),
    "image/heic": _("HEIC photo"),
    "application/msword": _("Word document"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": _(
        "Word document"
    ),
    "application/vnd.ms-excel": _("Excel workbook"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": _("Excel workbook"),
}

#: The file picker's hint (a phone offers its camera and gallery for image/*). Only a hint:
#: the content decides.
ATTACHMENT_ACCEPT = (
    ".pdf,.jpg,.jpeg,.png,.heic,.webp,.doc,.docx,.xls,.xlsx,image/*,application/pdf"
)

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_MEGABYTES = MAX_ATTACHMENT_BYTES // (1024 * 1024)

#: filetype looks at no more than the first 8 KiB.
SNIFF_BYTES = 8192
#: Read uploads in pieces of this size, so a 10 MB file is never in memory at once.
CHUNK_BYTES = 64 * 1024

ORIGINAL_NAME_MAX_LENGTH = Attachment._meta.get_field("original_name").max_length
#: Unicode categories removed from names: control and format characters (including the
#: right-to-left override that makes "invoice‮fdp.exe" look like "invoiceexe.pdf"),
#: surrogates and line or paragraph separators.
_NAME_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
#: An extension longer than this is not kept apart when a long name is shortened.
_EXTENSION_MAX_LENGTH = 10


class AttachmentError(ValidationError):
    """A file that cannot be attached, or too many files; the message names the file."""


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed ``attachments_validate``, with what was learnt from its bytes."""

    upload: UploadedFile
    original_name: str
    content_type: str
    size: int
    sha256: str

    @property
    def type_label(self) -> str:
        return str(ALLOWED_TYPES[self.content_type])


def original_name_clean(name: str, *, extension: str = "") -> str:
    """The user's file name made safe to keep and to hand back in a download.

    Only the last path component is kept ("../../etc/passwd.pdf" → "passwd.pdf", Windows
    separators too), control and invisible format characters are removed, and a name longer
    than the field is shortened before its extension. A name with nothing left becomes
    "attachment" plus ``extension``.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _NAME_UNSAFE_CATEGORIES)
    # Leading dots would hide the file on Unix; trailing dots and spaces vanish on Windows.
    name = name.strip().strip(".").strip()
    if not name:
        name = f"attachment.{extension}" if extension else "attachment"
    if len(name) > ORIGINAL_NAME_MAX_LENGTH:
        stem, dot, suffix = name.rpartition(".")
        if dot and stem and len(suffix) <= _EXTENSION_MAX_LENGTH:
            stem = stem[: ORIGINAL_NAME_MAX_LENGTH - len(suffix) - 1].rstrip()
            name = f"{stem}.{suffix}"
        else:
            name = name[:ORIGINAL_NAME_MAX_LENGTH]
    return name


def _read(upload: UploadedFile) -> tuple[bytes, int, str]:
    """The first bytes (for the type), the size counted and the SHA-256, read in chunks.

    Stops counting once the file is over the limit: its hash is never needed.
    """
    head = bytearray()
    size = 0
    digest = hashlib.sha256()
    for chunk in upload.chunks(CHUNK_BYTES):
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        size += len(chunk)
        if size > MAX_ATTACHMENT_BYTES:
            break
        digest.update(chunk)
    upload.seek(0)
    return bytes(head), size, digest.hexdigest()


def _head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    return head


def _detected_type(head: bytes):
    """filetype's verdict on the first bytes, or None if nothing it knows matches."""
    return filetype.guess(head) if head else None


def attachments_validate(files: Sequence[UploadedFile]) -> list[CheckedFile]:
    """Check the files a user wants to attach; raise AttachmentError listing every problem.

    Each file must be, by its content, one of ``ALLOWED_TYPES``, not empty and at most
    ``MAX_ATTACHMENT_BYTES``; there may be at most ``MAX_ATTACHMENTS`` files.
    """
    errors: list[ValidationError] = []
    if len(files) > MAX_ATTACHMENTS:
        errors.append(AttachmentError(
            _("At most %(count)s files can be attached."),
            code="attachment_count", params={"count": MAX_ATTACHMENTS},
        ))
    checked: list[CheckedFile] = []
    for upload in files:
        # Whatever the browser claimed (upload.content_type) plays no part.
        name = original_name_clean(upload.name)
        if upload.size is not None and upload.size > MAX_ATTACHMENT_BYTES:
            # No need to read, let alone hash, a file that is refused anyway.
            head, size, sha256 = _head(upload), upload.size, ""
        else:
            head, size, sha256 = _read(upload)
        if size == 0:
            errors.append(AttachmentError(
                _("“%(name)s” is empty."), code="attachment_empty", params={"name": name},
            ))
            continue
        kind = _detected_type(head)
        problems = []
        if kind is None or kind.mime not in ALLOWED_TYPES:
            problems.append(AttachmentError(
                _("“%(name)s” is not a PDF, image, Word or Excel file."),
                code="attachment_type", params={"name": name},
            ))
        if size > MAX_ATTACHMENT_BYTES:
            problems.append(AttachmentError(
                _("“%(name)s” is larger than %(megabytes)s MB."),
                code="attachment_too_large",
                params={"name": name, "megabytes": MAX_ATTACHMENT_MEGABYTES},
            ))
        if problems:
            errors.extend(problems)
            continue
        checked.append(CheckedFile(
            upload=upload,
            original_name=original_name_clean(upload.name, extension=kind.extension),
            content_type=kind.mime,
            size=size,
            sha256=sha256,
        ))
    if errors:
        raise AttachmentError(errors)
    return checked


# --- Storing, and removing again when the transaction does not commit --------------------

#: The names stored by attachments_save inside the innermost attachments_saved_or_removed().
_stored_names: ContextVar[list[str] | None] = ContextVar("attachment_stored_names",
                                                          default=None)


def _stored_files_delete(names: list[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            # Never hide the error that caused the rollback; the file is only an orphan.
            logger.exception("Could not remove the attachment file %s after a rollback", name)


@contextmanager
def attachments_saved_or_removed(*, using: str | None = None) -> Iterator[None]:
    """``transaction.atomic()`` that also deletes the files ``attachments_save`` stored in it
    when it does not commit.

    Databases roll back, file systems do not, and Django has no on-rollback hook; so the files
    stored inside the block are remembered and deleted when the block raises, when it was
    marked for rollback (``transaction.set_rollback(True)``), or when the commit itself fails.
    Use it in place of the submission's outermost ``transaction.atomic()``::

        with attachments_saved_or_removed():
            issue = ...
            attachments_save(issue=issue, checked=form.cleaned_data["attachments"], user=user)

    Nested in another ``attachments_saved_or_removed()`` it hands its files to the outer block,
    which decides. Nested in a plain ``atomic()`` that later rolls back, it cannot know: the
    files would stay behind, so make it the outermost block that can fail.
    """
    outer = _stored_names.get()
    stored: list[str] = []
    token = _stored_names.set(stored)
    committed = False
    try:
        with transaction.atomic(using=using):
            yield
            will_commit = not transaction.get_connection(using).needs_rollback
        committed = will_commit  # Reached only when leaving atomic() raised nothing.
    finally:
        _stored_names.reset(token)
        if not committed:
            _stored_files_delete(stored)
        elif outer is not None:
            outer.extend(stored)


def attachments_save(*, issue, checked: Sequence[CheckedFile], user,
                     answer=None) -> list[Attachment]:
    """Store the checked files and create their Attachment rows (one INSERT): the issue's
    own, or with ``answer`` the files of a department's answer (the answer letter).

    Runs inside ``attachments_saved_or_removed()``; outside it, it refuses, since a rollback
    would leave the stored files behind. Each file is stored under the name
    ``attachment_path`` makes from its SHA-256, never under the user's name.
    """
    stored = _stored_names.get()
    if stored is None:
        raise RuntimeError(
            "attachments_save() must run inside attachments_saved_or_removed(), so that a "
            "rollback also removes the stored files."
        )
    field = Attachment._meta.get_field("file")
    attachments = []
    for item in checked:
        attachment = Attachment(
            issue=issue,
            answer=answer,
            original_name=item.original_name,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
            uploaded_by=user,
        )
        name = field.generate_filename(attachment, item.original_name)
        name = field.storage.save(name, item.upload, max_length=field.max_length)
        stored.append(name)
        attachment.file = name
        attachments.append(attachment)
    return Attachment.objects.bulk_create(attachments)


# --- Forms -------------------------------------------------------------------------------


def _help_text() -> str:
    return _(
        "Up to %(count)s files of at most %(megabytes)s MB each: PDF, photos and other "
        "images, Word or Excel."
    ) % {"count": MAX_ATTACHMENTS, "megabytes": MAX_ATTACHMENT_MEGABYTES}


#: Translated when shown, not when a form class is defined.
_multiple_file_help_text = lazy(_help_text, str)


class MultipleFileInput(forms.ClearableFileInput):
    """Several files; tells the page's script (issues.js) how many it may choose, in the
    language of the request."""

    allow_multiple_selected = True

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update({
            "data-max-files": MAX_ATTACHMENTS,
            "data-max-files-message": _("Choose at most %(count)s files.")
            % {"count": MAX_ATTACHMENTS},
        })
        return context


class MultipleFileField(forms.FileField):
    """Several files in one field; ``clean()`` returns the list of ``CheckedFile``.

    Every problem (type, size, emptiness, number) is shown on the field at once.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ATTACHMENT_ACCEPT}))
        kwargs.setdefault("help_text", _multiple_file_help_text())
        # An empty file gets attachments_validate's message, which names it.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(**kwargs)

    def clean(self, data, initial=None) -> list[CheckedFile]:
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        single_file_clean = super().clean
        return attachments_validate([single_file_clean(item, initial) for item in files])


# --- Reading -----------------------------------------------------------------------------


def attachment_for_user(*, user, reference: str, pk: int) -> Attachment:
    """One attachment of the issue ``reference``, if the user may see that issue; a file of
    an answer not (yet) signed off only for those who see such answers (the lead
    department, the coordinators: ``may_see_unapproved_answers``).

    Raises Attachment.DoesNotExist otherwise (the view answers 404).
    """
    attachment = Attachment.objects.select_related("issue", "answer").get(
        pk=pk, issue__reference=reference, issue__in=issues_for_user(user=user)
    )
    answer = attachment.answer
    if (answer is not None and answer.status != Answer.Status.APPROVED
            and not may_see_unapproved_answers(user=user, issue=attachment.issue)):
        raise Attachment.DoesNotExist
    return attachment


def attachment_response(*, attachment: Attachment) -> FileResponse:
    """The stored file as a download under its original name; 404 if the file is gone.

    The type sent is the one detected at upload, and the browser is told not to sniff
    another nor to keep a copy in a shared cache.
    """
    name = attachment.file.name
    try:
        if not name:
            raise FileNotFoundError(name)
        handle = attachment.file.storage.open(name, "rb")
    except FileNotFoundError as error:
        logger.warning("Attachment %s: the stored file %r is missing", attachment.pk, name)
        raise Http404(
            _("The file “%(name)s” is no longer stored.") % {"name": attachment.original_name}
        ) from error
    content_type = (
        attachment.content_type
        if attachment.content_type in ALLOWED_TYPES
        else "application/octet-stream"
    )
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.original_name,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
