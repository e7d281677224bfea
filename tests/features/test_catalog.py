"""Definitions and catalogs: validation errors name the definition and the problem."""

from __future__ import annotations

import pytest

from riskline.errors import InvalidConfig
from riskline.features import Aggregate, Catalog, FeatureDef, FeatureType, default_catalog
from riskline.features.catalog import definition_from_dict


def _yaml(body: str) -> Catalog:
    return Catalog.from_yaml("features:\n" + body)


BASE = "  - {name: account.n, aggregate: count, events: [login], window: 1h, description: d"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (BASE + ", colour: red}", "feature 'account.n': unknown field 'colour'"),
        (BASE.replace("1h", "7x") + "}", "feature 'account.n': bad duration '7x'"),
        (BASE.replace("1h", "0d") + "}", "bad duration '0d'"),
        (BASE.replace("login", "logon") + "}", "unknown event type 'logon'"),
        (BASE.replace("account.n", "galaxy.n") + "}", "unknown entity 'galaxy'"),
        (BASE.replace("account.n", "Account-N") + "}", "name must look like"),
        (
            BASE.replace("aggregate: count", "aggregate: median") + "}",
            "'median' is not a valid Aggregate",
        ),
        (BASE + ", value: amount}", "count takes no 'value'"),
        (BASE.replace("aggregate: count", "aggregate: sum") + "}", "sum needs a 'value' field"),
        (
            BASE.replace("aggregate: count", "aggregate: sum") + ", value: device_id}",
            "'device_id' is not numeric",
        ),
        (BASE + ", where: {colour: red}}", "event type 'login' has no field 'colour'"),
        (BASE + ", resolution: 7m}", "resolution must divide the window"),
        (BASE.replace("description: d", "description: ' '") + "}", "a description is required"),
        (
            BASE.replace("aggregate: count", "aggregate: last") + ", value: ip}",
            "last is lifetime-only",
        ),
        ("  - {name: account.n, aggregate: count, events: [login]}", "missing field 'description'"),
        ("  - [1, 2]", "must be a mapping"),
    ],
)
def test_bad_definitions_are_rejected_with_their_name(body: str, message: str) -> None:
    with pytest.raises(InvalidConfig, match=message.replace("(", r"\(").replace("[", r"\[")):
        _yaml(body)


def test_cycles_between_derived_features_are_rejected() -> None:
    body = (
        "  - {name: account.a, aggregate: ratio, of: [account.b, account.c], description: a}\n"
        "  - {name: account.b, aggregate: ratio, of: [account.a, account.c], description: b}\n"
        "  - {name: account.c, aggregate: count, events: [login], description: c}\n"
    )
    with pytest.raises(
        InvalidConfig,
        match=r"cycle between derived features: account\.a -> account\.b -> account\.a",
    ):
        _yaml(body)


def test_ratio_references_must_exist_and_share_the_entity() -> None:
    with pytest.raises(InvalidConfig, match=r"unknown feature 'account\.zz'"):
        _yaml(
            "  - {name: account.a, aggregate: ratio, of: [account.zz, account.zz], description: a}"
        )
    with pytest.raises(InvalidConfig, match="keyed by another entity"):
        _yaml(
            BASE + "}\n  - {name: device.r, aggregate: ratio, of: [account.n, account.n],"
            " description: r}"
        )


def test_duplicates_and_broken_documents() -> None:
    with pytest.raises(InvalidConfig, match="defined twice"):
        _yaml(BASE + "}\n" + BASE + "}")
    with pytest.raises(InvalidConfig, match="not valid YAML"):
        Catalog.from_yaml("features: [")
    with pytest.raises(InvalidConfig, match="'features' list"):
        Catalog.from_yaml("- 1")


def test_python_objects_and_yaml_describe_the_same_feature() -> None:
    d = FeatureDef(
        "merchant.credit_7d",
        Aggregate.SUM,
        "Credit sales.",
        events=("payment",),
        window=7 * 86400,
        value="amount",
        where=(("funding", ("revolving",)),),
    )
    yaml_cat = _yaml(
        "  - {name: merchant.credit_7d, aggregate: sum, events: [payment], window: 7d,"
        " value: amount, where: {funding: revolving}, description: Credit sales.}"
    )
    assert yaml_cat.definitions == (d,)
    assert d.resolution == 6 * 3600
    assert d.buckets == 28


def test_default_catalog_round_trips_and_is_documented() -> None:
    cat = default_catalog()
    assert len(cat) >= 60
    again = Catalog(definition_from_dict(x) for x in cat.to_dicts())
    assert again.definitions == cat.definitions
    assert again.fingerprint() == cat.fingerprint()
    assert all(len(d.description) > 10 for d in cat)
    schema = cat.schema()
    assert schema["device.accounts_30d"] is FeatureType.NUMBER
    assert schema["account.face_verified"] is FeatureType.BOOL
    required = {
        "device.accounts_30d",
        "phone.accounts_30d",
        "id.accounts_30d",
        "ip.accounts_30d",
        "account.devices_1d",
        "account.devices_7d",
        "account.ips_1d",
        "account.ips_7d",
        "merchant.credit_share_30d",
        "account.round_amount_share_30d",
        "account.night_share_30d",
        "account.loan_apps_external_30d",
        "account.loan_apps_internal_1d",
        "account_merchant.payments_7d",
        "account.avg_days_late_90d",
        "person.bureau_inquiries_30d",
    }
    assert required <= set(schema)


def test_every_default_feature_sees_data_on_a_generated_history() -> None:
    """Guards against features that silently never match (wrong event or field)."""
    from riskline.bench.synth import generate_history
    from riskline.features import OnlineFeatures

    online = OnlineFeatures(default_catalog())
    seen: set[str] = set()
    for e in generate_history(3000, seed=5, n_accounts=60):
        seen |= {k for k, v in online.process(e).items() if v == v and v != 0}
    assert set(default_catalog().schema()) - seen == set()
