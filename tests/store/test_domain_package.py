"""store.domain loads each of its modules when one of its names is first used."""
from __future__ import annotations

import subprocess
import sys


def test_every_name_resolves_to_its_module():
    import store.domain as domain

    for module, names in domain._MODULES.items():
        for name in names:
            assert getattr(domain, name).__module__ == f"store.domain.{module}"
    assert sorted(domain.__all__) == sorted(["tax_rate_key", *domain._HOME])


def test_importing_the_list_rows_leaves_the_other_modules_unloaded():
    code = ("import sys; from store.domain import BatchSummary, tax_rate_key; "
            "print(sorted(m for m in sys.modules if m.startswith('store.domain.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['store.domain.lists']"


def test_an_unknown_name_is_an_attribute_error():
    import store.domain as domain

    try:
        domain.NoSuchThing  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("no error")
