"""Validation rules stop wrong files with the line and rule named; warnings are stored with the import."""

import datetime
from decimal import Decimal

import pytest

from imon.core import imports
from imon.core import models as m
from tests.importing import gefluechtete_2019, plan_for, write_csv


def test_consistent_refugee_table_imports(demo, tmp_path):
    plan = plan_for(write_csv(tmp_path / "g.csv", gefluechtete_2019()))
    assert plan.ok and len(plan.new) == 5
    record = imports.apply_import(plan)
    assert record.rows_new == 5
    assert (
        m.Observation.objects.get(
            indicator__key="gefluechtete", reference_date="2019-12-31", dim_key="aufenthaltsstatus=a"
        ).value
        == 630
    )


def test_one_wrong_part_is_rejected_naming_line_and_rule(demo, tmp_path):
    before = m.Observation.objects.count()
    plan = plan_for(write_csv(tmp_path / "g.csv", gefluechtete_2019(b=3921, a_b=4550)))
    assert not plan.ok
    messages = [str(p) for p in plan.errors]
    assert any("Zeile 2" in msg and "insgesamt = a + b + c" in msg and "4.901" in msg for msg in messages), (
        messages
    )
    assert m.Observation.objects.count() == before and not m.ImportRecord.objects.exists()
    with pytest.raises(ValueError):
        imports.apply_import(plan)


def test_a_jump_imports_with_the_warning_stored(demo, tmp_path):
    plan = plan_for(write_csv(tmp_path / "g.csv", gefluechtete_2019(insgesamt=7000, a=700, b=5800, c=500)))
    assert plan.ok
    assert any("44,3 %" in str(w) for w in plan.warnings), [str(w) for w in plan.warnings]
    record = imports.apply_import(plan)
    assert any("4.850" in w and "Zeile 2" in w for w in record.warnings)


def test_persons_must_equal_household_size_times_households(demo, tmp_path):
    lines = [
        "indicator;area;reference_date;haushaltsgroesse;value",
        "wohnungssuchende-personen;05316000;2018-12-31;3;94",
    ]
    plan = plan_for(write_csv(tmp_path / "p.csv", lines), replace=True)
    messages = [str(p) for p in plan.errors]
    assert any("3 × 31 = 93" in msg for msg in messages), messages


def test_changed_value_is_a_conflict_unless_replaced_and_rollback_restores_it(demo, tmp_path):
    lines = ["indicator;area;reference_date;value", "bevoelkerung;05316000;31.12.2017;166.740"]
    path = write_csv(tmp_path / "b.csv", lines)
    plan = plan_for(path)
    assert plan.ok and not plan.has_changes and len(plan.conflicts) == 1
    assert "166.737" in str(plan.warnings[0]) and "166.740" in str(plan.warnings[0])
    assert imports.apply_import(plan) is None
    record = imports.apply_import(plan_for(path, replace=True))
    population = m.Observation.objects.get(indicator__key="bevoelkerung", reference_date="2017-12-31")
    assert population.value == 166740 and population.import_record == record
    imports.rollback_import(record)
    population.refresh_from_db()
    assert population.value == 166737 and population.import_record is None
    record.refresh_from_db()
    assert record.status == "rolled_back"
    with pytest.raises(imports.RollbackError):
        imports.rollback_import(record)


def test_revised_values_replace_without_conflict(demo, tmp_path):
    lines = ["indicator;area;reference_date;value;flag", "bevoelkerung;05316000;31.12.2017;166.740;r"]
    plan = plan_for(write_csv(tmp_path / "b.csv", lines))
    assert len(plan.changed) == 1 and not plan.conflicts


def test_rollback_removes_created_rows_and_refuses_when_a_later_import_depends(demo, tmp_path):
    first = imports.apply_import(plan_for(write_csv(tmp_path / "g.csv", gefluechtete_2019())))
    later_lines = [
        "Kennzahl;Gebiet;Stichtag;aufenthaltsstatus;Wert;Zeichen",
        "gefluechtete;05316000;31.12.2019;c;351;r",
        "gefluechtete;05316000;31.12.2019;insgesamt;4901;r",
    ]
    later = imports.apply_import(plan_for(write_csv(tmp_path / "g2.csv", later_lines)))
    with pytest.raises(imports.RollbackError) as excinfo:
        imports.rollback_import(first)
    assert f"#{later.pk}" in str(excinfo.value)
    imports.rollback_import(later)
    imports.rollback_import(first)
    assert not m.Observation.objects.filter(reference_date="2019-12-31").exists()


