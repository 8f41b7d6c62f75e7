"""The installation as plain data: what the Communication template asks, field by field.

These dataclasses hold parameters and nothing else: no computation, no I/O. Quantities
with a dimension are :class:`pint.Quantity` objects (any unit of the right dimension:
``Q_(2.234, "Mt")`` and ``Q_(2_234_000, "t")`` are the same activity level); pure
ratios (oxidation factor, biomass content, collection efficiency) are plain floats
between 0 and 1. ``None`` means a blank cell: it counts as zero where the template sums
it, and as "missing" where the template requires it.

Every object may carry ``cells``, a map from its field names to the workbook cell the
value came from (``"D_Processes!L54"``), so that errors found later name the cell.

The templates' unit per field (the internal units of :mod:`cbamcalc.units`) is given in
brackets in each docstring.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pint

__all__ = [
    "activity_unit",
    "SourceStreamMethod",
    "PFCMethod",
    "MeasuredGas",
    "DataSource",
    "SourceStream",
    "PFCSource",
    "MeasuredSource",
    "InstallationTotalsInput",
    "ProductionProcess",
    "PurchasedPrecursor",
    "Good",
    "Installation",
]

#: Monitoring approach of a source stream (B_EmInst column D).
SourceStreamMethod = Literal["combustion", "process_emissions", "mass_balance"]
#: PFC calculation method (B_EmInst column D, rows 98-107).
PFCMethod = Literal["slope", "overvoltage"]
#: Greenhouse gas measured by a continuous emission measurement system.
MeasuredGas = Literal["CO2", "N2O"]
#: Source of a purchased precursor's data (E_PurchPrec column M).
DataSource = Literal["Measured", "Default", "Unknown"]

Cells = Mapping[str, str]


def activity_unit(category: str) -> str:
    """Unit of the activity level of an aggregated goods category: ``"MWh"`` for electricity, else ``"t"``.

    The template's ``CONST_LIST_GoodsUnit`` (Parameters_Constants!B89:B106).

    Examples
    --------
    >>> activity_unit("Electricity (export to EU)"), activity_unit("Cement")
    ('MWh', 't')
    """
    return "MWh" if " ".join(category.split()).casefold() == "electricity (export to eu)" else "t"


@dataclass
class SourceStream:
    """A source stream monitored by the calculation-based method (B_EmInst section (a)).

    Attributes
    ----------
    method : {"combustion", "process_emissions", "mass_balance"}
        Monitoring approach.
    name : str
        Source stream name (the template counts a stream without a name as incomplete).
    activity_data : pint.Quantity
        Amount of fuel or material in the reporting period [t or kNm3]. Mass-balance
        output streams are negative.
    net_calorific_value : pint.Quantity, optional
        NCV [GJ/t or GJ/kNm3]; needed when the emission factor is per energy.
    emission_factor : pint.Quantity, optional
        EF [tCO2e/TJ, tCO2e/t or tCO2e/kNm3]; combustion and process emissions.
    carbon_content : pint.Quantity, optional
        Carbon content [tC/t or tC/kNm3]; mass balance.
    oxidation_factor : float, optional
        OxF [fraction]; blank is 1. Combustion.
    conversion_factor : float, optional
        ConvF [fraction]; blank is 1. Process emissions.
    biomass_fraction : float, optional
        Biomass content [fraction]; blank is 0.
    cells : Mapping[str, str]
        Workbook cell of each field, for messages.
    """

    method: SourceStreamMethod
    name: str
    activity_data: pint.Quantity | None
    net_calorific_value: pint.Quantity | None = None
    emission_factor: pint.Quantity | None = None
    carbon_content: pint.Quantity | None = None
    oxidation_factor: float | None = None
    conversion_factor: float | None = None
    biomass_fraction: float | None = None
    cells: Cells = field(default_factory=dict)


@dataclass
class PFCSource:
    """PFC emissions of primary aluminium smelting (B_EmInst section (b)).

    Attributes
    ----------
    method : {"slope", "overvoltage"}
        Calculation method of IR (EU) 2023/1773, Annex III, section B.7.
    technology : str
        Cell technology type (e.g. "Centre Worked Pre-Bake (CWPB)").
    aluminium_produced : pint.Quantity
        Primary aluminium produced [t].
    anode_effect_frequency : float, optional
        Slope method: anode effects per cell-day [AE/cell-day].
    anode_effect_duration : float, optional
        Slope method: average duration [AE-min/occurrence].
    slope_cf4 : float, optional
        Slope emission factor of CF4 [(kg CF4/t Al)/(AE-min/cell-day)].
    anode_effect_overvoltage : float, optional
        Overvoltage method: AEO [mV/cell].
    current_efficiency : float, optional
        Overvoltage method: aluminium production current efficiency [fraction].
    overvoltage_coefficient : float, optional
        Overvoltage method: OVC [(kg CF4/t Al)/(mV)].
    c2f6_weight_fraction : float, optional
        Weight fraction of C2F6 per CF4 [t C2F6/t CF4].
    collection_efficiency : float, optional
        Collection efficiency of the fume capture [fraction]; blank is 1.
    cells : Mapping[str, str]
        Workbook cell of each field.
    """

    method: PFCMethod
    technology: str
    aluminium_produced: pint.Quantity | None
    anode_effect_frequency: float | None = None
    anode_effect_duration: float | None = None
    slope_cf4: float | None = None
    anode_effect_overvoltage: float | None = None
    current_efficiency: float | None = None
    overvoltage_coefficient: float | None = None
    c2f6_weight_fraction: float | None = None
    collection_efficiency: float | None = None
    cells: Cells = field(default_factory=dict)


@dataclass
class MeasuredSource:
    """An emission source monitored by continuous measurement (B_EmInst section (c)).

    Attributes
    ----------
    name : str
        Name of the emission source.
    gas : {"CO2", "N2O"}
        Greenhouse gas measured.
    concentration : pint.Quantity, optional
        Hourly concentration, average over the period [g/Nm3].
    operating_hours : pint.Quantity, optional
        Operating hours in the period [h].
    flue_gas_flow : pint.Quantity, optional
        Flue gas flow, average [kNm3/h].
    biomass_fraction : float, optional
        Biomass fraction of the emissions [fraction]; blank is 0.
    energy_content_fossil, energy_content_biomass : pint.Quantity, optional
        Energy input linked to the source [TJ]; added to the installation's fuel input.
    cells : Mapping[str, str]
        Workbook cell of each field.
    """

    name: str
    gas: MeasuredGas
    concentration: pint.Quantity | None = None
    operating_hours: pint.Quantity | None = None
    flue_gas_flow: pint.Quantity | None = None
    biomass_fraction: float | None = None
    energy_content_fossil: pint.Quantity | None = None
    energy_content_biomass: pint.Quantity | None = None
    cells: Cells = field(default_factory=dict)


@dataclass
class InstallationTotalsInput:
    """Manual entries of C_Emissions&Energy (rows 16 and 26); blank uses the computed value.

    Attributes
    ----------
    fuel_input_total : pint.Quantity, optional
        Total fuel input replacing the sum from B_EmInst [TJ] (H16).
    fuel_input_cbam_goods, fuel_input_electricity, fuel_input_non_cbam : pint.Quantity, optional
        Fuel input split [TJ] (I16, J16, K16).
    co2, biomass, n2o, pfc : pint.Quantity, optional
        Emissions replacing the sums from B_EmInst [tCO2e] (H26, I26, J26, K26).
    indirect : pint.Quantity, optional
        Total indirect emissions of the installation, always entered by hand [tCO2e] (M26).
    cells : Mapping[str, str]
        Workbook cell of each field.
    """

    fuel_input_total: pint.Quantity | None = None
    fuel_input_cbam_goods: pint.Quantity | None = None
    fuel_input_electricity: pint.Quantity | None = None
    fuel_input_non_cbam: pint.Quantity | None = None
    co2: pint.Quantity | None = None
    biomass: pint.Quantity | None = None
    n2o: pint.Quantity | None = None
    pfc: pint.Quantity | None = None
    indirect: pint.Quantity | None = None
    cells: Cells = field(default_factory=dict)


@dataclass
class ProductionProcess:
    """A production process of the installation (A_InstData section 4(b), D_Processes block).

    Attributes
    ----------
    id : str
        "P1" ... "P10".
    category : str
        Aggregated goods category (template spelling, e.g. ``"Crude steel"``).
    name : str
        Process name, the key every other sheet uses. The template names an unnamed
        process ``"P<n> - <category>"``.
    production : pint.Quantity
        Total production in the period, all routes (D_Processes L24 = sum of L16:L23),
        the denominator of SE [t, or MWh for electricity].
    produced_for_market : pint.Quantity, optional
        Amount produced for the market [t].
    sent_to : Mapping[str, pint.Quantity]
        Amount consumed in other production processes, by target process name [t].
    consumed_non_cbam : pint.Quantity, optional
        Consumed for non-CBAM goods within the installation [t].
    heat_relevant, waste_gases_relevant : bool, optional
        The template's flags (D_Processes K50, L50). They only grey out input cells: the
        template's calculation uses the heat and waste-gas amounts whatever the flag.
    directly_attributable_emissions : pint.Quantity, optional
        DirEm* [tCO2e].
    heat_imported, heat_exported : pint.Quantity, optional
        Net measurable heat imported / exported [TJ].
    heat_import_ef, heat_export_ef : pint.Quantity, optional
        Their emission factors [tCO2e/TJ].
    waste_gas_imported, waste_gas_exported : pint.Quantity, optional
        Waste gas imported / exported [TJ].
    electricity_consumed : pint.Quantity, optional
        Electricity consumption [MWh].
    electricity_ef : pint.Quantity, optional
        Emission factor of the electricity consumed [tCO2e/MWh].
    electricity_ef_source : str, optional
        Source of that factor (D.4(a), D.4(b), D.4.1, D.4.2, D.4.3.1, D.4.3.2, Mix).
    electricity_exported : pint.Quantity, optional
        Electricity exported [MWh].
    electricity_exported_ef : pint.Quantity, optional
        Emission factor of the electricity exported [tCO2e/MWh].
    included_goods : tuple of str
        Included goods categories (A_InstData F:K).
    cells : Mapping[str, str]
        Workbook cell of each field.
    """

    id: str
    category: str
    name: str
    production: pint.Quantity
    produced_for_market: pint.Quantity | None = None
    sent_to: Mapping[str, pint.Quantity] = field(default_factory=dict)
    consumed_non_cbam: pint.Quantity | None = None
    heat_relevant: bool | None = None
    waste_gases_relevant: bool | None = None
    directly_attributable_emissions: pint.Quantity | None = None
    heat_imported: pint.Quantity | None = None
    heat_import_ef: pint.Quantity | None = None
    heat_exported: pint.Quantity | None = None
    heat_export_ef: pint.Quantity | None = None
    waste_gas_imported: pint.Quantity | None = None
    waste_gas_exported: pint.Quantity | None = None
    electricity_consumed: pint.Quantity | None = None
    electricity_ef: pint.Quantity | None = None
    electricity_ef_source: str | None = None
    electricity_exported: pint.Quantity | None = None
    electricity_exported_ef: pint.Quantity | None = None
    included_goods: tuple[str, ...] = ()
    cells: Cells = field(default_factory=dict)


@dataclass
class PurchasedPrecursor:
    """A precursor bought from another installation (A_InstData section 5, E_PurchPrec block).

    Attributes
    ----------
    id : str
        "PP1" ... "PP20".
    category : str
        Aggregated goods category.
    name : str
        Name, the key of the other sheets (``"PP<n> - <category>"`` when empty).
    country : str, optional
        Country of production, ISO 3166-1 alpha-2 code.
    routes : tuple of str
        Production routes.
    purchased : pint.Quantity, optional
        Amount purchased in the period, all routes [t].
    consumed_in : Mapping[str, pint.Quantity]
        Amount consumed in each production process, by process name [t].
    consumed_other : pint.Quantity, optional
        Consumed for other purposes (sold, non-CBAM goods) [t].
    see_direct : pint.Quantity, optional
        Specific embedded direct emissions [tCO2e/t].
    see_direct_source : {"Measured", "Default", "Unknown"}, optional
        Where ``see_direct`` comes from; "Default" counts in the share of default values.
    specific_electricity : pint.Quantity, optional
        Specific electricity consumption [MWh/t].
    specific_electricity_source : {"Measured", "Default", "Unknown"}, optional
    electricity_ef : pint.Quantity, optional
        Emission factor of that electricity [tCO2e/MWh].
    electricity_ef_source : str, optional
        D.4(a) ... Mix.
    default_justification : str, optional
        Why default values are used.
    cells : Mapping[str, str]
        Workbook cell of each field.
    """

    id: str
    category: str
    name: str
    country: str | None = None
    routes: tuple[str, ...] = ()
    purchased: pint.Quantity | None = None
    consumed_in: Mapping[str, pint.Quantity] = field(default_factory=dict)
    consumed_other: pint.Quantity | None = None
    see_direct: pint.Quantity | None = None
    see_direct_source: str | None = None
    specific_electricity: pint.Quantity | None = None
    specific_electricity_source: str | None = None
    electricity_ef: pint.Quantity | None = None
    electricity_ef_source: str | None = None
    default_justification: str | None = None
    cells: Cells = field(default_factory=dict)


@dataclass
class Good:
    """A product (good) communicated to the importer (Summary_Products row).

    Attributes
    ----------
    process : str
        Name of the production process it comes from, as written in the template.
    cn_code : str
        Combined Nomenclature code, 8 digits as a string (``"72189911"``).
    name : str
        Product name used on invoices.
    cells : Mapping[str, str]
        Workbook cell of each field.
    """

    process: str
    cn_code: str
    name: str = ""
    cells: Cells = field(default_factory=dict)


@dataclass
class Installation:
    """An installation and everything the SEE calculation needs.

    Attributes
    ----------
    name : str
        Installation name (English).
    country : str, optional
        Country name as in the template.
    period_start, period_end : datetime.date, optional
        Reporting period.
    source_streams : list of SourceStream
    pfc_sources : list of PFCSource
    measured_sources : list of MeasuredSource
    totals_input : InstallationTotalsInput
        Manual entries of C_Emissions&Energy, including the installation's indirect emissions.
    processes : list of ProductionProcess
        P1 ... P10 in template order.
    purchased_precursors : list of PurchasedPrecursor
        PP1 ... PP20 in template order.
    goods : list of Good
        In Summary_Products order.
    template_version : str, optional
        ``"2.1"`` or ``"2.1.1"`` when read from a Communication template.
    source_file : str, optional
        File the data were read from.
    warnings : list of str
        Non-fatal findings of the reader (also issued with :func:`warnings.warn`).
    """

    name: str = ""
    country: str | None = None
    period_start: _dt.date | None = None
    period_end: _dt.date | None = None
    source_streams: list[SourceStream] = field(default_factory=list)
    pfc_sources: list[PFCSource] = field(default_factory=list)
    measured_sources: list[MeasuredSource] = field(default_factory=list)
    totals_input: InstallationTotalsInput = field(default_factory=InstallationTotalsInput)
    processes: list[ProductionProcess] = field(default_factory=list)
    purchased_precursors: list[PurchasedPrecursor] = field(default_factory=list)
    goods: list[Good] = field(default_factory=list)
    template_version: str | None = None
    source_file: str | None = None
    warnings: list[str] = field(default_factory=list)
