from rehabdash.kernel import contract, i18n


def _keys(node, prefix=""):
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _keys(value, path + ".")
        else:
            yield path


def test_catalogues_have_the_same_keys():
    assert set(_keys(i18n.catalogue("zh"))) == set(_keys(i18n.catalogue("en")))


def test_every_contract_code_has_a_label_in_every_language():
    lists = {
        "level": contract.LEVELS, "tier": contract.TIERS, "status": contract.FACILITY_STATUSES,
        "host_type": contract.HOST_TYPES, "institution_kind": contract.INSTITUTION_KINDS,
        "ownership": contract.OWNERSHIPS, "source": contract.FUNDING_SOURCES,
        "program": contract.PROGRAMS, "disability_type": contract.DISABILITY_TYPES,
        "age_band": contract.AGE_BANDS, "device_type": contract.DEVICE_TYPES,
        "station_kind": contract.STATION_KINDS, "indicator": contract.INDICATORS,
        "activity_kind": contract.ACTIVITY_KINDS,
    }
    for lang in i18n.LANGUAGES:
        for code_list, codes in lists.items():
            assert set(i18n.catalogue(lang)["codes"][code_list]) == set(codes), (lang, code_list)


def test_text_fills_placeholders_and_labels_codes():
    assert i18n.text("zh", "sidebar.snapshot") == "数据快照"
    assert i18n.code_label("zh", "tier", "village_room") == "村（社区）康复室"
    assert "包头市" in i18n.text("zh", "overview.caption", scope="包头市", year=2024, as_of="x")
