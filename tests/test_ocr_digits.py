"""Tests of lkjip.normalize.ocr_digits: OCR digit confusions, separator repair, arithmetic resolution."""
from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lkjip.normalize.numbers import parse_number
from lkjip.normalize.ocr_digits import (
    ColumnProfile,
    OcrRepair,
    Reading,
    candidate_readings,
    column_profile,
    readings,
    repair_token,
    resolve,
    resolve_total,
    resolve_with_arithmetic,
)

# --------------------------------------------------------------------------- character confusions


@pytest.mark.parametrize(
    "raw, mark, text, value",
    [
        ("1O0,5", ",", "100,5", 100.5),  # O -> 0
        ("1o5", None, "105", 105),  # o -> 0
        ("2Q5", None, "205", 205),  # Q -> 0
        ("1D5", None, "105", 105),  # D -> 0
        ("l.234", ",", "1.234", 1234),  # l -> 1 (a dropped leading rule would leave '.234')
        ("1I5", None, "115", 115),  # I -> 1
        ("2|5", None, "215", 215),  # | -> 1
        ("2i5", None, "215", 215),  # i -> 1
        ("2!5", None, "215", 215),  # ! -> 1
        ("S00", None, "500", 500),  # S -> 5
        ("2s0", None, "250", 250),  # s -> 5
        ("2$0", None, "250", 250),  # $ -> 5 inside a number
        ("1B5", None, "185", 185),  # B -> 8
        ("1Z5", None, "125", 125),  # Z -> 2
        ("1z5", None, "125", 125),  # z -> 2
        ("1G5", None, "165", 165),  # G -> 6
        ("1b5", None, "165", 165),  # b -> 6
        ("1g5", None, "195", 195),  # g -> 9
        ("1q5", None, "195", 195),  # q -> 9
        ("2O21", None, "2021", 2021),
        ("1OO%", None, "100%", 100),  # a '%' says the word is a number
        ("98,5O %", ",", "98,50 %", 98.5),
        ("Rp.1O.OOO,-", ",", "Rp.10.000,-", 10000),  # the grouping says so too
        ("-1.2O0", ",", "-1.200", -1200),
        ("(1.2O0)", ",", "(1.200)", -1200),
        ("1.s00.00", ",", "1.500,00", 1500),  # seen on the PSDA scan: s -> 5 and ',' read as '.'
    ],
)
def test_letter_confusions(raw: str, mark: str | None, text: str, value: float) -> None:
    r = repair_token(raw, mark)
    assert (r.text, r.value, r.changed, r.ambiguous) == (text, value, True, False), r
    assert r.reason
    assert parse_number(r.text, mark).value == value


