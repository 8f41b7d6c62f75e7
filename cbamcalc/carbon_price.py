"""Carbon price paid in the country of origin (Art. 9 of Reg. (EU) 2023/956), as certificates not due.

An authorised CBAM declarant may claim a reduction of the certificates to surrender for the
carbon price effectively paid in the country of origin for the declared embedded emissions, net
of any rebate or other form of compensation available in that country.

Since Reg. (EU) 2025/2083 replaced Art. 9 the reduction has two tracks, one per basis of the
embedded emissions (:func:`art9_reduction_actual`, :func:`art9_reduction_default`)::

    actual values:  R_act = max(P - R_t, 0) / X x E_act x s / p_avg       (draft IA on Art. 9(5))
    default values: R_def = P_default x E_def / p_avg                      (Commission default price)

with E the embedded emissions of each share [tCO2e], s the share of them covered net of rebated
emissions, P the price paid and R_t a rebate per tonne (origin currency), X the yearly average
exchange rate [origin currency per EUR], P_default the Commission's yearly default carbon price of
the country [EUR/tCO2e] (none published yet: no reduction) and p_avg the average certificate price
of the year of import [EUR/tCO2e]. :func:`carbon_price_deduction` keeps the earlier provisional
reading (capped at the certificate price) for callers of the library that still use it.

What is law and what is not
---------------------------
- Art. 9(1)-(3) of Regulation (EU) 2023/956 set the principle (price *effectively paid*, net of
  rebates and compensation, evidence) [C].
- The conversion into certificates and the currency rule are set by an implementing act that was
  still a draft in the stored sources (published 13 May 2026). Its dual track (actual values:
  evidence certified by an independent person; default values: a *default carbon price* the
  Commission publishes) is not modelled: the formula above is cbamcalc's provisional reading [U].
- The Thai carbon tax in the fuel excise (THB 200/tCO2e, ``thai_carbon_tax_scenario.csv``) is an
  OPTIONAL scenario: it covers only emissions from the listed oil products, and whether a
  revenue-neutral excise component qualifies under Art. 9 is uncertain. Every result that uses it
  carries :data:`THAI_ART9_NOTE`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InputError

__all__ = [
    "KNOWN_CURRENCIES",
    "THAI_ART9_NOTE",
    "is_thb",
    "to_eur",
    "effective_price_eur",
    "carbon_price_deduction",
    "art9_reduction_actual",
    "art9_reduction_default",
    "ART9_ACTUAL_NOTE",
    "ART9_DEFAULT_NOTE",
    "thai_carbon_tax",
    "parse_origin_price",
]

#: Currencies cbamcalc converts (separate dimensions in the unit registry).
KNOWN_CURRENCIES = ("EUR", "THB")

#: Note on every result that reduces certificates for a price paid on actual emissions.
ART9_ACTUAL_NOTE = (
    "carbon price paid at origin deducted on the actual share (Art. 9 of Reg. (EU) 2023/956 as replaced by Reg. (EU) "
    "2025/2083; conversion per the DRAFT implementing act on Art. 9(5): effective price x covered emissions net of "
    "rebates / average certificate price of the year of import)"
)
#: Note on every result where a price paid was given for goods on default values.
ART9_DEFAULT_NOTE = (
    "no Art. 9 reduction on the default-value share: on default values only the yearly default carbon prices "
    "published by the Commission may be used (Art. 9 as replaced by Reg. (EU) 2025/2083), and none is given; "
    "the price paid at origin reduces the actual share only"
)

#: Note attached to every result that deducts the Thai fuel-excise carbon tax.
THAI_ART9_NOTE = (
    "Thai fuel-excise carbon tax THB 200/tCO2e applied as an Art. 9 scenario: qualification as a carbon "
    "price effectively paid under Art. 9 of Reg. (EU) 2023/956 is uncertain (revenue-neutral excise "
    "component; covers oil products only, not coal, natural gas or electricity)"
)


def is_thb(currency: Any) -> np.ndarray:
    """True where ``currency`` is THB, False for EUR (or missing); :class:`InputError` for others.

    Vectorised over the distinct codes (:func:`cbamcalc._distinct.factorize`: plain Python for a
    few codes, pandas for many), so a column of 10 million codes is checked once per code.
    """
    from ._distinct import factorize

    scalar = isinstance(currency, str) or currency is None
    items = np.empty(1, dtype=object) if scalar else np.asarray(currency, dtype=object).ravel()
    if scalar:
        items[0] = currency
    codes, distinct = factorize(items, na_sentinel=False)
    values = distinct.tolist()
    norm = [str(v).strip().upper() if v is not None else "EUR" for v in values]
    norm = ["EUR" if n in ("", "NAN", "NONE", "<NA>") else n for n in norm]
    bad = [v for v, n in zip(values, norm, strict=True) if n not in KNOWN_CURRENCIES]
    if bad:
        raise InputError(
            "unknown currency (convert the price to EUR or THB first)",
            field="origin_currency",
            expected=" or ".join(KNOWN_CURRENCIES),
            found=str(bad[0]),
        )
    out = np.array([n == "THB" for n in norm], dtype=bool)[codes]
    return np.asarray(out[0]) if scalar else out.reshape(np.shape(currency))


def to_eur(amount: Any, currency: Any = "EUR", *, eur_thb: Any = None) -> np.ndarray:
    """Convert amounts per tCO2e to EUR at a stated rate.

    Parameters
    ----------
    amount : array_like
        Amounts in ``currency``. [currency/tCO2e]
    currency : str or array_like of str
        ``"EUR"`` or ``"THB"`` (case-insensitive); others raise :class:`InputError`.
    eur_thb : float or array_like, optional
        Exchange rate. [THB/EUR] Required when any amount is in THB.

    Returns
    -------
    numpy.ndarray
        Amounts. [EUR/tCO2e]

    Raises
    ------
    InputError
        Unknown currency, or THB without a rate.

    Examples
    --------
    >>> float(to_eur(200.0, "THB", eur_thb=38.37).round(4))
    5.2124
    """
    amt = np.asarray(amount, dtype=float)
    thb = is_thb(currency)
    if np.any(thb):
        if eur_thb is None:
            raise InputError(field="eur_thb", expected="an EUR/THB rate [THB/EUR] to convert a THB price",
                             found=None)
        rate = np.asarray(eur_thb, dtype=float)
        if np.any(~(rate > 0)):
            raise InputError(field="eur_thb", expected="a rate > 0 [THB/EUR]", found=float(np.ravel(rate)[0]))
        return np.where(thb, amt / rate, amt)
    return amt


def effective_price_eur(price_paid: Any, *, rebate: Any = 0.0, currency: Any = "EUR",
                        eur_thb: Any = None) -> np.ndarray:
    """Carbon price effectively paid, net of rebates or compensation, in EUR per tCO2e.

    Parameters
    ----------
    price_paid : array_like
        Price paid in the country of origin. [currency/tCO2e]
    rebate : array_like, optional
        Rebate or other compensation per tCO2e, same currency. Default 0.
    currency : str or array_like of str
        ``"EUR"`` or ``"THB"``.
    eur_thb : float or array_like, optional
        Exchange rate for THB amounts. [THB/EUR]

    Returns
    -------
    numpy.ndarray
        ``max(price_paid - rebate, 0)`` in EUR. [EUR/tCO2e]

    Raises
    ------
    InputError
        Negative price or rebate; unknown currency.

    References
    ----------
    Regulation (EU) 2023/956 Art. 9(1): carbon price effectively paid, "taking into account any
    rebate or other form of compensation available in that country".
    """
    p = np.asarray(price_paid, dtype=float)
    r = np.asarray(rebate, dtype=float)
    for name, arr in (("origin_price", p), ("origin_rebate", r)):
        if np.any(arr < 0):
            raise InputError(field=name, expected="an amount >= 0 per tCO2e", found=float(arr[arr < 0].ravel()[0]))
    net = np.maximum(np.nan_to_num(p) - np.nan_to_num(r), 0.0)
    return to_eur(net, currency, eur_thb=eur_thb)


def carbon_price_deduction(
    embedded_emissions: Any,
    price_paid_eur: Any,
    certificate_price: Any,
    *,
    share_covered: Any = 1.0,
) -> np.ndarray:
    """Certificates not due because of the carbon price paid at origin (Art. 9).

    Parameters
    ----------
    embedded_emissions : array_like
        Embedded emissions counted in the obligation. [tCO2e]
    price_paid_eur : array_like
        Carbon price effectively paid, net of rebates, converted to EUR (see
        :func:`effective_price_eur`). [EUR/tCO2e]
    certificate_price : array_like
        CBAM certificate price of the year. [EUR/tCO2e]
    share_covered : array_like, optional
        Share of the embedded emissions the carbon price covered, in [0, 1]. Default 1.

    Returns
    -------
    numpy.ndarray
        Reduction of the certificates to surrender. [tCO2e]

    Raises
    ------
    InputError
        Share outside [0, 1] (or not a number), a negative or non-finite price, or a
        non-positive certificate price where a price was paid (the checks of the Art. 9 track).

    Notes
    -----
    ``D = E x s x min(P_eff, p_EU) / p_EU``: a provisional reading of Art. 9 (the implementing
    rules were a draft). Capping ``P_eff`` at ``p_EU`` keeps ``D <= E x s``.

    References
    ----------
    Regulation (EU) 2023/956 Art. 9; draft implementing act on Art. 9 (13 May 2026) [U].

    Examples
    --------
    EUR 10/t paid on 40 % of 1,000 tCO2e, certificate price EUR 80:

    >>> float(carbon_price_deduction(1000.0, 10.0, 80.0, share_covered=0.4))
    50.0
    """
    e = np.asarray(embedded_emissions, dtype=float)
    p = np.asarray(price_paid_eur, dtype=float)
    pe = np.asarray(certificate_price, dtype=float)
    s = np.asarray(share_covered, dtype=float)
    _check_price_paid(p, pe, s)
    no_price = ~(pe > 0)
    # in place, one array: min(P, p_EU) / p_EU x E x s (zero where nothing was paid)
    ratio = np.array(np.minimum(p, pe), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(ratio, pe, out=ratio, where=~no_price)
    if np.any(no_price):
        ratio[np.broadcast_to(no_price, ratio.shape)] = 0.0
    if ratio.shape != np.broadcast_shapes(ratio.shape, e.shape, s.shape):
        ratio = np.broadcast_to(ratio, np.broadcast_shapes(ratio.shape, e.shape, s.shape)).copy()
    ratio *= e
    ratio *= s
    return ratio


def art9_reduction_actual(embedded_actual: Any, price_paid_eur: Any, average_certificate_price: Any, *,
                          share_covered: Any) -> np.ndarray:
    """Art. 9 reduction on the emissions determined on actual data [tCO2e].

    Parameters
    ----------
    embedded_actual : array_like
        Embedded emissions of the share of the goods determined on actual emissions. [tCO2e]
    price_paid_eur : array_like
        Effective carbon price paid at origin, net of rebates per tonne, converted with the
        yearly average exchange rate. [EUR/tCO2e]
    average_certificate_price : array_like
        Average CBAM certificate price of the year of import. [EUR/tCO2e]
    share_covered : array_like
        Share of those embedded emissions covered by the carbon price, net of rebated or
        compensated emissions, in [0, 1].

    Returns
    -------
    numpy.ndarray
        ``R = P_eff x (E_covered - E_rebated) / p_avg``. [tCO2e]

    Notes
    -----
    Art. 9(1) of Reg. (EU) 2023/956 as replaced by Reg. (EU) 2025/2083 allows the reduction for
    a carbon price effectively paid where embedded emissions are determined on actual emissions.
    The conversion is that of the **draft** implementing act on Art. 9(5) (May 2026): effective
    carbon price x (emissions covered - rebated emissions) / average certificate price of the year
    of import, no cap at the certificate price; cbamcalc follows the draft and says so on every
    result (:data:`ART9_ACTUAL_NOTE`). Certificates never fall below zero
    (:func:`cbamcalc.obligation.certificates`).

    Examples
    --------
    EUR 10/t paid on 40 % of 1,000 tCO2e, average certificate price EUR 80:

    >>> float(art9_reduction_actual(1000.0, 10.0, 80.0, share_covered=0.4))
    50.0
    """
    e = np.asarray(embedded_actual, dtype=float)
    p = np.asarray(price_paid_eur, dtype=float)
    pe = np.asarray(average_certificate_price, dtype=float)
    s = np.asarray(share_covered, dtype=float)
    _check_price_paid(p, pe, s)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((p > 0) & (pe > 0), e * s * p / np.where(pe > 0, pe, 1.0), 0.0)
    return np.asarray(out, dtype=float)


def art9_reduction_default(embedded_default: Any, default_carbon_price_eur: Any,
                           average_certificate_price: Any) -> np.ndarray:
    """Art. 9 reduction on the emissions determined on default values [tCO2e].

    Parameters
    ----------
    embedded_default : array_like
        Embedded emissions of the share of the goods on default values. [tCO2e]
    default_carbon_price_eur : array_like
        The yearly **default carbon price** of the country of origin published by the Commission
        (NaN or 0 where none is published: no reduction). [EUR/tCO2e]
    average_certificate_price : array_like
        Average CBAM certificate price of the year of import. [EUR/tCO2e]

    Returns
    -------
    numpy.ndarray
        ``R = P_default x E_default / p_avg``; 0 where no default carbon price is given. [tCO2e]

    Notes
    -----
    Art. 9 as replaced by Reg. (EU) 2025/2083: on default values a reduction may be claimed only
    by reference to the yearly default carbon prices published by the Commission; none had been
    published by Nov 2026 and cbamcalc ships none. A price the user paid, and the Thai excise
    scenario, never reduce the default share (:data:`ART9_DEFAULT_NOTE`).

    Examples
    --------
    >>> art9_reduction_default([1000.0, 1000.0], [8.0, np.nan], 80.0).tolist()
    [100.0, 0.0]
    """
    e = np.asarray(embedded_default, dtype=float)
    p = np.nan_to_num(np.asarray(default_carbon_price_eur, dtype=float))
    pe = np.asarray(average_certificate_price, dtype=float)
    _check_price_paid(p, pe, np.ones(1))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((p > 0) & (pe > 0), e * p / np.where(pe > 0, pe, 1.0), 0.0)
    return np.asarray(out, dtype=float)


def _check_price_paid(price: np.ndarray, certificate_price: np.ndarray, share: np.ndarray) -> None:
    """The checks every conversion of a price paid into certificates makes (Art. 9).

    A share of emissions in [0, 1], a finite price paid >= 0 [EUR/tCO2e], and a certificate
    price > 0 wherever a price was paid (it is the divisor).
    """
    if np.any(~np.isfinite(share) | (share < 0) | (share > 1)):
        bad = share[~np.isfinite(share) | (share < 0) | (share > 1)].ravel()[0]
        raise InputError(field="origin_share", expected="a share of embedded emissions in [0, 1]", found=float(bad))
    if np.any(~np.isfinite(price) | (price < 0)):
        bad = price[~np.isfinite(price) | (price < 0)].ravel()[0]
        raise InputError(field="origin_price", expected="a finite price >= 0 [EUR/tCO2e]", found=float(bad))
    if np.any((price > 0) & ~(certificate_price > 0)):
        raise InputError(field="price", expected="a certificate price > 0 to convert the price paid", found=0.0)


def thai_carbon_tax() -> dict[str, Any]:
    """The Thai fuel-excise carbon tax as an Art. 9 *scenario* (rate, unit, coverage, note).

    Returns
    -------
    dict
        ``rate`` [THB/tCO2e] (200), ``unit``, ``valid_from``, ``act``, ``provision``, ``note`` and
        ``art9_note`` (:data:`THAI_ART9_NOTE`).

    Notes
    -----
    Apply it with ``origin_price=200, origin_currency="THB"`` and ``origin_share`` = the share of
    the embedded emissions that come from the covered oil products (gasoline, diesel, kerosene,
    jet fuel, LPG, fuel oil). Coal, natural gas and electricity are not covered.

    References
    ----------
    ``emission_factors/thai_carbon_tax_scenario.csv`` (kind ``scenario``).
    """
    from .refdata import load_columns

    cols = load_columns("thai_carbon_tax_scenario")
    at = cols["key"].tolist().index("carbon_tax_rate")
    row = {name: col[at] for name, col in cols.items()}
    return {
        "rate": float(row["value"]),
        "unit": str(row["unit"]),
        "valid_from": str(row["valid_from"]),
        "act": str(row["act"]),
        "provision": str(row["provision"]),
        "note": str(row["note"]),
        "art9_note": THAI_ART9_NOTE,
    }


def parse_origin_price(text: str) -> tuple[float, str, bool]:
    """Parse a price paid as written on the command line.

    Accepts ``"12.5"`` (EUR), ``"12.5 EUR"``, ``"200 THB"``, ``"200THB"``, or ``"thai-excise"``
    (the Thai carbon tax scenario, THB 200/tCO2e).

    Returns
    -------
    tuple
        ``(amount, currency, is_thai_scenario)``.

    Raises
    ------
    InputError
        Not a number with an optional currency, or an unknown currency.

    Examples
    --------
    >>> parse_origin_price("200 THB")
    (200.0, 'THB', False)
    """
    raw = str(text).strip()
    if raw.lower() in {"thai-excise", "th-excise", "thai"}:
        return thai_carbon_tax()["rate"], "THB", True
    import re

    m = re.fullmatch(r"([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([A-Za-z]{3})?(?:\s*/\s*tCO2e?)?", raw)
    if not m:
        raise InputError(field="origin_price", expected="a number with an optional currency, e.g. '5.2' or '200 THB'",
                         found=raw)
    cur = (m.group(2) or "EUR").upper()
    if cur not in KNOWN_CURRENCIES:
        raise InputError("unknown currency (convert the price to EUR or THB first)", field="origin_price",
                         expected=" or ".join(KNOWN_CURRENCIES), found=cur)
    return float(m.group(1)), cur, False
