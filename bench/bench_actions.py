#!/usr/bin/env python3
"""Benchmark of wuyectl's everyday actions on a big office repo.

1. Builds an office repo of N tickets (default 20,000) over the last twelve months, with
   households, callback visits and a full staff roster: `wuyectl.api.init_office` and
   `add_staff` for wuye.yaml, then the record files written directly, in the shape the tool
   itself writes (same key order, same quoting; `--validate` checks it), and one git commit.
   Each ticket is opened by the package's `ticket_record` and every step of its life taken
   by the package's ticket workflow (`domain.workflow.apply`): the builder restates none
   of the workflow's rules, and a step the workflow refuses stops the build.
2. Times separate processes, each repeated R times after one untimed warm-up run:
   `wuyectl open ticket …` (the form of issue 2), `wuyectl assign ID --to …` (a different
   received ticket each run), `wuyectl show ID`, and as the floor a bare `git commit` of one
   changed file on the same repo; `python -c pass` and `wuyectl --help` for context.
3. Prints a table (operation, median, min, max, runs), the size of the repo, how long the
   build took.

    python bench/bench_actions.py                     # 20,000 tickets, 5,000 households
    python bench/bench_actions.py --tickets 2000 --repeat 5 --validate
    python bench/bench_actions.py --dir /tmp/office --keep --profile

Nothing outside the repo it builds is touched; git runs with GIT_CONFIG_GLOBAL=/dev/null and
GIT_CONFIG_NOSYSTEM=1 so the machine's git configuration does not colour the figures.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

# Isolation for this process and every child (wuyectl runs git through os.environ).
os.environ["GIT_CONFIG_GLOBAL"] = "/dev/null"
os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
for _name in ("WUYECTL_NOW", "WUYECTL_REPO", "WUYECTL_USER", "WUYECTL_LANG"):
    os.environ.pop(_name, None)

GIT_ID = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
TZ_NAME = "Asia/Shanghai"     # no daylight saving: every local time is +08:00
OFFSET = "+08:00"
SCRATCH = "bench-scratch.txt"

# --------------------------------------------------------------------------------------
# The office: roster, buildings, vocabulary
# --------------------------------------------------------------------------------------
DIRECTOR = "陈建国"
STAFF = [  # (name, role, department)
    ("赵丽华", "supervisor", "service"), ("周强", "supervisor", "service"),
    ("王芳", "clerk", "service"), ("刘婷", "clerk", "service"), ("张敏", "clerk", "service"),
    ("杨雪", "clerk", "service"),
    ("李明", "technician", "maintenance"), ("黄海涛", "technician", "maintenance"),
    ("吴志刚", "technician", "maintenance"), ("郑伟", "technician", "maintenance"),
    ("孙磊", "technician", "maintenance"), ("马建军", "technician", "maintenance"),
    ("何勇", "security", "security"), ("高峰", "security", "security"),
    ("林涛", "security", "security"), ("罗军", "security", "security"),
    ("梁秀英", "cleaner", "cleaning"), ("宋桂兰", "cleaner", "cleaning"), ("谢玉梅", "cleaner", "cleaning"),
    ("韩德福", "gardener", "landscaping"), ("唐春生", "gardener", "landscaping"),
    ("冯静", "archivist", "service"),
    ("许文", "auditor", None),
]
CLERKS = ["王芳", "刘婷", "张敏", "杨雪"]
SUPERVISORS = ["赵丽华", "周强"]
BY_DEPT = {
    "maintenance": ["李明", "黄海涛", "吴志刚", "郑伟", "孙磊", "马建军"],
    "security": ["何勇", "高峰", "林涛", "罗军"],
    "cleaning": ["梁秀英", "宋桂兰", "谢玉梅"],
    "landscaping": ["韩德福", "唐春生"],
    "service": ["王芳", "刘婷", "张敏", "杨雪", "赵丽华", "周强"],
}
BENCH_CLERK = "王芳"
BENCH_TECH = "李明"

UNITS_PER_BUILDING, FLOORS, ROOMS = 2, 30, 4

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_M = ["伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "建国",
           "志强", "海波", "文博", "子轩", "浩然", "宇航", "俊杰", "国庆", "建华", "晓东", "立新", "德明", "永强"]
GIVEN_F = ["芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "慧", "颖", "桂英", "秀兰",
           "玉兰", "淑珍", "美玲", "晓燕", "雨欣", "梓涵", "思琪", "佳怡", "欣怡", "丽娟", "春梅", "海燕", "红霞", "文静"]
NATIVE = ["广东广州", "广东梅州", "湖南长沙", "湖北武汉", "四川成都", "江西赣州", "广西桂林", "福建泉州",
          "河南郑州", "浙江温州", "江苏南京", "山东青岛", "重庆", "上海", "北京", "黑龙江哈尔滨"]
REGION_CODES = ["440106", "440304", "430102", "420106", "510107", "360702", "450302", "350502", "410105", "330302"]
EMPLOYERS = ["市第一人民医院", "某科技有限公司", "区教育局", "个体经营", "某银行支行", "某物流公司", "退休", "某建筑设计院"]

# Repairs (报修, maintenance): (description, system, damage, result, materials or None, complex?)
REPAIR = [
    ("卫生间漏水，楼下天花板有水渍", "给排水", "卫生间防水层破损", "重做局部防水，闭水试验合格", "防水涂料", True),
    ("厨房下水道堵塞，水排不下去", "给排水", "下水管油污堵塞", "疏通厨房下水管道", None, False),
    ("水龙头一直滴水关不紧", "给排水", "阀芯磨损", "更换水龙头阀芯", "阀芯", False),
    ("马桶水箱不停流水", "给排水", "进水阀老化", "更换马桶进水阀", "进水阀", False),
    ("地漏返臭味", "给排水", "地漏存水弯干涸", "更换防臭地漏芯", "防臭地漏芯", False),
    ("阳台排水管接口渗水", "给排水", "管道接口松动", "重新密封排水管接口", "胶圈，密封胶", False),
    ("热水器进水角阀漏水", "给排水", "角阀老化", "更换角阀", "角阀", False),
    ("家里跳闸后合不上闸", "电气", "厨房插座回路短路", "排查短路点，更换损坏插座", "插座面板", False),
    ("客厅插座没有电", "电气", "插座接线松脱", "重新接线并紧固", None, False),
    ("入户门口电表箱有异响", "电气", "空气开关老化", "更换空气开关", "空气开关", False),
    ("入户门锁芯卡死打不开", "门窗", "锁芯损坏", "更换锁芯", "锁芯", False),
    ("卧室窗户关不严漏风", "门窗", "窗扇合页变形", "调整合页并更换密封条", "密封条", False),
    ("阳台推拉门滑轮坏了推不动", "门窗", "滑轮碎裂", "更换推拉门滑轮", "滑轮", False),
    ("次卧天花板渗水发霉", "土建", "外墙裂缝渗水", "外墙打胶修补，室内铲除霉斑", "外墙防水胶", True),
    ("客厅墙面出现裂缝", "土建", "抹灰层收缩裂缝", "裂缝处挂网重新批荡", "网格布，腻子", True),
    ("厨房地砖空鼓起拱", "土建", "地砖空鼓", "重新铺贴起拱地砖", "瓷砖胶", True),
    ("可视对讲机无法开单元门", "弱电", "室内分机故障", "更换室内分机主板", "对讲分机主板", False),
    ("门禁卡刷卡没反应", "弱电", "门禁卡消磁", "重新写卡", None, False),
]
# Repairs of public areas (公共区域)
PUBLIC_REPAIR = [
    ("电梯按钮失灵，按了不亮", "电梯", "按钮触点损坏", "通知电梯维保单位更换按钮", "电梯按钮", "电梯轿厢"),
    ("楼道感应灯不亮", "电气", "灯泡损坏", "更换感应灯泡", "LED灯泡", "楼梯间"),
    ("地下车库照明有一排不亮", "电气", "线路老化", "更换照明线路", "电线，灯管", "地下车库"),
    ("单元门闭门器坏了，门关不上", "门窗", "闭门器漏油", "更换闭门器", "闭门器", "单元大堂"),
    ("消防栓箱门玻璃破损", "消防", "玻璃碎裂", "更换消防栓箱门玻璃", "玻璃", "楼梯间"),
    ("小区道路井盖松动有响声", "土建", "井盖支座松动", "重新固定井盖", "水泥砂浆", "小区主干道"),
    ("儿童游乐区滑梯有裂口", "设施", "塑料件开裂", "更换滑梯护板", "护板", "儿童游乐区"),
    ("大门道闸抬杆不起来", "弱电", "道闸电机故障", "维修道闸电机", None, "小区东门"),
]
PAID_REPAIR = [  # (description, system, result, materials, fee range)
    ("更换厨房水龙头", "给排水", "更换厨房水龙头", "水龙头", (60, 180)),
    ("马桶堵塞，要求上门疏通", "给排水", "疏通马桶", None, (50, 120)),
    ("更换客厅吸顶灯", "电气", "安装吸顶灯", "业主自购灯具", (40, 80)),
    ("安装阳台晾衣架", "其他", "安装升降晾衣架", "膨胀螺丝", (80, 150)),
    ("更换入户门锁", "门窗", "更换C级锁芯", "C级锁芯", (150, 300)),
    ("更换卫生间角阀和软管", "给排水", "更换角阀两个，软管两根", "角阀，软管", (60, 120)),
    ("更换开关面板", "电气", "更换开关面板三个", "开关面板", (30, 90)),
    ("热水器安装", "给排水", "安装燃气热水器并试水", "业主自购热水器", (100, 200)),
]
HELP = [  # (description, department, result, public?)
    ("钥匙锁在家里，请求帮忙联系开锁", "security", "协助联系备案开锁公司，核实身份后开门", False),
    ("家中老人行动不便需要帮助下楼就医", "security", "安排保安协助老人下楼上车", False),
    ("搬家需要临时停放货车", "security", "安排临时停车位，协助疏导车辆", False),
    ("家里阳台飞进一只鸟出不去", "security", "保安上门协助放飞", False),
    ("楼道有大件废旧家具需要清运", "cleaning", "已安排清运", True),
    ("窗外树枝遮挡采光，请求修剪", "landscaping", "已修剪遮挡枝条", False),
    ("快递放在前台请帮忙代收", "service", "已代收并电话通知业主领取", False),
    ("需要借用手推车搬运物品", "service", "已借出手推车，业主当日归还", False),
    ("车库有车辆未关车窗", "security", "已联系车主关窗", True),
]
COMPLAINT = [  # (description, department, result, public?)
    ("楼上装修噪音太大，中午也在施工", "security", "已约谈装修户，要求按规定时间施工", False),
    ("邻居在楼道堆放杂物，影响通行", "security", "已督促清理楼道杂物", False),
    ("邻居家狗夜间一直叫，影响休息", "security", "已上门沟通，业主承诺夜间看管好宠物", False),
    ("垃圾清运不及时，垃圾桶有异味", "cleaning", "增加清运频次并清洗垃圾桶", True),
    ("楼道卫生差，几天没人打扫", "cleaning", "已安排保洁员按标准清扫并加强检查", True),
    ("草坪喷洒农药有刺鼻气味", "landscaping", "调整喷药时间并提前张贴通知", True),
    ("维修人员没有按约定时间上门", "maintenance", "已向业主致歉并重新安排维修", False),
    ("电梯经常出故障，多次困人", "maintenance", "已要求电梯维保单位全面检修", True),
    ("外来车辆乱停占用消防通道", "security", "加强巡查，对占道车辆张贴告知单", True),
    ("客服电话经常无人接听", "service", "已调整前台值班安排，保证专人接听", False),
    ("有人高空抛物，砸到楼下车辆", "security", "调取监控并张贴告示，上门走访排查", True),
    ("物业费账单金额有疑问", "service", "已核对账单并向业主解释收费明细", False),
]
CONSULT = [  # (description, answer)
    ("物业费可以通过哪些方式缴纳", "可在前台刷卡、微信公众号或银行代扣缴纳"),
    ("房屋装修需要办理哪些手续", "需携带身份证、装修方案到客服中心办理装修登记，缴纳装修押金"),
    ("下周停水的具体时间", "停水时间为周三9点至17点，已在各单元张贴通知"),
    ("地下车位租赁价格是多少", "月租300元，季度租850元"),
    ("门禁卡丢失如何补办", "携带身份证到前台补办，工本费20元"),
    ("快递柜在哪里", "快递柜在小区东门和3栋架空层"),
    ("出租房屋需要到物业登记吗", "需要，请携带租赁合同和租户身份证到前台登记"),
    ("小区游泳池开放时间", "每年6月至9月，每天下午3点至晚上9点"),
    ("家里装宽带找哪家", "小区已接入三家运营商，可直接联系运营商办理"),
    ("如何申请电动车充电位", "到前台登记，按排号顺序安排"),
]
SUGGESTION = [  # (description, result)
    ("建议增加儿童游乐设施", "已纳入明年公共设施改造计划"),
    ("建议延长游泳池开放时间", "已反馈管理处，暑期延长开放一小时"),
    ("建议增设电动车充电桩", "已联系供应商勘察场地"),
    ("建议小区大门口增加减速带", "已安装减速带"),
    ("建议垃圾分类投放点增设洗手池", "已在投放点增设洗手池"),
    ("建议公告栏同时在业主群发布", "已安排客服同步发布至业主群"),
]
PRAISE = [  # (description, answer)
    ("表扬维修师傅上门及时，服务热情", "已转达表扬，计入员工月度考核"),
    ("表扬保安拾金不昧，归还钱包", "已转达表扬并在公告栏通报表扬"),
    ("表扬保洁阿姨工作认真负责", "已转达表扬"),
    ("感谢客服帮忙代收快递", "已转达表扬"),
]
CALLBACK_NOTES = {"dissatisfied": ["问题仍未解决", "维修后又出现同样问题", "处理不及时", "对处理结果不满意"],
                  "basically_satisfied": ["上门稍晚", "处理完现场未清理干净", "希望下次提前电话联系"]}

# Weights an office would see over a year (a busy community; repairs dominate).
CATEGORIES = [("repair", 40), ("consult", 20), ("help", 10), ("complaint", 9), ("paid_repair", 9),
              ("suggestion", 8), ("praise", 4)]
CHANNELS = {
    "repair": [("phone", 60), ("walk_in", 16), ("online", 18), ("patrol", 6)],
    "paid_repair": [("phone", 55), ("walk_in", 25), ("online", 20)],
    "help": [("phone", 60), ("walk_in", 25), ("online", 15)],
    "complaint": [("phone", 50), ("walk_in", 25), ("online", 15), ("letter", 4), ("suggestion_box", 6)],
    "consult": [("phone", 55), ("walk_in", 30), ("online", 15)],
    "suggestion": [("online", 40), ("suggestion_box", 30), ("walk_in", 15), ("letter", 15)],
    "praise": [("phone", 30), ("walk_in", 30), ("online", 20), ("letter", 20)],
}
HOURS = [(0, 1), (6, 2), (7, 5), (8, 12), (9, 14), (10, 12), (11, 8), (12, 4), (13, 6), (14, 10), (15, 10),
         (16, 9), (17, 8), (18, 6), (19, 6), (20, 5), (21, 3), (22, 2), (23, 1)]


def pick(rng: random.Random, weighted):
    values, weights = zip(*weighted)
    return rng.choices(values, weights)[0]


# --------------------------------------------------------------------------------------
# YAML text in the tool's own shape (ruamel round-trip: indent 2, sequences 4/2, width 4096)
# --------------------------------------------------------------------------------------
class Time(str):
    """A timestamp: written plain, like the tool writes times."""


def ts(moment: datetime) -> Time:
    return Time(moment.strftime("%Y-%m-%dT%H:%M:%S") + OFFSET)


_PLAIN_BAD_START = set("-?:,[]{}#&*!|>'\"%@` ")


def _looks_typed(text: str) -> bool:
    """Would a plain scalar read back as something other than a string (YAML 1.2 core)?"""
    import re

    return bool(re.fullmatch(r"[-+]?[0-9_]+|[-+]?(\.[0-9]+|[0-9_]+(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+"
                             r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|true|True|TRUE|false|False|FALSE|~|null|Null|NULL"
                             r"|\d{4}-\d\d?-\d\d?([Tt ].*)?", text))


def scalar(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, Time):
        return str(value)
    text = str(value)
    if (not text or text[0] in _PLAIN_BAD_START or text[-1] == " " or ": " in text or " #" in text
            or text.endswith(":") or "\n" in text or _looks_typed(text)):
        return "'" + text.replace("'", "''") + "'"
    return text


def emit(record: dict) -> str:
    lines: list[str] = []
    _emit_map(record, "", lines)
    return "\n".join(lines) + "\n"


def _emit_map(node: dict, pad: str, lines: list[str], first_prefix: str | None = None) -> None:
    for i, (key, value) in enumerate(node.items()):
        head = (first_prefix if (i == 0 and first_prefix is not None) else pad) + key + ":"
        if isinstance(value, dict):
            lines.append(head)
            _emit_map(value, pad + "  ", lines)
        elif isinstance(value, list):
            lines.append(head)
            for item in value:
                if isinstance(item, dict):
                    _emit_map(item, pad + "    ", lines, first_prefix=pad + "  - ")
                else:
                    lines.append(pad + "  - " + scalar(item))
        else:
            lines.append(head + " " + scalar(value))


# --------------------------------------------------------------------------------------
# Generating the office
# --------------------------------------------------------------------------------------
def person_name(rng, gender=None):
    gender = gender or rng.choice(["male", "female"])
    return rng.choice(SURNAMES) + rng.choice(GIVEN_M if gender == "male" else GIVEN_F), gender


def phone(rng) -> str:
    return rng.choice(["13", "15", "18", "17", "19"]) + str(rng.randint(0, 9)) + f"{rng.randint(0, 99999999):08d}"


def id_card(rng, birth: datetime) -> str:
    body = rng.choice(REGION_CODES) + birth.strftime("%Y%m%d") + f"{rng.randint(0, 999):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
    return body + check


def unit_ids(count: int) -> list[str]:
    out = []
    building = 1
    while len(out) < count:
        for unit in range(1, UNITS_PER_BUILDING + 1):
            for floor in range(1, FLOORS + 1):
                for room in range(1, ROOMS + 1):
                    out.append(f"{building}-{unit}-{floor}{room:02d}")
        building += 1
    out = out[:count]
    if "3-2-1201" not in out:       # the unit of the issue's `open ticket` example
        out[-1] = "3-2-1201"
    return out


def make_household(rng, unit: str, handover: datetime) -> tuple[dict, list[tuple[str, str]]]:
    """A household record and its people [(name, phone)] who may call the desk."""
    building, _, room = unit.split("-")
    area = round(rng.uniform(58, 165), 1)
    occupancy = pick(rng, [("self", 70), ("rented", 18), ("vacant", 8), ("decorating", 4)])
    record: dict = {"id": unit, "property_type": "residence", "building_area": area,
                    "usable_area": round(area * rng.uniform(0.74, 0.82), 1),
                    "handover_date": handover.strftime("%Y-%m-%d")}
    moved = handover + timedelta(days=rng.randint(30, 900))
    if occupancy != "vacant":
        record["move_in_date"] = moved.strftime("%Y-%m-%d")
    if rng.random() < 0.4:
        record["parking_space"] = f"B{rng.randint(1, 2)}-{rng.randint(1, 680):03d}"
    if rng.random() < 0.2:
        record["bicycle_garage"] = True
    record["occupancy"] = occupancy
    callers = []
    owners = []
    main_name, gender = person_name(rng)
    surname = main_name[0]
    birth = datetime(rng.randint(1950, 1992), rng.randint(1, 12), rng.randint(1, 28))
    main = {"name": main_name, "gender": gender, "birth_date": birth.strftime("%Y-%m-%d"),
            "native_place": rng.choice(NATIVE), "id_card": id_card(rng, birth)}
    if rng.random() < 0.5:
        main["employer"] = rng.choice(EMPLOYERS)
    main["phone"] = phone(rng)
    main["relation"] = "户主"
    owners.append(main)
    if rng.random() < 0.45:
        other_gender = "female" if gender == "male" else "male"
        spouse, _ = person_name(rng, other_gender)
        sb = birth + timedelta(days=rng.randint(-1500, 1500))
        owners.append({"name": spouse, "gender": other_gender, "birth_date": sb.strftime("%Y-%m-%d"),
                       "id_card": id_card(rng, sb), "phone": phone(rng), "relation": "配偶"})
    record["owners"] = owners
    if occupancy in ("self", "decorating"):
        callers += [(o["name"], o["phone"]) for o in owners]
        members = []
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            g = rng.choice(["male", "female"])
            given = rng.choice(GIVEN_M if g == "male" else GIVEN_F)
            if rng.random() < 0.7:
                mb = datetime(rng.randint(2000, 2022), rng.randint(1, 12), rng.randint(1, 28))
                members.append({"name": surname + given, "gender": g, "birth_date": mb.strftime("%Y-%m-%d"),
                                "relation": "子女"})
            else:
                mb = datetime(rng.randint(1935, 1960), rng.randint(1, 12), rng.randint(1, 28))
                members.append({"name": person_name(rng, g)[0], "gender": g, "birth_date": mb.strftime("%Y-%m-%d"),
                                "relation": "父母"})
        if members:
            record["members"] = members
    elif occupancy == "rented":
        tenants = []
        for _ in range(rng.choice([1, 1, 2])):
            name, g = person_name(rng)
            tb = datetime(rng.randint(1975, 2002), rng.randint(1, 12), rng.randint(1, 28))
            start = datetime(rng.randint(2023, 2026), rng.randint(1, 12), 1)
            tenants.append({"name": name, "gender": g, "id_card": id_card(rng, tb), "phone": phone(rng),
                            "move_in_date": start.strftime("%Y-%m-%d"),
                            "lease_end": start.replace(year=start.year + rng.choice([1, 2])).strftime("%Y-%m-%d")})
        record["tenants"] = tenants
        callers += [(t["name"], t["phone"]) for t in tenants] + [(main["name"], main["phone"])]
    else:
        callers.append((main["name"], main["phone"]))
    record["created_at"] = ts(handover.replace(hour=10, minute=rng.randint(0, 59)))
    return record, callers


def ticket_text(record: dict) -> str:
    """A ticket's file: its fields in the schema's order, as the tool places them."""
    from wuyectl.domain.kinds.ticket import KIND
    from wuyectl.store import schema

    order = schema.schema(KIND.schema).get("properties", {})
    ordered = {k: record[k] for k in order if k in record}
    if len(ordered) != len(record):
        raise SystemExit(f"bench: {record.get('id')}: fields not in the ticket schema: "
                         + ", ".join(sorted(set(record) - set(ordered))))
    return emit(ordered)


@dataclass
class Step:
    """One planned action on a ticket, by a person on the roster."""

    at: datetime
    by: str
    action: str
    note: str | None = None
    params: dict = field(default_factory=dict)      # the action's parameters (assign: to, department; …)
    sets: dict = field(default_factory=dict)        # --set FIELD=VALUE
    visit_note: str | None = None                   # callback: the note of its visit record


class Plan:
    """A ticket's whole life as planned: what it was opened with (`base`: the arguments of
    `wuyectl open ticket`, and its id) and the actions taken on it. `play(now, office)` keeps
    what has happened by `now`, through the tool's own code."""

    def __init__(self, base: dict, received: datetime, receiver: str):
        self.base = base
        self.received = received
        self.steps: list[Step] = []
        self.t = received
        self.receiver = receiver

    def step(self, minutes: float, by: str, action: str, note: str | None = None, params: dict | None = None,
             sets: dict | None = None, at: datetime | None = None) -> Step:
        self.t = at if at is not None else self.t + timedelta(minutes=minutes)
        self.steps.append(Step(self.t, by, action, note, params or {}, sets or {}))
        return self.steps[-1]

    def play(self, now: datetime, office, history: list | None = None) -> dict:
        """The record as it stands at `now`, made as the tool makes it: opened by
        `app.tickets.ticket_record` (the receipt, and a complaint's escalation in the same
        commit), then every step taken by the ticket workflow (`domain.workflow.apply`), the
        events appended as `app.records.act` appends them. A step the workflow refuses stops
        the build: the plan is wrong. With `history`, also append one entry per commit the tool
        would have made — [action, at, by, what it did, text of the file after it] — a
        callback and the reopen it causes being one commit."""
        from wuyectl.app.tickets import ticket_record
        from wuyectl.domain.kinds.ticket import WORKFLOW
        from wuyectl.domain.workflow import Change, apply, find_action
        from wuyectl.errors import WuyeError

        rid = self.base["id"]
        opening = {k: v for k, v in self.base.items() if k != "id"}
        receiver = {"name": self.receiver, "role": ROLE_OF[self.receiver]}
        record = ticket_record(office, receiver, rid, ts(self.received), **opening)
        policy = office.config.get("policy") or {}
        if history is not None:
            history.append(["open", self.received, self.receiver, {}, ticket_text(record)])
        for step in self.steps:
            if step.at > now:
                break
            action = find_action(WORKFLOW, step.action)
            params = dict(step.params)
            tail = action.prepare(params) if action.prepare else ""
            change = Change(record, action, step.by, ROLE_OF[step.by], ts(step.at), note=step.note,
                            params={"policy": policy, **params})
            try:
                apply(WORKFLOW, change, record_id=rid, sets=step.sets, through_command=action.via_command)
            except WuyeError as exc:
                raise SystemExit(f"bench: the plan of {rid} takes a step the workflow refuses "
                                 f"({step.action} by {step.by} at {ts(step.at)}): {exc}") from None
            if step.sets:
                change.event["set"] = dict(step.sets)
            record["timeline"].extend([change.event, *change.extra_events])
            if history is not None:
                done = {"event": change.event, "tail": tail, "status": record["status"],
                        "assignee": record.get("assignee")}
                history.append([step.action, step.at, step.by, done, ticket_text(record)])
        return record


