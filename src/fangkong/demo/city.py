"""A small synthetic city with a seeded outbreak, for ``fangkong demo``.

Pure and deterministic: :func:`build_city` depends only on its arguments (all randomness
comes from ``numpy.random.default_rng(seed)``; no global random state, no clock, no I/O).
It is a stand-in until the full simulator lands, so it aims at *plausible* data, not at a
model of any real epidemic.

What is real and what is invented:

* Province 320000 江苏省, city 320100 南京市 and the five district codes and names
  (GB/T 2260) are real. The district rectangles only roughly follow the real layout
  (Pukou on the west bank of the Yangtze, Gulou/Xuanwu north, Jianye/Qinhuai south).
* Everything below district level (streets, communities, grids, their codes, names and
  boundaries) is invented; any resemblance to a real subdivision is coincidental. The
  geography does not depend on ``seed``: only the population and the outbreak do.
* Persons, names, ID numbers and phone numbers are synthetic. ID numbers are
  well-formed (they pass ``stdnum.cn.ric.is_valid``) and may by chance coincide with a
  real person's number; they must never be used outside demos and tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import numpy as np
from stdnum.cn import ric

__all__ = ["DemoCase", "DemoCity", "DemoJurisdiction", "DemoPerson", "build_city"]


# --------------------------------------------------------------------------------------
# Public types
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoJurisdiction:
    code: str
    level: str  # 'province','city','district','street','community','grid'
    name_zh: str
    name_en: str
    parent_code: str | None
    # GeoJSON geometry dict (Polygon), None for the province. Left out of the hash (a dict
    # cannot be hashed) but compared by ==.
    geometry: dict | None = field(hash=False)


@dataclass(frozen=True)
class DemoPerson:
    resident_id: str  # 18 characters, or '' for a planted duplicate without an ID
    name: str
    sex: str  # 'male'/'female'
    birth_date: date
    phone: str  # 11-digit mainland mobile, e.g. '13812345678'
    jurisdiction_code: str  # a grid code
    address: str  # e.g. '南京市玄武区梅园街道长江路社区12栋3单元402'
    household: int


@dataclass(frozen=True)
class DemoCase:
    person_index: int  # index into DemoCity.persons
    classification: str  # 'suspected','confirmed','asymptomatic','repositive','excluded'
    severity: str | None  # confirmed only: 'mild','moderate','severe','critical'
    origin: str  # 'local','imported','import_related'
    onset_date: date | None  # None for asymptomatic
    sampling_date: date
    diagnosed_at: datetime  # timezone-aware UTC
    reported_at: datetime | None  # timezone-aware UTC; None = not yet reported
    outcome: str  # 'under_treatment','recovered','died'


@dataclass
class DemoCity:
    jurisdictions: list[DemoJurisdiction]
    persons: list[DemoPerson]
    cases: list[DemoCase]
    center: tuple[float, float]  # (lon, lat)


# --------------------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------------------

_PROVINCE = ("320000", "江苏省", "Jiangsu")
_CITY = ("320100", "南京市", "Nanjing")

# (code, name_zh, name_en, (lon0, lat0, lon1, lat1)). The five rectangles tile the box
# lon 118.60-118.95, lat 31.95-32.15 without gaps or overlaps.
_DISTRICTS: tuple[tuple[str, str, str, tuple[float, float, float, float]], ...] = (
    ("320102", "玄武区", "Xuanwu", (118.82, 32.05, 118.95, 32.15)),  # north-east
    ("320104", "秦淮区", "Qinhuai", (118.82, 31.95, 118.95, 32.05)),  # south-east
    ("320105", "建邺区", "Jianye", (118.70, 31.95, 118.82, 32.05)),  # south-west of the old city
    ("320106", "鼓楼区", "Gulou", (118.70, 32.05, 118.82, 32.15)),  # north-centre
    ("320111", "浦口区", "Pukou", (118.60, 31.95, 118.70, 32.15)),  # west bank of the Yangtze
)

# Invented street (街道) names, three per district, with their pinyin.
_STREETS: dict[str, tuple[tuple[str, str], ...]] = {
    "320102": (("梅园", "Meiyuan"), ("钟岭", "Zhongling"), ("玄湖", "Xuanhu")),
    "320104": (("泮池", "Panchi"), ("秦淮里", "Qinhuaili"), ("白鹭洲", "Bailuzhou")),
    "320105": (("江心", "Jiangxin"), ("沙洲", "Shazhou"), ("莫愁", "Mochou")),
    "320106": (("鼓楼", "Gulou"), ("挹江", "Yijiang"), ("清凉", "Qingliang")),
    "320111": (("泰山", "Taishan"), ("珠江", "Zhujiang"), ("江浦", "Jiangpu")),
}

# Invented community (社区) names with pinyin; used in order, each at most once.
_COMMUNITIES: tuple[tuple[str, str], ...] = (
    ("长江路", "Changjianglu"), ("兰园", "Lanyuan"), ("桃源", "Taoyuan"), ("锦绣", "Jinxiu"),
    ("翠竹", "Cuizhu"), ("银杏", "Yinxing"), ("丹凤", "Danfeng"), ("青溪", "Qingxi"),
    ("月牙湖", "Yueyahu"), ("石榴园", "Shiliuyuan"), ("紫金", "Zijin"), ("龙蟠", "Longpan"),
    ("虎踞", "Huju"), ("梧桐", "Wutong"), ("枫林", "Fenglin"), ("云锦", "Yunjin"),
    ("凤凰", "Fenghuang"), ("望江", "Wangjiang"), ("柳堤", "Liudi"), ("荷花塘", "Hehuatang"),
    ("双塘", "Shuangtang"), ("朝天宫", "Chaotiangong"), ("南湖", "Nanhu"), ("兴隆", "Xinglong"),
    ("滨江", "Binjiang"), ("金沙", "Jinsha"), ("新城", "Xincheng"), ("安德", "Ande"),
    ("清风", "Qingfeng"), ("明月", "Mingyue"), ("书香", "Shuxiang"), ("和平", "Heping"),
    ("幸福", "Xingfu"), ("建宁", "Jianning"), ("宁海", "Ninghai"), ("华侨", "Huaqiao"),
    ("湖南路", "Hunanlu"), ("宝塔", "Baota"), ("永宁", "Yongning"), ("顶山", "Dingshan"),
    ("汤泉", "Tangquan"), ("星甸", "Xingdian"), ("桥林", "Qiaolin"), ("盘城", "Pancheng"),
    ("江畔", "Jiangpan"), ("春晓", "Chunxiao"), ("秋实", "Qiushi"), ("学府", "Xuefu"),
)

# Fixed seed for the shape of the tree below district level, so the map is the same for
# every population seed.
_GEOGRAPHY_SEED = 320100


def _round6(x: float) -> float:
    return round(float(x), 6)


def _polygon(rect: tuple[float, float, float, float]) -> dict:
    """A closed, counter-clockwise GeoJSON Polygon for a lon/lat rectangle."""
    x0, y0, x1, y1 = (_round6(v) for v in rect)
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def _split(rect: tuple[float, float, float, float], weights: np.ndarray) -> list[tuple[float, float, float, float]]:
    """Cut a rectangle into strips along its longer side (in ground distance).

    Inner cut lines are rounded to 6 decimals once and shared by both neighbours, and
    the outer edges are the parent's own, so the strips tile the parent exactly.
    """
    x0, y0, x1, y1 = rect
    along_lon = (x1 - x0) * math.cos(math.radians((y0 + y1) / 2)) >= (y1 - y0)
    lo, hi = (x0, x1) if along_lon else (y0, y1)
    frac = np.cumsum(weights) / np.sum(weights)
    cuts = [lo] + [_round6(lo + (hi - lo) * f) for f in frac[:-1]] + [hi]
    out = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        out.append((a, y0, b, y1) if along_lon else (x0, a, x1, b))
    return out


@dataclass
class _Geography:
    jurisdictions: list[DemoJurisdiction]
    box: tuple[float, float, float, float]
    district_codes: list[str]
    # One entry per grid:
    grid_codes: list[str]
    grid_district: np.ndarray  # index into district_codes
    grid_community: np.ndarray  # index into community_labels
    community_labels: list[str]  # '南京市玄武区梅园街道长江路社区'


def _build_geography() -> _Geography:
    rng = np.random.default_rng(_GEOGRAPHY_SEED)
    x0 = min(r[0] for *_, r in _DISTRICTS)
    y0 = min(r[1] for *_, r in _DISTRICTS)
    x1 = max(r[2] for *_, r in _DISTRICTS)
    y1 = max(r[3] for *_, r in _DISTRICTS)
    box = (_round6(x0), _round6(y0), _round6(x1), _round6(y1))

    province = DemoJurisdiction(_PROVINCE[0], "province", _PROVINCE[1], _PROVINCE[2], None, None)
    city = DemoJurisdiction(_CITY[0], "city", _CITY[1], _CITY[2], _PROVINCE[0], _polygon(box))
    districts, streets, communities, grids = [], [], [], []
    grid_codes: list[str] = []
    grid_district: list[int] = []
    grid_community: list[int] = []
    community_labels: list[str] = []
    community_names = iter(_COMMUNITIES)

    for d_idx, (d_code, d_zh, d_en, d_rect) in enumerate(_DISTRICTS):
        districts.append(DemoJurisdiction(d_code, "district", d_zh, d_en, _CITY[0], _polygon(d_rect)))
        street_names = _STREETS[d_code]
        street_rects = _split(d_rect, rng.uniform(0.7, 1.3, size=len(street_names)))
        for s_idx, ((s_zh, s_en), s_rect) in enumerate(zip(street_names, street_rects), start=1):
            s_code = f"{d_code}{s_idx:03d}"
            s_name = f"{s_zh}街道"
            streets.append(DemoJurisdiction(s_code, "street", s_name, f"{s_en} Subdistrict", d_code, _polygon(s_rect)))
            n_comm = int(rng.integers(2, 4))  # 2-3 communities per street
            for c_idx, c_rect in enumerate(_split(s_rect, rng.uniform(0.7, 1.3, size=n_comm)), start=1):
                c_zh, c_en = next(community_names)
                c_code = f"{s_code}{c_idx:03d}"
                c_name = f"{c_zh}社区"
                communities.append(
                    DemoJurisdiction(c_code, "community", c_name, f"{c_en} Community", s_code, _polygon(c_rect))
                )
                community_labels.append(f"{_CITY[1]}{d_zh}{s_name}{c_name}")
                n_grid = int(rng.integers(2, 5))  # 2-4 grids per community
                for g_idx, g_rect in enumerate(_split(c_rect, rng.uniform(0.7, 1.3, size=n_grid)), start=1):
                    g_code = f"{c_code}{g_idx:03d}"
                    grids.append(
                        DemoJurisdiction(g_code, "grid", f"第{g_idx}网格", f"Grid {g_idx}", c_code, _polygon(g_rect))
                    )
                    grid_codes.append(g_code)
                    grid_district.append(d_idx)
                    grid_community.append(len(community_labels) - 1)

    return _Geography(
        jurisdictions=[province, city, *districts, *streets, *communities, *grids],
        box=box,
        district_codes=[d[0] for d in _DISTRICTS],
        grid_codes=grid_codes,
        grid_district=np.asarray(grid_district, dtype=np.int64),
        grid_community=np.asarray(grid_community, dtype=np.int64),
        community_labels=community_labels,
    )


# --------------------------------------------------------------------------------------
# Population tables
# --------------------------------------------------------------------------------------

# Age structure by 10-year band: 0-9, 10-19, ..., 70-79, 80+. Approximate shares in
# whole percents after China 7th national census 2020, urban population by age (urban
# China is younger than rural China; nationally 0-14 was ~18% and 60+ ~19%). These are
# rounded, approximate figures for a plausible pyramid, not census values.
_AGE_BAND_SHARES = np.array([11, 10, 14, 18, 15, 15, 10, 5, 2], dtype=float) / 100.0
_OLDEST_AGE = 95  # the open 80+ band is drawn uniformly from 80 to 95

# Household size 1..6 (6 standing for "6 or more"). China 7th national census 2020:
# average household size 2.62; shares of 1-, 2-, 3-, 4- and 5+-person households roughly
# 25%, 30%, 21%, 13% and 11% (approximate, rounded). Mean of this table ~2.6.
_HOUSEHOLD_SIZE_SHARES = np.array([25, 30, 21, 13, 7, 4], dtype=float) / 100.0
_ADULT_AGE = 18

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
# Outbreak parameters
# --------------------------------------------------------------------------------------

# Growth: doubling about every 4.5 days (r = ln 2 / 4.5), in line with early Omicron waves
# in Chinese cities in spring 2022 (illustrative). In the last week, as after control
# measures, the growth rate falls over 3 days to a mild decline and stays there: daily
# counts level off and then ease.
_DOUBLING_DAYS = 4.5
_SLOWDOWN_DAYS = 7
_RAMP_DAYS = 3
_FINAL_GROWTH = -0.06  # per day

# Serial interval (onset to onset) weights for lags of 1..10 days: a discretised gamma
# with mean ~3.5 days. The 9th-edition diagnosis and treatment protocol (新型冠状病毒肺炎
# 诊疗方案（试行第九版）, March 2022) notes the shorter incubation of Omicron, mostly 2-4
# days; an incubation mean of ~3-4 days gives a serial interval of about the same length.
_SERIAL_LAGS = np.arange(1, 11)
_SERIAL_WEIGHTS = _SERIAL_LAGS**2.0 * np.exp(-_SERIAL_LAGS / 1.2)

# Where an infector's next case lives: same household, same grid, same district, anywhere
# in the city (illustrative; the city-wide share keeps every district in the outbreak).
_CONTACT_MODES = np.array([0.35, 0.30, 0.15, 0.20])

# Delays (days). Onset to sampling 0-3 and sampling to diagnosis 0-2: illustrative values
# for a period of mass testing, not estimates.
_SAMPLING_DELAY = np.array([0.40, 0.30, 0.20, 0.10])
_DIAGNOSIS_DELAY = np.array([0.55, 0.35, 0.10])

# Reporting: Class-A-managed diseases (COVID-19 until January 2023) are reported to the
# online direct reporting system within 2 hours of diagnosis (传染病信息报告管理规范).
# Most demo cases meet that; ~8% are late (2-6 h); ~3% of the most recent are not yet in.
_LATE_REPORT_SHARE = 0.08
_UNREPORTED_SHARE = 0.03

_CLASS_SHARES = (
    ("confirmed", 55), ("asymptomatic", 35), ("suspected", 4), ("excluded", 3), ("repositive", 2),
)
_SEVERITY_SHARES = (("mild", 80), ("moderate", 15), ("severe", 4), ("critical", 1))

# Days from diagnosis after which a case counts as recovered (discharged / released),
# illustrative: mild and asymptomatic cases were released after about 7-10 days of
# centralised isolation under the 9th-edition protocol; longer for worse illness.
_RECOVERY_DAYS = {
    "asymptomatic": 10, "mild": 10, "moderate": 14, "severe": 21, "critical": 28, "repositive": 7,
}

_CHINA_UTC_OFFSET = timedelta(hours=8)


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _largest_remainder(total: int, shares: list[float]) -> list[int]:
    """Split `total` into integers proportional to `shares`, summing exactly to `total`."""
    s = np.asarray(shares, dtype=float)
    raw = total * s / s.sum()
    base = np.floor(raw).astype(int)
    left = total - int(base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:left]] += 1
    return [int(v) for v in base]


def _members_index(keys: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Group indices by key: (indices sorted by key, start offsets of length n_keys + 1)."""
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=n_keys)
    starts = np.concatenate([[0], np.cumsum(counts)])
    return order, starts