@pytest.mark.parametrize(
    "raw, mark, text, value, why",
    [
        ("1‚5", ",", "1,5", 1.5, "separator look-alike"),  # U+201A
        ("1·234", ",", "1.234", 1234, "separator look-alike"),  # U+00B7
        ("1 234,5", ",", "1234,5", 1234.5, "space between thousands groups"),
        ("1 234 567", ",", "1234567", 1234567, "space between thousands groups"),
        ("Rp 12 500", ",", "Rp 12500", 12500, "space between thousands groups"),
        ("12 ,5", ",", "12,5", 12.5, "space inside number"),
        ("12, 5", ",", "12,5", 12.5, "space inside number"),
        ("1.234 567,89", ",", "1.234.567,89", 1234567.89, "lost thousands separator"),
        # lost separator
        ("1.234567,89", ",", "1.234.567,89", 1234567.89, "lost thousands separator"),
        ("1234.567,89", ",", "1.234.567,89", 1234567.89, "lost thousands separator"),
        ("144.142000", ",", "144.142.000", 144142000, "lost thousands separator"),  # PSDA scan
        # doubled separator
        ("1..234", ",", "1.234", 1234, "doubled separator"),
        ("1.234,,5", ",", "1.234,5", 1234.5, "doubled separator"),
        ("1..234", None, "1.234", 1234, "doubled separator"),  # as parse_number reads '1.234'
        ("1..234", ".", "1.234", 1.234, "doubled separator"),
        # decimal comma read as a dot
        ("1.234.567.89", ",", "1.234.567,89", 1234567.89, "decimal mark read as '.'"),
        ("1.234.56", ",", "1.234,56", 1234.56, "decimal mark read as '.'"),
        # thousands dot read as a comma
        ("1,234.567,89", ",", "1.234.567,89", 1234567.89, "thousands separator read as ','"),
        ("40,000,00", ",", "40.000,00", 40000, "thousands separator read as ','"),  # PSDA scan
        ("1,234.567", ",", "1.234.567", 1234567, "thousands separator read as ','"),
        # the same in a '.' column
        ("1,234567.89", ".", "1,234,567.89", 1234567.89, "lost thousands separator"),
        ("1,234,567,89", ".", "1,234,567.89", 1234567.89, "decimal mark read as ','"),
        # specks and rules glued to a number
        ("[93", None, "93", 93, "stray mark"),
        ("4.268,68]", ",", "4.268,68", 4268.68, "stray mark"),
        ("2.500;", ",", "2.500", 2500, "stray mark"),
        (":12.966.500,10", ",", "12.966.500,10", 12966500.1, "stray mark"),
        # a colon read for a thousands dot
        ("7:800.000,00", ",", "7.800.000,00", 7800000, "separator look-alike"),
    ],
)
def test_separator_and_space_repairs(raw: str, mark: str, text: str, value: float, why: str) -> None:
    r = repair_token(raw, mark)
    assert (r.text, r.value, r.changed, r.ambiguous) == (text, value, True, False), r
    assert why in r.reason
    assert parse_number(r.text, mark).value == value


@pytest.mark.parametrize(
    "raw, mark, candidates",
    [
        ("1234.567", ",", {1234567, 1234.567}),  # a lost group dot, or a decimal comma read as a dot
        ("|80,43", ",", {80.43, 180.43}),  # a table rule or a 1
        ("376,31!", ",", {376.31, 376.311}),  # PSDA scan: a rule, unless the column says two decimals
        ("$100", None, {100, 5100}),  # a dollar sign or a 5
        ("12 345", None, {12345}),  # two numbers or one
        ("S1", None, {51}),  # 'S1', 'D3': codes
        ("l0", None, {10}),  # as many letters as digits
        ("Baik (8O)", None, {80}),
        ("1.23456", ",", {1234.56, 1.23456}),  # a lost decimal comma, or a comma read as a dot
        ("113.9996", ",", {113999.6, 113.9996}),  # PSDA-like: '113,99%' with its '%' read as '96'
    ],
)
def test_ambiguous_cells_are_left_alone(raw: str, mark: str | None, candidates: set) -> None:
    r = repair_token(raw, mark)
    assert r.ambiguous and not r.changed and r.text == raw and r.value is None, r
    assert r.reason
    assert candidates <= set(r.candidates), r


def test_column_profile_decides_ties() -> None:
    prof = column_profile(["80,43", "100,00", "95,50", "12,34", "Baik", "-"])
    assert prof == ColumnProfile(",", 2, False)
    r = repair_token("376,31!", ",", prof)
    assert (r.text, r.value, r.ambiguous) == ("376,31", 376.31, False)
    assert "dropped" in r.reason
    # the only reading prints three decimals where the column prints two: unsure
    r = repair_token("1.234.567.8", ",", prof)
    assert r.ambiguous and r.candidates == (1234567.8,)
    assert repair_token("1.234.567.8", ",").value == 1234567.8
    r = repair_token("1.23456", ",", prof)  # the column prints two decimals: a lost decimal comma
    assert (r.text, r.value, r.reason) == ("1.234,56", 1234.56, "lost decimal mark")
    assert repair_token("113.9996", ",", prof).ambiguous  # four decimals where the column prints two
    money = column_profile(["1.234.567", "2.000", "300.000", "Rp 12.500"])
    assert money == ColumnProfile(",", 0, True)
    assert repair_token("1.234.56", ",", money).ambiguous  # a lost digit as likely as a decimal mark
    assert repair_token("1.234.56", ",").value == 1234.56


# --------------------------------------------------------------------------- must not change


