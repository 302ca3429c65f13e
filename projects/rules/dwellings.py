"""What a dwelling's 楼栋, 单元 and 房号 may be: positive numbers or short codes, never signs or
fractions (SPEC §4). Used by the roster import and the household form alike."""

import re

from .message import Message

# A short code: letters, digits or Chinese characters, such as 3号楼 or A座.
CODE_MAX_LENGTH = 10
_CODE = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]+")
# A room: digits and letters, parts joined by hyphens, such as 502 or 1-502.
ROOM_MAX_LENGTH = 30
_ROOM = re.compile(r"[0-9A-Za-z]+(?:-[0-9A-Za-z]+)*")


def _code_problem(text: str, *, what: str) -> str | None:
    if not _CODE.fullmatch(text) or len(text) > CODE_MAX_LENGTH:
        return Message(f"dwellings.{what}_invalid", most=CODE_MAX_LENGTH)
    if text.isascii() and text.isdigit() and int(text) == 0:
        return Message(f"dwellings.{what}_zero")
    return None


def building_problem(text: str, *, buildings: int) -> str | None:
    """Why ``text`` is not a 楼栋 of a project with ``buildings`` buildings (0: not known).

    >>> building_problem("3", buildings=6) is None
    True
    >>> building_problem("3号楼", buildings=2) is None
    True
    >>> building_problem("9999", buildings=6)
    '楼栋号9999超过项目楼栋数6'
    """
    problem = _code_problem(text, what="building")
    if problem:
        return problem
    if buildings > 0 and text.isascii() and text.isdigit() and int(text) > buildings:
        return Message("dwellings.building_over", building=int(text), buildings=buildings)
    return None


def entrance_problem(text: str) -> str | None:
    """Why ``text`` is not a 单元 (a positive integer or a short code).

    >>> entrance_problem("2") is None
    True
    >>> entrance_problem("-1")
    '单元应为正整数或简短编号（如3号楼、A座），只含字母、数字或汉字，不超过10个字'
    """
    return _code_problem(text, what="entrance")


def room_problem(text: str) -> str | None:
    """Why ``text`` is not a 房号 (digits, or a short code of letters and digits joined by
    hyphens, such as 1-502).

    >>> room_problem("1-502") is None
    True
    >>> room_problem("1.5")
    '房号应为数字或简短编号（如502、1-502），只含数字、字母和连字符'
    """
    if not _ROOM.fullmatch(text) or len(text) > ROOM_MAX_LENGTH:
        return Message("dwellings.room_invalid")
    if text.isascii() and text.isdigit() and int(text) == 0:
        return Message("dwellings.room_zero")
    return None


_NUMBER_PARTS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """A sort key that reads the digits in a 楼栋, 单元 or 房号 as numbers, so 2 comes before 10
    and 3号楼 before 12号楼 (a text sort puts 10 and 11 between 1 and 2).

    >>> sorted(["10", "2", "1", "11"], key=natural_key)
    ['1', '2', '10', '11']
    >>> sorted(["12号楼", "3号楼", "A座"], key=natural_key)
    ['3号楼', '12号楼', 'A座']
    """
    # Each part is (0, number, "") for digits and (1, 0, text) otherwise, so parts always compare.
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in _NUMBER_PARTS.split(text)
        if part
    )


def dwelling_order(building: str, entrance: str, room: str) -> tuple[object, ...]:
    """A household's place in a roster: 楼栋, then 单元, then 房号, each read naturally."""
    return (natural_key(building), natural_key(entrance), natural_key(room))