# --------------------------------------------------------------------------------------
# Persons
# --------------------------------------------------------------------------------------


@dataclass
class _Population:
    persons: list[DemoPerson]
    ages: np.ndarray  # age in whole years at `end`, per person (duplicates included)
    grid: np.ndarray  # grid index per person
    household: np.ndarray  # household index per person
    n_households: int


def _build_persons(rng: np.random.Generator, geo: _Geography, n: int, end: date) -> _Population:
    # Household sizes until they hold n persons; the last household is trimmed to fit.
    sizes = rng.choice(np.arange(1, 7), size=n // 2 + 16, p=_HOUSEHOLD_SIZE_SHARES)
    while sizes.sum() < n:
        sizes = np.concatenate([sizes, rng.choice(np.arange(1, 7), size=n // 2 + 16, p=_HOUSEHOLD_SIZE_SHARES)])
    cum = np.cumsum(sizes)
    h = int(np.searchsorted(cum, n)) + 1
    sizes = sizes[:h].copy()
    sizes[-1] -= int(cum[h - 1] - n)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    household = np.repeat(np.arange(h), sizes)

    # Ages (in days at `end`) from the pyramid, then heads of household drawn from adults.
    band = rng.choice(len(_AGE_BAND_SHARES), size=n, p=_AGE_BAND_SHARES)
    width = np.where(band == len(_AGE_BAND_SHARES) - 1, _OLDEST_AGE - 80, 10)
    age_years = band * 10 + rng.random(n) * width
    age_days = np.maximum((age_years * 365.25).astype(np.int64), 30)
    adults = np.flatnonzero(age_days >= _ADULT_AGE * 365.25)
    adults = rng.permutation(adults)
    if len(adults) >= h:
        heads = adults[:h]
    else:  # tiny populations: the oldest persons head the households
        heads = np.argsort(-age_days, kind="stable")[:h]
    is_head = np.zeros(n, dtype=bool)
    is_head[heads] = True
    others = rng.permutation(np.flatnonzero(~is_head))
    order = np.empty(n, dtype=np.int64)
    head_slot = np.zeros(n, dtype=bool)
    head_slot[starts] = True
    order[starts] = heads
    order[~head_slot] = others
    age_days = age_days[order]
    ages = (age_days / 365.25).astype(np.int64)

    # Households live in one grid; grids differ in how many people they hold.
    n_grids = len(geo.grid_codes)
    grid_weight = rng.gamma(4.0, 1.0, size=n_grids)
    hh_grid = rng.choice(n_grids, size=h, p=grid_weight / grid_weight.sum())
    grid = hh_grid[household]

    is_male = rng.random(n) < 0.5

    # Names: children take the head's surname; 25% of given names have one character.
    surname_idx = rng.choice(len(_SURNAMES), size=n, p=_surname_weights())
    head_of = starts[household]
    surname_idx = np.where(ages < _ADULT_AGE, surname_idx[head_of], surname_idx)
    one_char = rng.random(n) < 0.25
    g1 = rng.random(n)
    g2 = rng.random(n)

    # Resident IDs.
    birth_ordinals = end.toordinal() - age_days
    local = rng.random(n) < _LOCAL_REGISTRATION
    region_u = rng.random(n)
    seq_hi = rng.integers(0, 100, size=n)
    seq_lo = rng.integers(0, 5, size=n) * 2 + is_male.astype(np.int64)  # odd = male

    phone_prefix = rng.integers(0, len(_MOBILE_PREFIXES), size=n)
    phone_rest = rng.integers(0, 10**8, size=n)

    # Addresses: one flat per household, unique within the city.
    hh_community = geo.grid_community[hh_grid]
    hh_per_comm = np.bincount(hh_community, minlength=len(geo.community_labels))
    buildings = np.maximum(20, np.ceil(2 * hh_per_comm / 432)).astype(np.int64)  # 6 units x 18 floors x 4 flats
    used_addr: set[str] = set()
    hh_address: list[str] = []
    for k in range(h):
        c = int(hh_community[k])
        while True:
            b = int(rng.integers(1, buildings[c] + 1))
            u = int(rng.integers(1, 7))
            fl = int(rng.integers(1, 19))
            rm = int(rng.integers(1, 5))
            addr = f"{geo.community_labels[c]}{b}栋{u}单元{fl}{rm:02d}"
            if addr not in used_addr:
                used_addr.add(addr)
                hh_address.append(addr)
                break

    district_of_grid = [geo.district_codes[i] for i in geo.grid_district]
    used_ids: set[str] = set()
    used_phones: set[str] = set()
    persons: list[DemoPerson] = []
    for i in range(n):
        sex = "male" if is_male[i] else "female"
        pool = _GIVEN_BY_SEX[sex]
        given = pool[int(g1[i] * len(pool))]
        if not one_char[i]:
            given += pool[int(g2[i] * len(pool))]
        name = _SURNAMES[surname_idx[i]] + given

        birth = date.fromordinal(int(birth_ordinals[i]))
        g = int(grid[i])
        district = district_of_grid[g]
        if local[i]:
            region = district if _region_ok(district, birth.year) else _NANJING_PRE_1983
        else:
            codes, cdf = _other_regions_for(birth.year)
            region = codes[min(int(np.searchsorted(cdf, region_u[i], side="right")), len(codes) - 1)]
        hi, lo = int(seq_hi[i]), int(seq_lo[i])
        while True:
            first17 = f"{region}{birth:%Y%m%d}{hi:02d}{lo}"
            if first17 not in used_ids:
                break
            hi = int(rng.integers(0, 100))
            lo = int(rng.integers(0, 5)) * 2 + int(is_male[i])
        used_ids.add(first17)
        resident_id = first17 + _id_check(first17)

        phone = f"{_MOBILE_PREFIXES[phone_prefix[i]]}{int(phone_rest[i]):08d}"
        while phone in used_phones:
            phone = f"{_MOBILE_PREFIXES[int(rng.integers(0, len(_MOBILE_PREFIXES)))]}{int(rng.integers(0, 10**8)):08d}"
        used_phones.add(phone)

        persons.append(
            DemoPerson(
                resident_id=resident_id,
                name=name,
                sex=sex,
                birth_date=birth,
                phone=phone,
                jurisdiction_code=geo.grid_codes[g],
                address=hh_address[int(household[i])],
                household=int(household[i]),
            )
        )

    # Planted near-duplicates for the dedup review queue, appended at the end and not
    # marked: same birth date, phone, sex, address and household as an existing adult,
    # with the same name or one character changed, and no ID or a mistyped one. A mistyped
    # ID has one digit of the sequence code changed and its check character recomputed,
    # so it still validates (the kind of slip a check digit cannot catch) and differs from
    # the original's, which keeps the live-ID uniqueness rule satisfied.
    variants = (("same", "none"), ("same", "typo"), ("changed", "none"),
                ("changed", "typo"), ("same", "none"), ("changed", "typo"))
    adult_idx = np.flatnonzero(ages >= _ADULT_AGE)
    n_dup = min(len(variants), len(adult_idx))
    originals = rng.choice(adult_idx, size=n_dup, replace=False) if n_dup else np.array([], dtype=np.int64)
    for k, src in enumerate(originals):
        p = persons[int(src)]
        name_kind, id_kind = variants[k]
        name = p.name
        if name_kind == "changed":
            pool = _GIVEN_BY_SEX[p.sex]
            pos = int(rng.integers(1, len(name)))
            while True:
                c = pool[int(rng.integers(0, len(pool)))]
                if c != name[pos]:
                    break
            name = name[:pos] + c + name[pos + 1:]
        resident_id = ""
        if id_kind == "typo":
            first17 = p.resident_id[:17]
            while True:
                d = str(int(rng.integers(0, 10)))
                candidate = first17[:15] + d + first17[16]
                if d != first17[15] and candidate not in used_ids:
                    break
            used_ids.add(candidate)
            resident_id = candidate + _id_check(candidate)
        persons.append(
            DemoPerson(resident_id, name, p.sex, p.birth_date, p.phone, p.jurisdiction_code, p.address, p.household)
        )
    if n_dup:
        ages = np.concatenate([ages, ages[originals]])
        grid = np.concatenate([grid, grid[originals]])
        household = np.concatenate([household, household[originals]])

    return _Population(persons=persons, ages=ages, grid=grid, household=household, n_households=h)


# --------------------------------------------------------------------------------------
# Outbreak
# --------------------------------------------------------------------------------------


def _daily_intensity(days: int) -> np.ndarray:
    """Relative number of new cases by onset day: exponential growth, slowing at the end."""
    r0 = math.log(2) / _DOUBLING_DAYS
    growth = np.full(days, r0)
    slow = min(_SLOWDOWN_DAYS, max(days - 1, 0))
    if slow:
        ramp = min(_RAMP_DAYS, slow)
        growth[days - slow:] = _FINAL_GROWTH
        growth[days - slow:days - slow + ramp] = np.linspace(r0, _FINAL_GROWTH, ramp + 1)[1:]
    lam = np.exp(np.cumsum(growth) - growth[0])
    if days > 1:
        lam[0] = 0.0  # day 0 holds only the seed cases
    return lam


def _build_cases(
    rng: np.random.Generator, geo: _Geography, pop: _Population, n_base: int, n_cases: int, end: date, days: int
) -> list[DemoCase]:
    if n_cases == 0:
        return []
    n_districts = len(geo.district_codes)
    person_district = geo.grid_district[pop.grid[:n_base]]
    grid_order, grid_starts = _members_index(pop.grid[:n_base], len(geo.grid_codes))
    dist_order, dist_starts = _members_index(person_district, n_districts)
    hh_order, hh_starts = _members_index(pop.household[:n_base], pop.n_households)
    ages = pop.ages[:n_base]
    infected = np.zeros(n_base, dtype=bool)

    def pick_from(order: np.ndarray, starts: np.ndarray, key: int) -> int | None:
        members = order[starts[key]:starts[key + 1]]
        if len(members) == 0:
            return None
        for _ in range(24):
            cand = int(members[int(rng.integers(0, len(members)))])
            if not infected[cand]:
                return cand
        free = members[~infected[members]]
        return int(free[int(rng.integers(0, len(free)))]) if len(free) else None

    def pick_anywhere() -> int:
        for _ in range(64):
            cand = int(rng.integers(0, n_base))
            if not infected[cand]:
                return cand
        free = np.flatnonzero(~infected)
        return int(free[int(rng.integers(0, len(free)))])

    case_person: list[int] = []
    case_day: list[int] = []
    infector: list[int] = []
    district_count = np.zeros(n_districts, dtype=np.int64)
    min_per_district = min(5, n_cases // n_districts)

    def add(person: int, day: int, source: int) -> None:
        infected[person] = True
        case_person.append(person)
        case_day.append(day)
        infector.append(source)
        district_count[person_district[person]] += 1

    # Seed cases on the first days, one district each; the first two were imported.
    n_seed = min(n_cases, n_districts)
    n_imported = min(2, n_seed)
    seed_districts = rng.permutation(n_districts)[:n_seed]
    seed_days = np.sort(rng.integers(0, min(3, days), size=n_seed))
    seed_days[0] = 0
    for d, day in zip(seed_districts, seed_days):
        person = pick_from(dist_order, dist_starts, int(d))
        add(pick_anywhere() if person is None else person, int(day), -1)

    counts = rng.multinomial(n_cases - n_seed, _daily_intensity(days) / _daily_intensity(days).sum())
    for t in range(days):
        for _ in range(int(counts[t])):
            # Infector: an earlier case, weighted by the serial interval.
            cd = np.asarray(case_day)
            lag = t - cd
            ok = (lag >= 1) & (lag <= _SERIAL_LAGS[-1])
            if ok.any():
                w = np.where(ok, _SERIAL_WEIGHTS[np.clip(lag - 1, 0, len(_SERIAL_WEIGHTS) - 1)], 0.0)
                src = int(rng.choice(len(cd), p=w / w.sum()))
            else:
                earlier = np.flatnonzero(cd <= t)
                src = int(earlier[int(rng.integers(0, len(earlier)))])
            sp = case_person[src]

            remaining = n_cases - len(case_person)
            deficit = np.maximum(min_per_district - district_count, 0)
            person = None
            if deficit.sum() >= remaining and deficit.max() > 0:
                # Every remaining case is needed to give each district its minimum.
                d = int(np.argmax(deficit))
                here = [case_person[i] for i in range(len(case_person)) if person_district[case_person[i]] == d]
                if here:
                    person = pick_from(grid_order, grid_starts, int(pop.grid[here[int(rng.integers(0, len(here)))]]))
                if person is None:
                    person = pick_from(dist_order, dist_starts, d)
                if person is not None:
                    src = -1 if not here else src  # a new introduction where none was
            else:
                mode = int(rng.choice(4, p=_CONTACT_MODES))
                if mode == 0:
                    person = pick_from(hh_order, hh_starts, int(pop.household[sp]))
                if person is None and mode <= 1:
                    person = pick_from(grid_order, grid_starts, int(pop.grid[sp]))
                if person is None and mode <= 2:
                    person = pick_from(dist_order, dist_starts, int(person_district[sp]))
            if person is None:
                person = pick_anywhere()
            add(person, t, src)

    n = len(case_person)
    case_day_a = np.asarray(case_day)
    infector_a = np.asarray(infector)
    if n_imported and not np.isin(infector_a, np.arange(n_imported)).any():
        # Make sure the imported seeds started something: the earliest later case is
        # traced back to the first of them (an import-related local case).
        later = np.flatnonzero((np.arange(n) >= n_seed) & (case_day_a > case_day_a[0]))
        if len(later):
            infector_a[later[0]] = 0
    case_age = ages[np.asarray(case_person)]
    is_seed = np.zeros(n, dtype=bool)
    is_seed[:n_seed] = True
    imported = np.zeros(n, dtype=bool)
    imported[:n_imported] = True
    has_children = np.zeros(n, dtype=bool)
    has_children[infector_a[infector_a >= 0]] = True

    # Classification. Suspected, excluded and re-positive cases are chosen among cases that
    # infected no one, suspected ones among the most recent.
    class_counts = dict(zip([c for c, _ in _CLASS_SHARES], _largest_remainder(n, [s for _, s in _CLASS_SHARES])))
    if n >= len(_CLASS_SHARES):
        for c in class_counts:
            if class_counts[c] == 0:
                class_counts[c] = 1
                class_counts["confirmed"] -= 1
    classification = np.array(["confirmed"] * n, dtype=object)
    leaf_first = np.lexsort((rng.random(n), has_children | is_seed))  # leaves first, shuffled
    free = np.ones(n, dtype=bool)
    free[is_seed] = n <= n_seed  # seeds stay confirmed unless there is nothing else

    def take(k: int, candidates: np.ndarray) -> np.ndarray:
        chosen = [int(i) for i in candidates if free[i]][:k]
        free[chosen] = False
        return np.asarray(chosen, dtype=np.int64)

    recent_leaves = np.lexsort((rng.random(n), -case_day_a, has_children | is_seed))
    classification[take(class_counts["suspected"], recent_leaves)] = "suspected"
    classification[take(class_counts["excluded"], leaf_first)] = "excluded"
    classification[take(class_counts["repositive"], leaf_first)] = "repositive"
    # Asymptomatic: younger cases more likely; local seeds may be asymptomatic too.
    rest = np.flatnonzero((classification == "confirmed") & ~imported)
    n_asym = min(class_counts["asymptomatic"], len(rest))
    if n_asym:
        w = np.where(case_age[rest] < 60, 1.0, 0.4)
        asym = rng.choice(rest, size=n_asym, replace=False, p=w / w.sum())
        classification[asym] = "asymptomatic"

    # Severity among confirmed cases, worse illness weighted towards the elderly.
    severity = np.array([None] * n, dtype=object)
    confirmed = np.flatnonzero(classification == "confirmed")
    sev_counts = dict(zip([s for s, _ in _SEVERITY_SHARES],
                          _largest_remainder(len(confirmed), [s for _, s in _SEVERITY_SHARES])))
    pool = confirmed.copy()
    age_c = case_age
    for level, weight in (("critical", [0.2, 2.0, 15.0, 30.0]), ("severe", [0.2, 2.0, 15.0, 30.0]),
                          ("moderate", [1.0, 1.5, 2.0, 2.5])):
        k = min(sev_counts[level], len(pool))
        if k:
            band = np.digitize(age_c[pool], [40, 60, 80])
            w = np.asarray(weight)[band]
            chosen = rng.choice(pool, size=k, replace=False, p=w / w.sum())
            severity[chosen] = level
            pool = np.setdiff1d(pool, chosen)
    severity[pool] = "mild"

    # Origin: imported seeds; their direct contacts are import-related; the rest local.
    origin = np.array(["local"] * n, dtype=object)
    origin[imported] = "imported"
    related = (infector_a >= 0) & np.isin(infector_a, np.flatnonzero(imported))
    origin[related & ~imported] = "import_related"

    # Dates.
    day0 = end.toordinal() - (days - 1)
    end_ord = end.toordinal()
    samp_delay = rng.choice(len(_SAMPLING_DELAY), size=n, p=_SAMPLING_DELAY)
    diag_delay = rng.choice(len(_DIAGNOSIS_DELAY), size=n, p=_DIAGNOSIS_DELAY)
    asymptomatic = classification == "asymptomatic"
    index_ord = day0 + case_day_a
    # Asymptomatic infections are found by screening: the index day is the sampling day.
    samp_ord = np.minimum(index_ord + np.where(asymptomatic, 0, samp_delay), end_ord)
    diag_ord = np.minimum(samp_ord + diag_delay, end_ord)
    # Diagnosis between 09:00 and 22:59 China time, i.e. 01:00-14:59 UTC on the same date.
    diag_minute = rng.integers(9 * 60, 23 * 60, size=n)
    diagnosed_at = [
        datetime.combine(date.fromordinal(int(diag_ord[i])), datetime.min.time(), tzinfo=timezone.utc)
        + timedelta(minutes=int(diag_minute[i])) - _CHINA_UTC_OFFSET
        for i in range(n)
    ]

    # Reporting delays.
    by_time = sorted(range(n), key=lambda i: (diagnosed_at[i], i))
    n_unreported = int(round(n * _UNREPORTED_SHARE))
    unreported = set(by_time[n - n_unreported:]) if n_unreported else set()
    reportable = np.asarray([i for i in range(n) if i not in unreported], dtype=np.int64)
    n_late = min(int(round(n * _LATE_REPORT_SHARE)), len(reportable))
    late = set(int(i) for i in rng.choice(reportable, size=n_late, replace=False)) if n_late else set()
    on_time_minutes = np.minimum(5 + rng.gamma(2.0, 15.0, size=n), 119).astype(np.int64)
    late_minutes = rng.integers(121, 6 * 60 + 1, size=n)
    reported_at: list[datetime | None] = []
    for i in range(n):
        if i in unreported:
            reported_at.append(None)
        elif i in late:
            reported_at.append(diagnosed_at[i] + timedelta(minutes=int(late_minutes[i])))
        else:
            reported_at.append(diagnosed_at[i] + timedelta(minutes=int(on_time_minutes[i])))

    # Outcomes: deaths only among elderly severe/critical cases diagnosed a few days ago.
    outcome = np.array(["under_treatment"] * n, dtype=object)
    since_diag = end_ord - diag_ord
    jitter = rng.integers(-2, 3, size=n)
    for i in range(n):
        cls = classification[i]
        if cls == "excluded":
            outcome[i] = "recovered"  # ruled out and released: the case is closed
        elif cls in ("asymptomatic", "repositive", "confirmed"):
            key = severity[i] if cls == "confirmed" else cls
            if since_diag[i] >= _RECOVERY_DAYS[key] + jitter[i]:
                outcome[i] = "recovered"
    eligible = np.flatnonzero(np.isin(severity, ["severe", "critical"]) & (case_age >= 60) & (since_diag >= 3))
    if len(eligible):
        p_die = np.where(severity[eligible] == "critical", 0.6, 0.2)
        died = eligible[rng.random(len(eligible)) < p_die]
        max_deaths = max(1, int(round(n * 0.015)))
        if len(died) == 0:  # keep at least one death in the demo when one is plausible
            died = eligible[np.lexsort((-case_age[eligible], severity[eligible] != "critical"))][:1]
        outcome[died[:max_deaths]] = "died"

    cases = []
    for i in by_time:
        symptomatic = not asymptomatic[i]
        cases.append(
            DemoCase(
                person_index=int(case_person[i]),
                classification=str(classification[i]),
                severity=severity[i],
                origin=str(origin[i]),
                onset_date=date.fromordinal(int(index_ord[i])) if symptomatic else None,
                sampling_date=date.fromordinal(int(samp_ord[i])),
                diagnosed_at=diagnosed_at[i],
                reported_at=reported_at[i],
                outcome=str(outcome[i]),
            )
        )
    return cases


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------


def build_city(
    *, seed: int = 2022, persons: int = 5000, cases: int = 300, end: date = date(2022, 4, 30), days: int = 35
) -> DemoCity:
    """Build the demo city: jurisdictions, `persons` residents (+ 6 planted near-duplicates
    at the end of the list) and `cases` cases with onset dates in the `days` days ending
    at `end`. The same arguments always give the same city.

    Every district gets at least 5 cases when ``cases >= 25`` (fewer cases are spread as
    evenly as that allows).
    """
    if persons < 1:
        raise ValueError("persons must be at least 1")
    if cases < 0 or cases > persons:
        raise ValueError("cases must be between 0 and persons")
    if days < 1:
        raise ValueError("days must be at least 1")
    rng = np.random.default_rng(seed)
    geo = _build_geography()
    pop = _build_persons(rng, geo, persons, end)
    case_list = _build_cases(rng, geo, pop, persons, cases, end, days)
    x0, y0, x1, y1 = geo.box
    center = (_round6((x0 + x1) / 2), _round6((y0 + y1) / 2))
    return DemoCity(jurisdictions=geo.jurisdictions, persons=pop.persons, cases=case_list, center=center)