def office_time(rng, day: datetime) -> datetime:
    hour = pick(rng, HOURS)
    return day.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59))


def next_working_slot(t: datetime, rng) -> datetime:
    """An appointment the owner would agree to: later today or tomorrow, 9:00–19:00."""
    slot = t + timedelta(hours=rng.choice([1, 2, 3, 4, 20, 24, 26]))
    if slot.hour < 9 or slot.hour > 19:
        slot = (slot + timedelta(days=1 if slot.hour > 19 else 0)).replace(hour=rng.randint(9, 11))
    return slot.replace(minute=rng.choice([0, 30]), second=0)


def delay(rng, typical: float, late: float, p_late: float) -> float:
    """Minutes: mostly around `typical`, sometimes late (SLA breaches happen)."""
    if rng.random() < p_late:
        return rng.uniform(typical, late)
    return rng.uniform(typical * 0.2, typical)


def plan_ticket(rng, received: datetime, units: list[str], callers: dict, stuck: bool) -> Plan:
    category = pick(rng, CATEGORIES)
    channel = pick(rng, CHANNELS[category])
    clerk = rng.choice(CLERKS)
    receiver = rng.choice(BY_DEPT["security"]) if channel == "patrol" else clerk
    base: dict = {"id": None, "channel": channel, "category": category}
    public = False
    dept, result, materials, system, damage, fee, complex_ = None, None, None, None, None, None, False
    if category == "repair":
        if channel == "patrol" or rng.random() < 0.15:
            desc, system, damage, result, materials, place = rng.choice(PUBLIC_REPAIR)
            public = True
        else:
            desc, system, damage, result, materials, complex_ = rng.choice(REPAIR)
            complex_ = complex_ and rng.random() < 0.6
        dept = "maintenance"
    elif category == "paid_repair":
        desc, system, result, materials, (low, high) = rng.choice(PAID_REPAIR)
        fee = rng.randrange(low, high + 1, 10)
        dept = "maintenance"
    elif category == "help":
        desc, dept, result, public = rng.choice(HELP)
    elif category == "complaint":
        desc, dept, result, public = rng.choice(COMPLAINT)
        public = public and rng.random() < 0.5
        base["severity"] = "major" if rng.random() < 0.08 else "general"
    elif category == "consult":
        desc, result = rng.choice(CONSULT)
    elif category == "suggestion":
        desc, result = rng.choice(SUGGESTION)
        dept = "service"
    else:
        desc, result = rng.choice(PRAISE)
    base["urgency"] = "urgent" if category in ("repair", "help") and rng.random() < 0.08 else "normal"
    unit = None
    if channel != "patrol":
        unit = rng.choice(units)
        name, tel = rng.choice(callers[unit])
        base["reporter"] = name
        if channel in ("phone", "online", "walk_in") or rng.random() < 0.5:
            base["phone"] = tel
    if public:
        building = unit.split("-")[0] if unit else str(rng.randint(1, max(1, len(units) // 240)))
        if category == "repair":
            base["location"] = {"building": building, "place": place}
        else:
            base["location"] = {"building": building, "place": rng.choice(["大堂", "楼道", "地下车库", "架空层"])}
        if channel == "patrol":
            base["location"] = {"place": place}
    else:
        base["unit"] = unit or rng.choice(units)
    base["description"] = desc
    if system and rng.random() < 0.3:       # sometimes known when the call comes in
        base["repair_system"] = system
    # Opening it (a complaint's escalation to the supervisor included) is `ticket_record`'s.
    plan = Plan(base, received, receiver)
    if stuck:  # waiting at the desk (night call, desk busy): the assign benchmark needs these
        return plan
    desk = rng.choice(CLERKS + SUPERVISORS[:1])

    # Answered on the spot (consultations, praise, most suggestions).
    if category in ("consult", "praise") or (category == "suggestion" and rng.random() < 0.6):
        if rng.random() < 0.03:
            plan.step(rng.uniform(1, 30), desk, "cancel", note="业主撤回")
            return plan
        plan.step(rng.uniform(0.5, 6), desk, "answer", note=result)
        if rng.random() < 0.6:
            plan.step(rng.uniform(30, 60 * 24), desk, "close")
        return plan
    if rng.random() < 0.025:
        plan.step(rng.uniform(1, 20), desk, "cancel", note=rng.choice(["重复登记", "业主已自行处理", "业主撤回"]))
        return plan

    handler = rng.choice(BY_DEPT[dept])
    assigner = rng.choice(SUPERVISORS) if category == "complaint" else desk
    plan.step(delay(rng, 5, 40, 0.12), assigner, "assign", params={"to": handler, "department": dept})
    # Every repair order is signed (维修完毕后必须签字确认): by the owner, or for a public area
    # by the staff member who reported it or the supervisor on duty.
    sign = category in ("repair", "paid_repair")
    signer = None
    if sign:
        if public:
            signer = receiver if channel == "patrol" else rng.choice(SUPERVISORS)
        else:
            signer = base.get("reporter") or callers[base["unit"]][0][0]

    def work_round(round_no: int) -> None:
        contact_sets = {}
        arrive_at = None
        if category in ("repair", "paid_repair") and not public and rng.random() < 0.4:
            slot = next_working_slot(plan.t + timedelta(minutes=10), rng)
            contact_sets["appointment_at"] = ts(slot)
            arrive_at = slot + timedelta(minutes=rng.randint(-10, 25))
        limit = 10 if dept == "maintenance" else 30
        plan.step(delay(rng, limit, limit * 6, 0.1), handler, "contact", sets=contact_sets)
        arrive_sets = {}
        if system and "repair_system" not in base and round_no == 1:
            arrive_sets["repair_system"] = system
        if damage and round_no == 1:
            arrive_sets["damage"] = damage
        if arrive_at is not None and arrive_at > plan.t:
            plan.step(0, handler, "arrive", sets=arrive_sets, at=arrive_at)
        else:
            plan.step(delay(rng, 30, 120, 0.1), handler, "arrive", sets=arrive_sets)
        if complex_ and round_no == 1:
            promised = (plan.t + timedelta(days=rng.randint(1, 5))).replace(hour=18, minute=0, second=0)
            plan.step(rng.uniform(5, 40), handler, "progress", note="需订购材料，已告知业主预计完成时间",
                      sets={"promised_at": ts(promised)})
            finish = max(plan.t + timedelta(minutes=rng.uniform(30, 240)),
                         promised - timedelta(hours=rng.uniform(1, 30)))
            plan.step(0, handler, "resolve", sets=resolve_sets(), at=finish)
        else:
            plan.step(delay(rng, 90, 400, 0.1), handler, "resolve", sets=resolve_sets())
        if rng.random() < 0.9:
            plan.step(delay(rng, 30, 120, 0.08), handler, "report_back")
        if rng.random() < 0.92:
            plan.step(delay(rng, 40, 180, 0.08), rng.choice(CLERKS), "notify")

    def resolve_sets() -> dict:
        sets = {"result": result}
        if materials:
            sets["materials"] = materials
        if category == "paid_repair":
            sets["fee"] = fee
            sets["fee_consent"] = True
        if sign:
            sets["signed_by"] = signer
        return sets

    if rng.random() < 0.006:
        # Fell through the cracks: assigned (or started) and never finished, now far overdue.
        work_round_cut = True
    else:
        work_round_cut = False
    if category == "repair" and not public and rng.random() < 0.02:
        plan.step(rng.uniform(60, 300), rng.choice(SUPERVISORS), "escalate", note="维修超时，业主投诉",
                  params={"level": 1})
    work_round(1)
    if work_round_cut:
        keep = next(i for i, step in enumerate(plan.steps) if step.action == "assign") + 1 + rng.randint(0, 2)
        del plan.steps[keep:]
        return plan
    if category == "suggestion":
        plan.step(rng.uniform(60, 60 * 24), desk, "close")
        return plan
    # The callback (回访): repairs by the end of the next day, others within 48 h.
    rating = pick(rng, [("satisfied", 86), ("basically_satisfied", 11), ("dissatisfied", 3)])
    visitor = rng.choice(CLERKS)
    callback = plan.step(rng.uniform(120, 60 * 40), visitor, "callback", params={"rating": rating})
    if rating == "dissatisfied":
        # The callback itself reopens the ticket to its last assignee, in the same commit.
        callback.visit_note = rng.choice(CALLBACK_NOTES["dissatisfied"])
        work_round(2)
        plan.step(rng.uniform(120, 60 * 40), visitor, "callback",
                  params={"rating": pick(rng, [("satisfied", 80), ("basically_satisfied", 20)])})
    return plan


ROLE_OF = {DIRECTOR: "director", **{name: role for name, role, _ in STAFF}}


def write_files(directory: str, files: dict[str, str], made: set) -> None:
    for rel, text in files.items():
        folder = os.path.dirname(os.path.join(directory, rel))
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        with open(os.path.join(directory, rel), "w", encoding="utf-8") as fh:
            fh.write(text)


def build(directory: str, n_tickets: int, n_households: int, seed: int, history: bool = False,
          days: int = 365) -> dict:
    """Build the office in `directory`: tickets received over the last `days` days (365 here;
    bench_scale.py asks for three years), filed in monthly folders as the tool files them."""
    import wuyectl
    from wuyectl import api

    rng = random.Random(seed)
    tz = ZoneInfo(TZ_NAME)
    now = datetime.now(tz).replace(tzinfo=None, microsecond=0) - timedelta(minutes=2)
    start = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0)
    began = start - timedelta(days=1)

    t0 = time.perf_counter()
    # The office started using wuyectl the day before the first ticket (a year ago by default):
    # the init and roster commits carry that date.
    os.environ["WUYECTL_NOW"] = began.replace(hour=9).strftime("%Y-%m-%dT%H:%M:%S") + OFFSET
    try:
        office = api.init_office(directory, name="翠湖花园", director=DIRECTOR, station="A", code="CHHY")
        for name, role, dept in STAFF:
            api.add_staff(office, DIRECTOR, name, role, dept)
    finally:
        del os.environ["WUYECTL_NOW"]
    t_init = time.perf_counter() - t0

    # Households: buildings handed over in batches, 2016–2019.
    units = unit_ids(n_households)
    callers: dict[str, list] = {}
    files: dict[str, str] = {}
    for unit in units:
        b = int(unit.split("-")[0]) if unit.split("-")[0].isdigit() else 1
        handover = datetime(2016 + (b % 4), 3 + (b % 8), 1 + (b % 25))
        record, people = make_household(rng, unit, handover)
        callers[unit] = people
        files[f"owners/{unit.split('-')[0]}/{unit}.yaml"] = emit(record)
    files[SCRATCH] = "scratch file of bench/bench_actions.py: the bare `git commit` floor\n"
    first_files = list(files)
    # Written now: a ticket is opened on a unit only if its household record exists.
    made: set = set()
    t_write = time.perf_counter()
    write_files(directory, files, made)
    t_write = time.perf_counter() - t_write

    # Tickets: received times over the last `days` days, a little busier in summer (rain, AC).
    days = (now - start).days + 1
    day_weights = [1.35 if (start + timedelta(days=d)).month in (6, 7, 8) else 1.0 for d in range(days)]
    received_times = []
    for offset in rng.choices(range(days), day_weights, k=n_tickets):
        moment = office_time(rng, start + timedelta(days=offset))
        if moment > now:
            moment = now - timedelta(minutes=rng.randint(1, 600))
        received_times.append(moment)
    received_times.sort()
    # The last ones are still waiting for dispatch (the assign benchmark takes them).
    stuck_from = max(0, n_tickets - max(40, n_tickets // 500))
    plans = [plan_ticket(rng, moment, units, callers, stuck=(i >= stuck_from))
             for i, moment in enumerate(received_times)]
    per_day: dict[str, int] = {}
    for plan in plans:
        day = plan.received.strftime("%Y%m%d")
        per_day[day] = per_day.get(day, 0) + 1
        plan.base["id"] = f"T-{day}-A{per_day[day]:03d}"

    # Callback visits (回访), numbered per day in time order; the ticket's event names its visit.
    callbacks = sorted(((step.at, i, step) for i, plan in enumerate(plans) for step in plan.steps
                        if step.action == "callback" and step.at <= now), key=lambda c: (c[0], c[1]))
    per_day = {}
    visit_files = {}
    for at, i, step in callbacks:
        base = plans[i].base
        day = at.strftime("%Y%m%d")
        per_day[day] = per_day.get(day, 0) + 1
        vid = step.params["visit"] = f"V-{day}-A{per_day[day]:03d}"
        rating = step.params["rating"]
        ratings = {}
        if rng.random() < 0.5:
            for item in ("timeliness", "quality") + (("fee",) if base["category"] == "paid_repair" else ()) \
                    + ("attitude",):
                ratings[item] = rating if rng.random() < 0.8 else "basically_satisfied"
        ratings["overall"] = rating
        visit = {"id": vid, "type": "callback", "ticket": base["id"]}
        if base.get("unit"):
            visit["unit"] = base["unit"]
        visit.update({"method": pick(rng, [("phone", 70), ("wechat", 15), ("visit", 10), ("sms", 5)]),
                      "visited_at": ts(at), "visitor": step.by, "ratings": ratings})
        note = step.visit_note or (rng.choice(CALLBACK_NOTES["basically_satisfied"])
                                   if rating == "basically_satisfied" and rng.random() < 0.5 else None)
        if note:
            visit["note"] = note
        rel = f"visits/{vid[2:6]}-{vid[6:8]}/{vid}.yaml"
        files[rel] = visit_files[vid] = emit(visit)

    tickets = []
    statuses: dict[str, int] = {}
    commits: list = []          # (at, order, ticket index, history entry) with --history
    for i, plan in enumerate(plans):
        entries: list | None = [] if history else None
        record = plan.play(now, office, entries)
        tickets.append(record)
        statuses[record["status"]] = statuses.get(record["status"], 0) + 1
        rid = record["id"]
        files[f"tickets/{rid[2:6]}-{rid[6:8]}/{rid}.yaml"] = entries[-1][4] if history else ticket_text(record)
        if history:
            commits.extend((entry[1], i, j, entry) for j, entry in enumerate(entries))
    t_gen = time.perf_counter() - t0 - t_init - t_write

    started = time.perf_counter()
    written = set(first_files)
    write_files(directory, {rel: text for rel, text in files.items() if rel not in written}, made)
    t_write += time.perf_counter() - started

    subject = f"bench: import {n_households} households, {n_tickets} tickets, {len(callbacks)} callbacks"
    if history:
        commits.sort(key=lambda c: (c[0], c[1], c[2]))
        # The households arrive as `wuyectl import households` brings them: one commit by the
        # director with the tool's trailers, naming every unit (the audit replays it as such).
        imported = began.replace(hour=10)
        message = (f"import {len(units)} households from households.xlsx\n\nWuye-Action: import\n"
                   + "".join(f"Wuye-Record: {unit}\n" for unit in units)
                   + f"Wuye-Role: director\nWuye-At: {ts(imported)}\n")
        fast_import(directory, [(imported, message, DIRECTOR, [(rel, files[rel]) for rel in first_files])],
                    plans, commits, visit_files)
    else:
        subprocess.run(["git", "add", "-A", "."], cwd=directory, check=True)
        subprocess.run(["git", *GIT_ID, "commit", "-q", "--no-verify", "-m", subject], cwd=directory, check=True)
    t_git = time.perf_counter() - t0 - t_init - t_gen - t_write
    # Tickets waiting at the desk, newest first; repairs first (what `assign --to` a technician fits).
    received_ids = sorted((t for t in reversed(tickets) if t["status"] == "received"),
                          key=lambda t: t["category"] != "repair")
    received_ids = [t["id"] for t in received_ids]
    closed_ids = [t["id"] for t in reversed(tickets)
                  if t["status"] == "closed" and t["category"] == "repair" and t.get("unit")]
    return {"seconds": time.perf_counter() - t0, "init": t_init, "generate": t_gen, "write": t_write,
            "git": t_git, "tickets": len(tickets), "households": len(units), "visits": len(callbacks),
            "statuses": statuses, "received_ids": received_ids, "closed_ids": closed_ids,
            "wuyectl": wuyectl.__file__, "sample": tickets[-len(tickets) // 3] if tickets else None,
            "commits": len(commits)}


def _unix(local: datetime) -> int:
    return int((local - datetime(1970, 1, 1)).total_seconds()) - 8 * 3600


def fast_import(directory: str, bulk: list, plans: list, commits: list, visit_files: dict) -> None:
    """The audit trail an office would have after a year: one commit per event, authored by
    the person who acted, dated when it happened, with the tool's subject and trailers — fed
    to `git fast-import` (thousands of commits a second), then the index set to HEAD."""
    from wuyectl.domain import codes

    branch = subprocess.run(["git", "symbolic-ref", "HEAD"], cwd=directory, capture_output=True, text=True,
                            check=True).stdout.strip()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True, text=True,
                          check=True).stdout.strip()
    proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=directory, stdin=subprocess.PIPE)
    out = proc.stdin
    first = [True]

    def commit(at: datetime, who: str, message: str, changes) -> None:
        stamp = f"{_unix(at)} +0800"
        data = message.encode("utf-8")
        chunk = [f"commit {branch}\nauthor {who} <> {stamp}\ncommitter {who} <> {stamp}\n".encode("utf-8"),
                 b"data %d\n" % len(data), data, b"\n"]
        if first[0]:
            chunk.append(f"from {head}\n".encode())
            first[0] = False
        for rel, text in changes:
            blob = text.encode("utf-8")
            chunk += [f"M 100644 inline {rel}\n".encode("utf-8"), b"data %d\n" % len(blob), blob, b"\n"]
        out.write(b"".join(chunk))

    def trailers(action: str, records: list[str], role: str, at: datetime) -> str:
        lines = [f"Wuye-Action: {action}"] + [f"Wuye-Record: {r}" for r in records]
        return "\n".join(lines + [f"Wuye-Role: {role}", f"Wuye-At: {ts(at)}"]) + "\n"

    for at, message, who, changes in bulk:
        commit(at, who, message, changes)
    for at, i, _, (action, _, by, done, text) in commits:
        base = plans[i].base
        rid = base["id"]
        rel = f"tickets/{rid[2:6]}-{rid[6:8]}/{rid}.yaml"
        changes = [(rel, text)]
        records = [rid]
        # The subjects `wuyectl` writes (app/tickets.py, app/records.py), from what the step did.
        if action == "open":
            subject = f"{rid} open {codes.label('category', base['category'])} {base.get('unit') or '公共区域'}"
        elif action == "assign":
            event = done["event"]
            subject = f"{rid} assign → {codes.label('department', event['department'])} {event['to']}"
        elif action == "callback":
            event = done["event"]
            vid = event["visit"]
            outcome = "closed" if done["status"] == "closed" else f"reopened → {done['assignee']}"
            subject = f"{vid} callback {rid} {codes.label('rating', event['rating'])}, {outcome}"
            changes.insert(0, (f"visits/{vid[2:6]}-{vid[6:8]}/{vid}.yaml", visit_files[vid]))
            records = [vid, rid]
        else:
            subject = f"{rid} {action}{done['tail']}"
        commit(at, by, f"{subject}\n\n{trailers(action, records, ROLE_OF[by], at)}", changes)
    out.write(b"done\n")
    out.close()
    if proc.wait() != 0:
        raise SystemExit("bench: git fast-import failed")
    subprocess.run(["git", "reset", "-q"], cwd=directory, check=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=directory, capture_output=True).stdout
    if dirty:
        raise SystemExit("bench: the imported history does not end in the files written: "
                         + dirty.decode("utf-8", "replace")[:500])


def check_shape(directory: str, sample: int, seed: int) -> list[str]:
    """Files written here must be byte-for-byte what the tool writes for the same data
    (`yamlio.dump(yamlio.new_map(data))`), for a sample of every kind."""
    from wuyectl.store import yamlio

    rng = random.Random(seed)
    paths = subprocess.run(["git", "ls-files", "-z", "--", "tickets", "owners", "visits"], cwd=directory,
                           capture_output=True, check=True).stdout.decode().split("\0")
    paths = [p for p in paths if p.endswith(".yaml")]
    bad = []
    for rel in rng.sample(paths, min(sample, len(paths))):
        with open(os.path.join(directory, rel), encoding="utf-8") as fh:
            text = fh.read()
        data = yamlio.to_plain(yamlio.load_roundtrip(text))
        tool = yamlio.dump(yamlio.new_map(data))
        if tool != text:
            bad.append(rel)
    return bad


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------
def wuyectl_command() -> tuple[list[str], str]:
    script = os.path.join(os.path.dirname(sys.executable), "wuyectl")
    if os.path.isfile(script) and os.access(script, os.X_OK):
        return [script], script
    return [sys.executable, "-m", "wuyectl"], f"{sys.executable} -m wuyectl"


def run_timed(argv: list[str], cwd: str) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, capture_output=True)
    return time.perf_counter() - start, proc


class Op:
    """One timed operation: `make(i)` gives the argv of run i (i < 0: warm-up), `prepare(i)`
    runs untimed just before it."""

    def __init__(self, name: str, make, prepare=None):
        self.name, self.make, self.prepare = name, make, prepare
        self.times: list[float] = []

    def row(self) -> dict:
        return {"name": self.name, "median": statistics.median(self.times), "min": min(self.times),
                "max": max(self.times), "runs": len(self.times)}


def measure(ops: list[Op], cwd: str, repeat: int, warmup: int = 1) -> list[dict]:
    """Round-robin: every round runs each operation once, so a burst of load on the machine
    hits all of them alike instead of one block of runs."""
    for i in range(-warmup, repeat):
        for op in ops:
            if op.prepare:
                op.prepare(i)
            argv = op.make(i)
            seconds, proc = run_timed(argv, cwd)
            if proc.returncode != 0:
                message = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()
                raise SystemExit(f"bench: {op.name} failed (exit {proc.returncode}): {message}\n  {' '.join(argv)}")
            if i >= 0:
                op.times.append(seconds)
    return [op.row() for op in ops]


PROFILE_ROWS = [  # (label, file name, function): where one write goes, by cumulative time
    ("all imports", "<frozen importlib._bootstrap>", "_find_and_load"),
    ("  compile() (dataclasses; sources if no .pyc)", "~", "<built-in method builtins.compile>"),
    ("Office.open: read + check wuye.yaml", "office.py", "_load_config"),
    ("  jsonschema validator (import + build)", "schema.py", "_validator"),
    ("  schema checks (all calls)", "schema.py", "problems"),
    ("YAML round-trip parse (all calls)", "yamlio.py", "load_roundtrip"),
    ("YAML dump (all calls)", "yamlio.py", "dump"),
    ("the action (api.act)", "api.py", "act"),
    ("  Transaction.commit", "transaction.py", "commit"),
    ("git subprocesses (all)", "git.py", "run"),
]


def profile_assign(wuy: list[str], repo: str, ticket: str) -> None:
    """Where one `assign` spends its time: cProfile and the slowest imports."""
    import pstats

    folder = tempfile.mkdtemp(prefix="wuyectl-prof-")
    out = os.path.join(folder, "assign.prof")
    argv = [sys.executable, "-m", "cProfile", "-o", out, "-m", "wuyectl", "assign", ticket, "--to", BENCH_TECH,
            "--as", BENCH_CLERK]
    subprocess.run(argv, cwd=repo, check=True, capture_output=True)
    stats = pstats.Stats(out)
    total = stats.total_tt
    print(f"\n-- cProfile of one `wuyectl assign {ticket}` (in-process, {total:.3f} s under the profiler) --")
    print(f"  {'':<44} {'calls':>6} {'cumulative s':>13}")
    for label, filename, function in PROFILE_ROWS:
        hits = [(v[1], v[3]) for (f, _, fn), v in stats.stats.items()
                if fn == function and os.path.basename(f) == filename]
        if hits:
            calls = sum(h[0] for h in hits)
            cumulative = max(h[1] for h in hits)
            print(f"  {label:<44} {calls:>6} {cumulative:>13.3f}")
    print("  top functions by own time:")
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:10]
    for (f, line, fn), v in rows:
        where = fn if f == "~" else f"{os.path.basename(f)}:{line}({fn})"
        print(f"    {v[2]:7.3f} s  {v[1]:>6} calls  {where}")
    shutil.rmtree(folder, ignore_errors=True)

    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "wuyectl", "--help"], cwd=repo,
                          capture_output=True)
    top = []
    for line in proc.stderr.decode().splitlines():
        parts = line[len("import time:"):].split("|") if line.startswith("import time:") else []
        if len(parts) == 3 and parts[1].strip().isdigit():
            module = parts[2].rstrip()
            if module.startswith(" ") and not module.startswith("  "):
                top.append((int(parts[1]), module.strip()))
    print("-- python -X importtime -m wuyectl --help: top-level imports by cumulative time --")
    for cumulative, module in sorted(top, reverse=True)[:10]:
        print(f"  {cumulative / 1e6:7.3f} s  {module}")
    print(f"  {sum(c for c, _ in top) / 1e6:7.3f} s  all imports (site: the interpreter's own start-up)")


