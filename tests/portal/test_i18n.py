"""The Simplified Chinese catalogue: complete, covering every string in the code, compiled, and used at run time."""

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.template import Context, Template
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = MESSAGES / "django.po"
MO_PATH = MESSAGES / "django.mo"

# What the lead's command scans: makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=tests
APP_DIRS = (
    "portal",
    "registration",
    "residence",
    "fees",
    "academics",
    "discipline",
    "dormitory",
    "scholarships",
)
NOT_SCANNED = {".venv", "var", "tests", "locale", "static", "node_modules"}

# %(name)s-style (and positional %s / %d) python-format placeholders; %% is a literal percent sign.
PYTHON_FORMAT = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
BRACE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_.]*\}")


def _catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def _live(po) -> list[polib.POEntry]:
    """Entries still in use: makemessages keeps removed strings as obsolete (#~) entries, which do not count."""
    return [entry for entry in po if not entry.obsolete]


def _key(entry) -> tuple[str | None, str]:
    return (entry.msgctxt or None, entry.msgid)


def _label(entry) -> str:
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{context}{entry.msgid!r}"


def _placeholders(text: str, python_format: bool) -> Counter:
    found = Counter(BRACE.findall(text))
    for match in PYTHON_FORMAT.finditer(text):
        if match.group(0) == "%%":
            continue
        # Named placeholders are unambiguous; bare %s / %d only mean something in python-format strings.
        if match.group("name") is not None or python_format:
            found[match.group(0)] += 1
    return found


def _translations(entry) -> list[str]:
    return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)] if entry.msgid_plural else [entry.msgstr]


# --- The catalogue itself -----------------------------------------------------------------------------------------


def test_header_declares_simplified_chinese_with_a_single_plural_form():
    po = _catalogue()
    assert po.metadata.get("Language") == "zh_Hans"
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")
    assert po.metadata.get("Project-Id-Version") == "isa-portal"
    assert po.metadata.get("Plural-Forms", "").replace(" ", "").rstrip(";") == "nplurals=1;plural=0"
    assert not po.metadata_is_fuzzy


def test_catalogue_has_no_untranslated_or_fuzzy_entries():
    po = _catalogue()
    entries = _live(po)
    assert entries, "the catalogue is empty"
    untranslated = [_label(e) for e in entries if not e.translated() and "fuzzy" not in e.flags]
    fuzzy = [_label(e) for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"{len(untranslated)} untranslated: " + "; ".join(untranslated)
    assert not fuzzy, f"{len(fuzzy)} fuzzy: " + "; ".join(fuzzy)


def test_plural_entries_give_exactly_one_form():
    plural = [e for e in _live(_catalogue()) if e.msgid_plural]
    assert plural, "expected some plural entries"
    wrong = [_label(e) for e in plural if sorted(e.msgstr_plural) != [0] or not e.msgstr_plural[0]]
    assert not wrong, "plural entries must have only msgstr[0]: " + "; ".join(wrong)


def test_every_translation_keeps_the_placeholders_of_its_source():
    problems = []
    for entry in _live(_catalogue()):
        python_format = "python-format" in entry.flags
        # With one plural form, msgstr[0] stands for every count, so it carries the plural source's placeholders.
        source = entry.msgid_plural or entry.msgid
        expected = _placeholders(source, python_format)
        for text in _translations(entry):
            got = _placeholders(text, python_format)
            if got != expected:
                problems.append(f"{_label(entry)}: expected {dict(expected)}, got {dict(got)} in {text!r}")
    assert not problems, "\n".join(problems)


def test_translations_keep_leading_and_trailing_newlines():
    problems = []
    for entry in _live(_catalogue()):
        for text in _translations(entry):
            if not text:
                continue
            if entry.msgid.startswith("\n") != text.startswith("\n") or entry.msgid.endswith("\n") != text.endswith(
                "\n"
            ):
                problems.append(_label(entry))
    assert not problems, "newline mismatch: " + "; ".join(problems)


def test_translations_keep_html_tags():
    tag = re.compile(r"</?[A-Za-z][^>]*>")
    problems = []
    for entry in _live(_catalogue()):
        for text in _translations(entry):
            if Counter(tag.findall(entry.msgid)) != Counter(tag.findall(text)):
                problems.append(_label(entry))
    assert not problems, "HTML tags differ: " + "; ".join(problems)


# --- The catalogue covers the code ---------------------------------------------------------------------------------


def _copy_sources(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "*.po")
    names = set(APP_DIRS) | {"templates"}
    # Any other top-level Django app (a package) is scanned by the lead's command too.
    for child in ROOT.iterdir():
        if child.is_dir() and not child.name.startswith(".") and child.name not in NOT_SCANNED:
            if (child / "__init__.py").exists():
                names.add(child.name)
    for name in sorted(names):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, target / name, ignore=ignore)
    shutil.copy2(ROOT / "manage.py", target / "manage.py")
    (target / "locale").mkdir()


@pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msguniq") is None,
    reason="GNU gettext (xgettext, msguniq) is not installed; install the gettext package to run this check",
)
def test_every_string_in_the_code_is_in_the_catalogue_and_translated(tmp_path):
    _copy_sources(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--ignore=.venv", "--ignore=var"]
        + ["--ignore=tests", "--no-location"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    fresh = polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert _live(fresh), "makemessages found no strings; is the copy of the project complete?"

    committed = {_key(e): e for e in _live(_catalogue())}
    missing, untranslated, plural_differs = [], [], []
    for entry in _live(fresh):
        ours = committed.get(_key(entry))
        if ours is None:
            missing.append(_label(entry))
        elif not ours.translated() or "fuzzy" in ours.flags:
            untranslated.append(_label(entry))
        elif (entry.msgid_plural or "") != (ours.msgid_plural or ""):
            plural_differs.append(_label(entry))
    hint = (
        "\nRun: .venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=tests, "
        "translate the new entries in locale/zh_Hans/LC_MESSAGES/django.po, then "
        "compilemessages -l zh_Hans --ignore=.venv."
    )
    assert not missing, f"{len(missing)} strings are not in the catalogue: " + "; ".join(missing) + hint
    assert not untranslated, f"{len(untranslated)} strings are not translated: " + "; ".join(untranslated) + hint
    assert not plural_differs, "plural source changed: " + "; ".join(plural_differs) + hint


# --- The compiled catalogue -----------------------------------------------------------------------------------------


def _as_pairs(entries) -> dict:
    pairs = {}
    for entry in entries:
        if not entry.msgid:  # the header
            continue
        pairs[_key(entry)] = (
            entry.msgid_plural or "",
            entry.msgstr,
            tuple(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)),
        )
    return pairs


def test_compiled_catalogue_matches_the_po_file():
    assert MO_PATH.exists(), "locale/zh_Hans/LC_MESSAGES/django.mo is missing; run compilemessages -l zh_Hans"
    po_pairs = _as_pairs(e for e in _live(_catalogue()) if e.translated() and "fuzzy" not in e.flags)
    mo_pairs = _as_pairs(polib.mofile(str(MO_PATH)))
    stale = sorted(repr(k) for k in po_pairs.keys() - mo_pairs.keys())
    extra = sorted(repr(k) for k in mo_pairs.keys() - po_pairs.keys())
    changed = sorted(repr(k) for k in po_pairs.keys() & mo_pairs.keys() if po_pairs[k] != mo_pairs[k])
    message = "django.mo is out of date with django.po; run compilemessages -l zh_Hans --ignore=.venv. "
    assert not stale, message + "Not compiled: " + "; ".join(stale)
    assert not extra, message + "Only in the .mo: " + "; ".join(extra)
    assert not changed, message + "Different: " + "; ".join(changed)


# --- At run time ---------------------------------------------------------------------------------------------------


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_gettext_returns_chinese_under_zh_hans():
    with translation.override("zh-hans"):
        text = translation.gettext("My documents")
    assert text != "My documents"
    assert _has_chinese(text)
    with translation.override("en"):
        assert translation.gettext("My documents") == "My documents"


def test_context_plural_and_template_translations_work_under_zh_hans():
    with translation.override("zh-hans"):
        assert _has_chinese(translation.pgettext("certificate", "Signature and seal"))
        assert translation.ngettext("%(n)s student", "%(n)s students", 5) % {"n": 5} == "5 名学生"
        assert translation.ngettext("%(n)s student", "%(n)s students", 1) % {"n": 1} == "1 名学生"
        subject = Template(
            "{% load i18n %}{% blocktranslate with kind=kind %}Approved: {{ kind }}{% endblocktranslate %}"
        ).render(Context({"kind": "护照个人信息页"}))
    assert "已批准" in subject
    assert "护照个人信息页" in subject
