"""The data contract: every table of a snapshot, its columns and the code lists they use.

DESIGN.md is the source of these names; the sample generator, the snapshot store, the import
and the tests all read them from here so there is one definition.
"""
from __future__ import annotations

SCHEMA_VERSION = 1

LEVELS = ("nation", "province", "city", "district", "township", "village")
# The levels that may have no parent: a regions table starts at one of them (the sample at its cities).
TOP_LEVELS = ("nation", "province", "city")
TIERS = ("district_center", "township_station", "village_room")
HOST_TYPES = (
    "public_hospital",
    "township_health_center",
    "village_clinic",
    "private_institution",
    "government_built",
    "community_center",
)
FACILITY_STATUSES = ("built", "planned_near", "planned_far")
INSTITUTION_KINDS = ("rehab_center", "children_rehab", "hospital", "assessment", "custodial_care")
OWNERSHIPS = ("public", "private")
FUNDING_SOURCES = ("budget", "supplementary", "higher_level", "social")
PROGRAMS = (
    "child_rehab",
    "precise_rehab",
    "assistive_devices",
    "cataract_surgery",
    "mental_health",
    "facility_construction",
    "training",
    "other",
)
DISABILITY_TYPES = ("visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple")
AGE_BANDS = ("0-3", "4-6", "7-14", "15-17")
DEVICE_TYPES = (
    "wheelchair",
    "walking_aid",
    "hearing_aid",
    "visual_aid",
    "prosthesis_orthosis",
    "daily_living",
    "other",
)
STATION_KINDS = ("fitting_center", "community_station", "rental_point")
# Not in DESIGN.md's list: how a loan ended when not simply lent and returned (信用积分, 包头). Empty for an
# ordinary loan; `lost`: the device never came back; `refused`: the borrower asked and was refused for
# low credit (no device went out; 借出日期 is the day asked, 应还日期 the end of the term asked for).
LOAN_STATUSES = ("lost", "refused")
INDICATORS = (
    "precise_rehab_served",
    "devices_fitted",
    "children_aided",
    "cataract_surgery",
    "village_rooms_built",
    "township_stations_built",
)
ACTIVITY_KINDS = (
    "home_visit",
    "needs_resolved",
    "lecture_or_clinic",
    "brochures",
    "people_reached",
    "cataract_surgery",
    "amblyopia_aid",
    "hearing_screening",
    "prenatal_screening",
    "mental_medication",
)
# Not in DESIGN.md's list: the rehab projects and training the seeds report as yearly figures, which no
# monthly table can hold (psychological rehab for 50, 5 self-help bases, 10 city training sessions …).
PROJECT_KINDS = (
    "inpatient_subsidy",  # 精神障碍患者住院补贴
    "psychological_rehab",  # 心理康复项目
    "self_help_base",  # 自助互助康复试点基地
    "training_national",  # 选派参加国家、自治区培训的专业人员
    "training_city",  # 市级康复培训
)
PROJECT_MEASURES = ("persons", "bases", "employed", "sessions")
# Not in DESIGN.md's list: the stages of a site's construction task (挂图作战: 明确工作任务, 夯实人员责任,
# 限定完成时间), 选址 → 建设中 → 验收 → 投入使用.
TASK_STAGES = ("site_selection", "construction", "acceptance", "in_use")
# Not in DESIGN.md's list: how a federation keeps its designated institutions good (the 包头 seed):
# 双回访 of parents and institutions, 年中/年末考核 and 抽查 with grades, the children's rehab alliance
# (儿童康复联合体) and the services an institution adds.
FOLLOW_UP_KINDS = ("parents", "institution")  # 家长回访, 机构回访
ASSESSMENT_ROUNDS = ("mid_year", "year_end", "spot_check")  # 年中考核, 年末考核, 不定期抽查
GRADES = ("excellent", "good", "pass", "fail")  # 优秀, 良好, 合格, 不合格
FAILED_GRADE = "fail"
SERVICES = (
    "designated",  # 纳入定点服务机构
    "centre_built",  # 建成残疾儿童康复中心
    "intellectual_rehab",  # 增设智力残疾儿童康复项目
    "autism_rehab",
    "hearing_speech_rehab",
    "physical_rehab",
    "visual_rehab",
    "other",
)
# Which measures each kind reports (the import refuses the others).
PROJECT_MEASURES_OF = {
    "inpatient_subsidy": ("persons",),
    "psychological_rehab": ("persons",),
    "self_help_base": ("bases", "persons", "employed"),
    "training_national": ("persons",),
    "training_city": ("sessions", "persons"),
}

