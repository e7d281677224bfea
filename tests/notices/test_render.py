"""Every notice kind renders in both languages, explains every reason code, leaks no numbers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib import resources

import pytest
import yaml

from riskline.errors import InvalidConfig
from riskline.notices import LANGUAGES, Notice, NoticeKind, Renderer, language
from riskline.rules import EXAMPLE_RULESET

DIGITS = re.compile(
    r"[0-9０-９%％]|[〇一二三四五六七八九十百千万两]{2,}|百分之|[二三四五六七八九十]天"
)
"""Arabic and full-width digits, percent signs, Chinese numbers (三十, 百分之, 五天): none may
reach the user (a lone 一 as in 一笔 or 进一步 is an article, not a number)."""


def _policy_codes() -> set[str]:
    text = resources.files("riskline.decisioning").joinpath("default_policy.yaml").read_text()
    policy = yaml.safe_load(text)
    codes = {c["reason"]["code"] for c in policy["checks"]}
    contagion = policy["contagion"]
    return codes | {contagion["reason"]["code"], contagion["reverse_reason"]["code"]}


def _rule_codes() -> set[str]:
    rules = yaml.safe_load(EXAMPLE_RULESET.read_text())["rules"]
    return {r["reason_code"] for r in rules}


ENGINE_CODES = (
    _policy_codes()
    | _rule_codes()
    | {"NO_CREDIT_LINE", "LINE_NOT_USABLE", "INSUFFICIENT_LIMIT", "FREEZE_EXPIRED"}
)


def _all_text(r: object) -> list[str]:
    return [r.title, r.what_happened, *r.why, r.what_you_can_do, r.how_to_appeal]  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", list(NoticeKind))
@pytest.mark.parametrize("product", ["revolving", "cash_loan", "enterprise_credit", None])
def test_every_kind_renders_fully_without_numbers(
    kind: NoticeKind, lang: str, product: str | None
) -> None:
    params = {"product": product, "limit": "1234.00"} if product else {}
    notice = Notice(
        "n",
        kind,
        "a1",
        "p1",
        (*tuple(sorted(ENGINE_CODES)), "SOMETHING_NEW"),
        datetime(2026, 1, 1, tzinfo=UTC),
        "test",
        params,
    )
    r = Renderer.default().render(notice, lang)
    texts = _all_text(r)
    assert all(t.strip() for t in texts), texts
    assert not any("{" in t or "}" in t for t in texts)
    leaks = [t for t in texts if DIGITS.search(t)]
    assert leaks == [], leaks
    assert r.language == lang
    assert len(r.why) >= len(ENGINE_CODES) // 2  # distinct plain explanations, deduplicated


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_engine_reason_code_has_its_own_explanation(lang: str) -> None:
    renderer = Renderer.default()
    default = renderer.explain("default", lang)
    for code in sorted(ENGINE_CODES):
        text = renderer.explain(code, lang)
        assert text != default and not DIGITS.search(text), code


def test_both_languages_have_the_same_keys() -> None:
    t = Renderer.default().templates
    en, zh = t["en"], t["zh-CN"]
    for section in ("kinds", "reasons", "products", "education"):
        assert set(en[section]) == set(zh[section]), section
    for kind in NoticeKind:
        assert (
            set(en["kinds"][kind.value])
            == set(zh["kinds"][kind.value])
            == {"title", "happened", "can_do"}
        )


def test_the_rule_texts_and_thresholds_never_reach_the_user() -> None:
    policy = yaml.safe_load(
        resources.files("riskline.decisioning").joinpath("default_policy.yaml").read_text()
    )
    notice = Notice(
        "n",
        NoticeKind.FREEZE,
        "a1",
        None,
        ("DEVICE_SHARED_MANY_ACCOUNTS",),
        datetime(2026, 1, 1, tzinfo=UTC),
        "t",
        {"product": "revolving"},
    )
    for lang in LANGUAGES:
        text = " ".join(_all_text(Renderer.default().render(notice, lang)))
        for check in policy["checks"]:
            assert check["when"] not in text
            for feature in re.findall(r"[a-z_]+\.[a-z_0-9]+", check["when"]):
                assert feature not in text


def test_education_and_disclosure_in_both_languages() -> None:
    r = Renderer.default()
    en, zh = r.education("en"), r.education("zh-CN")
    assert {"cash_out", "fake_transactions"} <= set(en) and set(en) == set(zh)
    assert "cash-out" in en["cash_out"]["body"] and "套现" in zh["cash_out"]["body"]
    assert "刷单" in zh["fake_transactions"]["body"]
    for lang in LANGUAGES:
        d = r.disclosure(lang)
        assert d["title"] and len(d["body"]) > 100 and not DIGITS.search(d["body"])
        assert ("appeal" in d["body"]) if lang == "en" else ("申诉" in d["body"])


def test_a_template_with_an_unknown_placeholder_is_a_clear_error() -> None:
    t = Renderer.default().templates
    broken = {
        **t,
        "en": {
            **t["en"],
            "kinds": {
                **t["en"]["kinds"],
                "freeze": {"title": "{amount}", "happened": "x", "can_do": "y"},
            },
        },
    }
    notice = Notice("n", NoticeKind.FREEZE, "a1", None, (), datetime(2026, 1, 1, tzinfo=UTC), "t")
    with pytest.raises(InvalidConfig, match="amount"):
        Renderer(broken).render(notice, "en")


def test_language_choice() -> None:
    assert language("zh-Hans") == language("zh") == "zh-CN"
    assert language("en-US") == "en"


@pytest.mark.parametrize("text", ["score >= 0.8", "三十天内", "百分之五十", "冻结五天", "７０"])
def test_the_number_check_itself_catches_numbers(text: str) -> None:
    assert DIGITS.search(text)
