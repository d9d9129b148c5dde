"""The report to the Governor's office, end to end: built from the ledger and the records,
accepted by the recipient from the bundle alone, and refused, naming the check, when
anything in it was changed (contract/REPORTS.md)."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from custodiet.cases import actions
from custodiet.cases.models import Case
from custodiet.ledger import store
from custodiet.ledger.models import Entry
from custodiet.merkle.compact import CompactTree
from custodiet.merkle.cosignature import Witness, WitnessVerifier, with_cosignatures
from custodiet.merkle.note import Checkpoint as Note
from custodiet.merkle.note import Verifier, sign_checkpoint
from custodiet.merkle.rfc6962 import leaf_hashes
from custodiet.reports import actions as report_actions
from custodiet.reports import oversight
from custodiet.reports.bundle import report_text
from custodiet.reports.models import Report
from custodiet.reports.recount import Period, leaves, recount
from ledger.witnessing import running_witness

from .conftest import Role, detective_request, ice_request, make_member

pytestmark = pytest.mark.django_db
Q3 = Period.parse("2025-Q3")


@pytest.fixture(autouse=True)
def log_key(settings, tmp_path: Path) -> None:
    """The agency's log key, made as the README says."""
    settings.CUSTODIET_LOG_KEY_FILE = tmp_path / "keys" / "log.key"
    call_command("ledger", "keygen", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture
def bundle(api, dmv, supervisor, django_user_model, tmp_path) -> Path:
    """Q3 2025: a robbery request released, an ICE request refused, one still waiting, one
    received the day after the quarter ended."""
    clerk = make_member(django_user_model, "clerk-1", dmv, Role.CLERK)
    sent = [
        api.submit(detective_request(received_at="2025-07-02T09:00:00-06:00")),
        api.submit(ice_request(received_at="2025-08-14T16:00:00-06:00")),
        api.submit(detective_request(received_at="2025-09-30T23:30:00-06:00")),
        api.submit(detective_request(received_at="2025-10-01T00:30:00-06:00")),
    ]
    assert all(response.status_code == 201 for response in sent)
    cases = [Case.objects.get(request__public_id=r.json()["id"]) for r in sent]
    actions.release(actions.approve(cases[0], by=supervisor), by=clerk)
    actions.refuse(cases[1], by=clerk)
    with running_witness(tmp_path, store.signer().verifier.vkey) as governor:
        vkey = governor.key.verifier.vkey
        (tmp_path / "witness.vkey").write_text(vkey + "\n")
        call_command(
            "ledger",
            "checkpoint",
            "--witness",
            governor.url,
            "--witness-key",
            vkey,
            stdout=io.StringIO(),
        )
    out = tmp_path / "bundle"
    call_command("report", "build", "--period", "2025-Q3", "--out", str(out), stdout=io.StringIO())
    _attest(out, django_user_model)
    return out


def _attest(out: Path, django_user_model) -> Path:
    """The agency's attester attests the report built into `out`: the bundle as sent."""
    report = Report.objects.get(directory=str(out.resolve()))
    attester = django_user_model.objects.filter(username="attester-1").first()
    if attester is None:
        attester = make_member(django_user_model, "attester-1", report.agency, Role.ATTESTER)
    report_actions.attest(report, by=attester, name="Example Attester", title="Attester")
    return out / "bundle.tar.gz"


def _key(bundle: Path) -> Verifier:
    return Verifier.from_vkey((bundle / "log.vkey").read_text().strip())


def _witness_key(bundle: Path) -> WitnessVerifier | None:
    path = bundle.parent / "witness.vkey"
    return WitnessVerifier.from_vkey(path.read_text().strip()) if path.is_file() else None


def _verdicts(bundle: Path, previous: str | None = None) -> dict[str, bool]:
    witness = _witness_key(bundle)
    checks = oversight.verify(bundle, _key(bundle), previous, [witness] if witness else [])
    return {check.name: check.ok for check in checks}


def test_the_bundle_counts_what_happened_and_the_recipient_accepts_it(bundle):
    report = json.loads((bundle / "report.json").read_text())
    assert report["period"] == {
        "kind": "quarter",
        "label": "2025-Q3",
        "from": "2025-07-01",
        "to": "2025-09-30",
        "time_zone": "America/Denver",
    }
    counts = report["counts"]
    assert counts["requests"] == 3  # 23:30 on 30 September in Denver is in the quarter
    assert counts["final_status"] == {"released": 1, "refused": 1, "pending": 1, "withdrawn": 0}
    assert counts["immigration_related"] == {"yes": 1, "no": 2}
    assert counts["requester_level"] == {"federal": 1, "local": 2}
    assert report["exceptions"] == []
    assert report["attestation"]["statement"] == oversight.STATEMENT
    # After the checkpoint it rests on, the ledger recorded the build and the attestation,
    # both naming the SHA-256 of the report as built.
    assert report["log"]["size"] == store.size() - 2
    built, attested = (
        json.loads(bytes(entry.data))
        for entry in Entry.objects.filter(index__gte=store.size() - 2).order_by("index")
    )
    assert (built["kind"], attested["kind"]) == ("report.built", "report.attested")
    as_built = report_text({**report, "attestation": None})
    sha256 = hashlib.sha256(as_built.encode()).hexdigest()
    assert built["payload"]["report"]["sha256"] == attested["payload"]["report"]["sha256"] == sha256
    assert report["attestation"]["report_sha256"] == sha256
    assert report["attestation"]["ledger_entry"] == store.size() - 1
    rows = list(csv.DictReader((bundle / "record.csv").open(encoding="utf-8")))
    assert len(rows) == 3
    assert (bundle / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert _verdicts(bundle) == dict.fromkeys(
        ("signature", "witness", "log", "leaves", "counts", "record", "attestation"), True
    )
    out = io.StringIO()
    call_command(
        "oversight",
        "verify",
        str(bundle),
        "--log-key",
        str(bundle / "log.vkey"),
        "--witness-key",
        str(bundle.parent / "witness.vkey"),
        stdout=out,
    )
    assert "accepted" in out.getvalue()


def _rewrite_entries(bundle: Path, change) -> None:
    path = bundle / "entries.jsonl.gz"
    with gzip.open(path) as handle:
        lines = [json.loads(line) for line in handle]
    lines = change(lines)
    with gzip.open(path, "wt") as handle:
        for line in lines:
            handle.write(json.dumps(line) + "\n")


def _edit_report(bundle: Path, edit) -> None:
    report = json.loads((bundle / "report.json").read_text())
    edit(report)
    (bundle / "report.json").write_text(report_text(report))


def _edit_leaf(lines: list[dict], kind: str, edit) -> list[dict]:
    for line in lines:
        leaf = json.loads(base64.b64decode(line["data"]))
        if leaf["kind"] == kind:
            edit(leaf)
            line["data"] = base64.b64encode(json.dumps(leaf).encode()).decode()
            break
    return lines


@pytest.mark.parametrize(
    ("tamper", "failed"),
    [
        (lambda b: _rewrite_entries(b, lambda ls: [*ls[:-1], ls[-1]]), None),
        (
            lambda b: _rewrite_entries(
                b,
                lambda ls: _edit_leaf(
                    ls, "request.refused", lambda leaf: leaf.update(kind="request.released")
                ),
            ),
            "log",
        ),
        (lambda b: _rewrite_entries(b, lambda ls: [ls[1], ls[0], *ls[2:]]), "unusable"),
        (
            lambda b: (b / "report.json").write_text(
                (b / "report.json").read_text().replace('"released": 1', '"released": 0')
            ),
            "counts",
        ),
        (
            lambda b: (b / "record.csv").write_text(
                "".join((b / "record.csv").read_text().splitlines(keepends=True)[:-1])
            ),
            "record",
        ),
        (
            lambda b: (b / "checkpoint").write_text(
                (b / "checkpoint").read_text().replace("\n\n", "\nextra\n\n", 1)
            ),
            "signature",
        ),
        (lambda b: _edit_report(b, lambda r: r.update(attestation=None)), "attestation"),
        (
            lambda b: _edit_report(b, lambda r: r["attestation"].update(report_sha256="0" * 64)),
            "attestation",
        ),
        (
            lambda b: _edit_report(
                b, lambda r: r["attestation"].update(statement="No request was granted.")
            ),
            "attestation",
        ),
    ],
    ids=[
        "untouched",
        "a-leaf-edited",
        "entries-reordered",
        "a-count",
        "a-record-row",
        "checkpoint",
        "not-attested",
        "attestation-of-another-report",
        "attestation-without-the-statement",
    ],
)
def test_a_changed_bundle_is_refused_naming_the_check(bundle, tamper, failed):
    tamper(bundle)
    if failed == "unusable":
        with pytest.raises(oversight.Unusable, match="out of order"):
            _verdicts(bundle)
        return
    failing = [name for name, ok in _verdicts(bundle).items() if not ok]
    assert (failed in failing) if failed else failing == []


def test_a_later_report_must_extend_the_history_accepted_before(
    bundle, api, tmp_path, django_user_model
):
    accepted = (bundle / "checkpoint").read_text()
    api.submit(detective_request(received_at="2025-11-02T09:00:00-06:00"))
    later = tmp_path / "later"
    call_command(
        "report", "build", "--period", "2025-Q4", "--out", str(later), stdout=io.StringIO()
    )
    _attest(later, django_user_model)
    assert _verdicts(later, accepted)["log"]
    # What the agency accepted before was another history of the same size, signed with
    # its own key: the later bundle does not extend it, and is refused.
    size = json.loads((bundle / "report.json").read_text())["log"]["size"]
    key = store.signer()
    other = sign_checkpoint(Note(origin=key.name, size=size, root=bytes(32)), [key])
    out = io.StringIO()
    with pytest.raises(CommandError, match="log failed"):
        call_command(
            "oversight",
            "verify",
            str(later),
            "--log-key",
            str(later / "log.vkey"),
            "--witness-key",
            str(tmp_path / "witness.vkey"),
            "--previous",
            str(_file(tmp_path / "accepted", other)),
            stdout=out,
        )
    assert "the reported history changed" in out.getvalue()


def _file(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_period_is_reported_once_it_has_ended(api):
    with pytest.raises(CommandError, match="a period is reported once it has ended"):
        call_command("report", "build", "--period", "2999-Q1", stdout=io.StringIO())
    with pytest.raises(CommandError, match="not a period"):
        call_command("report", "build", "--period", "2025-Q5", stdout=io.StringIO())


def test_the_pack_says_which_reports_the_law_asks_for():
    from custodiet.reports.bundle import required

    assert required(Period.parse("2021-Q4")).startswith("no reporting duty")
    assert "quarterly" in required(Period.parse("2022-Q1"))
    assert "unconfirmed" not in required(Period.parse("2022-Q1"))
    assert "unconfirmed" in required(Period.parse("2025"))
    assert required(Period.parse("2024")).startswith("no reporting duty")


def _forge(bundle: Path, into: Path) -> Path:
    """The bundle as an agency that rewrote its history would send it: a refusal turned
    into a release, the tree's root recomputed, the checkpoint signed again with the
    agency's own key (the witness's old cosignature line copied over), and the counts and
    the record made to agree with the new leaves."""
    shutil.copytree(bundle, into)
    _rewrite_entries(
        into,
        lambda ls: _edit_leaf(
            ls, "request.refused", lambda leaf: leaf.update(kind="request.released")
        ),
    )
    with gzip.open(into / "entries.jsonl.gz") as handle:
        data = [base64.b64decode(json.loads(line)["data"]) for line in handle]
    tree = CompactTree()
    tree.extend(leaf_hashes(data))
    key = store.signer()
    old = (bundle / "checkpoint").read_text()
    copied = [line + "\n" for line in old.split("\n") if "witness.governor" in line]
    note = sign_checkpoint(Note(origin=key.name, size=tree.size, root=tree.root()), [key])
    (into / "checkpoint").write_text(note + "".join(copied))
    report = json.loads((into / "report.json").read_text())
    counted = recount(leaves(data), Q3, report["agency"], report["period"]["time_zone"])
    report["counts"] = counted.counts
    report["log"]["root"] = base64.b64encode(tree.root()).decode()
    if report["attestation"]:
        # The agency attests its forgery too: the attestation names the forged report.
        as_built = report_text({**report, "attestation": None})
        report["attestation"]["report_sha256"] = hashlib.sha256(as_built.encode()).hexdigest()
    (into / "report.json").write_text(report_text(report))
    return into


def test_a_rewritten_history_passes_the_agencys_own_key_but_not_its_witness(
    api, dmv, supervisor, django_user_model, tmp_path, settings
):
    with running_witness(tmp_path, store.signer().verifier.vkey) as governor:
        clerk = make_member(django_user_model, "clerk-1", dmv, Role.CLERK)
        sent = api.submit(ice_request(received_at="2025-08-14T16:00:00-06:00"))
        actions.refuse(Case.objects.get(request__public_id=sent.json()["id"]), by=clerk)
        call_command("ledger", "checkpoint", "--witness", governor.url, stdout=io.StringIO())
        honest = tmp_path / "honest"
        call_command(
            "report", "build", "--period", "2025-Q3", "--out", str(honest), stdout=io.StringIO()
        )
        _attest(honest, django_user_model)
        witness_key = governor.key.verifier
    key = _key(honest)
    checks = oversight.verify(honest, key, witnesses=[witness_key])
    assert [(c.name, c.ok) for c in checks][:2] == [("signature", True), ("witness", True)]
    assert all(c.ok for c in checks)
    forged = _forge(honest, tmp_path / "forged")
    # Signed by the agency and consistent with itself: only the agency's key is not enough.
    assert all(c.ok for c in oversight.verify(forged, key))
    refused = {c.name: c for c in oversight.verify(forged, key, witnesses=[witness_key])}
    assert not refused["witness"].ok
    assert "does not verify" in refused["witness"].detail
    assert refused["counts"].ok  # the forger made the figures agree with the forged leaves


def test_the_governors_office_keeps_witnessed_reports_and_refuses_a_changed_history(
    api, dmv, supervisor, django_user_model, tmp_path
):
    clerk = make_member(django_user_model, "clerk-1", dmv, Role.CLERK)
    with running_witness(tmp_path, store.signer().verifier.vkey) as governor:
        config = tmp_path / "oversight.toml"
        config.write_text(
            f'store = "accepted"\nwitness_keys = ["{governor.key.verifier.vkey}"]\n\n'
            f'[[agency]]\ncode = "CO-DOR-DMV"\nlog_key = "{store.signer().verifier.vkey}"\n'
        )
        bundles = []
        for quarter, received_at in (
            ("2025-Q2", "2025-05-02T09:00:00-06:00"),
            ("2025-Q3", "2025-08-14T16:00:00-06:00"),
        ):
            sent = api.submit(ice_request(received_at=received_at))
            actions.refuse(Case.objects.get(request__public_id=sent.json()["id"]), by=clerk)
            call_command("ledger", "checkpoint", "--witness", governor.url, stdout=io.StringIO())
            out = tmp_path / quarter
            call_command(
                "report",
                "build",
                "--period",
                quarter,
                "--out",
                str(out),
                stdout=io.StringIO(),
            )
            bundles.append(_attest(out, django_user_model))
    for bundle in bundles:
        out = io.StringIO()
        call_command("oversight", "receive", str(bundle), "--config", str(config), stdout=out)
        assert "accepted and kept at" in out.getvalue()
    # The second quarter's report again, rewritten by the agency and signed again: the
    # witness's cosignature no longer verifies, and its history is not the one kept.
    forged = _forge(tmp_path / "2025-Q3", tmp_path / "forged")
    out = io.StringIO()
    with pytest.raises(CommandError, match="refused: witness, log failed"):
        call_command("oversight", "receive", str(forged), "--config", str(config), stdout=out)
    assert "FAIL  witness" in out.getvalue()
    expected = [("2025-Q3", 1, 1, 1), ("2025 to 2025-Q3", 2, 2, 2)]
    for name in ("jbc.csv", "jbc.xlsx"):
        call_command(
            "oversight",
            "summary",
            "--quarter",
            "2025-Q3",
            "--config",
            str(config),
            "--out",
            str(tmp_path / name),
            stdout=io.StringIO(),
        )
    rows = list(csv.DictReader((tmp_path / "jbc.csv").open()))
    assert [
        (r["period"], int(r["requests"]), int(r["refused"]), int(r["immigration_related"]))
        for r in rows
    ] == expected
    sheet = openpyxl.load_workbook(tmp_path / "jbc.xlsx")["Summary"]
    header = [cell.value for cell in sheet[1]]
    found = [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    assert [
        (r["period"], r["requests"], r["refused"], r["immigration_related"]) for r in found
    ] == expected
    assert len(sheet._charts) == 1


def test_a_checkpoint_cosigned_before_the_period_ended_is_refused(bundle, tmp_path):
    # The agency sends a checkpoint from the middle of the quarter, cosigned then: the
    # releases after it would never be reported.
    witness = Witness.generate("witness.governor.example/early")
    note = (bundle / "checkpoint").read_text()
    text = note[: note.rfind("\n\n") + 1]
    early = int(dt.datetime(2025, 8, 20, tzinfo=dt.UTC).timestamp())
    (bundle / "checkpoint").write_text(with_cosignatures(note, [witness.cosign(text, early)]))
    checks = {
        c.name: c for c in oversight.verify(bundle, _key(bundle), witnesses=[witness.verifier])
    }
    assert not checks["witness"].ok
    assert "before 2025-Q3 ended" in checks["witness"].detail


@pytest.mark.parametrize(
    "edit",
    [
        lambda ls: [*ls, dict(ls[0])],  # a request received twice
        lambda ls: _edit_leaf(ls, "request.received", lambda leaf: leaf.update(v=[1])),
    ],
    ids=["received-twice", "not-a-leaf"],
)
def test_leaves_the_recount_cannot_take_are_refused_by_entry(bundle, edit):
    def append(lines: list[dict]) -> list[dict]:
        changed = edit(lines)
        for index, line in enumerate(changed):
            line["index"] = index
        return changed

    _rewrite_entries(bundle, append)
    checks = {c.name: c for c in oversight.verify(bundle, _key(bundle))}
    assert not checks["leaves"].ok
    assert "entry " in checks["leaves"].detail


@pytest.mark.parametrize(
    "report",
    [
        '{"agency": "CO-DOR-DMV"}',
        '{"agency": 1, "period": {}, "log": {}, "counts": {}, "exceptions": []}',
        '{"agency": "A", "period": {"label": "2025-Q3", "time_zone": "../../etc/passwd",'
        ' "from": "2025-07-01", "to": "2025-09-30"}, "log": {}, "counts": {}, "exceptions": []}',
        '{"agency": "A", "period": {"label": "2025-Q3", "time_zone": "UTC", "from": "2025-07-01",'
        ' "to": "2025-08-30"}, "log": {}, "counts": {}, "exceptions": []}',
        "[" * 100_000,
    ],
    ids=["fields-missing", "wrong-types", "zone-path", "dates-not-the-period", "deep"],
)
def test_a_report_json_of_another_shape_is_unusable_not_a_crash(bundle, report):
    (bundle / "report.json").write_text(report)
    with pytest.raises(oversight.Unusable, match=r"report\.json"):
        oversight.verify(bundle, _key(bundle))


def test_the_bundle_checks_out_by_the_rfcs_and_the_signed_note_spec_read_afresh(bundle):
    """Outside this project's Merkle and note code: the tree by RFC 6962's own recursive
    definition (tests/merkle/reference.py), and the note's signatures read by the C2SP
    signed-note and cosignature specs with nothing but hashlib and cryptography."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from merkle.reference import ReferenceTree

    with gzip.open(bundle / "entries.jsonl.gz") as handle:
        data = [base64.b64decode(json.loads(line)["data"]) for line in handle]
    note = (bundle / "checkpoint").read_text()
    text, _, block = note.rpartition("\n\n")
    origin, size, root = text.split("\n")[:3]
    assert int(size) == len(data)
    assert base64.b64decode(root) == ReferenceTree(data).mth(0, len(data))

    def key_of(vkey: str) -> tuple[str, bytes, bytes]:
        name, key_id, encoded = vkey.strip().split("+", 2)
        raw = base64.b64decode(encoded)
        return name, bytes.fromhex(key_id), raw

    log_name, log_id, log_raw = key_of((bundle / "log.vkey").read_text())
    witness_name, witness_id, witness_raw = key_of((bundle.parent / "witness.vkey").read_text())
    assert log_raw[0] == 0x01 and witness_raw[0] == 0x04
    assert hashlib.sha256(log_name.encode() + b"\n" + log_raw).digest()[:4] == log_id
    assert hashlib.sha256(witness_name.encode() + b"\n" + witness_raw).digest()[:4] == witness_id
    signatures = {}
    for line in block.splitlines():
        name, encoded = line.removeprefix("\u2014 ").split(" ")
        signatures[name] = base64.b64decode(encoded)
    body = (text + "\n").encode()
    signed = signatures[log_name]
    assert signed[:4] == log_id
    Ed25519PublicKey.from_public_bytes(log_raw[1:]).verify(signed[4:], body)
    cosigned = signatures[witness_name]
    assert cosigned[:4] == witness_id
    stamp = int.from_bytes(cosigned[4:12], "big")
    message = b"cosignature/v1\ntime " + str(stamp).encode() + b"\n" + body
    Ed25519PublicKey.from_public_bytes(witness_raw[1:]).verify(cosigned[12:], message)
    assert origin == log_name
