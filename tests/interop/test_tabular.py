"""Tests for fangkong.interop.tabular.read_table: every file import goes through it."""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle

import pytest

from fangkong.interop.tabular import (
    RowError,
    Table,
    TableError,
    mojibake_problem,
    read_table,
    uncommon_char_count,
)

# Genuine text that must never be mistaken for mojibake: names (common, compound
# surnames, rare characters, transliterated), addresses, districts, field values,
# in simplified and traditional script.
GENUINE_SIMPLIFIED = [
    "张三", "李四", "王小明", "欧阳娜娜", "南京市玄武区", "刘德华", "陈静", "赵丽颖", "黄晓明", "郑爽",
    "袁隆平", "薛之谦", "司马相如", "诸葛亮", "上官婉儿", "闫妮", "邺城", "王喆", "张堃", "李昇",
    "阿卜杜拉·买买提", "古丽娜扎尔·热合曼", "毛", "女", "男", "美", "梅", "没有",
    "江苏省南京市鼓楼区中山北路88号", "北京市朝阳区建国路甲1号", "上海市浦东新区张江路100弄3号楼502室",
    "广东省深圳市南山区科技园", "四川省成都市武侯区人民南路四段", "南京市建邺区江东中路",
    "海淀区", "雨花台区", "栖霞区", "江宁区", "秦淮区", "密切接触者", "无症状感染者", "核酸检测阳性",
    "居家隔离（第3天）", "发热、咳嗽", "《通知》", "A座1单元", "B栋302", "身份证号", "联系电话",
]
GENUINE_TRADITIONAL = [
    "臺北市中正區", "陳大文", "張三", "黃大仙區", "九龍城區", "觀塘區", "深水埗區", "灣仔區", "油尖旺區",
    "新北市板橋區", "高雄市前鎮區", "臺中市西屯區", "澳門特別行政區", "陳美玲", "劉德華", "梁朝偉",
    "張學友", "鄧麗君", "謝霆鋒", "鄭秀文", "彌敦道", "皇后大道中", "軒尼詩道", "忠孝東路四段",
    "信義路五段七號", "密切接觸者", "確診", "發燒", "咳嗽",
]
GENUINE_OTHER = [
    "José", "Müller", "François", "Łukasz", "Ægir", "café au lait", "naïve", "São Paulo",
    "Ó Briain", "Seán Ó Sé", "Nguyễn Văn Ánh", "Åse Øvre", "Ñuñez", "25 °C", "¿Qué?",
]


