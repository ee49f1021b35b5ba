"""Receiving a case: checks, routing on receipt, idempotency, identity rules."""

from __future__ import annotations

import pytest

from warga.audit.models import AuditLog
from warga.core.errors import InvalidInput, NotAllowed
from warga.org.models import Unit, UnitKind
from warga.reports.models import Case, CaseEvent, CaseStatus, RoutingRule
from warga.reports.services import case_file, category_from_text, route_for, routing_rules_seed

pytestmark = pytest.mark.django_db


def test_default_rules_come_from_the_units_topics(rules):
    pln = Unit.objects.get(code="pln")
    assert RoutingRule.objects.filter(category="listrik_padam", unit=pln).exists()
    assert RoutingRule.objects.filter(kind="darurat", unit__code="call112").exists()
    assert routing_rules_seed() == 0  # idempotent


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Listrik padam sejak pagi", "listrik_padam"),
        ("PLN belum datang", "listrik_padam"),
        ("Pak RT meninggal dunia tadi malam", "kematian"),
        ("Bu Siti baru melahirkan", "kelahiran"),
        ("Jalan berlubang di RT 02", "jalan"),
        ("Ada yang aneh", "lainnya"),
    ],
)
def test_category_words(text, category):
    assert category_from_text(text) == category


def test_a_case_is_routed_on_receipt_and_keeps_the_reason(rules):
    case = case_file(actor=None, text="Listrik padam sejak pagi", channel="web", desa=rules.desa)
    assert case.category == "listrik_padam" and case.status == CaseStatus.NEW
    assert case.routed_unit.code == "pln"
    assert (
        case.routing_reason
        == f"aturan #{case.routing_rule_id}: listrik padam di seluruh wilayah → PT PLN (Persero) UP3"
    )
    assert len(case.tracking_code) == 10 and case.reference == case.tracking_code
    assert case.verify_due_on is not None and case.answer_due_on is None
    assert CaseEvent.objects.get(case=case).action == "file"
    assert AuditLog.objects.filter(action="reports.case.file", object_id=str(case.pk)).exists()


def test_the_most_specific_area_wins(rules):
    desa_unit = Unit.objects.get(kind=UnitKind.DESA_OFFICE, area=rules.desa)
    kec_unit = Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=rules.kecamatan)
    RoutingRule.objects.create(category="listrik_padam", area=rules.kecamatan, unit=kec_unit, priority=50)
    specific = RoutingRule.objects.create(category="listrik_padam", area=rules.desa, unit=desa_unit)
    route = route_for(kind="laporan", category="listrik_padam", region=rules.desa)
    assert route.rule == specific and route.unit == desa_unit
    other = route_for(kind="laporan", category="listrik_padam", region=rules.other_desa)
    assert other.unit.code == "pln"


def test_without_a_rule_the_desa_office_takes_it(rules):
    case = case_file(actor=None, text="Sesuatu yang lain", channel="web", desa=rules.desa, category="xyz")
    assert case.category == "lainnya"
    assert case.routed_unit == Unit.objects.get(kind=UnitKind.DESA_OFFICE, area=rules.desa)
    assert case.routing_rule is None


def test_an_emergency_goes_to_the_112_centre_at_once(rules):
    case = case_file(
        actor=None, text="Kebakaran rumah", channel="sms", kind="darurat", phone="+6281200000009"
    )
    assert case.status == CaseStatus.ASSIGNED and case.assigned_unit.code == "call112"
    assert case.region == rules.kabupaten and case.answer_due_on is not None


def test_create_is_idempotent_by_client_ref(rules):
    first = case_file(
        actor=None, text="Jalan  rusak", channel="sms", phone="081200000001", client_ref="sms-1"
    )
    again = case_file(actor=None, text="Jalan rusak lagi", channel="sms", client_ref="sms-1")
    assert first.pk == again.pk and first.text == "Jalan rusak"
    assert first.reporter_phone == "+6281200000001"
    assert Case.objects.count() == 1


