import json

import pytest

from fangkong.authz import SYSTEM, Actor, in_subtree
from fangkong.errors import Invalid
from fangkong.geo import service as geo
from fangkong.geo.levels import check_code, prefix
from fangkong.geo.models import Jurisdiction

SQUARE = {"type": "Polygon", "coordinates": [[[118.7, 32.0], [118.8, 32.0], [118.8, 32.1], [118.7, 32.1], [118.7, 32.0]]]}


@pytest.mark.parametrize("code, level, parent, parent_level, ok", [
    ("320000", "province", None, None, True),
    ("320100", "city", "320000", "province", True),
    ("320102", "district", "320100", "city", True),
    ("320102001", "street", "320102", "district", True),
    ("320102001002", "community", "320102001", "street", True),
    ("320102001002003", "grid", "320102001002", "community", True),
    ("330102", "district", "320100", "city", False),       # wrong prefix
    ("32010", "district", "320100", "city", False),        # wrong length
    ("320102001", "community", "320102", "district", False),  # skips a level
    ("320101", "city", "320000", "province", False),       # city code ends in 00
])
def test_code_rules(code, level, parent, parent_level, ok):
    assert (check_code(code, level, parent, parent_level) is None) == ok


def test_prefix_and_subtree():
    assert prefix("320100", "city") == "3201" and prefix("320102001", "street") == "320102001"
    district = Actor(id=1, username="d", role="epidemiologist", jurisdiction_code="320102", jurisdiction_level="district")
    assert district.covers("320102001001001") and not district.covers("320104001") and not district.covers(None)


def geojson(tmp_path, features):
    path = tmp_path / "tree.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    return path


def feature(code, level, name, parent=None, geometry=SQUARE):
    return {"type": "Feature", "geometry": geometry,
            "properties": {"code": code, "level": level, "name_zh": name, "name_en": name, "parent_code": parent}}


def test_geojson_import_is_idempotent_and_updates(session, tmp_path):
    path = geojson(tmp_path, [feature("320102009", "street", "新街道", "320102"),
                              feature("320102009001", "community", "新社区", "320102009")])
    first = geo.import_nodes(session=session, actor=SYSTEM, nodes=geo.read_tree_file(path), source=path.name)
    again = geo.import_nodes(session=session, actor=SYSTEM, nodes=geo.read_tree_file(path), source=path.name)
    assert (first.created, again.created, again.unchanged) == (2, 0, 2)
    node = session.get(Jurisdiction, "320102009001")
    assert json.loads(node.geometry) == SQUARE and node.parent_code == "320102009"
    renamed = geojson(tmp_path, [feature("320102009", "street", "新街道办", "320102")])
    assert geo.import_nodes(session=session, actor=SYSTEM, nodes=geo.read_tree_file(renamed), source="x").updated == 1


def test_bad_node_rejects_whole_file(session, tmp_path):
    before = geo.count(session=session)
    path = geojson(tmp_path, [feature("320102010", "street", "好街道", "320102"),
                              feature("330102011", "street", "坏街道", "320102")])
    with pytest.raises(Invalid, match="row 2.*330102011"):
        geo.import_nodes(session=session, actor=SYSTEM, nodes=geo.read_tree_file(path), source=path.name)
    session.rollback()
    assert geo.count(session=session) == before


def test_csv_import(session, tmp_path):
    path = tmp_path / "tree.csv"
    path.write_bytes("code,level,name_zh,name_en,parent_code\n320102011,street,测试街道,Test,320102\n".encode("gb18030"))
    report = geo.import_nodes(session=session, actor=SYSTEM, nodes=geo.read_tree_file(path), source=path.name)
    assert report.created == 1 and session.get(Jurisdiction, "320102011").name_zh == "测试街道"


def test_in_subtree_uses_code_ranges(session):
    from sqlalchemy import select

    codes = set(session.scalars(select(Jurisdiction.code).where(in_subtree(Jurisdiction.code, "320102"))))
    assert codes and all(c.startswith("320102") for c in codes)
    assert "320104" not in codes and "320102" in codes
