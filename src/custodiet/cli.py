"""The `custodiet` command: its own subcommands, and every Django management command.

`evaluate`, `scenarios`, `policy` and `classify` need no database and do not start
Django, so they run anywhere the package is installed. Any other subcommand (`migrate`,
`runserver`, `createsuperuser`, ...) is handed to Django with Custodiet's settings, once
the secrets it needs are known to be set: a missing one is named on a line of its own.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from custodiet.policy.engine import decide
from custodiet.policy.facts.gather import AGENCY_KINDS, FACTS, KIND_NAMES, Settings
from custodiet.policy.model import RequestError, parse_request, read_requests
from custodiet.policy.packs import (
    LATE_FACTS,
    Pack,
    PackError,
    Rule,
    Term,
    available_packs,
    get_pack,
)

OWN_COMMANDS = ("evaluate", "scenarios", "policy", "classify", "witness")
# The deployment's pack (`CUSTODIET_POLICY_PACK`, as the server reads it), else Colorado's.
DEFAULT_PACK = os.environ.get("CUSTODIET_POLICY_PACK") or "us-co"

# The secrets each management command reads, by command and subcommand. The PII hash key
# makes ledger leaves and recomputes them: whatever records an event or verifies the log
# needs it. Django's secret key signs what the web application hands out (sessions,
# password-reset links), which none of these commands does. A command not listed here
# (runserver, shell, migrate, Django's own) needs both: the server never starts without them.
PII_HASH_KEY = ("CUSTODIET_PII_HASH_KEY",)
BOTH_SECRETS = ("CUSTODIET_SECRET_KEY", *PII_HASH_KEY)
SECRETS_NEEDED: dict[str, tuple[str, ...] | dict[str, tuple[str, ...]]] = {
    "help": (),
    "version": (),
    "--version": (),
    "scan": (),  # with --import, the PII hash key (_secrets_needed)
    "oversight": (),  # the Governor's office's: bundles and its own folder, no agency secret
    "ledger": {"keygen": (), "checkpoint": (), "prove": (), "export": (), "verify": PII_HASH_KEY},
    "requests": {"import": PII_HASH_KEY, "export": ()},
    "job": {"list": (), "run": PII_HASH_KEY},
    "report": PII_HASH_KEY,
    "reminders": PII_HASH_KEY,
    "demo": PII_HASH_KEY,
}


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date written as YYYY-MM-DD") from None


def _pack(value: str) -> Pack:
    try:
        return get_pack(value)
    except PackError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="custodiet",
        description="Decide, record and report requests for residents' personal information.",
        epilog="Any other subcommand is a Django management command: custodiet migrate, "
        "custodiet runserver, custodiet createsuperuser, custodiet help.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    evaluate = commands.add_parser(
        "evaluate",
        help="decide requests (JSON object, array or JSON Lines) and print the decisions",
        description="Read one request or many and print each decision as JSON. Exit 2 if any "
        "input is invalid; the error names the field and that input is not decided.",
    )
    evaluate.add_argument("file", nargs="?", default="-", help="a file, or - for standard input")
    evaluate.add_argument(
        "--as-of", type=_date, help="decide under the rules in force on this date"
    )
    evaluate.add_argument(
        "--pack",
        type=_pack,
        default=DEFAULT_PACK,
        help=f"policy pack: {', '.join(available_packs())} (default {DEFAULT_PACK}, from "
        "CUSTODIET_POLICY_PACK)",
    )
    _agency_kind_option(evaluate)
    evaluate.add_argument("--pretty", action="store_true", help="indent the JSON")
    evaluate.add_argument(
        "--explain", action="store_true", help="also list every fact and term with its reason"
    )

    scenarios = commands.add_parser("scenarios", help="check every scenario file in a folder")
    scenarios.add_argument("directory", type=Path)
    scenarios.add_argument(
        "--pack", type=_pack, default=DEFAULT_PACK, help=f"policy pack (default {DEFAULT_PACK})"
    )
    _agency_kind_option(scenarios)

    policy = commands.add_parser("policy", help="show a policy pack for counsel to review")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True)
    show = policy_commands.add_parser("show", help="list the rules in force with their citations")
    show.add_argument("pack", choices=available_packs())
    show.add_argument("--as-of", type=_date, help="only the rules in force on this date")
    _agency_kind_option(show)
    show.add_argument("--json", action="store_true", help="print JSON instead of text")

    classify = commands.add_parser(
        "classify", help="say what kind of legal document a PDF (or text file) is, and why"
    )
    classify.add_argument("file", type=Path)
    classify.add_argument("--json", action="store_true")

    witness = commands.add_parser(
        "witness", help="run a witness that cosigns the agencies' log checkpoints (C2SP)"
    )
    witness_commands = witness.add_subparsers(dest="witness_command", required=True)
    keygen = witness_commands.add_parser("keygen", help="make the witness's key")
    keygen.add_argument("name", help="the witness's key name, e.g. witness.gov.example/oversight")
    keygen.add_argument("--out", type=Path, required=True, help="the key file to write (mode 600)")
    serve = witness_commands.add_parser("serve", help="serve POST <prefix>/add-checkpoint")
    serve.add_argument("--config", type=Path, required=True, help="the witness's TOML file")
    serve.add_argument(
        "--bind", default="127.0.0.1:8100", help="host:port (default 127.0.0.1:8100)"
    )
    serve.add_argument("--prefix", default="", help="the submission prefix, e.g. /witness")
    return parser


def _agency_kind_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--agency-kind",
        choices=AGENCY_KINDS,
        help="the kind of body deciding, which chooses the laws that bind it "
        "(default: CUSTODIET_AGENCY_KIND, else state)",
    )


def _settings(args: argparse.Namespace, err: TextIO, command: str) -> Settings | None:
    """The deployment's settings, with --agency-kind over the environment; None after
    printing one line when the environment holds a value no deployment can have."""
    try:
        settings = Settings.from_env()
    except ValueError as exc:
        if args.agency_kind is None:
            err.write(f"custodiet {command}: {exc}\n")
            return None
        settings = Settings.from_env({**os.environ, "CUSTODIET_AGENCY_KIND": args.agency_kind})
    if args.agency_kind is not None:
        settings = dataclasses.replace(settings, agency_kind=args.agency_kind)
    return settings


def _read_input(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    return Path(name).read_text(encoding="utf-8-sig")


def cmd_evaluate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        text = _read_input(args.file)
    except (OSError, UnicodeDecodeError) as exc:
        err.write(f"custodiet evaluate: cannot read {args.file}: {exc}\n")
        return 2
    settings = _settings(args, err, "evaluate")
    if settings is None:
        return 2
    source = "standard input" if args.file == "-" else args.file
    failed = 0
    for where, data in read_requests(text):
        try:
            if isinstance(data, RequestError):
                raise data
            request = parse_request(data)
        except RequestError as error:
            failed += 1
            at = f"{source}, {where}" if where else source
            for field, message in error.problems:
                err.write(f"custodiet evaluate: {at}: {field}: {message}\n")
            continue
        decision = decide(
            request, args.pack, as_of=args.as_of, settings=settings, explain=args.explain
        )
        out.write(decision.to_json(indent=2 if args.pretty else None) + "\n")
    return 2 if failed else 0


def cmd_scenarios(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from custodiet.policy.scenarios import run_directory

    if not args.directory.is_dir():
        err.write(f"custodiet scenarios: {args.directory} is not a folder\n")
        return 2
    settings = _settings(args, err, "scenarios")
    if settings is None:
        return 2
    results = run_directory(args.directory, args.pack, settings=settings)
    for result in results:
        status = "PASS" if result.passed else "FAIL"
        line = f"{status} {result.name}: {result.summary}"
        if result.problems:
            line += " (" + "; ".join(result.problems) + ")"
        out.write(line + "\n")
    passed = sum(result.passed for result in results)
    out.write(f"{passed} passed, {len(results) - passed} failed\n")
    return 0 if passed == len(results) else 1


def _rule_rows(pack: Pack, on: dt.date | None, kind: str) -> tuple[list[Term], list[Rule]]:
    if on is None:
        terms = list(pack.terms)
        rules = [rule for rule in pack.rules if kind in rule.binds]
        if pack.baseline is not None:
            terms = list(pack.baseline.terms) + terms
            rules = list(pack.baseline.rules) + rules
        return terms, rules
    terms_in_force, rules_in_force = pack.in_force(on, kind)
    return list(terms_in_force), list(rules_in_force)


def _binds(rule: Rule) -> str:
    """When the rule binds each kind of body, where that differs from the rule's own date."""
    later = [
        f"{kind.replace('_', ' ')} from {day}"
        for kind, day in rule.binds.items()
        if day > rule.start and day <= rule.end
    ]
    return f" Binds {', '.join(later)}." if later else ""


