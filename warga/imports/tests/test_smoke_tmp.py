import io
import pytest
from warga.imports.services import import_create
from warga.imports.models import ImportBatch
from warga.registry.models import Resident, Family, ResidentChange
from warga.imports.tests.conftest import to_csv

@pytest.mark.django_db
def test_smoke(cast, rows, django_capture_on_commit_callbacks):
    actor = cast.actor(cast.dukcapil)
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_create(actor=actor, source=io.BytesIO(to_csv(rows)), file_name="a.csv", mode="valid-rows")
    batch.refresh_from_db()
    print(batch.status, batch.message, batch.rows_read, batch.rows_invalid, list(batch.issues.values_list("row_number","column","message")[:10]))
    print(Resident.objects.count(), Family.objects.count(), ResidentChange.objects.count())
    assert batch.status == "published"
    with django_capture_on_commit_callbacks(execute=True):
        b2 = import_create(actor=actor, source=io.BytesIO(to_csv(rows)), file_name="a.csv", mode="valid-rows")
    print(b2.status, b2.message)
    with django_capture_on_commit_callbacks(execute=True):
        b3 = import_create(actor=actor, source=io.BytesIO(to_csv(rows, delimiter=";")), file_name="a.csv", mode="valid-rows")
    b3.refresh_from_db()
    print(b3.status, b3.message)
