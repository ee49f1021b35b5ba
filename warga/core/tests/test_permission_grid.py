"""The permission grid: every page (from the URL configuration) and every API operation (from the
OpenAPI document) × every role in `warga.core.permissions.Role`, plus anonymous.

The expected answer comes from the route's own declaration (`@requires`, `@login_only`,
`@public`), never from a table kept here:

- anonymous: a login redirect (pages) or 401 (API), except on public routes;
- a role without the capability: 403;
- a role with it: the declared success (200 unless the page declares otherwise), or 405 when
  the page only takes POST (the access check runs first, so 405 means it let the caller in).
  API writes are sent with an empty body inside a rolled-back transaction: the answer must be
  anything but 401/403.

Every 4xx an API operation answers here — and the 409 of an `Idempotency-Key` reused with
another body, tried on every POST — must be among the 4xx its OpenAPI description declares.

Routes with parameters get real objects of a demo-seeded world in the officers' kecamatan
(`PAGE_PARAMS` / `API_PARAMS`); a role holding the capability must then get the page, not 404.
A route with parameters and no entry there fails the grid, as does a route without a declaration.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver
from django.urls.resolvers import RoutePattern

from warga.accounts.models import User
from warga.core.checks import page_routes, undeclared_capabilities, undeclared_routes
from warga.core.permissions import Access, Role, access_of, capabilities_of, requires
from warga.core.scoping import Actor

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"


# --- The world: demo data of the first kecamatan, one officer per role -------------------------


@dataclass
class World:
    users: dict[str, User]  # role → a user holding only that role
    objects: dict[str, Any]
    clients: dict[str | None, Client]  # role → logged in (None: anonymous)


def _seed_world(cast: Any) -> World:
    from django.conf import settings

    from warga.accounts.demo import demo_users_create
    from warga.applications import demo as applications_demo
    from warga.boards import demo as boards_demo
    from warga.cards import demo as cards_demo
    from warga.dedupe import demo as dedupe_demo
    from warga.outreach import demo as outreach_demo
    from warga.ppid import demo as ppid_demo
    from warga.queues import demo as queues_demo
    from warga.regions.models import Region
    from warga.registry.synthetic import populate
    from warga.reports import demo as reports_demo
    from warga.stakeholders import demo as stakeholders_demo

    region = Region.objects.get(code=settings.WARGA_REGION_CODE)
    demo_users_create(region=region)
    # The register part of the demo, smaller: a few hundred residents in the two kecamatan.
    populate(
        area_codes=[cast.kecamatan.code, cast.other_kecamatan.code],
        people=400,
        seed=2026,
        duplicate_rate=0.02,
    )
    for module in (
        applications_demo,
        cards_demo,
        dedupe_demo,
        outreach_demo,
        boards_demo,
        reports_demo,
        ppid_demo,
        stakeholders_demo,
        queues_demo,
    ):
        module.seed(region, size="small", seed=2026)

    users = {role.value: _user_with_only(role.value) for role in Role}
    _complete(cast)
    clients: dict[str | None, Client] = {None: Client()}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    return World(users=users, objects=_objects(cast), clients=clients)


def _complete(cast: Any) -> None:
    """What the demo data does not hold: a SUKET, a register import, a card status import, a
    broadcast, a batch of issued documents sent back to the kecamatan office, a print batch with
    a card printed and sent to that office (and places still to print: the demo's print day is
    closed and its cards for that office already received), a resident's invitation
    waiting for the desa operator and a field phone's assignment, each in the officers'
    kecamatan (the area a holder of the capability can see), made through the apps' services."""
    from django.utils import timezone

    from warga.cards.models import KtpCard, KtpStatus, StatusImport, Suket
    from warga.cards.services import suket_issue
    from warga.imports.models import ImportBatch
    from warga.messaging.broadcasts import broadcast_create
    from warga.org.models import Unit, UnitKind

    kec = cast.kecamatan
    counter = cast.actor(cast.kec_officer)
    if not Suket.objects.filter(resident__desa__within=kec.code).exists():
        card = (
            KtpCard.objects.filter(
                resident__desa__within=kec.code,
                status__in=[KtpStatus.RECORDED, KtpStatus.PRR],
            )
            .order_by("pk")
            .first()
        )
        assert card is not None, "the demo data has no recorded KTP-el waiting in the kecamatan"
        office = Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=kec)
        suket_issue(actor=counter, resident=card.resident, office=office)
    if not StatusImport.objects.exists():
        StatusImport.objects.create(
            filename="status.csv", sha256="0" * 64, state="applied", actor=cast.head, area=cast.kabupaten
        )
    if not ImportBatch.objects.exists():
        ImportBatch.objects.create(
            file="imports/grid.csv",
            file_name="grid.csv",
            file_sha256="0" * 64,
            file_format="csv",
            layout="siak",
            mode="all",
            status="published",
            area=kec,
            created_by=cast.kec_verifier,
            finished_at=timezone.now(),
        )
    from warga.applications.models import Batch
    from warga.applications.services import batch_dispatch_issued
    from warga.cards.models import Delivery, ItemResult, PrintBatchItem
    from warga.cards.priority import candidates, default_rule_set
    from warga.cards.services import delivery_send, print_batch_lock, print_item_record
    from warga.messaging.broadcasts import invitation_request
    from warga.messaging.models import Broadcast, Invitation, InvitationStatus
    from warga.outreach.models import Assignment, OutreachEvent
    from warga.outreach.services import assignment_issue, device_register
    from warga.registry.models import Phone

    printing = Unit.objects.get(code="disdukcapil")
    kec_office = Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=kec)
    waiting_here = PrintBatchItem.objects.filter(kecamatan_code=kec.code, result=ItemResult.PENDING)
    on_the_way = Delivery.objects.filter(to_office=kec_office, received_at__isnull=True)
    if not (waiting_here.exists() and on_the_way.exists()):
        printer = cast.actor(cast.printer)
        # The whole print queue of the (small) world, so that places of the kecamatan are in it.
        waiting = candidates(actor=printer, office=printing).count()
        batch = print_batch_lock(actor=printer, office=printing, rule_set=default_rule_set(), size=waiting)
        places = list(batch.items.filter(kecamatan_code=kec.code).order_by("rank")[:2])
        assert len(places) == 2, "the print queue holds fewer than two places in the kecamatan"
        printed = print_item_record(  # the last blank of the demo's allocation: its print day uses the first
            actor=printer, item=places[0], result=ItemResult.PRINTED, card_serial="0320302000"
        )
        delivery_send(actor=printer, from_office=printing, to_office=kec_office, cards=[printed.card])
    if not Batch.objects.filter(direction=Batch.Direction.TO_KECAMATAN, office=kec_office).exists():
        # The demo's issued document goes back to its office (it keeps its document number).
        batch_dispatch_issued(actor=cast.actor(cast.printer))
    if not Invitation.objects.filter(desa__within=kec.code, status=InvitationStatus.PENDING).exists():
        phone = (
            Phone.objects.filter(
                resident__desa=cast.desa,
                resident__died_on__isnull=True,
                verified_at__isnull=False,
                opted_out_at__isnull=True,
            )
            .order_by("pk")
            .first()
        )
        assert phone is not None, "the demo data has no verified phone in the desa"
        invitation_request(
            actor=cast.actor(cast.desa_operator),
            resident=phone.resident,
            number=phone.number,
            scope="desa",
            text="Syukuran khitanan di rumah kami, Sabtu pukul 09.00.",
            channel="desa_office",
        )
    if not Assignment.objects.filter(event__desa__within=kec.code).exists():
        event = OutreachEvent.objects.filter(desa__within=kec.code).order_by("pk").first()
        assert event is not None, "the demo data has no outreach day in the kecamatan"
        field = cast.actor(event.team.members.order_by("pk").first())
        device, _token = device_register(actor=field, label="Ponsel tim")
        assignment_issue(actor=field, device=device, event=event)
    if not Broadcast.objects.exists():
        broadcast_create(
            actor=counter,
            text="Uji jaringan",
            area_code=kec.code,
            segment={},
            name="Grid",
            scheduled_for=None,
        )