def test_counts_cannot_be_negative_and_shares_not_above_100(demo, tmp_path):
    lines = [
        "indicator;area;reference_date;value",
        "asylblg-leistungsempfaenger;05316000;31.12.2019;-5",
        "anteil-auslaendisch;05316000;31.12.2019;101,5",
    ]
    plan = plan_for(write_csv(tmp_path / "x.csv", lines))
    lines_with_errors = {p.line for p in plan.errors}
    assert lines_with_errors == {2, 3}


def test_future_or_implausibly_old_reference_dates_are_errors(demo, tmp_path):
    lines = [
        "indicator;area;reference_date;value",
        "bevoelkerung;05316000;31.12.2999;1",
        "bevoelkerung;05316000;31.12.1019;166.000",
        "bevoelkerung;05316000;31.12.1950;100.000",
    ]
    plan = plan_for(write_csv(tmp_path / "x.csv", lines))
    messages = [str(p) for p in plan.errors]
    assert len(messages) == 2, messages
    assert "Zeile 2" in messages[0] and "Zukunft" in messages[0]
    assert "Zeile 3" in messages[1] and "31.12.1019" in messages[1] and "vor 1950" in messages[1]


def test_derived_shares_are_recomputed_with_flags_propagated(demo, tmp_path):
    count = m.Indicator.objects.create(key="auslaender", title="Ausländer/innen", unit="Personen")
    share = m.Indicator.objects.create(
        key="anteil-berechnet",
        title="Anteil",
        unit="%",
        kind="share",
        numerator=count,
        denominator=m.Indicator.objects.get(key="bevoelkerung"),
    )
    lines = [
        "indicator;area;reference_date;value;flag",
        "auslaender;05316000;31.12.2017;26.177;",
        "auslaender;05316000;31.12.2016;.;.",
    ]
    record = imports.apply_import(plan_for(write_csv(tmp_path / "a.csv", lines)))
    values = {o.reference_date.isoformat(): (o.value, o.flag) for o in share.observations.all()}
    assert values["2017-12-31"][0] == Decimal("15.699575")
    assert values["2016-12-31"] == (None, ".")
    imports.rollback_import(record)
    assert not share.observations.exists()


def test_counts_below_zero_and_shares_above_100_are_rejected_with_their_lines(demo, tmp_path):
    lines = [
        "indicator;area;reference_date;value",
        "anteil-auslaendisch;05316000;31.12.2030;15,7",  # the future date: an error of its own
        "anteil-auslaendisch;05316000;31.12.2020;101,5",
        "bevoelkerung;05316000;31.12.2020;-3",
        "bevoelkerung;05316000;31.12.2021;166.500",
    ]
    plan = plan_for(write_csv(tmp_path / "r.csv", lines))
    messages = [str(p) for p in plan.errors]
    assert len(messages) == 3, messages
    assert "Zeile 2" in messages[0] and "31.12.2030" in messages[0]
    assert "Zeile 3" in messages[1] and "101,5" in messages[1]
    assert "Zeile 4" in messages[2] and "-3" in messages[2]


def test_a_stored_value_outside_the_range_does_not_stop_a_new_file():
    from imon.core import rules

    stored = {("anzahl", "a", datetime.date(2019, 12, 31), ""): rules.Cell(Decimal(-1), "", {})}
    new = {("anzahl", "a", datetime.date(2020, 12, 31), ""): rules.Cell(Decimal(5), "", {}, line=2)}
    check = rules.implicit_rules("anzahl", "count")
    assert rules.check(check, stored | new, today=datetime.date(2026, 1, 1)) == []
    new[("anzahl", "b", datetime.date(2020, 12, 31), "")] = rules.Cell(Decimal(-2), "", {}, line=3)
    assert [f.line for f in rules.check(check, stored | new, today=datetime.date(2026, 1, 1))] == [3]


def test_derive_pairs_each_result_date_with_the_nearest_numerator():
    d = datetime.date
    population = [("a", d(2017, 12, 31), "", Decimal(1000), "")]
    foreigners = [("a", d(2019, 12, 31), "", Decimal(300), ""), ("a", d(2018, 12, 31), "", Decimal(200), "p")]
    rows = imports.derive("share", foreigners, population)
    assert rows == [("a", d(2017, 12, 31), "", Decimal("20.000000"), "p", "")]
    rates = imports.derive("rate", [("a", d(2017, 12, 31), "", Decimal(3), "()")], population)
    assert rates == [("a", d(2017, 12, 31), "", Decimal("3.000000"), "()", "")]
    zero = imports.derive("share", foreigners[:1], [("a", d(2017, 12, 31), "", Decimal(0), "")])
    assert zero == [("a", d(2017, 12, 31), "", None, "x", "")]


