"""Attachments: accepted by what the bytes are, stored privately under their hash, removed
again when the submission rolls back, and handed out only as a download to those who may see
the issue."""

import hashlib
import io
import tracemalloc
import zipfile

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.datastructures import MultiValueDict

from entrepreneurs.models import Entrepreneur
from issues.attachments import (
    ATTACHMENT_ACCEPT,
    MAX_ATTACHMENTS,
    AttachmentError,
    MultipleFileField,
    attachment_for_user,
    attachment_response,
    attachments_save,
    attachments_saved_or_removed,
    attachments_validate,
    original_name_clean,
)
from issues.models import MAX_ATTACHMENT_BYTES, Attachment
from tests.factories import (
    AttachmentFactory,
    EntrepreneurFactory,
    IssueFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def stored_files(location) -> list:
    return sorted(path for path in location.rglob("*") if path.is_file())


# --- Minimal but real file contents ------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 \x0e\x00\x00\x00" + b"\x00" * 14
# An ISO-BMFF "ftyp" box with the brand an iPhone writes.
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 16
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
TEXT = "这不是PDF，只是一段文字。".encode()
# Office 97–2003 files are OLE compound files; the sector after the header says which.
OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
DOC = OLE_HEADER + b"\xec\xa5\xc1\x00" + b"\x00" * 60
XLS = OLE_HEADER + b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\x00" * 60


def zipped(*entries: tuple[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries:
            archive.writestr(name, text)
    return buffer.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)
# filetype recognises Office Open XML when the first entry is [Content_Types].xml and one of
# the next ones lives under word/ or xl/, the order Word and Excel write.
DOCX_BYTES = zipped(
    ("[Content_Types].xml", CONTENT_TYPES),
    ("_rels/.rels", "<Relationships/>"),
    ("word/document.xml", "<w:document/>"),
)
XLSX_BYTES = zipped(
    ("[Content_Types].xml", CONTENT_TYPES),
    ("_rels/.rels", "<Relationships/>"),
    ("xl/workbook.xml", "<workbook/>"),
)
PLAIN_ZIP = zipped(("readme.txt", "hello"))


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def messages(error: ValidationError) -> list[str]:
    return list(error.messages)


# --- What is accepted, by content ---------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("营业执照.pdf", PDF, "application/pdf"),
    ("现场.png", PNG, "image/png"),
    ("现场.jpg", JPEG, "image/jpeg"),
    ("动图.gif", GIF, "image/gif"),
    ("截图.webp", WEBP, "image/webp"),
    ("IMG_0001.HEIC", HEIC, "image/heic"),
    ("申请.docx", DOCX_BYTES, DOCX),
    ("台账.xlsx", XLSX_BYTES, XLSX),
    ("旧申请.doc", DOC, "application/msword"),
    ("旧台账.xls", XLS, "application/vnd.ms-excel"),
])
def test_the_programmes_file_types_are_accepted_by_content(name, content, content_type):
    [checked] = attachments_validate([upload(name, content)])

    assert checked.content_type == content_type
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()
    assert checked.original_name == name


def test_the_name_and_the_browsers_type_do_not_decide():
    word_as_pdf = upload("合同.pdf", DOCX_BYTES, content_type="application/pdf")
    pdf_without_extension = upload("scan", PDF, content_type="text/plain")

    checked = attachments_validate([word_as_pdf, pdf_without_extension])

    assert [item.content_type for item in checked] == [DOCX, "application/pdf"]
    assert str(checked[0].type_label) == "Word document"


