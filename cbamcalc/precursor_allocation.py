"""Embedded free allocation of the relevant precursors of complex goods, from the SEE engine's data.

On actual data the specific embedded free allocation (SEFA) of a complex good adds, to the
allocation of its own production process, the embedded free allocation of each relevant
precursor it consumed, recursively (IR (EU) 2025/2620; see :mod:`cbamcalc.free_allocation`):

.. code-block:: text

    SEFA_g = CBAM_y x CSCF_y x BM_A,g + sum_i m_i x SEFA_i
    m_i    = mass of precursor i consumed in the period / activity level of g's process   [t/t]

This module reads those ``m_i`` from the installation the engine ran on (the template's A
matrix: ``A[p, j]`` = amount of node *j* consumed per tonne produced by process *p*, nodes being
the own production processes, then the purchased precursors; see
:func:`cbamcalc.precursors.input_coefficients`), keeps the edges the act counts (a precursor whose
aggregated goods category is a *relevant precursor* of the consuming process's category), finds
each precursor's Column A benchmark (Column B for a purchased precursor whose SEE is a default
value) and hands :func:`cbamcalc.cost.cbam_cost` the precursor tree that
:func:`cbamcalc.free_allocation.precursor_chain` solves.

What the act says, and how sure this is
---------------------------------------
* Recursion on **direct** input coefficients: the precursor's mass is "the total mass of the
  precursor consumed during the reporting period divided by the activity level of the production
  process", and a complex precursor's own SEFA is computed the same way, recursively (secondary
  sources on IR (EU) 2025/2620 agree: azovpromstal, greenreporting.eu; the Article text itself was
  not read, [S]). The recursion applies the relevance test at every step, so the supply-chain
  totals ``(I - A)^-1`` (which would count inputs through non-relevant links) are *not* used.
* Relevant precursors: the Communication template's list per aggregated goods category
  (``CONST_LIST_Goods``, Parameters_Constants!R89:Y106; :data:`RELEVANT_PRECURSORS`). IR (EU)
  2023/1773 Annex II and the Commission's guidance for the definitive period also name inputs
  "if used in the process" of the same category (crude steel into crude steel, iron or steel
  products into iron or steel products, aluminium products, mixed fertilisers; pig iron or DRI
  from other installations); the template's list leaves them out and so does cbamcalc: their free
  allocation is not deducted (fewer certificates deducted, a conservative figure) and a warning
  names them.
* Production routes: Column A rows differ by route for unwrought aluminium ((K) primary, (L)
  secondary: Argus and alu-news on the annex), clinker ((A) grey, (B) white), crude steel ((C),
  (D), (E); (F)-(J) for alloy steel) and a few more. The model of an own production process holds
  no route (the reader sums D_Processes L16:L23 over routes), so where the benchmark depends on
  it the user states it (``precursor_route``). Purchased precursors carry the template's route
  names; only the aluminium names are translated (:data:`TEMPLATE_ROUTE_INDICATORS`).
* CN code: the benchmark table is per CN code. An own process uses the CN codes of its goods in
  Summary_Products; a purchased precursor those of its category. When the benchmarks of those
  codes (on the route) differ, the user states the precursor's CN code (``precursor_cn``);
  cbamcalc never picks one.
* Purchased precursors (cbamcalc's reading, a documented decision): on actual SEE, the Column A
  benchmark of their own production step only, since the buyer's data hold nothing of their own
  precursors (the producer's verified SEFA can be given by hand: ``cbam_cost(precursors=...)``
  with ``sefa``); on default values (E_PurchPrec column M "Default"), Column B, which covers the
  whole chain as default values do.
* Bubble processes (precursors produced inside one process): their masses are not in the data, so
  their free allocation is not counted, with a warning.

Units: masses per tonne [t/t], benchmarks [tCO2e/t]. Electricity is never a precursor here.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from .cn_codes import spaced
from .errors import InputError, ReferenceDataError

if TYPE_CHECKING:  # pandas is imported by the run-based functions: the precursor lists stay light for cbam_cost
    import pandas as pd

__all__ = [
    "RELEVANT_PRECURSORS",
    "TEMPLATE_ROUTE_INDICATORS",
    "PRECURSOR_COLUMNS",
    "is_relevant_precursor",
    "precursor_inputs",
    "precursors_from_run",
    "describe",
]

#: Relevant precursors of each aggregated goods category, as the Communication template lists
#: them (v2.1.1, ``CONST_LIST_Goods``, Parameters_Constants!R89:Y106; TEMPLATE_MAP.md section 4).
RELEVANT_PRECURSORS: Mapping[str, frozenset[str]] = {
    "Cement": frozenset({"Cement clinker", "Calcined clays"}),
    "Cement clinker": frozenset(),
    "Calcined clays": frozenset(),
    "Aluminous cement": frozenset(),
    "Iron or steel products": frozenset({"Crude steel"}),
    "Crude steel": frozenset({"Pig iron", "Direct reduced iron", "Alloys (FeMn, FeCr, FeNi)"}),
    "Direct reduced iron": frozenset({"Sintered Ore", "Hydrogen"}),
    "Pig iron": frozenset({"Sintered Ore", "Alloys (FeMn, FeCr, FeNi)"}),
    "Alloys (FeMn, FeCr, FeNi)": frozenset({"Sintered Ore"}),
    "Sintered Ore": frozenset(),
    "Hydrogen": frozenset(),
    "Ammonia": frozenset({"Hydrogen"}),
    "Nitric acid": frozenset({"Ammonia"}),
    "Urea": frozenset({"Ammonia"}),
    "Mixed fertilisers": frozenset({"Ammonia", "Nitric acid", "Urea"}),
    "Aluminium products": frozenset({"Unwrought aluminium"}),
    "Unwrought aluminium": frozenset(),
    "Electricity (export to EU)": frozenset(),
}

#: Benchmark route indicators of the template's production-route names (A_InstData G102:K102),
#: where the annex's meaning is documented: (K) primary, (L) secondary unwrought aluminium.
TEMPLATE_ROUTE_INDICATORS: Mapping[str, str] = {
    "primary (electrolytic) smelting": "K",
    "secondary melting (recycling)": "L",
}

#: Columns of :func:`precursors_from_run` (the first three are what ``cbam_cost(precursors=)`` reads).
PRECURSOR_COLUMNS = (
    "parent", "mass_per_t", "benchmark_a", "good", "node", "name", "kind", "category", "cumulative_mass_per_t",
    "precursor_cn", "precursor_route", "benchmark_column", "contribution", "source",
)

_CEMENT_CLINKER = "25231000"


def _key(text: Any) -> str:
    """Names and categories are matched ignoring case and repeated or trailing spaces."""
    return " ".join(str(text).split()).casefold()


_RELEVANT = {_key(k): frozenset(_key(x) for x in v) for k, v in RELEVANT_PRECURSORS.items()}


def is_relevant_precursor(category: str, precursor_category: str) -> bool:
    """Whether goods of ``precursor_category`` are a relevant precursor of goods of ``category``.

    Parameters
    ----------
    category : str
        Aggregated goods category of the consuming production process (template spelling; case
        and spaces ignored, so ``"Calcined clays "`` works).
    precursor_category : str
        Aggregated goods category of the input.

    Returns
    -------
    bool
        True when the template's list (:data:`RELEVANT_PRECURSORS`) names it.

    References
    ----------
    Communication template v2.1.1, Parameters_Constants!R89:Y106; IR (EU) 2023/1773 Annex II.

    Examples
    --------
    >>> is_relevant_precursor("Aluminium products", "Unwrought aluminium")
    True
    >>> is_relevant_precursor("Iron or steel products", "Iron or steel products")
    False
    """
    return _key(precursor_category) in _RELEVANT.get(_key(category), frozenset())


@cache
def _category_cns() -> dict[str, tuple[str, ...]]:
    from .cn_codes import cn_table

    t = cn_table()
    out: dict[str, list[str]] = {}
    for cn, cat in zip(t["cn_code"].astype(str), t["category"].astype(str), strict=True):
        out.setdefault(_key(cat), []).append(cn)
    return {k: tuple(v) for k, v in out.items()}


# --------------------------------------------------------------------------- the installation's A matrix


def precursor_inputs(result: Any, installation: Any) -> tuple[pd.DataFrame, np.ndarray]:
    """Nodes (own processes, then purchased precursors) and their direct input coefficients.

    Parameters
    ----------
    result : cbamcalc.result.InstallationResult
        Output of :func:`cbamcalc.pipeline.run_installation` on ``installation`` (its activity
        levels are the denominators).
    installation : cbamcalc.model.Installation
        The engine's input: ``sent_to`` of each process and ``consumed_in`` of each purchased
        precursor.

    Returns
    -------
    nodes : pandas.DataFrame
        Indexed by id (``"P1"``, ``"PP1"``): ``name``, ``kind`` (``"process"`` or
        ``"purchased"``), ``category``, ``routes`` (tuple of template route names),
        ``basis`` (``"actual"``, or ``"default"`` for a purchased precursor whose SEE direct is a
        default value), ``included_goods`` (tuple).
    a : numpy.ndarray, shape (n_nodes, n_nodes)
        ``a[i, j]``: amount of node *j* consumed per tonne produced by process *i*. [t/t]

    Notes
    -----
    The same matrix as the template's InputOutput!E7:AH36 (see
    :func:`cbamcalc.precursors.input_coefficients`); amounts sent to an electricity process
    (MWh) are left out.
    """
    import pandas as pd

    from .precursors import input_coefficients
    from .units import magnitudes

    procs = list(getattr(installation, "processes", []) or [])
    pps = list(getattr(installation, "purchased_precursors", []) or [])
    n = len(procs)
    index = {_key(p.name): i for i, p in enumerate(procs)}
    q = np.zeros((n, n + len(pps)))
    sources = [(j, p.sent_to or {}) for j, p in enumerate(procs)]
    sources += [(n + k, pp.consumed_in or {}) for k, pp in enumerate(pps)]
    for j, mapping in sources:
        for target, amount in mapping.items():
            i = index.get(_key(target))
            if i is None or amount is None:
                continue
            try:
                q[i, j] += float(magnitudes([amount.magnitude], amount.units, "t", field="amount consumed")[0])
            except InputError:  # MWh sent to an electricity process: never a precursor here
                continue
    activity = result.processes["activity_level"].reindex([p.id for p in procs]).to_numpy(dtype=float)
    a = input_coefficients(q, np.nan_to_num(activity))
    nodes = pd.DataFrame({
        "name": [p.name for p in procs] + [pp.name for pp in pps],
        "kind": ["process"] * n + ["purchased"] * len(pps),
        "category": [p.category for p in procs] + [pp.category for pp in pps],
        "routes": [()] * n + [tuple(pp.routes or ()) for pp in pps],
        "basis": ["actual"] * n + ["default" if _key(pp.see_direct_source or "") == "default" else "actual"
                                   for pp in pps],
        "included_goods": [tuple(p.included_goods or ()) for p in procs] + [()] * len(pps),
    }, index=pd.Index([p.id for p in procs] + [pp.id for pp in pps], name="id"))
    return nodes, a


# --------------------------------------------------------------------------- benchmark of a precursor


@dataclass(repr=False, eq=False)  # internal: only __init__ is generated (start-up)
class _Resolved:
    value: float
    cn: str
    route: str
    column: str
    source: str


@dataclass(repr=False, eq=False)  # internal: only __init__ is generated (start-up)
class _Resolver:
    nodes: pd.DataFrame
    products: pd.DataFrame
    precursor_cn: dict[str, str]
    precursor_route: dict[str, str]
    cache: dict[tuple[str, str], _Resolved | None] = field(default_factory=dict)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def statement(self, mapping: dict[str, str], node: str) -> str | None:
        row = self.nodes.loc[node]
        return mapping.get(_key(node)) or mapping.get(_key(row["name"]))

    def label(self, node: str) -> str:
        row = self.nodes.loc[node]
        return f"precursor {row['name']!r} ({node}, {row['category']})"

    def resolve(self, node: str) -> _Resolved | None:
        row = self.nodes.loc[node]
        column = "B" if row["basis"] == "default" else "A"
        if (node, column) not in self.cache:
            self.cache[(node, column)] = self._resolve(node, column)
        return self.cache[(node, column)]

    def _skip(self, node: str, reason: str) -> None:
        row = self.nodes.loc[node]
        self.skipped.append({"node": node, "name": row["name"], "category": row["category"], "reason": reason})
        self.notes.append(f"{self.label(node)} not counted in the free-allocation adjustment: {reason}")

    def _resolve(self, node: str, column: str) -> _Resolved | None:
        from .benchmarks import benchmark, normalise_route, routes_of
        from .cn_codes import normalise_cn

        row = self.nodes.loc[node]
        cat = _key(row["category"])
        stated_cn = self.statement(self.precursor_cn, node)
        stated_route = self.statement(self.precursor_route, node)
        if stated_cn is not None:
            cn = normalise_cn(stated_cn, field="precursor_cn")
            if cn not in _category_cns().get(cat, ()):
                raise InputError(f"{self.label(node)}: the CN code stated is not a good of its category",
                                 field="precursor_cn", expected=f"a CN code of {row['category']}",
                                 found=spaced(cn))
            candidates: tuple[str, ...] = (cn,)
            origin = "stated"
        else:
            own: tuple[str, ...] = ()
            if row["kind"] == "process" and len(self.products):
                sel = self.products[self.products["process_id"].astype(str) == str(node)]
                own = tuple(dict.fromkeys(sel["cn_code"].astype(str)))
            candidates = own or _category_cns().get(cat, ())
            origin = "goods of the process" if own else f"CN codes of {row['category']}"
        if not candidates:
            self._skip(node, f"no CBAM CN code for the category {row['category']!r}")
            return None
        # route letters: stated (a letter or a template route name), else the purchased precursor's routes
        letters: tuple[str, ...] = ()
        route_origin = ""
        if stated_route is not None:
            letter = TEMPLATE_ROUTE_INDICATORS.get(_key(stated_route))
            letters = (letter,) if letter else (normalise_route(stated_route, field="precursor_route"),)
            route_origin = "stated"
        elif row["routes"]:
            mapped = [TEMPLATE_ROUTE_INDICATORS.get(_key(r)) for r in row["routes"]]
            if all(mapped):
                letters = tuple(dict.fromkeys(m for m in mapped if m))
                route_origin = "template route " + "/".join(row["routes"])
        # Column rows of every candidate, filtered by the route letters when known
        options: dict[str, dict[str, float]] = {}
        sources: dict[tuple[str, str], str] = {}
        for cn in candidates:
            try:
                routes = routes_of(cn, column=column)  # type: ignore[arg-type]
            except ReferenceDataError:
                routes = ()
            vals: dict[str, float] = {}
            for r in routes:
                if letters and r and not any(r == x or (r[:1] == x and "(" in r) for x in letters):
                    continue
                b = benchmark(cn, route=r or None, column=column)  # type: ignore[arg-type]
                vals[r] = b.value
                sources[(cn, r)] = b.source
            if vals:
                options[cn] = vals
        if not options:
            if stated_route is not None:
                listed = ", ".join(sorted({r or "(none)" for cn in candidates for r in routes_of(cn, column=column)}))  # type: ignore[arg-type]
                raise InputError(f"{self.label(node)}: no Column {column} benchmark for the route stated",
                                 field="precursor_route", expected=f"one of {listed}", found=stated_route)
            self._skip(node, f"no Column {column} benchmark row (IR (EU) 2025/2620 Annex) for "
                             + ", ".join(spaced(c) for c in candidates[:5]))
            return None
        distinct = sorted({round(v, 9) for vals in options.values() for v in vals.values()})
        if len(distinct) == 1:
            cn0 = next(iter(options))
            r0 = next(iter(options[cn0]))
            cn_text = spaced(cn0) if len(options) == 1 else f"any of {len(options)} {origin}"
            if route_origin and route_origin != "stated":
                self.notes.append(f"{self.label(node)}: route ({r0}) from its {route_origin}; "
                                  "give precursor_route to choose another")
            return _Resolved(float(options[cn0][r0]), cn_text, r0, column, sources[(cn0, r0)])
        # ambiguous: by route (one CN code) or by CN code
        if len(options) == 1:
            cn0 = next(iter(options))
            listed = ", ".join(f"{r} ({v:g})" for r, v in options[cn0].items())
            raise InputError(
                f"{self.label(node)}: its Column {column} benchmark (CN {spaced(cn0)}) depends on the production "
                f"route, which the data do not state; give it as precursor_route={{{row['name']!r}: <route>}}",
                field="precursor_route", expected=f"one of {listed}", found=stated_route)
        raise InputError(
            f"{self.label(node)}: its Column {column} benchmark depends on its CN code; cbamcalc does not guess it: "
            f"give it as precursor_cn={{{row['name']!r}: <CN code>}}"
            + ("" if letters else " (and precursor_route where the code has several routes)"),
            field="precursor_cn", expected="one of " + _choices(options), found=stated_cn)


def _choices(options: dict[str, dict[str, float]]) -> str:
    """CN codes grouped by their benchmarks: ``7202 11 20, 7202 11 80 (route 1: 1.361, route 2: 1.277); ...``."""
    groups: dict[str, list[str]] = {}
    for cn, vals in options.items():
        sig = ", ".join(f"route {r}: {v:g}" if r else f"{v:g}" for r, v in vals.items())
        groups.setdefault(sig, []).append(spaced(cn))
    parts = []
    for sig, cns in groups.items():
        shown = ", ".join(cns[:4]) + (f" and {len(cns) - 4} more" if len(cns) > 4 else "")
        parts.append(f"{shown} ({sig})")
    return "; ".join(parts)


# --------------------------------------------------------------------------- the tree per good


def _mapping(values: Mapping[str, Any] | None, nodes: pd.DataFrame, field_name: str) -> dict[str, str]:
    if not values:
        return {}
    known = {_key(i) for i in nodes.index} | {_key(n) for n in nodes["name"]}
    out: dict[str, str] = {}
    for k, v in dict(values).items():
        if _key(k) not in known:
            raise InputError("no precursor of that name or id in the installation", field=field_name,
                             expected="one of " + ", ".join(f"{i} {n!r}" for i, n in nodes["name"].items()),
                             found=str(k))
        out[_key(k)] = str(v)
    return out


def precursors_from_run(
    result: Any,
    goods: pd.DataFrame,
    *,
    installation: Any,
    precursor_cn: Mapping[str, str] | None = None,
    precursor_route: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Relevant precursors of each good, per tonne of good, with their benchmarks, from the engine's data.

    Parameters
    ----------
    result : cbamcalc.result.InstallationResult
        Output of :func:`cbamcalc.pipeline.run_installation`.
    goods : pandas.DataFrame
        Output of :func:`cbamcalc.cost.goods_from_run` (columns ``cn_code``, ``process`` and, for
        cement, ``clinker_content`` [t/t]); its index labels are the parents of the tree's roots.
    installation : cbamcalc.model.Installation
        The engine's input (precursor flows, categories, routes, data source of purchased SEE).
    precursor_cn : mapping of str to str, optional
        CN code of a precursor, by its name or id (``{"FeNi (28% Ni)": "7202 60 00"}``); needed
        where the benchmarks of the CN codes it could be differ.
    precursor_route : mapping of str to str, optional
        Production route of a precursor, by name or id: a benchmark route indicator (``"K"``,
        ``"(E)"``, ``"1"``) or a template route name (``"Primary (electrolytic) smelting"``);
        needed where the benchmark depends on it.

    Returns
    -------
    pandas.DataFrame
        One row per precursor and path (:data:`PRECURSOR_COLUMNS`), indexed ``"run:<good>/<id>/..."``:
        ``parent`` (a goods label or another row's id), ``mass_per_t`` (per tonne of the parent)
        [t/t], ``benchmark_a`` (the benchmark used: Column A, or Column B for a purchased precursor
        on default values) [tCO2e/t], and for the record ``good``, ``node``, ``name``, ``kind``,
        ``category``, ``cumulative_mass_per_t`` (per tonne of good's functional unit) [t/t],
        ``precursor_cn``, ``precursor_route``, ``benchmark_column``, ``contribution``
        (cumulative mass x benchmark) [tCO2e/t] and ``source`` (annex cell). ``attrs`` hold
        ``skipped`` (precursors consumed but not counted, with the reason), ``implicit`` (the
        cement clinker :func:`~cbamcalc.cost.cbam_cost` adds itself) and ``warnings``.

    Raises
    ------
    InputError
        A precursor whose benchmark depends on a CN code or route the data do not state (the
        message names it and lists the choices), a stated CN code of another category, a route
        without a benchmark row, a name in ``precursor_cn`` / ``precursor_route`` that is no
        precursor of the installation.

    Notes
    -----
    ``SEFA_g = CBAM_y x CSCF_y x (BM_A,g + sum_i m_i BM_i + sum_i m_i sum_k m_ik BM_k + ...)``: the
    rows are the paths of that recursion (IR (EU) 2025/2620; see module docstring). Cement
    2523 21/29/90 is counted per tonne of clinker contained: its clinker is the precursor
    :func:`cbamcalc.cost.cbam_cost` adds itself (1 t per t clinker contained, Column A of the
    clinker route), so the run's clinker flow is not added again; calcined clays, when consumed,
    are (per t clinker contained), and the clinker row is then written out explicitly.

    Examples
    --------
    >>> inst = read_communication_template("EC_v2.1_example6_aluminium_FILLED.xlsx")  # doctest: +SKIP
    >>> run = run_installation(inst)  # doctest: +SKIP
    >>> goods = goods_from_run(run, pd.DataFrame({"cn_code": ["76051900"], "quantity": [1.0]}))  # doctest: +SKIP
    >>> precursors_from_run(run, goods, installation=inst,
    ...                     precursor_route={"Primary smelting": "K"})[["mass_per_t", "benchmark_a"]]  # doctest: +SKIP
    """
    import pandas as pd

    from .benchmarks import benchmark
    from .cost import CEMENT_FUNCTIONAL_UNIT_CN

    nodes, a = precursor_inputs(result, installation)
    res = _Resolver(nodes, getattr(result, "products", pd.DataFrame()),
                    _mapping(precursor_cn, nodes, "precursor_cn"), _mapping(precursor_route, nodes, "precursor_route"))
    ids = list(nodes.index)
    cats = [_key(c) for c in nodes["category"]]
    n_proc = int((nodes["kind"] == "process").sum())
    rel = np.zeros_like(a, dtype=bool)
    for i in range(n_proc):
        for jj in np.flatnonzero(a[i] > 0):
            rel[i, jj] = is_relevant_precursor(cats[i], cats[jj])
    rows: list[dict[str, Any]] = []
    implicit: list[dict[str, Any]] = []
    not_relevant: dict[tuple[str, str], None] = {}
    bubble: dict[str, None] = {}
    by_name = {_key(n): i for i, n in enumerate(nodes["name"]) if i < n_proc}
    for label, good in goods.iterrows():
        proc = str(good.get("process", ""))
        root = by_name.get(_key(proc))
        if root is None:
            continue
        cn = str(good["cn_code"]).replace(" ", "")
        fu = cn in CEMENT_FUNCTIONAL_UNIT_CN
        c = float(good["clinker_content"]) if fu and "clinker_content" in goods and pd.notna(
            good["clinker_content"]) else np.nan
        scale = 1.0 / c if fu and c > 0 else 1.0
        g = str(label)
        # bubble processes: relevant precursors produced inside, masses unknown
        for inc in nodes["included_goods"].iloc[root]:
            if is_relevant_precursor(cats[root], inc) and not (fu and _key(inc) == "cement clinker"):
                bubble.setdefault(f"{inc} inside {nodes['name'].iloc[root]!r}", None)
        # depth-first over relevant edges; stack of (node, parent row id, path mass, direct mass, on-path set)
        stack: list[tuple[int, str, float, float, tuple[int, ...]]] = []
        good_rows: list[dict[str, Any]] = []
        explicit_clinker = False
        for first in map(int, np.flatnonzero(a[root] > 0)[::-1]):
            if not rel[root, first]:
                not_relevant.setdefault((ids[first], nodes["category"].iloc[root]), None)
                continue
            m = float(a[root, first]) * scale
            if fu and cats[first] == "cement clinker":
                continue  # the clinker contained: cbam_cost counts it (1 t per t clinker contained)
            explicit_clinker = explicit_clinker or fu
            stack.append((first, g, m, m, (root,)))
        while stack:
            j, parent, cum, m, path = stack.pop()
            r = res.resolve(ids[j])
            if r is None:
                continue
            rid = f"{parent if parent != g else 'run:' + g}/{ids[j]}"
            good_rows.append({
                "id": rid, "parent": parent, "mass_per_t": m, "benchmark_a": r.value, "good": label,
                "node": ids[j], "name": nodes["name"].iloc[j], "kind": nodes["kind"].iloc[j],
                "category": nodes["category"].iloc[j], "cumulative_mass_per_t": cum, "precursor_cn": r.cn,
                "precursor_route": r.route, "benchmark_column": r.column, "contribution": cum * r.value,
                "source": r.source,
            })
            if j >= n_proc:
                continue
            for k in map(int, np.flatnonzero(a[j] > 0)[::-1]):
                if not rel[j, k]:
                    not_relevant.setdefault((ids[k], nodes["category"].iloc[j]), None)
                    continue
                mk = float(a[j, k])
                if k in path or k == j:  # never with the template list (no category is its own precursor)
                    continue
                stack.append((k, rid, cum * mk, mk, (*path, j)))
        route = good.get("route") if "route" in goods else None
        route = route if isinstance(route, str) and route.strip() else CEMENT_FUNCTIONAL_UNIT_CN.get(cn)
        clinker_bm = benchmark(_CEMENT_CLINKER, route=route, column="A") if fu and route else None
        if fu and not (explicit_clinker and good_rows and clinker_bm):
            implicit.append({"good": label, "name": "cement clinker contained", "mass_per_t": 1.0,
                             "route": route, "benchmark_a": clinker_bm.value if clinker_bm else np.nan,
                             "note": "added by cbam_cost: 1 t per t clinker contained, Column A of the clinker "
                                     "route"})
        if explicit_clinker and good_rows:
            if clinker_bm:
                b = clinker_bm
                good_rows.insert(0, {
                    "id": f"run:{g}/clinker", "parent": g, "mass_per_t": 1.0, "benchmark_a": b.value, "good": label,
                    "node": "", "name": "cement clinker contained", "kind": "functional unit",
                    "category": "Cement clinker", "cumulative_mass_per_t": 1.0, "precursor_cn": spaced(_CEMENT_CLINKER),
                    "precursor_route": b.route, "benchmark_column": "A", "contribution": b.value, "source": b.source,
                })
        rows.extend(good_rows)
    notes = list(dict.fromkeys(res.notes))
    for node, cat in not_relevant:
        row = nodes.loc[node]
        res.skipped.append({"node": node, "name": row["name"], "category": row["category"],
                            "reason": f"not a relevant precursor of {cat} (template list)"})
        notes.append(f"precursor {row['name']!r} ({node}, {row['category']}) is consumed by a process of category "
                     f"{cat} but is not a relevant precursor of {cat} in the template's list: its free allocation "
                     "is not counted")
    for text in bubble:
        notes.append(f"free allocation of {text} (bubble approach) not counted: the data hold no mass per tonne")
    out = pd.DataFrame(rows, columns=["id", *PRECURSOR_COLUMNS]).set_index("id")
    out.index.name = None
    out.attrs["skipped"] = res.skipped
    out.attrs["implicit"] = implicit
    out.attrs["warnings"] = notes
    for message in notes:
        warnings.warn(message, UserWarning, stacklevel=2)
    return out


def describe(precursors: pd.DataFrame, goods_index: Sequence[Any]) -> list[str]:
    """One short text per good: which precursors were counted, per tonne, with which benchmark."""
    texts: dict[str, list[str]] = {str(g): [] for g in goods_index}
    for rec in precursors.to_dict("records"):
        route = f" route {rec['precursor_route']}" if rec["precursor_route"] else ""
        texts.setdefault(str(rec["good"]), []).append(
            f"{rec['name']} {rec['cumulative_mass_per_t']:.4g} t/t x {rec['benchmark_a']:g} "
            f"(Column {rec['benchmark_column']}, CN {rec['precursor_cn']}{route})")
    for rec in precursors.attrs.get("implicit", []):
        texts.setdefault(str(rec["good"]), []).append(
            f"{rec['name']} 1 t/t x {rec['benchmark_a']:g} (Column A, CN 2523 10 00 route {rec['route']}; "
            "added by cbam_cost)")
    return ["; ".join(texts.get(str(g), [])) for g in goods_index]
