"""cbamcalc.countries: ISO codes, the Commission's table titles, common names, near misses."""

import pandas as pd
import pytest

from cbamcalc.countries import country_name, country_table, resolve_country, resolve_country_series
from cbamcalc.errors import InputError
from cbamcalc.refdata import load_table


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("TH", "TH"), ("th", "TH"), ("Thailand", "TH"), ("THAILAND", "TH"), ("  thailand ", "TH"),
        ("Türkiye", "TR"), ("Turkiye", "TR"), ("Turkey", "TR"),
        ("Viet Nam", "VN"), ("Vietnam", "VN"),
        ("United States", "US"), ("USA", "US"), ("U.S.A.", "US"), ("United States of America", "US"),
        ("UK", "GB"), ("United Kingdom", "GB"),
        ("South Korea", "KR"), ("Korea, Republic of", "KR"),
        ("Myanmar/Burma", "MM"), ("Myanmar_Burma", "MM"), ("Burma", "MM"),
        ("Democratic Republic of the Congo", "CD"), ("Democratic Republic of the Cong", "CD"),
        ("Côte d'Ivoire", "CI"), ("Ivory Coast", "CI"),
        ("Montenegro", "ME"), ("Serbia", "RS"),  # the template also lists EU codes XM and XS
        ("Eswatini", "SZ"), ("Swaziland", "SZ"), ("Russia", "RU"), ("Taiwan", "TW"),
    ],
)
def test_resolve(text, code):
    assert resolve_country(text) == code


def test_every_commission_table_title_resolves_to_its_country():
    dv = load_table("default_values_2025_2621_v1")
    titles = dv.loc[dv["country"] != "OTHER", ["country", "country_table", "source_sheet"]].drop_duplicates()
    assert len(titles) == 119
    for code, title, sheet in titles.itertuples(index=False):
        assert resolve_country(title) == code
        assert resolve_country(sheet) == code


def test_country_list_is_the_templates():
    table = country_table()
    assert len(table) == 266
    assert table["iso2"].is_unique
    assert country_name("TH") == "Thailand"
    assert (table["default_values_table"] != "").sum() == 119


def test_v2_default_value_tables_map_to_iso_codes():
    # PROVENANCE_v2_defaults.md 5.1: 121 country tables in v2, Liberia and New Caledonia new
    table = country_table().set_index("iso2")
    assert (table["default_values_table_v2"] != "").sum() == 121
    assert table.loc["LR", "default_values_table_v2"] == "Liberia" and table.loc["LR", "default_values_table"] == ""
    assert table.loc["NC", "default_values_table_v2"] == "New Caledonia and dependencies"
    assert table.loc["KR", "default_values_table_v2"] == "Korea, Republic of (South Korea)"
    assert resolve_country("Korea, Republic of (South Korea)") == "KR"
    assert resolve_country("North Korea (Democratic People's Republic of Korea)") == "KP"
    assert resolve_country("New Caledonia and dependencies") == "NC"
    assert resolve_country("Viet Nam") == "VN" and resolve_country("Russian Federation") == "RU"


def test_near_miss_gets_a_suggestion():
    with pytest.raises(InputError, match=r"Field 'country': unknown country, did you mean 'Thailand' \(TH\)\?; "
                                         r"expected an ISO 3166-1 alpha-2 code or a country name.*found 'Thailnd'"):
        resolve_country("Thailnd")
    with pytest.raises(InputError, match=r"did you mean 'Vietnam' \(VN\)\?"):
        resolve_country("Vietnm")


def test_unknown_country():
    with pytest.raises(InputError, match=r"Field 'origin': unknown country; expected an ISO 3166-1 alpha-2 code"
                                         r".*found 'Atlantis'"):
        resolve_country("Atlantis", field="origin")
    with pytest.raises(InputError, match=r"Field 'country': expected an ISO 3166-1 alpha-2 code.*found ''"):
        resolve_country("")
    with pytest.raises(InputError, match=r"Field 'country': unknown country.*found 'QQ'"):
        resolve_country("QQ")


def test_series_resolves_each_text_once_and_names_the_row():
    s = pd.Series(["TH", "Thailand", "viet nam", "TH"], index=[5, 6, 7, 8])
    out = resolve_country_series(s)
    assert out.tolist() == ["TH", "TH", "VN", "TH"]
    assert out.index.tolist() == [5, 6, 7, 8]
    with pytest.raises(InputError, match=r"row b \(country\): unknown country, did you mean 'Thailand'"):
        resolve_country_series(pd.Series(["TH", "Thailnd"], index=["a", "b"]))
    with pytest.raises(InputError, match=r"row 1 \(country\): expected .*found 'an empty cell'"):
        resolve_country_series(pd.Series(["TH", None]))
