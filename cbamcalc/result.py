"""The result of :func:`cbamcalc.pipeline.run_installation`: SEE per process and per good.

Units: tonnes (t), terajoules (TJ), megawatt hours (MWh), tonnes of CO2 equivalent
(tCO2e). Goods of the category "Electricity (export to EU)" are counted in MWh instead of
t; their SEE is in tCO2e/MWh.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import pandas as pd

__all__ = ["InstallationTotals", "InstallationResult", "PROCESS_COLUMNS", "PRODUCT_COLUMNS", "JSON_PROCESS_KEYS",
           "JSON_PRODUCT_KEYS"]

#: ``to_dict()["processes"]`` keys: the documented contract (issue 4) first, then extras.
JSON_PROCESS_KEYS: tuple[str, ...] = (
    "id", "name", "aggregated_goods_category", "activity_level_t", "see_direct", "see_indirect", "see_total",
    "embedded_electricity_mwh_per_t",
    "se_direct", "se_indirect", "specific_electricity_mwh_per_t", "default_share", "electricity_ef_source",
    "directly_attributable_emissions_t", "heat_emissions_t", "waste_gas_emissions_t",
    "attributed_direct_emissions_t", "indirect_emissions_t", "annex_ii", "see_indirect_counted", "see_counted",
)
#: ``to_dict()["products"]`` keys: the documented contract (issue 4) first, then extras.
JSON_PRODUCT_KEYS: tuple[str, ...] = (
    "process", "cn_code", "product", "see_direct", "see_indirect", "see_total", "default_share",
    "process_id", "aggregated_goods_category", "unit", "embedded_electricity_mwh_per_t", "electricity_ef_source",
    "default_share_of_process", "annex_ii", "see_indirect_counted", "see_counted",
)
_JSON_FROM = {
    "id": None, "activity_level_t": "activity_level", "embedded_electricity_mwh_per_t": "embedded_electricity",
    "specific_electricity_mwh_per_t": "specific_electricity_consumption",
    "directly_attributable_emissions_t": "directly_attributable_emissions", "heat_emissions_t": "heat_emissions",
    "waste_gas_emissions_t": "waste_gas_emissions", "attributed_direct_emissions_t": "attributed_direct_emissions",
    "indirect_emissions_t": "indirect_emissions",
}


def _plain(value: Any) -> Any:
    """A JSON-ready scalar: numpy numbers as Python numbers, NaN as None."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value

#: Columns of :attr:`InstallationResult.processes`: (name, unit, content, template cell of P1).
PROCESS_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("name", "", "process name, the key used across the template", "A_InstData!L83"),
    ("aggregated_goods_category", "", "aggregated goods category", "A_InstData!E83"),
    ("activity_level", "t", "total production in the period (MWh for electricity)",
     "Summary_Processes!N71"),
    ("directly_attributable_emissions", "tCO2e", "DirEm*", "Summary_Processes!H71"),
    ("heat_emissions", "tCO2e", "net measurable heat imported minus exported", "Summary_Processes!I71"),
    ("waste_gas_emissions", "tCO2e", "waste gases imported minus exported", "Summary_Processes!J71"),
    ("attributed_direct_emissions", "tCO2e", "DirEm* + heat + waste gases", "Summary_Processes!K71"),
    ("electricity_exported_emissions", "tCO2e", "electricity exported x its EF (deducted from SE)",
     "D_Processes!T72"),
    ("indirect_emissions", "tCO2e", "electricity consumed x its EF", "Summary_Processes!L71"),
    ("electricity_consumption", "MWh", "electricity consumed", "D_Processes!L65"),
    ("se_direct", "tCO2e/t", "specific direct emissions of the process alone", "Summary_Processes!G102"),
    ("se_indirect", "tCO2e/t", "specific indirect emissions of the process alone",
     "Summary_Processes!I102"),
    ("specific_electricity_consumption", "MWh/t", "electricity per t of the process alone",
     "Summary_Processes!K102"),
    ("see_direct", "tCO2e/t", "specific embedded direct emissions, precursors included",
     "Summary_Processes!H102"),
    ("see_indirect", "tCO2e/t", "specific embedded indirect emissions, precursors included",
     "Summary_Processes!J102"),
    ("see_total", "tCO2e/t", "see_direct + see_indirect", "Summary_Products!K"),
    ("embedded_electricity", "MWh/t", "electricity embedded along the supply chain",
     "Summary_Processes!L102"),
    ("default_share", "fraction", "share of SEE direct from default values (NaN when SEE direct is 0)",
     "Summary_Processes!AG162"),
    ("electricity_ef_source", "", "source of the electricity emission factor", "D_Processes!L67"),
    ("annex_ii", "", "the aggregated goods category is listed in Annex II of Reg. (EU) 2023/956, so only direct "
     "emissions count (Art. 7(1); data: emission_factors/annex_ii_Reg2023-956.csv)", ""),
    ("see_indirect_counted", "tCO2e/t", "SEE indirect that counts for the CBAM obligation: indirect emissions "
     "arising in the production of goods not in Annex II, precursors included (IR (EU) 2025/2547 Annex I 3.1)",
     ""),
    ("see_counted", "tCO2e/t", "SEE that counts for the CBAM obligation: see_direct + see_indirect_counted", ""),
)

