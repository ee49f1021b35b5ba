"""Catalogues compile without gettext, and Django reads what Babel wrote."""

import gettext
from pathlib import Path

from warga.core.management.commands.compile_translations import catalogues_compile

PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"

msgid "Application received"
msgstr "Permohonan diterima"

#, fuzzy
msgid "Not yet reviewed"
msgstr "Belum diperiksa"
"""


def _catalogue(root: Path) -> Path:
    folder = root / "warga" / "app" / "locale" / "id" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "django.po"
    po.write_text(PO, encoding="utf-8")
    return po


def test_compiled_catalogue_translates_and_skips_fuzzy(tmp_path):
    po = _catalogue(tmp_path)
    assert catalogues_compile(tmp_path) == 1
    with po.with_suffix(".mo").open("rb") as mo:
        translations = gettext.GNUTranslations(mo)
    assert translations.gettext("Application received") == "Permohonan diterima"
    assert translations.gettext("Not yet reviewed") == "Not yet reviewed"  # fuzzy is not used


def test_up_to_date_catalogue_is_not_rewritten(tmp_path):
    _catalogue(tmp_path)
    assert catalogues_compile(tmp_path) == 1
    assert catalogues_compile(tmp_path) == 0
    assert catalogues_compile(tmp_path, force=True) == 1


def test_every_shipped_catalogue_compiles(tmp_path):
    package = Path(__file__).resolve().parents[2]
    catalogues_compile(package)
    shipped = list(package.glob("**/locale/*/LC_MESSAGES/django.po"))
    assert len(shipped) >= 10
    assert all(po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime for po in shipped)
