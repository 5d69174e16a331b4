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


@pytest.mark.parametrize("key, stored", [
    ("xero_tax_type.0.19", "xero_tax_type.0.19"),
    ("xero_tax_type.19%", "xero_tax_type.0.19"),
    ("xero_tax_type.0.190", "xero_tax_type.0.19"),
    ("qbo_tax_code.8.25%", "qbo_tax_code.0.0825"),
    ("qbo_tax_code.0.10", "qbo_tax_code.0.1"),
])
def test_a_rate_specific_tax_name_is_stored_under_its_normalised_rate(db, key, stored):
    assert settings.set_value(key, "19% (VAT on Income)") == "19% (VAT on Income)"
    assert Setting.get(Setting.key == stored).value == "19% (VAT on Income)"
    assert settings.get(key) == "19% (VAT on Income)"
    assert settings.resolve(key).key == stored


def test_tax_names_map_each_family_and_rate_to_its_name(db):
    settings.set_value("xero_tax_type.0.19", "19% (VAT on Income)")
    settings.set_value("xero_tax_type.10%", "GST on Income")
    settings.set_value("qbo_tax_code.0.19", "19.0% S")
    assert settings.tax_names() == {
        "xero_tax_type": {"0.19": "19% (VAT on Income)", "0.1": "GST on Income"},
        "qbo_tax_code": {"0.19": "19.0% S"},
    }


def test_an_empty_value_removes_a_rate_specific_name(db):
    settings.set_value("xero_tax_type.0.19", "19% (VAT on Income)")
    settings.set_value("xero_tax_type.19%", "")
    assert Setting.get_or_none(Setting.key == "xero_tax_type.0.19") is None
    assert settings.tax_names()["xero_tax_type"] == {}


@pytest.mark.parametrize("suffix", ["abc", "0", "1", "150%", "-0.1", "", "nan"])
def test_a_rate_specific_key_needs_a_rate_between_0_and_1(db, suffix):
    with pytest.raises(ValidationError) as exc:
        settings.set_value(f"xero_tax_type.{suffix}", "X")
    assert str(exc.value) == (
        f"setting xero_tax_type.{suffix}: {suffix!r} is not accepted after 'xero_tax_type.'; expected a tax rate "
        "above 0 and below 1 as a fraction (0.19) or a percentage (19%)"
    )
    assert Setting.select().where(Setting.key.startswith("xero_tax_type.")).count() == 0


def test_a_rate_specific_name_is_one_line_of_text(db):
    with pytest.raises(ValidationError, match=r"^setting xero_tax_type.0.19: 'a\\nb' is not accepted; expected one line"):
        settings.set_value("xero_tax_type.0.19", "a\nb")


def test_settings_show_lists_the_key_family_pattern_and_each_set_rate_after_the_fallback(db):
    settings.set_value("xero_tax_type.0.19", "19% (VAT on Income)")
    settings.set_value("xero_tax_type.0.0825", "Sales Tax 8.25%")
    keys = [r["key"] for r in settings.settings_rows()]
    at = keys.index("xero_tax_type")
    assert keys[at:at + 5] == ["xero_tax_type", "xero_tax_type.<rate>", "xero_tax_type.0.0825",
                               "xero_tax_type.0.19", "xero_tax_type_exempt"]
    rows = {r["key"]: r for r in settings.settings_rows()}
    assert rows["xero_tax_type.0.19"]["value"] == "19% (VAT on Income)"
    assert rows["xero_tax_type.0.19"]["meaning"] == "Xero TaxType of taxable lines of invoices taxed at 19%"
    assert "unset: xero_tax_type" in rows["xero_tax_type.<rate>"]["meaning"]
    assert "qbo_tax_code.<rate>" in rows


def test_unknown_keys_are_still_refused_even_with_a_dot(db):
    with pytest.raises(ValidationError, match="unknown setting 'colour.0.19'"):
        settings.set_value("colour.0.19", "red")
    with pytest.raises(ValidationError, match="unknown setting 'xero_tax_types'"):
        settings.set_value("xero_tax_types", "red")
