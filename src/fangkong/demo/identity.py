"""Synthetic identities for demo persons: names, resident ID numbers and mobile numbers.

Names, ID numbers and phone numbers are synthetic. ID numbers are well-formed (they pass
``stdnum.cn.ric.is_valid``) and may by chance coincide with a real person's number; they
must never be used outside demos and tests.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import numpy as np
from stdnum.cn import ric

# Common single-character surnames, most common first (120). The ten most common carry
# rough shares after the Ministry of Public Security's 2020 national name report (王, 李,
# 张, 刘, 陈 about 30% together; approximate); the rest share the remainder with a
# gently declining weight.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章"
)
_TOP_SURNAME_PERCENT = (7, 7, 7, 5, 5, 3, 2, 2, 2, 2)


def _surname_weights() -> np.ndarray:
    rest = len(_SURNAMES) - len(_TOP_SURNAME_PERCENT)
    tail = np.linspace(1.0, 0.2, rest)
    tail = tail / tail.sum() * (100 - sum(_TOP_SURNAME_PERCENT))
    w = np.concatenate([np.asarray(_TOP_SURNAME_PERCENT, dtype=float), tail])
    return w / w.sum()


def _unique_chars(s: str, exclude: str = "") -> tuple[str, ...]:
    return tuple(c for c in dict.fromkeys(s) if c not in exclude)


# Given-name characters: male-leaning, female-leaning and neutral pools (207 in all).
_GIVEN_MALE = _unique_chars(
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭龙林峰建国志东亮成博武彬栋梁森豪"
    "翔鸿坤胜昊晖哲睿铭轩泽毅锋卫兵勋锐骏振兴宏伦瑞立德永庆亚昌盛顺福贵宝锦岩松柏钧铮峻恒晟彦煜"
)
_GIVEN_FEMALE = _unique_chars(
    "芳娜敏静丽艳娟霞燕玲婷雪琳颖倩洁慧琴莉萍红梅丹蕾薇晶妍璐瑶怡欣悦琪菲雅璇蓉月彤萱涵诗梦"
    "馨岚露娇秀英兰凤玉珍凌姗茜媛晴婉琼妮芸蓓莹桂荣淑娴萌蕊黛珊芝琬霏荷霖沁"
)
_GIVEN_NEUTRAL = _unique_chars(
    "子一晨安新天心佳思雨若紫清乐嘉文宁可春秋冬夏云蓝言昕晓书逸宸沐知予然远航舟星辰海川语",
    exclude="".join(_GIVEN_MALE) + "".join(_GIVEN_FEMALE),
)
_GIVEN_BY_SEX = {
    "male": _GIVEN_MALE + _GIVEN_NEUTRAL,
    "female": _GIVEN_FEMALE + _GIVEN_NEUTRAL,
}

# Mainland mobile prefixes (China Mobile 134-139/150-152/157-159/182-184/187-188,
# China Unicom 130-132/155-156/185-186, China Telecom 133/153/177/180-181/189/199).
_MOBILE_PREFIXES = tuple(
    [str(p) for p in range(130, 140)]
    + ["150", "151", "152", "153", "155", "156", "157", "158", "159"]
    + [str(p) for p in range(180, 190)]
    + ["177", "199"]
)

# Share of persons whose household registration (and so the ID's region code) is their
# own district; the others were registered elsewhere.
_LOCAL_REGISTRATION = 0.8

# Where the non-local persons were registered: real county-level codes (GB/T 2260) with
# a relative weight, about two thirds in Jiangsu. Some codes only existed in some years;
# a code is only given to persons whose birth year python-stdnum accepts for it.
_OTHER_REGIONS: tuple[tuple[str, float], ...] = (
    # Jiangsu: other Nanjing districts and former Nanjing counties
    ("320113", 3), ("320114", 3), ("320115", 3), ("320116", 2),
    ("320121", 2), ("320122", 2), ("320123", 2),
    # Jiangsu: other prefectures
    ("320211", 2), ("320302", 2), ("320402", 2), ("320506", 2), ("320583", 1), ("320623", 1),
    ("320703", 1), ("320826", 1), ("320902", 1), ("321002", 2), ("321102", 2), ("321202", 1),
    ("321302", 1),
    # Jiangsu: pre-1983 county codes (for older persons)
    ("322124", 1), ("322224", 1), ("322328", 1), ("322421", 1), ("322623", 1), ("322724", 1),
    # Other provinces
    ("340104", 2), ("340121", 1), ("342401", 1), ("341502", 1), ("370102", 1), ("410105", 1),
    ("412701", 1), ("420106", 1), ("330106", 1), ("330127", 1), ("360121", 1), ("110105", 1),
    ("310104", 1), ("120101", 1), ("430102", 1), ("510104", 1), ("500103", 1),
)

# The district codes 3201xx carry "[1983-]" in python-stdnum's region table, and stdnum
# checks the region against the *birth* year, so it rejects e.g. 320102 for someone born
# in 1960 (real cards issued after 1984 do carry the then-current code). To keep every
# generated ID valid for stdnum, locally registered persons born before the district
# code existed get Nanjing's pre-1983 urban-area code 320120 (市区) instead.
_NANJING_PRE_1983 = "320120"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _id_check(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character (GB 11643-1999)."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


@lru_cache(maxsize=None)
def _region_ok(code: str, year: int) -> bool:
    """Whether python-stdnum accepts `code` as the birth place of someone born in `year`."""
    try:
        ric.get_birth_place(f"{code}{year:04d}01010000")
    except Exception:  # stdnum's InvalidComponent: unknown code, or not valid that year
        return False
    return True


@lru_cache(maxsize=None)
def _other_regions_for(year: int) -> tuple[tuple[str, ...], np.ndarray]:
    codes = tuple(c for c, _ in _OTHER_REGIONS if _region_ok(c, year))
    if not codes:  # cannot happen for 1900-2030 with the table above; keep a safe default
        codes = ("110105",)
    w = np.asarray([dict(_OTHER_REGIONS).get(c, 1.0) for c in codes], dtype=float)
    return codes, np.cumsum(w) / w.sum()


# --------------------------------------------------------------------------------------
# Per-person helpers (all randomness from the caller's generator, drawn in a fixed order)
# --------------------------------------------------------------------------------------


def _person_name(sex: str, surname_index: int, one_char: bool, u1: float, u2: float) -> str:
    """Surname plus a one- or two-character given name from the pool for `sex`."""
    pool = _GIVEN_BY_SEX[sex]
    given = pool[int(u1 * len(pool))]
    if not one_char:
        given += pool[int(u2 * len(pool))]
    return _SURNAMES[surname_index] + given


def _id_region(local: bool, district: str, birth_year: int, u: float) -> str:
    """The region code of a person's ID: their own district (or 320120) when local, else drawn."""
    if local:
        return district if _region_ok(district, birth_year) else _NANJING_PRE_1983
    codes, cdf = _other_regions_for(birth_year)
    return codes[min(int(np.searchsorted(cdf, u, side="right")), len(codes) - 1)]


