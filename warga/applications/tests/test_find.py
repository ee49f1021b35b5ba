"""The menu's search box: a NIK, a KK number, an application code or a name, in the officer's area."""

from __future__ import annotations

import pytest
from django.urls import reverse

from warga.audit.models import AuditLog

pytestmark = pytest.mark.django_db

FIND = "/find/"


def test_a_nik_opens_the_resident_and_the_read_is_audited(cast, client_for, flow):
    head = flow.household.head
    client = client_for(cast.kec_officer)
    response = client.post(FIND, {"q": f" {head.nik[:6]} {head.nik[6:]} "})
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:resident", args=[head.pk])
    assert head.nik not in response["Location"]
    before = AuditLog.objects.count()
    client.get(response["Location"])
    assert AuditLog.objects.count() > before


def test_a_kk_number_opens_the_family(cast, client_for, flow):
    family = flow.household.head.family
    response = client_for(cast.kec_officer).post(FIND, {"q": family.kk_number})
    assert response["Location"] == reverse("registry:family", args=[family.pk])


def test_a_tracking_code_opens_the_application(cast, client_for, flow):
    app = flow.submit()
    code = app.tracking_code.lower()
    response = client_for(cast.kec_officer).post(FIND, {"q": f"{code[:5]}-{code[5:]}"})
    assert response["Location"] == reverse("applications:detail", args=[app.pk])


def test_a_name_is_handed_to_the_register_search_keeping_the_post(cast, client_for, flow):
    client = client_for(cast.kec_officer)
    response = client.post(FIND, {"q": flow.household.head.full_name})
    assert response.status_code == 307
    assert response["Location"] == reverse("registry:search")
    followed = client.post(response["Location"], {"q": flow.household.head.full_name})
    assert flow.household.head.nik in followed.content.decode()


def test_nothing_outside_the_area_and_nothing_for_the_anonymous(cast, client_for, flow):
    head = flow.household.head
    app = flow.submit()
    type(app).objects.filter(pk=app.pk).update(tracking_code="FVMN7PYD9J")
    app.refresh_from_db()
    outsider = client_for(cast.outsider)
    for text in (head.nik, head.family.kk_number, app.tracking_code):
        response = outsider.post(FIND, {"q": text}, follow=True)
        assert "Tidak ditemukan" in response.content.decode(), (text, response.redirect_chain)
        assert head.full_name not in response.content.decode()
    assert client_for(None).post(FIND, {"q": head.nik}).status_code == 302  # to the login page
    assert client_for(cast.kec_officer).get(FIND).status_code == 405
    empty = client_for(cast.kec_officer).post(FIND, {"q": "   "}, follow=True)
    assert "Tidak ditemukan" in empty.content.decode()


def test_the_box_is_in_the_menu_and_posts(cast, client_for):
    html = client_for(cast.kec_officer).get("/").content.decode()
    assert 'action="/find/"' in html and 'method="post"' in html.split('action="/find/"')[0][-200:]
