import datetime as dt

import pytest

from borderwar_report.records.dates import DateFormatError, HistDate

D = dt.date


@pytest.mark.parametrize(("text", "display", "kind", "earliest", "latest", "precision"), [
    ("1935-01-08", "8 January 1935", "moment", D(1935, 1, 8), D(1935, 1, 8), "day"),
    ("1935-06", "June 1935", "moment", D(1935, 6, 1), D(1935, 6, 30), "month"),
    ("1936-03?", "March 1936?", "moment", D(1936, 3, 1), D(1936, 3, 31), "month"),
    ("1935-01~", "c. January 1935", "moment", D(1935, 1, 1), D(1935, 1, 31), "month"),
    ("[1935-01..1935-02]", "January or February 1935", "choice", D(1935, 1, 1), D(1935, 2, 28), "month"),
    ("1938-07-29/1938-08-11", "29 July – 11 August 1938", "span", D(1938, 7, 29), D(1938, 8, 11), "day"),
    ("1939-08-20/1939-08-31", "20–31 August 1939", "span", D(1939, 8, 20), D(1939, 8, 31), "day"),
    ("1937-10/1939-09", "October 1937 – September 1939", "span", D(1937, 10, 1), D(1939, 9, 30), "month"),
    ("1935/1939-04", "1935 – April 1939", "span", D(1935, 1, 1), D(1939, 4, 30), "year"),
    ("1930-01-28/1930-01-28", "28 January 1930", "span", D(1930, 1, 28), D(1930, 1, 28), "day"),
])
def test_parse_and_display(text, display, kind, earliest, latest, precision):
    d = HistDate.parse(text)
    assert (d.display(), d.kind, d.earliest, d.latest, d.start.precision) == \
        (display, kind, earliest, latest, precision)


def test_qualifiers_are_data():
    assert HistDate.parse("1935-01~").start.approximate
    assert HistDate.parse("1936-03?").start.uncertain
    assert HistDate.parse("1935-01-08").is_exact_day
    assert not HistDate.parse("1935-01").is_exact_day


@pytest.mark.parametrize(("text", "fragment"), [
    ("1938-07-3x", "is not a date"),
    ("1938-02-30", "not a real date"),
    ("1939/1938", "end comes before the start"),
    ("../1939", "is not a date"),
    ("yesterday", "is not a date"),
])
def test_bad_dates(text, fragment):
    with pytest.raises(DateFormatError, match=fragment):
        HistDate.parse(text)


def test_sort_key_orders_by_earliest_then_latest():
    dates = [HistDate.parse(t) for t in ("1938-08", "1938-07-29/1938-08-11", "1938-07-29", "1935")]
    assert [d.text for d in sorted(dates, key=lambda d: d.sort_key)] == \
        ["1935", "1938-07-29", "1938-07-29/1938-08-11", "1938-08"]


# The data format's EDTF subset is parsed by our own code for speed; the edtf package is the reference.
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def edtf_endpoint(draw):
    year = draw(st.integers(1800, 2100))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    text = f"{year:04d}"
    if precision != "year":
        text += f"-{draw(st.integers(1, 12)):02d}"
    if precision == "day":
        text += f"-{draw(st.integers(1, 31)):02d}"
    return text + draw(st.sampled_from(["", "", "~", "?", "%"]))


@st.composite
def edtf_text(draw):
    shape = draw(st.sampled_from(["moment", "span", "choice"]))
    a = draw(edtf_endpoint())
    if shape == "moment":
        return a
    b = draw(edtf_endpoint())
    if shape == "span":
        return f"{a}/{b}"
    # "one of" ranges compare like with like (edtf refuses "[1935..1935-02]")
    a, b = a.rstrip("~?%"), b.rstrip("~?%")
    b = b[: len(a)] if len(b) >= len(a) else a
    return f"[{a}..{b}]"


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(edtf_text())
def test_agrees_with_the_edtf_package(text):
    import edtf

    try:
        reference = edtf.parse_edtf(text)
        lo = edtf.struct_time_to_date(reference.lower_strict())
        hi = edtf.struct_time_to_date(reference.upper_strict())
    except Exception:
        reference = None
    try:
        ours = HistDate.parse(text)
    except DateFormatError:
        ours = None
    if reference is None:
        assert ours is None, f"we accepted {text!r}, edtf did not"
        return
    if ours is None:
        # edtf accepts reversed spans; we refuse them on purpose
        assert lo > hi or "/" in text or "[" in text, f"edtf accepted {text!r}, we did not"
        return
    assert (ours.earliest, ours.latest) == (lo, hi), text
    if ours.kind == "moment":
        assert ours.start.approximate == bool(getattr(reference, "is_approximate", False)
                                              or getattr(reference, "is_uncertain_and_approximate", False))
        assert ours.start.uncertain == bool(getattr(reference, "is_uncertain", False)
                                            or getattr(reference, "is_uncertain_and_approximate", False))


@pytest.mark.parametrize(("text", "shown", "all_of"), [
    ("[1939-08-07..1939-08-08,1939-08-20]", "7–8 or 20 August 1939", False),
    ("{1939-08-07..1939-08-08,1939-08-20}", "7–8 and 20 August 1939", True),
    ("[1939-07-30..1939-08-01,1939-08-20]", "30 July – 1 August or 20 August 1939", False),
    ("{1939-08,1939-10}", "August 1939 and October 1939", True),
])
def test_sets_of_dates_with_runs_among_them(text, shown, all_of):
    d = HistDate.parse(text)
    assert (d.display(), d.all_of, d.kind) == (shown, all_of, "choice")
    assert d.earliest == d.members[0][0].earliest and d.latest == d.members[-1][1].latest


@pytest.mark.parametrize("text", ["[1939-08-20..1939-08-07,1939-09-01]", "{1939-08-20,1939-08-07}",
                                  "[1939-08-07..1939-08-10,1939-08-09]"])
def test_sets_out_of_order_are_refused(text):
    with pytest.raises(DateFormatError):
        HistDate.parse(text)