@pytest.mark.parametrize(
    "raw",
    ["Baik", "B", "A", "AA", "BB", "CC", "Sangat Baik", "Baik (87)", "87 (Baik)", "BB [70,01]", "2021", "-", "–",
     "Rp", "Rp.", "100%", "(87)", "#DIV/0!", "#N/A", "##### #", "", "n/a", "80,43", "1.234.567,89", "12 laporan",
     "3.697.493.665,-", "Rp. 12.143.000,00", "80.04", "1,234", "S1", "D3", "IKU", "Tahun 2021", "TW I", "SS",
     "4,26 dengan capaian 99,36%", "80,43 100", "abc 12", "2019 2020", "1:100", "10:30", "1:1.000"],
)
def test_words_grades_and_clean_numbers_unchanged(raw: str) -> None:
    for mark in (None, ",", "."):
        r = repair_token(raw, mark)
        assert isinstance(r, OcrRepair)
        assert not r.changed and r.text == raw, (mark, r)
        if raw not in ("S1", "D3"):
            assert not r.ambiguous, (mark, r)


def test_compound_cell_repaired_word_by_word() -> None:
    r = repair_token("4,2b dengan capaian 99,3b%", ",")
    assert r.text == "4,26 dengan capaian 99,36%" and r.changed and not r.ambiguous


def test_spaced_number_whose_last_groups_lost_their_separator() -> None:
    # PSDA scan: '2.124 100640' is 2.124.100.640 with a space for one dot and another dot lost
    assert 2124100640 in {r.value for r in readings("2.124 100640", ",", suspicious=True)}


def test_readings_direct_first_and_suspicious_alternatives() -> None:
    assert candidate_readings("80,43", ",") == [80.43]
    assert candidate_readings("Baik", None) == []
    rs = readings("8043", ",", suspicious=True)
    assert rs[0] == Reading(8043.0, 0, 0, "8043", "")
    assert {80.43, 804.3} <= {r.value for r in rs[1:]}
    assert 1234 in candidate_readings("1,234", ",", suspicious=True)
    rs = readings("1.2O4", ",")
    assert rs[0].value == 1204 and rs[0].cost > 0 and "O→0" in rs[0].reason
    assert len(candidate_readings("l.l0O,S!", ",")) <= 8


# --------------------------------------------------------------------------- arithmetic


def test_realisasi_with_o_for_zero_fixed_by_capaian() -> None:
    # '9O' has as many letters as digits: repair_token will not decide, the capaian does
    assert repair_token("9O", ",").ambiguous
    res = resolve_with_arithmetic(readings("120", ","), readings("9O", ","), readings("75,00", ","))
    assert res.status == "repaired" and not res.ambiguous
    assert res.values == (120, 90, 75)
    assert res.changed == (False, True, False)


def test_rule_or_one_decided_by_capaian() -> None:
    res = resolve_with_arithmetic(readings("200", ","), readings("|80,43", ","), readings("90,22", ","))
    assert res.status == "repaired" and res.values[1] == 180.43
    res = resolve_with_arithmetic(readings("100", ","), readings("|80,43", ","), readings("80,43", ","))
    assert res.status == "repaired" and res.values[1] == 80.43


def test_two_fitting_readings_are_ambiguous() -> None:
    res = resolve_with_arithmetic([100], [80.4, 80.2], [80])  # '80' is printed without decimals
    assert res.status == "ambiguous" and res.ambiguous and res.fits == 2
    assert res.values == (100, None, 80)


def test_printed_arithmetic_is_kept() -> None:
    # a clean reading is kept when it fits, even when an alternative would fit too
    res = resolve_with_arithmetic(readings("100", ","), readings("1,234", ",", suspicious=True), readings("1,23", ","))
    assert res.status == "direct" and res.values[1] == 1.234
    # a clean row that does not add up is the audit's capaian_mismatch, not an OCR doubt
    res = resolve_with_arithmetic(readings("100", ","), readings("80", ","), readings("79", ","))
    assert res.status == "no_fit" and not res.ambiguous and res.values == (100, 80, 79)
    # a damaged cell and no reading fits: unsure
    res = resolve_with_arithmetic(readings("100", ","), readings("8O", ","), readings("50", ","))
    assert res.status == "no_fit" and res.ambiguous and res.values == (100, None, 50)


