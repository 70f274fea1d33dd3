"""The sample office's duty log (值班日志), 2026-10-25 … 11-24: the desk's lobby rounds every
morning and afternoon, the guards' night patrols about every two hours on eight nights (one, the
night of 12 November, with a gap of 3 h 35 after midnight: overdue), six abnormal items each
opening a repair ticket (on days the rest of the story opens none, or after its last ticket of
the day, so no other ticket's ID moves) that the desk dispatches — at once by day, the next
morning for a night patrol's — and the technician or cleaner fixes, and each morning's clerk
taking the log over; the last day's entries are not handed over yet (nor the last fault fixed)."""
from __future__ import annotations

import random
from datetime import timedelta

from make_sample import CLEANERS, CLERKS, GUARDS, LAST, SUPERVISOR, TECHS, api, day

from wuyectl.domain.kinds import KINDS

FIRST, LAST_DAY = 24, 54          # 2026-10-25 … 2026-11-24
ROUND_ITEMS = ("doors", "lighting", "fire", "cleanliness", "lifts")
PATROL_ITEMS = ("doors", "lighting", "fire", "barriers")
PATROL_NIGHTS = (24, 26, 31, 34, 38, 42, 48, 52)   # the evenings a night shift's patrols are logged
GAP_NIGHT = 42                                      # 11-12: nobody patrols between about 00:05 and 03:40
AREAS = ("1栋、2栋", "3栋、4栋", "5栋、6栋", "地下车库", "南门、北门", "中心花园")
NOTES = ("大堂空调温度已调至26℃", "大堂绿植已浇水", "香薰机已补液", "雨天已在大门口铺设防滑垫",
         "快递柜前堆放的纸箱已通知保洁清理", "前台借用雨伞已全部归还")
# Abnormal items, each opening a ticket: a round (day, "am"/"pm") or a patrol (night, its n-th).
ROUND_FAULTS = {
    (30, "am"): ("lifts", "1栋2单元客梯楼层按钮面板松动"),
    (43, "pm"): ("cleanliness", "大堂地面有泥水脚印，门口地垫需更换"),
    (51, "am"): ("doors", "大堂自动门感应失灵，开门迟缓"),
}
PATROL_FAULTS = {
    (26, 1): ("fire", "5栋1单元3层灭火器压力表指针在红区", "5栋1单元"),
    (34, 3): ("lighting", "地下车库B区3盏照明灯不亮", "地下车库"),
    (48, 1): ("barriers", "北门车辆道闸抬杆后不落杆", "北门"),
}


def _seen(items, fault):
    values = {"ok": [i for i in items if not fault or i != fault[0]]}
    if fault:
        values["abnormal"] = [f"{fault[0]}={fault[1]}"]
    return values


def make(story, units: list[str]) -> None:
    rng = random.Random("sample-duty-7")
    kind = KINDS["duty"]
    pending: list[str] = []     # the entries not handed over yet

    def log(when, who, values):
        def fn():
            ids = api.open_entry(story.office, who, kind, values)
            pending.append(ids[0])
            for ticket in ids[1:]:
                fix(when, who, ticket, values["abnormal"][0].split("=", 1)[0])
        story.add(when, fn, f"duty {values['type']} {who}")

    def fix(when, reporter, ticket, item):
        """The desk dispatches the abnormal item's ticket (a night's the next morning) to the
        cleaner or a technician, who contacts the reporter, comes, fixes it and reports back; the
        desk records the reporter told, and the supervisor checks the place the next evening (the
        callback, the day's last visit: no other visit's ID moves)."""
        cleaning = item == "cleanliness"
        worker, dept = (CLEANERS[0], "cleaning") if cleaning else (rng.choice(TECHS), "maintenance")
        night = when.hour >= 20 or when.hour < 8
        at = (when.replace(hour=8, minute=10 + rng.randint(0, 15)) + timedelta(days=when.hour >= 20)
              if night else when + timedelta(minutes=rng.randint(2, 4)))
        steps = [("assign", CLERKS[at.day % 2], {}, at)]
        at += timedelta(minutes=rng.randint(3, 10))
        steps.append(("contact", worker, {}, at))
        at += timedelta(minutes=rng.randint(10, 25))
        steps.append(("arrive", worker, {}, at))
        at += timedelta(minutes=rng.randint(30, 90))
        done = {"result": "已清理，更换门口地垫" if cleaning else "已检修，恢复正常", "signed_by": reporter}
        steps.append(("resolve", worker, done, at))
        at += timedelta(minutes=rng.randint(5, 15))
        steps.append(("report_back", worker, {}, at))
        at += timedelta(minutes=rng.randint(5, 20))
        steps.append(("notify", CLERKS[at.day % 2], {}, at))
        # the next day (a repair's callback), after the day's other visits (so their IDs stay)
        steps.append(("callback", SUPERVISOR, {}, (at + timedelta(days=1)).replace(hour=18, minute=20 + rng.randint(0, 8))))
        for action, by, sets, when_ in steps:
            if when_ > LAST:
                break

            def act(action=action, by=by, sets=sets):
                if action == "assign":
                    api.assign(story.office, by, [ticket], to=worker, department=dept)
                elif action == "callback":
                    api.open_callback(story.office, by, ticket=ticket, rating="satisfied", method="visit",
                                      note="主管现场复核，已恢复正常")
                else:
                    api.act(story.office, by, [ticket], action, sets=sets,
                            note="已告知报告人处理结果" if action == "notify" else None)
            story.add(when_, act, f"{ticket} {action}")

    def hand_over(when, who):
        def fn():
            if pending:
                api.act(story.office, who, list(pending), "handover")
                pending.clear()
        story.add(when, fn, f"duty handover {who}")

    for n in range(FIRST, LAST_DAY + 1):
        clerk = CLERKS[n % 2]
        if n > FIRST:   # the morning's clerk takes over yesterday's rounds and the night's patrols
            hand_over(day(n, 8, 5 + rng.randint(0, 10)), clerk)
        for half, when in (("am", day(n, 9, rng.randint(0, 25))), ("pm", day(n, 16, 30 + rng.randint(0, 20)))):
            values = {"type": "round", **_seen(ROUND_ITEMS, ROUND_FAULTS.get((n, half)))}
            if rng.random() < 0.3:
                values["note"] = rng.choice(NOTES)
            log(when, clerk, values)
    for night in PATROL_NIGHTS:
        when, end = day(night, 20, rng.randint(0, 10)), day(night + 1, 7, 0)
        turn, count = rng.randint(0, 1), 0
        while when < end:
            fault = PATROL_FAULTS.get((night, count))
            values = {"type": "patrol", **_seen(PATROL_ITEMS, fault), "area": fault[2] if fault else rng.choice(AREAS)}
            log(when, GUARDS[turn % 2], values)
            turn, count = turn + 1, count + 1
            if night == GAP_NIGHT and count == 3:
                when += timedelta(minutes=215)          # the guard on duty was called to a fire-alarm test
            else:
                when += timedelta(minutes=rng.randint(105, 120))
