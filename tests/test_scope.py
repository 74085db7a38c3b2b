import pandas as pd

from rehabdash.kernel.scope import RegionTree, Scope

REGIONS = pd.DataFrame({
    "region_code": ["C1", "D1", "D2", "T1", "T2", "C2", "D3"],
    "name": ["包头市", "东河区", "青山区", "某街道", "某镇", "漯河市", "源汇区"],
    "level": ["city", "district", "district", "township", "township", "city", "district"],
    "parent_code": [None, "C1", "C1", "D2", "D2", None, "C2"],
})


def test_children_and_labels():
    tree = RegionTree(REGIONS)
    assert tree.cities() == ["C1", "C2"]
    assert tree.children("D2") == ["T1", "T2"]
    assert tree.label(Scope("C1", "D2", "T1")) == "包头市 / 青山区 / 某街道"


def test_resolve_drops_codes_that_do_not_belong_to_the_path():
    tree = RegionTree(REGIONS)
    assert tree.resolve("C1", "D2", "T2") == Scope("C1", "D2", "T2")
    assert tree.resolve("C1", "D3", "T1") == Scope("C1")  # 源汇区 is not in 包头市
    assert tree.resolve("C1", "", "T1") == Scope("C1")  # a township needs its district
    assert tree.resolve("nowhere", None, None) == Scope("C1")
    assert Scope("C1", "D2").codes == ("D2",)
