"""Element value conversions between X12 text and canonical JSON text (dates, times, implied decimals, SSCC)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from gateway.mapping.spec import ElementSpec


def _date_in(fmt: str) -> Callable[[str], str]:
    def convert(text: str) -> str:
        if fmt == "YYMMDD" or len(text) == 6:
            if len(text) != 6 or not text.isdigit():
                raise ValueError(f"expected a date YYMMDD, found {text!r}")
            text = ("19" if int(text[:2]) >= 70 else "20") + text
        if len(text) != 8 or not text.isdigit():
            raise ValueError(f"expected a date CCYYMMDD, found {text!r}")
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"

    return convert


def _time_in(text: str) -> str:
    if len(text) not in (4, 6, 8) or not text.isdigit():
        raise ValueError(f"expected a time HHMM[SS], found {text!r}")
    return f"{text[:2]}:{text[2:4]}" + (f":{text[4:6]}" if len(text) >= 6 else ":00")


def _implied_in(decimals: int) -> Callable[[str], str]:
    def convert(text: str) -> str:
        if not text.lstrip("-").isdigit():
            raise ValueError(f"expected a number with {decimals} implied decimals, found {text!r}")
        return str(Decimal(int(text)).scaleb(-decimals))

    return convert


def _sscc_in(text: str) -> str:
    # MAN*GM carries the label's barcode data: application identifier 00 + the 18-digit SSCC.
    if len(text) == 20 and text.startswith("00"):
        return text[2:]
    return text


def inbound(spec: ElementSpec) -> Callable[[str], str] | None:
    """X12 -> JSON text conversion for one element (None: the text is kept as is)."""
    kind = spec.type
    if kind == "date":
        return _date_in(spec.date_format)
    if kind == "time":
        return _time_in
    if kind in ("decimal", "int"):
        return None  # the canonical model checks numbers and names the field when one is wrong
    if kind == "implied":
        return _implied_in(spec.decimals)
    if kind in ("sscc", "sscc18"):
        return _sscc_in
    return None


def _date_out(fmt: str) -> Callable[[object], str]:
    def convert(value: object) -> str:
        text = str(value).replace("-", "")
        return text[2:] if fmt == "YYMMDD" else text

    return convert


def _time_out(value: object) -> str:
    text = str(value).replace(":", "")
    return text[:4] if text.endswith("00") and len(text) == 6 else text[:6]


def _implied_out(decimals: int) -> Callable[[object], str]:
    def convert(value: object) -> str:
        scaled = Decimal(str(value)).scaleb(decimals)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {decimals} decimals")
        return str(int(scaled))

    return convert


def outbound(spec: ElementSpec) -> Callable[[object], str]:
    """JSON value -> X12 text for one element."""
    kind = spec.type
    if kind == "date":
        return _date_out(spec.date_format)
    if kind == "time":
        return _time_out
    if kind == "implied":
        return _implied_out(spec.decimals)
    if kind == "sscc":
        return lambda value: "00" + str(value)
    return str


def format_number(value: Decimal) -> str:
    """A computed number as X12 R text: no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return text
