"""The settings registry: validated values, one clear message naming key,
value and what is accepted, values shown as ``settings set`` takes them,
defaults derived from other settings."""
from __future__ import annotations

import pytest

from store import settings
from store.errors import ValidationError
from store.models import Setting


def test_invoice_terms_follow_payment_terms_days_until_set_explicitly(db):
    assert settings.get("invoice_terms") == "Net 30"
    settings.set_value("payment_terms_days", "14")
    assert settings.get("invoice_terms") == "Net 14"
    assert settings.all_settings()["invoice_terms"] == "Net 14"
    settings.set_value("invoice_terms", "Due on receipt")
    settings.set_value("payment_terms_days", "7")
    assert settings.get("invoice_terms") == "Due on receipt"


def test_settings_show_says_when_invoice_terms_are_derived(db):
    settings.set_value("payment_terms_days", "14")
    row = {r["key"]: r for r in settings.settings_rows()}["invoice_terms"]
    assert (row["value"], row["derived"]) == ("Net 14", True)
    assert "derived: Net {payment_terms_days}" in row["meaning"]
    settings.set_value("invoice_terms", "Net 10 EOM")
    row = {r["key"]: r for r in settings.settings_rows()}["invoice_terms"]
    assert (row["value"], row["derived"]) == ("Net 10 EOM", False)
    assert "set explicitly" in row["meaning"]


@pytest.mark.parametrize("region", ["US", "de", "GB", "UK", "AU", "nz"])
def test_home_region_takes_iso_country_codes_and_uk(db, region):
    assert settings.set_value("home_region", region) == region.upper()


@pytest.mark.parametrize("region", ["XX", "EU", "ZZ", "USA", "U"])
def test_home_region_refuses_what_is_not_a_country_code(db, region):
    with pytest.raises(ValidationError) as exc:
        settings.set_value("home_region", region)
    assert str(exc.value) == (
        f"setting home_region: {region!r} is not accepted; expected an ISO 3166-1 two-letter "
        "country code such as US, DE, GB (or UK), AU"
    )
    assert settings.get("home_region") == "US"


@pytest.mark.parametrize("key, value, accepted", [
    ("invoice_prefix", "INVOICE-NUMBER-", "at most 12 characters, without commas, tabs or newlines"),
    ("invoice_prefix", "A,B", "at most 12 characters, without commas, tabs or newlines"),
    ("payment_terms_days", "-3", "a whole number, 0 or more"),
    ("payment_terms_days", "two", "a whole number, 0 or more"),
    ("qbo_vat_columns", "maybe", "yes or no"),
    ("date_format.qbo-csv", "31/12", "one of MM/DD/YYYY, DD/MM/YYYY, MM/DD/YY, YYYY-MM-DD"),
    ("ar_account", "A/R\tTrade", "one line of text, without tabs or newlines"),
])
def test_a_bad_value_is_one_message_naming_key_value_and_what_is_accepted(db, key, value, accepted):
    with pytest.raises(ValidationError) as exc:
        settings.set_value(key, value)
    assert str(exc.value) == f"setting {key}: {value!r} is not accepted; expected {accepted}"
    assert Setting.get_or_none(Setting.key == key) is None


def test_booleans_are_shown_as_yes_or_no_like_settings_set_takes_them(db):
    rows = {r["key"]: r for r in settings.settings_rows()}
    assert rows["qbo_vat_columns"]["value"] == "no"
    settings.set_value("qbo_vat_columns", "on")
    assert dict((k, v) for k, v, _ in settings.settings_table())["qbo_vat_columns"] == "yes"
    assert settings.get("qbo_vat_columns") is True


def test_a_stored_value_no_longer_accepted_names_the_key_and_how_to_fix_it(db):
    Setting.create(key="home_region", value="XX")
    with pytest.raises(ValidationError, match="stored setting home_region is 'XX'.*batchbill settings set home_region"):
        settings.all_settings()