def _resident_id(
    rng: np.random.Generator, region: str, birth: date, hi: int, lo: int, male: int, used_ids: set[str]
) -> str:
    """A unique, valid 18-character ID; the sequence code is redrawn while the first 17 collide."""
    while True:
        first17 = f"{region}{birth:%Y%m%d}{hi:02d}{lo}"
        if first17 not in used_ids:
            break
        hi = int(rng.integers(0, 100))
        lo = int(rng.integers(0, 5)) * 2 + male
    used_ids.add(first17)
    return first17 + _id_check(first17)


def _unique_phone(rng: np.random.Generator, phone: str, used_phones: set[str]) -> str:
    """`phone`, or a freshly drawn number while it is already taken."""
    while phone in used_phones:
        phone = f"{_MOBILE_PREFIXES[int(rng.integers(0, len(_MOBILE_PREFIXES)))]}{int(rng.integers(0, 10**8)):08d}"
    used_phones.add(phone)
    return phone


def _changed_name(rng: np.random.Generator, name: str, sex: str) -> str:
    """`name` with one given-name character replaced by a different one."""
    pool = _GIVEN_BY_SEX[sex]
    pos = int(rng.integers(1, len(name)))
    while True:
        c = pool[int(rng.integers(0, len(pool)))]
        if c != name[pos]:
            break
    return name[:pos] + c + name[pos + 1:]


def _mistyped_id(rng: np.random.Generator, resident_id: str, used_ids: set[str]) -> str:
    """`resident_id` with one digit of the sequence code changed and the check character recomputed."""
    first17 = resident_id[:17]
    while True:
        d = str(int(rng.integers(0, 10)))
        candidate = first17[:15] + d + first17[16]
        if d != first17[15] and candidate not in used_ids:
            break
    used_ids.add(candidate)
    return candidate + _id_check(candidate)
