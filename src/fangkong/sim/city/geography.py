"""The synthetic city's jurisdiction tree: province › city › district › street › community › grid.

Province 320000 江苏省, city 320100 南京市 and the district codes and names are real
(GB/T 2260). The districts' rectangles, and everything below district level (streets,
communities, grids, their codes, names and boundaries) are invented; any resemblance to a
real subdivision is coincidental. Boundaries are lon/lat rectangles that tile their parent
exactly (shared edges rounded to 6 decimals once), cut so that pieces stay roughly square.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fangkong.sim.city.model import Jurisdictions
from fangkong.sim.city.spatial import KM_PER_DEG_LAT, Box, km_per_deg_lon

# Nanjing's eleven districts (GB/T 2260 codes and names), in the order a growing synthetic
# city takes them: the four old-city districts first, then the inner suburbs, then the outer.
_DISTRICTS: tuple[tuple[str, str, str], ...] = (
    ("320102", "玄武区", "Xuanwu"), ("320104", "秦淮区", "Qinhuai"), ("320105", "建邺区", "Jianye"),
    ("320106", "鼓楼区", "Gulou"), ("320113", "栖霞区", "Qixia"), ("320114", "雨花台区", "Yuhuatai"),
    ("320111", "浦口区", "Pukou"), ("320115", "江宁区", "Jiangning"), ("320116", "六合区", "Luhe"),
    ("320117", "溧水区", "Lishui"), ("320118", "高淳区", "Gaochun"),
)
_CORE_DISTRICTS = 4  # the old city: denser than the rest

# Sizes of the units, in residents. One district per ~100k people (at least 3, at most
# Nanjing's 11) is the brief's scale rule, not a real figure: real Nanjing districts hold
# 0.4-1.9 M people (7th census 2020). Streets: Nanjing has ~100 streets/towns for 9.3 M
# residents (~90k each); we use smaller ones so a district has several. Communities
# (residents' committees) of ~6k residents, about 2,300 households: a modelling
# assumption within the usual urban range of 1,000-3,000+ households. Grids of ~800
# residents ≈ 300 households: the urban grid size of GB/T 34300-2017 (城市社区网格化服务管理
# 规范, "about 300-500 households per grid").
_PEOPLE_PER_DISTRICT = 100_000
_PEOPLE_PER_STREET = 50_000
_PEOPLE_PER_COMMUNITY = 6_000
_PEOPLE_PER_GRID = 800
# Minimum children per node, so small demo cities still have maps worth drilling into.
_MIN_STREETS, _MIN_COMMUNITIES, _MIN_GRIDS = 3, 2, 2

# Urban density ~10,000 residents/km² (Nanjing's old-city districts are 10-20k/km²,
# 7th census 2020 and district areas); a 1 M city covers ~100 km², a few hundred 800 m
# cells. Small demo cities keep at least 6 km² (~10 cells) so maps are not a single cell.
_DENSITY_PER_KM2 = 10_000.0
_MIN_AREA_KM2 = 6.0
_CENTRE = (118.784, 32.041)  # Xinjiekou, central Nanjing
_ASPECT = 1.2  # east-west extent / north-south extent

_PROVINCE = ("320000", "江苏省", "Jiangsu")
_CITY = ("320100", "南京市", "Nanjing")

# Invented street and community names (zh, pinyin), varied with a suffix when a big city needs
# more names than the list holds (兰园, 兰园东, 兰园新村, ...).
_BASE_NAMES: tuple[tuple[str, str], ...] = (
    ("梅园", "Meiyuan"), ("钟岭", "Zhongling"), ("玄湖", "Xuanhu"), ("泮池", "Panchi"), ("秦淮里", "Qinhuaili"),
    ("白鹭洲", "Bailuzhou"), ("江心", "Jiangxin"), ("沙洲", "Shazhou"), ("莫愁", "Mochou"), ("鼓楼", "Gulou"),
    ("挹江", "Yijiang"), ("清凉", "Qingliang"), ("泰山", "Taishan"), ("珠江", "Zhujiang"), ("江浦", "Jiangpu"),
    ("长江路", "Changjianglu"), ("兰园", "Lanyuan"), ("桃源", "Taoyuan"), ("锦绣", "Jinxiu"), ("翠竹", "Cuizhu"),
    ("银杏", "Yinxing"), ("丹凤", "Danfeng"), ("青溪", "Qingxi"), ("月牙湖", "Yueyahu"), ("石榴园", "Shiliuyuan"),
    ("紫金", "Zijin"), ("龙蟠", "Longpan"), ("虎踞", "Huju"), ("梧桐", "Wutong"), ("枫林", "Fenglin"),
    ("云锦", "Yunjin"), ("凤凰", "Fenghuang"), ("望江", "Wangjiang"), ("柳堤", "Liudi"), ("荷花塘", "Hehuatang"),
    ("双塘", "Shuangtang"), ("朝天宫", "Chaotiangong"), ("南湖", "Nanhu"), ("兴隆", "Xinglong"),
    ("滨江", "Binjiang"), ("金沙", "Jinsha"), ("新城", "Xincheng"), ("安德", "Ande"), ("清风", "Qingfeng"),
    ("明月", "Mingyue"), ("书香", "Shuxiang"), ("和平", "Heping"), ("幸福", "Xingfu"), ("建宁", "Jianning"),
    ("宁海", "Ninghai"), ("华侨", "Huaqiao"), ("湖南路", "Hunanlu"), ("宝塔", "Baota"), ("永宁", "Yongning"),
    ("顶山", "Dingshan"), ("汤泉", "Tangquan"), ("星甸", "Xingdian"), ("桥林", "Qiaolin"), ("盘城", "Pancheng"),
    ("江畔", "Jiangpan"), ("春晓", "Chunxiao"), ("秋实", "Qiushi"), ("学府", "Xuefu"),
)
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("", ""), ("东", " East"), ("西", " West"), ("南", " South"), ("北", " North"), ("新村", " Xincun"),
    ("花园", " Garden"), ("苑", " Yuan"), ("里", " Li"), ("新城", " Xincheng"), ("家园", " Jiayuan"), ("中", " Central"),
)


@dataclass
class Geography:
    """The tree plus per-node arrays the rest of the builder indexes into."""

    jurisdictions: Jurisdictions
    box: Box  # the city's rectangle
    street_codes: np.ndarray  # str, 9 digits
    community_codes: np.ndarray  # str, 12 digits
    community_street: np.ndarray  # int32
    grid_codes: np.ndarray  # str, 15 digits
    grid_community: np.ndarray  # int32
    grid_rect: np.ndarray  # float64 (G, 4): lon0, lat0, lon1, lat1
    grid_people: np.ndarray  # float64 planned residents per grid (sums to the population)
    grid_core: np.ndarray  # bool: the grid lies in an old-city district


def _round6(x: float) -> float:
    return round(float(x), 6)


def _polygon(rect: Box) -> dict:
    """A closed, counter-clockwise GeoJSON Polygon for a lon/lat rectangle."""
    x0, y0, x1, y1 = (_round6(v) for v in rect)
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _split(rect: Box, weights: np.ndarray) -> list[Box]:
    """Cut a rectangle into strips along its longer side (in ground distance).

    Inner cut lines are rounded to 6 decimals once and shared by both neighbours, and
    the outer edges are the parent's own, so the strips tile the parent exactly.
    """
    x0, y0, x1, y1 = rect
    along_lon = (x1 - x0) * math.cos(math.radians((y0 + y1) / 2)) >= (y1 - y0)
    lo, hi = (x0, x1) if along_lon else (y0, y1)
    frac = np.cumsum(weights) / np.sum(weights)
    cuts = [lo] + [_round6(lo + (hi - lo) * f) for f in frac[:-1]] + [hi]
    return [(a, y0, b, y1) if along_lon else (x0, a, x1, b) for a, b in zip(cuts[:-1], cuts[1:])]


def n_districts(population: int) -> int:
    return int(np.clip(round(population / _PEOPLE_PER_DISTRICT), 3, len(_DISTRICTS)))


def city_box(population: int) -> Box:
    """The city's rectangle around central Nanjing, sized for the urban density."""
    area = max(population / _DENSITY_PER_KM2, _MIN_AREA_KM2)
    width_km = math.sqrt(area * _ASPECT)
    height_km = area / width_km
    half_lon = width_km / 2 / km_per_deg_lon(_CENTRE[1])
    half_lat = height_km / 2 / KM_PER_DEG_LAT
    return (_round6(_CENTRE[0] - half_lon), _round6(_CENTRE[1] - half_lat),
            _round6(_CENTRE[0] + half_lon), _round6(_CENTRE[1] + half_lat))