def _user_with_only(role: str) -> User:
    for user in User.objects.filter(is_active=True).order_by("pk"):
        if set(user.role_codes()) == {role}:
            return user
    raise AssertionError(f"no demo user holds only {role}")


def _objects(cast: Any) -> dict[str, Any]:
    from warga.accounts.models import ApiToken
    from warga.applications.models import Application, Attachment, Batch, PaperBatch, Service
    from warga.applications.selectors import document_token
    from warga.boards.models import Announcement
    from warga.cards.documents import suket_token
    from warga.cards.models import (
        Delivery,
        ItemResult,
        KtpCard,
        PrintBatch,
        PrintBatchItem,
        PriorityRuleSet,
        StatusImport,
        Suket,
    )
    from warga.dedupe.models import DuplicateCandidate
    from warga.imports.models import ImportBatch
    from warga.messaging.models import Broadcast, Invitation, InvitationStatus
    from warga.org.models import Unit, UnitKind
    from warga.outreach.models import Assignment, Device, OutreachEvent
    from warga.ppid.models import (
        AnswerDocument,
        ExemptInformation,
        InformationDocument,
        InformationRequest,
        Objection,
        PublicInformation,
    )
    from warga.ppid.services import download_token
    from warga.registry.models import Phone, Resident
    from warga.reports.models import Case, CasePhoto, EmergencyDispatch, RoutingRule
    from warga.reports.open311.views import token_for
    from warga.stakeholders.models import Stakeholder

    kec = cast.kecamatan.code

    def first(qs: Any) -> Any:
        return qs.order_by("pk").first()

    attachment = first(Attachment.objects.filter(application__kecamatan__code=kec))
    # The demo's legal body's letter: held by the officers' kecamatan office (its pembantu sees
    # it), granted, with an answer document; and the demo's objection.
    ppid_request = first(
        InformationRequest.objects.filter(holding_unit__area=cast.kecamatan, requester_kind="legal_body")
    )
    ppid_document = first(AnswerDocument.objects.filter(request=ppid_request))
    issued = first(
        Application.objects.filter(kecamatan__code=kec, document_number__isnull=False).exclude(
            document_number=""
        )
    )
    suket = first(Suket.objects.filter(resident__desa__within=kec))
    _raw, prefix, key_hash = ApiToken.generate()
    resident = first(Resident.objects.filter(desa__within=kec, family__isnull=False, died_on__isnull=True))
    # The open batch with places still to print in the kecamatan (the demo's print day is closed).
    print_item = first(PrintBatchItem.objects.filter(kecamatan_code=kec, result=ItemResult.PENDING))
    print_batch = print_item.batch if print_item else first(PrintBatch.objects.all())
    return {
        "resident": resident,
        "family": resident.family if resident else None,
        "phone": first(Phone.objects.filter(resident__desa__within=kec)),
        "application": attachment.application
        if attachment
        else first(Application.objects.filter(kecamatan__code=kec)),
        "attachment": attachment,
        "issued_application": issued,
        "document_token": document_token(issued.document_number) if issued else None,
        "service": first(Service.objects.all()),
        "kec_unit": Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=cast.kecamatan),
        "staff": cast.kec_officer,
        "broadcast": first(Broadcast.objects.all()),
        "import_batch": first(ImportBatch.objects.all()),
        "candidate": first(DuplicateCandidate.objects.all()),
        "status_import": first(StatusImport.objects.all()),
        "rule_set": first(PriorityRuleSet.objects.all()),
        "print_batch": print_batch,
        "print_item": print_item,
        "delivery": first(Delivery.objects.filter(to_office__area=cast.kecamatan, received_at__isnull=True)),
        "application_batch": first(
            Batch.objects.filter(
                direction=Batch.Direction.TO_KECAMATAN, kecamatan=cast.kecamatan, received_at__isnull=True
            )
        ),
        # Only a manual office has paper batches (the demo's last kecamatan; this one works
        # online); the Disdukcapil verifier holding the capability sees them all.
        "paper_batch": first(PaperBatch.objects.all()),
        "invitation": first(Invitation.objects.filter(desa__within=kec, status=InvitationStatus.PENDING)),
        "assignment": first(Assignment.objects.filter(event__desa__within=kec)),
        "card": first(KtpCard.objects.filter(resident__desa__within=kec)),
        "suket": suket,
        "suket_token": suket_token(suket) if suket else None,
        "api_token": ApiToken.objects.create(
            user=cast.kec_officer, name="grid", key_prefix=prefix, key_hash=key_hash
        ),
        "announcement": first(Announcement.objects.all()),
        "event": first(OutreachEvent.objects.all()),
        "device": Device.objects.create(
            user=cast.outreach, label="Ponsel grid", token_hash=Device.hash_token(Device.new_token())
        ),
        "desa": cast.desa,
        "printing_office": Unit.objects.get(code="disdukcapil"),
        # The demo's first case: in the officers' desa, assigned to the health office (the
        # demo's agency staff), with a photo.
        "case": first(Case.objects.filter(region__within=kec, assigned_unit__code="dinkes")),
        "case_photo": first(
            CasePhoto.objects.filter(case__region__within=kec, case__assigned_unit__code="dinkes")
        ),
        "routing_rule": first(RoutingRule.objects.all()),
        # The demo's 112 call in the officers' desa, with its bodies sent.
        "emergency": first(Case.objects.filter(region__within=kec, kind="darurat", channel="call112")),
        "emergency_dispatch": first(
            EmergencyDispatch.objects.filter(case__region__within=kec, case__channel="call112")
        ),
        # A case Open311 lists: the demo's power outage (not confidential, a public service).
        "public_case": first(
            Case.objects.filter(region__within=kec, category="listrik_padam", confidential=False)
        ),
        "open311_token": token_for(first(Case.objects.all()).pk),
        "ppid_request": ppid_request,
        "ppid_document": ppid_document,
        "ppid_token": download_token(ppid_document) if ppid_document else None,
        "ppid_objection": first(Objection.objects.all()),
        # The registers: the demo's entries of the officers' kecamatan office (its pembantu keeps them).
        "ppid_dip": first(PublicInformation.objects.filter(unit__area=cast.kecamatan)),
        "ppid_dip_document": first(InformationDocument.objects.filter(entry__unit__area=cast.kecamatan)),
        "ppid_exempt": first(ExemptInformation.objects.filter(unit__area=cast.kecamatan)),
        # The demo's Dinkes stakeholder in the officers' kecamatan (Dinkes staff, the kecamatan
        # officers and the PPID utama all see it).
        "stakeholder": first(Stakeholder.objects.filter(region__within=kec, unit__code="dinkes")),
        **_case_extras(cast),
        "survey_token": _survey_token(cast),
        **_queue_extras(cast),
    }


