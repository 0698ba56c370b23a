from __future__ import annotations

from pydantic import BaseModel


class JurisdictionRead(BaseModel):
    code: str
    level: str
    name: str
    name_zh: str
    name_en: str
    parent_code: str | None


class JurisdictionPage(BaseModel):
    items: list[JurisdictionRead]


def to_read(node, language: str = "zh_Hans") -> JurisdictionRead:
    name = node.name_en if language == "en" and node.name_en else node.name_zh
    return JurisdictionRead(code=node.code, level=node.level, name=name, name_zh=node.name_zh,
                            name_en=node.name_en, parent_code=node.parent_code)