# Column name -> logical type. "str" codes, "int" counts, "float" money/coordinates, "date".
TABLES: dict[str, dict[str, str]] = {
    "regions": {
        "region_code": "str", "name": "str", "level": "str", "parent_code": "str",
        "lon": "float", "lat": "float", "registered_disabled": "int",
    },
    "facilities": {
        "facility_id": "str", "name": "str", "tier": "str", "region_code": "str",
        "host_type": "str", "host_name": "str", "status": "str", "opened_on": "date",
        "planned_year": "int", "lon": "float", "lat": "float", "staff": "int",
    },
    "institutions": {
        "institution_id": "str", "name": "str", "kind": "str", "ownership": "str",
        "region_code": "str", "lon": "float", "lat": "float", "serves_children": "bool",
    },
    "pairings": {"institution_id": "str", "township_code": "str", "since": "date"},
    "funding": {
        "year": "int", "region_code": "str", "source": "str", "program": "str",
        "allocated_yuan": "float", "spent_yuan": "float",
    },
    "rehab_services": {
        "period": "date", "region_code": "str", "disability_type": "str",
        "need_count": "int", "served_count": "int",
    },
    "child_rehab": {
        "period": "date", "region_code": "str", "institution_id": "str", "disability_type": "str",
        "age_band": "str", "applicants": "int", "aided": "int", "early_intervention": "int",
        "funds_yuan": "float",
    },
    "assistive_devices": {
        "period": "date", "region_code": "str", "device_type": "str",
        "need_count": "int", "fitted_count": "int",
    },
    "device_stations": {
        "station_id": "str", "name": "str", "kind": "str", "region_code": "str",
        "lon": "float", "lat": "float", "opened_on": "date",
    },
    "device_loans": {
        "loan_id": "str", "station_id": "str", "device_type": "str",
        "lent_on": "date", "due_on": "date", "returned_on": "date",
        # Not in DESIGN.md's list: who borrowed, as a pseudonymous reference the station keeps (never a
        # name, ID or phone number: the import refuses those), so credit can be kept per borrower.
        "borrower_ref": "str", "loan_status": "str",
    },
    # Not in DESIGN.md's list: the seeds report shared devices placed at stations (212 wheelchairs),
    # which no contract table can hold. One row per station x device type x source.
    "device_stock": {
        "station_id": "str", "device_type": "str", "source": "str", "placed_on": "date",
        "quantity": "int",
    },
    "targets": {"year": "int", "region_code": "str", "indicator": "str", "target_value": "int"},
    "activities": {"period": "date", "region_code": "str", "kind": "str", "count": "int"},
    # year x region (a district, or the city for city-level work) x project kind x measure
    "programs": {"year": "int", "region_code": "str", "kind": "str", "measure": "str", "count": "int"},
    # One row per facility and update: the site's task, who answers for it, its deadline and its stage
    # on that day; a facility's rows in date order are its task history, the newest is where it stands.
    "site_tasks": {
        "facility_id": "str", "task": "str", "responsible_unit": "str", "responsible_person": "str",
        "started_on": "date", "deadline": "date", "stage": "str", "updated_on": "date",
    },
    # month x institution x kind: the 双回访 by phone (planned calls, reached, satisfied), the problems
    # raised in that month's calls and how many of them are solved so far
    "follow_ups": {
        "period": "date", "institution_id": "str", "kind": "str", "planned": "int", "reached": "int",
        "satisfied": "int", "problems_raised": "int", "problems_solved": "int",
    },
    # one assessment (年中, 年末 or 抽查) of an institution on a day: score out of 100, grade, the findings
    # and how many of them are put right, and when the last was
    "assessments": {
        "year": "int", "round": "str", "institution_id": "str", "assessed_on": "date", "score": "float",
        "grade": "str", "findings": "int", "findings_fixed": "int", "fixed_on": "date",
    },
    # one member institution of an alliance (儿童康复联合体)
    "alliances": {"alliance_id": "str", "name": "str", "institution_id": "str", "founded_on": "date"},
    # year x institution or alliance (unit_id): children in training and those who moved on
    "outcomes": {
        "year": "int", "unit_id": "str", "in_training": "int", "to_kindergarten": "int", "to_primary": "int",
    },
    # a service (or designation) an institution added in a year: the capacity added
    "services_added": {"institution_id": "str", "service": "str", "year": "int"},
}