def _queue_extras(cast: Any) -> dict[str, Any]:
    """The demo's queue of the officers' kecamatan office, a counter and a ticket of today (made
    directly: the services issue tickets only on a working day in office hours)."""
    from django.utils import timezone

    from warga.queues.models import Counter, QueueOffice, Ticket
    from warga.queues.selectors import kiosk_token

    office = QueueOffice.objects.get(unit__area=cast.kecamatan)
    service = office.services.order_by("pk").first()
    now = timezone.now()
    ticket = Ticket.objects.filter(office=office, day=timezone.localdate()).first() or Ticket.objects.create(
        office=office,
        service=service,
        first_service=service,
        day=timezone.localdate(),
        number=900,
        code=f"{service.letter}-900",
        source="desk",
        sort_at=now,
        issued_at=now,
    )
    return {
        "queue_office": office,
        "queue_counter": Counter.objects.filter(office=office).order_by("number").first(),
        "queue_ticket": ticket,
        "kiosk_token": kiosk_token(office),
    }


def _survey_token(cast: Any) -> str:
    """A fresh satisfaction-survey link of the officers' kecamatan office."""
    from warga.org.models import Unit, UnitKind
    from warga.survey.services import survey_invite

    invitation = survey_invite(
        actor=None,
        unit=Unit.objects.get(kind=UnitKind.KECAMATAN_OFFICE, area=cast.kecamatan),
        service="grid",
        source=("grid", 1),
        phone="081239990001",
        region=cast.desa,
    )
    assert invitation is not None
    return str(invitation.link_token)  # type: ignore[attr-defined]


