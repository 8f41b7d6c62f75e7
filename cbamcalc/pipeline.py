"""The orchestrator: from an :class:`~cbamcalc.model.Installation` to SEE per process and per good.

:func:`run_installation` follows the steps of the method as the Communication template
computes them:

1. source streams, PFC and measured sources -> installation totals (C_Emissions&Energy);
2. directly attributable emissions, heat, waste gases, electricity exported and consumed
   -> emissions attributed to each production process (Summary_Processes rows 71-85);
3. precursors (own processes and purchased) -> the linear system ``(I - A) x = SE``
   (InputOutput), solved for SEE direct, SEE indirect and embedded electricity;
4. share of default values per process, and the goods (Summary_Products);
5. the SEE that counts for the CBAM obligation (Reg. (EU) 2023/956 Art. 7(1) and Annex II,
   IR (EU) 2025/2547 Annex I point 3.1): ``annex_ii``, ``see_indirect_counted`` and
   ``see_counted`` per process and per good (see :func:`_counted`).

Pint quantities of the model are converted to internal units column by column (one
conversion per distinct unit of a column); everything else is numpy.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
import pint

from . import attribution, electricity, embedded, heat, measurement, pfc, source_streams, waste_gases
from ._version import __version__
from .errors import InputError, UnitError
from .model import Installation, ProductionProcess, PurchasedPrecursor, activity_unit
from .precursors import input_coefficients, supply_chain
from .refdata import constant, data_version
from .result import InstallationResult, InstallationTotals
from .units import ureg

__all__ = ["run_installation", "check_installation"]

#: Relative tolerance of the amount balances (production against its uses).
BALANCE_RTOL = 1e-9

Array = np.ndarray


# ---------------------------------------------------------------------------- helpers


def _where(cells: Any, name: str) -> dict[str, str]:
    """``sheet=`` and ``cell=`` of a field from a ``cells`` map (``"Sheet!A1"``)."""
    ref = (cells or {}).get(name)
    if not ref:
        return {}
    sheet, _, cell = ref.rpartition("!")
    return {"sheet": sheet, "cell": cell} if sheet else {"cell": cell}


def _values(quantities: Sequence[Any], bases: Sequence[str], field: str,
            where: Callable[[int], dict[str, str]]) -> tuple[Array, Array]:
    """Magnitudes of a column of quantities in the first base unit of matching dimension.

    Returns the magnitudes (NaN for None) and, per element, the index of the base used
    (-1 for None). One pint conversion per distinct unit of the column, never per cell.
    """
    n = len(quantities)
    values = np.full(n, np.nan)
    which = np.full(n, -1, dtype=int)
    base_units = [ureg.parse_units(b) for b in bases]
    factors: dict[Any, tuple[int, float]] = {}
    for i, q in enumerate(quantities):
        if q is None:
            continue
        if not isinstance(q, pint.Quantity):
            raise UnitError(field=field, expected=f"a quantity in {' or '.join(bases)}", found=q, **where(i))
        unit = q.units
        if unit not in factors:
            for k, b in enumerate(base_units):
                if unit.dimensionality == b.dimensionality:
                    factors[unit] = (k, float(ureg.Quantity(1.0, unit).m_as(b)))
                    break
            else:
                raise UnitError(field=field, expected=f"a unit of {' or '.join(bases)}", found=str(unit),
                                **where(i))
        k, f = factors[unit]
        values[i] = float(q.magnitude) * f
        which[i] = k
    return values, which


def _column(objs: Sequence[Any], attr: str, bases: Sequence[str], field: str | None = None
            ) -> tuple[Array, Array]:
    """:func:`_values` of attribute ``attr`` over ``objs`` (errors name each object's cell)."""
    return _values([getattr(o, attr) for o in objs], bases, field or attr.replace("_", " "),
                   lambda i: _where(objs[i].cells, attr))


def _zeros(objs: Sequence[Any], attr: str, base: str) -> Array:
    """Like :func:`_column` with one base unit; blanks as 0."""
    return np.nan_to_num(_column(objs, attr, (base,))[0])


def _constant_where(where: dict[str, str]) -> Callable[[int], dict[str, str]]:
    return lambda _i: where


def _floats(objs: Sequence[Any], attr: str) -> Array:
    return np.array([np.nan if getattr(o, attr) is None else float(getattr(o, attr)) for o in objs],
                    dtype=float)


def _key(name: str) -> str:
    """Process and precursor names are matched as the template's SUMIF does: ignoring case."""
    return name.strip().casefold()


class _Processes:
    """Process data as arrays in internal units (one conversion per column)."""

    def __init__(self, procs: Sequence[ProductionProcess], pps: Sequence[PurchasedPrecursor]) -> None:
        self.procs = procs
        self.pps = pps
        self.index = {_key(p.name): i for i, p in enumerate(procs)}
        self.units = [activity_unit(p.category) for p in procs]
        production, kind = _column(procs, "production", ("t", "MWh"), "total production")
        for i, p in enumerate(procs):
            if kind[i] >= 0 and ("t", "MWh")[kind[i]] != self.units[i]:
                raise UnitError(field=f"total production of {p.name!r}", expected=f"a unit of {self.units[i]}",
                                found=str(p.production.units), **_where(p.cells, "production"))
        self.production = np.nan_to_num(production)
        self.market = np.nan_to_num(_column(procs, "produced_for_market", ("t", "MWh"))[0])
        self.non_cbam = np.nan_to_num(_column(procs, "consumed_non_cbam", ("t", "MWh"))[0])
        z = _zeros
        self.dir_em = z(procs, "directly_attributable_emissions", "tCO2e")
        self.heat_imported = z(procs, "heat_imported", "TJ")
        self.heat_exported = z(procs, "heat_exported", "TJ")
        self.heat_em = heat.net_heat_emissions(self.heat_imported, z(procs, "heat_import_ef", "tCO2e/TJ"),
                                               self.heat_exported, z(procs, "heat_export_ef", "tCO2e/TJ"))
        self.wg_imported = z(procs, "waste_gas_imported", "TJ")
        self.wg_exported = z(procs, "waste_gas_exported", "TJ")
        self.wg_em = waste_gases.waste_gas_emissions(self.wg_imported, self.wg_exported)
        self.elec = z(procs, "electricity_consumed", "MWh")
        self.indirect = electricity.indirect_emissions(self.elec, z(procs, "electricity_ef", "tCO2e/MWh"))
        self.elec_exported = z(procs, "electricity_exported", "MWh")
        self.exported = electricity.exported_electricity_emissions(
            self.elec_exported, z(procs, "electricity_exported_ef", "tCO2e/MWh"))
        self.consumed = self._consumption()

    def _consumption(self) -> Array:
        """``q[i, j]``: amount of node j (processes, then purchased precursors) consumed in process i."""
        n = len(self.procs)
        q = np.zeros((n, n + len(self.pps)))
        sources: list[tuple[int, Any, str, str]] = [(j, p, "sent_to", self.units[j]) for j, p in
                                                    enumerate(self.procs)]
        sources += [(n + k, pp, "consumed_in", "t") for k, pp in enumerate(self.pps)]
        for j, src, attr, unit in sources:
            mapping = getattr(src, attr)
            where = _where(src.cells, attr)
            for target in mapping:
                if _key(target) not in self.index:
                    raise InputError(field=f"amount of {src.name!r} consumed in {target!r}",
                                     expected="the name of a production process of the installation",
                                     found=target, **where)
                if j < n and _key(target) == _key(src.name):
                    raise InputError(field=f"amount {src.name!r} sends to itself",
                                     expected="amounts sent to other processes only", found=target, **where)
            amounts, _ = _values(list(mapping.values()), (unit,), f"amounts consumed from {src.name!r}",
                                 _constant_where(where))
            for target, a in zip(mapping, np.nan_to_num(amounts), strict=True):
                if a < 0:
                    raise InputError(field=f"amount of {src.name!r} consumed in {target!r}",
                                     expected="0 or more", found=float(a), **where)
                q[self.index[_key(target)], j] += a
        return q


class _Findings:
    """Collects the warnings of a run."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def warn(self, message: str) -> None:
        self.messages.append(message)


# ---------------------------------------------------------------------------- checks


def check_installation(installation: Installation, *, strict: bool = True) -> list[str]:
    """Check an installation's data for the inconsistencies the template flags.

    Parameters
    ----------
    installation : Installation
        The data.
    strict : bool, default True
        Raise on a good whose CN code is not a CBAM good or not of its process's
        category; with ``False`` those become warnings. Errors that make the calculation
        impossible or meaningless are always raised.

    Returns
    -------
    list of str
        Warnings (not issued).

    Raises
    ------
    InputError
        Duplicate process or precursor names; a good whose process does not exist, or
        whose CN code is not a CBAM good or not of its process's category; production
        of zero with emissions attributed; more sent to other processes than produced;
        a purchased precursor consumed without SEE (direct).
    """
    out = _Findings()
    _check(installation, strict, out)
    return out.messages


def _check(inst: Installation, strict: bool, out: _Findings) -> _Processes:
    """Run every check; returns the process data as arrays (built once, for the run)."""
    _check_names(inst.processes, "process")
    _check_names(inst.purchased_precursors, "purchased precursor")
    pa = _Processes(inst.processes, inst.purchased_precursors)
    _check_processes(pa, out)
    _check_precursors(pa, out)
    _check_goods(inst, pa, strict, out)
    return pa


def _check_names(items: Sequence[ProductionProcess] | Sequence[PurchasedPrecursor], what: str) -> None:
    seen: dict[str, str] = {}
    for item in items:
        k = _key(item.name)
        if k in seen:
            raise InputError(
                f"two {what}es have the same name (names are keys; the template ignores case)",
                field=f"{what} name", expected="unique names",
                found=f"{item.name!r} ({seen[k]} and {item.id})", **_where(item.cells, "name"),
            )
        seen[k] = item.id


def _check_processes(pa: _Processes, out: _Findings) -> None:
    n = len(pa.procs)
    activity = {
        "directly attributable emissions": pa.dir_em, "electricity consumption": pa.elec,
        "heat imported": pa.heat_imported, "heat exported": pa.heat_exported,
        "waste gas imported": pa.wg_imported, "waste gas exported": pa.wg_exported,
        "electricity exported": pa.elec_exported, "precursors consumed": pa.consumed.sum(axis=1),
    }
    sent = pa.consumed[:, :n].sum(axis=0)
    for i, p in enumerate(pa.procs):
        unit, production = pa.units[i], pa.production[i]
        if production < 0:
            raise InputError(field=f"total production of {p.name!r}", expected="0 or more",
                             found=float(production), **_where(p.cells, "production"))
        if production == 0:
            attributed = [k for k, v in activity.items() if v[i] != 0]
            if attributed:
                raise InputError(
                    f"process {p.name!r} has {attributed[0]} but produced nothing, so its specific "
                    "emissions are undefined",
                    field=f"total production of {p.name!r}",
                    expected=f"a production above 0 when {attributed[0]} is not 0",
                    found=0.0, **_where(p.cells, "production"),
                )
        other = sent[i] + pa.non_cbam[i]
        if other > production * (1 + BALANCE_RTOL):
            raise InputError(
                f"process {p.name!r} sends more to other processes (and non-CBAM uses) than it produces",
                field=f"amounts consumed in other production processes from {p.name!r}",
                expected=f"at most the total production ({production:,.6g} {unit})",
                found=f"{other:,.6g} {unit}", **_where(p.cells, "sent_to"),
            )
        used = pa.market[i] + other
        if used > production * (1 + BALANCE_RTOL):
            raise InputError(
                f"process {p.name!r}: produced for the market plus amounts used elsewhere exceed its production",
                field=f"produced for the market by {p.name!r}",
                expected=f"at most {production - other:,.6g} {unit} (total production minus other uses)",
                found=f"{pa.market[i]:,.6g} {unit}", **_where(p.cells, "produced_for_market"),
            )
        if production > 0 and 0 < used < production * (1 - BALANCE_RTOL):
            out.warn(f"Process {p.name!r}: {production - used:,.6g} {unit} of its production are neither "
                     "produced for the market nor used elsewhere (the template's control D_Processes L42 "
                     "is not 0)")
        for flag, amounts, what in (("heat_relevant", (pa.heat_imported, pa.heat_exported), "measurable heat"),
                                    ("waste_gases_relevant", (pa.wg_imported, pa.wg_exported), "waste gases")):
            if getattr(p, flag) is False and any(a[i] != 0 for a in amounts):
                out.warn(f"Process {p.name!r}: {what} marked not relevant, but amounts are entered; they "
                         "are counted, as the template counts them")


def _check_precursors(pa: _Processes, out: _Findings) -> None:
    n = len(pa.procs)
    consumed = pa.consumed[:, n:].sum(axis=0)
    purchased = np.nan_to_num(_column(pa.pps, "purchased", ("t",))[0])
    other = np.nan_to_num(_column(pa.pps, "consumed_other", ("t",))[0])
    for k, pp in enumerate(pa.pps):
        if consumed[k] > 0 and pp.see_direct is None:
            raise InputError(
                f"purchased precursor {pp.name!r} is consumed but has no SEE (direct)",
                field=f"SEE (direct) of {pp.name!r}",
                expected="the specific embedded direct emissions in tCO2e/t (measured or default value)",
                found="an empty cell", **_where(pp.cells, "see_direct"),
            )
        if consumed[k] > 0 and (pp.specific_electricity is None or pp.electricity_ef is None):
            out.warn(f"Purchased precursor {pp.name!r}: specific electricity consumption or its emission "
                     "factor is missing; its SEE (indirect) counts as 0")
        used = consumed[k] + other[k]
        if purchased[k] > 0 and used > purchased[k] * (1 + BALANCE_RTOL):
            out.warn(f"Purchased precursor {pp.name!r}: {used:,.6g} t consumed but {purchased[k]:,.6g} t "
                     "purchased (the template's control E_PurchPrec L39 is not 0)")


def _check_goods(inst: Installation, pa: _Processes, strict: bool, out: _Findings) -> None:
    from .cn_codes import cbam_category, normalise_cn

    for good in inst.goods:
        i = pa.index.get(_key(good.process))
        if i is None:
            raise InputError(field="production process of the product",
                             expected="the name of a production process of the installation",
                             found=good.process, **_where(good.cells, "process"))
        process = pa.procs[i]
        where = _where(good.cells, "cn_code")
        sheet, cell = where.get("sheet"), where.get("cell")
        cn = normalise_cn(good.cn_code, field="CN code", sheet=sheet, cell=cell)
        try:
            category = cbam_category(cn, field="CN code", sheet=sheet, cell=cell)
        except InputError as exc:
            if strict:
                raise
            out.warn(str(exc))
            continue
        if _key(category) != _key(process.category):
            err = InputError(
                f"the CN code does not belong to the category of process {process.name!r}",
                field="CN code", expected=f"a CN code of the category {process.category.strip()!r}",
                found=f"{cn} ({category})", **where,
            )
            if strict:
                raise err
            out.warn(str(err))


# ---------------------------------------------------------------------------- steps


def _source_streams(inst: Installation, out: _Findings) -> dict[str, Array]:
    ss = inst.source_streams
    n = len(ss)
    method = np.array([s.method for s in ss], dtype=object)
    ad, ad_kind = _column(ss, "activity_data", ("t", "kNm3"), "activity data")
    ncv, ncv_kind = _column(ss, "net_calorific_value", ("GJ/t", "GJ/kNm3"), "net calorific value")
    ef, ef_kind = _column(ss, "emission_factor", ("tCO2e/TJ", "tCO2e/t", "tCO2e/kNm3"), "emission factor")
    cc, cc_kind = _column(ss, "carbon_content", ("tC/t", "tC/kNm3"), "carbon content")
    oxf, convf, bio = (_floats(ss, a) for a in ("oxidation_factor", "conversion_factor", "biomass_fraction"))

    per_energy = ef_kind == 0
    named = np.array([bool((s.name or "").strip()) for s in ss], dtype=bool)

    def has(x: Array) -> Array:
        return ~np.isnan(x)

    is_mb = method == "mass_balance"
    complete = np.where(is_mb, named & has(ad) & has(cc),
                        named & has(ad) & has(ef) & np.where(per_energy, has(ncv), True))
    # the template's consistency check (B_EmInst!BR17): EF per t with AD in t, per 1000Nm3 with 1000Nm3
    consistent = is_mb | per_energy | (ef_kind < 0) | (ef_kind - 1 == ad_kind)
    for name, kind in (("net calorific value", ncv_kind), ("carbon content", cc_kind)):
        clash = (kind >= 0) & (ad_kind >= 0) & (kind != ad_kind)
        if clash.any():
            i = int(np.flatnonzero(clash)[0])
            attr = "net_calorific_value" if name.startswith("net") else "carbon_content"
            raise UnitError(field=name, expected="a unit per unit of activity data (per t or per 1000 Nm3)",
                            found=str(getattr(ss[i], attr).units), **_where(ss[i].cells, attr))

    em = np.full(n, np.nan)
    comb = method == "combustion"
    proc = method == "process_emissions"
    em[comb] = source_streams.combustion_emissions(ad[comb], ncv[comb], ef[comb], oxf[comb],
                                                   ef_per_energy=per_energy[comb])
    em[proc] = source_streams.process_emissions(ad[proc], ncv[proc], ef[proc], convf[proc],
                                                ef_per_energy=per_energy[proc])
    em[is_mb] = source_streams.mass_balance_emissions(ad[is_mb], cc[is_mb])
    counted = complete & consistent
    for i in map(int, np.flatnonzero(~counted)):
        why = "inconsistent (EF unit does not fit the AD unit)" if complete[i] else "incomplete"
        out.warn(f"Source stream {ss[i].name or '#' + str(i + 1)!r} "
                 f"({_where(ss[i].cells, 'method').get('cell', 'row ' + str(i + 1))}) is {why}; "
                 "it is left out, as the template leaves it out")
    em = np.where(counted, em, np.nan)
    fossil, biomass = source_streams.split_biomass(em, bio)
    e_fossil, e_bio = source_streams.energy_content(ad, ncv, bio)
    return {"fossil": fossil, "biomass": biomass, "energy": np.nan_to_num(e_fossil + e_bio)}


def _pfc(inst: Installation, out: _Findings) -> Array:
    src = inst.pfc_sources
    al, _ = _column(src, "aluminium_produced", ("t",), "primary aluminium produced")
    f = {a: _floats(src, a) for a in ("anode_effect_frequency", "anode_effect_duration", "slope_cf4",
                                      "anode_effect_overvoltage", "current_efficiency",
                                      "overvoltage_coefficient", "c2f6_weight_fraction",
                                      "collection_efficiency")}
    bad_ce = f["collection_efficiency"] == 0
    if bad_ce.any():
        i = int(np.flatnonzero(bad_ce)[0])
        raise InputError(field="collection efficiency", expected="a fraction above 0 (or blank for 1)",
                         found=0.0, **_where(src[i].cells, "collection_efficiency"))
    slope = np.array([s.method == "slope" for s in src], dtype=bool)
    cf4 = np.where(
        slope,
        pfc.slope_method(al, f["anode_effect_frequency"], f["anode_effect_duration"], f["slope_cf4"]),
        pfc.overvoltage_method(al, f["anode_effect_overvoltage"], f["current_efficiency"],
                               f["overvoltage_coefficient"]),
    )
    for i in map(int, np.flatnonzero(np.isnan(cf4))):
        out.warn(f"PFC source #{i + 1} ({src[i].technology!r}): current efficiency missing; the overvoltage "
                 "method gives nothing, as in the template")
    c2f6 = pfc.c2f6_from_cf4(cf4, f["c2f6_weight_fraction"])
    return pfc.co2e_emissions(cf4, c2f6, f["collection_efficiency"])


def _measured(inst: Installation) -> dict[str, Array]:
    src = inst.measured_sources
    conc, _ = _column(src, "concentration", ("g/Nm3",), "GHG concentration")
    hours, _ = _column(src, "operating_hours", ("h",), "operating hours")
    flow, _ = _column(src, "flue_gas_flow", ("kNm3/h",), "flue gas flow")
    e_fossil, _ = _column(src, "energy_content_fossil", ("TJ",), "energy content (fossil)")
    e_bio, _ = _column(src, "energy_content_biomass", ("TJ",), "energy content (bio)")
    gas = np.array([s.gas for s in src], dtype=object)
    fossil, biomass = measurement.co2e_emissions(measurement.ghg_emitted(conc, hours, flow), gas,
                                                 _floats(src, "biomass_fraction"))
    return {"fossil": fossil, "biomass": biomass, "gas": gas,
            "energy": np.nan_to_num(e_fossil) + np.nan_to_num(e_bio)}


def _manual(inst: Installation) -> dict[str, float | None]:
    t = inst.totals_input
    out: dict[str, float | None] = {}
    for key, base in (("fuel_input_total", "TJ"), ("fuel_input_cbam_goods", "TJ"),
                      ("fuel_input_electricity", "TJ"), ("fuel_input_non_cbam", "TJ"), ("co2", "tCO2e"),
                      ("biomass", "tCO2e"), ("n2o", "tCO2e"), ("pfc", "tCO2e"), ("indirect", "tCO2e")):
        value = _column([t], key, (base,))[0][0]
        out[key] = None if math.isnan(value) else float(value)
    return out


# ---------------------------------------------------------------------------- orchestrator


def run_installation(
    installation: Installation,
    *,
    strict: bool = True,
    on_warning: Literal["warn", "ignore"] = "warn",
    exports: pd.DataFrame | None = None,
    cost_options: Mapping[str, Any] | None = None,
) -> InstallationResult:
    """Compute SEE per production process and per good, as the Communication template does.

    Parameters
    ----------
    installation : Installation
        The installation's data (e.g. from
        :func:`cbamcalc.io.communication_template.read_communication_template`).
    strict : bool, default True
        Refuse goods whose CN code is not a CBAM good or not of their process's category
        (with ``False`` those are warnings).
    on_warning : {"warn", "ignore"}, default "warn"
        Issue the result's warnings with :func:`warnings.warn` too, or only record them.
    exports : pandas.DataFrame, optional
        Quantities of goods exported to the EU: ``cn_code``, ``quantity`` [t] and optionally
        ``year``, ``process``, ``clinker_content``, ``origin_price`` (see
        :func:`cbamcalc.cost.goods_from_run`). When given, the CBAM obligation and cost per
        good and year is computed from the actual SEE and attached as ``result.cost``.
    cost_options : Mapping, optional
        Keyword arguments passed to :func:`cbamcalc.cost.cbam_cost` (``years``, ``price``,
        ``eur_thb``, ``cscf``, ...).

    Returns
    -------
    InstallationResult
        Per-process and per-good DataFrames, installation totals, versions, warnings.

    Raises
    ------
    InputError
        For inconsistent data (see :func:`check_installation`), precursor loops
        without a solution, and a process or purchased precursor whose aggregated goods
        category is not one of the template's (its Annex II membership is unknown).

    Notes
    -----
    SE = (DirEm* + Em_H + Em_WG - Em_el,exp) / AL and SE_ind = E_el * EF_el / AL per
    process; SEE = (I - A)^-1 SE solved over processes and purchased precursors (Annex IV,
    section 2, of IR (EU) 2023/1773; template sheets D_Processes and InputOutput).

    ``see_counted = see_direct + see_indirect_counted`` is the SEE that counts for the CBAM
    obligation (Reg. (EU) 2023/956 Art. 7(1) and Annex II; IR (EU) 2025/2547 Annex I point 3.1):
    indirect emissions count where they arise in the production of a good not in Annex II,
    precursors included (:func:`cbamcalc.embedded.see_indirect_counted`). The template's own
    columns (``see_indirect``, ``see_total``) are unchanged.

    Examples
    --------
    >>> from cbamcalc.model import Installation, ProductionProcess, Good
    >>> from cbamcalc.units import Q_
    >>> p = ProductionProcess(id="P1", category="Hydrogen", name="SMR", production=Q_(55_000, "t"),
    ...                       produced_for_market=Q_(55_000, "t"),
    ...                       directly_attributable_emissions=Q_(511_632, "tCO2e"),
    ...                       electricity_consumed=Q_(33_000, "MWh"), electricity_ef=Q_(0.36654545, "tCO2e/MWh"))
    >>> r = run_installation(Installation(processes=[p], goods=[Good("SMR", "28041000", "H2")]))
    >>> round(float(r.products.loc[0, "see_total"]), 6)
    9.522327
    """
    try:
        result = _run(installation, strict=strict, on_warning=on_warning)
    except InputError as exc:
        if installation.source_file and not exc.file:
            raise exc.located(file=installation.source_file) from exc
        raise
    if exports is not None:
        from .cost import cost_from_run  # late import: the cost tables load only when asked for

        result.cost = cost_from_run(result, exports, installation=installation, **dict(cost_options or {}))
        result.warnings.extend(str(w) for w in result.cost.attrs.get("warnings", []))
    return result


def _run(installation: Installation, *, strict: bool, on_warning: str) -> InstallationResult:
    out = _Findings()
    procs = installation.processes
    pps = installation.purchased_precursors
    pa = _check(installation, strict, out)
    names = [p.name for p in procs] + [pp.name for pp in pps]

    # 1. installation totals (C_Emissions&Energy)
    ss = _source_streams(installation, out)
    pfc_em = _pfc(installation, out)
    cems = _measured(installation)
    totals = attribution.installation_totals(
        calculation_fossil=ss["fossil"], calculation_biomass=ss["biomass"], calculation_energy=ss["energy"],
        pfc=pfc_em, measured_fossil=cems["fossil"], measured_biomass=cems["biomass"],
        measured_gas=cems["gas"], measured_energy=cems["energy"], manual=_manual(installation),
    )

    # 2. attribution to processes (Summary_Processes rows 71-80)
    attributed = attribution.process_direct_emissions(pa.dir_em, pa.heat_em, pa.wg_em)
    embedded_direct = attribution.embedded_direct_emissions(attributed, pa.exported)

    # 3. precursors and SEE (InputOutput)
    see_pp, sei_pp, el_pp, pp_default = _precursor_values(pps)
    se_direct = np.concatenate([embedded.specific_emissions(embedded_direct, pa.production), see_pp])
    se_indirect = np.concatenate([embedded.specific_emissions(pa.indirect, pa.production), sei_pp])
    se_elec = np.concatenate([embedded.specific_emissions(pa.elec, pa.production), el_pp])
    a = input_coefficients(pa.consumed, pa.production)
    see = embedded.specific_embedded(a, np.column_stack([se_direct, se_indirect, se_elec]), names)
    uses_default = np.concatenate([np.zeros(len(procs), dtype=bool), pp_default])
    share = embedded.default_share(a, se_direct, uses_default, names)
    node_annex_ii = _category_annex_ii(procs, pps)
    counted = embedded.see_indirect_counted(a, se_indirect, node_annex_ii, names)

    # 4. tables
    n = len(procs)
    processes = pd.DataFrame(
        {
            "name": [p.name for p in procs],
            "aggregated_goods_category": [p.category for p in procs],
            "activity_level": pa.production,
            "directly_attributable_emissions": pa.dir_em,
            "heat_emissions": pa.heat_em,
            "waste_gas_emissions": pa.wg_em,
            "attributed_direct_emissions": attributed,
            "electricity_exported_emissions": pa.exported,
            "indirect_emissions": pa.indirect,
            "electricity_consumption": pa.elec,
            "se_direct": se_direct[:n],
            "se_indirect": se_indirect[:n],
            "specific_electricity_consumption": se_elec[:n],
            "see_direct": see[:n, 0],
            "see_indirect": see[:n, 1],
            "see_total": see[:n, 0] + see[:n, 1],
            "embedded_electricity": see[:n, 2],
            "default_share": share[:n],
            "electricity_ef_source": [p.electricity_ef_source for p in procs],
            "annex_ii": node_annex_ii[:n],
            "see_indirect_counted": counted[:n],
            "see_counted": see[:n, 0] + counted[:n],
        },
        index=pd.Index([p.id for p in procs], name="id"),
    )
    purchased = pd.DataFrame(
        {
            "name": [pp.name for pp in pps],
            "aggregated_goods_category": [pp.category for pp in pps],
            "country": [pp.country for pp in pps],
            "see_direct": see[n:, 0],
            "see_indirect": see[n:, 1],
            "specific_electricity_consumption": see[n:, 2],
            "see_direct_is_default": pp_default,
            "annex_ii": node_annex_ii[n:],
            "see_indirect_counted": counted[n:],
        },
        index=pd.Index([pp.id for pp in pps], name="id"),
    )
    products = _products(installation, processes, _shadowed(a, n), out)

    k81 = float(np.sum(attributed)) if n else math.nan
    l81 = float(np.sum(pa.indirect)) if n else math.nan
    totals_obj = InstallationTotals(
        **totals,
        attributed_direct=k81,
        attributed_indirect=l81,
        unattributed_direct=attribution.unattributed(totals["direct"], attributed),
        unattributed_indirect=attribution.unattributed(totals["indirect"], pa.indirect),
    )
    all_warnings = list(installation.warnings) + out.messages
    if on_warning == "warn":
        for message in out.messages:
            warnings.warn(message, UserWarning, stacklevel=3)
    return InstallationResult(
        processes=processes,
        products=products,
        purchased_precursors=purchased,
        totals=totals_obj,
        data_version=data_version(),
        cbamcalc_version=__version__,
        template_version=installation.template_version,
        source_file=installation.source_file,
        warnings=all_warnings,
        default_values_used=_defaults_used(pps),
        constants_used={k: constant(k) for k in ("carbon_to_co2", "gwp_n2o", "gwp_cf4", "gwp_c2f6",
                                                  "ef_natural_gas", "waste_gas_export_correction")},
    )


def _precursor_values(pps: Sequence[PurchasedPrecursor]) -> tuple[Array, Array, Array, Array]:
    """SEE direct, SEE indirect, electricity per t and default flag of purchased precursors.

    E_PurchPrec: SEE direct = L49; SEE indirect = L50 * L51 (L52); electricity = L50. The
    template divides ``TotProd * L49`` by ``TotProd``, with TotProd = 100 when nothing was
    purchased (T25), so the SEE is L49 whatever the amount purchased.
    """
    see = np.nan_to_num(_column(pps, "see_direct", ("tCO2e/t",), "SEE (direct)")[0])
    el = np.nan_to_num(_column(pps, "specific_electricity", ("MWh/t",), "specific electricity")[0])
    ef = np.nan_to_num(_column(pps, "electricity_ef", ("tCO2e/MWh",), "electricity emission factor")[0])
    default = np.array([(pp.see_direct_source or "").strip().casefold() == "default" for pp in pps],
                       dtype=bool)
    return see, el * ef, el, default


def _category_annex_ii(procs: Sequence[ProductionProcess], pps: Sequence[PurchasedPrecursor]) -> Array:
    """Per node (processes, then purchased precursors), whether its goods category is in Annex II.

    Regulation (EU) 2023/956 Annex II, by the template's aggregated goods categories
    (:func:`cbamcalc.cn_codes.annex_ii_of_category`). A process's good is of its category; a
    good whose CN code lies on the other side of the line is handled per good in
    :func:`_products`.
    """
    from .cn_codes import annex_ii_of_category

    nodes: list[ProductionProcess | PurchasedPrecursor] = [*procs, *pps]
    out = np.zeros(len(nodes), dtype=bool)
    for i, node in enumerate(nodes):
        try:
            out[i] = annex_ii_of_category(node.category)
        except InputError as exc:
            raise InputError(field=f"aggregated goods category of {node.name!r}", expected=exc.expected,
                             found=node.category, **_where(node.cells, "category")) from exc
    return out


def _shadowed(a: Array, n: int) -> Array:
    """Processes whose products show FALSE (0) as share of default values in the template.

    Summary_Products!M10 = INDEX(Summary_Processes!AG162:AG520, MATCH(process, D162:D520, 0)).
    Column D holds, block after block (P1, P2, ...), each process's name and then the names in
    its supply chain; so when process k is in the supply chain of an earlier process m < k,
    MATCH stops in m's block, on a row whose AG is the flag "IsPrecursor?" (FALSE), not on
    k's own block whose AG is the share.
    """
    chain = supply_chain(a)[:n, :n]
    return np.array([bool(chain[:k, k].any()) for k in range(n)], dtype=bool)


def _products(installation: Installation, processes: pd.DataFrame, shadowed: Array,
              out: _Findings) -> pd.DataFrame:
    by_name = {_key(str(name)): (i, str(pid)) for i, (pid, name) in enumerate(processes["name"].items())}
    rows = []
    for g in installation.goods:
        i, pid = by_name[_key(g.process)]
        row = processes.loc[pid]
        category = str(row["aggregated_goods_category"])
        share = float(processes["default_share"].to_numpy()[i])
        shown = 0.0 if shadowed[i] else share
        if shadowed[i] and not share == 0.0:
            cell = g.cells.get("process", "").replace("!D", "!M") or "Summary_Products column M"
            out.warn(f"Product {g.name!r} ({_cn_text(g.cn_code)}): the template shows FALSE as share of default "
                     f"values ({cell}), because its lookup finds process {g.process!r} in the supply chain of an "
                     f"earlier process first; cbamcalc reports 0 as the template does, and "
                     f"default_share_of_process = {share:.6g} (Summary_Processes hidden column AG)")
        process_annex_ii = bool(processes["annex_ii"].to_numpy()[i])
        annex_ii = _good_annex_ii(g.cn_code, process_annex_ii)
        counted = float(embedded.good_indirect_counted(processes["see_indirect_counted"].to_numpy()[i],
                                                       processes["se_indirect"].to_numpy()[i], process_annex_ii,
                                                       annex_ii))
        rows.append({
            "process": g.process,
            "process_id": pid,
            "aggregated_goods_category": category,
            "cn_code": _cn_text(g.cn_code),
            "product": g.name,
            "see_direct": row["see_direct"],
            "see_indirect": row["see_indirect"],
            "see_total": row["see_total"],
            "unit": "tCO2e/" + activity_unit(category),
            "default_share": shown,
            "default_share_of_process": share,
            "electricity_ef_source": row["electricity_ef_source"],
            "embedded_electricity": row["embedded_electricity"],
            "annex_ii": annex_ii,
            "see_indirect_counted": counted,
            "see_counted": float(processes["see_direct"].to_numpy()[i]) + counted,
        })
    columns = ["process", "process_id", "aggregated_goods_category", "cn_code", "product", "see_direct",
               "see_indirect", "see_total", "unit", "default_share", "default_share_of_process",
               "electricity_ef_source", "embedded_electricity", "annex_ii", "see_indirect_counted", "see_counted"]
    return pd.DataFrame(rows, columns=columns)


def _good_annex_ii(cn: str, process_annex_ii: bool) -> bool:
    """Whether the good's CN code is in Annex II of Reg. (EU) 2023/956 (Art. 7(1): decided per CN code).

    A CN code that is not a CBAM good (kept with ``strict=False``) takes its process's category.
    """
    from .cn_codes import in_annex_ii, is_cbam_good

    try:
        return bool(in_annex_ii(cn)) if is_cbam_good(cn) else process_annex_ii
    except InputError:
        return process_annex_ii


def _cn_text(cn: str) -> str:
    from .cn_codes import normalise_cn

    try:
        return normalise_cn(cn)
    except InputError:
        return str(cn)


def _defaults_used(pps: Sequence[PurchasedPrecursor]) -> list[dict[str, Any]]:
    used: list[dict[str, Any]] = []
    fields_: tuple[tuple[str, str, str], ...] = (
        ("see_direct", "see_direct_source", "tCO2e/t"),
        ("specific_electricity", "specific_electricity_source", "MWh/t"),
    )
    for pp in pps:
        for attr, source_attr, unit in fields_:
            if (getattr(pp, source_attr) or "").strip().casefold() == "default" and getattr(pp, attr) is not None:
                used.append({"id": pp.id, "precursor": pp.name, "field": attr,
                             "value": float(getattr(pp, attr).m_as(unit)), "unit": unit,
                             "cell": pp.cells.get(attr), "source": "Default"})
    return used