@pytest.mark.parametrize(("name", "content"), [
    ("invoice.pdf", EXE),
    ("x.exe", EXE),
    ("notes.pdf", TEXT),
    ("photo.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
    ("report.docx", PLAIN_ZIP),
])
def test_disguised_and_other_files_are_refused(name, content):
    with pytest.raises(AttachmentError) as refused:
        attachments_validate([upload(name, content, content_type="application/pdf")])

    assert messages(refused.value) == [f"“{name}” is not a PDF, image, Word or Excel file."]


# --- Size and number ------------------------------------------------------------------------


def test_a_file_of_exactly_10_mb_is_accepted_and_read_in_chunks(tmp_path):
    chunk = b"\x00" * (1024 * 1024)
    big = TemporaryUploadedFile("scan.pdf", "application/pdf", MAX_ATTACHMENT_BYTES, None)
    digest = hashlib.sha256()
    head = b"%PDF-1.4\n"
    big.write(head)
    digest.update(head)
    remaining = MAX_ATTACHMENT_BYTES - len(head)
    while remaining:
        piece = chunk[:remaining]
        big.write(piece)
        digest.update(piece)
        remaining -= len(piece)
    big.seek(0)

    tracemalloc.start()
    try:
        [checked] = attachments_validate([big])
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        big.close()

    assert checked.size == MAX_ATTACHMENT_BYTES
    assert checked.sha256 == digest.hexdigest()
    # Hashing 10 MB holds one chunk at a time, never the whole file.
    assert peak < 1024 * 1024


def test_a_byte_over_10_mb_is_refused():
    content = b"%PDF-1.4\n" + b"\x00" * (MAX_ATTACHMENT_BYTES + 1 - 9)

    with pytest.raises(AttachmentError) as refused:
        attachments_validate([upload("big.pdf", content)])

    assert messages(refused.value) == ["“big.pdf” is larger than 10 MB."]


def test_an_empty_file_is_refused():
    with pytest.raises(AttachmentError) as refused:
        attachments_validate([upload("empty.pdf", b"")])

    assert messages(refused.value) == ["“empty.pdf” is empty."]


def test_five_files_are_accepted_and_six_refused():
    assert len(attachments_validate([upload(f"{n}.pdf", PDF) for n in range(MAX_ATTACHMENTS)])) == 5

    with pytest.raises(AttachmentError) as refused:
        attachments_validate([upload(f"{n}.pdf", PDF) for n in range(MAX_ATTACHMENTS + 1)])

    assert messages(refused.value) == ["At most 5 files can be attached."]


def test_every_problem_is_reported_at_once():
    files = [
        upload("ok.pdf", PDF), upload("x.exe", EXE), upload("empty.pdf", b""),
        upload("ok.png", PNG), upload("notes.pdf", TEXT), upload("ok.xlsx", XLSX_BYTES),
    ]

    with pytest.raises(AttachmentError) as refused:
        attachments_validate(files)

    assert messages(refused.value) == [
        "At most 5 files can be attached.",
        "“x.exe” is not a PDF, image, Word or Excel file.",
        "“empty.pdf” is empty.",
        "“notes.pdf” is not a PDF, image, Word or Excel file.",
    ]


# --- The name kept for the download ---------------------------------------------------------


@pytest.mark.parametrize(("given", "kept"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\王\\Desktop\\营业执照.pdf", "营业执照.pdf"),
    ("line\nbreak\r.pdf", "linebreak.pdf"),
    # The right-to-left override would show "invoice\u202efdp.exe" as "invoiceexe.pdf".
    ("invoice\u202efdp.exe", "invoicefdp.exe"),
    ("  .hidden.pdf. ", "hidden.pdf"),
])
def test_the_original_name_is_cleaned(given, kept):
    assert original_name_clean(given) == kept


def test_a_long_name_is_shortened_before_its_extension():
    kept = original_name_clean("甲" * 300 + ".xlsx")

    assert len(kept) == 200
    assert kept == "甲" * 195 + ".xlsx"


def test_a_name_with_nothing_left_gets_one_from_its_type():
    [checked] = attachments_validate([upload("...", PDF)])

    assert checked.original_name == "attachment.pdf"


# --- Storing ------------------------------------------------------------------------------------


def test_files_are_stored_privately_under_their_hash(private_storage):
    issue = IssueFactory()
    user = UserFactory()
    checked = attachments_validate([upload("../../etc/营业执照.pdf", PDF), upload("a.png", PNG)])

    with attachments_saved_or_removed():
        saved = attachments_save(issue=issue, checked=checked, user=user)

    pdf = Attachment.objects.get(pk=saved[0].pk)
    sha256 = hashlib.sha256(PDF).hexdigest()
    now = timezone.now()
    assert pdf.file.name == f"attachments/{now:%Y/%m}/{sha256[:2]}/{sha256}"
    assert (pdf.original_name, pdf.content_type, pdf.size, pdf.sha256, pdf.uploaded_by) == (
        "营业执照.pdf", "application/pdf", len(PDF), sha256, user,
    )
    assert "营业执照" not in pdf.file.name
    assert (private_storage / pdf.file.name).read_bytes() == PDF
    assert stored_files(private_storage) == sorted(
        private_storage / attachment.file.name for attachment in saved
    )
    assert list(issue.attachments.values_list("original_name", flat=True)) == [
        "营业执照.pdf", "a.png",
    ]


def test_a_submission_that_fails_after_storing_leaves_no_file_behind(private_storage):
    issue = IssueFactory()
    checked = attachments_validate([upload("a.pdf", PDF), upload("b.docx", DOCX_BYTES)])

    with pytest.raises(RuntimeError, match="notification failed"), attachments_saved_or_removed():
        attachments_save(issue=issue, checked=checked, user=UserFactory())
        assert len(stored_files(private_storage)) == 2
        raise RuntimeError("notification failed")

    assert stored_files(private_storage) == []
    assert not Attachment.objects.exists()


def test_a_submission_marked_for_rollback_leaves_no_file_behind(private_storage):
    issue = IssueFactory()
    checked = attachments_validate([upload("a.pdf", PDF)])

    with attachments_saved_or_removed():
        attachments_save(issue=issue, checked=checked, user=UserFactory())
        transaction.set_rollback(True)

    assert stored_files(private_storage) == []
    assert not Attachment.objects.exists()


def test_files_of_an_inner_block_go_when_the_outer_one_fails(private_storage):
    issue = IssueFactory()
    checked = attachments_validate([upload("a.pdf", PDF)])

    with pytest.raises(ValueError), attachments_saved_or_removed():
        with attachments_saved_or_removed():
            attachments_save(issue=issue, checked=checked, user=UserFactory())
        raise ValueError

    assert stored_files(private_storage) == []


def test_storing_outside_the_guarded_transaction_is_refused(private_storage):
    checked = attachments_validate([upload("a.pdf", PDF)])

    with pytest.raises(RuntimeError, match="attachments_saved_or_removed"):
        attachments_save(issue=IssueFactory(), checked=checked, user=UserFactory())

    assert stored_files(private_storage) == []


# --- The form field -------------------------------------------------------------------------


class AttachmentForm(forms.Form):
    attachments = MultipleFileField(required=False)


def test_the_form_field_takes_several_files_and_shows_every_problem():
    files = MultiValueDict({"attachments": [
        upload("ok.pdf", PDF), upload("x.exe", EXE), upload("empty.pdf", b""),
    ]})

    form = AttachmentForm(data={}, files=files)

    assert not form.is_valid()
    assert form.errors["attachments"] == [
        "“x.exe” is not a PDF, image, Word or Excel file.",
        "“empty.pdf” is empty.",
    ]


def test_the_form_field_returns_the_checked_files():
    files = MultiValueDict({"attachments": [upload("a.pdf", PDF), upload("b.jpg", JPEG)]})

    form = AttachmentForm(data={}, files=files)

    assert form.is_valid(), form.errors
    assert [item.content_type for item in form.cleaned_data["attachments"]] == [
        "application/pdf", "image/jpeg",
    ]


def test_the_form_field_may_be_empty_or_required():
    optional = AttachmentForm(data={}, files=MultiValueDict())
    assert optional.is_valid()
    assert optional.cleaned_data["attachments"] == []

    class RequiredForm(forms.Form):
        attachments = MultipleFileField()

    required = RequiredForm(data={}, files=MultiValueDict())
    assert required.errors["attachments"] == ["This field is required."]


def test_the_picker_allows_several_files_of_the_programmes_types():
    html = str(AttachmentForm()["attachments"])

    assert "multiple" in html
    assert f'accept="{ATTACHMENT_ACCEPT}"' in html
    assert "image/*" in ATTACHMENT_ACCEPT and ".heic" in ATTACHMENT_ACCEPT


# --- Downloading ------------------------------------------------------------------------------


def test_the_download_streams_the_bytes_with_safe_headers(private_storage):
    content = PDF + b"\x00" * 200_000
    checked = attachments_validate([upload("营业执照.pdf", content)])
    with attachments_saved_or_removed():
        [attachment] = attachments_save(issue=IssueFactory(), checked=checked,
                                        user=UserFactory())

    response = attachment_response(attachment=attachment)
    try:
        body = b"".join(response.streaming_content)
    finally:
        response.close()

    assert body == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(content))
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_a_file_missing_from_storage_is_not_found(private_storage):
    attachment = AttachmentFactory(original_name="规划图.pdf")

    with pytest.raises(Http404, match="The file “规划图.pdf” is no longer stored."):
        attachment_response(attachment=attachment)


