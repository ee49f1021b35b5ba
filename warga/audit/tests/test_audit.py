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


# --- Database roles: TRUNCATE and the owner's power over triggers ---------------------------------

PG_ONLY = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
APP_ROLE = "warga_audit_test_app"


def _as_role(cursor, *, owner: bool) -> None:
    """Within the test's transaction: a login-less role like the application's, then act as it."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks: ALTER TABLE needs none
    cursor.execute(f"CREATE ROLE {APP_ROLE} NOSUPERUSER")
    cursor.execute(f"GRANT SELECT, INSERT, TRUNCATE ON audit_auditlog TO {APP_ROLE}")
    if owner:
        cursor.execute(f"ALTER TABLE audit_auditlog OWNER TO {APP_ROLE}")
    cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")


@PG_ONLY
@pytest.mark.parametrize("owner", [False, True])
def test_truncate_of_the_audit_table_is_refused(cast, owner):
    entry = audit_record(actor=None, action="x.test")
    with transaction.atomic(), connection.cursor() as cursor:
        _as_role(cursor, owner=owner)
        with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic():
            cursor.execute("TRUNCATE audit_auditlog")
        cursor.execute("RESET ROLE")
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_deploy_check_warns_when_the_application_can_switch_off_the_triggers(settings):
    from django.core.checks import run_checks

    def ids() -> set[str]:
        return {m.id for m in run_checks(include_deployment_checks=True)}

    if connection.vendor != "postgresql":
        assert "audit.W001" not in ids()
        return
    # The test database connects as a superuser that owns the table: warned.
    assert "audit.W001" in ids()
    with transaction.atomic(), connection.cursor() as cursor:
        _as_role(cursor, owner=True)
        assert "audit.W001" in ids()
        cursor.execute("RESET ROLE")
        cursor.execute(f"REVOKE ALL ON audit_auditlog FROM {APP_ROLE}")
        cursor.execute("ALTER TABLE audit_auditlog OWNER TO CURRENT_USER")
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
        # A role that owns nothing and is no superuser: no warning.
        assert "audit.W001" not in ids()
        cursor.execute("RESET ROLE")
        transaction.set_rollback(True)
