"""Residents find their desa's board without JavaScript: kecamatan, then desa, as plain links."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_kecamatan_then_desa_then_the_board(regions, client, cast):
    first = client.get("/boards/desa/")
    assert first.status_code == 200
    html = first.content.decode()
    assert "Pilih kecamatan Anda." in html and "htmx" not in html
    assert f'href="?kecamatan={cast.kecamatan.code}"' in html
    second = client.get("/boards/desa/", {"kecamatan": cast.kecamatan.code})
    assert second.status_code == 200
    html = second.content.decode()
    assert f'href="/boards/tv/{cast.desa.code}/"' in html
    assert f"/boards/tv/{cast.other_desa.code}/" not in html
    assert client.get(f"/boards/tv/{cast.desa.code}/").status_code == 200


def test_an_unknown_kecamatan_shows_the_list_again(regions, client, cast):
    response = client.get("/boards/desa/", {"kecamatan": "99.99.99" + "9" * 5000})
    assert response.status_code == 200 and response.context["chosen"] is None
    assert f'href="?kecamatan={cast.kecamatan.code}"' in response.content.decode()