def test_derived_share_over_an_older_denominator_imports_for_several_years(demo, tmp_path):
    """Foreigners of 2018 and 2019 over a population known only for 2017: one share, dated 2017."""
    population = m.Indicator.objects.create(key="einwohner-test", title="Einwohner", unit="Personen")
    count = m.Indicator.objects.create(key="auslaender", title="Ausländer/innen", unit="Personen")
    share = m.Indicator.objects.create(
        key="anteil-berechnet",
        title="Anteil",
        unit="%",
        kind="share",
        numerator=count,
        denominator=population,
    )
    lines = [
        "indicator;area;reference_date;value",
        "einwohner-test;05316000;31.12.2017;160.000",
        "auslaender;05316000;31.12.2018;24.000",
        "auslaender;05316000;31.12.2019;25.000",
    ]
    imports.apply_import(plan_for(write_csv(tmp_path / "a.csv", lines)))
    assert [(o.reference_date, o.value) for o in share.observations.all()] == [
        (datetime.date(2017, 12, 31), Decimal(15))
    ]
    # A new denominator recomputes the share: now each year has its own.
    lines = ["indicator;area;reference_date;value", "einwohner-test;05316000;31.12.2019;166.000"]
    imports.apply_import(plan_for(write_csv(tmp_path / "b.csv", lines)))
    values = dict(share.observations.values_list("reference_date", "value"))
    assert values == {
        datetime.date(2017, 12, 31): Decimal(15),
        datetime.date(2019, 12, 31): Decimal("15.060241"),
    }


def test_counts_are_whole_numbers_unless_shown_with_decimals(demo, tmp_path):
    lines = ["indicator;area;reference_date;value", "bevoelkerung;05316000;31.12.2019;166.500,5"]
    plan = plan_for(write_csv(tmp_path / "x.csv", lines))
    messages = [str(p) for p in plan.errors]
    assert (
        len(messages) == 1
        and "Zeile 2" in messages[0]
        and "166.500,5" in messages[0]
        and "ganze Zahl" in messages[0]
    ), messages
    m.Indicator.objects.filter(key="bevoelkerung").update(decimals=1)  # e.g. counted in thousands
    assert plan_for(write_csv(tmp_path / "x.csv", lines)).ok


def test_a_genesis_table_of_averages_is_no_count(db, tmp_path):
    """A unit such as "Jahre" makes an amount: fractions are fine, and no rule of counts applies."""
    lines = [
        "statistics_code;statistics_label;time_code;time_label;time;value;value_unit;value_variable_code;value_variable_label",
        "12411;Bevölkerungsstand;STAG;Stichtag;31.12.2022;44,6;Jahre;BEV099;Durchschnittsalter",
    ]
    imports.apply_import(plan_for(write_csv(tmp_path / "12411-0001_flat.csv", lines)))
    indicator = m.Indicator.objects.get(key="12411-bev099")
    assert indicator.kind == "amount" and indicator.observations.get().value == Decimal("44.6")
    assert imports.kind_of_unit("Anzahl") == "count" and imports.kind_of_unit("Prozent") == "amount"


def test_districts_must_add_up_to_the_city_within_the_tolerance():
    from django.utils import translation

    from imon.core import rules

    def cells(city, north, south):
        date = datetime.date(2019, 12, 31)
        values = {"stadt": (city, 2), "nord": (north, 3), "sued": (south, 4)}
        return {
            ("einwohner", area, date, ""): rules.Cell(Decimal(v), "", {}, line=line, column="Wert")
            for area, (v, line) in values.items()
        }

    rule = rules.Rule("einwohner", "area_sum", total="stadt", tolerance=Decimal(5))
    children = {"stadt": ["nord", "sued"]}
    assert rules.check([rule], cells(1000, 598, 399), children) == []  # 3 off: publisher rounding
    with translation.override("de"):
        findings = rules.check([rule], cells(1000, 590, 399), children)
        assert len(findings) == 1
        text = str(findings[0])
    assert (
        text.startswith("Zeile 2, Spalte 'Wert'")
        and "1.000" in text
        and "989" in text
        and "Toleranz 5" in text
    ), text


