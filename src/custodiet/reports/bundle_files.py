"""The files of a report bundle (contract/REPORTS.md), in the order they are described."""

FILES = (
    "report.json",
    "record.csv",
    "record.xlsx",
    "report.pdf",
    "checkpoint",
    "entries.jsonl.gz",
    "log.vkey",
)
