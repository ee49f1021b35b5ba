"""Stakeholders as the recipients of an SMS broadcast: only those who agreed; the preview says
who is left out and why; naming one without consent is refused and nothing is stored."""

from __future__ import annotations

import pytest

from warga.messaging.models import Broadcast, SmsMessage
from warga.org.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast, make):
    kec_unit = Unit.objects.get(kind="kecamatan", area=cast.kecamatan)
    kec = cast.kec_officer
    return {
        "yes1": make(kec, name="Ketua RW Tiga", kind="rw_head", topics=["population"]),
        "yes2": make(kec, name="Ketua BPD", kind="bpd", topics=["infrastructure"]),
        "no": make(kec, name="Ketua Linmas", kind="village_body", consent=False),
        "elsewhere": make(cast.outsider, name="Ketua RW Lain", kind="rw_head", region=cast.other_desa),
        "kec_unit": kec_unit,
    }


def _post(client, **extra):
    data = {"name": "Rapat RW", "text": "Yth {nama}, rapat di balai desa Senin 09.00.", "action": "preview"}
    data.update(extra)
    return client.post("/stakeholders/sms/", data)


def test_preview_counts_consenting_and_says_who_is_left_out(cast, client_for, world):
    answer = _post(client_for(cast.kec_officer), area=cast.kecamatan.code)
    assert answer.status_code == 200
    preview = answer.context["preview"]
    assert preview.recipients == 2
    assert dict(preview.excluded) == {"tidak ada persetujuan SMS": 1}
    text = answer.content.decode()
    assert 'data-testid="excluded"' in text and "tidak ada persetujuan SMS" in text


def test_kind_filter_and_the_count_shown_before_approval(
    cast, client_for, world, django_capture_on_commit_callbacks, settings
):
    settings.SMS_DISPATCH_INLINE = False
    composer = client_for(cast.kec_officer)
    answer = _post(composer, area=cast.kecamatan.code, action="create", kinds=["rw_head", "village_body"])
    assert answer.status_code == 302
    broadcast = Broadcast.objects.latest("pk")
    assert broadcast.segment["list"] == "stakeholders"
    assert broadcast.recipients_estimate == 1  # the RW head; the Linmas head has no consent
    page = client_for(cast.kec_verifier).get(f"/sms/broadcasts/{broadcast.pk}/").content.decode()
    assert "Setujui dan kirim ke 1 nomor" in page or "Approve and send to 1 number" in page
    with django_capture_on_commit_callbacks(execute=True):
        client_for(cast.kec_verifier).post(f"/sms/broadcasts/{broadcast.pk}/approve/")
    sent = list(SmsMessage.objects.filter(broadcast=broadcast).values_list("to", "text"))
    assert sent == [(world["yes1"].phone, "Yth Ketua RW Tiga, rapat di balai desa Senin 09.00.")]


def test_a_named_stakeholder_without_consent_is_refused_and_nothing_stored(cast, client_for, world):
    before = Broadcast.objects.count()
    client = client_for(cast.kec_officer)
    for action in ("preview", "create"):
        answer = _post(client, area=cast.kecamatan.code, stakeholder=world["no"].pk, action=action)
        assert answer.status_code == 200
        text = answer.content.decode()
        assert "Ketua Linmas belum setuju menerima SMS" in text
    assert Broadcast.objects.count() == before


def test_a_named_stakeholder_with_consent_gets_it_alone(cast, client_for, world):
    answer = _post(client_for(cast.kec_officer), area=cast.kecamatan.code, stakeholder=world["yes2"].pk)
    assert answer.context["preview"].recipients == 1
    assert "Yth Ketua BPD" in answer.context["preview"].sample


def test_archived_and_other_areas_are_never_recipients(cast, client_for, world):
    from warga.stakeholders.services import stakeholder_archive

    stakeholder_archive(actor=cast.actor(cast.kec_officer), stakeholder_id=world["yes2"].pk, reason="Diganti")
    answer = _post(client_for(cast.kec_officer), area=cast.kecamatan.code)
    assert answer.context["preview"].recipients == 1
    # Another kecamatan's stakeholder cannot be named from here.
    assert _post(client_for(cast.kec_officer), area=cast.kecamatan.code,
                 stakeholder=world["elsewhere"].pk).status_code == 404  # fmt: skip


def test_an_opd_officer_without_broadcast_rights_gets_403(cast, client_for, people, world):
    assert client_for(people.dinkes).get("/stakeholders/sms/").status_code == 403
