import pytest
pytestmark = pytest.mark.django_db
def test_dbg(cast, flow):
    from warga.applications.views import QueueFilter
    f = QueueFilter({"overdue": "on", "status": "all"}, actor=cast.actor(cast.kec_verifier))
    fld = f.fields["status"]
    print("VV", fld.valid_value("all"), fld.valid_value("draft"), list(fld.choices)[:2], fld.widget.choices[:2])
