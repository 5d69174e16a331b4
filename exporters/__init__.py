"""Pure exporters: domain dataclasses in, bytes out, one module per format."""
