"""Residents' invitations (hajat): by SMS or at the desa office, approved or refused, quota, rules."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client, TestCase

from warga.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from warga.messaging.models import Invitation, InvitationStatus, SmsMessage, SmsPurpose, SmsStatus
from warga.messaging.services import invitation_approve, invitation_refuse, invitation_request

pytestmark = pytest.mark.django_db


def sms_in(secret: str, sender: str, text: str, ref: str):
    query = urlencode({"secret": secret, "from": sender, "to": "1234", "text": text, "id": ref})
    with TestCase.captureOnCommitCallbacks(execute=True):  # handled once the request commits
        return Client().get("/api/v1/sms/kannel/incoming?" + query)


def request(people, scope="rt", text="Mengundang Bapak/Ibu ke syukuran khitanan, Sabtu 10.00 di rumah kami."):
    return invitation_request(
        resident=people.siti, number="+6281200000001", scope=scope, text=text, channel="sms"
    )


def test_by_sms_then_approved_reaches_the_rt_with_the_senders_name(
    cast, people, secret, django_capture_on_commit_callbacks
):
    from .conftest import make_phone, make_resident

    neighbour = make_resident(cast.desa, name="NENG ROSMIATI", sex="F", rw=1, rt=1)
    make_phone(neighbour, "+6281200000020")
    sms_in(secret, "6281200000001", "UNDANG RT Syukuran khitanan Sabtu 10.00 di rumah kami", "u-1")
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.scope, invitation.rt, invitation.rw) == ("pending", "rt", 1, 1)
    assert "menunggu persetujuan operator desa" in SmsMessage.objects.get(purpose=SmsPurpose.REPLY).text
    with django_capture_on_commit_callbacks(execute=True):
        invitation_approve(actor=cast.actor(cast.desa_operator), invitation_id=invitation.pk)
    sent = SmsMessage.objects.filter(purpose=SmsPurpose.INVITATION)
    assert set(sent.values_list("to", flat=True)) == {"+6281200000001", "+6281200000020"}  # RT 1 of RW 1 only
    assert all(
        t.startswith("Undangan dari SITI AMINAH (RT 1/RW 1): Syukuran")
        for t in sent.values_list("text", flat=True)
    )
    assert set(sent.values_list("status", flat=True)) == {SmsStatus.DELIVERED}
    notice = SmsMessage.objects.filter(to="+6281200000001", purpose=SmsPurpose.NOTICE).get()
    assert "disetujui" in notice.text and "2 nomor" in notice.text


def test_refusal_needs_a_reason_and_tells_the_resident(cast, people):
    invitation = request(people)
    operator = cast.actor(cast.desa_operator)
    with pytest.raises(InvalidInput):
        invitation_refuse(actor=operator, invitation_id=invitation.pk, reason=" ")
    invitation_refuse(
        actor=operator, invitation_id=invitation.pk, reason="Isi undangan berisi promosi dagang."
    )
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REFUSED
    notice = SmsMessage.objects.get(to="+6281200000001", purpose=SmsPurpose.NOTICE)
    assert "promosi dagang" in notice.text
    assert not SmsMessage.objects.filter(purpose=SmsPurpose.INVITATION).exists()
    with pytest.raises(Conflict):
        invitation_approve(actor=operator, invitation_id=invitation.pk)


def test_only_the_desa_operator_of_that_desa(cast, people):
    invitation = request(people)
    with pytest.raises(NotAllowed):
        invitation_approve(actor=cast.actor(cast.kec_officer), invitation_id=invitation.pk)
    with pytest.raises(NotAllowed):
        invitation_approve(actor=cast.actor(cast.outsider), invitation_id=invitation.pk)
    with pytest.raises(NotFound):
        other = invitation_request(
            resident=people.elsewhere, number="+6281200000008", scope="desa", text="Hajat", channel="sms"
        )
        invitation_approve(actor=cast.actor(cast.desa_operator), invitation_id=other.pk)


def test_monthly_quota(cast, people, settings):
    settings.SMS_INVITATION_MONTHLY_QUOTA = 2
    request(people)
    refused = request(people)
    invitation_refuse(actor=cast.actor(cast.desa_operator), invitation_id=refused.pk, reason="Dobel")
    request(people)  # a refused one does not count
    with pytest.raises(Conflict) as exc:
        request(people)
    assert exc.value.code == "invitation.quota"
    assert Invitation.objects.count() == 3


@pytest.mark.parametrize(
    ("scope", "text", "code"),
    [
        ("rt", "", "invitation.empty"),
        ("rt", "x" * 301, "invitation.too_long"),
        ("rt", "Info lengkap di https://contoh.id/hajat", "invitation.link"),
        ("rt", "Daftar di bit.ly/abc", "invitation.link"),
        ("rt", "Lihat www.hajatan.com", "invitation.link"),
        ("kampung", "Hajat", "invitation.scope"),
        ("rt", "Hajat \x00", "sms.unsupported_characters"),
    ],
)
def test_content_rules(people, scope, text, code):
    with pytest.raises(InvalidInput) as exc:
        request(people, scope=scope, text=text)
    assert exc.value.code == code
    assert Invitation.objects.count() == 0


def test_links_when_allowed(people, settings):
    settings.SMS_INVITATION_ALLOW_LINKS = True
    assert request(people, text="Peta: https://maps.example.id/x").pk


def test_sms_from_unknown_number_is_told_to_ask_the_desa_office(people, secret):
    sms_in(secret, "6281299999999", "UNDANG DESA Pengajian akbar", "u-2")
    assert Invitation.objects.count() == 0
    assert "kantor desa" in SmsMessage.objects.get(purpose=SmsPurpose.REPLY).text
    sms_in(secret, "6281200000001", "UNDANG KAMPUNG Pengajian", "u-3")
    assert "UNDANG RT" in SmsMessage.objects.filter(purpose=SmsPurpose.REPLY).order_by("id").last().text


def test_operator_files_a_request_at_the_office(cast, people, client_for):
    client = client_for(cast.desa_operator)
    response = client.post(
        "/sms/invitations/",
        {"nik": people.budi.nik, "scope": "rw", "text": "Walimatul ursy putri kami, Minggu 09.00"},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.resident, invitation.channel, invitation.scope) == (people.budi, "desa_office", "rw")
    page = client.get("/sms/invitations/")
    assert "Walimatul ursy" in page.content.decode()
    bad = client.post("/sms/invitations/", {"nik": people.elsewhere.nik, "scope": "rw", "text": "x"})
    assert "Tidak ada warga dengan NIK ini" in bad.content.decode()
    unverified = client.post("/sms/invitations/", {"nik": people.unverified.nik, "scope": "rw", "text": "x"})
    assert "belum memiliki nomor telepon terverifikasi" in unverified.content.decode()
    assert Invitation.objects.count() == 1
    client.post(f"/sms/invitations/{invitation.pk}/approve/")
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.APPROVED


def test_the_count_of_neighbours_is_shown_and_none_is_refused(cast, people, client_for):
    """Approving an invitation nobody else can receive is refused with the reason, not sent to 0."""
    from .conftest import make_phone, make_resident

    invitation = request(people, scope="rt")  # RT 1/RW 1: only the sender has a number there
    client = client_for(cast.desa_operator)
    page = client.get("/sms/invitations/").content.decode()
    assert "Tidak ada yang dapat menerimanya di sini" in page
    assert f"/sms/invitations/{invitation.pk}/approve/" not in page
    with pytest.raises(InvalidInput) as refused:
        invitation_approve(actor=cast.actor(cast.desa_operator), invitation_id=invitation.pk)
    assert refused.value.code == "invitation.empty"
    client.post(f"/sms/invitations/{invitation.pk}/approve/")
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert not SmsMessage.objects.filter(purpose=SmsPurpose.INVITATION).exists()

    make_phone(make_resident(cast.desa, name="NENG ROSMIATI", sex="F", rw=1, rt=1), "+6281200000020")
    page = client.get("/sms/invitations/").content.decode()
    assert "Dikirim ke 1 nomor." in page
    assert f"/sms/invitations/{invitation.pk}/approve/" in page


def test_the_status_filter_means_what_it_says(cast, people, client_for):
    pending = request(people, text="Pengajian rutin malam Jumat di rumah kami, mohon hadir.")
    refused = request(people, text="Syukuran rumah baru hari Minggu, mohon hadir semuanya.")
    invitation_refuse(actor=cast.actor(cast.desa_operator), invitation_id=refused.pk, reason="Ganda.")
    client = client_for(cast.desa_operator)
    default = client.get("/sms/invitations/").content.decode()
    assert "Pengajian rutin" in default and "Syukuran rumah" not in default
    assert 'value="pending" selected' in default
    everything = client.get("/sms/invitations/?status=all").content.decode()
    assert "Pengajian rutin" in everything and "Syukuran rumah" in everything
    assert 'value="all" selected' in everything
    assert pending.pk != refused.pk
