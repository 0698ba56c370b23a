"""Column names accepted in import files: the canonical English name or its usual Chinese header."""

from __future__ import annotations

ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名",),
    "sex": ("性别",),
    "birth_date": ("出生日期",),
    "resident_id": ("身份证号", "身份证号码", "公民身份号码"),
    "doc_type": ("证件类型",),
    "doc_number": ("证件号码",),
    "phone": ("手机号", "手机号码", "联系电话", "电话"),
    "jurisdiction_code": ("辖区编码", "现住址编码", "区划代码"),
    "address": ("现住址", "地址", "详细地址"),
    "external_id": ("报告卡编号", "卡片编号"),
    "classification": ("病例分类", "分类"),
    "severity": ("临床严重程度", "临床分型"),
    "origin": ("病例来源", "来源"),
    "onset_date": ("发病日期",),
    "sampling_date": ("采样日期",),
    "diagnosed_at": ("诊断时间",),
    "reported_at": ("报告时间",),
    "outcome": ("转归",),
    "outcome_date": ("转归日期",),
    "notes": ("备注",),
}
_LOOKUP = {alias: name for name, aliases in ALIASES.items() for alias in (name, *aliases)}

SEX = {"male": "male", "m": "male", "男": "male", "1": "male",
       "female": "female", "f": "female", "女": "female", "2": "female",
       "unknown": "unknown", "未知": "unknown", "": "unknown"}
CLASSIFICATION = {"疑似病例": "suspected", "疑似": "suspected", "确诊病例": "confirmed", "确诊": "confirmed",
                  "无症状感染者": "asymptomatic", "无症状": "asymptomatic", "复阳": "repositive", "排除": "excluded"}
SEVERITY = {"轻型": "mild", "普通型": "moderate", "中型": "moderate", "重型": "severe", "危重型": "critical"}
ORIGIN = {"本土": "local", "境外输入": "imported", "输入": "imported", "输入继发": "import_related", "输入关联": "import_related"}
OUTCOME = {"治疗中": "under_treatment", "隔离治疗中": "under_treatment", "治愈": "recovered", "治愈出院": "recovered",
           "解除隔离": "recovered", "死亡": "died"}


def canonical(column: str) -> str:
    return _LOOKUP.get(column.strip(), column.strip())


def code_value(value: str, table: dict[str, str]) -> str:
    """Map a Chinese label to its code; codes themselves pass through."""
    return table.get(value, value)
