"""Test support code: oracles the product is checked against, kept out of the wheel."""
