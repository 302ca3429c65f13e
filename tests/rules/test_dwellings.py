"""The dwelling rule (SPEC §4, issue 13 part 4), as tables."""

import pytest

from projects.rules.dwellings import building_problem, entrance_problem, natural_key, room_problem


@pytest.mark.parametrize(
    ("text", "buildings", "ok"),
    [
        ("1", 6, True),
        ("6", 6, True),  # the last building
        ("7", 6, False),  # one past the project's 楼栋数
        ("9999", 0, True),  # 楼栋数 0: not known, not bounded
        ("3号楼", 2, True),  # a code is not bounded
        ("A座", 2, True),
        ("0", 6, False),
        ("-3", 6, False),
        ("+3", 6, False),
        ("1.5", 6, False),
        ("3 号楼", 6, False),
        ("十一个字的楼栋编号名称", 0, False),  # 11 characters
        ("十个字的楼栋编号名称", 0, True),  # 10 characters
    ],
)
def test_building(text: str, buildings: int, ok: bool) -> None:
    """楼栋: a positive integer up to 楼栋数 (when known) or a short code of letters, digits, CJK."""
    assert (building_problem(text, buildings=buildings) is None) is ok


@pytest.mark.parametrize(
    ("text", "ok"), [("1", True), ("A座", True), ("0", False), ("-1", False), ("1单元?", False)]
)
def test_entrance(text: str, ok: bool) -> None:
    """单元: a positive integer or a short code."""
    assert (entrance_problem(text) is None) is ok


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("502", True),
        ("1-502", True),
        ("B101", True),
        ("abc??", False),
        ("1.5", False),
        ("-502", False),
        ("1--502", False),
        ("0", False),
        ("五零二", False),
    ],
)
def test_room(text: str, ok: bool) -> None:
    """房号: digits, or letters and digits joined by single hyphens."""
    assert (room_problem(text) is None) is ok


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["10", "2", "1", "11"], ["1", "2", "10", "11"]),
        (["12号楼", "3号楼", "A座"], ["3号楼", "12号楼", "A座"]),
        (["1-1002", "1-502", "2-101"], ["1-502", "1-1002", "2-101"]),
        (["B2", "B10", "A10"], ["A10", "B2", "B10"]),
    ],
)
def test_dwellings_sort_with_their_numbers_read_as_numbers(
    texts: list[str], expected: list[str]
) -> None:
    """楼栋, 单元 and 房号 sort as people number them: 2 before 10, 3号楼 before 12号楼."""
    assert sorted(texts, key=natural_key) == expected