#: Columns of :attr:`InstallationResult.products`, in Summary_Products terms.
PRODUCT_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("process", "", "production process name as written in the template", "Summary_Products!D10"),
    ("process_id", "", "P1 ... P10", ""),
    ("aggregated_goods_category", "", "category of the process", "Summary_Products!E10"),
    ("cn_code", "", "CN code, 8 digits (text)", "Summary_Products!F10"),
    ("product", "", "product name", "Summary_Products!H10"),
    ("see_direct", "tCO2e/t", "SEE direct", "Summary_Products!I10"),
    ("see_indirect", "tCO2e/t", "SEE indirect", "Summary_Products!J10"),
    ("see_total", "tCO2e/t", "SEE total", "Summary_Products!K10"),
    ("unit", "", "unit of the SEE (tCO2e/t, or tCO2e/MWh for electricity)", "Summary_Products!L10"),
    ("default_share", "fraction", "share of emissions from default values, as the template shows it",
     "Summary_Products!M10"),
    ("default_share_of_process", "fraction", "share of default values of the process (differs from "
     "default_share only where the template's lookup shows FALSE, see pipeline._shadowed)",
     "Summary_Processes!AG162"),
    ("electricity_ef_source", "", "source of the electricity emission factor", "Summary_Products!N10"),
    ("embedded_electricity", "MWh/t", "embedded electricity", "Summary_Products!O10"),
    ("annex_ii", "", "the CN code is listed in Annex II of Reg. (EU) 2023/956, so only direct "
     "emissions count (Art. 7(1); data: emission_factors/annex_ii_Reg2023-956.csv)", ""),
    ("see_indirect_counted", "tCO2e/t", "SEE indirect that counts for the CBAM obligation: indirect emissions "
     "arising in the production of goods not in Annex II, precursors included (IR (EU) 2025/2547 Annex I 3.1)",
     ""),
    ("see_counted", "tCO2e/t", "SEE that counts for the CBAM obligation: see_direct + see_indirect_counted", ""),
)


@dataclass(frozen=True)
class InstallationTotals:
    """Installation totals as C_Emissions&Energy computes them, and their attribution check.

    NaN where the template shows a blank. Emissions in tCO2e, energy in TJ.
    """

    fuel_input_from_sources: float
    """Fuel input from the source streams [TJ] (C_Emissions&Energy!H15)."""
    fuel_input_total: float
    """Total fuel input, manual entry if given [TJ] (H17)."""
    fuel_input_cbam_goods: float
    """Direct fuel input for CBAM goods [TJ] (I17)."""
    fuel_input_electricity: float
    """Fuel input for electricity production [TJ] (J17)."""
    fuel_input_non_cbam: float
    """Direct fuel input for non-CBAM goods [TJ] (K17)."""
    fuel_input_rest: float
    """Fuel input not split [TJ] (L17)."""
    co2_from_sources: float
    """Fossil CO2 from source streams and CO2 measurement [tCO2e] (H25)."""
    biomass_from_sources: float
    """Biomass CO2, reported, not counted [tCO2e] (I25)."""
    n2o_from_sources: float
    """N2O from measurement, as CO2e [tCO2e] (J25)."""
    pfc_from_sources: float
    """PFC as CO2e [tCO2e] (K25)."""
    direct_from_sources: float
    """CO2 + N2O + PFC from B_EmInst [tCO2e] (L25)."""
    co2: float
    """CO2, manual entry if given [tCO2e] (H27)."""
    biomass: float
    """Biomass CO2, manual entry if given [tCO2e] (I27)."""
    n2o: float
    """N2O, manual entry if given [tCO2e] (J27)."""
    pfc: float
    """PFC, manual entry if given [tCO2e] (K27)."""
    direct: float
    """Total direct emissions of the installation [tCO2e] (L27)."""
    indirect: float
    """Total indirect emissions, as entered [tCO2e] (M27)."""
    total: float
    """Direct + indirect [tCO2e] (N27)."""
    calculation_based: float
    """Direct emissions by the calculation-based method [tCO2e] (H32)."""
    pfc_based: float
    """PFC emissions [tCO2e] (I32)."""
    measurement_based: float
    """Emissions by measurement [tCO2e] (J32)."""
    other_methods: float
    """Direct emissions not explained by the three methods [tCO2e] (K32)."""
    attributed_direct: float
    """Sum of direct emissions attributed to processes [tCO2e] (Summary_Processes!K81)."""
    attributed_indirect: float
    """Sum of indirect emissions attributed to processes [tCO2e] (Summary_Processes!L81)."""
    unattributed_direct: float
    """Direct emissions not attributed to a process; should be 0 [tCO2e] (Summary_Processes!K85)."""
    unattributed_indirect: float
    """Indirect emissions not attributed to a process; should be 0 [tCO2e] (Summary_Processes!L85)."""

    def as_dict(self) -> dict[str, float | None]:
        """The totals as a plain dict, NaN as None (JSON-ready)."""
        return {f.name: (None if math.isnan(v := getattr(self, f.name)) else v) for f in fields(self)}


