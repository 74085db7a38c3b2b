"""信用积分: the credit score a community device-sharing point keeps for each borrower (包头: devices
"借得出、收得回、可续用"), and the check that a borrower reference is a pseudonym, not a person's name or
number.

The rule is `credit_scores`; its points are settings (config.CreditRule). A loan's outcome on a day is
`loan_outcomes`, which the devices page counts too, so the page and the score never disagree.
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from rehabdash.kernel.config import CreditRule, credit_rule

# What a loan counts for on a day: on_time (returned by its due date), late (returned after it, or still
# out past it), lost (the device never came back: counts from its due date), open (out, not yet due),
# refused (asked for and refused: no device went out, nothing to count).
OUTCOMES = ("on_time", "late", "lost", "open", "refused")


def loan_outcomes(loans: pd.DataFrame, day: dt.date) -> pd.Series:
    """The outcome of each loan (columns due_on, returned_on, loan_status) as it stood on `day`;
    a return after `day` had not happened yet."""
    due = pd.to_datetime(loans["due_on"])
    returned = pd.to_datetime(loans["returned_on"])
    day = pd.Timestamp(day)
    returned = returned.where(returned <= day)
    status = loans["loan_status"].fillna("")
    outcome = pd.Series("open", index=loans.index, dtype=object)
    outcome[due < day] = "late"  # out past its due date (lost and returned ones are set below)
    outcome[returned.notna()] = "late"
    outcome[returned.notna() & (returned <= due)] = "on_time"
    outcome[(status == "lost") & (due < day)] = "lost"
    outcome[status == "refused"] = "refused"
    return outcome


def credit_scores(loans: pd.DataFrame, day: dt.date, rule: CreditRule | None = None) -> pd.Series:
    """THE credit rule: each borrower's score on `day`, from their loans lent up to it (columns
    borrower_ref, lent_on, due_on, returned_on, loan_status).

    A borrower starts at `rule.start`; each device returned by its due date adds `rule.on_time`; each
    returned after it, or still out past it, takes `rule.late` off; each lost takes `rule.lost` off;
    a score never falls below 0. Open loans and refused requests count nothing. A borrower whose
    score is below `rule.threshold` is refused the next loan (`refused`). The points are the
    credit settings (config.CREDIT_SETTINGS).
    Returns borrower_ref → score (int), one row per borrower with a loan or request up to `day`.
    """
    rule = rule or credit_rule()
    lent = loans[pd.to_datetime(loans["lent_on"]) <= pd.Timestamp(day)]
    points = {"on_time": rule.on_time, "late": -rule.late, "lost": -rule.lost, "open": 0, "refused": 0}
    earned = loan_outcomes(lent, day).map(points).astype(int)
    scores = rule.start + earned.groupby(lent["borrower_ref"]).sum()
    return scores.clip(lower=0).astype(int).rename("score")


def refused(score: int, rule: CreditRule | None = None) -> bool:
    """Whether a borrower with `score` is refused a loan."""
    return score < (rule or credit_rule()).threshold


# ------------------------------------------------------------------------- borrower references

# What the template's example row shows: no real borrower's reference leaves the data, even as an example.
EXAMPLE_REFERENCE = "JY0204-0137"
# A pseudonym the station gives: ASCII letters, digits and hyphens, 3 to 20 characters, starting with a
# letter or digit (e.g. JY-0137, B150204-0012).
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{2,19}")
# A 居民身份证 number: 18 characters (17 digits and a digit or X) or the old 15 digits, anywhere in it.
_ID_NUMBER = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?!\d)")
# A mainland mobile number (11 digits from 13… to 19…), or any run of 11 or more digits (a phone with its
# area code, part of an ID number): a pseudonym never needs that many.
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|\d{11,}")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")  # a Chinese character: a name, never a pseudonym


def borrower_ref_problem(reference: str) -> str | None:
    """Why `reference` may not stand for a borrower — 'id_number', 'phone', 'name' or 'format' —
    or None when it is a pseudonym of the expected form. Separators a clerk types (spaces, hyphens)
    do not hide a number: '1502 0419 …' is read without them."""
    text = str(reference).strip()
    digits_only = re.sub(r"[\s-]", "", text)
    if _ID_NUMBER.search(digits_only):
        return "id_number"
    if _PHONE.search(digits_only):
        return "phone"
    if _HAN.search(text):
        return "name"
    if not _REFERENCE.fullmatch(text):
        return "format"
    return None
