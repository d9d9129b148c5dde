"""WeasyPrint's per-font notice stays out of the console; its other warnings do not."""

from __future__ import annotations

import logging

from weasyprint import HTML


def test_pdfs_made_without_harfbuzz_subset_do_not_warn_once_per_font(monkeypatch, caplog):
    # As on a machine without libharfbuzz-subset0: WeasyPrint falls back to fontTools.
    monkeypatch.setattr("weasyprint.pdf.fonts.harfbuzz_subset", None)
    with caplog.at_level(logging.WARNING):
        pdf = HTML(string="<p>Example <b>letter</b> <i>text</i></p>").write_pdf()
        logging.getLogger("weasyprint").warning("Anchor defined twice: %s", "example")
    assert pdf.startswith(b"%PDF")
    said = [record.getMessage() for record in caplog.records if record.name == "weasyprint"]
    assert said == ["Anchor defined twice: example"]
