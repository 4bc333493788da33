from pathlib import Path

import pytest
import yaml

from bot.errors import ConfigurationError
from bot.settings import DEFAULT_PROVINCE_FILE, load_settings, parse_settings

ROOT = Path(__file__).resolve().parents[2]


def test_seed_province_loads() -> None:
    settings = load_settings(DEFAULT_PROVINCE_FILE)
    assert settings.name == "Phú Thọ"
    assert "Hòa Bình" in settings.former_names
    assert settings.centre.hotline
    assert settings.centre.opening_hours


def test_dossier_code_pattern_matches_the_one_stop_format() -> None:
    settings = load_settings(DEFAULT_PROVINCE_FILE)
    assert settings.is_dossier_code("000.00.04.H51-200221-0001")
    assert settings.is_dossier_code(settings.dossier_code_example)
    assert not settings.is_dossier_code("000.00.04.H51-200221")
    assert not settings.is_dossier_code("hồ sơ 000.00.04.H51-200221-0001")


def test_nlu_regex_equals_the_configured_pattern() -> None:
    settings = load_settings(DEFAULT_PROVINCE_FILE)
    nlu = yaml.safe_load((ROOT / "nlu_data/nlu/regex.yml").read_text(encoding="utf-8"))
    patterns = {item["regex"]: item["examples"] for item in nlu["nlu"]}
    assert settings.dossier_code_pattern in patterns["dossier_code"]


def test_another_province_is_a_config_change(tmp_path, monkeypatch) -> None:
    raw = yaml.safe_load(DEFAULT_PROVINCE_FILE.read_text(encoding="utf-8"))
    raw["province"]["name"] = "Phú Thọ"
    raw["service_centre"]["hotline"] = "0210 000 0000"
    other = tmp_path / "phu_tho.yml"
    other.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("CITIZENBOT_PROVINCE_FILE", str(other))
    settings = load_settings()
    assert settings.name == "Phú Thọ"
    assert settings.centre.hotline == "0210 000 0000"


def test_missing_fields_are_named() -> None:
    with pytest.raises(ConfigurationError, match="hotline"):
        parse_settings(
            {
                "province": {"name": "X"},
                "service_centre": {"name": "C", "address": "A"},
                "one_stop_system": {"dossier_code_pattern": "x"},
            }
        )


def test_invalid_pattern_is_reported() -> None:
    with pytest.raises(ConfigurationError, match="regex"):
        parse_settings(
            {
                "province": {"name": "X"},
                "service_centre": {"name": "C", "address": "A", "hotline": "1"},
                "one_stop_system": {"dossier_code_pattern": "(unclosed"},
            }
        )


_MINIMAL = {
    "province": {"name": "X"},
    "service_centre": {"name": "C", "address": "A", "hotline": "1"},
    "one_stop_system": {"dossier_code_pattern": "x"},
}


def test_portal_origins_and_retention_are_read() -> None:
    settings = load_settings(DEFAULT_PROVINCE_FILE)
    assert "http://localhost:5055" in settings.allowed_origins
    assert settings.retention_days >= 1
    assert parse_settings(_MINIMAL).allowed_origins == ()


@pytest.mark.parametrize(
    "section",
    [
        {"web": {"allowed_origins": ["*"]}},
        {"web": {"allowed_origins": "https://a.gov.vn"}},
        {"web": {"allowed_origins": ["https://a.gov.vn/path"]}},
        {"retention": {"days": 0}},
        {"retention": {"days": "a year"}},
    ],
)
def test_a_wildcard_origin_or_a_bad_retention_is_refused(section: dict) -> None:
    with pytest.raises(ConfigurationError):
        parse_settings({**_MINIMAL, **section})