def _case_extras(cast: Any) -> dict[str, Any]:
    """A reported death accepted in the officers' desa (its task for the desa office) and a power
    cut assigned to PLN with its link, made through the services."""
    from warga.accounts.models import User
    from warga.org.models import Unit
    from warga.reports.models import CasePhoto, CaseTask
    from warga.reports.services import case_file, case_transition
    from warga.reports.services.links import link_issue

    handler = Actor.for_user(User.objects.filter(roles__role=Role.COMPLAINT_HANDLER).order_by("pk").first())
    death = case_file(
        actor=None, text="Warga RT 01 meninggal dunia", channel="web", category="kematian", desa=cast.desa
    )
    case_transition(actor=handler, case_id=death.pk, action="verify")
    import io

    from PIL import Image

    jpeg = io.BytesIO()
    Image.new("RGB", (60, 40), "orange").save(jpeg, "JPEG")
    outage = case_file(
        actor=None, text="Listrik padam di RT 02", channel="web", desa=cast.desa, photos=[jpeg.getvalue()]
    )
    pln = Unit.objects.get(code="pln")
    case_transition(actor=handler, case_id=outage.pk, action="accept", unit_id=pln.pk)
    outage.refresh_from_db()
    return {
        "case_task": CaseTask.objects.get(case=death),
        "case_link_token": link_issue(case=outage, unit=pln),
        "case_link_photo": CasePhoto.objects.get(case=outage),
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Any:
    """Seeded once for the module inside a transaction rolled back at its end; each test's own
    transaction nests inside it."""
    import conftest

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _seed_world(conftest._ensure_cast())
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- Parameters of detail routes ---------------------------------------------------------------

ParamFactory = Callable[[dict[str, Any]], dict[str, Any]]


def _pk(name: str, key: str = "pk") -> ParamFactory:
    return lambda o: {key: o[name].pk if o.get(name) is not None else None}


PAGE_PARAMS: dict[str, ParamFactory] = {
    "accounts:token_revoke": _pk("api_token", "token_id"),  # POST only
    "accounts:staff_edit": _pk("staff", "user_id"),
    "accounts:staff_action": lambda o: {"user_id": o["staff"].pk, "action": "deactivate"},  # POST only
    "org:unit_edit": _pk("kec_unit", "unit_id"),
    "messaging:broadcast_detail": _pk("broadcast"),
    "messaging:broadcast_decide": lambda o: {**_pk("broadcast")(o), "action": "approve"},  # POST only
    "messaging:invitation_decide": lambda o: {**_pk("invitation")(o), "action": "approve"},  # POST only
    **{
        f"registry:{name}": _pk("resident")
        for name in ("resident", "resident_edit", "death", "move", "marriage", "divorce", "phone_add")
    },
    "registry:phone_verify": _pk("phone"),
    **{
        f"registry:{name}": _pk("family")
        for name in (
            "family",
            "birth",
            "family_address",
            "family_member_new",
            "family_member_add",
            "family_member_remove",
            "family_split",
        )
    },
    "imports:batch": _pk("import_batch"),
    "imports:issues": _pk("import_batch"),
    "imports:template": lambda o: {"file_format": "csv"},
    "dedupe:candidate": _pk("candidate"),
    "dedupe:reject": _pk("candidate"),  # POST only
    "applications:detail": _pk("application"),
    "applications:transition": _pk("application"),
    "applications:signature": _pk("application"),
    "applications:attach": lambda o: {"pk": o["application"].pk, "requirement": "ktp"},
    "applications:attachment": lambda o: {"pk": o["application"].pk, "attachment_id": o["attachment"].pk},
    "applications:receipt": _pk("application"),
    "applications:document": _pk("issued_application"),
    "applications:batch_receive": _pk("application_batch", "batch_id"),  # POST only
    "applications:service_edit": lambda o: {"code": o["service"].code},
    "applications:apply_service": lambda o: {"code": o["service"].code},
    "applications:track_detail": lambda o: {"code": o["application"].tracking_code},
    "applications:track_resubmit": lambda o: {"code": o["application"].tracking_code},
    "applications:verify_detail": lambda o: {
        "number": o["issued_application"].document_number,
        "token": o["document_token"],
    },  # public
    **{f"cards:{name}": _pk("resident") for name in ("resident", "record", "status_update", "suket_issue")},
    "cards:import_detail": _pk("status_import"),
    "cards:stock_ledger": _pk("kec_unit", "office_id"),
    "cards:rule_edit": _pk("rule_set"),
    "cards:batch": _pk("print_batch"),
    "cards:batch_close": _pk("print_batch"),  # POST only
    "cards:batch_results": _pk("print_batch"),
    "cards:item_result": _pk("print_item"),  # POST only
    "cards:receive": _pk("delivery"),  # POST only
    "cards:handover": _pk("card"),
    "cards:suket_pdf": _pk("suket"),
    "cards:suket_revoke": _pk("suket"),  # POST only
    "cards:suket_verify": lambda o: {"token": o["suket_token"]},  # public
    "outreach:event": _pk("event"),
    "outreach:event_action": lambda o: {"pk": o["event"].pk, "action": "cancel"},  # POST only
    "outreach:targets_move": _pk("event"),  # POST only
    "outreach:device_revoke": _pk("device"),  # a confirmation page, then POST
    "outreach:assignment_extend": _pk("assignment"),  # POST only
    "boards:moderate": _pk("announcement"),  # POST only
    "boards:withdraw": _pk("announcement"),  # POST only
    "boards:tv": lambda o: {"code": o["desa"].code},
    "reports:case": _pk("case"),
    "reports:case_act": _pk("case"),  # POST only
    "reports:case_photo": lambda o: {"pk": o["case"].pk, "photo_id": o["case_photo"].pk},
    "reports:publication": _pk("case"),  # POST only
    "reports:task": _pk("case_task"),
    "reports:task_cancel": _pk("case_task"),  # POST only
    "reports:link": lambda o: {"token": o["case_link_token"]},  # public
    "reports:link_photo": lambda o: {"token": o["case_link_token"], "photo_id": o["case_link_photo"].pk},
    "reports:routing_edit": _pk("routing_rule"),
    "reports:routing_delete": _pk("routing_rule"),  # POST only
    "reports:emergency": _pk("emergency"),
    "reports:emergency_dispatch": _pk("emergency"),  # POST only
    "reports:emergency_time": lambda o: {"pk": o["emergency"].pk, "dispatch_id": o["emergency_dispatch"].pk},
    "reports:emergency_mark": _pk("emergency"),  # POST only
    "reports:open311_discovery": lambda o: {"fmt": "json"},
    "reports:open311_discovery_v2": lambda o: {"fmt": "xml"},
    "reports:open311_services": lambda o: {"fmt": "json"},
    "reports:open311_service": lambda o: {"code": "jalan", "fmt": "xml"},
    "reports:open311_requests": lambda o: {"fmt": "json"},
    "reports:open311_request": lambda o: {"pk": o["public_case"].pk, "fmt": "json"},
    "reports:open311_token": lambda o: {"token": o["open311_token"], "fmt": "json"},
    "boards:feed": lambda o: {"code": o["desa"].code},
    **{
        f"ppid:{name}": _pk("ppid_request")
        for name in ("detail", "act", "attach", "papers", "receipt", "notice")  # act, attach: POST only
    },
    "ppid:document": lambda o: {"pk": o["ppid_request"].pk, "document_id": o["ppid_document"].pk},
    "ppid:download": lambda o: {"token": o["ppid_token"]},  # public
    "ppid:objection": _pk("ppid_objection"),
    "ppid:objection_decide": _pk("ppid_objection"),  # POST only
    "ppid:dispute": _pk("ppid_objection"),  # POST only
    "ppid:dip_document": _pk("ppid_dip_document", "document_id"),  # public
    "ppid:dip_edit": _pk("ppid_dip"),
    "ppid:dip_attach": _pk("ppid_dip"),  # POST only
    "ppid:dip_withdraw": _pk("ppid_dip"),  # POST only
    "ppid:exempt_edit": _pk("ppid_exempt"),
    "ppid:exempt_withdraw": _pk("ppid_exempt"),  # POST only
    "stakeholders:detail": _pk("stakeholder"),
    "stakeholders:edit": _pk("stakeholder"),
    "stakeholders:archive": _pk("stakeholder"),  # POST only
    "survey:answer": lambda o: {"token": o["survey_token"]},  # public
    "survey:export": lambda o: {"fmt": "csv"},
    "queues:book": _pk("queue_office", "office_id"),  # public
    "queues:kiosk": lambda o: {"token": o["kiosk_token"]},  # public
    "queues:kiosk_ticket": lambda o: {"token": o["kiosk_token"], "ticket_id": o["queue_ticket"].pk},  # public
    "queues:screen": _pk("queue_office", "office_id"),  # public
    "queues:screen_feed": _pk("queue_office", "office_id"),  # public
    "queues:office": _pk("queue_office"),
    "queues:desk_issue": _pk("queue_office"),  # POST only
    "queues:booking_cancel": _pk("queue_office"),  # POST only
    "queues:bookings": _pk("queue_office"),
    "queues:manage": _pk("queue_office"),
    "queues:counter": _pk("queue_counter"),
    "queues:counter_act": _pk("queue_counter"),  # POST only
    "queues:ticket": _pk("queue_ticket"),
}

# OpenAPI path parameter → world object (a path listed in API_PATH_PARAMS wins).
API_PARAMS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "application_id": lambda o: o["application"].pk,
    "attachment_id": lambda o: o["attachment"].pk,
    "resident_id": lambda o: o["resident"].pk,
    "family_id": lambda o: o["family"].pk,
    "phone_id": lambda o: o["phone"].pk if o["phone"] else 1,
    "code": lambda o: o["service"].code,
    "candidate_id": lambda o: o["candidate"].pk,
    "broadcast_id": lambda o: o["broadcast"].pk if o["broadcast"] else 1,
    "suket_id": lambda o: o["suket"].pk if o["suket"] else 1,
    "card_id": lambda o: o["card"].pk,
    "import_id": lambda o: o["status_import"].pk if o["status_import"] else 1,
    "office_id": lambda o: o["kec_unit"].pk,
    "requirement": lambda o: "ktp",
    "nik": lambda o: o["resident"].nik,
    "token_id": lambda o: o["api_token"].pk,
    "announcement_id": lambda o: o["announcement"].pk,
    "device_pk": lambda o: o["device"].pk,
    "number": lambda o: o["issued_application"].document_number,
    "token": lambda o: o["suket_token"],
    # Field-app records and uploads are bound to the device that made them (exercised by the
    # outreach tests); the answer checked here is the access one.
    "record_pk": lambda o: 1,
    "upload_id": lambda o: "x",
    "item_id": lambda o: o["print_item"].pk,
    "delivery_id": lambda o: o["delivery"].pk,
    "invitation_id": lambda o: o["invitation"].pk,
    "case_id": lambda o: o["case"].pk,
    "request_id": lambda o: o["ppid_request"].pk,
    "objection_id": lambda o: o["ppid_objection"].pk,
    "entry_id": lambda o: o["ppid_dip"].pk,
    "exempt_id": lambda o: o["ppid_exempt"].pk,
    "stakeholder_id": lambda o: o["stakeholder"].pk,
    "queue_office_id": lambda o: o["queue_office"].pk,
    "counter_id": lambda o: o["queue_counter"].pk,
}
API_PATH_PARAMS: dict[str, dict[str, Callable[[dict[str, Any]], Any]]] = {
    "/api/v1/cards/batches/{batch_id}/items": {"batch_id": lambda o: o["print_batch"].pk},
    "/api/v1/cards/batches/{batch_id}/close": {"batch_id": lambda o: o["print_batch"].pk},
    "/api/v1/applications/batches/{batch_id}/receive": {"batch_id": lambda o: o["application_batch"].pk},
    "/api/v1/applications/paper-batches/{batch_id}": {"batch_id": lambda o: o["paper_batch"].pk},
    "/api/v1/regions/{code}": {"code": lambda o: o["desa"].code},
    "/api/v1/regions/{code}/children": {"code": lambda o: o["desa"].parent_id},
    "/api/v1/boards/feed/{code}": {"code": lambda o: o["desa"].code},
    "/api/v1/track/{code}": {"code": lambda o: o["application"].tracking_code},
    "/api/v1/applications/{application_id}/document.pdf": {
        "application_id": lambda o: o["issued_application"].pk
    },
}
# Required query parameters of GET operations.
API_QUERY: dict[str, Callable[[dict[str, Any]], str]] = {
    "/api/v1/cards/queue": lambda o: f"?office_id={o['printing_office'].pk}",
}
# Writes a role holding the declared capability is still refused for this world's object, by the
# service (an object-level rule the declaration cannot express), with the reason.
REFUSED_BY_THE_OBJECT: dict[tuple[str, str, str], str] = {
    (
        "post",
        "/api/v1/applications/{application_id}/signature",
        Role.OUTREACH_OFFICER,
    ): "the world's application was taken at the counter; field officers sign only field applications",
    (
        "post",
        "/api/v1/applications/{application_id}/documents/{requirement}",
        Role.OUTREACH_OFFICER,
    ): "the world's application was taken at the counter; field officers attach only to field applications",
    (
        "post",
        "/api/v1/cards/deliveries/{delivery_id}/receive",
        Role.PRINTING_OPERATOR,
    ): "the world's delivery goes to the kecamatan office; only the receiving office confirms it arrived",
    **{
        ("post", path, role): "the world's counter is the kecamatan office's; only its own staff operate it"
        for path in (
            "/api/v1/queues/counters/{counter_id}/call-next",
            "/api/v1/queues/counters/{counter_id}/finish",
        )
        for role in (Role.DISDUKCAPIL_VERIFIER, Role.PRINTING_OPERATOR, Role.DISDUKCAPIL_HEAD)
    },
}