def test_persen_and_lower_is_better() -> None:
    res = resolve_with_arithmetic(readings("1.000.000", ","), readings("8O0.000", ","), readings("80", ","), "persen")
    assert res.status == "repaired" and res.values[1] == 800000
    # lower is better: target 10, realisasi 8 -> 125% (target/realisasi) or 120% ((2t - r)/t)
    for cap in ("125", "120"):
        res = resolve_with_arithmetic(readings("10", ","), readings("8", ","), readings(cap, ","), "capaian_lower")
        assert res.status == "direct"
    res = resolve_with_arithmetic(readings("10", ","), readings("8", ","), readings("125", ","), "capaian")
    assert res.status == "no_fit"


def test_rounding_tolerance() -> None:
    # 100 × 2/3 = 66,666...: printed '66,67' (rounded) and '66,66' (truncated) both fit, '66,60' does not
    for cap, ok in (("66,67", True), ("66,66", True), ("66,60", False), ("67", True)):
        res = resolve_with_arithmetic(readings("3", ","), readings("2", ","), readings(cap, ","))
        assert (res.status == "direct") is ok, cap


def test_total_resolution() -> None:
    rows = [readings(x, ",") for x in ("1.234.567", "2.0OO.000", "3l0.000")]
    res = resolve_total(rows, readings("3.544.567", ","))
    assert res.status == "repaired" and res.values == (1234567, 2000000, 310000, 3544567)
    res = resolve_total([[1.0], [2.0, 3.0], [3.0, 2.0]], [6.0])  # 1+2+3 or 1+3+2
    assert res.status == "ambiguous" and res.values == (1.0, None, None, 6.0)
    res = resolve_total([[1.0], [2.0]], [4.0])
    assert res.status == "no_fit" and not res.ambiguous
    res = resolve_total([[1.0, 2.0]] * 20, [30.0], max_combinations=1000)
    assert res.status == "too_many" and res.ambiguous


def test_resolve_missing_and_generic() -> None:
    res = resolve_with_arithmetic([], [80], [80])
    assert res.status == "missing" and res.values == (None, None, None)
    res = resolve([[2.0, 3.0], [4.0]], lambda a, b: a.value * 2 == b.value)
    assert res.status == "repaired" and res.values == (2.0, 4.0)


# --------------------------------------------------------------------------- properties

_REVERSE = {"0": "OoQD", "1": "lI|i!", "2": "Zz", "5": "Ss$", "6": "Gb", "8": "B", "9": "gq"}


def _fmt(n: int, frac: str | None) -> str:
    """n in Indonesian format ('1.234.567') with an optional decimal part (',89')."""
    return f"{n:,}".replace(",", ".") + ("," + frac if frac is not None else "")


def _confuse(text: str, kind: str, data) -> str | None:
    """Apply one OCR confusion of the given kind to a formatted number; None when it does not apply."""
    if kind == "letter":
        spots = [i for i, ch in enumerate(text) if ch in _REVERSE]
        if not spots:
            return None
        i = data.draw(st.sampled_from(spots))
        return text[:i] + data.draw(st.sampled_from(_REVERSE[text[i]])) + text[i + 1:]
    if kind == "lose_group":
        dots = [i for i, ch in enumerate(text) if ch == "."]
        if not dots:
            return None
        i = data.draw(st.sampled_from(dots))
        return text[:i] + text[i + 1:]
    if kind == "double":
        seps = [i for i, ch in enumerate(text) if ch in ".,"]
        if not seps:
            return None
        i = data.draw(st.sampled_from(seps))
        return text[:i + 1] + text[i] + text[i + 1:]
    if kind == "comma_as_dot":
        return text.replace(",", ".") if "," in text else None
    if kind == "dot_as_comma":
        dots = [i for i, ch in enumerate(text) if ch == "."]
        if not dots:
            return None
        i = data.draw(st.sampled_from(dots))
        return text[:i] + "," + text[i + 1:]
    if kind == "space":
        seps = [i for i, ch in enumerate(text) if ch in ".,"]
        if not seps:
            return None
        i = data.draw(st.sampled_from(seps))
        if text[i] == ".":  # a group separator printed as a space
            return text[:i] + " " + text[i + 1:]
        return text[:i] + data.draw(st.sampled_from([" ,", ", "])) + text[i + 1:]
    if kind == "lose_decimal":
        return text.replace(",", "") if "," in text else None
    raise AssertionError(kind)


