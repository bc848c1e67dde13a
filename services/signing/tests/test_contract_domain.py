"""Given/when/then on a contract's parts: term, identity, packages, key populations, agreements."""

from __future__ import annotations

from datetime import date

import pytest

from signing.domain.agreement import Community, check_parties
from signing.domain.catalogue import Catalogue, Package
from signing.domain.contract import CombinedSigning, term_end
from signing.domain.errors import (
    DuplicateMember,
    InvalidAgreement,
    InvalidCombinedSigning,
    InvalidIdentityNumber,
    InvalidTerm,
    KeyPopulationMismatch,
    PackageNotForResident,
    PackageNotOffered,
)
from signing.domain.identity import check_identity_number, with_check_digit
from signing.domain.populations import check_packages_for, key_populations, without_age_tags

MAN_1960 = with_check_digit("44010619600301001")  # odd sequence: a man
WOMAN_1990 = with_check_digit("44010619900615002")
CHILD_2021 = with_check_digit("44010620210401004")


@pytest.mark.parametrize(
    ("starts", "years", "ends"),
    [
        (date(2026, 3, 1), 1, date(2027, 2, 28)),
        (date(2026, 1, 6), 3, date(2029, 1, 5)),
        (date(2028, 2, 29), 1, date(2029, 2, 28)),
    ],
)
def test_a_term_ends_the_day_before_its_anniversary(starts: date, years: int, ends: date) -> None:
    assert term_end(starts, years) == ends


@pytest.mark.parametrize("years", [0, 4, -1])
def test_a_term_is_one_to_three_years(years: int) -> None:
    with pytest.raises(InvalidTerm):
        term_end(date(2026, 1, 1), years)


def test_identity_numbers_are_checked_to_the_check_digit() -> None:
    assert check_identity_number("11010519491231002x") == "11010519491231002X"
    assert check_identity_number(with_check_digit("44010619800101001"))[:17] == "44010619800101001"
    for bad in ("11010519491231002", "110105194912310021", "11010519491331002X", "abc"):
        with pytest.raises(InvalidIdentityNumber):
            check_identity_number(bad)


def package(code: str, prefix: str = "", fee: int = 100, valid_to: date | None = None, *pops: str) -> Package:
    return Package(code, code.title(), prefix, date(2026, 1, 1), valid_to, fee, pops, ())


def test_the_most_local_package_in_force_is_offered() -> None:
    catalogue = Catalogue(
        (package("basic", "", 100), package("basic", "44", 120), package("basic", "440106", 150, date(2026, 12, 31)))
    )

    assert catalogue.offer("basic", "440106001", date(2026, 6, 1)).annual_fee_fen == 150
    assert catalogue.offer("basic", "440106001", date(2027, 1, 1)).annual_fee_fen == 120
    assert catalogue.offer("basic", "110101", date(2026, 6, 1)).annual_fee_fen == 100
    with pytest.raises(PackageNotOffered):
        catalogue.offer("basic", "440106", date(2025, 12, 31))
    with pytest.raises(PackageNotOffered):
        catalogue.offer("dental", "440106", date(2026, 6, 1))


def test_an_area_is_offered_each_package_once_as_its_most_local_entry() -> None:
    catalogue = Catalogue((package("basic", "", 100), package("tcm", "4401", 30), package("basic", "440106", 150)))

    offered = catalogue.offered_in("440106", date(2026, 6, 1))

    assert [(p.code, p.annual_fee_fen) for p in offered] == [("basic", 150), ("tcm", 30)]
    assert [p.code for p in catalogue.offered_in("110101", date(2026, 6, 1))] == ["basic"]


def test_age_tags_follow_from_the_identity_number_on_the_first_day() -> None:
    assert key_populations(MAN_1960, ["hypertension"], date(2025, 2, 28)) == ("hypertension",)
    assert key_populations(MAN_1960, ["hypertension"], date(2025, 3, 1)) == ("elderly", "hypertension")
    assert key_populations(CHILD_2021, [], date(2026, 3, 1)) == ("children",)
    assert key_populations(WOMAN_1990, ["maternal"], date(2026, 3, 1)) == ("maternal",)


@pytest.mark.parametrize(
    ("identity", "declared"),
    [(WOMAN_1990, ["elderly"]), (MAN_1960, ["children"]), (MAN_1960, ["maternal"])],
)
def test_a_declaration_the_identity_number_contradicts_is_refused(identity: str, declared: list[str]) -> None:
    with pytest.raises(KeyPopulationMismatch):
        key_populations(identity, declared, date(2026, 3, 1))


def test_a_renewal_derives_the_age_tags_again() -> None:
    assert without_age_tags(("elderly", "children", "diabetes")) == ("diabetes",)


def test_a_package_for_key_populations_is_for_residents_who_belong_to_one() -> None:
    hypertension, maternal_child = (
        package("hypertension", "", 60, None, "hypertension"),
        package("maternal_child", "", 80, None, "maternal", "children"),
    )

    check_packages_for([package("basic"), hypertension], ["hypertension"])
    check_packages_for([maternal_child], ["children"])
    with pytest.raises(PackageNotForResident):
        check_packages_for([hypertension], ["diabetes"])


def test_combined_signing_names_two_different_hospitals() -> None:
    assert CombinedSigning("H2", "H3").tertiary_hospital_id == "H3"
    with pytest.raises(InvalidCombinedSigning):
        CombinedSigning("H2", "H2")


def test_an_agreement_binds_two_or_more_different_residents() -> None:
    school = Community("Shipai Primary School", "school")

    check_parties("family", None, ["r1", "r2"])
    check_parties("community", school, ["r1", "r2", "r3"])
    for kind, community, refs in [
        ("family", None, ["r1"]),
        ("community", None, ["r1", "r2"]),
        ("family", school, ["r1", "r2"]),
        ("community", Community("Club", "club"), ["r1", "r2"]),
        ("tribe", None, ["r1", "r2"]),
        ("family", None, [f"r{i}" for i in range(21)]),
    ]:
        with pytest.raises(InvalidAgreement):
            check_parties(kind, community, refs)
    with pytest.raises(DuplicateMember):
        check_parties("family", None, ["r1", "r1"])
