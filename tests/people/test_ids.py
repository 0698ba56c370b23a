from datetime import date

import phonenumbers
import pytest

from fangkong.people.ids import (
    IdError, check_digit, cross_check, mask_phone, mask_resident_id, normalize_phone, parse_resident_id,
)


def make_id(first17: str) -> str:
    return first17 + check_digit(first17)


def test_valid_id_derives_birth_date_sex_and_region():
    rid = parse_resident_id(make_id("32010219900307123"))
    assert rid.birth_date == date(1990, 3, 7)
    assert rid.sex == "male"  # odd sequence digit
    assert rid.region_code == "320102"
    assert rid.region_name == "玄武区"
    assert parse_resident_id(make_id("32010219900307122")).sex == "female"


def test_published_example_with_x_check_digit():
    # GB 11643-1999 worked example: 11010519491231002X
    rid = parse_resident_id("11010519491231002x")
    assert rid.number.endswith("X") and rid.birth_date == date(1949, 12, 31)


def test_wrong_check_digit_is_rejected_with_the_expected_one():
    good = make_id("32010219900307123")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(IdError, match=f"expected {good[17]}"):
        parse_resident_id(bad)


@pytest.mark.parametrize("first17, reason", [
    ("32010219900230123", "not a real date"),   # 30 February
    ("32010218700101123", "impossible"),        # before 1880
    ("32010230000101123", "impossible"),        # in the future
])
def test_impossible_birth_dates(first17, reason):
    with pytest.raises(IdError, match=reason):
        parse_resident_id(make_id(first17), today=date(2026, 11, 23))


@pytest.mark.parametrize("value, reason", [("3201021990030712", "18 characters"), ("32010219900307123A", "17 digits")])
def test_malformed(value, reason):
    with pytest.raises(IdError, match=reason):
        parse_resident_id(value)


def test_unknown_province_is_rejected():
    with pytest.raises(IdError, match="province"):
        parse_resident_id(make_id("99010219900307123"))


def test_cross_check_against_entered_birth_date_and_sex():
    rid = parse_resident_id(make_id("32010219900307123"))
    assert cross_check(rid, birth_date=date(1990, 3, 7), sex="male") == []
    fields = [f for f, _ in cross_check(rid, birth_date=date(1991, 3, 7), sex="female")]
    assert fields == ["birth_date", "sex"]


def test_masking_keeps_prefix_and_last_four():
    assert mask_resident_id("32010219900307123X") == "3201**********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_resident_id(None) is None and mask_phone("") == ""


@pytest.mark.parametrize("raw, expected", [("138 1234 5678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
                                           ("025-84123456", "2584123456"), ("+852 9123 4567", "+85291234567")])
def test_phone_normalisation(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12012345678", "1381234567", "hello", "+86 999"])
def test_invalid_phones(raw):
    with pytest.raises(IdError):
        normalize_phone(raw)


def test_fast_path_agrees_with_libphonenumber():
    import random

    rng = random.Random(5)
    for prefix in range(130, 200):
        for _ in range(40):
            number = f"{prefix}{rng.randrange(10**8):08d}"
            try:
                ours = normalize_phone(number) == number
            except IdError:
                ours = False
            assert ours == phonenumbers.is_valid_number(phonenumbers.parse(number, "CN")), number