def cmd_policy_show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    pack = get_pack(args.pack)
    settings = _settings(args, err, "policy show")
    if settings is None:
        return 2
    kind = settings.agency_kind
    terms, rules = _rule_rows(pack, args.as_of, kind)
    layers = {layer.id: layer.name for layer in pack.layers}
    if args.json:
        out.write(
            json.dumps(
                {
                    "pack": pack.id,
                    "version": pack.version,
                    "as_of": args.as_of.isoformat() if args.as_of else None,
                    "agency_kind": kind,
                    "rules": [
                        {
                            "id": rule.id,
                            "title": rule.title,
                            "citation": rule.citation,
                            "effect": rule.effect,
                            "layer": layers.get(rule.layer, rule.layer),
                            "from": rule.start.isoformat(),
                            "binds": {k: d.isoformat() for k, d in rule.binds.items()},
                            "until": None if rule.end.year == 9999 else rule.end.isoformat(),
                            "when": rule.when.source,
                            "obligations": list(rule.obligations),
                            "records": list(rule.records),
                            "confirmed": rule.confirmed,
                            "note": rule.note or None,
                            "explanation": rule.explanation,
                            "explanation_es": rule.explanation_es or None,
                        }
                        for rule in rules
                    ],
                    "terms": [
                        {
                            "name": t.name,
                            "when": t.when.source,
                            "means": t.means,
                            "means_not": t.means_not,
                        }
                        for t in terms
                    ],
                    "facts": FACTS | LATE_FACTS,
                },
                indent=2,
            )
            + "\n"
        )
        return 0
    when = f"in force on {args.as_of}" if args.as_of else "all dates"
    body = KIND_NAMES[kind]
    out.write(
        f"{pack.name} ({pack.id}) version {pack.version}: {len(rules)} rules for {body}, {when}\n\n"
    )
    for rule in rules:
        until = "" if rule.end.year == 9999 else f" until {rule.end}"
        flag = "" if rule.confirmed else "  [UNCONFIRMED: counsel to confirm]"
        out.write(f"{rule.id}  ->  {rule.effect}{flag}\n")
        out.write(f"  {rule.title}. {rule.citation}. From {rule.start}{until}.{_binds(rule)}\n")
        if rule.layer in layers:
            out.write(f"  layer: {layers[rule.layer]}\n")
        out.write(f"  when: {rule.when.source}\n")
        if rule.obligations:
            out.write(f"  obliges: {', '.join(rule.obligations)}\n")
        if rule.records:
            out.write(f"  withholds: {', '.join(rule.records)}\n")
        out.write(f"  {rule.explanation}\n")
        if rule.note:
            out.write(f"  note: {rule.note}\n")
        out.write("\n")
    out.write("Terms:\n")
    for term in terms:
        out.write(
            f"  {term.name} = {term.when.source}\n    when true: {term.means}\n"
            f"    when false: {term.means_not}\n"
        )
    return 0


