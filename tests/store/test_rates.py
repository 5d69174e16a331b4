"""Dated ECB conversion: exact decimals, the rate date it used, weekends and
days before the data begins, and the ECB file import (all or nothing)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from store.benchmark.conversion import RateBook, bundled_range, convert, import_ecb_rates, parse_ecb_file
from store.errors import ImportFileError, ValidationError
from store.models import ExchangeRate

JULY_1 = dt.date(2026, 7, 1)  # a Wednesday; ECB: USD 1.1383, GBP 0.85973, AUD 1.6518, ILS 3.39


def test_bundled_history_is_read_as_exact_decimals():
    book = RateBook(use_imported=False)
    rate, day, _a, _b = book.rate("EUR", "GBP", JULY_1)
    assert rate == Decimal("0.85973") and day == JULY_1
    assert bundled_range()[0] == dt.date(1999, 1, 4)


@pytest.mark.parametrize(
    "amount, currency, usd",
    [
        (100000, "EUR", 113830),  # 1,000.00 EUR x 1.1383
        (100000, "GBP", 132402),  # 1,000.00 x 1.1383 / 0.85973 = 1,324.0203...
        (100000, "AUD", 68913),  # 1,000.00 x 1.1383 / 1.6518 = 689.1270...
        (100000, "ILS", 33578),  # 1,000.00 x 1.1383 / 3.39 = 335.7817...
    ],
)
def test_amounts_convert_to_usd_at_the_ecb_rate_of_the_day(amount, currency, usd):
    result = RateBook(use_imported=False).convert(amount, currency, "USD", JULY_1)
    assert result.amount_minor == usd
    assert result.rate_date == JULY_1
    assert not result.fell_back and result.note == ""


def test_conversion_between_two_non_euro_currencies_uses_one_exact_rate():
    result = RateBook(use_imported=False).convert(132402, "USD", "GBP", JULY_1)
    assert result.rate == Decimal("0.85973") / Decimal("1.1383")
    assert result.amount_minor == 100000  # back to 1,000.00 GBP


def test_currencies_with_other_minor_units_convert_to_their_own_minor_unit():
    # 10,000 JPY (no decimals) at JPY 175.68 and USD 1.1172 on 2026-10-30.
    result = RateBook(use_imported=False).convert(10000, "JPY", "USD", dt.date(2026, 10, 30))
    assert result.amount_minor == 6359  # 10000 x 1.1172 / 175.68 = 63.5928 USD


def test_a_weekend_falls_back_to_friday_and_says_so():
    result = RateBook(use_imported=False).convert(100000, "EUR", "USD", dt.date(2026, 7, 4))
    assert result.rate_date == dt.date(2026, 7, 3)
    assert result.rate == Decimal("1.1448")
    assert result.amount_minor == 114480
    assert result.fell_back
    assert "2026-07-04 (Saturday, a weekend)" in result.note and "2026-07-03" in result.note


def test_a_day_after_the_newest_rate_uses_the_newest_and_says_to_import():
    result = RateBook(use_imported=False).convert(100, "EUR", "USD", dt.date(2026, 11, 27))
    assert result.rate_date == dt.date(2026, 10, 30) and result.fell_back
    assert "batchbill rates import" in result.note


def test_a_day_before_the_data_begins_is_a_clear_error_naming_the_first_day():
    with pytest.raises(ValidationError, match="rates begin on 1999-01-04"):
        RateBook(use_imported=False).convert(100, "EUR", "USD", dt.date(1998, 12, 31))
    with pytest.raises(ValidationError, match="ILS .* begin on 2011-01-03"):
        RateBook(use_imported=False).convert(100, "ILS", "USD", dt.date(2010, 6, 1))


def test_a_currency_outside_the_ecb_set_or_discontinued_is_refused():
    with pytest.raises(ValidationError, match="no ECB rate for AED"):
        RateBook(use_imported=False).convert(100, "AED", "USD", JULY_1)
    with pytest.raises(ValidationError, match="HRK after 2022-12-30"):
        RateBook(use_imported=False).convert(100, "HRK", "EUR", JULY_1)


def test_same_currency_needs_no_rate():
    result = convert(12345, "usd", "USD", dt.date(1990, 1, 1))
    assert result.amount_minor == 12345 and result.rate == 1 and not result.fell_back


ECB_FILE = (
    "Date,JPY,USD,GBP,\n"  # column order differs from the ECB's: read by name
    "2026-11-03,176.01,1.1250,0.84000,\n"
    "2026-11-02,175.90,1.1200,N/A,\n"
    "2026-07-01,170.00,1.2000,0.90000,\n"  # corrects a bundled day
)


def test_imported_rates_add_new_days_and_win_over_bundled_ones(db, tmp_path):
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(ECB_FILE)
    result = import_ecb_rates(path)
    assert (result.days, result.added, result.updated) == (3, 8, 0)
    assert result.last_date == dt.date(2026, 11, 3)
    assert ExchangeRate.select().count() == 8
    book = RateBook()
    nov = book.convert(100000, "EUR", "USD", dt.date(2026, 11, 3))
    assert (nov.amount_minor, nov.rate_date, nov.fell_back) == (112500, dt.date(2026, 11, 3), False)
    assert book.convert(100000, "EUR", "USD", JULY_1).amount_minor == 120000
    # GBP is N/A on 2026-11-02: the last earlier GBP day is the bundled 2026-10-30.
    gbp = book.convert(100000, "EUR", "GBP", dt.date(2026, 11, 2))
    assert gbp.rate_date == dt.date(2026, 10, 30) and gbp.fell_back
    again = import_ecb_rates(path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 8)


def test_a_bad_rates_file_names_file_line_and_column_and_writes_nothing(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "Date,USD,GBP,\n"
        "2026-11-03,1.1250,0.84,\n"
        "2026-13-01,1.1,0.8,\n"
        "2026-11-02,abc,-1,\n"
    )
    with pytest.raises(ImportFileError) as err:
        import_ecb_rates(path)
    assert err.value.problems == [
        f"{path}:3: Date: not a date (YYYY-MM-DD): '2026-13-01'",
        f"{path}:4: USD: not a number: 'abc'",
        f"{path}:4: GBP: a rate must be a positive number: '-1'",
    ]
    assert ExchangeRate.select().count() == 0


def test_a_file_without_a_date_column_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("USD,GBP\n1,2\n")
    with pytest.raises(ImportFileError, match="x.csv:1: Date: the first column must be Date"):
        parse_ecb_file(path)


def test_a_weekend_between_two_non_euro_currencies_uses_fridays_rates_of_both():
    # Saturday 2026-07-04 -> Friday 2026-07-03: USD 1.1448, GBP 0.8572.
    result = RateBook(use_imported=False).convert(60000, "GBP", "USD", dt.date(2026, 7, 4))
    assert result.rate_date == dt.date(2026, 7, 3) and result.fell_back
    assert result.amount_minor == 80131  # 600.00 x 1.1448 / 0.8572 = 801.3066
