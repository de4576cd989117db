"""Model constraints hold in the database itself, not only in forms."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from imon.core import models as m


@pytest.fixture
def measure(demo):
    return m.Measure.objects.get(key="C1")


def refused(obj, **changes):
    for name, value in changes.items():
        setattr(obj, name, value)
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()


def test_progress_above_100_is_refused(measure):
    refused(measure, progress=101)


def test_red_or_yellow_light_needs_a_reason(measure):
    refused(measure, traffic_light="red", traffic_light_reason="")
    measure.refresh_from_db()
    measure.traffic_light, measure.traffic_light_reason = "yellow", "Fördermittel noch nicht bewilligt"
    measure.save()
    measure.traffic_light, measure.traffic_light_reason = "green", ""
    measure.save()


def test_light_reason_message_is_german(measure):
    measure.traffic_light = "yellow"
    with pytest.raises(ValidationError) as excinfo:
        measure.full_clean()
    assert "Begründung" in str(excinfo.value)


def test_end_before_start_is_refused(measure):
    refused(measure, start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2019, 12, 31))


def test_negative_cost_is_refused(measure):
    refused(measure, cost=Decimal("-1"))


def test_field_of_action_code_is_unique_per_concept(demo):
    field = m.FieldOfAction.objects.get(code="C")
    with pytest.raises(IntegrityError), transaction.atomic():
        m.FieldOfAction.objects.create(concept=field.concept, code="C", title="Doppelt")


def test_measure_key_is_unique(measure):
    with pytest.raises(IntegrityError), transaction.atomic():
        m.Measure.objects.create(key="C1", field_of_action=measure.field_of_action, title="Doppelt")


@pytest.fixture
def obs(demo):
    return m.Observation.objects.get(indicator__key="bevoelkerung", reference_date="2017-12-31")


def test_observation_is_unique_per_indicator_area_date_and_disaggregation(obs):
    with pytest.raises(IntegrityError), transaction.atomic():
        m.Observation.objects.create(
            indicator=obs.indicator, area=obs.area, reference_date=obs.reference_date, value=Decimal("1")
        )


def test_disaggregated_observations_differ_by_their_dimensions(demo):
    rows = m.Observation.objects.filter(indicator__key="wohnungssuchende-haushalte")
    assert rows.count() == 12
    assert len({r.dim_key for r in rows}) == 12
    assert rows.get(dim_key="haushaltsgroesse=9").value == 2


def test_symbol_for_a_missing_value_cannot_carry_a_value(obs):
    refused(obs, flag=".")


def test_observation_without_value_needs_a_symbol(obs):
    refused(obs, value=None, flag="")
    refused(obs, value=None, flag="p")


def test_secret_value_is_stored_as_symbol_not_zero(obs):
    obs.value, obs.flag = None, "."
    obs.save()
    obs.refresh_from_db()
    assert obs.value is None and obs.flag == "."


def test_derived_indicator_needs_numerator_and_denominator(demo):
    share = m.Indicator.objects.get(key="anteil-auslaendisch")
    refused(share, numerator=m.Indicator.objects.get(key="bevoelkerung"), denominator=None)


def test_areas_form_a_tree(demo):
    city = m.Area.objects.get(key="05316000")
    assert city.parent.key == "05" and city.parent.parent.key == "DG"
    assert city.children.count() == 3
    assert sum(d.children.count() for d in city.children.all()) == 13
    nrw = city.parent
    nrw.parent = city
    with pytest.raises(ValidationError):
        nrw.clean()


def test_breakdown_keys_sort_byte_by_byte_on_every_database(demo):
    """dim_key is a machine key: ordered by code point (capitals first, umlauts last) on SQLite and
    PostgreSQL alike, whatever the database's language; on PostgreSQL the column has collation "C"."""
    from django.db import connection

    indicator, area = m.Indicator.objects.get(key="bevoelkerung"), m.Area.objects.get(key="05316000")
    keys = ["x=ärger", "x=Zoll", "x=apfel", "x=Bahn", "x=zebra"]
    for key in keys:
        m.Observation.objects.create(
            indicator=indicator, area=area, reference_date=datetime.date(2030, 12, 31), dim_key=key, value=1
        )
    stored = m.Observation.objects.filter(reference_date=datetime.date(2030, 12, 31)).order_by("dim_key")
    assert (
        list(stored.values_list("dim_key", flat=True))
        == sorted(keys)
        == ["x=Bahn", "x=Zoll", "x=apfel", "x=zebra", "x=ärger"]
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT collation_name FROM information_schema.columns WHERE table_name = %s AND column_name = 'dim_key'",
                [m.Observation._meta.db_table],
            )
            assert cursor.fetchone()[0] == "C"