def cmd_classify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from custodiet.policy.facts.documents import classify_document
    from custodiet.policy.pdftext import PdfTextError, extract_pdf_text

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        err.write(f"custodiet classify: cannot read {args.file}: {exc}\n")
        return 2
    try:
        text = extract_pdf_text(data) if data.startswith(b"%PDF-") else data.decode("utf-8-sig")
    except (PdfTextError, UnicodeDecodeError) as exc:
        err.write(f"custodiet classify: {args.file}: {exc}\n")
        return 2
    facts = classify_document(text=text)
    if args.json:
        out.write(
            json.dumps(
                {
                    "file": str(args.file),
                    "kind": facts.kind,
                    "court_issued": facts.court_issued,
                    "immigration": facts.immigration,
                    "ambiguous": facts.ambiguous,
                    "because": facts.because,
                    "signals": list(facts.signals),
                }
            )
            + "\n"
        )
    else:
        out.write(f"{facts.kind}: {facts.because}\n")
    return 0


def cmd_witness(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from custodiet import witness
    from custodiet.merkle.cosignature import Witness

    if args.witness_command == "keygen":
        if args.out.exists():
            err.write(f"custodiet witness keygen: {args.out} exists; it is not replaced\n")
            return 2
        try:
            key = Witness.generate(args.name)
        except ValueError as error:
            err.write(f"custodiet witness keygen: {error}\n")
            return 2
        descriptor = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(key.skey + "\n")
        out.write(f"{key.verifier.vkey}\n")
        return 0
    try:
        config = witness.Config.load(args.config)
    except witness.ConfigError as error:
        err.write(f"custodiet witness serve: {error}\n")
        return 2
    host, _, port = args.bind.rpartition(":")
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    class Threading(ThreadingMixIn, WSGIServer):
        # One slow client must not hold up the others.
        daemon_threads = True

    class Handler(WSGIRequestHandler):
        timeout = 30  # a client that sends nothing for this long is let go

    app = witness.application(config, args.prefix.rstrip("/"))
    try:
        server = make_server(
            host or "127.0.0.1", int(port), app, server_class=Threading, handler_class=Handler
        )
    except (ValueError, OSError) as error:
        err.write(f"custodiet witness serve: --bind {args.bind}: {error}\n")
        return 2
    with server:
        out.write(
            f"witness {config.witness.name} on http://{host or '127.0.0.1'}:{server.server_port}"
            f"{args.prefix}/add-checkpoint, {len(config.logs)} log(s)\n"
        )
        out.flush()
        server.serve_forever()
    return 0


def run(argv: Sequence[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    args = _parser().parse_args(argv)
    handler = {
        "evaluate": cmd_evaluate,
        "scenarios": cmd_scenarios,
        "classify": cmd_classify,
        "witness": cmd_witness,
    }.get(args.command)
    if handler is None:
        return cmd_policy_show(args, out, err)
    return handler(args, out, err)


def main(argv: Sequence[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if (argv and argv[0] in OWN_COMMANDS) or argv in ([], ["-h"], ["--help"]):
        try:
            status = run(argv)
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader stopped early (`| head`): what it read is all it wanted. Python
            # would otherwise print a traceback while closing standard output.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            status = 0
        sys.exit(status)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custodiet.settings")
    sys.exit(run_django(argv))


def _command_name(argv: Sequence[str]) -> str:
    """`ledger verify` for a command with subcommands, else the command: for messages."""
    needed = SECRETS_NEEDED.get(argv[0])
    if isinstance(needed, dict) and len(argv) > 1 and argv[1] in needed:
        return f"{argv[0]} {argv[1]}"
    return argv[0]


def _secrets_needed(argv: Sequence[str]) -> tuple[str, ...]:
    command, rest = argv[0], argv[1:]
    if "-h" in rest or "--help" in rest:
        return ()
    if command == "scan" and "--import" in rest:
        return PII_HASH_KEY
    needed = SECRETS_NEEDED.get(command, BOTH_SECRETS)
    if isinstance(needed, dict):
        return needed.get(rest[0], BOTH_SECRETS) if rest else ()
    return needed


def run_django(argv: Sequence[str], err: TextIO = sys.stderr) -> int:
    """Run a management command; a setting that is bad or missing is one line naming it
    (exit 2), never a traceback (unless --traceback asks for one)."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    name = _command_name(argv)
    try:
        missing = getattr(settings, "CUSTODIET_MISSING_SECRETS", {})
    except ImproperlyConfigured as exc:
        err.write(f"custodiet {name}: {exc}\n")
        return 2
    lines = [missing[secret] for secret in _secrets_needed(argv) if secret in missing]
    for line in lines:
        err.write(f"custodiet {name}: {line}\n")
    if lines:
        return 2
    try:
        execute_from_command_line(["custodiet", *argv])
    except ImproperlyConfigured as exc:
        if "--traceback" in argv:
            raise
        err.write(f"custodiet {name}: {exc}\n")
        return 2
    return 0