# Not in DESIGN.md's list, and not a sheet of the template: written by publishing, never by a clerk.
# One row per report: which reporting unit (the township or district whose rows a workbook carries)
# reported which table for which month (报送月份), when (local time, ISO 8601) and as which account; a
# correction (补报/更正) of an earlier month carries its reason.
REPORTS = {
    "region_code": "str", "table_name": "str", "month": "date", "reported_at": "str",
    "account": "str", "correction": "bool", "reason": "str",
}
RECORDED_TABLES: dict[str, dict[str, str]] = {"reports": REPORTS}
# Every table a snapshot holds: the clerks' tables, then those publishing records.
SNAPSHOT_TABLES: dict[str, dict[str, str]] = {**TABLES, **RECORDED_TABLES}
# The tables of monthly figures (a `period` column): the month a unit reports is theirs.
MONTHLY_TABLES = tuple(t for t, columns in TABLES.items() if "period" in columns)

# Which code list each coded column must come from.
CODE_LISTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("regions", "level"): LEVELS,
    ("facilities", "tier"): TIERS,
    ("facilities", "host_type"): HOST_TYPES,
    ("facilities", "status"): FACILITY_STATUSES,
    ("institutions", "kind"): INSTITUTION_KINDS,
    ("institutions", "ownership"): OWNERSHIPS,
    ("funding", "source"): FUNDING_SOURCES,
    ("funding", "program"): PROGRAMS,
    ("rehab_services", "disability_type"): DISABILITY_TYPES,
    ("child_rehab", "disability_type"): DISABILITY_TYPES,
    ("child_rehab", "age_band"): AGE_BANDS,
    ("assistive_devices", "device_type"): DEVICE_TYPES,
    ("device_stations", "kind"): STATION_KINDS,
    ("device_loans", "device_type"): DEVICE_TYPES,
    ("device_loans", "loan_status"): LOAN_STATUSES,
    ("device_stock", "device_type"): DEVICE_TYPES,
    ("device_stock", "source"): FUNDING_SOURCES,
    ("targets", "indicator"): INDICATORS,
    ("activities", "kind"): ACTIVITY_KINDS,
    ("programs", "kind"): PROJECT_KINDS,
    ("programs", "measure"): PROJECT_MEASURES,
    ("site_tasks", "stage"): TASK_STAGES,
    ("follow_ups", "kind"): FOLLOW_UP_KINDS,
    ("assessments", "round"): ASSESSMENT_ROUNDS,
    ("assessments", "grade"): GRADES,
    ("services_added", "service"): SERVICES,
}

# The columns that identify a row. An import replaces the previous snapshot's rows that have the same
# key and adds the others, so a monthly file for one district leaves every other row as it was.
KEYS: dict[str, tuple[str, ...]] = {
    "regions": ("region_code",),
    "facilities": ("facility_id",),
    "institutions": ("institution_id",),
    "pairings": ("institution_id", "township_code"),
    "funding": ("year", "region_code", "source", "program"),
    "rehab_services": ("period", "region_code", "disability_type"),
    "child_rehab": ("period", "region_code", "institution_id", "disability_type", "age_band"),
    "assistive_devices": ("period", "region_code", "device_type"),
    "device_stations": ("station_id",),
    "device_loans": ("loan_id",),
    "device_stock": ("station_id", "device_type", "source"),
    "targets": ("year", "region_code", "indicator"),
    "activities": ("period", "region_code", "kind"),
    "programs": ("year", "region_code", "kind", "measure"),
    "site_tasks": ("facility_id", "updated_on"),
    "follow_ups": ("period", "institution_id", "kind"),
    "assessments": ("institution_id", "assessed_on", "round"),
    "alliances": ("alliance_id", "institution_id"),
    "outcomes": ("year", "unit_id"),
    "services_added": ("institution_id", "service"),
    "reports": ("region_code", "table_name", "month", "reported_at"),  # every report is kept
}

# Columns that may be empty; every other column must be filled.
OPTIONAL: dict[str, tuple[str, ...]] = {
    "regions": ("parent_code", "lon", "lat"),  # the root has no parent; a township from the list no seat
    "facilities": ("opened_on", "planned_year"),  # opened_on once built, planned_year while planned
    "device_loans": ("returned_on", "loan_status"),  # not yet returned; an ordinary loan
    "assessments": ("fixed_on",),  # until a finding is put right
}
