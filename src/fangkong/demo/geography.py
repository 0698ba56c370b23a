"""Demo city geography: the jurisdiction tree from province to grid, with rectangle polygons.

Province 320000 江苏省, city 320100 南京市 and the five district codes and names (GB/T 2260)
are real; the district rectangles only roughly follow the real layout. Everything below
district level (streets, communities, grids, their codes, names and boundaries) is
invented. The geography does not depend on the population seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fangkong.demo.models import DemoJurisdiction

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


def _bounding_box() -> tuple[float, float, float, float]:
    """The box the five district rectangles tile (the city's own rectangle)."""
    x0 = min(r[0] for *_, r in _DISTRICTS)
    y0 = min(r[1] for *_, r in _DISTRICTS)
    x1 = max(r[2] for *_, r in _DISTRICTS)
    y1 = max(r[3] for *_, r in _DISTRICTS)
    return (_round6(x0), _round6(y0), _round6(x1), _round6(y1))


def _build_geography() -> _Geography:
    rng = np.random.default_rng(_GEOGRAPHY_SEED)
    box = _bounding_box()

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
