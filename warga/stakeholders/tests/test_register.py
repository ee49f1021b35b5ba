"""The register as officers see it: scoping, forms, archive, API."""

from __future__ import annotations

import pytest

from warga.audit.models import AuditLog
from warga.stakeholders.models import Stakeholder, StakeholderChange

pytestmark = pytest.mark.django_db


def test_an_opd_sees_its_own_register_and_another_opd_gets_404(cast, client_for, people, make):
    mine = make(people.dinkes, name="Yayasan Ibu Sehat")
    theirs = make(people.dinsos, name="Panti Asuhan Harapan")
    dinkes = client_for(people.dinkes)
    page = dinkes.get("/stakeholders/")
    assert page.status_code == 200
    assert "Yayasan Ibu Sehat" in page.content.decode()
    assert "Panti Asuhan Harapan" not in page.content.decode()
    assert dinkes.get(f"/stakeholders/{theirs.pk}/").status_code == 404
    assert dinkes.get(f"/api/v1/stakeholders/{theirs.pk}").status_code == 404
    assert dinkes.get(f"/stakeholders/{mine.pk}/").status_code == 200
    # The PPID utama at Diskominfo keeps every unit's register.
    kominfo = client_for(people.kominfo).get("/stakeholders/").content.decode()
    assert "Yayasan Ibu Sehat" in kominfo and "Panti Asuhan Harapan" in kominfo


def test_kecamatan_officers_see_their_area_and_another_kecamatan_gets_404(cast, client_for, people, make):
    here = make(people.dinkes, name="Kader Posyandu Melati", region=cast.desa)
    there = make(people.dinkes, name="Kader Posyandu Mawar", region=cast.other_desa)
    officer = client_for(cast.kec_officer)
    assert officer.get(f"/stakeholders/{here.pk}/").status_code == 200
    assert officer.get(f"/stakeholders/{there.pk}/").status_code == 404
    outsider = client_for(cast.outsider)
    assert outsider.get(f"/stakeholders/{here.pk}/").status_code == 404
    assert outsider.get(f"/stakeholders/{here.pk}/edit/").status_code == 404
    assert outsider.post(f"/stakeholders/{here.pk}/archive/", {"reason": "x"}).status_code == 404
    assert outsider.get(f"/api/v1/stakeholders/{here.pk}").status_code == 404
    assert Stakeholder.objects.get(pk=here.pk).active


def test_head_of_agency_reads_but_cannot_change(cast, client_for, people, make):
    s = make(people.dinkes, name="Yayasan Ibu Sehat")
    kadis = client_for(people.kadis)
    assert kadis.get(f"/stakeholders/{s.pk}/").status_code == 200
    assert kadis.get("/stakeholders/new/").status_code == 403
    assert kadis.post(f"/stakeholders/{s.pk}/archive/", {"reason": "x"}).status_code == 403
    assert client_for(cast.desa_operator).get("/stakeholders/").status_code == 403


def _form(cast, **extra):
    data = {
        "kind": "religious_leader",
        "name": "KH. Abdul Halim",
        "organisation": "Pondok Pesantren Al-Falah",
        "position": "Pimpinan",
        "topics": ["religion", "health"],
        "region": cast.desa.code,
        "phone": "0812-3456-7890",
        "sms_consent": "on",
        "consent_on": "2026-01-10",
        "consent_channel": "form",
        "consent_evidence": "Formulir tanggal 10 Januari",
    }
    data.update(extra)
    return data


def test_create_with_consent_normalises_the_phone_and_keeps_history(cast, client_for, people):
    from warga.org.models import Unit

    client = client_for(people.dinkes)
    answer = client.post("/stakeholders/new/", _form(cast, unit=str(Unit.objects.get(code="dinkes").pk)))
    assert answer.status_code == 302
    s = Stakeholder.objects.get(name="KH. Abdul Halim")
    assert s.phone == "+6281234567890"
    assert s.unit.code == "dinkes"
    assert s.topic_list() == ["health", "religion"]
    assert StakeholderChange.objects.filter(stakeholder=s, action="create").exists()
    assert AuditLog.objects.filter(action="stakeholders.stakeholder.create", object_id=str(s.pk)).exists()
    page = client.get(answer["Location"]).content.decode()
    assert "Formulir tanggal 10 Januari" in page