def _tile(rect: Box, weights: np.ndarray) -> list[Box]:
    """Cut ``rect`` into ``len(weights)`` pieces with areas in proportion to ``weights``.

    Halving the list and the rectangle recursively (always across the longer side) keeps
    pieces close to square, unlike cutting all of them as strips.
    """
    if len(weights) == 1:
        return [rect]
    half = len(weights) // 2
    first, second = _split(rect, np.array([weights[:half].sum(), weights[half:].sum()]))
    return _tile(first, weights[:half]) + _tile(second, weights[half:])


def _shares(rng: np.random.Generator, people: float, per_child: int, minimum: int) -> np.ndarray:
    """Residents of each child node: about ``people / per_child`` children, at least ``minimum``."""
    k = max(minimum, int(round(people / per_child)))
    w = rng.uniform(0.7, 1.3, size=k)
    return people * w / w.sum()


def _area_weights(rng: np.random.Generator, people: np.ndarray) -> np.ndarray:
    # Density varies between neighbouring units: area = residents x lognormal noise.
    return people * rng.lognormal(0.0, 0.25, size=people.shape[0])


def _place_name(i: int, order: np.ndarray) -> tuple[str, str]:
    """The i-th invented place name (zh, pinyin); unique for the first 756."""
    base_zh, base_en = _BASE_NAMES[int(order[i % len(order)])]
    lap = i // len(order)
    suf_zh, suf_en = _SUFFIXES[lap % len(_SUFFIXES)]
    more = lap // len(_SUFFIXES)
    tail = str(more + 1) if more else ""
    return f"{base_zh}{suf_zh}{tail}", f"{base_en}{suf_en}{(' ' + tail) if tail else ''}"


