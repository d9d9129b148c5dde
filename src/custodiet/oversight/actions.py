"""What the office does with a bundle sent to it, each step recorded as it happens.

`take_in` keeps the upload where its check will read it, records its `Receipt` and starts
the check as a background job; `refuse` records an upload refused at the door; `check`
(run by the job) unpacks the bundle once, has `custodiet.reports.received.receive` check
it and keep it if every check passes, and records the `Verdict`. The uploaded file is
removed once checked: what the office keeps is the store's copy of an accepted bundle.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from custodiet.accounts.models import Agency
from custodiet.jobs import start
from custodiet.oversight import office as offices
from custodiet.oversight.forms import TooLarge
from custodiet.oversight.models import Receipt, Verdict
from custodiet.reports import oversight, received

Progress = Callable[[int, int, str], None]


def _no_progress(done: int, total: int, label: str) -> None:
    pass


def take_in(upload: Any, *, by: Any, office: Agency) -> Receipt:
    """Keep the upload under a name of our own, record its receipt and start its check."""
    folder = offices.incoming(offices.current())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.tar.gz"
    digest = hashlib.sha256()
    size = 0
    with path.open("xb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    try:
        with transaction.atomic():
            job = start(
                "bundle-receive",
                user=by,
                agency=office,
                args={"path": str(path), "next_url": reverse("oversight")},
            )
            return Receipt.objects.create(
                office=office,
                uploaded_by=by,
                uploaded_at=timezone.now(),
                sha256=digest.hexdigest(),
                size=size,
                path=str(path),
                job=job,
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def refuse(upload: Any, *, by: Any, office: Agency, why: str) -> Receipt:
    """Record an upload refused before any check (too large, not an archive): nothing of it
    is kept but its size and, when it was read whole, its SHA-256."""
    digest = ""
    if not isinstance(upload, TooLarge):
        upload.seek(0)
        hashed = hashlib.sha256()
        for chunk in upload.chunks():
            hashed.update(chunk)
        digest = hashed.hexdigest()
    return Receipt.objects.create(
        office=office,
        uploaded_by=by,
        uploaded_at=timezone.now(),
        sha256=digest,
        size=upload.size or 0,
        refused=why,
    )


@contextlib.contextmanager
def _one_at_a_time(folder: Path) -> Iterator[None]:
    """Bundles are checked one after the other: each is checked against the checkpoint
    last accepted, so two checked at once could both extend it and fork what is kept."""
    with (folder / ".receiving.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _as_read(folder: Path) -> tuple[str, str]:
    """The agency and period report.json names, as written, for the record of a refusal."""
    try:
        report = json.loads((folder / "report.json").read_bytes()[: 16 << 20])
    except (OSError, ValueError, RecursionError):
        return "", ""
    if not isinstance(report, dict):
        return "", ""
    agency = report.get("agency")
    period = report.get("period")
    label = period.get("label") if isinstance(period, dict) else None
    return (
        agency[:64] if isinstance(agency, str) else "",
        label[:16] if isinstance(label, str) else "",
    )


def check(receipt: Receipt, path: Path, progress: Progress = _no_progress) -> Verdict:
    """Check the bundle at `path` as the contract says and record what was found; the file
    is removed, kept or refused."""
    try:
        config = offices.current()
        folder = offices.incoming(config)
        folder.mkdir(parents=True, exist_ok=True)
        agency = period = ""
        with (
            _one_at_a_time(folder),
            tempfile.TemporaryDirectory(prefix="unpacked-", dir=folder) as unpacked,
        ):
            try:
                progress(0, 2, "Unpacking the bundle")
                source = oversight.unpack(path, Path(unpacked))
                agency, period = _as_read(source)
                # `receive` reads report.json before the checks ask for every file.
                missing = [name for name in oversight.REQUIRED if not (source / name).is_file()]
                if missing:
                    raise oversight.Unusable(f"the bundle lacks {', '.join(missing)}")
                progress(1, 2, "Checking the signatures, the log, the counts and the record")
                result = received.receive(config, source)
            except (oversight.Unusable, received.ReceiveError) as error:
                # The messages name the files they read: here, ours, not the sender's.
                why = str(error).removeprefix(f"{path}: ").removeprefix(f"{unpacked}: ")
                return Verdict.objects.create(
                    receipt=receipt, agency=agency, period=period, accepted=False, error=why
                )
            progress(2, 2, "Checked")
            return Verdict.objects.create(
                receipt=receipt,
                agency=agency,
                period=period,
                accepted=result.accepted,
                checks=[{"name": c.name, "ok": c.ok, "detail": c.detail} for c in result.checks],
                kept_at=str(result.kept_at.resolve()) if result.kept_at else "",
            )
    finally:
        path.unlink(missing_ok=True)
