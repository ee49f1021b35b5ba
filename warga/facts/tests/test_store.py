"""The fact store agrees with the domain pages after a day of scripted events (births, KTP-el
recordings, applications, reports), kept incrementally, and again after the nightly rebuild."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from warga.applications.catalogue import ensure_default_services
from warga.applications.tests.conftest import Flow, make_household
from warga.cards.services import ktp_recording_record
from warga.facts.models import Fact
from warga.facts.services import facts_rebuild_day
from warga.registry.models import LifeEvent
from warga.registry.services import birth_register
from warga.reports.services import case_file

pytestmark = pytest.mark.django_db


def _facts(client, metric: str, area: str) -> dict:
    response = client.get("/facts/", {"metric": metric, "area": area})
    assert response.status_code == 200, response.content[:500]
    return response.context


def _snapshot() -> set:
    """Every fact but the SMS centre's, which only the nightly rebuild counts (delivery states
    change by bulk UPDATE at the sending rate, with no event to follow)."""
    return set(
        Fact.objects.exclude(metric__startswith="sms.").values_list(
            "metric", "region_id", "day", "part", "value", "denominator"
        )
    )


def _script_a_day(cast):
    """One office day: a household registered, a birth, a KTP-el recording, an application
    taken to its hand-over, two sickness reports and a road report."""
    registrar = cast.actor(cast.dukcapil)
    household = make_household(registrar, cast.desa)
    birth_register(
        actor=registrar,
        family=household.family,
        full_name="Putri Ayu",
        sex="F",
        birth_date=timezone.localdate(),
        birth_place="Purwakarta",
        mother=household.wife,
        father=household.head,
        reporter="Budi",
    )
    ktp_recording_record(
        actor=cast.actor(cast.kec_officer),
        resident=household.head,
        recorded_at=timezone.now(),
        place_unit=cast.kec_officer.unit,
        device_set="K1",
    )
    ensure_default_services()
    Flow(cast, household).to("handed_over")
    for text, category in (
        ("Warga demam tinggi", "sakit"),
        ("Anak sakit diare", "sakit"),
        ("Jalan rusak", "jalan"),
    ):
        case_file(
            actor=None, text=text, channel="web", category=category, desa=cast.desa, phone="081234567891"
        )
    return household


def test_facts_agree_with_the_domain_pages_during_the_day_and_after_the_rebuild(
    cast, client_for, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    facts_rebuild_day(day=today)  # the nightly task starts the day
    with django_capture_on_commit_callbacks(execute=True):
        _script_a_day(cast)
    head = client_for(cast.head)

    def check():
        # Living residents per desa: the population statistics page of the kecamatan.
        stats = head.get("/registry/statistics/", {"area": cast.kecamatan.code}).context["stats"]
        living = {row["region"].code: row["total"] for row in stats["rows"]}
        table = _facts(head, "residents.living", cast.kecamatan.code)["table"]
        assert {row["code"]: int(row["cell"].value) for row in table["rows"]} == living
        assert living[cast.desa.code] == 5  # the household, the new-born, the birth application's child
        # Applications received and handed over: the applications statistics page.
        result = head.get("/applications/stats/").context["result"]
        office = next(iter(result["per_office"].values()))
        received = _facts(head, "applications.received", cast.kabupaten.code)["table"]["total"]
        finished = _facts(head, "applications.finished", cast.kabupaten.code)["table"]["total"]
        assert (received.value, finished.value) == (office["received"], office["completed"]) == (1, 1)
        on_time = _facts(head, "applications.on_time", cast.kabupaten.code)["table"]["total"]
        assert (on_time.value, on_time.count) == (100.0, 1)
        # Births of the last 30 days (today's and the application's ten days ago) and KTP-el
        # recordings of the desa, as the register's events and the card log hold them.
        births = _facts(head, "residents.births", cast.desa.code)["table"]["total"]
        registered = LifeEvent.objects.filter(type="birth", desa=cast.desa).count()
        recorded = _facts(head, "cards.recorded", cast.desa.code)["table"]["total"]
        assert (births.value, recorded.value) == (registered, 1) == (2, 1)

    check()
    incremental = _snapshot()
    assert incremental
    facts_rebuild_day(day=today)
    assert _snapshot() == incremental  # the nightly rebuild finds the same numbers
    check()


def test_reports_per_category_match_the_cases(cast, heads, client_for, django_capture_on_commit_callbacks):
    from warga.reports.models import Case

    facts_rebuild_day(day=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        _script_a_day(cast)
    bupati = client_for(heads.bupati)
    all_cases = _facts(bupati, "cases.received", cast.kabupaten.code)["table"]
    assert all_cases["total"].value == Case.objects.count() == 3
    sick = _facts(bupati, "cases.received.sakit", cast.kecamatan.code)["table"]
    per_desa = {row["code"]: row["cell"].value for row in sick["rows"]}
    assert per_desa[cast.desa.code] == 2 and sum(per_desa.values()) == 2


def test_a_rolled_back_event_changes_no_fact(cast, django_capture_on_commit_callbacks):
    from django.db import transaction

    from warga.registry.tests.conftest import make_household as household_in

    facts_rebuild_day(day=timezone.localdate())
    before = _snapshot()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        household_in(cast.actor(cast.dukcapil), cast.desa)
        raise RuntimeError("the office's power failed")
    assert _snapshot() == before


def test_a_future_day_cannot_be_built():
    from warga.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        facts_rebuild_day(day=timezone.localdate() + timedelta(days=1))
    assert not Fact.objects.exists()


def test_an_unknown_metric_in_a_rebuild_stores_nothing():
    from warga.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="nope"):
        facts_rebuild_day(day=timezone.localdate(), keys=["residents.living", "nope"])
    assert not Fact.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_refreshes_of_one_desa_at_once_each_write_the_figures(cast):
    """Two field batches of one desa commit at once: their refreshes (two task threads) must not
    both delete and then both insert the same keys."""
    import threading

    from django.db import connection

    from warga.facts.services import facts_refresh

    make_household(cast.actor(cast.dukcapil), cast.desa)
    today = timezone.localdate()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def refresh() -> None:
        try:
            start.wait()
            for _ in range(5):
                facts_refresh(domain="registry", day=today, region_codes=[cast.desa.code])
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    living = Fact.objects.get(metric="residents.living", day=today, region_id=cast.desa.code, part="")
    assert living.value == 3


@pytest.mark.django_db(transaction=True)
def test_a_region_waiting_for_its_refresh_is_not_queued_again(cast, monkeypatch):
    """A team's batches from one desa queue one refresh until it starts, then one more."""
    from django.core.cache import cache
    from django.db import transaction

    from warga.facts import services
    from warga.facts.tasks import facts_refresh_task

    queued: list[tuple] = []
    monkeypatch.setattr(services, "_tasks_run_at_once", lambda: False)
    monkeypatch.setattr(facts_refresh_task, "schedule", lambda args, delay: queued.append((args, delay)))
    today = timezone.localdate()
    cache.delete(services.refresh_marker("registry", today, cast.desa.code))

    def event() -> None:  # one committed transaction with an event of the desa
        with transaction.atomic():
            services.fact_touch(domain="registry", region_code=cast.desa.code)

    for _ in range(3):
        event()
    assert len(queued) == 1
    (domain, day, codes), delay = queued[0]
    assert (domain, codes, delay) == ("registry", [cast.desa.code], services.REFRESH_GATHER_SECONDS)
    facts_refresh_task.call_local(domain, day, codes)  # the consumer starts it
    event()
    assert len(queued) == 2