# Reads a role holding the declared capability is answered "not found" for this world's object,
# because the object lies outside what that holder may see (an object-level rule), with the reason.
_CASE_ELSEWHERE = (
    "the world's case is assigned to the health office; a unit officer sees only its own unit's cases"
)
HIDDEN_BY_THE_OBJECT: dict[tuple[str, str], str] = {
    (route, role): _CASE_ELSEWHERE
    for route in (
        "reports:case",
        "reports:case_photo",
        "/api/v1/reports/{case_id}",
        "/api/v1/reports/{case_id}/actions",
    )
    for role in (Role.KECAMATAN_VERIFIER, Role.DISDUKCAPIL_VERIFIER)
} | {
    ("queues:bookings", role): "the world's office is the kecamatan office; its bookings are for its "
    "own staff and the queue managers, not for the Disdukcapil's counter staff"
    for role in (Role.DISDUKCAPIL_VERIFIER, Role.PRINTING_OPERATOR)
}


# --- Routes --------------------------------------------------------------------------------------


def _page_routes() -> list[tuple[str, str, Any]]:
    return sorted(page_routes(), key=lambda r: r[0])


def _route_params(route: str) -> list[str]:
    return [m.group(2) for m in re.finditer(r"<(?:(\w+):)?(\w+)>", route)]