def write(tmp_path, name: str, data: bytes | str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def read_errors(path, **kwargs) -> list[RowError]:
    with pytest.raises(TableError) as info:
        read_table(path, **kwargs)
    assert info.value.errors, "a TableError must carry its problems"
    return info.value.errors


# --------------------------------------------------------------------------- #
# Basics: UTF-8, row numbers, stripping, sha256
# --------------------------------------------------------------------------- #


def test_utf8_csv_values_row_numbers_and_sha256(tmp_path):
    data = "姓名, 身份证号 ,电话\n 张三 ,110101199003077777,13800138000\n李四,,\n".encode()
    path = write(tmp_path, "persons.csv", data)

    table = read_table(path, required=["姓名"])

    assert isinstance(table, Table)
    assert table.path == str(path)
    assert table.encoding == "utf-8"
    assert table.columns == ["姓名", "身份证号", "电话"]
    assert table.sha256 == hashlib.sha256(data).hexdigest()
    assert table.rows == [
        (2, {"姓名": "张三", "身份证号": "110101199003077777", "电话": "13800138000"}),
        (3, {"姓名": "李四", "身份证号": "", "电话": ""}),
    ]


def test_blank_rows_are_skipped_but_still_counted(tmp_path):
    path = write(tmp_path, "p.csv", "name,age\nA,1\n\n,\n  ,  \nB,2\n")
    table = read_table(path)
    assert table.rows == [(2, {"name": "A", "age": "1"}), (6, {"name": "B", "age": "2"})]


def test_crlf_and_bare_cr_line_endings(tmp_path):
    crlf = read_table(write(tmp_path, "crlf.csv", "name,city\r\n张三,南京\r\n李四,上海\r\n"))
    cr = read_table(write(tmp_path, "cr.csv", "name,city\r张三,南京\r李四,上海\r"))
    expected = [(2, {"name": "张三", "city": "南京"}), (3, {"name": "李四", "city": "上海"})]
    assert crlf.rows == expected
    assert cr.rows == expected


def test_txt_suffix_and_upper_case_suffix_are_csv(tmp_path):
    assert read_table(write(tmp_path, "a.txt", "x,y\n1,2\n")).rows == [(2, {"x": "1", "y": "2"})]
    assert read_table(write(tmp_path, "B.CSV", "x,y\n3,4\n")).rows == [(2, {"x": "3", "y": "4"})]


def test_ideographic_and_no_break_spaces_are_stripped(tmp_path):
    table = read_table(write(tmp_path, "s.csv", "name,city\n\u3000张三\u3000,\u00a0南京 \n"))
    assert table.rows == [(2, {"name": "张三", "city": "南京"})]


# --------------------------------------------------------------------------- #
# Encoding detection
# --------------------------------------------------------------------------- #


def test_utf8_with_bom(tmp_path):
    data = "\ufeff姓名,城市\n张三,南京\n".encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    table = read_table(write(tmp_path, "bom.csv", data), required=["姓名"])
    assert table.encoding == "utf-8-sig"
    assert table.columns == ["姓名", "城市"]  # BOM not glued to the first name
    assert table.rows == [(2, {"姓名": "张三", "城市": "南京"})]


def test_short_gbk_file_that_is_not_big5(tmp_path):
    table = read_table(write(tmp_path, "g.csv", "name\n张三\n".encode("gb18030")))
    assert table.encoding == "gb18030"
    assert table.rows == [(2, {"name": "张三"})]


def test_gb18030_file(tmp_path):
    text = "姓名,性别,现住址\n张三,男,南京市玄武区中山路1号\n李四,女,北京市朝阳区\n王小明,男,上海市黄浦区\n"
    table = read_table(write(tmp_path, "gbk.csv", text.encode("gb18030")))
    assert table.encoding == "gb18030"
    assert table.columns == ["姓名", "性别", "现住址"]
    assert table.rows == [
        (2, {"姓名": "张三", "性别": "男", "现住址": "南京市玄武区中山路1号"}),
        (3, {"姓名": "李四", "性别": "女", "现住址": "北京市朝阳区"}),
        (4, {"姓名": "王小明", "性别": "男", "现住址": "上海市黄浦区"}),
    ]


def test_gb18030_only_characters_decode(tmp_path):
    # '𠮷' (U+20BB7) exists in GB18030 (4 bytes) but not in GBK: proves the
    # superset codec is used.
    with pytest.raises(UnicodeEncodeError):
        "𠮷".encode("gbk")
    table = read_table(write(tmp_path, "g.csv", "姓名\n𠮷野家\n张三\n".encode("gb18030")))
    assert table.encoding == "gb18030"
    assert [r[1]["姓名"] for r in table.rows] == ["𠮷野家", "张三"]


def test_big5_file(tmp_path):
    text = "姓名,地址\n陳大文,臺北市中正區\n張三,九龍城區\n"
    table = read_table(write(tmp_path, "big5.csv", text.encode("big5")))
    assert table.encoding == "big5"
    assert table.columns == ["姓名", "地址"]
    assert table.rows == [
        (2, {"姓名": "陳大文", "地址": "臺北市中正區"}),
        (3, {"姓名": "張三", "地址": "九龍城區"}),
    ]


@pytest.mark.parametrize("value", ["臺北市中正區", "陳大文"])
def test_short_big5_file(tmp_path, value):
    table = read_table(write(tmp_path, "b.csv", f"name\n{value}\n".encode("big5")))
    assert table.encoding == "big5"
    assert table.rows == [(2, {"name": value})]


@pytest.mark.parametrize("value", ["北京", "中文测试", "北京市朝阳区", "刘德华", "年龄", "韩梅梅", "居家隔离"])
def test_short_gbk_file_that_is_also_valid_big5(tmp_path, value):
    raw = f"name\n{value}\n".encode("gb18030")
    assert raw.decode("big5") != f"name\n{value}\n"  # decodes as Big5 too, to garbage
    table = read_table(write(tmp_path, "g.csv", raw))
    assert table.encoding == "gb18030"
    assert table.rows == [(2, {"name": value})]


def test_uncommon_char_count_prefers_the_right_decoding():
    raw = "北京市朝阳区".encode("gb18030")
    right, wrong = raw.decode("gb18030"), raw.decode("big5")
    assert right == "北京市朝阳区"
    assert uncommon_char_count(right) == 0
    assert uncommon_char_count(wrong) > uncommon_char_count(right)
    assert uncommon_char_count("abc，。、「」") == 0
    assert uncommon_char_count("ジé\ue000") == 3
    # With a frequency set, ideographs outside it count too: '儔' is not among
    # GB2312's 3,755 level-1 characters, '控' and '北京' are.
    assert uncommon_char_count("控儔") == 0
    assert uncommon_char_count("控儔", "gb") == 1
    assert uncommon_char_count("北京", "gb") == 0
    assert uncommon_char_count("臺北", "gb") == 1
    assert uncommon_char_count("臺北", "big5") == 0


def test_undecodable_file(tmp_path):
    raw = "name\n".encode() + bytes([0xFF, 0xFE, 0x80, 0x81, 0x30, 0xFF]) + b"\n"
    errors = read_errors(write(tmp_path, "bad.csv", raw))
    assert errors == [RowError(0, None, errors[0].message)]
    assert "cannot decode file as UTF-8, GB18030 or Big5" in errors[0].message


def test_empty_file(tmp_path):
    errors = read_errors(write(tmp_path, "empty.csv", b""))
    assert [(e.row, e.field) for e in errors] == [(0, None)]
    assert "empty" in errors[0].message


# --------------------------------------------------------------------------- #
# Mojibake
# --------------------------------------------------------------------------- #


def test_utf8_read_as_gbk_is_rejected_with_row_field_and_repair(tmp_path):
    garbled = "张三".encode("utf-8").decode("gb18030")
    assert garbled == "寮犱笁"
    text = f"id,name,city\n1,李四,南京\n2,{garbled},上海\n3,王五,北京\n"
    errors = read_errors(write(tmp_path, "m.csv", text))
    assert [(e.row, e.field) for e in errors] == [(3, "name")]
    message = errors[0].message
    assert "mojibake (UTF-8 read as GBK)" in message
    assert "'寮犱笁'" in message
    assert "did you mean '张三'?" in message
    assert str(errors[0]) == f"row 3, field 'name': {message}"


def test_utf8_read_as_gbk_with_lost_last_byte(tmp_path):
    garbled = "王小明".encode("utf-8").decode("gb18030", errors="replace")
    assert garbled.endswith("\ufffd")
    errors = read_errors(write(tmp_path, "m.csv", f"name\n张三\n{garbled}\n"))
    assert [(e.row, e.field) for e in errors] == [(3, "name")]
    assert "UTF-8 read as GBK" in errors[0].message
    assert "'王小'" in errors[0].message


def test_utf8_cell_inside_a_gbk_file_shows_as_mojibake(tmp_path):
    # A GBK export with one value pasted in as UTF-8 bytes: the file decodes as
    # GB18030 and that one cell becomes mojibake, with its repair suggested.
    raw = (
        "姓名,城市\n李四,北京\n".encode("gb18030")
        + "张三".encode("utf-8")
        + ",上海\n".encode("gb18030")
    )
    errors = read_errors(write(tmp_path, "mixed.csv", raw))
    assert [(e.row, e.field) for e in errors] == [(3, "姓名")]
    assert "did you mean '张三'?" in errors[0].message


@pytest.mark.parametrize(
    "garbled",
    [
        "张三".encode("utf-8").decode("cp1252"),  # 'å¼\xa0ä¸‰' with a no-break space
        "å¼ ä¸‰",                                  # the same after NBSP became a space
        "南京市玄武区".encode("utf-8").decode("latin-1"),
    ],
)
def test_utf8_read_as_latin1_is_rejected_with_row_field_and_repair(tmp_path, garbled):
    expected = "南京市玄武区" if "\x8d" in garbled else "张三"
    text = f"name,note\nok,fine\nok,fine\nok,fine\n李四,{garbled}\n"
    path = tmp_path / "latin.csv"
    path.write_text(text, encoding="utf-8", newline="")
    errors = read_errors(path)
    assert [(e.row, e.field) for e in errors] == [(5, "note")]
    assert "UTF-8 read as Latin-1/Windows-1252" in errors[0].message
    assert f"did you mean '{expected}'?" in errors[0].message


def test_double_encoded_latin1_mojibake():
    twice = "张三".encode("utf-8").decode("cp1252").encode("utf-8").decode("cp1252")
    problem = mojibake_problem(twice)
    assert problem is not None and "did you mean '张三'?" in problem


def test_latin_text_read_as_gbk():
    problem = mojibake_problem("José".encode("utf-8").decode("gb18030"))  # 'Jos茅'
    assert problem is not None and "did you mean 'José'?" in problem


@pytest.mark.parametrize(
    "garbage", ["张\ufffd三", "锟斤拷锟斤拷", "烫烫烫烫烫", "屯屯屯屯"]
)
def test_replacement_characters_and_classic_garbage(tmp_path, garbage):
    errors = read_errors(write(tmp_path, "g.csv", f"name,city\n张三,南京\n{garbage},上海\n"))
    assert [(e.row, e.field) for e in errors] == [(3, "name")]
    assert repr(garbage) in errors[0].message


def test_mojibake_quote_is_truncated_to_30_characters():
    long = ("南京市玄武区中山路一号" * 5).encode("utf-8").decode("gb18030", errors="replace")
    problem = mojibake_problem(long)
    assert problem is not None
    quoted = problem.split("): ", 1)[1].split(";", 1)[0]
    assert quoted == repr(long[:30] + "…")


def test_mojibake_in_header_is_reported(tmp_path):
    garbled = "姓名".encode("utf-8").decode("gb18030")
    errors = read_errors(write(tmp_path, "h.csv", f"{garbled},city\n张三,南京\n"))
    assert [(e.row, e.field) for e in errors] == [(1, garbled)]
    assert "did you mean '姓名'?" in errors[0].message


@pytest.mark.parametrize("value", GENUINE_SIMPLIFIED + GENUINE_TRADITIONAL + GENUINE_OTHER)
def test_genuine_text_is_not_mojibake(value):
    assert mojibake_problem(value) is None


def test_genuine_text_files_read_cleanly_in_every_encoding(tmp_path):
    assert len(GENUINE_SIMPLIFIED) + len(GENUINE_TRADITIONAL) >= 30
    everything = GENUINE_SIMPLIFIED + GENUINE_TRADITIONAL + GENUINE_OTHER
    utf8 = read_table(write(tmp_path, "u.csv", "value\n" + "\n".join(everything) + "\n"))
    assert [v["value"] for _, v in utf8.rows] == everything
    assert [r for r, _ in utf8.rows] == list(range(2, len(everything) + 2))

    gbk = read_table(write(tmp_path, "g.csv", ("值\n" + "\n".join(GENUINE_SIMPLIFIED) + "\n").encode("gb18030")))
    assert gbk.encoding == "gb18030"
    assert [v["值"] for _, v in gbk.rows] == GENUINE_SIMPLIFIED

    # '埗' (深水埗區, Hong Kong) is only in Big5-HKSCS: the HKSCS fallback reads it.
    with pytest.raises(UnicodeEncodeError):
        "深水埗區".encode("big5")
    raw = ("值\n" + "\n".join(GENUINE_TRADITIONAL) + "\n").encode("big5hkscs")
    big5 = read_table(write(tmp_path, "b.csv", raw))
    assert big5.encoding == "big5"
    assert [v["值"] for _, v in big5.rows] == GENUINE_TRADITIONAL


# --------------------------------------------------------------------------- #
# Header and row structure
# --------------------------------------------------------------------------- #


def test_missing_required_columns(tmp_path):
    errors = read_errors(write(tmp_path, "p.csv", "name,phone\n张三,13800138000\n"),
                         required=["name", "id_number", "address"])
    assert errors == [
        RowError(1, "id_number", "missing required column"),
        RowError(1, "address", "missing required column"),
    ]


def test_duplicate_and_empty_header_names(tmp_path):
    errors = read_errors(write(tmp_path, "p.csv", "name,phone,,name\n1,2,3,4\n"))
    assert [(e.row, e.field) for e in errors] == [(1, None), (1, "name")]
    assert "column 3 has an empty header" in errors[0].message
    assert "duplicate column name (columns 1 and 4)" in errors[1].message


def test_ragged_rows(tmp_path):
    text = "a,b,c\n1,2,3\n1,2\n1,2,3,4\n\n7,8,9\n"
    errors = read_errors(write(tmp_path, "r.csv", text))
    assert [(e.row, e.field) for e in errors] == [(3, None), (4, None)]
    assert "row has 2 fields but the header has 3" in errors[0].message
    assert "row has 4 fields but the header has 3" in errors[1].message


def test_all_problems_are_collected_into_one_error(tmp_path):
    garbled = "张三".encode("utf-8").decode("gb18030")
    text = f"name,city\n{garbled},南京\n1,2,3\nok,fine\nx,{garbled}\n"
    path = write(tmp_path, "many.csv", text)
    with pytest.raises(TableError) as info:
        read_table(path, required=["id_number"])
    err = info.value
    assert [(e.row, e.field) for e in err.errors] == [
        (1, "id_number"), (2, "name"), (3, None), (5, "city"),
    ]
    assert err.path == str(path)
    message = str(err)
    assert message.startswith("many.csv: 4 problems: ")
    assert "row 1, field 'id_number': missing required column" in message
    assert "row 3: row has 3 fields" in message
    # stays usable across process boundaries (task queues)
    again = pickle.loads(pickle.dumps(err))
    assert again.errors == err.errors and str(again) == message


def test_error_message_lists_only_the_first_few(tmp_path):
    text = "a,b\n" + "1\n" * 12
    with pytest.raises(TableError) as info:
        read_table(write(tmp_path, "r.csv", text))
    assert len(info.value.errors) == 12
    assert [e.row for e in info.value.errors] == list(range(2, 14))
    assert str(info.value).endswith("... and 7 more")


def test_row_error_str():
    assert str(RowError(7, "name", "bad")) == "row 7, field 'name': bad"
    assert str(RowError(3, None, "bad")) == "row 3: bad"
    assert str(RowError(0, None, "bad")) == "file: bad"


@pytest.mark.parametrize("name", ["people.xls", "people.json", "people", "people.csv.gz"])
def test_unsupported_suffix(tmp_path, name):
    path = write(tmp_path, name, "a,b\n1,2\n")
    errors = read_errors(path)
    assert [(e.row, e.field) for e in errors] == [(0, None)]
    assert ".csv" in errors[0].message and ".xlsx" in errors[0].message
    assert "unsupported" in errors[0].message


def test_missing_file(tmp_path):
    errors = read_errors(tmp_path / "nope.csv")
    assert [(e.row, e.field) for e in errors] == [(0, None)]
    assert "cannot read file" in errors[0].message


# --------------------------------------------------------------------------- #
# Delimiters and quoting
# --------------------------------------------------------------------------- #


def test_tab_separated(tmp_path):
    text = "姓名\t地址\t备注\n张三\t南京市玄武区, 中山路1号\t\"引号\"\n李四\t北京\t\n"
    table = read_table(write(tmp_path, "t.txt", text))
    assert table.columns == ["姓名", "地址", "备注"]
    assert table.rows == [
        (2, {"姓名": "张三", "地址": "南京市玄武区, 中山路1号", "备注": "引号"}),
        (3, {"姓名": "李四", "地址": "北京", "备注": ""}),
    ]


def test_tab_separated_after_a_blank_first_line(tmp_path):
    table = read_table(write(tmp_path, "t.csv", "\r\nname\tcity\r\n张三\t南京,玄武区\r\n"))
    assert table.columns == ["name", "city"]
    assert table.rows == [(3, {"name": "张三", "city": "南京,玄武区"})]


def test_tabs_inside_a_comma_header_do_not_switch_delimiter(tmp_path):
    table = read_table(write(tmp_path, "c.csv", "a\tb,c\n1\t2,3\n"))
    assert table.columns == ["a\tb", "c"]
    assert table.rows == [(2, {"a\tb": "1\t2", "c": "3"})]


def test_quoted_fields_with_commas_newlines_and_quotes(tmp_path):
    text = (
        'name,address,note\n'
        '张三,"南京市玄武区, 中山路1号","第一行\n第二行"\n'
        '李四,"北京市","他说""你好"""\n'
        '王五,上海,\n'
    )
    table = read_table(write(tmp_path, "q.csv", text))
    # A multi-line record is one spreadsheet row: 李四 is row 3, as in Excel.
    assert table.rows == [
        (2, {"name": "张三", "address": "南京市玄武区, 中山路1号", "note": "第一行\n第二行"}),
        (3, {"name": "李四", "address": "北京市", "note": '他说"你好"'}),
        (4, {"name": "王五", "address": "上海", "note": ""}),
    ]


def test_quoted_field_longer_than_csv_default_limit(tmp_path):
    geometry = '{""type"": ""Polygon"", ""coordinates"": [' + "[118.1, 32.1], " * 20_000 + "]}"
    table = read_table(write(tmp_path, "geo.csv", f'code,geometry\n320102,"{geometry}"\n'))
    assert len(table.rows[0][1]["geometry"]) > 131_072
    assert table.rows[0][1]["geometry"].startswith('{"type": "Polygon"')


def test_unterminated_quote_is_reported(tmp_path):
    text = 'name,note\n张三,ok\n李四,"never closed\n王五,ok\n'
    errors = read_errors(write(tmp_path, "q.csv", text))
    assert [(e.row, e.field) for e in errors] == [(3, None)]
    assert "unterminated quoted field" in errors[0].message


def test_bad_quoting_is_reported_and_reading_continues(tmp_path):
    text = 'name,note\n张三,"ok"x\n李四,1,2\n王五,ok\n'
    errors = read_errors(write(tmp_path, "q.csv", text))
    assert [(e.row, e.field) for e in errors] == [(2, None), (3, None)]
    assert "bad quoting" in errors[0].message
    assert "row has 3 fields" in errors[1].message


# --------------------------------------------------------------------------- #
# XLSX
# --------------------------------------------------------------------------- #


def make_xlsx(path, rows, *, first_sheet_title="人员", extra_sheet=True):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = first_sheet_title
    for row in rows:
        ws.append(row)
    if extra_sheet:
        other = wb.create_sheet("其他")
        other.append(["not", "this", "sheet"])
    wb.save(path)
    return path


def test_xlsx_types_dates_and_row_numbers(tmp_path):
    path = make_xlsx(tmp_path / "persons.xlsx", [
        ["姓名", "出生日期", "采样时间", "年龄", "体温", "电话", "已隔离", "备注"],
        ["张三", dt.date(1990, 3, 7), dt.datetime(2022, 4, 1, 8, 30, 0), 32, 36.6, 13800138000, True, None],
        [None, None, None, None, None, None, None, None],
        ["李四", dt.datetime(1985, 12, 31), dt.datetime(2022, 4, 2, 0, 0, 0), 37.0, 37.25, "0251234567", False, "  已复核 "],
    ])
    raw = path.read_bytes()

    table = read_table(path, required=["姓名", "出生日期"])

    assert table.encoding == "xlsx"
    assert table.sha256 == hashlib.sha256(raw).hexdigest()
    assert table.columns == ["姓名", "出生日期", "采样时间", "年龄", "体温", "电话", "已隔离", "备注"]
    assert table.rows == [
        (2, {"姓名": "张三", "出生日期": "1990-03-07", "采样时间": "2022-04-01T08:30:00", "年龄": "32",
             "体温": "36.6", "电话": "13800138000", "已隔离": "TRUE", "备注": ""}),
        (4, {"姓名": "李四", "出生日期": "1985-12-31", "采样时间": "2022-04-02", "年龄": "37",
             "体温": "37.25", "电话": "0251234567", "已隔离": "FALSE", "备注": "已复核"}),
    ]


def test_xlsx_short_rows_padded_and_stray_values_reported(tmp_path):
    path = make_xlsx(tmp_path / "p.xlsx", [
        ["name", "city", None],  # trailing empty header cell (formatting) is ignored
        ["张三"],
        ["李四", "上海", None, None],
        ["王五", "北京", None, "stray"],
    ])
    errors = read_errors(path)
    assert [(e.row, e.field) for e in errors] == [(4, None)]
    assert "column 4" in errors[0].message

    ok = make_xlsx(tmp_path / "ok.xlsx", [["name", "city"], ["张三"], ["李四", "上海", None]])
    assert read_table(ok).rows == [(2, {"name": "张三", "city": ""}), (3, {"name": "李四", "city": "上海"})]


def test_xlsx_missing_required_and_mojibake(tmp_path):
    garbled = "张三".encode("utf-8").decode("gb18030")
    path = make_xlsx(tmp_path / "p.xlsx", [["name", "city"], ["李四", "南京"], [garbled, "上海"]])
    errors = read_errors(path, required=["id_number"])
    assert [(e.row, e.field) for e in errors] == [(1, "id_number"), (3, "name")]
    assert "did you mean '张三'?" in errors[1].message


def test_xlsx_that_is_not_a_workbook(tmp_path):
    errors = read_errors(write(tmp_path, "fake.xlsx", "name,city\n张三,南京\n"))
    assert [(e.row, e.field) for e in errors] == [(0, None)]
    assert "not a valid .xlsx" in errors[0].message


def test_engine_module_has_no_web_or_orm_imports():
    import fangkong.interop.tabular as module

    source = open(module.__file__, encoding="utf-8").read()
    for banned in ("fastapi", "sqlalchemy", "starlette", "jinja2"):
        assert f"import {banned}" not in source and f"from {banned}" not in source
