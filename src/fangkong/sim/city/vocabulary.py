"""Word lists and code tables of synthetic identities: surnames, given-name characters, mobile
prefixes and the regions a resident ID can name (used by :mod:`fangkong.sim.city.identity`).

Names, ID numbers and phone numbers built from these are synthetic. ID numbers are well-formed
(they pass ``stdnum.cn.ric.is_valid``) and may by chance coincide with a real person's number;
they must never be used outside simulations, demos and tests.
"""

from __future__ import annotations

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

# Weights and check characters of ISO 7064 MOD 11-2, as GB 11643-1999 uses them.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


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