def _concrete(route: str, params: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(2)
        return str(params.get(name, "999999"))

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def _expected_page(access: Access, role: str | None) -> str:
    if access.public:
        return "public"
    if role is None:
        return "login"
    return "ok" if access.allows(capabilities_of({role})) else "forbidden"


def _check_page(
    route: str, name: str, access: Access, client: Client, role: str | None, url: str
) -> str | None:
    response = client.get(url)
    status = response.status_code
    location = response.get("Location", "")
    expected = _expected_page(access, role)
    who = role or ANONYMOUS
    if status >= 500:
        return f"{who}: {status}"
    if expected == "public":
        if role is None and status == 404 and _route_params(route):  # given a real object
            return f"{who}: 404 on a public page given a real object"
        if (status in (401, 403) and status != access.ok) or (
            location.startswith("/login/") and access.ok != 302
        ):
            return f"{who}: {status} {location} on a public page"
        return None
    if expected == "login":
        return None if status == 302 and location.startswith("/login/") else f"{who}: {status} {location}"
    if expected == "forbidden":
        return None if status == 403 else f"{who}: {status} {location}, expected 403 ({access.describe()})"
    if status in (access.ok, 405):
        return None
    if status == 404 and (name, role) in HIDDEN_BY_THE_OBJECT:
        return None
    return f"{who}: {status} {location}, expected {access.ok} ({access.describe()})"


PAGES = _page_routes()


@pytest.mark.parametrize(("route", "name", "view"), PAGES, ids=[r[0] or "/" for r in PAGES])
def test_page_grid(world, route, name, view):
    access = access_of(view)
    assert access is not None, f"{route} ({name}) declares no access"
    has_params = bool(re.search(r"<[^>]+>", route))
    if has_params:
        assert name in PAGE_PARAMS, f"{route} ({name}) has parameters: add a PAGE_PARAMS entry"
        params = PAGE_PARAMS[name](world.objects)
        assert None not in params.values(), f"{name}: the world has no object for {params}"
        assert set(params) == set(_route_params(route)), f"{name}: PAGE_PARAMS gives {sorted(params)}"
    else:
        params = {}
    url = _concrete(route, params)
    failures = []
    for role, client in world.clients.items():
        problem = _check_page(route, name, access, client, role, url)
        if problem:
            failures.append(problem)
    assert not failures, f"{url} ({name}, {access.describe()}): " + "; ".join(failures)


# --- API -----------------------------------------------------------------------------------------


def _operations() -> dict[tuple[str, str], Any]:
    from warga.api import api
    from warga.core.api_schema import api_operations

    found = {}
    for path, method, operation in api_operations(api):
        normal = re.sub(r"\{(?:\w+:)?(\w+)\}", r"{\1}", "/api/v1" + path)
        found[(normal, method.lower())] = operation
    return found


def _session_auth(operation: Any) -> bool:
    names = {type(cb).__name__ for cb in operation.auth_callbacks}
    return bool(names & {"SessionUser", "BearerToken"})


def test_api_grid(world):  # noqa: C901 - one assertion branch per kind of expected answer, kept in one table walk
    anonymous = world.clients[None]
    schema = anonymous.get("/api/v1/openapi.json").json()
    operations = _operations()
    clients = {role: client for role, client in world.clients.items() if role is not None}
    failures = []
    seen: dict[tuple[str, str], dict[int, str]] = {}  # (method, path) → 4xx answered → by whom
    for path, methods in schema["paths"].items():
        for method, spec in methods.items():
            operation = operations.get((path, method))
            if operation is None:
                failures.append(f"{method.upper()} {path}: not found among the mounted operations")
                continue
            access = access_of(operation.view_func)
            if access is None:
                failures.append(f"{method.upper()} {path}: declares no access")
                continue
            params = {**API_PARAMS, **API_PATH_PARAMS.get(path, {})}
            names = re.findall(r"\{(\w+)\}", path)
            missing = [n for n in names if n not in params]
            if missing:
                failures.append(f"{method.upper()} {path}: add API_PARAMS for {missing}")
                continue
            values = {n: params[n](world.objects) for n in names}
            url = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)  # noqa: B023
            if path in API_QUERY:
                url += API_QUERY[path](world.objects)
            label = f"{method.upper()} {path} ({access.describe()})"
            secured = bool(spec.get("security"))
            if access.public and secured:
                failures.append(f"{label}: declared public but needs authentication")
            answered = seen.setdefault((method, path), {})
            status = _call(anonymous, method, url)
            answered.setdefault(status, ANONYMOUS)
            if access.public:
                if (status in (401, 403) and status != access.ok) or status >= 500:
                    failures.append(f"{label}: anonymous {status}")
                continue
            if status != 401:
                failures.append(f"{label}: anonymous {status}, expected 401")
            if not _session_auth(operation):
                continue  # device-bound (field app): exercised by the outreach tests
            for role, client in clients.items():
                allowed = access.allows(capabilities_of({role}))
                status = _call(client, method, url)
                answered.setdefault(status, role)
                if status >= 500:
                    failures.append(f"{label}: {role} {status}")
                elif not allowed and status != 403:
                    failures.append(f"{label}: {role} {status}, expected 403")
                elif allowed and method == "get" and status == 404 and (path, role) in HIDDEN_BY_THE_OBJECT:
                    pass
                elif allowed and method == "get" and status != 200:
                    failures.append(f"{label}: {role} {status}, expected 200")
                elif allowed and status in (401, 403) and (method, path, role) not in REFUSED_BY_THE_OBJECT:
                    failures.append(f"{label}: {role} {status}, expected to be let in")
            if method == "post":
                replayed = _reuse_idempotency_key(clients[Role.SYSTEM_ADMIN.value], url)
                if replayed is not None:
                    answered.setdefault(replayed, f"{Role.SYSTEM_ADMIN.value} reusing an Idempotency-Key")
            declared = {int(code) for code in spec["responses"]}
            failures += [
                f"{label}: answered {status} ({who}), not among the declared {sorted(declared)}"
                for status, who in sorted(answered.items())
                if 400 <= status < 500 and status not in declared
            ]
    assert not failures, "\n".join(failures)


