import cProfile, io, pstats

from warga.cards.services import PrintInput
from warga.cards.tests.test_bulk_results import FIRST, _record, _serial, make_batch  # noqa: F401


def test_profile(cast, make_batch, dukcapil_office):
    batch = make_batch(3000)
    data = PrintInput(mode="run", first_serial=FIRST, spoiled=[_serial(10)], reason="x")
    pr = cProfile.Profile()
    pr.enable()
    _record(cast, batch, data)
    pr.disable()
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(45)
    print(s.getvalue()[:9000])