class _TreeBuilder:
    """Collects nodes and per-grid rows while the tree is walked top-down."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.j = Jurisdictions(code=[], parent_code=[], level=[], name=[], name_en=[], boundary=[])
        self.streets: list[str] = []
        self.communities: list[str] = []
        self.community_street: list[int] = []
        self.grids: list[str] = []
        self.grid_community: list[int] = []
        self.grid_rect: list[Box] = []
        self.grid_people: list[float] = []
        self.grid_core: list[bool] = []
        self.street_names = rng.permutation(len(_BASE_NAMES))
        self.community_names = rng.permutation(len(_BASE_NAMES))

    def add(self, code: str, parent: str | None, level: str, name: str, name_en: str, rect: Box | None) -> None:
        self.j.code.append(code)
        self.j.parent_code.append(parent)
        self.j.level.append(level)
        self.j.name.append(name)
        self.j.name_en.append(name_en)
        self.j.boundary.append(_polygon(rect) if rect is not None else None)

    def district(self, code: str, rect: Box, people: float, core: bool) -> None:
        shares = _shares(self.rng, people, _PEOPLE_PER_STREET, _MIN_STREETS)
        for s_idx, (s_rect, s_people) in enumerate(zip(_tile(rect, _area_weights(self.rng, shares)), shares), 1):
            zh, en = _place_name(len(self.streets), self.street_names)
            s_code = f"{code}{s_idx:03d}"
            self.add(s_code, code, "street", f"{zh}街道", f"{en} Subdistrict", s_rect)
            self.streets.append(s_code)
            self.street(s_code, s_rect, s_people, core)

    def street(self, code: str, rect: Box, people: float, core: bool) -> None:
        shares = _shares(self.rng, people, _PEOPLE_PER_COMMUNITY, _MIN_COMMUNITIES)
        for c_idx, (c_rect, c_people) in enumerate(zip(_tile(rect, _area_weights(self.rng, shares)), shares), 1):
            zh, en = _place_name(len(self.communities), self.community_names)
            c_code = f"{code}{c_idx:03d}"
            self.add(c_code, code, "community", f"{zh}社区", f"{en} Community", c_rect)
            self.community_street.append(len(self.streets) - 1)
            self.communities.append(c_code)
            g_shares = _shares(self.rng, c_people, _PEOPLE_PER_GRID, _MIN_GRIDS)
            g_rects = _tile(c_rect, _area_weights(self.rng, g_shares))
            for g_idx, (g_rect, g_people) in enumerate(zip(g_rects, g_shares), 1):
                g_code = f"{c_code}{g_idx:03d}"
                self.add(g_code, c_code, "grid", f"第{g_idx}网格", f"Grid {g_idx}", g_rect)
                self.grids.append(g_code)
                self.grid_community.append(len(self.communities) - 1)
                self.grid_rect.append(g_rect)
                self.grid_people.append(float(g_people))
                self.grid_core.append(core)


def build_jurisdictions(population: int, rng: np.random.Generator) -> Geography:
    """The tree for a city of ``population`` residents, with every grid's rectangle and planned residents."""
    if population < 1:
        raise ValueError("population must be at least 1")
    box = city_box(population)
    k = n_districts(population)
    w = rng.uniform(0.7, 1.3, size=k)
    people = population * w / w.sum()
    # The old city is about twice as dense as the suburbs, so its districts get less area.
    density = np.where(np.arange(k) < _CORE_DISTRICTS, 0.6, 1.3)
    tb = _TreeBuilder(rng)
    tb.add(_PROVINCE[0], None, "province", _PROVINCE[1], _PROVINCE[2], None)
    tb.add(_CITY[0], _PROVINCE[0], "city", _CITY[1], _CITY[2], None)
    for d, rect in enumerate(_tile(box, people * density)):
        code, zh, en = _DISTRICTS[d]
        tb.add(code, _CITY[0], "district", zh, f"{en} District", rect)
        tb.district(code, rect, people[d], d < _CORE_DISTRICTS)
    # Parents first: province, city, then each district followed by its subtree.
    return Geography(
        jurisdictions=tb.j,
        box=box,
        street_codes=np.asarray(tb.streets),
        community_codes=np.asarray(tb.communities),
        community_street=np.asarray(tb.community_street, dtype=np.int32),
        grid_codes=np.asarray(tb.grids),
        grid_community=np.asarray(tb.grid_community, dtype=np.int32),
        grid_rect=np.asarray(tb.grid_rect, dtype=np.float64),
        grid_people=np.asarray(tb.grid_people, dtype=np.float64),
        grid_core=np.asarray(tb.grid_core, dtype=bool),
    )