def _reuse_idempotency_key(client: Client, url: str) -> int | None:
    """POST twice with one Idempotency-Key and two bodies: the second answer (409 expected), or
    None when the first was not kept (401, 429: the key may be retried)."""
    with transaction.atomic():
        first = client.post(url, data={}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="grid")
        second = client.post(
            url, data={"other": 1}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="grid"
        )
        transaction.set_rollback(True)
    if first.status_code in (401, 429) or first.status_code >= 500:
        return None
    assert second.status_code == 409, f"POST {url}: a reused Idempotency-Key answered {second.status_code}"
    return second.status_code


def _call(client: Client, method: str, url: str) -> int:
    if method == "get":
        return client.get(url).status_code
    with transaction.atomic():
        status = getattr(client, method)(url, data={}, content_type="application/json").status_code
        transaction.set_rollback(True)
    return status


def test_every_route_with_parameters_has_a_grid_entry():
    """Fails when a page or API operation with path parameters has no entry here (and when an
    entry names a route that no longer exists): the grid would have no real object to open."""
    problems = []
    pages = {name: route for route, name, _view in _page_routes()}
    for name, route in sorted(pages.items()):
        if _route_params(route) and name not in PAGE_PARAMS:
            problems.append(f"page {name} ({route}): add a PAGE_PARAMS entry")
    problems += [f"PAGE_PARAMS[{name!r}]: no such page" for name in PAGE_PARAMS if name not in pages]
    paths = {path for path, _method in _operations()}
    for path in sorted(paths):
        known = {**API_PARAMS, **API_PATH_PARAMS.get(path, {})}
        problems += [
            f"API {path}: add API_PARAMS[{n!r}]" for n in re.findall(r"\{(\w+)\}", path) if n not in known
        ]
    for table in (API_PATH_PARAMS, API_QUERY):
        problems += [f"{path}: no such API path" for path in table if path not in paths]
    assert not problems, "\n".join(problems)