# --- Who may fetch it ------------------------------------------------------------------------


def test_an_entrepreneur_of_the_same_enterprise_gets_the_attachment():
    attachment = AttachmentFactory()
    colleague = EntrepreneurFactory(with_user=True, enterprise=attachment.issue.enterprise)

    found = attachment_for_user(
        user=colleague.user, reference=attachment.issue.reference, pk=attachment.pk
    )

    assert found == attachment


def test_others_do_not_get_the_attachment():
    attachment = AttachmentFactory()
    stranger = EntrepreneurFactory(with_user=True)
    unverified_colleague = EntrepreneurFactory(
        with_user=True, enterprise=attachment.issue.enterprise,
        verification=Entrepreneur.Verification.PENDING,
    )
    owner = EntrepreneurFactory(with_user=True, enterprise=attachment.issue.enterprise)
    other_issue = IssueFactory(enterprise=attachment.issue.enterprise)

    for user in (stranger.user, unverified_colleague.user):
        with pytest.raises(Attachment.DoesNotExist):
            attachment_for_user(user=user, reference=attachment.issue.reference,
                                pk=attachment.pk)
    # The right person, but the attachment asked for under another issue's reference.
    with pytest.raises(Attachment.DoesNotExist):
        attachment_for_user(user=owner.user, reference=other_issue.reference, pk=attachment.pk)
