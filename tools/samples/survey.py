"""The sample office's survey desk after 2026H2 came back (客户意见征询, seed 003 §29): the
follow-up calls on the returned forms' opinions (客户意见回访记录, §29.8) and the plan of the next
campaign, 2027H1, drafted by the supervisor and approved by the director (§29.2), not sampled.

2026H2 itself was drawn before plans were recorded (make_sample.legacy_draw): a legacy campaign.
Of its 8 forms, 6 have a dissatisfied item or an opinion written on them; at 2026-11-25 09:00
four have had their call (one after a first try that did not reach the household, one still
being followed), one returned 11-17 is past the policy's 7 days (`get visits --overdue`), and
one returned 11-24 is waiting, not yet due. Only existing records change, and the plan's ID is
its campaign: no other record's ID moves."""
from __future__ import annotations

from make_sample import CLERKS, DIRECTOR, SUPERVISOR, day

from wuyectl import api
from wuyectl.domain.kinds import KINDS

# (form, day of the story, hh, mm, who, outcome, method, what was said)
CALLS = [
    ("V-20261116-A002", 47, 16, 10, CLERKS[1], "unreachable", "phone", "电话两次无人接听，改日再联系"),
    ("V-20261116-A001", 48, 10, 20, CLERKS[0], "handled", "phone",
     "已就客服电话无人接听致歉，前台电话已增设忙线转接；充电桩增设方案已报管理处研究，业主表示满意"),
    ("V-20261116-A002", 49, 10, 5, SUPERVISOR, "continuing", "phone",
     "业主反映楼道异味仍有，已安排保洁每日冲洗垃圾桶、主管每日检查；社区活动计划年底公布，下周再回访"),
    ("V-20261122-A001", 54, 9, 40, CLERKS[0], "handled", "phone",
     "已说明维修预约改为上门前一小时电话确认，社区活动计划及公共能耗分摊按季度公示，业主认可"),
    ("V-20261123-A001", 54, 15, 20, CLERKS[1], "handled", "visit",
     "上门说明：北门访客登记已加强，维修预约改为提前确认，垃圾清运调整为每日两次，业主满意"),
]
NEXT = "2027H1"


def present(office) -> bool:
    """Already entered: the next campaign's plan is on file."""
    return any(s.get("id") == NEXT for s in office.index(KINDS["survey"]).records())


def make(story, units: list[str]) -> None:
    for form, n, hh, mm, who, outcome, method, note in CALLS:
        def call(form=form, who=who, outcome=outcome, method=method, note=note):
            record = story.office.load(form)[1].data
            if record.get("campaign") != "2026H2":   # the story changed: say so instead of calling the wrong form
                raise AssertionError(f"{form} is not a 2026H2 survey form")
            api.follow_up(story.office, who, [form], note=note, outcome=outcome, method=method)
        story.add(day(n, hh, mm), call, f"survey follow-up {form} ({outcome})")

    def plan():
        api.plan_survey(story.office, SUPERVISOR, NEXT, start="2027-05-10", end="2027-05-31", share=0.1,
                        note="上半年客户意见征询：问卷入户发放，5月底前收回；重点了解车库排水整改、电动车充电与社区活动意见")
    story.add(day(50, 10, 30), plan, f"survey plan {NEXT}")

    def approve():
        api.approve_plan(story.office, DIRECTOR, NEXT, note="同意，按计划执行；分析报告报品质部")
    story.add(day(53, 9, 40), approve, f"survey approve {NEXT}")
