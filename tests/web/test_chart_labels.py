"""Names from logs are drawn as written: a "$" never starts mathematics or breaks a chart."""

from __future__ import annotations

import pytest

from custodiet.web.charts import Bar, Layer, stacked_bars


@pytest.mark.parametrize("name", ["Bad $\\frac{$ PD", "$5 Towing $6", "$", "Rice County"])
def test_a_label_with_dollar_signs_is_drawn(name):
    svg = stacked_bars(
        [Bar(id="bar-1", label=name, title=f"{name}: 3 flags", values={"a": 3})],
        [Layer(key="a", label=f"{name} layer", colour="#216e1f")],
        chart_id="chart",
        title="Flags by agency",
        description="One bar.",
        value_label="Flags",
        horizontal=True,
    )
    assert svg.startswith("<svg")
    assert f"{name}: 3 flags" in svg.replace("&amp;", "&")