def test_consent_without_date_and_evidence_is_refused_and_nothing_stored(cast, client_for, people):
    from warga.org.models import Unit

    before = Stakeholder.objects.count()
    client = client_for(people.dinkes)
    answer = client.post(
        "/stakeholders/new/",
        _form(
            cast, unit=str(Unit.objects.get(code="dinkes").pk), consent_on="", consent_evidence="", phone="12"
        ),
    )
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "Isi tanggal persetujuan diberikan." in text
    assert "Catat bukti persetujuan" in text
    assert Stakeholder.objects.count() == before


def test_an_opd_cannot_file_into_another_unit(cast, client_for, people):
    from warga.org.models import Unit

    before = Stakeholder.objects.count()
    answer = client_for(people.dinkes).post(
        "/stakeholders/new/", _form(cast, unit=str(Unit.objects.get(code="dinsos").pk))
    )
    assert answer.status_code == 200
    assert Stakeholder.objects.count() == before


def test_archive_needs_a_reason_then_keeps_the_row_and_its_history(cast, client_for, people, make):
    s = make(people.dinkes, name="Apotek Sehat")
    client = client_for(people.dinkes)
    client.post(f"/stakeholders/{s.pk}/archive/", {"reason": ""})
    s.refresh_from_db()
    assert s.active
    answer = client.post(f"/stakeholders/{s.pk}/archive/", {"reason": "Usaha sudah tutup"})
    assert answer.status_code == 302
    s.refresh_from_db()
    assert not s.active and s.archived_reason == "Usaha sudah tutup"
    assert StakeholderChange.objects.filter(stakeholder=s, action="archive").exists()
    assert "Apotek Sehat" not in client.get("/stakeholders/").content.decode()
    archived = client.post("/stakeholders/", {"active": "no"}).content.decode()
    assert "Apotek Sehat" in archived
    assert client.get(f"/stakeholders/{s.pk}/edit/").status_code == 200  # the page shows; the service refuses


def test_list_filters_and_empty_state(cast, client_for, people, make):
    make(people.dinkes, name="Radar Kesehatan", kind="media", topics=["information"])
    make(people.dinkes, name="Kader Melati", kind="organisation", topics=["health"], consent=False)
    client = client_for(people.dinkes)
    media = client.post("/stakeholders/", {"kind": "media", "active": "yes"}).content.decode()
    assert "Radar Kesehatan" in media and "Kader Melati" not in media
    no_consent = client.post("/stakeholders/", {"consent": "no", "active": "yes"}).content.decode()
    assert "Kader Melati" in no_consent and "Radar Kesehatan" not in no_consent
    searched = client.post("/stakeholders/", {"q": "melati", "active": "yes"}).content.decode()
    assert "Kader Melati" in searched and "Radar Kesehatan" not in searched
    empty = client.post("/stakeholders/", {"kind": "bpd", "active": "yes"})
    assert 'data-testid="empty"' in empty.content.decode()


def test_api_create_update_archive_and_refusals(cast, client_for, people):
    client = client_for(people.dinkes)
    body = {"kind": "ngo", "name": "Forum Peduli Gizi", "region": cast.desa.code, "topics": ["health"]}
    created = client.post("/api/v1/stakeholders", body, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    bad = client.post(
        "/api/v1/stakeholders",
        {**body, "sms_consent": True, "phone": "", "topics": ["unknown"]},
        content_type="application/json",
    )
    assert bad.status_code == 422
    fields = {d["field"] for d in bad.json()["details"]}
    assert {"topics", "phone", "consent_on", "consent_channel", "consent_evidence"} <= fields
    updated = client.put(
        f"/api/v1/stakeholders/{pk}", {**body, "position": "Ketua"}, content_type="application/json"
    )
    assert updated.status_code == 200 and updated.json()["position"] == "Ketua"
    listed = client.get("/api/v1/stakeholders?kind=ngo").json()
    assert pk in [item["id"] for item in listed["items"]]
    archived = client.post(
        f"/api/v1/stakeholders/{pk}/archive", {"reason": "Bubar"}, content_type="application/json"
    )
    assert archived.status_code == 200 and archived.json()["active"] is False
    assert (
        client_for(people.dinsos)
        .put(f"/api/v1/stakeholders/{pk}", body, content_type="application/json")
        .status_code
        == 404
    )
