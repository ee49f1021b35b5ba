import pytest
from django.db import DatabaseError, connection, transaction

from warga.audit.models import AuditLog
from warga.audit.services import audit_record
from warga.core.context import RequestContext, bound

pytestmark = pytest.mark.django_db


def test_audit_row_carries_actor_unit_and_request_context(cast):
    actor = cast.actor(cast.kec_officer)
    with bound(RequestContext(ip="10.1.2.3", channel="api", device_id="dev-1")):
        entry = audit_record(
            actor=actor, action="registry.resident.view", object_type="registry.resident", object_id=7
        )
    entry.refresh_from_db()
    assert entry.actor == cast.kec_officer
    assert entry.actor_unit_id == cast.kec_officer.unit_id
    assert (entry.ip, entry.channel, entry.device_id, entry.object_id) == ("10.1.2.3", "api", "dev-1", "7")


def test_append_only_in_the_application(cast):
    entry = audit_record(actor=None, action="x.test")
    entry.action = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=entry.pk).update(action="changed")
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()
    assert AuditLog.objects.get(pk=entry.pk).action == "x.test"


def test_append_only_in_the_database(cast):
    entry = audit_record(actor=None, action="x.test")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditlog SET action = 'forged' WHERE id = %s", [entry.pk])
    assert AuditLog.objects.get(pk=entry.pk).action == "x.test"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("outsider", 403),
        ("kec_officer", 403),
        ("dukcapil", 403),
        ("head", 200),
        ("admin", 200),
    ],
)
def test_audit_page_permission_grid(cast, client_for, who, status):
    user = None if who == "anonymous" else getattr(cast, who)
    assert client_for(user).get("/audit/").status_code == status


def test_audit_search_filters(cast, client_for):
    audit_record(
        actor=cast.actor(cast.kec_officer), action="registry.resident.view", object_type="r", object_id=1
    )
    audit_record(actor=cast.actor(cast.dukcapil), action="cards.print", object_type="c", object_id=2)
    client = client_for(cast.head)
    html = client.get("/audit/", {"username": "kec_officer"}).content.decode()
    assert "registry.resident.view" in html and "cards.print" not in html
    html = client.get("/audit/", {"action": "cards"}).content.decode()
    assert "cards.print" in html and "registry.resident.view" not in html
    bad = client.get("/audit/", {"date_from": "not-a-date"})
    assert bad.status_code == 200  # invalid filter shows the form error, no crash