def table(rows: list[dict]) -> str:
    head = f"{'operation':<44} {'median s':>9} {'min s':>8} {'max s':>8} {'runs':>5}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['name']:<44} {r['median']:>9.3f} {r['min']:>8.3f} {r['max']:>8.3f} {r['runs']:>5}")
    return "\n".join(lines)


def main(argv=None) -> int:
    # The pre-commit hook `wuyectl init` installs runs `wuyectl` from PATH, as a clerk's shell
    # has it: this interpreter's scripts first (the benchmark may be run without activating it).
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=20_000, help="tickets to build (default 20000)")
    parser.add_argument("--households", type=int, default=5_000, help="households to build (default 5000)")
    parser.add_argument("--dir", default=None, help="build the office here (must not exist or be empty); "
                                                     "default: a temporary folder, removed afterwards")
    parser.add_argument("--keep", action="store_true", help="keep the temporary office repo")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per operation (default 7)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generated office")
    parser.add_argument("--validate", action="store_true",
                        help="also run (and time) `wuyectl validate` on the built repo, and check that a "
                             "sample of files is byte-for-byte what the tool writes")
    parser.add_argument("--history", action="store_true",
                        help="give the repo the audit trail a year of use would leave: one commit per event "
                             "(~6 per ticket, via git fast-import) instead of one import commit; slower to "
                             "build, and what `show` (git log -- PATH) really faces")
    parser.add_argument("--audit", action="store_true",
                        help="also time `wuyectl audit` on the built repo: the whole history replayed (cold, "
                             "no checkpoint), then again with the checkpoint it left (only new commits); both "
                             "must report no findings")
    parser.add_argument("--bytecode", choices=["cached", "env"], default="cached",
                        help="cached (default): the timed processes keep compiled bytecode in a temporary "
                             "PYTHONPYCACHEPREFIX, as an installed wuyectl would have it (the warm-up run "
                             "fills it); env: run them with this environment as it is (if it sets "
                             "PYTHONDONTWRITEBYTECODE, every run compiles wuyectl's sources again)")
    parser.add_argument("--profile", action="store_true",
                        help="also profile one `assign` (cProfile) and the imports (-X importtime)")
    args = parser.parse_args(argv)
    if args.tickets < 1 or args.households < 1 or args.repeat < 1:
        parser.error("--tickets, --households and --repeat must be at least 1")

    if args.dir:
        repo = os.path.abspath(args.dir)
        if os.path.exists(repo) and os.listdir(repo):
            parser.error(f"--dir {repo} exists and is not empty")
        cleanup = False
    else:
        repo = tempfile.mkdtemp(prefix="wuyectl-bench-")
        cleanup = not args.keep

    pycache = None
    if args.bytecode == "cached":
        pycache = tempfile.mkdtemp(prefix="wuyectl-bench-pycache-")
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = pycache
    try:
        print(f"building an office of {args.tickets} tickets, {args.households} households in {repo} …",
              flush=True)
        info = build(repo, args.tickets, args.households, args.seed, history=args.history)
        files = subprocess.run(["git", "ls-files", "-z"], cwd=repo, capture_output=True,
                               check=True).stdout.count(b"\0")
        git_bytes = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(repo, ".git"))
                        for f in fs)
        print(f"built in {info['seconds']:.1f} s (init + staff {info['init']:.1f}, generate {info['generate']:.1f}, "
              f"write {info['write']:.1f}, " + (f"git fast-import of {info['commits']} event commits"
                                                  if args.history else "git add + commit") + f" {info['git']:.1f})")
        print(f"repo: {files} files in git ({info['tickets']} tickets, {info['households']} households, "
              f"{info['visits']} callback visits, wuye.yaml, …); .git {git_bytes / 1e6:.0f} MB")
        print("ticket states: " + ", ".join(f"{k} {v}" for k, v in sorted(info["statuses"].items(),
                                                                       key=lambda kv: -kv[1])))
        wuy, wuy_text = wuyectl_command()
        print(f"wuyectl: {wuy_text} (package {os.path.dirname(info['wuyectl'])}); bytecode: "
              + ("cached in a temporary PYTHONPYCACHEPREFIX" if pycache else
                 "as the environment says" + (" (PYTHONDONTWRITEBYTECODE set: sources compiled every run)"
                                              if os.environ.get("PYTHONDONTWRITEBYTECODE") else "")))

        rows = []
        if args.validate:
            bad = check_shape(repo, 300, args.seed)
            if bad:
                raise SystemExit(f"bench: {len(bad)} sampled file(s) differ from what the tool writes, e.g. {bad[0]}")
            print("shape: 300 sampled files are byte-for-byte what the tool writes")
            seconds, proc = run_timed([*wuy, "validate"], repo)
            print(f"validate: {proc.stdout.decode().strip() or proc.stderr.decode().strip()[:2000]} "
                  f"({seconds:.1f} s, first run: every file parsed)")
            if proc.returncode != 0:
                raise SystemExit("bench: the built repo does not validate")
            rows.append({"name": "wuyectl validate (cold: parses every file)", "median": seconds, "min": seconds,
                         "max": seconds, "runs": 1})

        if args.audit:
            commits = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=repo, capture_output=True,
                                     text=True).stdout.strip()
            for label in ("cold: every commit replayed", "warm: the checkpoint, nothing new"):
                seconds, proc = run_timed([*wuy, "audit"], repo)
                said = (proc.stdout.decode().strip() or proc.stderr.decode().strip())[:300]
                print(f"audit ({label}) of {commits} commits: {seconds:.1f} s — {said.splitlines()[0] if said else ''}",
                      flush=True)
                if proc.returncode != 0:
                    raise SystemExit("bench: the built history has audit findings:\n" + proc.stdout.decode()[:3000])
                rows.append({"name": f"wuyectl audit ({label.split(':')[0]})", "median": seconds, "min": seconds,
                             "max": seconds, "runs": 1})

        need = args.repeat + 1 + (1 if args.profile else 0)
        received = info["received_ids"]
        if len(received) < need:
            raise SystemExit(f"bench: only {len(received)} received tickets for {need} assign runs")
        shown = info["closed_ids"] or [info["sample"]["id"]]
        scratch = os.path.join(repo, SCRATCH)
        counter = [0]

        def touch(_i):
            counter[0] += 1
            with open(scratch, "a", encoding="utf-8") as fh:
                fh.write(f"change {counter[0]} {time.time()}\n")

        print(f"timing: {args.repeat} rounds of every operation (after 1 untimed warm-up round) …", flush=True)
        open_argv = [*wuy, "open", "ticket", "--channel", "phone", "--category", "repair", "--unit", "3-2-1201",
                     "--reporter", "张先生", "--phone", "13800138000", "--description", "卫生间漏水", "-o", "ids",
                     "--as", BENCH_CLERK]
        ops = [
            Op("python -c pass", lambda i: [sys.executable, "-c", "pass"]),
            Op("wuyectl --help", lambda i: [*wuy, "--help"]),
            Op("git commit one file (floor, --no-verify)",
               lambda i: ["git", *GIT_ID, "commit", "-q", "--no-verify", "-m", "x", "--", SCRATCH], touch),
            Op("git commit one file (with pre-commit hook)",
               lambda i: ["git", *GIT_ID, "commit", "-q", "-m", "x", "--", SCRATCH], touch),
            Op("wuyectl open ticket … -o ids", lambda i: open_argv),
            Op("wuyectl assign ID --to PERSON",
               lambda i: [*wuy, "assign", received[i + 1], "--to", BENCH_TECH, "--as", BENCH_CLERK]),
            Op("wuyectl show ID", lambda i: [*wuy, "show", shown[(i + 1) % len(shown)]]),
        ]
        rows += measure(ops, repo, args.repeat)
        status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True).stdout
        commits = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=repo, capture_output=True,
                                 text=True).stdout.strip()

        print()
        print(table(rows))
        floor = next(r for r in rows if r["name"].startswith("git commit one file (floor"))
        startup = next(r for r in rows if r["name"] == "python -c pass")
        print()
        for r in rows:
            if r["name"].startswith("wuyectl ") and "validate" not in r["name"] and "--help" not in r["name"]:
                print(f"  {r['name']:<32} = {r['median'] / floor['median']:5.1f} × the git commit floor, "
                      f"{r['median'] - startup['median']:.3f} s above bare python startup")
        print(f"\nrepo after the runs: {files} files at build, {commits} commits, "
              f"work tree {'clean' if not status else 'NOT clean'}; build {info['seconds']:.1f} s")
        if args.profile:
            profile_assign(wuy, repo, received[args.repeat + 1])
        if not cleanup:
            print(f"office kept at {repo}")
        return 0
    finally:
        if cleanup:
            shutil.rmtree(repo, ignore_errors=True)
        if pycache:
            shutil.rmtree(pycache, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
