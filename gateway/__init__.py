"""Acorn: an EDI X12 / AS2 translation gateway."""

__version__ = "0.1.0"