_KINDS = ["letter", "lose_group", "double", "comma_as_dot", "dot_as_comma", "space", "lose_decimal"]


@settings(max_examples=200, deadline=None)
@given(n=st.integers(min_value=10, max_value=10**12), frac=st.one_of(st.none(), st.from_regex(r"[0-9]{1,2}",
       fullmatch=True)), kind=st.sampled_from(_KINDS), prefix=st.sampled_from(["", "Rp ", "-"]),
       mark=st.sampled_from([",", ",", None]), data=st.data())
def test_property_single_confusion_recovered(n: int, frac: str | None, kind: str, prefix: str, mark: str | None,
                                              data) -> None:
    clean = _fmt(n, frac)
    confused = _confuse(clean, kind, data)
    assume(confused is not None and confused != clean)
    text, bad = prefix + clean, prefix + confused
    expected = parse_number(text, ",").value
    assert expected is not None
    # the original value is always among the candidates (suspicious: the confused text may look clean)
    assert expected in candidate_readings(bad, mark, suspicious=True), (text, bad)
    r = repair_token(bad, mark)
    if r.ambiguous:
        assert expected in r.candidates, (text, bad, r)
        assert r.text == bad and r.value is None
        return
    # a confusion that leaves another clean number ('80,43' -> '8043', '1.234' -> '1,234') cannot be seen in
    # the cell: only the arithmetic can catch it; every other repair gives the original value
    looks_clean = parse_number(bad, mark).is_number and not r.changed
    if not looks_clean:
        assert r.value == expected, (text, bad, r)
        assert repair_token(r.text, mark).changed is False  # idempotent
    else:
        assert kind in ("lose_decimal", "dot_as_comma", "comma_as_dot", "lose_group"), (text, bad, r)


@settings(max_examples=150, deadline=None)
@given(n=st.integers(min_value=0, max_value=10**13), frac=st.one_of(st.none(), st.from_regex(r"[0-9]{1,4}",
       fullmatch=True)), prefix=st.sampled_from(["", "Rp ", "Rp. ", "-", "("]),
       suffix=st.sampled_from(["", "%", " %", ",-"]), mark=st.sampled_from([None, ","]))
def test_property_clean_numbers_never_change(n: int, frac: str | None, prefix: str, suffix: str,
                                             mark: str | None) -> None:
    if prefix == "(":
        suffix = ")"
    if suffix == ",-" and frac is not None or "Rp" in prefix and "%" in suffix:
        suffix = ""
    text = prefix + _fmt(n, frac) + suffix
    p = parse_number(text, mark)
    assert p.is_number
    r = repair_token(text, mark)
    assert (r.text, r.changed, r.ambiguous, r.value) == (text, False, False, p.value)
    assert candidate_readings(text, mark) == [p.value]


@settings(max_examples=300, deadline=None)
@given(text=st.text(), mark=st.sampled_from([None, ",", "."]), suspicious=st.booleans())
def test_property_never_raises(text: str, mark: str | None, suspicious: bool) -> None:
    r = repair_token(text, mark)
    assert isinstance(r, OcrRepair) and r.raw == text
    assert r.changed == (r.text != text)
    assert not (r.changed and r.ambiguous)
    if r.changed:
        assert r.value is not None or parse_number(r.text, mark).value is None
    readings(text, mark, suspicious=suspicious)
    column_profile([text, text, text])


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="0123456789.,%()Rp -OolISsBZGbgq|!$[];\u201a\u00b7", max_size=20),
       mark=st.sampled_from([None, ",", "."]))
def test_property_numberish_repairs_parse(text: str, mark: str | None) -> None:
    r = repair_token(text, mark)
    if r.changed and r.value is not None:
        assert parse_number(r.text, mark).value == r.value
    assert len(r.candidates) <= 8
    rs = readings(text, mark, suspicious=True)
    assert len(rs) <= 8 and all(a.cost <= b.cost for a, b in zip(rs[1:], rs[2:]))