def test_anonymous_stores_no_identity(rules):
    case = case_file(
        actor=None,
        text="Pungli di kantor",
        channel="web",
        kind="pengaduan",
        desa=rules.desa,
        name="Budi",
        phone="081200000002",
        anonymous=True,
        confidential=True,
    )
    case.refresh_from_db()
    assert (case.reporter_name, case.reporter_phone, case.confidential) == ("", "", False)
    assert case.category == "petugas"
    audit = AuditLog.objects.get(action="reports.case.file", object_id=str(case.pk))
    assert audit.ip is None and "Budi" not in str(audit.summary)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"text": " "}, "report.empty"),
        ({"text": "\x00\x01\x02"}, "report.empty"),
        ({"text": "x" * 2001}, "report.long"),
        ({"channel": "fax"}, "report.channel"),
        ({"kind": "gosip"}, "report.kind"),
        ({"latitude": "91", "longitude": "107"}, "report.point"),
        ({"latitude": "-6.5", "longitude": ""}, "report.point"),
        ({"latitude": "NaN", "longitude": "Infinity"}, "report.point"),
        ({"phone": "12"}, "phone.invalid"),
        ({"photos": [b"not an image"]}, "report.photo"),
        ({"photos": [b"x"] * 4}, "report.photos_many"),
        ({"desa": None, "channel": "web"}, "report.desa_required"),
    ],
)
def test_bad_input(rules, kwargs, code):
    with pytest.raises(InvalidInput) as exc:
        case_file(actor=None, **{"text": "Banjir", "channel": "web", "desa": rules.desa, **kwargs})
    assert exc.value.code == code
    assert Case.objects.count() == 0


def test_control_characters_are_dropped_and_markup_kept_as_text(rules):
    case = case_file(actor=None, text="<b>Banjir</b>\x00\x07 di\tRT 01", channel="web", desa=rules.desa)
    assert case.text == "<b>Banjir</b> di RT 01"


def test_a_point_inside_indonesia_is_kept(rules):
    case = case_file(
        actor=None, text="Jalan rusak", channel="web", desa=rules.desa, latitude="-6.55", longitude="107.44"
    )
    assert str(case.latitude) == "-6.550000" and str(case.longitude) == "107.440000"


def test_a_report_belongs_to_a_desa(rules):
    with pytest.raises(InvalidInput):
        case_file(actor=None, text="x", channel="sms", desa=rules.kecamatan)


def test_officer_needs_the_capability(rules):
    with pytest.raises(NotAllowed):
        case_file(actor=rules.actor(rules.dukcapil), text="x", channel="counter", desa=rules.desa)
    case = case_file(
        actor=rules.actor(rules.kec_officer), text="Lampu jalan mati", channel="counter", desa=rules.desa
    )
    assert case.created_by == rules.kec_officer


def test_a_point_outside_the_installations_area_is_refused(rules, settings):
    settings.WARGA_AREA_BBOX = "-6.75,107.25,-6.40,107.62"  # Purwakarta
    with pytest.raises(InvalidInput) as exc:  # Jakarta: in Indonesia, not in the kabupaten
        case_file(
            actor=None, text="Banjir", channel="web", desa=rules.desa, latitude="-6.2", longitude="106.8"
        )
    assert exc.value.code == "report.point_outside"
    assert Case.objects.count() == 0
    inside = case_file(
        actor=None, text="Banjir", channel="web", desa=rules.desa, latitude="-6.55", longitude="107.44"
    )
    assert str(inside.latitude) == "-6.550000"


def test_a_misconfigured_area_falls_back_to_indonesia(rules, settings):
    settings.WARGA_AREA_BBOX = "north of here"
    case = case_file(
        actor=None, text="Banjir", channel="web", desa=rules.desa, latitude="-6.2", longitude="106.8"
    )
    assert str(case.latitude) == "-6.200000"
