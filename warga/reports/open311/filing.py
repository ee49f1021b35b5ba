"""Filing a case through Open311 (`POST requests`): the form fields of GeoReport v2 checked and
handed to `case_file` (channel "open311"), acting as the API key's account."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _

from warga.core.errors import InvalidInput, NotFound
from warga.core.scoping import Actor, unscoped
from warga.regions.models import Region, RegionLevel

from ..models import Case, CaseChannel
from ..services import case_file
from .catalogue import SERVICES, YES_NO
from .formats import Open311Error

MAX_DESCRIPTION = 1800  # the case keeps 2,000 characters with the address and the media link
MAX_ADDRESS = 200
MAX_URL = 500


@dataclass(frozen=True)
class Filed:
    case: Case


def _one(data: Mapping[str, str], name: str, limit: int) -> str:
    value = (data.get(name) or "").strip()
    if len(value) > limit:
        raise Open311Error(
            400, _("%(field)s is too long (at most %(n)d characters).") % {"field": name, "n": limit}
        )
    return value


def _yes(data: Mapping[str, str], code: str) -> bool:
    value = (data.get(f"attribute[{code}]") or "").strip().lower()
    if value and value not in YES_NO:
        raise Open311Error(400, _("attribute[%(code)s] must be ya or tidak.") % {"code": code})
    return value == "ya"


def _email(data: Mapping[str, str]) -> None:
    """The reporter's e-mail is checked but not kept: a case has no e-mail and sends none."""
    email = _one(data, "email", 254)
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            raise Open311Error(400, _("email is not an e-mail address.")) from None


def _media_url(data: Mapping[str, str]) -> str:
    media_url = _one(data, "media_url", MAX_URL)
    if media_url:
        try:
            URLValidator(schemes=["https", "http"])(media_url)
        except ValidationError:
            raise Open311Error(400, _("media_url is not a web address.")) from None
    return media_url


def open311_file(*, actor: Actor, data: Mapping[str, str]) -> Case:
    """One service request as GeoReport v2 posts it. Raises Open311Error (400 missing or invalid,
    404 unknown service or desa); the service's own refusals keep their message."""
    code = _one(data, "service_code", 40)
    if not code:
        raise Open311Error(400, _("service_code was not provided."))
    service = SERVICES.get(code)
    if service is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": code[:40]})
    lat, lon = _one(data, "lat", 30), _one(data, "long", 30)
    address = _one(data, "address_string", MAX_ADDRESS)
    if not ((lat and lon) or address):
        raise Open311Error(400, _("lat and long, or address_string, are required."))
    if bool(lat) != bool(lon):
        raise Open311Error(400, _("lat and long are given together."))
    desa_code = _one(data, "attribute[desa]", 20)
    if not desa_code:
        raise Open311Error(400, _("attribute[desa] is required."))
    with unscoped("Open311: the desa named is any desa of the installation"):
        desa = Region.objects.filter(code=desa_code, level=RegionLevel.DESA).first()
    if desa is None:
        raise Open311Error(400, _("attribute[desa] is not a desa code of this region."))
    description = _one(data, "description", MAX_DESCRIPTION)
    if not description:
        raise Open311Error(400, _("description was not provided."))
    _email(data)
    media_url = _media_url(data)
    anonymous = _yes(data, "anonim")
    confidential = _yes(data, "rahasia")
    name = " ".join(p for p in (_one(data, "first_name", 60), _one(data, "last_name", 60)) if p)
    phone = _one(data, "phone", 20)
    text = description
    if address:
        text += "\n" + _("Location: %(address)s") % {"address": address}
    if media_url:  # kept as a link for the handler: never fetched by the server
        text += "\n" + _("Photo: %(url)s") % {"url": media_url}
    try:
        return case_file(
            actor=actor,
            text=text,
            channel=CaseChannel.OPEN311,
            kind=service.kind,
            category=service.category,
            desa=desa,
            phone=phone,
            name=name,
            anonymous=anonymous,
            confidential=confidential,
            latitude=lat or None,
            longitude=lon or None,
        )
    except NotFound:
        raise Open311Error(400, _("attribute[desa] is outside the area of this API key.")) from None
    except InvalidInput as exc:
        raise Open311Error(400, str(exc.message)) from None