def test_the_grid_entry_meta_test_finds_a_missing_entry(monkeypatch):
    monkeypatch.delitem(PAGE_PARAMS, "cards:rule_edit")
    monkeypatch.delitem(API_PARAMS, "suket_id")
    with pytest.raises(AssertionError) as failed:
        test_every_route_with_parameters_has_a_grid_entry()
    assert "page cards:rule_edit (cards/rules/<int:pk>/): add a PAGE_PARAMS entry" in str(failed.value)
    assert "API /api/v1/cards/sukets/{suket_id}/revoke: add API_PARAMS['suket_id']" in str(failed.value)


# --- The regional head sees aggregates, never a person (issue 12) --------------------------------


def test_regional_head_cannot_look_up_or_open_a_person_on_the_card_pages(world):
    bupati = world.clients[Role.REGIONAL_VIEWER.value]
    resident, suket = world.objects["resident"], world.objects["suket"]
    assert bupati.post("/cards/resident/", {"nik": resident.nik}).status_code == 403
    assert bupati.get(f"/cards/resident/{resident.pk}/").status_code == 403
    assert bupati.get(f"/cards/suket/{suket.pk}/pdf/").status_code == 403
    # Counts stay: the card dashboard and the outreach results, without links to a person's page.
    assert bupati.get("/cards/").status_code == 200
    results = bupati.get("/outreach/results/")
    assert results.status_code == 200
    assert b"/outreach/events/" not in results.content
    # The card officer of the kecamatan still has all three, and the events behind the results.
    counter = world.clients[Role.KECAMATAN_COUNTER.value]
    assert b"/outreach/events/" in counter.get("/outreach/results/").content
    assert counter.get(f"/cards/resident/{resident.pk}/").status_code == 200
    assert counter.get(f"/cards/suket/{suket.pk}/pdf/").status_code == 200


# --- Declarations are enforced at start-up --------------------------------------------------------


def test_system_checks_pass():
    from django.core.checks import run_checks

    errors = [str(e) for e in run_checks() if e.is_serious()]
    assert not errors, errors


def _fake_view(request: Any) -> None:
    return None


def test_a_route_without_declaration_fails():
    declared = requires("registry.view")(lambda request: None)
    resolver = URLResolver(
        RoutePattern(""),
        [
            URLPattern(RoutePattern("declared/"), declared, name="declared"),
            URLPattern(RoutePattern("forgotten/<int:pk>/"), _fake_view, name="forgotten"),
        ],
    )
    assert undeclared_routes(resolver) == ["forgotten/<int:pk>/"]


# A URL configuration with one declared page and one forgotten (the check reads ROOT_URLCONF).
urlpatterns = [
    URLPattern(RoutePattern("declared/"), requires("registry.view")(_fake_view), name="declared"),
    URLPattern(RoutePattern("forgotten/"), _fake_view, name="forgotten"),
]


def test_the_start_up_check_fails_on_an_undeclared_page(settings):
    from warga.core.checks import warga_access_checks

    settings.ROOT_URLCONF = __name__
    problems = [(e.id, e.msg) for e in warga_access_checks(None)]
    assert problems == [("warga.E010", "Page forgotten/ declares no access.")]


def test_an_undeclared_api_operation_fails():
    from ninja import NinjaAPI, Router

    from warga.core.checks import undeclared_operations

    router = Router()

    @router.get("/declared")
    @requires("registry.view")
    def declared(request: Any) -> None:
        return None

    @router.post("/forgotten")
    def forgotten(request: Any) -> None:
        return None

    api = NinjaAPI(urls_namespace="grid-meta-test")
    api.add_router("/x", router)
    assert undeclared_operations(api) == ["POST /x/forgotten"]


def test_an_undeclared_capability_fails_the_start_up_check(tmp_path):
    from warga.core import permissions

    before = len(permissions._USES)
    try:
        requires("registry.veiw")(lambda request: None)  # a typo
        (tmp_path / "services.py").write_text('def f(actor):\n    actor.require("cards.prnt")\n')
        problems = undeclared_capabilities(tmp_path)
        assert [cap for cap, _where in problems] == ["cards.prnt", "registry.veiw"]
        from warga.core.checks import warga_access_checks

        ids = {e.id for e in warga_access_checks(None)}
        assert "warga.E012" in ids
    finally:
        del permissions._USES[before:]


def test_anonymous_actor_holds_nothing():
    assert Actor.for_user(None).capabilities == frozenset()
