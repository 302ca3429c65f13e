"""The one normal form of names and dwellings (rules.text.normalized), a table per character class."""

import pytest

from projects.rules.text import normalized


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("９９０１", "9901"),
        ("１号楼", "1号楼"),
        ("Ａ座", "A座"),
        ("ａｂｃ", "abc"),
        ("１－５０２", "1-502"),
    ],
)
def test_full_width_digits_and_letters_become_plain(text: str, expected: str) -> None:
    """Full-width digits, letters and signs become their ASCII forms."""
    assert normalized(text) == expected


@pytest.mark.parametrize(
    "invisible",
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202e", "\u2066"],
)
@pytest.mark.parametrize("where", ["end", "start", "middle"])
def test_zero_width_and_format_characters_are_removed(invisible: str, where: str) -> None:
    """Zero-width spaces and joiners, the word joiner, the byte-order mark, the soft hyphen and
    direction marks vanish wherever they are."""
    text = {
        "end": f"建设路1号院{invisible}",
        "start": f"{invisible}建设路1号院",
        "middle": f"建设路{invisible}1号院",
    }[where]
    assert normalized(text) == "建设路1号院"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\u00a0张三\u00a0", "张三"),
        ("\u3000张三\u3000", "张三"),
        ("\u2002张三", "张三"),
        ("张\u00a0三", "张 三"),
        ("张\u3000三", "张 三"),
    ],
)
def test_no_break_and_ideographic_spaces_become_plain_spaces(text: str, expected: str) -> None:
    """A no-break, ideographic or en space is an ordinary space, trimmed at the ends."""
    assert normalized(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  建设路1号院  ", "建设路1号院"),
        ("\t9901\n", "9901"),
        (" \u200b 9901 \u200b ", "9901"),
        ("", ""),
        ("建设路1号院", "建设路1号院"),
    ],
)
def test_surrounding_spaces_are_trimmed(text: str, expected: str) -> None:
    """Spaces, tabs and newlines around the text go (also around an invisible character); the
    text itself is unchanged."""
    assert normalized(text) == expected


def test_normal_form_is_stable() -> None:
    """Normalising twice is normalising once."""
    for text in ("９９０１\u200b", "\u3000Ａ座\ufeff", " 建设路 1号院 "):
        assert normalized(normalized(text)) == normalized(text)
