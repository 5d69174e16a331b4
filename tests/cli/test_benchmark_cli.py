"""``batchbill benchmark`` and ``batchbill rates`` from the command line:
JSON per region with the right reference row and its source, no reference
for IL, imports that report what they did or name every bad cell."""
from __future__ import annotations

import json

import pytest

from batchbill.cli import main

TODAY = "2026-11-15"
EXPECTED = {  # region -> (metric, value, currency, source prefix)
    "US": ("effective_hourly_rate", "57", "USD", "https://coefficientservices.com/"),
    "DE": ("list_hourly_rate", "79.10", "EUR", "https://channelpartner.de/"),
    "UK": ("list_hourly_rate", "75", "GBP", "https://www.ardent365.net/"),
    "AU": ("list_hourly_rate", "165", "AUD", "https://4it.com.au/"),
}


def _run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _json(capsys, *argv):
    code, out, err = _run(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def demo_book(tmp_path, capsys):
    path = str(tmp_path / "demo.sqlite3")
    code, _out, err = _run(capsys, "demo", "--customers", "8", "--months", "4", "--today", TODAY, "--db", path)
    assert code == 0, err
    yield path
    from store.db import close_database

    close_database()


@pytest.mark.parametrize("region", sorted(EXPECTED))
def test_benchmark_json_on_demo_data_shows_the_regions_reference_row_and_its_source(demo_book, capsys, region):
    data = _json(capsys, "benchmark", "--region", region, "--json", "--today", TODAY, "--db", demo_book)
    metric, value, currency, source = EXPECTED[region]
    row = data["reference"]["row"]
    assert (row["region"], row["metric"], row["value"], row["currency"]) == (region, metric, value, currency)
    assert row["source"].startswith(source)
    assert data["reference"]["value_usd"] and data["reference"]["rate_date"]
    assert data["median_ehr_usd"] is not None and data["contract_periods"] > 0
    assert data["gap_percent"] is not None
    assert len(data["trend"]) == 12
    if metric == "list_hourly_rate":
        assert "ceiling" in data["reference_message"]
    assert data["credit"] == "Source: ECB statistics."


def test_benchmark_json_for_a_region_without_a_row_says_no_reference_exists(demo_book, capsys):
    data = _json(capsys, "benchmark", "--region", "IL", "--json", "--today", TODAY, "--db", demo_book)
    assert data["reference"] is None and data["gap_percent"] is None
    assert "no reference exists for IL" in data["reference_message"]
    assert data["median_ehr_usd"] is not None  # the shop's own figures are shown


def test_benchmark_table_shows_reference_gap_sparkline_and_credit(demo_book, capsys):
    code, out, _err = _run(capsys, "benchmark", "--region", "DE", "--today", TODAY, "--db", demo_book)
    assert code == 0
    assert "Shop: median effective hourly rate" in out
    assert "Reference: mean list hourly rate" in out and "(79.10 EUR)" in out
    assert "a ceiling, not an effective rate" in out
    assert "2017-06-30" in out  # 1 July 2017 was a Saturday
    assert any(bar in out for bar in "▁▂▃▄▅▆▇█")
    assert out.rstrip().endswith("Source: ECB statistics.")


def test_the_region_defaults_to_the_home_region_setting(demo_book, capsys):
    assert _run(capsys, "settings", "set", "home_region", "AU", "--db", demo_book)[0] == 0
    data = _json(capsys, "benchmark", "--json", "--today", TODAY, "--db", demo_book)
    assert data["region"] == "AU" and data["reference"]["row"]["currency"] == "AUD"


def test_benchmark_import_adds_a_reference_that_the_benchmark_then_uses(tmp_path, capsys):
    db = str(tmp_path / "b.sqlite3")
    refs = tmp_path / "refs.csv"
    refs.write_text("region,metric,value,currency,statistic,year,sample_size,source,confidence,notes\n"
                    "IL,effective_hourly_rate,300,ILS,median,2025,40,https://example.org/il,medium,\n")
    code, out, err = _run(capsys, "benchmark", "import", str(refs), "--db", db)
    assert code == 0, err
    assert "1 added, 0 replaced" in out
    data = _json(capsys, "benchmark", "--region", "IL", "--json", "--today", TODAY, "--db", db)
    assert data["reference"]["label"] == "median effective hourly rate"
    assert data["reference"]["rate_date"] == "2025-07-01"
    listed = _json(capsys, "benchmark", "references", "--region", "IL", "--json", "--db", db)
    assert [r["origin"] for r in listed] == ["imported"]


def test_a_bad_references_file_prints_file_line_column_and_exits_2(tmp_path, capsys):
    refs = tmp_path / "refs.csv"
    refs.write_text("region,metric,value,currency,statistic,year,sample_size,source,confidence,notes\n"
                    "IL,effective_hourly_rate,abc,ILS,median,2025,40,https://example.org/il,medium,\n")
    code, _out, err = _run(capsys, "benchmark", "import", str(refs), "--db", str(tmp_path / "b.sqlite3"))
    assert code == 2
    assert f"{refs}:2: value: not a positive number: 'abc'" in err
    assert "nothing imported" in err and "Traceback" not in err


def test_rates_import_reports_days_and_rates_added_and_show_uses_them(tmp_path, capsys):
    db = str(tmp_path / "r.sqlite3")
    ecb = tmp_path / "eurofxref-hist.csv"
    ecb.write_text("Date,USD,JPY,GBP,\n2026-11-03,1.1250,176.01,0.84,\n2026-11-02,1.1200,N/A,0.83,\n")
    code, out, err = _run(capsys, "rates", "import", str(ecb), "--db", db)
    assert code == 0, err
    assert "2 day(s), 2026-11-02 to 2026-11-03; 5 rate(s) added" in out
    code, out, _err = _run(capsys, "rates", "show", "--from", "EUR", "--to", "USD", "--date", "2026-11-03",
                           "--amount", "1000", "--db", db)
    assert "1 EUR = 1.125 USD  (ECB rate of 2026-11-03)" in out
    assert "1000.00 EUR = 1125.00 USD" in out and "Note:" not in out


def test_rates_show_on_a_weekend_says_which_day_it_used(tmp_path, capsys):
    code, out, _err = _run(capsys, "rates", "show", "--from", "GBP", "--to", "USD", "--date", "2026-07-04",
                           "--amount", "600", "--db", str(tmp_path / "r.sqlite3"))
    assert code == 0
    assert "600.00 GBP = 801.31 USD" in out and "(ECB rate of 2026-07-03)" in out
    assert "Saturday" in out


def test_rates_before_the_data_begins_is_a_one_line_error(tmp_path, capsys):
    code, _out, err = _run(capsys, "rates", "show", "--date", "1998-06-01", "--db", str(tmp_path / "r.sqlite3"))
    assert code == 2
    assert err.strip() == ("batchbill: no ECB rate for USD on or before 1998-06-01: "
                           "the rates begin on 1999-01-04")


def test_a_bad_rates_file_names_the_cell_and_imports_nothing(tmp_path, capsys):
    db = str(tmp_path / "r.sqlite3")
    ecb = tmp_path / "bad.csv"
    ecb.write_text("Date,USD,\n2026-11-03,1.1250,\n2026-11-02,x,\n")
    code, _out, err = _run(capsys, "rates", "import", str(ecb), "--db", db)
    assert code == 2 and f"{ecb}:3: USD: not a number: 'x'" in err
    from store.models import ExchangeRate

    assert ExchangeRate.select().count() == 0


from tests.store.test_benchmark import book  # noqa: E402,F401  (the hand-made book fixture)

HAND_MADE_USD = {"US": "57.00", "DE": "90.27", "UK": "100.49", "AU": "113.71"}


@pytest.mark.parametrize("region", sorted(HAND_MADE_USD))
def test_benchmark_json_on_a_hand_made_book_shows_the_reference_in_usd(book, capsys, region):
    data = _json(capsys, "benchmark", "--region", region, "--json", "--today", TODAY,
                 "--db", book.batchbill_test_target)
    metric, value, currency, source = EXPECTED[region]
    ref = data["reference"]
    assert (ref["row"]["metric"], ref["row"]["value"], ref["row"]["currency"]) == (metric, value, currency)
    assert ref["row"]["source"].startswith(source)
    assert ref["value_usd"] == HAND_MADE_USD[region]
    assert data["median_ehr_usd"] == "95.53"


def test_benchmark_json_on_a_hand_made_book_for_il_says_no_reference(book, capsys):
    data = _json(capsys, "benchmark", "--region", "IL", "--json", "--today", TODAY,
                 "--db", book.batchbill_test_target)
    assert data["reference"] is None and "no reference exists for IL" in data["reference_message"]
    assert data["median_ehr_usd"] == "95.53"
