"""How the portal writes a date in Chinese, once for every page, export, notice and rule message:
2022年6月30日 (STYLE.md), 6月30日 where the year goes without saying, and the official documents'
二〇二二年六月三十日."""

from datetime import date


def cn_date(day: date) -> str:
    """A date as the portal shows it.

    >>> cn_date(date(2022, 6, 30))
    '2022年6月30日'
    """
    return f"{day.year}年{day.month}月{day.day}日"


def cn_month_day(day: date) -> str:
    """A date within the year in view, without the year.

    >>> cn_month_day(date(2022, 6, 30))
    '6月30日'
    """
    return f"{day.month}月{day.day}日"


_DIGITS = "〇一二三四五六七八九"


def _chinese_number(n: int) -> str:
    """1—31 as official documents write a month or day: 五, 十, 十二, 二十, 三十一."""
    tens, ones = divmod(n, 10)
    text = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return text + (_DIGITS[ones] if ones else "") or _DIGITS[0]


def chinese_date(day: date) -> str:
    """The date of an official document (公文成文日期): the year digit by digit, with 〇.

    >>> chinese_date(date(2022, 7, 5))
    '二〇二二年七月五日'
    >>> chinese_date(date(2022, 12, 30))
    '二〇二二年十二月三十日'
    """
    year = "".join(_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{_chinese_number(day.month)}月{_chinese_number(day.day)}日"
