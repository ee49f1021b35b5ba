import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
pytestmark = pytest.mark.django_db
def test_q(cast, event, phone, make_resident):
    rs = [make_resident() for _ in range(3)]
    phone.download(event)
    phone.sync([phone.record("ktp_recording", {"resident": rs[0].pk})])
    recs = [phone.record("ktp_recording", {"resident": r.pk}) for r in rs[1:]]
    with CaptureQueriesContext(connection) as ctx:
        phone.sync(recs)
    for q in ctx.captured_queries: print(q["sql"][:150])
    print("N", len(ctx.captured_queries))
