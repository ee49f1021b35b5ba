"""The SMS keywords residents are told about come from the keyword registry itself."""

from __future__ import annotations

from warga.messaging import keywords
from warga.messaging.keywords import keyword_guide, register_keyword


def test_keywords_registered_with_a_help_text_are_listed_in_order_and_aliases_are_not():
    listed = [g.keyword for g in keyword_guide()]
    assert listed[:3] == ["CEK", "LAPOR", "KTP"]
    assert {"DARURAT", "INFO", "UNDANG", "BERHENTI", "DAFTAR"} <= set(listed)
    assert not {"BANTUAN", "HELP", "STOP", "STATUS"} & set(listed)
    assert next(g for g in keyword_guide() if g.keyword == "CEK").example == "CEK AB12CD34"


def test_a_new_keyword_with_a_help_text_joins_the_guide():
    register_keyword("SAMPEL", lambda ctx: None, example="sampel kk", help_text="nomor antrian", order=5)
    try:
        first = keyword_guide()[0]
        assert (first.keyword, first.example, str(first.help_text)) == (
            "SAMPEL",
            "sampel kk",
            "nomor antrian",
        )
        register_keyword("SAMPEL", lambda ctx: None)  # registered again without help: out of the guide
        assert "SAMPEL" not in [g.keyword for g in keyword_guide()]
    finally:
        keywords._HANDLERS.pop("SAMPEL", None)
        keywords._GUIDE.pop("SAMPEL", None)
