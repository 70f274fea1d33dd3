"""The sample office's training register (培训记录, seed 001 五.1), 2026: the paper register of
January–September entered by the supervisor on 10-02 (the induction of everyone on the roster in
January, the newcomer 马俊's induction in August, the quarterly trainings of Q1–Q3, a special
repair-skills training for the technicians), then Q4's trainings recorded on the day.

What `report assessment` shows from it (as of 2026-11-24): 吴桂兰 missed the Q3 training
(W-training-quarterly 2026Q3, the finding to see); 马俊 came in August, so Q3 is not a quarter he
worked through; two people have not had Q4's training yet (the quarter runs on: no finding)."""
from __future__ import annotations

from make_sample import (ARCHIVIST, CLEANERS, CLERKS, DIRECTOR, GARDENER, GUARDS, SUPERVISOR, TECHS, day)

from wuyectl import api
from wuyectl.domain.kinds import KINDS

NEWCOMER = "马俊"          # joined in August: his own induction
MISSED_Q3 = "吴桂兰"       # the Q3 training's one absentee
NOT_YET_Q4 = ("孙伟", "郑国华")


def make(story, units: list[str]) -> None:
    book = KINDS["training"]
    everyone = [DIRECTOR, SUPERVISOR, *CLERKS, *TECHS, *GUARDS, *CLEANERS, GARDENER, ARCHIVIST]
    before = [p for p in everyone if p != NEWCOMER]

    def held(when, kind, topic, trainer, start, end, people, hours, results=None, note=None):
        values = {"type": kind, "topic": topic, "trainer": trainer, "first_day": start, "last_day": end,
                  "class_hours": hours, "attendees": list(people)}
        if results:
            values["results"] = [f"{name}={result}" for name, result in results.items()]
        if note:
            values["note"] = note

        def step():
            api.open_entry(story.office, SUPERVISOR, book, values)
        story.add(when, step, f"training {start} {kind}")

    # The paper register, entered on 10-02 in the afternoon, oldest first.
    entered = day(1, 15, 0)
    held(entered, "induction", "物业跟随制制度、各部门工作流程与职责、服务规范", DIRECTOR, "2026-01-05", "2026-01-06",
         before, 14, results={name: "pass" for name in before})
    held(entered.replace(minute=5), "quarterly", "物业跟随制制度复训；春节期间服务案例分析", SUPERVISOR,
         "2026-03-12", "2026-03-12", before, 3)
    held(entered.replace(minute=10), "quarterly", "投诉处理与回访规范；业主满意度调查结果通报", SUPERVISOR,
         "2026-06-11", "2026-06-11", before, 3)
    held(entered.replace(minute=15), "special", "维修人员技术培训：给排水与电梯困人应急", "工程部 外聘讲师", "2026-06-20",
         "2026-06-20", TECHS, 6)
    held(entered.replace(minute=20), "induction", "物业跟随制制度、安保岗位职责与应急处置", SUPERVISOR, "2026-08-03",
         "2026-08-04", [NEWCOMER], 14, results={NEWCOMER: "pass"})
    held(entered.replace(minute=25), "quarterly", "制度更新：回访时限与超时责任；台风季安全案例", SUPERVISOR,
         "2026-09-10", "2026-09-10", [p for p in everyone if p != MISSED_Q3], 3,
         note=f"{MISSED_Q3} 请假未参加")
    # Q4, recorded on the day
    held(day(42, 17, 30), "quarterly", "客户意见征询工作布置；冬季设施维护案例", SUPERVISOR, "2026-11-12", "2026-11-12",
         [p for p in everyone if p not in NOT_YET_Q4], 3)
    held(day(44, 17, 0), "special", "客服人员沟通技巧培训", SUPERVISOR, "2026-11-14", "2026-11-14", CLERKS, 4,
         results={CLERKS[0]: "excellent", CLERKS[1]: "pass"})