@dataclass
class InstallationResult:
    """SEE per production process and per good, with installation totals and provenance."""

    processes: pd.DataFrame
    """One row per production process (index: "P1" ...), columns in :data:`PROCESS_COLUMNS`
    (activity level [t], emissions [tCO2e], SE/SEE [tCO2e/t], electricity [MWh, MWh/t],
    default share [fraction])."""
    products: pd.DataFrame
    """One row per good, in Summary_Products order, columns in :data:`PRODUCT_COLUMNS`
    (SEE [tCO2e/t], embedded electricity [MWh/t], default share [fraction])."""
    purchased_precursors: pd.DataFrame
    """One row per purchased precursor (index: "PP1" ...): name, category, country, amount
    consumed [t], SEE direct and indirect [tCO2e/t], specific electricity [MWh/t],
    whether its SEE direct is a default value, whether its category is in Annex II of Reg. (EU)
    2023/956 (``annex_ii``) and the part of its SEE indirect that counts (``see_indirect_counted``
    [tCO2e/t]: all of it, or 0 for an Annex II category)."""
    totals: InstallationTotals
    """Installation totals (C_Emissions&Energy) and the attribution check (Summary_Processes 81-85)."""
    data_version: str
    """Version of cbamcalc's reference data (legal constants) used."""
    cbamcalc_version: str
    """Version of cbamcalc that computed the result."""
    template_version: str | None = None
    """Communication template version of the input ("2.1", "2.1.1"), None when not read from one."""
    source_file: str | None = None
    """Input file name, when read from a file."""
    warnings: list[str] = field(default_factory=list)
    """Non-fatal findings (also issued with :func:`warnings.warn`)."""
    default_values_used: list[dict[str, Any]] = field(default_factory=list)
    """Every default value in the inputs: purchased precursor, field, value, unit, source."""
    constants_used: dict[str, float] = field(default_factory=dict)
    """Legal constants of the reference data the calculation used (GWP, 3.664, 56.1, 0.667)."""
    cost: pd.DataFrame | None = None
    """CBAM obligation and cost per good exported and year (:func:`cbamcalc.cost.cbam_cost`
    columns: certificates [tCO2e], cost [EUR, THB], ...), when ``run_installation`` was given
    the quantities exported; otherwise None."""

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (the ``cbamcalc run --json`` object).

        Keys: ``cbamcalc_version``, ``data_version``, ``template_version``, ``processes``
        (list of objects with :data:`JSON_PROCESS_KEYS`), ``products`` (Summary_Products
        order, :data:`JSON_PRODUCT_KEYS`; ``cn_code`` an 8-digit string), then
        ``installation_totals``, ``warnings``, ``default_values_used``, ``constants_used``,
        ``source_file``. SEE in tCO2e/t, electricity in MWh/t, NaN as null.
        """
        processes = []
        for pid, row in self.processes.iterrows():
            processes.append({k: _plain(pid if k == "id" else row[_JSON_FROM.get(k) or k])
                              for k in JSON_PROCESS_KEYS})
        products = []
        for _, row in self.products.iterrows():
            item = {k: _plain(row["embedded_electricity" if k == "embedded_electricity_mwh_per_t" else k])
                    for k in JSON_PRODUCT_KEYS}
            item["cn_code"] = str(item["cn_code"])
            products.append(item)
        return {
            "cbamcalc_version": self.cbamcalc_version,
            "data_version": self.data_version,
            "template_version": self.template_version,
            "processes": processes,
            "products": products,
            "installation_totals": self.totals.as_dict(),
            "warnings": list(self.warnings),
            "default_values_used": [{k: _plain(v) for k, v in d.items()} for d in self.default_values_used],
            "constants_used": dict(self.constants_used),
            "source_file": self.source_file,
        } | ({} if self.cost is None else {
            "cost": [{k: _plain(v) for k, v in rec.items()} for rec in self.cost.to_dict("records")]
        })
