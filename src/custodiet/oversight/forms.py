"""The office's forms: a report bundle to upload, and the quarter of a summary.

A bundle may be large, so its size is held to CUSTODIET_BUNDLE_UPLOAD_MAX_MB while it is
read from the request (`SizeLimit`), not after it was written out whole; what arrives is
then checked by its bytes (gzip's magic number, then a tar header inside), never by its
name or the browser's content type.
"""

from __future__ import annotations

import datetime as dt
import io
import tarfile
import zlib
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest

from custodiet.reports.recount import Period, PeriodError
from custodiet.web.forms import UswdsBoundField

GZIP_MAGIC = b"\x1f\x8b"
MB = 1024 * 1024


class TooLarge(UploadedFile):
    """What is kept of a file sent past the limit: how large it was, and none of its bytes."""

    def __init__(self, size: int) -> None:
        super().__init__(io.BytesIO(), name="bundle", size=size)


class SizeLimit(FileUploadHandler):
    """First of the request's upload handlers: passes each file's bytes on to the others
    while it is within `limit`, and past it keeps nothing more, so a file too large is
    never written out; the form then finds a `TooLarge` in its place."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        return raw_data if start + len(raw_data) <= self.limit else None

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if file_size <= self.limit:
            return None  # the next handler's file
        # The next handlers began a file before the limit was passed: it goes, unread.
        for handler in self.request.upload_handlers if self.request else ():
            partial = getattr(handler, "file", None)
            if handler is not self and partial is not None:
                partial.close()
        return TooLarge(file_size)


class BundleForm(forms.Form):
    bound_field_class = UswdsBoundField

    bundle = forms.FileField(
        label="Report bundle (.tar.gz)",
        widget=forms.FileInput(
            attrs={"class": "usa-input", "accept": ".tar.gz,.tgz,application/gzip"}
        ),
    )

    def __init__(self, *args: Any, limit: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit = limit
        self.fields["bundle"].help_text = (
            f"The bundle.tar.gz an agency's Reports page gives once its report is attested, "
            f"at most {limit // MB} MB. It is checked on the server, which takes a while "
            "for a large log; nothing of it is kept unless every check passes."
        )

    def clean_bundle(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["bundle"]
        if isinstance(upload, TooLarge) or (upload.size or 0) > self.limit:
            raise ValidationError(
                f"This file ({upload.size or 0:,} bytes) is larger than the "
                f"{self.limit // MB} MB the office takes in one upload."
            )
        upload.seek(0)
        if upload.read(len(GZIP_MAGIC)) != GZIP_MAGIC:
            raise ValidationError(
                "This file is not a gzip-compressed archive: upload the bundle.tar.gz the "
                "agency sent, as it was sent."
            )
        upload.seek(0)
        try:
            # Only the first member's header is read here: the whole archive is unpacked,
            # within its budget, by the check in the background.
            with tarfile.open(fileobj=upload, mode="r:gz") as archive:
                first = archive.next()
        except (tarfile.TarError, OSError, EOFError, zlib.error):
            first = None
        if first is None:
            raise ValidationError(
                "This file is compressed but holds no tar archive: it is not a report bundle."
            )
        upload.seek(0)
        return upload


def last_ended_quarter(today: dt.date) -> Period:
    quarter = (today.month - 1) // 3 + 1
    if quarter == 1:
        return Period.parse(f"{today.year - 1}-Q4")
    return Period.parse(f"{today.year}-Q{quarter - 1}")


class QuarterForm(forms.Form):
    bound_field_class = UswdsBoundField

    quarter = forms.CharField(
        label="Quarter",
        max_length=7,
        help_text="As 2025-Q3. The year to date runs from the year's first quarter to it.",
        widget=forms.TextInput(attrs={"class": "usa-input usa-input--small"}),
    )

    def clean_quarter(self) -> Period:
        text = self.cleaned_data["quarter"]
        try:
            period = Period.parse(text)
        except PeriodError as error:
            raise ValidationError(f"{error}.") from None
        if period.kind != "quarter":
            raise ValidationError(f"“{text}” is a year: the summary is of a quarter, as 2025-Q3.")
        return period
