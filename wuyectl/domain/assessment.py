"""The monthly staff assessment's rules (seed 001 五.2 考核): the grade a score earns, by the
thresholds in wuye.yaml `policy.assessment`, and the check that they increase.

1. A person's score is the mean of the indicators that can be judged for them that month, in
   percentage points: 需求受理及时率, 需求处理完成率, 业主满意度, and 100 − 工作失误率 (fewer
   mistakes, more points). Nothing judged: no score, no grade (n/a, never 0).
2. The grade: 优秀 at or above `excellent`, 良好 at or above `good`, 合格 at or above `pass`,
   else 不合格. The three must increase (pass < good < excellent): `policy set` refuses
   anything else and `validate` flags a hand-edited wuye.yaml.
3. 服务之星 candidates (seed 001 六.2): graded 优秀, no breach and no complaint about them in the
   month, at least `star_min_items` judged items; the best `stars` scores (ties at the cut in).
"""
from __future__ import annotations

from typing import Mapping

from ..i18n import _, pick

GRADES = ("excellent", "good", "pass", "fail")          # best first
THRESHOLD_KEYS = ("pass", "good", "excellent")          # increasing
DEFAULTS = {"pass": 60, "good": 80, "excellent": 90, "stars": 3, "star_min_items": 5}
LABELS = {"excellent": ("优秀", "excellent"), "good": ("良好", "good"), "pass": ("合格", "pass"),
          "fail": ("不合格", "fail")}


def settings(policy: Mapping | None) -> dict:
    """`policy.assessment` with the defaults for what it does not say."""
    policy = getattr(policy, "raw", policy) or {}
    chosen = policy.get("assessment") if isinstance(policy, Mapping) else None
    out = dict(DEFAULTS)
    if isinstance(chosen, Mapping):
        out.update({k: v for k, v in chosen.items() if v is not None})
    return out


def threshold_problems(policy: Mapping | None) -> list[tuple[tuple, str]]:
    """(path in wuye.yaml, message) when the grade thresholds do not increase."""
    policy = getattr(policy, "raw", policy) or {}
    chosen = policy.get("assessment") if isinstance(policy, Mapping) else None
    if not isinstance(chosen, Mapping):
        return []
    values = settings(policy)
    if not all(isinstance(values[k], (int, float)) and not isinstance(values[k], bool) for k in THRESHOLD_KEYS):
        return []   # the schema says what is wrong with a value that is no number
    low, mid, high = (values[k] for k in THRESHOLD_KEYS)
    if low < mid < high:
        return []
    key = next((k for k in THRESHOLD_KEYS if k in chosen), "pass")
    return [(("policy", "assessment", key), _(
        "the assessment's grade thresholds must increase (pass < good < excellent), not pass {low}, good {mid}, "
        "excellent {high} (policy assessment.pass, assessment.good, assessment.excellent)").format(low=low, mid=mid, high=high))]


def score(figures: list[float | None]) -> float | None:
    """The mean of the judged indicators (percentage points, higher is better); None if none."""
    judged = [f for f in figures if f is not None]
    return round(sum(judged) / len(judged), 1) if judged else None


def grade(points: float | None, policy: Mapping | None) -> str | None:
    """The grade a score earns (None: nothing to judge)."""
    if points is None:
        return None
    values = settings(policy)
    if points >= values["excellent"]:
        return "excellent"
    if points >= values["good"]:
        return "good"
    if points >= values["pass"]:
        return "pass"
    return "fail"


def label(code: str | None, lang: str) -> str:
    if code is None:
        return "n/a"
    return pick(LABELS[code], lang)