def test_a_rule_declared_in_the_admin_checks_the_next_import(demo, client, ki_admin, tmp_path):
    """The KI adds a range rule to an indicator in the admin; the next file outside it is refused."""
    client.force_login(ki_admin)
    indicator = m.Indicator.objects.get(key="asylblg-leistungsempfaenger")
    url = f"/admin/core/indicator/{indicator.pk}/change/"
    response = client.get(url)
    form = response.context["adminform"].form
    data = {}
    for name, _field in form.fields.items():
        value = form[name].value()
        if isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        elif value is not None and not (isinstance(value, bool) and not value):
            data[name] = value
    formset = response.context["inline_admin_formsets"][0].formset
    data |= {
        f"{formset.prefix}-{k}": v
        for k, v in {"TOTAL_FORMS": 1, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000}.items()
    }
    data |= {
        f"{formset.prefix}-0-kind": "range",
        f"{formset.prefix}-0-severity": "error",
        f"{formset.prefix}-0-max_value": "2000",
        f"{formset.prefix}-0-tolerance": "0",
        f"{formset.prefix}-0-order": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 302, [
        (f.formset.errors, f.formset.non_form_errors()) for f in response.context["inline_admin_formsets"]
    ]
    assert indicator.rules.get().max_value == 2000
    lines = ["indicator;area;reference_date;value", "asylblg-leistungsempfaenger;05316000;31.12.2020;2.500"]
    messages = [str(p) for p in plan_for(write_csv(tmp_path / "x.csv", lines)).errors]
    assert (
        len(messages) == 1 and "Zeile 2" in messages[0] and "2.500" in messages[0] and "2.000" in messages[0]
    ), messages


def test_values_of_a_source_that_says_it_rounds_keep_a_note(demo, tmp_path):
    indicator = m.Indicator.objects.get(key="bevoelkerung")
    indicator.source.note = "Aus Datenschutzgründen sind alle Werte auf ein Vielfaches von 5 gerundet."
    indicator.source.save()
    lines = ["indicator;area;reference_date;value", "bevoelkerung;05316000;31.12.2020;163.000"]
    imports.apply_import(plan_for(write_csv(tmp_path / "b.csv", lines)))
    note = m.Observation.objects.get(indicator=indicator, reference_date="2020-12-31").note
    assert (
        note
        == "Vom Herausgeber gerundet: Aus Datenschutzgründen sind alle Werte auf ein Vielfaches von 5 gerundet."
    )
    assert (
        plan_for(write_csv(tmp_path / "b.csv", lines)).unchanged == 1
    )  # the same file again changes nothing


def test_a_genesis_table_in_persons_counts_and_its_small_cells_stay_hidden(db, tmp_path):
    """The unit "Person" (singular), as some tables spell it, is a count: a cell of 1 is suppressed.
    A unit word nobody knows is a count too, with a warning; only known amount units are amounts."""
    from imon import publication

    lines = [
        "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;1_variable_label;"
        "1_variable_attribute_code;1_variable_attribute_label;value;value_unit;value_variable_code;value_variable_label",
        "12521;Ausländerstatistik;STAG;Stichtag;31.12.2023;GES;Geschlecht;GESM;männlich;1;Person;BEV001;Ausländer",
        "12521;Ausländerstatistik;STAG;Stichtag;31.12.2023;GES;Geschlecht;GESW;weiblich;40;Person;BEV001;Ausländer",
    ]
    plan = plan_for(write_csv(tmp_path / "12521-0001_flat.csv", lines))
    assert not plan.warnings, [str(w) for w in plan.warnings]
    imports.apply_import(plan)
    indicator = m.Indicator.objects.get(key="12521-bev001")
    assert indicator.kind == "count"
    hidden = publication.hidden_cells({"12521-bev001"})
    assert [key[3] for key in hidden] == ["ges=GESM"]  # the man is hidden, the 40 women are not
    assert imports.kind_of_unit("Personen") == imports.kind_of_unit("Fälle") == "count"
    assert imports.kind_of_unit("Köpfe") == "count" and not imports.unit_is_known("Köpfe")
    assert imports.kind_of_unit("EUR") == imports.kind_of_unit("Jahre") == "amount"
    lines = [
        line.replace("Person;", "Köpfe;").replace("BEV001;Ausländer", "BEV002;Ausländer") for line in lines
    ]
    plan = plan_for(write_csv(tmp_path / "12521-0002_flat.csv", lines))
    assert any("Köpfe" in str(w) and "nicht bekannt" in str(w) for w in plan.warnings)
